"""Validator-sized tables reach Postgres as CSV files dlt imports as they are (loaders/copy_files.py):
the rows land exactly as dlt's own arrow path landed them, in as many files as they fill, with
the package's load id, and no file is left behind, whether the extract ends or fails."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import dlt
import pytest

from loaders import copy_files
from loaders.bulk import arrow_batch
from loaders.pipeline import make_pipeline
from loaders.resources import table_resource
from tests.support.db import query

COLUMNS = {
    "chain": {"data_type": "text", "nullable": False},
    "k": {"data_type": "bigint", "nullable": False},
    "amount": {"data_type": "decimal", "precision": 38, "scale": 0, "nullable": False},
    "label": {"data_type": "text", "nullable": True},
    "flag": {"data_type": "bool", "nullable": True},
    "at": {"data_type": "timestamp", "nullable": True},
    "response_id": {"data_type": "text", "nullable": True},
}
AT = datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
ROWS = [
    {"k": 0, "amount": 10**37 + 1, "label": 'comma, "quote"\nand a new line', "flag": True, "at": AT, "response_id": "r0"},
    {"k": 1, "amount": -(10**30), "label": None, "flag": None, "at": None, "response_id": None},
    {"k": 2, "amount": 0, "label": "", "flag": False, "at": AT, "response_id": "r0"},
    {"k": 3, "amount": 32_000_000_000, "label": "épée ✓", "flag": True, "at": AT, "response_id": "r1"},
    {"k": 4, "amount": 1, "label": "NULL", "flag": False, "at": AT, "response_id": "r1"},
]


def _pipeline(warehouse, name: str):
    return make_pipeline(f"aurora_copy_{name}", "raw_copy_test", warehouse)


def _landed(warehouse, table: str) -> list[tuple]:
    return query(warehouse, f"select chain, k, amount, label, flag, at, response_id from raw_copy_test.{table} order by k")


def test_rows_land_as_dlt_arrow_path_landed_them_with_the_package_load_id(warehouse, monkeypatch):
    done: set[str] = set()
    info = _pipeline(warehouse, "files").run(
        dlt.source(lambda: [table_resource("via_files", lambda: iter([ROWS[:2], ROWS[2:]]), chain="ethereum", primary_key=("chain", "k"),
                                           columns=COLUMNS, done=done, bulk=True)], name="copy_files", max_table_nesting=0)())
    # dlt's own path for the same typed batch: an arrow item, written to parquet, rewritten to CSV
    # in normalize with the two dlt columns added (what the loaders did before).
    monkeypatch.setenv("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_LOAD_ID", "true")
    monkeypatch.setenv("NORMALIZE__PARQUET_NORMALIZER__ADD_DLT_ID", "true")
    _pipeline(warehouse, "arrow").run(dlt.resource(
        [arrow_batch(ROWS, COLUMNS, chain="ethereum", table="via_arrow")], name="via_arrow", write_disposition="merge",
        primary_key=("chain", "k"), columns=COLUMNS, file_format="csv"))
    landed = _landed(warehouse, "via_files")
    assert landed == _landed(warehouse, "via_arrow")
    assert [row[2] for row in landed] == [Decimal(r["amount"]) for r in ROWS]  # base units exact, beyond 64 bits
    assert landed[0][3] == ROWS[0]["label"] and landed[0][5] == AT and landed[3][3] == "épée ✓" and landed[4][3] == "NULL"
    assert done == {"via_files"}
    load_id = info.loads_ids[0]
    assert query(warehouse, "select distinct _dlt_load_id from raw_copy_test.via_files") == [(load_id,)]
    assert query(warehouse, "select count(distinct _dlt_id), count(*) from raw_copy_test.via_files") == [(5, 5)]
    files = [job for job in info.load_packages[0].jobs["completed_jobs"]
             if job.job_file_info.table_name == "via_files" and job.job_file_info.file_format == "csv"]
    assert len(files) == 1  # both batches in one file, imported as written
    assert not any((Path(_pipeline(warehouse, "files").working_dir) / "copy_files").iterdir())


def test_a_table_larger_than_a_file_lands_every_row_in_several_files(warehouse, monkeypatch):
    monkeypatch.setattr(copy_files, "FILE_ROWS", 2)
    batches = [[{**ROWS[i % 5], "k": i} for i in range(j, j + 3)] for j in range(0, 12, 3)]  # 12 rows, 4 batches
    pipeline = _pipeline(warehouse, "several")
    info = pipeline.run(dlt.source(lambda: [table_resource("several", lambda: iter(batches), chain="solana", primary_key=("chain", "k"),
                                                           columns=COLUMNS, done=set(), bulk=True)], name="copy_files",
                                   max_table_nesting=0)())
    assert [row[1] for row in _landed(warehouse, "several")] == list(range(12))
    files = [job for job in info.load_packages[0].jobs["completed_jobs"]
             if job.job_file_info.table_name == "several" and job.job_file_info.file_format == "csv"]
    assert len(files) == 4  # a file is closed once it holds FILE_ROWS rows: 3 + 3 + 3 + 3
    assert not any((Path(pipeline.working_dir) / "copy_files").iterdir())


def test_an_extract_that_fails_midway_leaves_no_file_and_no_row(warehouse, monkeypatch):
    monkeypatch.setattr(copy_files, "FILE_ROWS", 2)

    def batches():
        yield ROWS[:3]  # fills a file, handed to dlt
        yield ROWS[3:4]  # written to the next file, not yet handed over
        raise RuntimeError("the provider went away")

    pipeline = _pipeline(warehouse, "fails")
    with pytest.raises(Exception, match="the provider went away"):
        pipeline.extract(dlt.source(lambda: [table_resource("fails", batches, chain="ethereum", primary_key=("chain", "k"),
                                                            columns=COLUMNS, done=set(), bulk=True)], name="copy_files",
                                    max_table_nesting=0)())
    assert not any((Path(pipeline.working_dir) / "copy_files").iterdir())
    assert query(warehouse, "select to_regclass('raw_copy_test.fails')") == [(None,)]


@pytest.mark.parametrize("length", [1, 2, 3, 10, 16])
def test_dlt_ids_have_dlt_s_length_and_alphabet_and_do_not_repeat(length):
    from dlt.common.utils import uniq_id_base64

    ids = copy_files.dlt_ids(50_000, length).to_pylist()
    assert len(ids) == 50_000
    if length >= 10:  # fewer bytes repeat by chance (the birthday bound), as dlt's own would
        assert len(set(ids)) == 50_000
    assert {len(i) for i in ids} == {len(uniq_id_base64(length))}
    for i in ids[:1000]:
        assert len(base64.b64decode(i + "=" * (-len(i) % 4), validate=True)) == length
    assert copy_files.dlt_ids(0, length).to_pylist() == []
