"""What the Solana resources fetch, over the providers of each role.

Roles (providers.yaml): `meta` answers the cluster and validator questions (epoch schedule and
info, vote accounts, leader schedules, block production), `rewards` answers getInflationReward,
`fees` answers getBlocks/getBlock/getBlockTime. Real nodes only keep leader schedules and block
production for recent epochs and report vote accounts as of now, so every run snapshots them;
history accumulates in the warehouse.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from loaders.config import ChainConfig
from loaders.providers import Fetched, ProviderChain, Rejected, ResponseArchive
from loaders.providers.jsonrpc import JsonRpc, RpcError
from loaders.resources import RejectionLog
from loaders.solana import helpers, settings
from loaders.solana.helpers import EpochInfo, EpochSchedule

log = logging.getLogger("aurora.solana")


class ConfigMismatch(Exception):
    """chains.yaml disagrees with what the node reports."""


@dataclass
class SolanaOptions:
    split_fees: bool = True  # fetch transaction detail to split base and priority fees
    scan_all_blocks: bool = False  # network-wide block fees when no validator is listed (costly)


@dataclass
class FetchStats:
    blocks_fetched: int = 0
    blocks_skipped: int = 0
    blocks_scanned_without_schedule: int = 0
    notes: list[str] = field(default_factory=list)


class SolanaFetcher:
    def __init__(
        self,
        chain: ChainConfig,
        *,
        meta: ProviderChain,
        rewards: ProviderChain,
        fees: ProviderChain,
        archive: ResponseArchive,
        tracked: list[str],
        options: SolanaOptions | None = None,
        stored_leader_slots: Callable[[int, list[str]], dict[str, list[int]] | None] | None = None,
        open_rejections: set[str] | None = None,
    ):
        self.chain = chain
        self.meta = JsonRpc(meta)
        self.rewards = JsonRpc(rewards, batch_size=settings.INFLATION_CALLS_PER_BATCH)
        self.fees = JsonRpc(fees, batch_size=settings.BLOCKS_PER_BATCH)
        self.archive = archive
        self.tracked = tracked  # vote accounts; empty: every vote account
        self.options = options or SolanaOptions()
        self.stored_leader_slots = stored_leader_slots
        self.rejections = RejectionLog(archive, chain.key, open_rejections)
        self.stats = FetchStats()
        self._schedule: EpochSchedule | None = None
        self._info: EpochInfo | None = None
        self._info_response: str | None = None
        self._vote_accounts: list[dict[str, Any]] | None = None
        self._vote_response: str | None = None
        self._leaders: dict[int, dict[str, list[int]] | None] = {}
        self._fee_rules: helpers.FeeRules | None = None

    # ------------------------------------------------------------ cluster
    def cluster(self) -> tuple[EpochSchedule, EpochInfo]:
        if self._schedule is None:
            fetched = self.meta.call("getEpochSchedule", [], helpers.parse_epoch_schedule)
            self._schedule = fetched.value
            self._schedule_response = fetched.response_id
            if not self._schedule.warmup and self._schedule.slots_per_epoch != self.chain.slots_per_epoch:
                raise ConfigMismatch(
                    f"chains file: chains.{self.chain.key}.slots_per_epoch is {self.chain.slots_per_epoch}, but the "
                    f"node reports slotsPerEpoch {self._schedule.slots_per_epoch} (getEpochSchedule): "
                    "point the chain at the right cluster or fix the chains file"
                )
            fetched = self.meta.call("getEpochInfo", [{"commitment": "finalized"}], helpers.parse_epoch_info)
            self._info, self._info_response = fetched.value, fetched.response_id
        assert self._info is not None
        return self._schedule, self._info

    @property
    def schedule(self) -> EpochSchedule:
        return self.cluster()[0]

    @property
    def current_epoch(self) -> int:
        return self.cluster()[1].epoch

    def cluster_row(self) -> dict[str, Any]:
        schedule, info = self.cluster()
        return {
            "run_id": self.archive.run_id,
            "observed_at": datetime.now(timezone.utc),
            "head_slot": info.absolute_slot,
            "current_epoch": info.epoch,
            "slots_per_epoch": schedule.slots_per_epoch,
            "warmup": schedule.warmup,
            "first_normal_epoch": schedule.first_normal_epoch,
            "first_normal_slot": schedule.first_normal_slot,
            "response_id": self._info_response,
        }

    # ------------------------------------------------------------ validators
    def vote_accounts(self) -> list[dict[str, Any]]:
        if self._vote_accounts is None:
            fetched = self.meta.call("getVoteAccounts", [{"commitment": "finalized", "keepUnstakedDelinquents": True}],
                                     helpers.parse_vote_accounts)
            self._vote_accounts, self._vote_response = fetched.value, fetched.response_id
        return self._vote_accounts

    def tracked_votes(self) -> list[str]:
        return list(self.tracked) if self.tracked else [row["vote_pubkey"] for row in self.vote_accounts()]

    def identities(self) -> dict[str, str]:
        """identity -> vote account, for the tracked set (as of the latest snapshot)."""
        wanted = set(self.tracked_votes())
        return {row["node_pubkey"]: row["vote_pubkey"] for row in self.vote_accounts() if row["vote_pubkey"] in wanted}

    def vote_account_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(snapshot rows, epoch credit rows) as of now."""
        epoch = self.current_epoch
        info = self.cluster()[1]
        snapshots, credits = [], []
        for row in self.vote_accounts():
            if self.tracked and row["vote_pubkey"] not in self.tracked:
                continue
            snapshot = {k: v for k, v in row.items() if k != "epoch_credits"}
            snapshots.append({**snapshot, "snapshot_epoch": epoch, "snapshot_slot": info.absolute_slot,
                              "response_id": self._vote_response})
            for entry in row["epoch_credits"]:
                credits.append({"vote_pubkey": row["vote_pubkey"], **entry, "observed_epoch": epoch,
                                "is_complete": entry["epoch"] < epoch, "response_id": self._vote_response})
        return snapshots, credits

    # ------------------------------------------------------------ schedules
    def live_leader_schedule(self, epoch: int) -> tuple[dict[str, list[int]] | None, str | None]:
        schedule = self.schedule
        first = schedule.first_slot(epoch)
        fetched = self.meta.call("getLeaderSchedule", [first, {"commitment": "finalized"}],
                                 lambda r: helpers.parse_leader_schedule(r, first, schedule.slots_in(epoch)))
        return fetched.value, fetched.response_id

    def leader_slot_rows(self) -> list[dict[str, Any]]:
        """Tracked identities' leader slots for the epochs the node still knows (previous, current)."""
        identities = self.identities()
        rows = []
        for epoch in (self.current_epoch - 1, self.current_epoch):
            if epoch < 0:
                continue
            leaders, response_id = self.live_leader_schedule(epoch)
            self._leaders[epoch] = leaders
            for identity, slots in (leaders or {}).items():
                if self.tracked and identity not in identities:
                    continue
                rows.extend({"slot": s, "epoch": epoch, "identity": identity, "response_id": response_id} for s in slots)
        return rows

    def block_production_rows(self) -> list[dict[str, Any]]:
        schedule, info = self.cluster()
        rows = []
        for epoch in (self.current_epoch - 1, self.current_epoch):
            if epoch < 0:
                continue
            first, last = schedule.first_slot(epoch), min(schedule.last_slot(epoch), info.absolute_slot)
            try:
                fetched = self.meta.call("getBlockProduction", [{"commitment": "finalized", "range": {"firstSlot": first, "lastSlot": last}}],
                                         helpers.parse_block_production)
            except RpcError as exc:
                self.stats.notes.append(f"block production for epoch {epoch} unavailable: {exc.message}")
                continue
            production = fetched.value
            identities = self.identities()
            for identity, (leader_slots, produced) in production["by_identity"].items():
                if self.tracked and identity not in identities:
                    continue
                rows.append({
                    "epoch": epoch, "identity": identity, "leader_slots": leader_slots, "blocks_produced": produced,
                    "first_slot": production["first_slot"], "last_slot": production["last_slot"],
                    "is_complete": production["last_slot"] >= schedule.last_slot(epoch),
                    "response_id": fetched.response_id,
                })
        return rows

    def leaders_for(self, epoch: int) -> dict[str, list[int]] | None:
        """Leader slots of tracked identities in an epoch: live, stored, or None (scan needed)."""
        if epoch not in self._leaders and self.current_epoch - 1 <= epoch <= self.current_epoch:
            self._leaders[epoch] = self.live_leader_schedule(epoch)[0]
        leaders = self._leaders.get(epoch)
        identities = list(self.identities()) if self.tracked else None
        if leaders is not None:
            return {i: s for i, s in leaders.items() if identities is None or i in identities}
        if self.stored_leader_slots is not None and identities:
            return self.stored_leader_slots(epoch, identities)
        return None

    # ------------------------------------------------------------ rewards
    def inflation_rows(self, epoch: int) -> list[dict[str, Any]]:
        votes = self.tracked_votes()
        chunks = [votes[i : i + settings.INFLATION_ADDRESSES_PER_CALL] for i in range(0, len(votes), settings.INFLATION_ADDRESSES_PER_CALL)]
        params = [[chunk, {"epoch": epoch, "commitment": "finalized"}] for chunk in chunks]
        rows = []
        try:
            outcomes = self.rewards.batch("getInflationReward", params,
                                          lambda result, p: helpers.parse_inflation_rewards(result, p[0], epoch))
        except Rejected as exc:
            for chunk in chunks:
                for vote in chunk:
                    self.reject(f"getInflationReward:epoch={epoch}:vote={vote}", epoch, "getInflationReward", exc.reason, exc.response_id, vote)
            return rows
        for chunk, outcome in zip(chunks, outcomes):
            if outcome.error is not None and outcome.error_code == settings.BLOCK_NOT_AVAILABLE:
                self.stats.notes.append(f"epoch {epoch}: inflation rewards not paid yet ({outcome.error.get('message')})")
                return []
            if outcome.error is not None or outcome.malformed:
                problem = outcome.malformed or f"RPC error {outcome.error_code}: {outcome.error.get('message')}"
                for vote in chunk:
                    self.reject(f"getInflationReward:epoch={epoch}:vote={vote}", epoch, "getInflationReward", problem, outcome.response_id, vote)
                continue
            for row in outcome.result:
                self.resolve(f"getInflationReward:epoch={epoch}:vote={row['vote_pubkey']}", epoch, "getInflationReward",
                             outcome.response_id, row["vote_pubkey"])
                rows.append({**row, "response_id": outcome.response_id})
        return rows

    # ------------------------------------------------------------ blocks
    def block_rows(self, epoch: int, progress: Callable[[int, int], None] | None = None) -> list[dict[str, Any]]:
        if not self.tracked and not self.options.scan_all_blocks:
            return []
        leaders = self.leaders_for(epoch) if self.tracked else None
        if leaders is None:
            return self._scan_blocks(epoch, progress)
        slot_leader = {s: identity for identity, slots in leaders.items() for s in slots}
        return self._fetch_blocks(epoch, sorted(slot_leader), slot_leader, progress)

    def _scan_blocks(self, epoch: int, progress: Callable[[int, int], None] | None) -> list[dict[str, Any]]:
        """No leader schedule for this epoch: fetch every produced block and attribute each by the
        identity its Fee reward went to. Costs one getBlock per produced slot of the epoch."""
        schedule = self.schedule
        fetched = self.fees.call("getBlocks", [schedule.first_slot(epoch), schedule.last_slot(epoch), {"commitment": "finalized"}],
                                 helpers.parse_block_list)
        slots = fetched.value
        self.stats.blocks_scanned_without_schedule += len(slots)
        self.stats.notes.append(
            f"epoch {epoch}: no stored leader schedule; scanned all {len(slots)} blocks with getBlock "
            "(snapshot runs within an epoch of it avoid this)"
        )
        wanted = set(self.identities()) if self.tracked else None
        rows = self._fetch_blocks(epoch, slots, {}, progress)
        return [r for r in rows if wanted is None or r["leader_identity"] in wanted]

    def fee_rules(self) -> helpers.FeeRules:
        """lamports_per_signature (chains file) and the slot SIMD-0096 took effect on this cluster
        (its feature account): what the base/priority split of a block needs."""
        if self._fee_rules is None:
            fetched = self.fees.call("getAccountInfo", [settings.FULL_PRIORITY_FEE_FEATURE, {"encoding": "base64", "commitment": "finalized"}],
                                     helpers.parse_feature_activation)
            self._fee_rules = helpers.FeeRules(self.chain.lamports_per_signature or 5000, fetched.value)
        return self._fee_rules

    def _fetch_blocks(self, epoch: int, slots: list[int], slot_leader: dict[int, str], progress) -> list[dict[str, Any]]:
        details = settings.DETAILS_FOR_SPLIT if self.options.split_fees else settings.DETAILS_TOTAL_ONLY
        config = {"encoding": "json", "transactionDetails": details, "rewards": True,
                  "maxSupportedTransactionVersion": 0, "commitment": "finalized"}
        votes = self.identities()
        try:
            rules = self.fee_rules() if self.options.split_fees and slots else helpers.FeeRules(self.chain.lamports_per_signature or 5000, None)
        except (Rejected, RpcError) as exc:  # retried with the blocks on the next run
            reason = exc.reason if isinstance(exc, Rejected) else str(exc)
            for slot in slots:
                self.reject(f"getBlock:slot={slot}", epoch, "getAccountInfo", reason, exc.response_id, votes.get(slot_leader.get(slot)))
            return []
        rows: list[dict[str, Any]] = []
        for start in range(0, len(slots), settings.BLOCKS_PER_BATCH):
            chunk = slots[start : start + settings.BLOCKS_PER_BATCH]
            try:
                outcomes = self.fees.batch(
                    "getBlock", [[s, config] for s in chunk],
                    lambda result, p: helpers.parse_block(result, p[0], rules, slot_leader.get(p[0])),
                )
            except Rejected as exc:
                for slot in chunk:
                    self.reject(f"getBlock:slot={slot}", epoch, "getBlock", exc.reason, exc.response_id, votes.get(slot_leader.get(slot)))
                continue
            for slot, outcome in zip(chunk, outcomes):
                key = f"getBlock:slot={slot}"
                leader = slot_leader.get(slot)
                vote = votes.get(leader) if leader else None
                if outcome.malformed:
                    self.reject(key, epoch, "getBlock", outcome.malformed, outcome.response_id, vote)
                    continue
                if outcome.error is not None:
                    if outcome.error_code in settings.SKIPPED_SLOT_CODES:
                        self.stats.blocks_skipped += 1
                        rows.append({**helpers.skipped_block(slot, leader), "epoch": epoch, "response_id": outcome.response_id})
                        self.resolve(key, epoch, "getBlock", outcome.response_id, vote)
                    else:
                        self.reject(key, epoch, "getBlock", f"RPC error {outcome.error_code}: {outcome.error.get('message')}",
                                    outcome.response_id, vote)
                    continue
                self.stats.blocks_fetched += 1
                rows.append({**outcome.result, "epoch": epoch, "response_id": outcome.response_id})
                self.resolve(key, epoch, "getBlock", outcome.response_id, vote)
            if progress:
                progress(min(start + len(chunk), len(slots)), len(slots))
        return rows

    def boundary_row(self, epoch: int) -> dict[str, Any] | None:
        """The epoch's first and last blocks and their times: the period's start and end."""
        try:
            return self._boundary_row(epoch)
        except Rejected as exc:
            self.reject(f"getBlockTime:epoch={epoch}", epoch, "getBlocks/getBlockTime", exc.reason, exc.response_id)
            return None

    def _boundary_row(self, epoch: int) -> dict[str, Any] | None:
        schedule = self.schedule
        first_slot, last_slot = schedule.first_slot(epoch), schedule.last_slot(epoch)
        first_block = self._edge_block(first_slot, last_slot, from_start=True)
        last_block = self._edge_block(first_slot, last_slot, from_start=False)
        if first_block is None or last_block is None:
            return None
        times = self.fees.batch("getBlockTime", [[first_block[0]], [last_block[0]]], lambda result, p: helpers.parse_block_time(result))
        for outcome in times:
            if outcome.error is not None or outcome.malformed:
                problem = outcome.malformed or f"RPC error {outcome.error_code}: {outcome.error.get('message')}"
                self.reject(f"getBlockTime:epoch={epoch}", epoch, "getBlockTime", problem, outcome.response_id)
                return None
        self.resolve(f"getBlockTime:epoch={epoch}", epoch, "getBlockTime", times[0].response_id)
        return {
            "epoch": epoch, "first_slot": first_slot, "last_slot": last_slot,
            "first_block_slot": first_block[0], "last_block_slot": last_block[0],
            "start_time": datetime.fromtimestamp(times[0].result, tz=timezone.utc),
            "end_time": datetime.fromtimestamp(times[1].result, tz=timezone.utc),
            "response_id": times[1].response_id,
        }

    def _edge_block(self, first: int, last: int, from_start: bool) -> tuple[int, str] | None:
        window = settings.BOUNDARY_WINDOW
        while window <= last - first + window:
            low, high = (first, min(last, first + window)) if from_start else (max(first, last - window), last)
            fetched: Fetched = self.fees.call("getBlocks", [low, high, {"commitment": "finalized"}], helpers.parse_block_list)
            if fetched.value:
                return (min(fetched.value) if from_start else max(fetched.value)), fetched.response_id
            if high - low >= last - first:
                return None
            window *= 4
        return None

    # ------------------------------------------------------------ rejections
    def reject(self, key: str, epoch: int, endpoint: str, reason: str, response_id: str | None, validator: str | None = None) -> None:
        self.rejections.reject(key, str(epoch), endpoint, reason, response_id, validator)

    def resolve(self, key: str, epoch: int, endpoint: str, response_id: str | None, validator: str | None = None) -> None:
        self.rejections.resolve(key, str(epoch), endpoint, response_id, validator)
