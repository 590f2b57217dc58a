"""The JSON text of a request body sent many times. A network-wide run asks every epoch for the
same index ranges, each with a body of 10,000 ids (loaders/ethereum/fetch.index_ranges), and the
text of such a body was made twice a request (by requests, to send it, and by the archive, to key
and store the request): on a simulated mainnet day of 200,000 validators, building, encoding and
re-encoding those lists took about a sixth of the loader's CPU (py-spy: ~19 s of 121 s). A body
passed as a tuple is encoded once while it is kept; any other body is encoded every time.

The text is exactly `json.dumps(body, sort_keys=True, default=str)`, the archive's encoding, so a
request's archived parameters, and so its response id, are what they always were."""

from __future__ import annotations

import json
import threading
from typing import Any

MAX_KEPT = 1024  # bodies kept: a network-wide run uses one per index range (100 at 1,000,000 validators)

_kept: dict[int, tuple[tuple, str]] = {}
_lock = threading.Lock()


def body_text(body: Any) -> str:
    """json.dumps(body, sort_keys=True, default=str), kept for a tuple (immutable: the same object
    always has the same text). The entry holds the tuple itself, so its id cannot be reused by
    another object while the entry lives."""
    if type(body) is not tuple:
        return json.dumps(body, sort_keys=True, default=str)
    hit = _kept.get(id(body))
    if hit is not None and hit[0] is body:
        return hit[1]
    text = json.dumps(body, sort_keys=True, default=str)
    with _lock:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[id(body)] = (body, text)
    return text


def params_text(params: Any) -> str:
    """The archive's text of a request's parameters: json.dumps(params, sort_keys=True,
    default=str), the body's part from body_text. {"query": q, "body": b} encodes to
    '{"body": <b>, "query": <q>}' (sorted keys, json's default separators, no indent)."""
    if type(params) is dict and params.keys() == {"query", "body"} and type(params["body"]) is tuple:
        return '{"body": ' + body_text(params["body"]) + ', "query": ' + json.dumps(params["query"], sort_keys=True, default=str) + "}"
    return json.dumps(params, sort_keys=True, default=str)
