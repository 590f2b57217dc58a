"""Day attribution with hand-checked numbers: an epoch belongs to the UTC day of its start time
(genesis_time + epoch x seconds_per_epoch), and a day's window runs from the last slot of the
epoch before it to the last slot of its own last epoch (loaders/ethereum/fetch.py DayPlan).

test_helpers.py checks the same clock's properties (225 or 226 epochs, the neighbours of the
first and last epoch); these pin the exact numbers a finance reader can redo by hand."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from loaders.beacon.helpers import BeaconClock
from loaders.ethereum.fetch import DayPlan

MAINNET = BeaconClock(1606824023, 12, 32)  # genesis 2020-12-01T12:00:23Z, 384 s epochs
SIMNET = BeaconClock(1735732823, 192, 8)  # docs/simnet.md: 1,536 s epochs, genesis 2025-01-01T12:00:23Z


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_mainnet_2024_01_01():
    # 2024-01-01T00:00Z is 1704067200; 1704067200 - 1606824023 = 97,243,177 s = 253,237 x 384 + 169.
    # Epoch 253,237 starts 169 s before midnight (23:57:11, the day before); 253,238 starts 215 s
    # after it (00:03:35). 86,400 s is exactly 225 epochs, so every full mainnet day has 225.
    epochs = MAINNET.epochs_of_day(date(2024, 1, 1))
    assert (epochs.start, epochs[-1], len(epochs)) == (253_238, 253_462, 225)
    assert MAINNET.epoch_start(253_237) == utc("2023-12-31T23:57:11")
    assert MAINNET.epoch_start(253_238) == utc("2024-01-01T00:03:35")
    assert MAINNET.epoch_start(253_462) == utc("2024-01-01T23:57:11")  # ends 00:03:35 on Jan 2: still Jan 1's
    plan = DayPlan(date(2024, 1, 1), 253_238, 253_462, 32)
    # Slots 253,238 x 32 .. 253,463 x 32 - 1; the start state is the last slot of epoch 253,237.
    assert (plan.first_slot, plan.last_slot) == (8_103_616, 8_110_815)
    assert (plan.start_state_slot, plan.end_state_slot) == (8_103_615, 8_110_815)
    # Consecutive days share the bounding state: one day's end is the next day's start.
    after = MAINNET.epochs_of_day(date(2024, 1, 2))
    assert after.start == 253_463
    assert DayPlan(date(2024, 1, 2), after.start, after[-1], 32).start_state_slot == plan.end_state_slot


def test_mainnet_genesis_day():
    # 2020-12-01: from genesis (12:00:23) to midnight is 43,177 s = 112 x 384 + 169: epochs 0..112.
    epochs = MAINNET.epochs_of_day(date(2020, 12, 1))
    assert (epochs.start, epochs[-1], len(epochs)) == (0, 112, 113)
    assert MAINNET.epoch_start(112) == utc("2020-12-01T23:57:11")
    assert DayPlan(date(2020, 12, 1), 0, 112, 32).start_state_slot == 0  # no slot before genesis: the genesis state
    # The day before genesis has no epochs (the loader skips it as "before genesis").
    assert len(MAINNET.epochs_of_day(date(2020, 11, 30))) == 0
    assert MAINNET.epochs_of_day(date(2020, 12, 2)).start == 113


@pytest.mark.parametrize(
    ("day", "first", "last", "last_start", "last_end"),
    [
        # Genesis at noon: 43,177 s to midnight = 28 x 1,536 + 169, so epoch 28 starts 23:57:11 and ends
        # 00:22:47 the next day, and is still 2025-01-01's.
        (date(2025, 1, 1), 0, 28, "2025-01-01T23:57:11", "2025-01-02T00:22:47"),
        (date(2025, 1, 2), 29, 84, "2025-01-02T23:50:47", "2025-01-03T00:16:23"),
        (date(2025, 1, 4), 141, 196, "2025-01-04T23:37:59", "2025-01-05T00:03:35"),
        # 56.25 epochs a day: every fourth day holds 57.
        (date(2025, 1, 5), 197, 253, "2025-01-05T23:57:11", "2025-01-06T00:22:47"),
    ],
)
def test_epochs_straddling_midnight_belong_to_the_day_they_start(day, first, last, last_start, last_end):
    epochs = SIMNET.epochs_of_day(day)
    assert (epochs.start, epochs[-1]) == (first, last)
    assert SIMNET.epoch_start(last) == utc(last_start)
    assert SIMNET.epoch_start(last + 1) == utc(last_end)  # the epoch ends after midnight ...
    assert SIMNET.day_of_epoch(last) == day  # ... and is booked to the day it started


def test_epoch_starting_exactly_at_midnight_is_the_new_days():
    clock = BeaconClock(int(utc("2025-01-01T00:00:00").timestamp()), 12, 32)
    assert clock.epoch_start(225) == utc("2025-01-02T00:00:00")
    assert clock.epochs_of_day(date(2025, 1, 1)) == range(0, 225)
    assert clock.epochs_of_day(date(2025, 1, 2)) == range(225, 450)
    assert clock.day_of_epoch(225) == date(2025, 1, 2)


def test_every_epoch_in_exactly_one_day():
    days = [date(2025, 1, k) for k in range(1, 11)]
    windows = [SIMNET.epochs_of_day(d) for d in days]
    assert [w.start for w in windows[1:]] == [w.stop for w in windows[:-1]]
    assert all(SIMNET.day_of_epoch(e) == d for d, w in zip(days, windows) for e in w)
