"""A validators answer (`POST /eth/v1/beacon/states/{state_id}/validators`) read straight into
arrow columns by pyarrow's JSON reader, as attestations_arrow reads the attestation rewards: a
network-wide day reads every validator twice (its two bounding states), 2 million records at a
million validators, and the ordinary reading (json.loads, then a Reader call per field) cost
~20 µs of the loader's Python a record (a py-spy profile of a mainnet-shaped day of 1,000,000
validators: a fifth of the samples holding Python's lock).

It only vouches for what it can prove json.loads and parse_validators read the same way; for
anything else it returns None and the caller reads the body as before, which accepts, refuses
and names exactly what it always did. What it takes:
- an ASCII body (as attestations_arrow: json.loads decodes what arrow cannot, or refuses what
  arrow keeps unread);
- exactly one JSON object whose every member, at every level, is in SCHEMA with its type: a
  member it does not know (a provider's addition: parse_validators ignores it), a member given
  twice, a number or boolean where a string is declared, a string where a boolean is, NaN, a lone
  surrogate, a control character in a string, a second document: None;
- data present, every entry an object with a `validator` object, and every field
  parse_validators reads present and not null; the numbers plain unsigned decimal strings that
  fit 64 bits, except the far-future epoch (2**64 - 1), which is read as null as
  parse_validators does (helpers._epoch).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from loaders.beacon.arrow_json import plain_int64, read_document

FAR_FUTURE_EPOCH = str(2**64 - 1)
_VALIDATOR = ("pubkey", "withdrawal_credentials", "effective_balance", "slashed", "activation_eligibility_epoch",
              "activation_epoch", "exit_epoch", "withdrawable_epoch")
# Every member a beacon node's answer holds (beacon-APIs getStateValidators); any other: None.
SCHEMA = pa.schema([
    ("execution_optimistic", pa.bool_()),
    ("finalized", pa.bool_()),
    ("data", pa.list_(pa.struct([
        ("index", pa.string()),
        ("balance", pa.string()),
        ("status", pa.string()),
        ("validator", pa.struct([(name, pa.bool_() if name == "slashed" else pa.string()) for name in _VALIDATOR])),
    ]))),
])
_PARSE = pj.ParseOptions(explicit_schema=SCHEMA, unexpected_field_behavior="error")
_UNSIGNED = r"^[0-9]+$"
# parse_validators' row keys, in its order
COLUMNS = ("validator_index", "balance_gwei", "status", "pubkey", "withdrawal_credentials", "effective_balance_gwei",
           "slashed", "activation_epoch", "exit_epoch", "withdrawable_epoch")


def read_validator_columns_arrow(body: bytes) -> dict[str, pa.Array] | None:
    """The answer's data as columns named and valued as parse_validators' row keys (COLUMNS):
    int64 numbers (null for a far-future epoch), lower-cased pubkeys and credentials, or None
    when this reader cannot vouch for the body (module docstring)."""
    data = read_document(body, _PARSE)
    if data is None:
        return None
    entries = data.flatten()
    if entries.null_count:  # an entry given as null
        return None
    validator = entries.field("validator")
    if validator.null_count:
        return None
    record = {"index": entries.field("index"), "balance": entries.field("balance"), "status": entries.field("status")}
    record.update({name: validator.field(name) for name in _VALIDATOR if name != "activation_eligibility_epoch"})
    if any(values.null_count for values in record.values()):
        return None
    numbers = {}
    for member, column in (("index", "validator_index"), ("balance", "balance_gwei"), ("effective_balance", "effective_balance_gwei")):
        numbers[column] = plain_int64(record[member], _UNSIGNED)
    for member in ("activation_epoch", "exit_epoch", "withdrawable_epoch"):
        values = record[member]
        far = pc.equal(values, FAR_FUTURE_EPOCH)
        numbers[member] = plain_int64(pc.if_else(far, pa.scalar(None, pa.string()), values), _UNSIGNED, nulls=True)
    if any(values is None for values in numbers.values()):
        return None
    out = {
        **numbers,
        "status": record["status"],
        # an ASCII body: str.lower and arrow's ASCII lower-casing agree
        "pubkey": pc.ascii_lower(record["pubkey"]),
        "withdrawal_credentials": pc.ascii_lower(record["withdrawal_credentials"]),
        "slashed": record["slashed"],
    }
    return {column: out[column] for column in COLUMNS}

