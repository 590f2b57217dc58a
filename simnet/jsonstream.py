"""JSON that can be written while it is generated.

Handlers return plain Python structures in which a large array may be a `Lazy` iterable; the
server encodes the structure piece by piece, so a million-entry response never exists in memory
as a whole. Faults that change content (a wrong type, unknown fields) wrap the same structure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def compact_json(value: Any) -> str:
    """The text `iter_json` gives a value holding no Lazy (for pre-encoded entries)."""
    return _dumps(value)


class Lazy:
    """An array produced on demand (a generator factory, so it can be encoded more than once).

    `encoded`, when given, makes the same entries already encoded: batches (lists) of each entry's
    compact JSON text. The encoder then joins the texts instead of encoding every entry's
    structure, which is what bounds a network-wide answer's cost; a `map` (a fault changing the
    entries) drops it, so what is mapped is always the structure.
    """

    def __init__(self, make: Callable[[], Iterable[Any]],
                 encoded: Callable[[], Iterable[list[str]]] | None = None):
        self._make = make
        self.encoded = encoded

    def __iter__(self) -> Iterator[Any]:
        return iter(self._make())

    def map(self, fn: Callable[[int, Any], Any]) -> "Lazy":
        make = self._make
        return Lazy(lambda: (fn(i, item) for i, item in enumerate(make())))


def iter_json(obj: Any) -> Iterator[str]:
    """Encode obj as compact JSON, yielding pieces.

    Whatever holds no Lazy is encoded whole by the C encoder: one piece per array entry instead of
    one per scalar is both faster and what keeps the chunk buffer small.
    """
    if isinstance(obj, Lazy) and obj.encoded is not None:
        yield "["
        first = True
        for batch in obj.encoded():
            if batch:
                yield ",".join(batch) if first else "," + ",".join(batch)
                first = False
        yield "]"
        return
    if isinstance(obj, Lazy):
        yield "["
        first = True
        for item in obj:
            if not first:
                yield ","
            first = False
            yield from iter_json(item)
        yield "]"
        return
    if isinstance(obj, (dict, list, tuple)):
        try:
            yield _dumps(obj)
            return
        except TypeError:
            pass  # a Lazy inside: encode this level piece by piece
    if isinstance(obj, dict):
        yield "{"
        first = True
        for key, value in obj.items():
            if not first:
                yield ","
            first = False
            yield _dumps(str(key))
            yield ":"
            yield from iter_json(value)
        yield "}"
    elif isinstance(obj, (list, tuple)):
        yield "["
        first = True
        for item in obj:
            if not first:
                yield ","
            first = False
            yield from iter_json(item)
        yield "]"
    else:
        yield _dumps(obj)


def iter_chunks(obj: Any, size: int = 32768) -> Iterator[bytes]:
    """The encoded JSON in chunks of about `size` bytes (bytes-like: each a fresh bytearray)."""
    # Pieces go straight into one byte buffer (a list of small str pieces would cost ~50 bytes of
    # object overhead each), and the buffer itself is handed out rather than copied.
    buffer = bytearray()
    for piece in iter_json(obj):
        buffer += piece.encode()
        if len(buffer) >= size:
            yield buffer
            buffer = bytearray()
    if buffer:
        yield buffer


def encode(obj: Any) -> bytes:
    return b"".join(iter_chunks(obj))


def materialize(obj: Any) -> Any:
    """The structure with every Lazy expanded (for tests and small responses)."""
    if isinstance(obj, dict):
        return {k: materialize(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, Lazy)):
        return [materialize(v) for v in obj]
    return obj
