"""The JSON text of a request body sent many times. A network-wide run asks every epoch for the
same index ranges, each with a body of 10,000 ids (loaders/ethereum/fetch.index_ranges), and the
text of such a body was made twice a request (by requests, to send it, and by the archive, to key
and store the request): on a simulated mainnet day of 200,000 validators, building, encoding and
re-encoding those lists took about a sixth of the loader's CPU (py-spy: ~19 s of 121 s). A body
passed as a tuple or an IdRange is encoded once while it is kept; any other body is encoded every
time.

The text is exactly `json.dumps(body, sort_keys=True, default=str)`, the archive's encoding, so a
request's archived parameters, and so its response id, are what they always were.

An index range's ids are an `IdRange`: the range itself, encoded as the list of decimal strings it
stands for. A tuple of them held 10,000 strings a range for the whole run (~63 bytes a validator:
63 MB at 1,000,000 validators, the loader's RSS growing with the network); only the kept text
(~10 bytes a validator) is held now."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

MAX_KEPT = 1024  # bodies kept: a network-wide run uses one per index range (100 at 1,000,000 validators)

_kept: dict[int, tuple[Any, str]] = {}
_lock = threading.Lock()


class IdRange(Sequence[str]):
    """The ids `str(start)` .. `str(start + size - 1)`, without holding them: a network-wide request's
    body (loaders/ethereum/fetch.index_ranges). Immutable."""

    __slots__ = ("start", "size")

    def __init__(self, start: int, size: int) -> None:
        if start < 0 or size < 0:
            raise ValueError(f"an index range starts at 0 or later and has 0 ids or more, not start={start}, size={size}")
        self.start, self.size = start, size

    def __len__(self) -> int:
        return self.size

    def _indices(self) -> range:
        return range(self.start, self.start + self.size)

    def __getitem__(self, k):  # an int gives an id; a slice gives the tuple of its ids
        if isinstance(k, slice):
            return tuple(map(str, self._indices()[k]))
        return str(self._indices()[k])

    def __iter__(self) -> Iterator[str]:
        return map(str, self._indices())

    def __repr__(self) -> str:
        return f"IdRange({self.start}, {self.size})"

    def text(self) -> str:
        """json.dumps(list(self)): '["start", ..., "last"]' with json's default separator."""
        return '["' + '", "'.join(self) + '"]' if self.size else "[]"


def kept(body: Any) -> bool:
    """Whether the body's text is kept: a tuple or an IdRange (exactly those types: immutable, so
    the same object always has the same text)."""
    return type(body) is tuple or type(body) is IdRange


def _encode(body: Any) -> str:
    return body.text() if type(body) is IdRange else json.dumps(body, sort_keys=True, default=_default)


def _default(value: Any) -> Any:
    # An IdRange inside a larger body is its list; anything else is str(), as the archive always had it.
    return list(value) if type(value) is IdRange else str(value)


def body_text(body: Any) -> str:
    """json.dumps(body, sort_keys=True, default=str), kept for a tuple or an IdRange (immutable: the
    same object always has the same text). The entry holds the object itself, so its id cannot be
    reused by another object while the entry lives."""
    if not kept(body):
        return _encode(body)
    hit = _kept.get(id(body))
    if hit is not None and hit[0] is body:
        return hit[1]
    text = _encode(body)
    with _lock:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[id(body)] = (body, text)
    return text


def params_text(params: Any) -> str:
    """The archive's text of a request's parameters: json.dumps(params, sort_keys=True,
    default=str), the body's part from body_text. {"query": q, "body": b} encodes to
    '{"body": <b>, "query": <q>}' (sorted keys, json's default separators, no indent)."""
    if type(params) is dict and params.keys() == {"query", "body"} and kept(params["body"]):
        return '{"body": ' + body_text(params["body"]) + ', "query": ' + _encode(params["query"]) + "}"
    return _encode(params)
