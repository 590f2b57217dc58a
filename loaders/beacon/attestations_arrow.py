"""An attestation-rewards answer read straight into arrow columns by pyarrow's JSON reader (C++,
the GIL released), for the answers that make a network-wide day big: 10,000 entries an answer,
227 answers a validator a mainnet day. orjson builds a Python string for every value before the
column parse joins them again; this reader never makes a Python object per value, and the four
answers in flight are read on both cores (a 10,000-entry answer: 6.5 against 6.9 ms on one
thread, 3.6 against 7.0 ms an answer on two threads at once; bench/README.md).

It only vouches for what it can prove json.loads and the ordinary parse read the same way; for
anything else it returns None and the caller reads the body as before (orjson, then json.loads),
which accepts, refuses and names exactly what it always did. What it takes:
- an ASCII body (json.loads would refuse invalid UTF-8 that arrow keeps in an unread string, and
  decode a UTF-16 body or a byte-order mark arrow cannot): anything else, None;
- exactly one JSON object whose every member, at every level, is in SCHEMA with its type: the
  reader refuses a member it does not know, a member given twice (json.loads keeps the last), a
  number, boolean, object or array where a string is declared, NaN, a lone surrogate, a control
  character in a string; a second document after the first is a second row (json: "Extra data");
- every read value a plain decimal string: ASCII digits, a leading minus in the signed
  components (the same rule as helpers._int64_column), fitting 64 bits; validator_index and the
  four components never null; inclusion_delay null (or absent) in every entry, read as 0 as the
  ordinary parse does, or present in every entry;
- data, ideal_rewards and total_rewards present (not null).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.json as pj

from loaders.beacon.arrow_json import plain_int64, read_document

_ENTRY = ("validator_index", "head", "target", "source", "inactivity", "inclusion_delay")
_IDEAL = ("effective_balance", "head", "target", "source", "inclusion_delay", "inactivity")
# Every member a beacon node's answer holds (beacon-APIs getAttestationsRewards); any other: None.
SCHEMA = pa.schema([
    ("execution_optimistic", pa.bool_()),
    ("finalized", pa.bool_()),
    ("data", pa.struct([
        ("ideal_rewards", pa.list_(pa.struct([(name, pa.string()) for name in _IDEAL]))),
        ("total_rewards", pa.list_(pa.struct([(name, pa.string()) for name in _ENTRY]))),
    ])),
])
_PARSE = pj.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="error")
_UNSIGNED = r"^[0-9]+$"
_SIGNED = r"^-?[0-9]+$"
# entry member -> the column name of loaders/beacon/helpers.ATTESTATION_COLUMNS
_COLUMNS = {"validator_index": "validator_index", "head": "head_gwei", "target": "target_gwei", "source": "source_gwei",
            "inclusion_delay": "inclusion_delay_gwei", "inactivity": "inactivity_gwei"}


def read_attestation_columns_arrow(body: bytes) -> dict[str, pa.Array] | None:
    """The answer's total_rewards as int64 columns (helpers.ATTESTATION_COLUMNS, in entry order),
    or None when this reader cannot vouch for the body (module docstring)."""
    data = read_document(body, _PARSE)
    if data is None:
        return None
    ideal, totals = data.field("ideal_rewards"), data.field("total_rewards")
    if ideal.null_count or totals.null_count:
        return None
    entries = totals.flatten()
    if entries.null_count:  # an entry given as null
        return None
    out: dict[str, pa.Array] = {}
    for member, column in _COLUMNS.items():
        values = entries.field(member)
        if member == "inclusion_delay" and values.null_count == len(values):
            # absent or null everywhere: 0 (after Altair); filled in arrow, not from a Python list
            # of 10,000 zeros (0.25 → 0.04 ms an answer)
            out[column] = pa.nulls(len(values), pa.int64()).fill_null(0)
            continue
        parsed = plain_int64(values, _UNSIGNED if member == "validator_index" else _SIGNED)
        if parsed is None:
            return None
        out[column] = parsed
    return {column: out[column] for column in _COLUMNS.values()}

