"""What the Solana resources fetch, over the providers of each role.

Roles (providers.yaml): `meta` answers the cluster and validator questions (epoch schedule and
info, vote accounts, leader schedules, block production), `rewards` answers getInflationReward,
`fees` answers getBlocks/getBlock/getBlockTime. Real nodes only keep leader schedules (for the
epochs whose stakes they still hold, about four back) and block production for recent epochs,
and report vote accounts as of now, so every run snapshots them; history accumulates in the
warehouse. A vote account's identity can change: every epoch's leader slots are matched with
the identity the account had in that epoch (`epoch_identities`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from datetime import datetime, timezone
from typing import Any

from loaders.config import ChainConfig
from loaders.providers import Fetched, ProviderChain, ProviderUnavailable, Rejected, ResponseArchive
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
    block_scan: bool = True  # tracked: scan an epoch whose leader schedule nobody kept (costly)


class SolanaStore(Protocol):
    """What earlier runs left in the warehouse."""

    def leader_schedule(self, epoch: int) -> tuple[dict[str, list[int]], set[str] | None] | None:
        """(identity -> leader slots, the identities asked; None when the whole schedule was
        stored), or None when nothing of the epoch's schedule is stored."""

    def identity_snapshots(self) -> dict[str, list[tuple[int, str]]]:
        """vote account -> [(snapshot epoch, identity)] from every stored getVoteAccounts, by epoch."""

    def stored_blocks(self, epoch: int) -> dict[int, tuple[str | None, bool, bool]]:
        """slot -> (leader identity, produced, fees split) of the epoch's blocks already stored."""


@dataclass
class Schedule:
    """An epoch's leader slots for some identities (or all of them, `whole`)."""

    slots: dict[str, list[int]]
    asked: set[str] | None  # None: the whole schedule
    source: str  # live | stored



@dataclass
class JitoEpoch:
    """kobe's answer for an epoch, or why there is none."""

    rows: list[dict[str, Any]]
    response_id: str | None
    failed: str | None = None  # provider_failed:mev or response_rejected
    reason: str | None = None

    @property
    def settled(self) -> bool:
        """kobe reports a validator's MEV as 0 until the epoch's merkle roots are uploaded; once
        any validator shows MEV the epoch is being settled and a 0 is a real 0."""
        return any((r.get("mev_rewards") or 0) > 0 for r in self.rows)


@dataclass
class FetchStats:
    blocks_fetched: int = 0
    blocks_skipped: int = 0
    blocks_stored: int = 0  # finalized leader blocks an earlier load stored (not fetched again)
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
        store: SolanaStore | None = None,
        open_rejections: set[str] | None = None,
        jito: ProviderChain | None = None,
    ):
        self.chain = chain
        self.meta = JsonRpc(meta)
        self.rewards = JsonRpc(rewards, batch_size=settings.INFLATION_CALLS_PER_BATCH)
        self.fees = JsonRpc(fees, batch_size=settings.BLOCKS_PER_BATCH)
        self.archive = archive
        self.tracked = tracked  # vote accounts; empty: every vote account
        self.options = options or SolanaOptions()
        self.store = store
        self.jito = jito
        self.rejections = RejectionLog(archive, chain.key, open_rejections)
        self.stats = FetchStats()
        self._schedule: EpochSchedule | None = None
        self._info: EpochInfo | None = None
        self._info_response: str | None = None
        self._vote_accounts: list[dict[str, Any]] | None = None
        self._vote_response: str | None = None
        self._schedules: dict[int, Schedule | None] = {}  # None: the node no longer keeps it
        self._oldest_kept: int | None = None  # the oldest epoch whose schedule the node answered
        self._schedule_rows: list[dict[str, Any]] = []
        self._jito: dict[int, JitoEpoch] = {}
        self._blocks: dict[int, list[int]] = {}  # produced slots per epoch (getBlocks), for scans
        self._identities: dict[int, dict[str, str]] = {}  # epoch -> identity -> vote account
        self._identity_rows: dict[int, list[dict[str, Any]]] = {}
        self._snapshots: dict[str, list[tuple[int, str]]] | None = None
        self._scanned_leaders: dict[int, set[str]] = {}  # epoch -> identities a block scan saw produce
        self.loading: set[int] = set()  # the epochs this run loads
        self.unsettled: dict[int, list[str]] = {}  # epoch -> why it is not settled
        self.block_source: dict[int, str] = {}  # epoch -> schedule | scan | none | unknown
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
        """identity -> vote account, for the tracked set, as of the latest snapshot."""
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

    # ------------------------------------------------------------ identities per epoch
    def _identity_history(self) -> dict[str, list[tuple[int, str]]]:
        """vote account -> [(epoch, identity)]: stored snapshots plus the live one."""
        if self._snapshots is None:
            history = {v: list(h) for v, h in (self.store.identity_snapshots() if self.store else {}).items()}
            for row in self.vote_accounts():
                history.setdefault(row["vote_pubkey"], []).append((self.current_epoch, row["node_pubkey"]))
            self._snapshots = {v: sorted(set(h)) for v, h in history.items()}
        return self._snapshots

    def identity_candidates(self, vote: str, epoch: int) -> tuple[list[str], str]:
        """The identities the vote account may have used in an epoch, best first, and the source:
        kobe's record for the epoch; else a getVoteAccounts snapshot taken during it; else the
        snapshots around it (both are asked for the epoch's leader slots). kobe is asked only
        for epochs this run loads (it is loaded with them anyway)."""
        jito = self.jito_epoch(epoch) if epoch in self.loading and epoch < self.current_epoch else self._jito.get(epoch)
        if jito is not None:
            for row in jito.rows:
                if row["vote_account"] == vote and row.get("identity_account"):
                    return [row["identity_account"]], "jito"
        history = self._identity_history().get(vote, [])
        during = [identity for e, identity in history if e == epoch]
        if during:
            return [during[-1]], "snapshot"
        after = [identity for e, identity in history if e > epoch][:1]
        before = [identity for e, identity in history if e < epoch][-1:]
        candidates = list(dict.fromkeys(after + before))
        return candidates, "nearest_snapshot"

    def epoch_identities(self, epoch: int) -> dict[str, str]:
        """identity -> vote account for the tracked vote accounts in an epoch (every candidate)."""
        if epoch not in self._identities:
            out: dict[str, str] = {}
            for vote in self.tracked_votes():
                for identity in self.identity_candidates(vote, epoch)[0]:
                    out.setdefault(identity, vote)
            self._identities[epoch] = out
        return self._identities[epoch]

    def identity_rows(self, epoch: int) -> list[dict[str, Any]]:
        """The identity each tracked vote account used in the epoch, as the loader resolved it:
        among the candidates, the one the epoch's leader schedule lists with slots, else the one
        whose blocks a scan found (it collected their Fee rewards), else the best guess."""
        schedule = self._schedules.get(epoch)
        producers = self._scanned_leaders.get(epoch, set())
        rows = []
        for vote in self.tracked:
            candidates, source = self.identity_candidates(vote, epoch)
            if not candidates:
                continue
            chosen = candidates[0]
            if len(candidates) > 1:
                scheduled = [c for c in candidates if schedule is not None and schedule.slots.get(c)]
                scanned = [c for c in candidates if c in producers]
                if len(scheduled) == 1:
                    chosen, source = scheduled[0], "leader_schedule"
                elif len(scanned) == 1:
                    chosen, source = scanned[0], "blocks"
            rows.append({"epoch": epoch, "vote_pubkey": vote, "identity_pubkey": chosen, "source": source})
        return rows

    # ------------------------------------------------------------ schedules
    def _ask_schedule(self, epoch: int, identities: list[str] | None) -> tuple[Schedule | None, bool]:
        """getLeaderSchedule for the epoch: per identity (the `identity` option, a small answer
        each, batched) or whole (network-wide). (schedule, kept): (None, False) when the node
        answers null (it no longer keeps the epoch), (None, True) when the answer was unusable."""
        schedule = self.schedule
        first, count = schedule.first_slot(epoch), schedule.slots_in(epoch)
        if identities == []:
            return Schedule({}, set(), "live"), True  # nothing to ask: no tracked identity is known
        config = {"commitment": "finalized"}
        params = [[first, {**config, "identity": i}] for i in identities] if identities is not None else [[first, config]]
        try:
            outcomes = self.meta.batch("getLeaderSchedule", params, lambda r, p: helpers.parse_leader_schedule(r, first, count))
        except Rejected as exc:
            self.stats.notes.append(f"epoch {epoch}: leader schedule not read ({exc.reason})")
            return None, True
        slots: dict[str, list[int]] = {}
        for p, outcome in zip(params, outcomes):
            if outcome.error is not None or outcome.malformed:
                problem = outcome.malformed or f"RPC error {outcome.error_code}: {outcome.error.get('message')}"
                self.stats.notes.append(f"epoch {epoch}: leader schedule not read ({problem})")
                return None, True
            if outcome.result is None:
                return None, False
            for identity, found in outcome.result.items():
                if identities is None or identity == p[1].get("identity"):
                    slots[identity] = found
            response_id = outcome.response_id
        asked = set(identities) if identities is not None else None
        for identity in (identities if identities is not None else sorted(slots)):
            found = slots.get(identity, [])
            self._schedule_rows.append({"kind": "schedule", "epoch": epoch, "identity": identity, "leader_slots": len(found),
                                        "is_whole": identities is None, "response_id": response_id})
            self._schedule_rows.extend({"kind": "slot", "slot": s, "epoch": epoch, "identity": identity,
                                        "response_id": response_id} for s in found)
        if identities is None:
            self._schedule_rows.append({"kind": "schedule", "epoch": epoch, "identity": "*", "leader_slots": count,
                                        "is_whole": True, "response_id": response_id})
        return Schedule(slots, asked, "live"), True

    def _missing_identities(self, epoch: int, schedule: Schedule | None) -> set[str]:
        """Candidate identities the schedule must still answer for: a vote account is settled by
        a candidate the schedule lists with slots, or by every candidate having been asked."""
        if schedule is not None and schedule.asked is None:
            return set()
        asked = schedule.asked if schedule is not None else set()
        missing: set[str] = set()
        for vote in self.tracked:
            candidates = self.identity_candidates(vote, epoch)[0]
            if schedule is not None and any(schedule.slots.get(c) for c in candidates if c in asked):
                continue
            missing |= {c for c in candidates if c not in asked}
        return missing

    def schedule_for(self, epoch: int) -> Schedule | None:
        """The epoch's leader slots for its tracked identities (every identity network-wide):
        stored by an earlier run, else asked from the node while it keeps the epoch; None when
        neither has it (the block scan is the only way left)."""
        if epoch in self._schedules and self._schedules[epoch] is None:
            return None
        known = self._schedules.get(epoch)
        if known is None and self.store is not None:
            stored = self.store.leader_schedule(epoch)
            known = Schedule(stored[0], stored[1], "stored") if stored is not None else None
        if self.tracked:
            missing = self._missing_identities(epoch, known)
            if known is not None and not missing:
                self._schedules[epoch] = known
                return known
            ask: list[str] | None = sorted(missing)
        else:
            if known is not None and known.asked is None:
                self._schedules[epoch] = known
                return known
            ask = None
        if self._oldest_kept is not None and epoch < self._oldest_kept:
            live, kept = None, False  # older than an epoch the node already declined: not kept either
        else:
            live, kept = self._ask_schedule(epoch, ask)
        if live is None:
            self._schedules[epoch] = None
            if not kept and (self._oldest_kept is None or epoch >= self._oldest_kept):
                self._oldest_kept = epoch + 1
            return None
        if known is not None and known.asked is not None and live.asked is not None:
            live = Schedule({**known.slots, **live.slots}, known.asked | live.asked, "live")
        self._schedules[epoch] = live
        return live

    def snapshot_schedules(self, planned: list[int]) -> None:
        """Store every epoch's schedule the node still keeps and the warehouse lacks: from the
        next epoch back to the oldest planned one, stopping at the first the node declines."""
        self.loading = set(planned)
        current = self.current_epoch
        oldest = min([*planned, current - 1]) if self.tracked else current - 1
        for epoch in range(current + 1, max(oldest, 0) - 1, -1):
            if self.schedule_for(epoch) is None:
                break

    def leader_schedule_rows(self) -> list[dict[str, Any]]:
        rows, self._schedule_rows = self._schedule_rows, []
        return rows

    def needs_scan(self, epoch: int) -> bool:
        """Whether the epoch's blocks can only be found by scanning every block."""
        if not self.tracked:
            return self.options.scan_all_blocks
        return self.schedule_for(epoch) is None

    def produced_slots(self, epoch: int) -> list[int]:
        """Every produced slot of the epoch (getBlocks): what a scan fetches."""
        if epoch not in self._blocks:
            schedule = self.schedule
            fetched = self.fees.call("getBlocks", [schedule.first_slot(epoch), schedule.last_slot(epoch), {"commitment": "finalized"}],
                                     helpers.parse_block_list)
            self._blocks[epoch] = fetched.value
        return self._blocks[epoch]

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
            identities = self.epoch_identities(epoch)
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

    # ------------------------------------------------------------ Jito
    def jito_epoch(self, epoch: int) -> JitoEpoch | None:
        """kobe /api/v1/validators for the epoch (cached: identities and settlement use it too);
        None when no MEV provider is mapped. A failure is recorded as the epoch's rejection."""
        if self.jito is None:
            return None
        if epoch not in self._jito:
            from loaders.jito import fetch_validators
            from loaders.jito.settings import VALIDATORS_PATH

            key = f"jito_validators:epoch={epoch}"
            try:
                rows, response_id = fetch_validators(self.jito, epoch)
                self._jito[epoch] = JitoEpoch(rows, response_id)
                self.resolve(key, epoch, VALIDATORS_PATH, response_id)
            except Rejected as exc:
                self._jito[epoch] = JitoEpoch([], exc.response_id, "response_rejected", exc.reason)
                self.reject(key, epoch, VALIDATORS_PATH, exc.reason, exc.response_id)
            except ProviderUnavailable as exc:
                self._jito[epoch] = JitoEpoch([], None, "provider_failed:mev", str(exc))
                self.reject(key, epoch, VALIDATORS_PATH, str(exc), None, gap="provider_failed:mev")
        return self._jito[epoch]

    def jito_rows(self, epoch: int) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """(the tracked validators' kobe rows, the epoch's settlement row)."""
        answer = self.jito_epoch(epoch)
        if answer is None or answer.failed:
            return [], None
        tracked = set(self.tracked)
        rows = [{**r, "response_id": answer.response_id} for r in answer.rows if not tracked or r["vote_account"] in tracked]
        return rows, {"epoch": epoch, "validators_listed": len(answer.rows),
                      "validators_with_mev": sum(1 for r in answer.rows if (r.get("mev_rewards") or 0) > 0),
                      "response_id": answer.response_id}

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
        # -32004 for every chunk: the epoch's rewards are not credited yet (awaited, no gap of
        # its own). For some chunks only: that node failed them, a provider failure to heal.
        not_yet = [o.error is not None and o.error_code == settings.BLOCK_NOT_AVAILABLE for o in outcomes]
        if outcomes and all(not_yet):
            self.stats.notes.append(f"epoch {epoch}: inflation rewards not credited yet ({outcomes[0].error.get('message')})")
            self.unsettled.setdefault(epoch, []).append("issuance_unavailable")
            return []
        for chunk, outcome in zip(chunks, outcomes):
            if outcome.error is not None or outcome.malformed:
                problem = outcome.malformed or f"RPC error {outcome.error_code}: {outcome.error.get('message')}"
                gap = "response_rejected" if outcome.malformed else "provider_failed:rewards"
                for vote in chunk:
                    self.reject(f"getInflationReward:epoch={epoch}:vote={vote}", epoch, "getInflationReward", problem,
                                outcome.response_id, vote, gap=gap)
                continue
            for row in outcome.result:
                self.resolve(f"getInflationReward:epoch={epoch}:vote={row['vote_pubkey']}", epoch, "getInflationReward",
                             outcome.response_id, row["vote_pubkey"])
                rows.append({**row, "response_id": outcome.response_id})
        return rows

    # ------------------------------------------------------------ blocks
    def block_rows(self, epoch: int, progress: Callable[[int, int], None] | None = None, *,
                   reuse_stored: bool = True) -> list[dict[str, Any]]:
        """The tracked identities' leader blocks (schedule), or every block attributed by its Fee
        reward (scan: no schedule kept, or network-wide with --scan-all-blocks). `reuse_stored`:
        leader blocks a completed load stored are not fetched again (an explicit range reload
        fetches them all: the operator asked to read the epoch again)."""
        if not self.tracked:
            if not self.options.scan_all_blocks:
                self.block_source[epoch] = "none"
                return []
            self.block_source[epoch] = "scan"
            return self._scan_blocks(epoch, progress)
        schedule = self.schedule_for(epoch)
        if schedule is None:
            if not self.options.block_scan:
                self.block_source[epoch] = "unknown"
                self.unsettled.setdefault(epoch, []).append("leader_schedule_unknown")
                return []
            self.block_source[epoch] = "scan"
            return self._scan_blocks(epoch, progress)
        self.block_source[epoch] = "schedule"
        identities = self.epoch_identities(epoch)
        slot_leader = {s: identity for identity, slots in schedule.slots.items() if identity in identities for s in slots}
        # A finalized block never changes: an epoch a scheduled run loads again (not settled yet:
        # Jito, a late reward) fetches only the leader slots no completed load stored for the same
        # leader, with the fee detail this run asks for. Stored rows stay as they are (the load merges).
        stored = self.store.stored_blocks(epoch) if self.store is not None and reuse_stored else {}
        wanted = [s for s in sorted(slot_leader)
                  if not ((known := stored.get(s)) and known[0] == slot_leader[s]
                          and (known[2] or not known[1] or not self.options.split_fees))]
        self.stats.blocks_stored += len(slot_leader) - len(wanted)
        return self._fetch_blocks(epoch, wanted, slot_leader, progress)

    def _scan_blocks(self, epoch: int, progress: Callable[[int, int], None] | None) -> list[dict[str, Any]]:
        """Fetch every produced block and attribute each by the identity its Fee reward went to.
        Costs one getBlock per produced slot of the epoch (its count is printed before loading)."""
        slots = self.produced_slots(epoch)
        self.stats.blocks_scanned_without_schedule += len(slots)
        self.stats.notes.append(f"epoch {epoch}: no leader schedule; scanned all {len(slots)} blocks with getBlock")
        wanted = set(self.epoch_identities(epoch)) if self.tracked else None
        rows = self._fetch_blocks(epoch, slots, {}, progress)
        self._scanned_leaders[epoch] = {r["leader_identity"] for r in rows if r["leader_identity"]}
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
        votes = self.epoch_identities(epoch) if self.tracked else self.identities()
        try:
            rules = self.fee_rules() if self.options.split_fees and slots else helpers.FeeRules(self.chain.lamports_per_signature or 5000, None)
        except (Rejected, RpcError) as exc:  # retried with the blocks on the next run
            reason = exc.reason if isinstance(exc, Rejected) else str(exc)
            gap = "response_rejected" if isinstance(exc, Rejected) else "provider_failed:fees"
            for slot in slots:
                self.reject(f"getBlock:slot={slot}", epoch, "getAccountInfo", reason, exc.response_id,
                            votes.get(slot_leader.get(slot)), gap=gap)
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
                                    outcome.response_id, vote, gap="provider_failed:fees")
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
                self.reject(f"getBlockTime:epoch={epoch}", epoch, "getBlockTime", problem, outcome.response_id,
                            gap="response_rejected" if outcome.malformed else "provider_failed:fees")
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

    # ------------------------------------------------------------ settlement
    def settlement(self, epoch: int) -> list[str]:
        """Why the epoch is not settled, as codes (empty: nothing a provider reports can change):
        every answer arrived, and Jito's figures are settled for the validators running Jito."""
        reasons = list(self.unsettled.get(epoch, []))
        if str(epoch) in self.rejections.rejected_periods:
            reasons.append("rejected")
        answer = self.jito_epoch(epoch)
        if answer is not None and not answer.failed and not answer.settled:
            tracked = set(self.tracked)
            if any(r["mev_commission_bps"] is not None for r in answer.rows if not tracked or r["vote_account"] in tracked):
                reasons.append("mev_unsettled")
        return reasons

    def period_loaded(self, epoch: int) -> list[str]:
        """The epoch's load reached its end: a provider failure recorded for it by an earlier run
        is resolved. Returns why the epoch is not settled (see settlement)."""
        for role in ("rewards", "fees", "meta", "mev"):
            self.resolve(f"provider:{role}:epoch={epoch}", epoch, role, None)
        return self.settlement(epoch)

    # ------------------------------------------------------------ rejections
    def reject(self, key: str, epoch: int, endpoint: str, reason: str, response_id: str | None, validator: str | None = None,
               gap: str = "response_rejected") -> None:
        self.rejections.reject(key, str(epoch), endpoint, reason, response_id, validator, gap=gap)

    def resolve(self, key: str, epoch: int, endpoint: str, response_id: str | None, validator: str | None = None) -> None:
        self.rejections.resolve(key, str(epoch), endpoint, response_id, validator)
