"""Raw tables exist before any load, and a column a newer Aurora adds reaches an older warehouse."""

from __future__ import annotations

import pytest

from loaders.raw_schemas import ensure_raw_schemas
from loaders.warehouse import open_warehouse
from tests.support.db import query

pytestmark = pytest.mark.new_warehouse  # what ensure_raw_schemas does to a warehouse without them


def columns(warehouse, schema: str, table: str) -> set[str]:
    return {r[0] for r in query(warehouse, "select column_name from information_schema.columns where table_schema = %s and table_name = %s", (schema, table))}


def test_every_raw_table_exists_empty_on_a_new_warehouse(warehouse):
    ensure_raw_schemas(open_warehouse())
    for schema, table in (("raw_solana", "blocks"), ("raw_solana", "jito_validators"), ("raw_solana", "rejected_items"),
                          ("raw_ethereum", "attestation_rewards"), ("raw_ethereum", "http_responses"), ("raw_prices", "daily_prices")):
        assert query(warehouse, f"select count(*) from {schema}.{table}") == [(0,)]


def test_a_column_missing_from_an_older_warehouse_is_added(warehouse, monkeypatch):
    import loaders.ethereum as ethereum

    older = {table: dict(cols) for table, cols in ethereum.COLUMNS.items()}
    del older["execution_transactions"]["block_response_id"]  # what an earlier release created
    with monkeypatch.context() as patch:
        patch.setattr(ethereum, "COLUMNS", older)
        ensure_raw_schemas(open_warehouse())
    assert "block_response_id" not in columns(warehouse, "raw_ethereum", "execution_transactions")
    ensure_raw_schemas(open_warehouse())  # the upgrade: `aurora build` and `aurora run` call this
    assert "block_response_id" in columns(warehouse, "raw_ethereum", "execution_transactions")


def test_a_column_a_newer_aurora_makes_nullable_takes_nulls_in_an_older_warehouse(warehouse, monkeypatch):
    import loaders.solana as solana

    older = {table: dict(cols) for table, cols in solana.COLUMNS.items()}
    older["vote_accounts"]["commission"] = {"data_type": "bigint", "nullable": False}  # before SIMD-0291
    with monkeypatch.context() as patch:
        patch.setattr(solana, "COLUMNS", older)
        ensure_raw_schemas(open_warehouse())
    nullable = "select is_nullable from information_schema.columns where table_schema = 'raw_solana' and table_name = 'vote_accounts' and column_name = 'commission'"
    assert query(warehouse, nullable) == [("NO",)]
    ensure_raw_schemas(open_warehouse())
    assert query(warehouse, nullable) == [("YES",)]


def test_validator_sized_tables_go_without_dlts_unique_index_on_the_row_id(warehouse):
    def unique_on_row_id(table: str) -> bool:
        return query(warehouse, """select count(*) from pg_constraint as k join pg_class as c on c.oid = k.conrelid
            join pg_namespace as n on n.oid = c.relnamespace join pg_attribute as a on a.attrelid = c.oid and a.attnum = any(k.conkey)
            where n.nspname = 'raw_ethereum' and c.relname = %s and k.contype = 'u' and a.attname = '_dlt_id'""", (table,))[0][0] > 0

    ensure_raw_schemas(open_warehouse())  # dlt created every table with one; the bulk tables lose it
    assert not unique_on_row_id("attestation_rewards") and not unique_on_row_id("validator_states")
    assert unique_on_row_id("beacon_blocks")
    ensure_raw_schemas(open_warehouse())  # once dropped, nothing to do
    assert not unique_on_row_id("attestation_rewards")
