"""`aurora run --chain ethereum`: plan the days, snapshot the head, load each day as its own load."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from loaders.config import AuroraConfig, ChainConfig
from loaders.ethereum import ethereum_day, ethereum_snapshots
from loaders.ethereum.fetch import EthereumFetcher, HistoryUnavailable
from loaders.ethereum.settings import DATASET, PIPELINE
from loaders.pipeline import make_pipeline
from loaders.providers import ProviderChain, ProviderClient, ResponseArchive
from loaders.providers import ProviderUnavailable
from loaders.runs import PlanError, RunSummary, open_rejections, run_load
from loaders.warehouse import Warehouse


def plan_days(
    last_complete: date | None, finality_lag: int, last_final: str | None, from_date: date | None, to_date: date | None,
    retry_days: set[date],
) -> tuple[list[date], list[str]]:
    notes: list[str] = []
    if last_complete is None:
        return [], ["no complete day yet: the beacon chain started less than a day ago"]
    if from_date is not None or to_date is not None:
        start = from_date or (date.fromisoformat(last_final) + timedelta(days=1) if last_final else last_complete - timedelta(days=finality_lag))
        end = to_date or last_complete
        if start > end:
            raise PlanError(f"--from-date {start} is after --to-date {end}")
        if end > last_complete:
            notes.append(f"days after {last_complete} are not complete yet (their last epoch's rewards need the next epoch); loading up to {last_complete}")
            end = last_complete
        days = {start + timedelta(days=k) for k in range((end - start).days + 1)}
        skipped = sorted(d for d in retry_days if d not in days)
        if skipped:
            notes.append(f"days with rejected responses outside the range, not retried: {', '.join(map(str, skipped))}")
    else:
        start = date.fromisoformat(last_final) + timedelta(days=1) if last_final else last_complete - timedelta(days=finality_lag)
        days = {start + timedelta(days=k) for k in range(max((last_complete - start).days + 1, 0))}
        days |= {d for d in retry_days if d <= last_complete}
    return sorted(days), notes


def run_ethereum(
    config: AuroraConfig,
    chain: ChainConfig,
    warehouse: Warehouse,
    *,
    from_date: date | None = None,
    to_date: date | None = None,
    on_day: Callable[[int, int, str], None] | None = None,
    on_step: Callable[[str, int, int], None] | None = None,
) -> RunSummary:
    archive = ResponseArchive()
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
    state = pipeline.state.get("sources", {}).get("ethereum", {})
    retry = {date.fromisoformat(p) for p in rejections.values()}
    days, notes = plan_days(last_complete, chain.finality_lag, state.get("last_final_day"), from_date, to_date, retry)
    summary.notes.extend(notes)

    def count() -> None:
        trace = pipeline.last_trace
        if trace and trace.last_normalize_info:
            for table, n in trace.last_normalize_info.row_counts.items():
                if not table.startswith("_dlt"):
                    summary.rows[table] += n

    surface = (ProviderUnavailable, HistoryUnavailable)
    run_load(pipeline, ethereum_snapshots(fetcher), surface, chain=chain.key)
    count()
    finalized_epoch = fetcher.finality()["finalized"]
    for position, day in enumerate(days, start=1):
        if on_day:
            on_day(position, len(days), day.isoformat())
        plan = fetcher.plan(day)
        if plan is None:
            summary.notes.append(f"{day}: before genesis, nothing to load")
            continue
        final = plan.last_epoch + 2 <= finalized_epoch  # its blocks and its last epoch's rewards
        try:
            data = fetcher.fetch_day(plan, on_step)
            run_load(pipeline, ethereum_day(fetcher, data, final), surface, chain=chain.key, period=day.isoformat())
        except HistoryUnavailable as exc:
            summary.notes.append(str(exc))
            continue
        count()
        summary.periods.append(day.isoformat())
        if not final:
            summary.non_final.append(day.isoformat())
    from loaders.prices.run import load_prices

    load_prices(config, chain, warehouse, [date.fromisoformat(d) for d in summary.periods], summary)
    summary.rejected = archive.rejections
    summary.notes.extend(fetcher.notes)
    for key, c in clients.items():
        summary.providers[key] = dict(c.stats)
    return summary
