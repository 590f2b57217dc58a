"""Staging reads only rows of completed dlt loads (a `_dlt_loads` record with status 0): every
staging model goes through the one macro, and a row of an unfinished load stays out of sight."""

from __future__ import annotations

import re
from pathlib import Path

from loaders.dbt_runner import run_dbt
from loaders.raw_schemas import ensure_raw_schemas
from loaders.warehouse import open_warehouse
from tests.support.db import execute, query

ROOT = Path(__file__).resolve().parents[2]
STAGING = ROOT / "dbt_project" / "models" / "staging"
MACROS = ROOT / "dbt_project" / "macros"
# Macros that stage tables every raw dataset has, by the file that defines them.
SHARED_MACROS = {"stage_http_responses": "stage_archive.sql", "stage_rejected_items": "stage_archive.sql",
                 "stage_period_loads": "stage_progress.sql", "stage_schedules": "stage_progress.sql"}


def test_every_staging_model_reads_its_raw_table_through_completed_rows():
    models = sorted(STAGING.rglob("*.sql"))
    assert len(models) > 30
    for model in models:
        sql = model.read_text()
        assert "source(" not in sql, f"{model.name} reads a raw table directly: use completed_rows()"
        if model.stem.endswith("__http_bodies"):
            # Written by Aurora per sha256, not by dlt: a row is a whole body or absent.
            assert "stage_http_bodies(" in sql, model.name
            continue
        used = set(re.findall(r"\{\{\s*(\w+)\(", sql))
        assert "completed_rows" in used or used & set(SHARED_MACROS), f"{model.name} does not read through completed_rows()"
    for name, file in SHARED_MACROS.items():
        body = (MACROS / file).read_text().split(f"macro {name}(")[1].split("endmacro")[0]
        assert "completed_rows(" in body and "source(" not in body, name


def test_rows_of_an_unfinished_load_stay_out_of_staging(warehouse):
    ensure_raw_schemas(open_warehouse())
    execute(warehouse, """insert into raw_solana._dlt_loads (load_id, schema_name, status, inserted_at, schema_version_hash)
                          values ('1700000000.1', 'solana', 0, now(), 'h')""")
    for slot, load_id in ((10, "1700000000.1"), (11, "1700000000.2")):  # the second load never completed
        execute(warehouse, """insert into raw_solana.leader_slots (chain, slot, epoch, identity, _dlt_load_id, _dlt_id)
                              values ('solana', %s, 0, 'leader', %s, %s)""", (slot, load_id, f"id{slot}"))
        execute(warehouse, """insert into raw_solana.http_responses (response_id, provider, provider_type, endpoint, url,
                              fetched_at, attempt, run_id, _dlt_load_id, _dlt_id)
                              values (%s, 'node', 'solana_rpc', 'getLeaderSchedule', 'u', now(), 1, 'r', %s, %s)""",
                (f"r{slot}", load_id, f"id{slot}"))
    outcome = run_dbt(open_warehouse(), ["run", "--select", "stg_solana__leader_slots", "stg_solana__http_responses"], quiet=True)
    assert outcome.success, outcome.error or [n.message for n in outcome.problems()]
    assert query(warehouse, "select slot from staging.stg_solana__leader_slots") == [(10,)]
    assert query(warehouse, "select response_id from staging.stg_solana__http_responses") == [("r10",)]
