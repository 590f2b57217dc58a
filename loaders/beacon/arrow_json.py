"""What the arrow readings of beacon answers share (attestations_arrow, validators_arrow): one
ASCII JSON document read by pyarrow's reader against an explicit schema, and decimal strings
cast to int64 only when every one is plain."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj


def read_document(body: bytes, parse: pj.ParseOptions) -> pa.StructArray | None:
    """The body's one document as a struct of the schema's members (its `data` member present
    and not null), or None: a body that is not ASCII, that the reader refuses under `parse`, or
    that holds more than one document."""
    if not body.isascii():
        return None
    try:
        table = pj.read_json(io.BytesIO(body), read_options=pj.ReadOptions(use_threads=False, block_size=len(body) + 1),
                             parse_options=parse)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return None
    if table.num_rows != 1:
        return None
    data = table.column("data").chunk(0)
    return None if data.null_count else data


def plain_int64(values: pa.Array, pattern: str, *, nulls: bool = False) -> pa.Array | None:
    """The strings as int64 when every one (but the nulls, where `nulls`) matches `pattern` (a
    plain decimal: arrow's cast alone also reads hex) and fits 64 bits; else None."""
    if values.null_count and not nulls:
        return None
    if not pc.all(pc.match_substring_regex(values, pattern), skip_nulls=True, min_count=0).as_py():
        return None
    try:
        return values.cast(pa.int64())
    except pa.ArrowInvalid:  # beyond 64 bits
        return None
