"""dbt's agate type testers are built once per kind (loaders/type_testers.py): the same text
columns and null strings get the same tester, and a result read through it is the table dbt's own
tester gives, types and values."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from loaders import type_testers


@pytest.fixture(scope="module")
def agate_helper():
    from dbt_common.clients import agate_helper

    original = agate_helper.build_type_tester
    type_testers.install()
    return agate_helper, getattr(original, "__wrapped__", original)


ROWS = [
    {"chain": "solana", "epoch": 5, "amount": Decimal("1.5"), "day": datetime.date(2025, 1, 2), "note": "", "flag": True},
    {"chain": "null", "epoch": 6, "amount": None, "day": None, "note": "null", "flag": False},
    {"chain": "ethereum", "epoch": None, "amount": Decimal("-3"), "day": datetime.date(2025, 1, 3), "note": "x", "flag": None},
]
COLUMNS = ["chain", "epoch", "amount", "day", "note", "flag"]


def test_one_tester_per_kind(agate_helper):
    helper, _ = agate_helper
    a = helper.build_type_tester(["note", "chain"], string_null_values=())
    assert helper.build_type_tester(["chain", "note"], string_null_values=()) is a  # the same columns, any order
    assert helper.build_type_tester(["chain"], string_null_values=()) is not a
    assert helper.build_type_tester(["chain", "note"]) is not a  # other null strings


def test_a_result_reads_as_with_dbts_own_tester(agate_helper, monkeypatch):
    helper, original = agate_helper
    hits = helper.build_type_tester.cache_info().hits
    kept = helper.table_from_data_flat(ROWS, COLUMNS)
    kept = helper.table_from_data_flat(ROWS, COLUMNS)
    assert helper.build_type_tester.cache_info().hits > hits  # the second read took the kept tester
    monkeypatch.setattr(helper, "build_type_tester", original)
    fresh = helper.table_from_data_flat(ROWS, COLUMNS)
    assert [type(t) for t in kept.column_types] == [type(t) for t in fresh.column_types]
    assert [tuple(r) for r in kept.rows] == [tuple(r) for r in fresh.rows]
    # Text stays text: '' and 'null' are not read as missing in a text column.
    assert [r["note"] for r in kept.rows] == ["", "null", "x"] and kept.rows[1]["chain"] == "null"
