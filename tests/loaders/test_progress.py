"""Planning a run from the warehouse's load progress (loaders/progress.py): pure, no network."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from loaders.progress import PeriodState, Plan, Progress, plan_periods
from loaders.runs import PlanError

T0 = datetime(2025, 1, 1)


def progress(settled: dict[int, bool], start: int | None = None, tried: dict[int, int] | None = None) -> Progress:
    """Loaded periods (seq -> settled), tried at T0 + tried[seq] minutes."""
    tried = tried or {}
    return Progress({s: PeriodState(s, ok, T0 + timedelta(minutes=tried.get(s, 0)), None) for s, ok in settled.items()}, start)


def plan(p: Progress, *, last=9, lag=2, retry=(), start=None, frm=None, to=None, budget=10) -> Plan:
    return plan_periods(last_complete=last, current=last + 1, finality_lag=lag, progress=p, retry=set(retry), from_seq=frm,
                        to_seq=to, config_start=start, budget=budget, word="epoch", range_flags=("--from-epoch", "--to-epoch"))


def test_the_first_incremental_run_starts_the_schedule_at_its_finality_window():
    first = plan(Progress())
    assert [(p.seq, p.mode) for p in first.periods] == [(7, "new"), (8, "new"), (9, "new")]
    assert (first.schedule_start, first.start_source) == (7, "first_run")
    assert any("the schedule starts at epoch 7" in n for n in first.notes)


def test_a_pause_of_any_length_is_caught_up_and_final_periods_are_not_fetched_again():
    loaded = progress({5: True, 6: True, 7: False}, start=5)
    later = plan(loaded, last=30)
    assert [p.seq for p in later.periods if p.mode == "new"] == list(range(8, 31))
    assert [(p.seq, p.mode) for p in later.periods if p.mode != "new"] == [(7, "heal")]  # unsettled, past the lag
    assert 5 not in later.seqs and 6 not in later.seqs
    # Unsettled inside the lag: restated ("pending"), not counted against the heal budget.
    assert [(p.seq, p.mode) for p in plan(progress({7: True, 8: False, 9: False}, start=7)).periods] == [(8, "pending"), (9, "pending")]


def test_healing_is_bounded_and_least_recently_tried_goes_first():
    loaded = progress({s: s != 9 and s % 2 == 0 for s in range(10)} | {1: False, 3: False, 5: False}, start=0,
                      tried={1: 30, 3: 10, 5: 20, 7: 5})
    healed = plan(loaded, retry={4}, budget=2, lag=1)
    assert [(p.seq, p.mode) for p in healed.periods] == [(4, "heal"), (7, "heal"), (9, "pending")]
    assert healed.deferred == [3, 5, 1]
    assert any("3 epoch(s) with open gaps wait for later runs (heal budget 2 a run): 1, 3, 5" in n for n in healed.notes)


def test_a_backfill_never_moves_the_schedule_and_the_hole_is_named():
    backfill = plan(Progress(), frm=2, to=3)
    assert [(p.seq, p.mode) for p in backfill.periods] == [(2, "range"), (3, "range")]
    assert backfill.schedule_start is None
    after = plan(progress({2: True, 3: True}))
    assert after.seqs == [7, 8, 9] and after.schedule_start == 7
    assert any("epochs 4..6 are not loaded: they are outside the schedule, which starts at 7; "
               "load them with --from-epoch 4 --to-epoch 6" in n for n in after.notes)
    configured = plan(progress({2: True, 3: True}), start=2)
    assert [p.seq for p in configured.periods] == [4, 5, 6, 7, 8, 9] and configured.start_source == "config"


def test_ranges_clip_to_complete_periods_and_refuse_nonsense():
    clipped = plan(Progress(), frm=8, to=12)
    assert clipped.seqs == [8, 9] and any("not complete yet" in n for n in clipped.notes)
    outside = plan(Progress(), frm=8, to=9, retry={3})
    assert any("open gaps outside the range, healed by the next incremental run: 3" in n for n in outside.notes)
    with pytest.raises(PlanError, match="--from-epoch 9 is after --to-epoch 8"):
        plan(Progress(), frm=9, to=8)


def test_the_plan_says_what_it_will_do():
    mixed = plan(progress({5: False, 9: False}, start=5), lag=1, budget=5)
    assert mixed.describe("epoch") == "5 epoch(s) to load: 3 new, 1 restated (within the finality lag), 1 healing open gaps"
