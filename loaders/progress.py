"""Load progress in the warehouse, and the plan of a run.

Each period's dlt load also writes the period's `period_loads` row: when it was loaded, in which
mode, and whether it is *settled* (nothing the providers report about it can change any more,
by the chain's evidence: see docs/pnl.md). The planner counts a row only once dlt has marked
its load complete (`_dlt_loads.status = 0`), so a period whose load was interrupted is planned
again. The `schedules` row says where the operator's schedule starts (the chain's `start` in
chains.yaml, else the first period a plain incremental run planned) and the last complete
period at the latest run: the periods in between are the ones the warehouse must hold.

An incremental run plans every period of the schedule not loaded yet (a pause of any length is
caught up), restates the periods inside the finality lag that are not settled, and heals: it
re-fetches periods with open gaps (rejected responses, failed providers, unsettled inputs,
history a node no longer served) within a budget per run, least recently tried first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import psycopg2

from loaders.runs import PlanError
from loaders.warehouse import Warehouse

PERIOD_LOADS = "period_loads"
SCHEDULES = "schedules"
DEFAULT_HEAL_BUDGET = 10  # periods re-fetched per run to heal open gaps (AURORA_HEAL_BUDGET)

PERIOD_LOAD_COLUMNS = {
    "chain": {"data_type": "text", "nullable": False},
    "period_id": {"data_type": "text", "nullable": False},
    "period_seq": {"data_type": "bigint", "nullable": False},
    "run_id": {"data_type": "text", "nullable": False},
    "loaded_at": {"data_type": "timestamp", "nullable": False},
    "mode": {"data_type": "text", "nullable": False},  # new | pending | heal | range
    "is_settled": {"data_type": "bool", "nullable": False},
    # Why not settled, as codes: not_finalized, rejected, mev_unsettled, issuance_unavailable,
    # history_unavailable, leader_schedule_unknown.
    "unsettled": {"data_type": "text", "nullable": True},
    # Solana: where the epoch's leader slots came from: schedule | scan | none (network-wide
    # without a block scan) | unknown (no schedule and no scan).
    "block_source": {"data_type": "text", "nullable": True},
}
SCHEDULE_COLUMNS = {
    "chain": {"data_type": "text", "nullable": False},
    "start_seq": {"data_type": "bigint", "nullable": False},
    "start_period_id": {"data_type": "text", "nullable": False},
    "start_source": {"data_type": "text", "nullable": False},  # config | first_run
    "last_complete_seq": {"data_type": "bigint", "nullable": False},
    "last_complete_period_id": {"data_type": "text", "nullable": False},
    "recorded_at": {"data_type": "timestamp", "nullable": False},
    "run_id": {"data_type": "text", "nullable": False},
}
TABLES = {PERIOD_LOADS: (("chain", "period_id"), PERIOD_LOAD_COLUMNS), SCHEDULES: ("chain", SCHEDULE_COLUMNS)}


def heal_budget() -> int:
    return max(0, int(os.environ.get("AURORA_HEAL_BUDGET", DEFAULT_HEAL_BUDGET)))


@dataclass
class PeriodState:
    seq: int
    is_settled: bool
    loaded_at: datetime
    unsettled: str | None


@dataclass
class Progress:
    loaded: dict[int, PeriodState] = field(default_factory=dict)
    schedule_start: int | None = None


def read_progress(warehouse: Warehouse, dataset: str, chain: str) -> Progress:
    """Completed period loads and the recorded schedule start (empty on a first run)."""
    progress = Progress()
    try:
        with warehouse.connect() as conn, conn.cursor() as cur:
            cur.execute(
                f"""select p.period_seq, p.is_settled, p.loaded_at, p.unsettled
                    from {dataset}.{PERIOD_LOADS} as p
                    where p.chain = %s
                      and exists (select 1 from {dataset}._dlt_loads as l where l.load_id = p._dlt_load_id and l.status = 0)""",
                (chain,),
            )
            for seq, settled, loaded_at, unsettled in cur.fetchall():
                progress.loaded[int(seq)] = PeriodState(int(seq), bool(settled), loaded_at, unsettled)
            cur.execute(f"select start_seq, start_source from {dataset}.{SCHEDULES} where chain = %s", (chain,))
            row = cur.fetchone()
            if row and row[1] == "first_run":
                progress.schedule_start = int(row[0])
    except (psycopg2.errors.UndefinedTable, psycopg2.errors.UndefinedColumn):
        pass  # a first run: nothing loaded yet
    return progress


def invariant_periods(warehouse: Warehouse, chain: str) -> set[str]:
    """Periods with a P&L row that broke a row-level invariant at the latest build: re-fetched
    within the heal budget (a provider's corrupted answer heals; a real one stays flagged)."""
    try:
        with warehouse.connect() as conn, conn.cursor() as cur:
            cur.execute("select distinct period_id from marts.fct_validator_pnl where chain = %s and data_gaps like %s",
                        (chain, "%invariant_failed:%"))
            return {r[0] for r in cur.fetchall()}
    except (psycopg2.errors.UndefinedTable, psycopg2.errors.UndefinedColumn, psycopg2.errors.InvalidSchemaName):
        return set()


@dataclass
class PlannedPeriod:
    seq: int
    mode: str  # new | pending | heal | range


@dataclass
class Plan:
    periods: list[PlannedPeriod]
    notes: list[str] = field(default_factory=list)
    schedule_start: int | None = None  # to record (incremental runs)
    start_source: str | None = None
    deferred: list[int] = field(default_factory=list)  # heal candidates left for later runs

    @property
    def seqs(self) -> list[int]:
        return [p.seq for p in self.periods]

    def mode_of(self, seq: int) -> str:
        return next(p.mode for p in self.periods if p.seq == seq)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.periods:
            out[p.mode] = out.get(p.mode, 0) + 1
        return out

    def describe(self, word: str) -> str:
        """'7 epoch(s) to load: 5 new, 2 healing open gaps'."""
        words = {"new": "new", "pending": "restated (within the finality lag)", "heal": "healing open gaps", "range": "requested"}
        counts = self.counts()
        return f"{len(self.periods)} {word}(s) to load" + (
            ": " + ", ".join(f"{counts[m]} {words[m]}" for m in words if m in counts) if counts else "")


def _span(seqs: list[int], name) -> str:
    """'5..9, 12' for [5, 6, 7, 8, 9, 12] (periods named by `name`)."""
    if not seqs:
        return ""
    parts, start, prev = [], seqs[0], seqs[0]
    for s in seqs[1:] + [None]:
        if s is not None and s == prev + 1:
            prev = s
            continue
        parts.append(name(start) if start == prev else f"{name(start)}..{name(prev)}")
        if s is not None:
            start = prev = s
    return ", ".join(parts)


def plan_periods(
    *,
    last_complete: int | None,
    current: int,
    finality_lag: int,
    progress: Progress,
    retry: set[int],
    from_seq: int | None,
    to_seq: int | None,
    config_start: int | None,
    budget: int,
    name=str,
    word: str = "period",
    range_flags: tuple[str, str] = ("--from", "--to"),
) -> Plan:
    """What a run loads. `current` is the period in progress (the finality lag counts from it),
    `retry` the periods with open rejections, `name(seq)` a period's id for messages."""
    if last_complete is None:
        return Plan([], [f"no complete {word} yet"])
    if from_seq is not None or to_seq is not None:
        start = from_seq if from_seq is not None else (
            config_start if config_start is not None else progress.schedule_start
            if progress.schedule_start is not None else max(last_complete - finality_lag, 0))
        end = to_seq if to_seq is not None else last_complete
        if start > end:
            raise PlanError(f"{range_flags[0]} {name(start)} is after {range_flags[1]} {name(end)}")
        notes = []
        if end > last_complete:
            notes.append(f"{word}s after {name(last_complete)} are not complete yet; loading up to {name(last_complete)}")
            end = last_complete
        seqs = list(range(max(start, 0), end + 1))
        skipped = sorted(s for s in retry if s not in seqs)
        if skipped:
            notes.append(f"{word}s with open gaps outside the range, healed by the next incremental run: {_span(skipped, name)}")
        # A range never sets the schedule; it extends a known one to the latest complete period.
        known = (config_start, "config") if config_start is not None else (progress.schedule_start, "first_run")
        return Plan([PlannedPeriod(s, "range") for s in seqs], notes, schedule_start=known[0], start_source=known[1])

    notes: list[str] = []
    if config_start is not None:
        start, source = config_start, "config"
    elif progress.schedule_start is not None:
        start, source = progress.schedule_start, "first_run"
    else:
        start, source = max(last_complete - finality_lag, 0), "first_run"
        notes.append(
            f"the schedule starts at {word} {name(start)} (the first incremental run's finality window); "
            f"set `start` for the chain in chains.yaml to load from earlier"
        )
    planned: list[PlannedPeriod] = []
    heal: set[int] = set()
    for seq in range(start, last_complete + 1):
        state = progress.loaded.get(seq)
        if state is None:
            planned.append(PlannedPeriod(seq, "new"))
        elif not state.is_settled and seq + finality_lag >= current:
            planned.append(PlannedPeriod(seq, "pending"))
        elif not state.is_settled:
            heal.add(seq)
    # Periods outside the schedule (explicit backfills) are healed too, never extended.
    heal |= {s for s, st in progress.loaded.items() if not st.is_settled and s <= last_complete}
    heal |= {s for s in retry if s <= last_complete}
    heal -= {p.seq for p in planned}
    # Least recently tried first (never loaded before anything), so every open gap gets its turn.
    order = sorted(heal, key=lambda s: (1, progress.loaded[s].loaded_at, s) if s in progress.loaded else (0, None, s))
    chosen, deferred = order[:budget], order[budget:]
    planned += [PlannedPeriod(s, "heal") for s in chosen]
    planned.sort(key=lambda p: p.seq)
    if deferred:
        notes.append(f"{len(deferred)} {word}(s) with open gaps wait for later runs (heal budget {budget} a run): {_span(sorted(deferred), name)}")
    below = sorted(s for s in progress.loaded if s < start)
    if below and below[-1] < start - 1:
        notes.append(
            f"{word}s {name(below[-1] + 1)}..{name(start - 1)} are not loaded: they are outside the schedule, which starts at "
            f"{name(start)}; load them with {range_flags[0]} {name(below[-1] + 1)} {range_flags[1]} {name(start - 1)}, "
            f"or set `start` for the chain in chains.yaml"
        )
    return Plan(planned, notes, schedule_start=start, start_source=source, deferred=deferred)


def period_load_row(*, period_id: str, period_seq: int, run_id: str, mode: str, unsettled: list[str],
                    block_source: str | None = None) -> dict[str, Any]:
    return {
        "period_id": period_id, "period_seq": period_seq, "run_id": run_id, "loaded_at": datetime.now(timezone.utc),
        "mode": mode, "is_settled": not unsettled, "unsettled": ", ".join(unsettled) or None, "block_source": block_source,
    }


def schedule_row(plan: Plan, *, last_complete: int, run_id: str, name=str) -> dict[str, Any] | None:
    if plan.schedule_start is None:
        return None
    return {
        "start_seq": plan.schedule_start, "start_period_id": name(plan.schedule_start), "start_source": plan.start_source,
        "last_complete_seq": last_complete, "last_complete_period_id": name(last_complete),
        "recorded_at": datetime.now(timezone.utc), "run_id": run_id,
    }
