"""The day-grain sums (loaders/ethereum/daygrain.py) against the same rows summed by hand, the way
int_ethereum__attestation_rewards_summed sums epoch rows (docs/pnl.md, issuance and penalties)."""

from __future__ import annotations

import pytest

from loaders.ethereum import daygrain
from loaders.ethereum.daygrain import DaySumOverflow, DaySums


def row(epoch: int, v: int, head=0, target=0, source=0, delay=0, inactivity=0) -> dict:
    return {"epoch": epoch, "validator_index": v, "head_gwei": head, "target_gwei": target, "source_gwei": source,
            "inclusion_delay_gwei": delay, "inactivity_gwei": inactivity, "response_id": "r"}


def summed(sums: DaySums) -> dict[int, dict]:
    sums.finished = True
    return {r["validator_index"]: r for batch in sums.rows() for r in batch}


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
                      "inclusion_delay_gwei": 0, "inactivity_gwei": -50, "penalties_gwei": 555, "credited_gwei": 930,
                      "response_id": None}
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


def test_sparse_indices_rows_in_batches(monkeypatch):
    monkeypatch.setattr(daygrain, "ROWS_PER_BATCH", 2)
    sums = DaySums("d", 10, 12)
    sums.add(12, [row(12, v, 1) for v in (5_000, 0, 70_001, 3, 9)])
    sums.finished = True
    batches = list(sums.rows())
    assert [len(b) for b in batches] == [2, 2, 1]
    assert [r["validator_index"] for b in batches for r in b] == [0, 3, 9, 5_000, 70_001]


def test_nothing_is_read_before_every_epoch_was_summed():
    sums = DaySums("2025-01-02", 10, 12)
    sums.add(10, [row(10, 1, 1)])
    with pytest.raises(RuntimeError, match="read before every epoch"):
        list(sums.rows())
    with pytest.raises(RuntimeError, match="read before every epoch"):
        sums.batch_rows()


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
    assert sums.batch_rows() == [
        {"day": "d", "epoch": 10, "first_index": 0, "last_index": 9_999, "entries": 10_000, "response_id": "a"},
        {"day": "d", "epoch": 10, "first_index": 10_000, "last_index": 19_999, "entries": 17, "response_id": "b"},
    ]
