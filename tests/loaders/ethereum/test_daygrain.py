"""The day-grain sums (loaders/ethereum/daygrain.py) against the same rows summed by hand, the way
int_ethereum__attestation_rewards_summed sums epoch rows (docs/pnl.md, issuance and penalties)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from loaders.beacon.helpers import ATTESTATION_COLUMNS
from loaders.bulk import arrow_table
from loaders.config import ChainConfig
from loaders.ethereum.daygrain import DaySumOverflow, DaySums
from loaders.ethereum.fetch import DayPlan, EthereumFetcher
from loaders.ethereum.settings import COLUMNS
from loaders.providers import ResponseArchive

ROOT = Path(__file__).resolve().parents[3]


def row(epoch: int, v: int, head=0, target=0, source=0, delay=0, inactivity=0) -> dict:
    return {"epoch": epoch, "validator_index": v, "head_gwei": head, "target_gwei": target, "source_gwei": source,
            "inclusion_delay_gwei": delay, "inactivity_gwei": inactivity, "response_id": "r"}


def summed(sums: DaySums) -> dict[int, dict]:
    sums.finished = True
    return by_index(sums)


def by_index(sums: DaySums) -> dict[int, dict]:
    return {r["validator_index"]: r for table in sums.rows() for r in table.to_pylist()}


def test_the_worked_example_of_the_epoch_grain_sum():
    # The epochs of test_attestation_rewards_day_sums_penalties_and_window (dbt unit test):
    # the day holds epochs 10-12; validator 1's income is -40 with penalties 555, credited 930.
    sums = DaySums("2025-01-02", 10, 12)
    for epoch, rows in [
        (8, [row(8, 1, 100, 200, 150), row(8, 2, 100, 100, 100)]),
        (9, [row(9, 1, 110, 210, 160), row(9, 2, 100, 100, 100)]),
        (10, [row(10, 1, 5, -3, -2)]),
        (11, [row(11, 1, 120, 220, 170)]),
        (12, [row(12, 1, 0, -300, -200, 0, -50)]),
    ]:
        sums.add(epoch, rows)
    got = summed(sums)
    assert got[1] == {"day": "2025-01-02", "validator_index": 1, "head_gwei": 125, "target_gwei": -83, "source_gwei": -32,
                      "inclusion_delay_gwei": 0, "inactivity_gwei": -50, "penalties_gwei": 555, "credited_gwei": 930}
    # only in the credited epochs a-2, a-1 (exited): a row with no income, as the epoch-grain sum has
    assert got[2]["head_gwei"] == got[2]["penalties_gwei"] == 0 and got[2]["credited_gwei"] == 600
    assert set(got) == {1, 2}


def test_penalties_are_taken_per_epoch_and_per_component():
    # An epoch netting 0 still carries its negative parts; a later positive epoch does not cancel them.
    sums = DaySums("d", 10, 12)
    sums.add(10, [row(10, 4, 5, -3, -2)])
    sums.add(11, [row(11, 4, 0, 3, 2, -1, 0)])
    got = summed(sums)[4]
    assert (got["target_gwei"], got["source_gwei"], got["inclusion_delay_gwei"], got["penalties_gwei"]) == (0, 0, -1, 6)
    assert got["credited_gwei"] == 0  # epoch 10 only (b - 2 = 10), which nets 0; epoch 11 is credited the next day


def test_the_first_entry_of_a_validator_in_an_epoch_counts():
    # The epoch table keeps the first row of a key (loaders/bulk.first_of_each_key): so do the sums,
    # across the answers of one epoch; the next epoch counts it again.
    sums = DaySums("d", 10, 12)
    sums.add(10, [row(10, 3, 7)])
    sums.add(10, [row(10, 3, 1000), row(10, 5, 1)])
    sums.add(11, [row(11, 3, 2)])
    got = summed(sums)
    assert got[3]["head_gwei"] == 9 and got[5]["head_gwei"] == 1


def test_sparse_indices_a_table_per_chunk_by_index():
    sums = DaySums("d", 10, 12)
    sums.add(12, [row(12, v, 1) for v in (5_000, 0, 70_001, 3, 9)])
    sums.finished = True
    tables = list(sums.rows())
    assert [t.num_rows for t in tables] == [4, 1]
    assert [v for t in tables for v in t.column("validator_index").to_pylist()] == [0, 3, 9, 5_000, 70_001]


def test_the_tables_are_the_rows_the_raw_table_declares():
    # What the COPY path writes (loaders/bulk.arrow_table): every declared column typed, and the
    # sums' response_id null, as the table documents.
    sums = DaySums("2025-01-02", 10, 12)
    sums.add(10, [row(10, 20_003, 5, -3, -2, 1, -7)])
    sums.finished = True
    (table,) = sums.rows()
    (written,) = arrow_table(table, COLUMNS["attestation_rewards_daily"], chain="ethereum",
                             table="attestation_rewards_daily").to_pylist()
    assert written == {"chain": "ethereum", "day": "2025-01-02", "validator_index": 20_003, "head_gwei": 5, "target_gwei": -3,
                       "source_gwei": -2, "inclusion_delay_gwei": 1, "inactivity_gwei": -7, "penalties_gwei": 12,
                       "credited_gwei": -6, "response_id": None}


def test_nothing_is_read_before_every_epoch_was_summed():
    sums = DaySums("2025-01-02", 10, 12)
    sums.add(10, [row(10, 1, 1)])
    with pytest.raises(RuntimeError, match="read before every epoch"):
        list(sums.rows())
    with pytest.raises(RuntimeError, match="read before every epoch"):
        list(sums.batch_rows())


def test_an_epoch_outside_the_day_is_refused():
    with pytest.raises(ValueError, match=r"epoch 13 is outside epochs 8\.\.12"):
        DaySums("2025-01-02", 10, 12).add(13, [row(13, 1)])


def test_a_sum_beyond_64_bits_stops_naming_the_epoch_and_validator():
    sums = DaySums("2025-01-02", 10, 12)
    sums.add(10, [row(10, 7, 2**62)])
    with pytest.raises(DaySumOverflow, match=r"2025-01-02, epoch 11, validator 7: the day's sum leaves a 64-bit integer"):
        sums.add(11, [row(11, 7, 2**62)])


def test_the_answers_summed_are_kept_for_the_lineage():
    sums = DaySums("d", 10, 12)
    sums.answered(10, 0, 9_999, 10_000, "a")
    sums.answered(10, 10_000, 19_999, 17, "b")
    sums.finished = True
    assert [r for t in sums.batch_rows() for r in t.to_pylist()] == [
        {"day": "d", "epoch": 10, "first_index": 0, "last_index": 9_999, "entries": 10_000, "response_id": "a"},
        {"day": "d", "epoch": 10, "first_index": 10_000, "last_index": 19_999, "entries": 17, "response_id": "b"},
    ]


def _fetcher(answers: dict[int, list]) -> EthereumFetcher:
    """A fetcher whose attestation answers are given: (first, last, rows, response id) per epoch."""
    chains = yaml.safe_load((ROOT / "chains.yaml").read_text())["chains"]
    chain = ChainConfig.model_validate(chains["ethereum"] | {"key": "ethereum", "network_wide_grain": "day"})
    fetcher = EthereumFetcher(chain, beacon_chain=None, execution_chain=None, relay_clients=[],
                              archive=ResponseArchive(), tracked=[])
    fetcher._attestation_column_answers = lambda epoch: iter(
        (first, last, {name: [r[name] for r in rows] for name in ATTESTATION_COLUMNS}, response_id)
        for first, last, rows, response_id in answers[epoch])
    return fetcher


def test_the_stream_sums_every_validator_and_yields_the_kept_ones():
    plan = DayPlan(date(2025, 1, 2), 10, 10, 32)
    answers = {8: [(0, 9_999, [row(8, 0, 1), row(8, 1, 2)], "a8")], 9: [(0, 9_999, [row(9, 1, 4)], "a9")],
               10: [(0, 9_999, [row(10, 0, 8), row(10, 1, 16)], "a10")]}
    sums = DaySums(plan.period, 10, 10)
    yielded = list(_fetcher(answers)._stream_day_grain(plan, [8, 9, 10], sums, frozenset({1}), None))
    assert [[(r["epoch"], r["validator_index"], r["head_gwei"], r["response_id"]) for r in b] for b in yielded] == \
        [[(8, 1, 2, "a8")], [(9, 1, 4, "a9")], [(10, 1, 16, "a10")]]
    got = by_index(sums)
    assert set(got) == {0} and (got[0]["head_gwei"], got[0]["credited_gwei"]) == (8, 1)
    assert [(b["epoch"], b["response_id"]) for t in sums.batch_rows() for b in t.to_pylist()] == [(8, "a8"), (9, "a9"), (10, "a10")]


def test_an_answer_about_validators_not_asked_is_rejected():
    # The sums are held by index: a node answering about index 10,005 when asked 0..9,999 is refused
    # (the epoch is a rejected item, a gap of the day), not grown into.
    plan = DayPlan(date(2025, 1, 2), 10, 10, 32)
    answers = {8: [(0, 9_999, [row(8, 0, 1)], "a8")], 9: [(0, 9_999, [row(9, 0, 2), row(9, 10_005, 4)], "a9")],
               10: [(0, 9_999, [row(10, 0, 8)], "a10")]}
    fetcher = _fetcher(answers)
    sums = DaySums(plan.period, 10, 10)
    assert list(fetcher._stream_day_grain(plan, [8, 9, 10], sums, frozenset(), None)) == []
    assert fetcher.rejections.rejected_periods == {"2025-01-02"}
    (rejected,) = fetcher.archive.rejections
    assert "validator 10005 is outside the indices asked (0..9999)" in str(rejected)
    got = by_index(sums)
    assert set(got) == {0} and got[0]["head_gwei"] == 8 and got[0]["credited_gwei"] == 1


def test_a_value_beyond_64_bits_stops_naming_the_column():
    # The field-by-field reader reads any size of integer; the sums are 64-bit, as the epoch table's bigint.
    with pytest.raises(DaySumOverflow, match=r"2025-01-02, epoch 10: a head_gwei value leaves a 64-bit integer"):
        DaySums("2025-01-02", 10, 12).add(10, [row(10, 1, 2**63)])


def test_an_answer_out_of_order_or_twice_counts_each_validator_once_in_order():
    sums = DaySums("d", 10, 12)
    sums.add(10, [row(10, 9, 1), row(10, 2, 10), row(10, 9, 100), row(10, 10_002, 1_000)])  # unsorted, 9 twice, two chunks
    sums.add(11, [row(11, 2, 5), row(11, 9, 7)])
    got = summed(sums)
    assert {v: r["head_gwei"] for v, r in got.items()} == {2: 15, 9: 8, 10_002: 1_000}
