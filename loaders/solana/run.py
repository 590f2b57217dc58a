"""`aurora run --chain solana`: plan the epochs, snapshot, load each epoch as its own dlt load."""

from __future__ import annotations

from collections.abc import Callable

from loaders.config import AuroraConfig, ChainConfig
from loaders.pipeline import make_pipeline
from loaders.progress import Plan, heal_budget, invariant_periods, plan_periods, read_progress, schedule_row
from loaders.providers import BodyWriter, ProviderChain, ProviderClient, ProviderUnavailable, ResponseArchive
from loaders.runs import PlanError, RunSummary, open_rejections, query_or_none, run_load
from loaders.solana import solana_epoch, solana_failure, solana_snapshots
from loaders.solana.fetch import SolanaFetcher, SolanaOptions
from loaders.solana.settings import BLOCKS_PER_BATCH, DATASET, PIPELINE
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


class WarehouseStore:
    """What earlier runs stored: leader schedules and identity snapshots (loaders.solana.fetch.SolanaStore)."""

    def __init__(self, warehouse: Warehouse, chain: str):
        self.warehouse, self.chain = warehouse, chain

    def leader_schedule(self, epoch: int) -> tuple[dict[str, list[int]], set[str] | None] | None:
        asked = query_or_none(self.warehouse, f"select identity from {DATASET}.leader_schedules where chain = %s and epoch = %s",
                              (self.chain, epoch)) or []
        rows = query_or_none(self.warehouse, f"select identity, slot from {DATASET}.leader_slots where chain = %s and epoch = %s",
                             (self.chain, epoch)) or []
        if not asked and not rows:
            return None
        slots: dict[str, list[int]] = {}
        for identity, slot in rows:
            slots.setdefault(identity, []).append(int(slot))
        identities = {a for (a,) in asked}
        if "*" in identities:
            return slots, None
        # Schedules stored before leader_schedules existed list the identities with slots only.
        return slots, identities | set(slots)

    def stored_blocks(self, epoch: int) -> dict[int, tuple[str | None, bool, bool]]:
        """slot -> (leader identity, produced, fees split) of the epoch's blocks stored by
        completed loads: fetched at `finalized` commitment, so they never change. A block whose
        fee parts did not add up is left out: the provider served it wrong, it is asked again."""
        rows = query_or_none(self.warehouse, f"""
            select b.slot, b.leader_identity, b.produced, b.base_fee_lamports is not null
            from {DATASET}.blocks as b
            where b.chain = %s and b.epoch = %s
              and b.fee_split_mismatch is null
              and b._dlt_load_id in (select load_id from {DATASET}._dlt_loads where status = 0)""", (self.chain, epoch)) or []
        return {int(slot): (leader, produced, split) for slot, leader, produced, split in rows}

    def identity_snapshots(self) -> dict[str, list[tuple[int, str]]]:
        rows = query_or_none(self.warehouse, f"select vote_pubkey, snapshot_epoch, node_pubkey from {DATASET}.vote_accounts where chain = %s",
                             (self.chain,)) or []
        out: dict[str, list[tuple[int, str]]] = {}
        for vote, epoch, identity in rows:
            out.setdefault(vote, []).append((int(epoch), identity))
        return out


def plan_lines(plan: Plan, fetcher: SolanaFetcher, options: SolanaOptions) -> list[str]:
    """The plan in words, with the cost of every block scan, before anything is loaded."""
    lines = [plan.describe("epoch")]
    if not fetcher.tracked and not options.scan_all_blocks and plan.periods:
        lines.append("network-wide without --scan-all-blocks: block fees are not fetched (rows say block_fees_not_scanned)")
    scans = [e for e in plan.seqs if fetcher.needs_scan(e)]
    if scans and fetcher.tracked and not options.block_scan:
        lines.append(f"epochs {', '.join(map(str, scans))}: no leader schedule kept and --no-block-scan: block fees left as "
                     "leader_schedule_unknown")
    elif scans:
        blocks = {e: len(fetcher.produced_slots(e)) for e in scans}
        total = sum(blocks.values())
        why = "every block of the network (--scan-all-blocks)" if not fetcher.tracked else \
            "no leader schedule stored and the node no longer keeps it"
        lines.append(f"block scan of epochs {', '.join(map(str, scans))} ({why}): {total} getBlock calls "
                     f"in {-(-total // BLOCKS_PER_BATCH)} batched requests")
    return lines


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
    on_plan: Callable[[list[str]], None] | None = None,
) -> RunSummary:
    options = options or SolanaOptions()
    archive = ResponseArchive(bodies_to=BodyWriter(warehouse, DATASET))
    chains = provider_chains(config, chain, archive)
    for role in ("meta", "rewards", "fees"):
        if chains[role] is None:
            raise PlanError(f"no provider is mapped for {chain.key}/{role} in the providers file")
    pipeline = make_pipeline(PIPELINE, DATASET, warehouse)
    rejections = open_rejections(warehouse, DATASET, chain.key)
    fetcher = SolanaFetcher(
        chain, meta=chains["meta"], rewards=chains["rewards"], fees=chains["fees"], archive=archive,
        tracked=config.tracked_validators(chain.key), options=options, store=WarehouseStore(warehouse, chain.key),
        open_rejections=set(rejections), jito=chains["mev"],
    )
    _, info = fetcher.cluster()
    pipeline.sync_destination()  # the local dlt state and schemas follow the warehouse
    progress = read_progress(warehouse, DATASET, chain.key)
    retry = {int(p) for p in [*rejections.values(), *invariant_periods(warehouse, chain.key)] if p.isdigit()}
    plan = plan_periods(
        last_complete=info.epoch - 1 if info.epoch > 0 else None, current=info.epoch, finality_lag=chain.finality_lag,
        progress=progress, retry=retry, from_seq=from_epoch, to_seq=to_epoch,
        config_start=chain.start if isinstance(chain.start, int) else None, budget=heal_budget(),
        word="epoch", range_flags=("--from-epoch", "--to-epoch"),
    )
    summary = RunSummary(chain=chain.key, notes=list(plan.notes))
    if chains["mev"] is None:
        summary.notes.append(f"no MEV provider mapped for {chain.key}/mev: MEV counts 0 for every validator")

    def count() -> None:
        trace = pipeline.last_trace
        if trace and trace.last_normalize_info:
            for table, n in trace.last_normalize_info.row_counts.items():
                if not table.startswith("_dlt"):
                    summary.rows[table] += n

    surface = (ProviderUnavailable,)
    schedule = schedule_row(plan, last_complete=info.epoch - 1, run_id=archive.run_id) if info.epoch > 0 else None
    try:
        run_load(pipeline, solana_snapshots(fetcher, plan.seqs, schedule), surface, chain=chain.key)
        count()
        summary.plan = plan_lines(plan, fetcher, options)
        if on_plan:
            on_plan(summary.plan)
        for position, epoch in enumerate(plan.seqs, start=1):
            if on_epoch:
                on_epoch(position, len(plan.seqs), epoch)
            try:
                run_load(pipeline, solana_epoch(fetcher, epoch, plan.mode_of(epoch), progress=on_blocks), surface,
                         chain=chain.key, period=str(epoch))
            except ProviderUnavailable as exc:
                _record_failure(pipeline, fetcher, epoch, exc)
                raise
            count()
            summary.periods.append(str(epoch))
            if fetcher.settlement(epoch) or epoch + chain.finality_lag >= info.epoch:
                summary.non_final.append(str(epoch))
    except ProviderUnavailable as exc:
        summary.failed = str(exc)
    summary.rejected = archive.rejections
    _load_prices(config, chain, warehouse, summary)
    summary.notes.extend(fetcher.stats.notes)
    for key, client in chains["_clients"].items():  # type: ignore[union-attr]
        summary.add_provider_stats(key, client.stats)
    return summary


def _record_failure(pipeline, fetcher: SolanaFetcher, epoch: int, exc: ProviderUnavailable) -> None:
    """A provider that stayed down for an epoch: its archived attempts and a rejection naming the
    role, so the epoch's rows say provider_failed:<role> and the next run heals them."""
    role = exc.role or "rewards"
    fetcher.reject(f"provider:{role}:epoch={epoch}", epoch, role, str(exc), None, gap=f"provider_failed:{role}")
    run_load(pipeline, solana_failure(fetcher), (), chain=fetcher.chain.key, period=str(epoch))


def _load_prices(config: AuroraConfig, chain: ChainConfig, warehouse: Warehouse, summary: RunSummary) -> None:
    """USD closes of the dates loaded epochs ended on that have none yet (this run's and earlier ones)."""
    from loaders.prices.run import load_prices, missing_price_dates

    # The loaded epochs' boundaries are stored by now: their dates without a close are among these.
    load_prices(config, chain, warehouse, missing_price_dates(warehouse, chain, f"{DATASET}.epoch_boundaries", "end_time::date"), summary)
