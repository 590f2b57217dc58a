"""The COPY path for validator-sized answers: rows reach dlt as arrow tables, which dlt writes to
parquet while extracting and to CSV while normalizing (pyarrow's writers, no Python per row), and
its Postgres destination loads CSV with `COPY ... FROM STDIN` into the merge's staging table.
dlt's docs (dlt-ecosystem/verified-sources/arrow-pandas): arrow items bypass "many processing
steps normally involved in passing JSON objects through the pipeline"; the Postgres destination
supports the `csv` loader file format (destinations/postgres, loaded with COPY).

Types come from each table's dlt column hints, never inferred: base units stay exact as
decimal128(38, 0) (written as integer text, read by Postgres as numeric), and a value that does not
fit its column stops the load naming the table and column (pyarrow raises; nothing is rounded).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import pyarrow as pa

# The tables whose rows scale with the validator count: attestation rewards and validator states
# (Ethereum), vote accounts and their epoch credits, inflation rewards (Solana), Jito's validators.
BULK_TABLES = frozenset({
    "attestation_rewards", "validator_states", "attestation_rewards_daily", "attestation_rewards_daily_batches",
    "vote_accounts", "epoch_credits", "inflation_rewards",
    "jito_validators",
})
BULK_FILE_FORMAT = "csv"
# Bulk tables a period's first load appends (COPY straight into the raw table, no staging table,
# no merge over the table's history; loaders/pipeline.py decides when that is safe). Their keys
# can be in no package but those of the period and of the periods the loader names as sharing
# keys with it: an Ethereum day's package holds attestation rewards of epochs a-2..b, so the day
# before and the day after share two epochs each. Not validator_states: a day's end state is the
# next day's start state, and a reload of either would need that state merged.
APPEND_TABLES = frozenset({"attestation_rewards"})

_ARROW_TYPES = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def configure_dlt() -> None:
    """dlt settings the COPY path needs, set before any pipeline extracts (dlt reads its
    configuration when a step starts); an operator's own setting wins.
    - dlt adds `_dlt_load_id` and `_dlt_id` to arrow items only when told to (off by default for
      arrow): staging reads rows by their load id (macros/completed_rows.sql), and the raw
      tables' `_dlt_id` is not null.
    - dlt gzips every intermediate file it writes and reads back (extract, normalize, load): on a
      network-wide day that was a tenth of the loader's CPU. The files live for one package and
      are deleted once it is loaded (loaders/pipeline.py), so they stay uncompressed."""
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    os.environ.setdefault("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")


def first_of_each_key(rows: Sequence[Mapping[str, Any]], key: Sequence[str], seen: set) -> list[Mapping[str, Any]]:
    """The rows whose key (`key` columns) is not in `seen` yet, the first of each; `seen` grows.
    A package appended to its raw table must not hold a key twice (a merge would have kept one)."""
    take = itemgetter(*key)
    out = []
    for row in rows:
        k = take(row)
        if k not in seen:
            seen.add(k)
            out.append(row)
    return out


def arrow_type(column: Mapping[str, Any]) -> pa.DataType:
    kind = column["data_type"]
    if kind == "decimal":
        return pa.decimal128(column.get("precision", 38), column.get("scale", 0))
    if kind not in _ARROW_TYPES:
        raise TypeError(f"no arrow type for dlt data_type {kind!r}")
    return _ARROW_TYPES[kind]


def arrow_schema(columns: Mapping[str, Mapping[str, Any]]) -> pa.Schema:
    return pa.schema([pa.field(name, arrow_type(spec), nullable=spec.get("nullable", True)) for name, spec in columns.items()])


def arrow_batch(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Mapping[str, Any]], *, chain: str, table: str) -> pa.Table:
    """One batch of rows as an arrow table typed by the table's column hints, every row with the
    chain key. A key of a row that no column declares is an error (a typo would otherwise drop
    data silently); a declared column a row lacks is null."""
    schema = arrow_schema(columns)
    undeclared = set(rows[0]) - set(columns)
    if undeclared:
        raise ValueError(f"{table}: row keys {sorted(undeclared)} are not columns of the table")
    arrays = []
    for field in schema:
        if field.name == "chain":
            arrays.append(pa.array([chain] * len(rows), type=field.type))
            continue
        name = field.name
        try:
            arrays.append(pa.array([row.get(name) for row in rows], type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise ValueError(f"{table}.{name}: a value does not fit {field.type}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=schema)
