"""`aurora run --chain solana`: plan the epochs, snapshot, load each epoch as its own dlt load."""

from __future__ import annotations

from collections.abc import Callable

from loaders.config import AuroraConfig, ChainConfig
from loaders.pipeline import make_pipeline
from loaders.providers import ProviderChain, ProviderClient, ResponseArchive
from loaders.solana import solana_epoch, solana_snapshots
from loaders.solana.fetch import SolanaFetcher, SolanaOptions
from loaders.solana.settings import DATASET, PIPELINE
from loaders.providers import ProviderUnavailable
from loaders.runs import PlanError, RunSummary, open_rejections, query_or_none, run_load
from loaders.warehouse import Warehouse


def provider_chains(config: AuroraConfig, chain: ChainConfig, archive: ResponseArchive) -> dict[str, ProviderChain | None]:
    clients: dict[str, ProviderClient] = {}

    def chain_for(role: str) -> ProviderChain | None:
        providers = config.providers_for(chain.key, role)
        if not providers:
            return None
        for p in providers:
            clients.setdefault(p.key, ProviderClient(p, archive))
        return ProviderChain([clients[p.key] for p in providers], f"{chain.key}/{role}")

    chains = {role: chain_for(role) for role in ("meta", "rewards", "fees", "mev", "prices")}
    chains["_clients"] = clients  # type: ignore[assignment]
    return chains


def stored_leader_slots(warehouse: Warehouse, chain: str) -> Callable[[int, list[str]], dict[str, list[int]] | None]:
    def lookup(epoch: int, identities: list[str]) -> dict[str, list[int]] | None:
        rows = query_or_none(warehouse, f"select identity, slot from {DATASET}.leader_slots where chain = %s and epoch = %s", (chain, epoch))
        if not rows:
            return None
        out: dict[str, list[int]] = {i: [] for i in identities}
        for identity, slot in rows:
            if identity in out:
                out[identity].append(int(slot))
        return out

    return lookup


def plan_epochs(
    current: int, finality_lag: int, last_final: int | None, from_epoch: int | None, to_epoch: int | None,
    retry_epochs: set[int],
) -> tuple[list[int], list[str]]:
    """Completed epochs to load, and notes. Explicit bounds win; otherwise everything after the
    last final epoch (or, on a first run, the non-final window) plus epochs with open rejections."""
    notes = []
    last_complete = current - 1
    if from_epoch is not None or to_epoch is not None:
        start = from_epoch if from_epoch is not None else (last_final + 1 if last_final is not None else last_complete - finality_lag)
        end = to_epoch if to_epoch is not None else last_complete
        if start > end:
            raise PlanError(f"--from-epoch {start} is after --to-epoch {end}")
        if end > last_complete:
            notes.append(f"epochs {max(start, last_complete + 1)}..{end} are not complete yet (current epoch {current}); loading up to {last_complete}")
            end = last_complete
        epochs = set(range(max(start, 0), end + 1))
        skipped = sorted(e for e in retry_epochs if e not in epochs)
        if skipped:
            notes.append(f"epochs with rejected responses outside the range, not retried: {', '.join(map(str, skipped))}")
    else:
        start = last_final + 1 if last_final is not None else max(last_complete - finality_lag, 0)
        epochs = set(range(start, last_complete + 1)) | {e for e in retry_epochs if e <= last_complete}
    return sorted(epochs), notes


def run_solana(
    config: AuroraConfig,
    chain: ChainConfig,
    warehouse: Warehouse,
    *,
    from_epoch: int | None = None,
    to_epoch: int | None = None,
    options: SolanaOptions | None = None,
    on_epoch: Callable[[int, int, int], None] | None = None,
    on_blocks: Callable[[int, int], None] | None = None,
) -> RunSummary:
    archive = ResponseArchive()
    chains = provider_chains(config, chain, archive)
    for role in ("meta", "rewards", "fees"):
        if chains[role] is None:
            raise PlanError(f"no provider is mapped for {chain.key}/{role} in the providers file")
    pipeline = make_pipeline(PIPELINE, DATASET, warehouse)
    rejections = open_rejections(warehouse, DATASET, chain.key)
    fetcher = SolanaFetcher(
        chain, meta=chains["meta"], rewards=chains["rewards"], fees=chains["fees"], archive=archive,
        tracked=config.tracked_validators(chain.key), options=options,
        stored_leader_slots=stored_leader_slots(warehouse, chain.key), open_rejections=set(rejections),
    )
    _, info = fetcher.cluster()
    pipeline.sync_destination()  # restores dlt state from the warehouse if the local copy is gone
    state = pipeline.state.get("sources", {}).get("solana", {})
    last_final = state.get("last_final_epoch")
    retry = {int(p) for p in rejections.values() if p.isdigit()}
    epochs, notes = plan_epochs(info.epoch, chain.finality_lag, last_final, from_epoch, to_epoch, retry)
    summary = RunSummary(chain=chain.key, notes=notes)

    def count() -> None:
        trace = pipeline.last_trace
        if trace and trace.last_normalize_info:
            for table, n in trace.last_normalize_info.row_counts.items():
                if not table.startswith("_dlt"):
                    summary.rows[table] += n

    surface = (ProviderUnavailable,)
    run_load(pipeline, solana_snapshots(fetcher), surface, chain=chain.key)
    count()
    for position, epoch in enumerate(epochs, start=1):
        if on_epoch:
            on_epoch(position, len(epochs), epoch)
        run_load(pipeline, solana_epoch(fetcher, epoch, jito=chains["mev"], progress=on_blocks), surface, chain=chain.key, period=str(epoch))
        count()
        summary.periods.append(str(epoch))
        if epoch + chain.finality_lag >= info.epoch:
            summary.non_final.append(str(epoch))
    _load_prices(config, chain, warehouse, summary)
    summary.rejected = archive.rejections
    summary.notes.extend(fetcher.stats.notes)
    if fetcher.stats.blocks_scanned_without_schedule:
        summary.notes.append(f"{fetcher.stats.blocks_scanned_without_schedule} blocks fetched by scanning epochs without a stored leader schedule")
    for key, client in chains["_clients"].items():  # type: ignore[union-attr]
        summary.providers[key] = dict(client.stats)
    return summary


def _load_prices(config: AuroraConfig, chain: ChainConfig, warehouse: Warehouse, summary: RunSummary) -> None:
    """USD closes of the dates the loaded epochs ended on."""
    from loaders.prices.run import load_prices

    if not summary.periods:
        return
    rows = query_or_none(warehouse, f"select distinct end_time::date from {DATASET}.epoch_boundaries where chain = %s and epoch = any(%s)",
                         (chain.key, [int(p) for p in summary.periods]))
    load_prices(config, chain, warehouse, [r[0] for r in rows or []], summary)
