"""`aurora run --chain ethereum`: plan the days, snapshot the head, load each day as its own load."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from loaders.config import AuroraConfig, ChainConfig
from loaders.ethereum import ethereum_day, ethereum_failure, ethereum_snapshots
from loaders.ethereum.fetch import DayData, EthereumFetcher, HistoryUnavailable
from loaders.ethereum.settings import DATASET, PIPELINE
from loaders.pipeline import make_pipeline
from loaders.progress import heal_budget, invariant_periods, period_load_row, plan_periods, read_progress, schedule_row
from loaders.providers import BodyWriter, ProviderChain, ProviderClient, ProviderUnavailable, ResponseArchive
from loaders.runs import PlanError, RunSummary, open_rejections, run_load
from loaders.warehouse import Warehouse

EPOCH_DAY = date(1970, 1, 1)


def day_seq(day: date) -> int:
    return (day - EPOCH_DAY).days


def seq_day(seq: int) -> date:
    return EPOCH_DAY + timedelta(days=seq)


def run_ethereum(
    config: AuroraConfig,
    chain: ChainConfig,
    warehouse: Warehouse,
    *,
    from_date: date | None = None,
    to_date: date | None = None,
    on_day: Callable[[int, int, str], None] | None = None,
    on_step: Callable[[str, int, int], None] | None = None,
    on_plan: Callable[[list[str]], None] | None = None,
) -> RunSummary:
    archive = ResponseArchive(bodies_to=BodyWriter(warehouse, DATASET))
    clients: dict[str, ProviderClient] = {}

    def client(p) -> ProviderClient:
        return clients.setdefault(p.key, ProviderClient(p, archive))

    beacon = config.providers_for(chain.key, "rewards")
    if not beacon:
        raise PlanError(f"no provider is mapped for {chain.key}/rewards (a beacon node) in the providers file")
    execution = config.providers_for(chain.key, "fees")
    rejections = open_rejections(warehouse, DATASET, chain.key)
    fetcher = EthereumFetcher(
        chain,
        beacon_chain=ProviderChain([client(p) for p in beacon], f"{chain.key}/rewards"),
        execution_chain=ProviderChain([client(p) for p in execution], f"{chain.key}/fees") if execution else None,
        relay_clients=[client(p) for p in config.providers_for(chain.key, "mev")],
        archive=archive,
        tracked=config.tracked_validators(chain.key),
        open_rejections=set(rejections),
    )
    summary = RunSummary(chain=chain.key)
    if not execution:
        summary.notes.append(f"no execution node mapped for {chain.key}/fees: block fees and MEV payments cannot be checked")
    clock = fetcher.clock()
    head_epoch = fetcher.head_epoch
    # The newest day whose last epoch's rewards are served (they need the epoch after it).
    last_complete = clock.day_of_epoch(head_epoch - 2) if head_epoch >= 2 else None
    while last_complete is not None and not fetcher.is_complete(fetcher.plan(last_complete)):
        last_complete -= timedelta(days=1)
        if last_complete < clock.day_of_epoch(0):
            last_complete = None
    pipeline = make_pipeline(PIPELINE, DATASET, warehouse)
    pipeline.sync_destination()
    progress = read_progress(warehouse, DATASET, chain.key)
    retry = {day_seq(date.fromisoformat(p)) for p in [*rejections.values(), *invariant_periods(warehouse, chain.key)]}
    first_day = clock.day_of_epoch(0)
    plan = plan_periods(
        last_complete=day_seq(last_complete) if last_complete else None, current=day_seq(clock.day_of_epoch(head_epoch)),
        finality_lag=chain.finality_lag, progress=progress, retry=retry,
        from_seq=day_seq(max(from_date, first_day)) if from_date else None, to_seq=day_seq(to_date) if to_date else None,
        config_start=day_seq(max(chain.start, first_day)) if isinstance(chain.start, date) else None, budget=heal_budget(),
        name=lambda s: seq_day(s).isoformat(), word="day", range_flags=("--from-date", "--to-date"),
    )
    summary.notes.extend(plan.notes)

    def count() -> None:
        trace = pipeline.last_trace
        if trace and trace.last_normalize_info:
            for table, n in trace.last_normalize_info.row_counts.items():
                if not table.startswith("_dlt"):
                    summary.rows[table] += n

    surface = (ProviderUnavailable, HistoryUnavailable)
    schedule = schedule_row(plan, last_complete=day_seq(last_complete), run_id=archive.run_id,
                            name=lambda s: seq_day(s).isoformat()) if last_complete else None
    try:
        run_load(pipeline, ethereum_snapshots(fetcher, schedule), surface, chain=chain.key)
        count()
        finalized_epoch = fetcher.finality()["finalized"]
        summary.plan = [plan.describe("day")
                        + (f" (about {len(plan.periods) * 86_400 // clock.seconds_per_slot} beacon blocks)" if plan.periods else "")]
        if on_plan:
            on_plan(summary.plan)
        for position, seq in enumerate(plan.seqs, start=1):
            day = seq_day(seq)
            if on_day:
                on_day(position, len(plan.seqs), day.isoformat())
            day_plan = fetcher.plan(day)
            if day_plan is None:
                summary.notes.append(f"{day}: before genesis, nothing to load")
                continue
            final = day_plan.last_epoch + 2 <= finalized_epoch  # its blocks and its last epoch's rewards
            mode = plan.mode_of(seq)

            def progress_row(day_plan=day_plan, final=final, mode=mode, extra=()) -> dict:
                # Runs last in the day's load: failures an earlier run recorded for the day resolve.
                for role in ("rewards", "fees", "meta", "mev"):
                    fetcher.rejections.resolve(f"provider:{role}:day={day_plan.period}", day_plan.period, role, None)
                if "history_unavailable" not in extra:
                    fetcher.rejections.resolve(f"history:day={day_plan.period}", day_plan.period, "validators/attestation_rewards", None)
                unsettled = list(extra)
                if not final:
                    unsettled.append("not_finalized")
                if day_plan.period in fetcher.rejections.rejected_periods:
                    unsettled.append("rejected")
                return period_load_row(period_id=day_plan.period, period_seq=seq, run_id=archive.run_id, mode=mode,
                                       unsettled=unsettled)

            try:
                try:
                    data = fetcher.fetch_day(day_plan, on_step)
                    # The day's package holds epochs a-2..b: the days before and after share two epochs each.
                    neighbours = ((day - timedelta(days=1)).isoformat(), (day + timedelta(days=1)).isoformat())
                    run_load(pipeline, ethereum_day(fetcher, data, progress_row), surface, chain=chain.key, period=day_plan.period,
                             mode=mode, shares_keys_with=neighbours)
                except HistoryUnavailable as exc:
                    # The day stays in the grid, flagged history_unavailable; every run retries it.
                    summary.notes.append(str(exc))
                    fetcher.rejections.reject(f"history:day={day_plan.period}", day_plan.period, "validators/attestation_rewards",
                                              str(exc), None, gap="history_unavailable")
                    run_load(pipeline, ethereum_day(fetcher, DayData.window_only(day_plan, fetcher.electra_fork_slot),
                                                    lambda p=progress_row: p(extra=("history_unavailable",))), surface,
                             chain=chain.key, period=day_plan.period)
            except ProviderUnavailable as exc:
                role = exc.role or "rewards"
                fetcher.rejections.reject(f"provider:{role}:day={day_plan.period}", day_plan.period, role, str(exc), None,
                                          gap=f"provider_failed:{role}")
                run_load(pipeline, ethereum_failure(fetcher), (), chain=chain.key, period=day_plan.period)
                raise
            count()
            summary.periods.append(day.isoformat())
            if not final or day_plan.period in fetcher.rejections.rejected_periods:
                summary.non_final.append(day.isoformat())
    except ProviderUnavailable as exc:
        summary.failed = str(exc)
    from loaders.prices.run import load_prices, missing_price_dates

    summary.rejected = archive.rejections
    # Closes never change once published: only the dates of loaded days still without one.
    load_prices(config, chain, warehouse, missing_price_dates(warehouse, chain, f"{DATASET}.day_windows", "t.day::date"), summary)
    summary.notes.extend(fetcher.notes)
    for key, c in clients.items():
        summary.add_provider_stats(key, c.stats)
    return summary
