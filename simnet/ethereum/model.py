"""The Ethereum model: time, validators, duties, rewards and the planted principal flows.

Everything is a pure function of (params, slot) or (params, epoch, validator) computed on demand
and cached; only balances and the withdrawal sweep need history, and `state.BalanceSim` replays
that sequentially (and only for the validators it touches). Per-validator attestation work is a
couple of integer operations on `rng.mix`, so one epoch of a million validators can be streamed.

The validator roles are listed in `registry`; rewards are in `rewards`, execution payloads in
`payload`, balances in `state`.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone

from simnet.ethereum import params as P
from simnet.ethereum.params import EthereumParams
from simnet.ethereum.payload import PayloadBuilder
from simnet.ethereum.queues import Churn, QueuedDeposit, deposit_schedule
from simnet.ethereum.registry import (
    CONSOLIDATION_SOURCES,
    ROLE_CONSOLIDATION_SOURCE,
    ROLE_CONSOLIDATION_TARGET,
    ROLE_EXIT,
    ROLE_OFFLINE,
    ROLE_SLASHED,
    ROLE_TOPUP_TARGET,
    RegistryMixin,
)
from simnet.ethereum.rewards import BlockReward, EpochTable, RewardsMixin
from simnet.ethereum.state import BalanceSim
from simnet.keys import eth_hash
from simnet.rng import h64, mix, uniform

__all__ = ["BlockReward", "EthereumModel", "PlannedEvents", "as_date"]

MISSED_SLOT_RATE = 0.012
MEV_BOOST_RATE = 0.85


@dataclass(frozen=True)
class PlannedEvents:
    """Where the planted flows landed (slots are always produced blocks)."""

    exit_validator: int
    exit_slot: int
    deposit_validator: int
    deposit_slot: int  # the request's block; the queue applies it at the transition into deposit_epoch
    deposit_amount: int
    deposit_epoch: int
    topup_validator: int
    topup_slot: int
    topup_amount: int
    topup_epoch: int
    partial_withdrawal_validator: int  # an EIP-7002 withdrawal request, paid through the sweep
    partial_withdrawal_slot: int
    partial_withdrawal_amount: int
    partial_withdrawable_epoch: int
    consolidation_source: int
    consolidation_target: int
    consolidation_slot: int  # both requests' block
    consolidation_epoch: int  # the sources' withdrawable epoch: process_pending_consolidations moves them
    consolidations: tuple[tuple[int, int], ...]  # (source, target) in the block's order
    slashed_validator: int
    slashing_slot: int
    slashed_header_slot: int
    offline_validator: int
    offline_epochs: range
    leak_epochs: range
    mev_underpaid_slot: int
    mev_payment_missing_slot: int
    mev_unexpected_recipient_slot: int
    relay_disagreement_slot: int  # the last relay reports a lower value than the others
    unconfigured_relay_slot: int  # delivered by a relay not served: the usual end-of-block payment
    unconfigured_unpaid_slot: int  # likewise, but the builder's block pays the fee recipient nothing


class EthereumModel(RegistryMixin, RewardsMixin):
    """EthereumModel(params=None, **overrides), e.g. EthereumModel(validators=200_000, archive=True).

    Head and finality: head_slot, set_head(slot), advance(slots), head_epoch, finalized_epoch
    (= head_epoch - finality_lag_epochs), justified_epoch, last_rewarded_epoch, is_day_final(day).
    Days: days(), epochs_of_day(day), slots_of_day(day), day_of_epoch(epoch).
    Planted flows: events (PlannedEvents), mev_anomalies, principal_events(first, last).
    Per validator: pubkey, withdrawal_credentials, expected_fee_recipient, effective_balance,
    balance(v, slot), validator_record(v, slot), attestation_reward(epoch, v).
    Per slot: proposer, block_produced, block_reward, sync_rewards, withdrawals,
    payloads.block / local_priority_fees / mev_paid / bid_trace, relays_for.
    """

    def __init__(self, params: EthereumParams | None = None, **overrides):
        if params is None:
            params = EthereumParams(**overrides)
        elif overrides:
            params = replace(params, **overrides)
        self.params = self.p = p = params  # `p` as SolanaModel names it (simnet.network reads it)
        self.S = p.slots_per_epoch
        self.N = p.validators
        self.B = p.base_reward_per_increment
        self._head = p.initial_head_slot
        self.lock = threading.RLock()
        s = p.seed
        self._seed_att = h64(s, "attestation")
        self._seed_eb = h64(s, "compounding-eb")
        self._seed_bal = h64(s, "initial-balance")
        self._seed_fr = h64(s, "fee-recipient")
        self._seed_wd = h64(s, "withdrawal-address")
        self._bls = {3} | ({45} if self.N > 45 else set())
        window_epochs = p.window_slots // self.S
        o0 = int(0.42 * window_epochs)
        self.offline_epochs = range(o0, o0 + max(4, window_epochs // 9))
        l0 = int(0.70 * window_epochs)
        self.leak_epochs = range(l0, l0 + 6)
        self._roles = {*CONSOLIDATION_SOURCES, ROLE_EXIT, ROLE_SLASHED, ROLE_OFFLINE,
                       ROLE_TOPUP_TARGET, ROLE_CONSOLIDATION_TARGET}
        # the fast attestation path handles everybody else
        self._special = self._roles | {self.N}
        self._pubkeys: dict[int, str] = {}
        self._pubkey_index: dict[str, int] | None = None
        self._proposers: dict[int, int] = {}
        self._produced: dict[int, bool] = {}
        self._produced_list: list[int] = []
        self._produced_upto = 0
        self._epoch_tables: dict[int, EpochTable] = {}
        self._sync_committees: dict[int, tuple[int, ...]] = {}
        self._roots: dict[str, dict[str, int]] = {}
        # planted events: None until placed (placement reads its own earlier placements)
        self.exit_slot: int | None = None
        self.deposit_slot: int | None = None
        self.deposit_epoch: int | None = None
        self.topup_slot: int | None = None
        self.topup_epoch: int | None = None
        self.consolidation_slot: int | None = None
        self.consolidation_epoch: int | None = None
        self.slashing_slot: int | None = None
        self.exit_epochs: dict[int, int] = {}
        self.deposit_amount = 32 * P.GWEI_PER_ETH
        # more than one epoch's activation churn (64 ETH): the queue applies it an epoch later
        self.topup_amount = 96 * P.GWEI_PER_ETH
        self.partial_amount = 5 * P.GWEI_PER_ETH
        self.unconfigured_slots: dict[int, bool] = {}  # slot -> the builder pays the proposer
        self.disagreement_slot: int | None = None
        self.events = self._place_events()
        self.sim = BalanceSim(self)
        self.payloads = PayloadBuilder(self)

    # ------------------------------------------------------------------ time
    def slot_time(self, slot: int) -> int:
        return self.params.genesis_time + slot * self.params.seconds_per_slot

    def epoch_of(self, slot: int) -> int:
        return slot // self.S

    def epoch_start_slot(self, epoch: int) -> int:
        return epoch * self.S

    def epoch_last_slot(self, epoch: int) -> int:
        return epoch * self.S + self.S - 1

    def epoch_time(self, epoch: int) -> int:
        return self.params.genesis_time + epoch * self.params.seconds_per_epoch

    def day_of_epoch(self, epoch: int) -> date:
        """An epoch belongs to the UTC day of its start time."""
        return datetime.fromtimestamp(self.epoch_time(epoch), tz=timezone.utc).date()

    def epochs_of_day(self, day: date | str) -> range:
        day = as_date(day)
        start = int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())
        spe, g = self.params.seconds_per_epoch, self.params.genesis_time
        first = max(0, -(-(start - g) // spe))
        last = -(-(start + 86400 - g) // spe) - 1
        return range(first, last + 1) if last >= first else range(0)

    def slots_of_day(self, day: date | str) -> range:
        epochs = self.epochs_of_day(day)
        return range(epochs.start * self.S, epochs.stop * self.S)

    def days(self) -> list[date]:
        """UTC days from genesis through the head's day."""
        first, last = self.day_of_epoch(0), self.day_of_epoch(self.head_epoch)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    # ------------------------------------------------------------ head / finality
    @property
    def head_slot(self) -> int:
        return self._head

    def set_head(self, slot: int) -> None:
        if slot < 0:
            raise ValueError("head slot must be >= 0")
        self._head = int(slot)

    def advance(self, slots: int = 1) -> int:
        self._head += int(slots)
        return self._head

    @property
    def head_epoch(self) -> int:
        return self._head // self.S

    @property
    def finalized_epoch(self) -> int:
        return max(0, self.head_epoch - self.params.finality_lag_epochs)

    @property
    def justified_epoch(self) -> int:
        return min(self.head_epoch, max(0, self.head_epoch - self.params.finality_lag_epochs + 1))

    @property
    def finalized_slot(self) -> int:
        return self.finalized_epoch * self.S

    def is_day_final(self, day: date | str) -> bool:
        epochs = self.epochs_of_day(day)
        # Checkpoint F finalizes F's first slot: epoch e's rewards are final once F >= e + 2.
        return bool(epochs) and epochs[-1] + 2 <= self.finalized_epoch

    def set_archive(self, archive: bool) -> None:
        """Serve all history (an archive node) or only the retention window from now on: the
        operator pointing the beacon role at another node, as far as the answers show."""
        self.params = self.p = replace(self.params, archive=archive)

    @property
    def oldest_state_epoch(self) -> int:
        """Oldest epoch a pruned (non-archive) node still answers states and rewards for."""
        return 0 if self.params.archive else max(0, self.head_epoch - self.params.retention)

    @property
    def last_rewarded_epoch(self) -> int:
        """Latest epoch whose attestation rewards are known (epoch + 1 complete at the head)."""
        return (self._head + 1) // self.S - 2

    # ------------------------------------------------------------ proposers and blocks
    def proposer(self, slot: int) -> int:
        """Effective-balance-weighted choice among active validators (compute_proposer_index)."""
        found = self._proposers.get(slot)
        if found is not None:
            return found
        epoch = slot // self.S
        size = self.registry_size(epoch * self.S)
        seed = h64(self.params.seed, "proposer", slot)
        k = 0
        while True:
            r = mix(seed, k)
            k += 1
            v = r % size
            if not self.is_active(v, epoch):
                continue
            if self.effective_balance(v, epoch) * 0xFFFF >= P.MAX_EFFECTIVE_BALANCE_ELECTRA * (r >> 48):
                self._proposers[slot] = v
                return v

    def block_produced(self, slot: int) -> bool:
        """A block exists at `slot` (regardless of the head). Slot 0 is genesis: no proposal."""
        done = self._produced.get(slot)
        if done is not None:
            return done
        if slot <= 0:
            return False
        v = self.proposer(slot)
        epoch = slot // self.S
        ok = uniform(self.params.seed, "missed-slot", slot) >= MISSED_SLOT_RATE
        if v == ROLE_OFFLINE and epoch in self.offline_epochs:
            ok = False
        if v == ROLE_SLASHED and self.slashing_slot is not None and slot > self.slashing_slot:
            ok = False  # a slashed proposer's block is invalid
        self._produced[slot] = ok
        return ok

    def _extend_produced(self, slot: int) -> None:
        with self.lock:
            for s in range(self._produced_upto + 1, slot + 1):
                if self.block_produced(s):
                    self._produced_list.append(s)
                self._produced_upto = s

    def produced_slots(self, first: int, last: int) -> list[int]:
        self._extend_produced(last)
        lo, hi = bisect_left(self._produced_list, first), bisect_left(self._produced_list, last + 1)
        return self._produced_list[lo:hi]

    def missed_slots(self, first: int, last: int) -> list[int]:
        produced = set(self.produced_slots(first, last))
        return [s for s in range(max(1, first), last + 1) if s not in produced]

    def block_number(self, slot: int) -> int | None:
        """Execution block number of the block at `slot` (EL genesis is block 0)."""
        if not self.block_produced(slot):
            return None
        self._extend_produced(slot)
        return bisect_left(self._produced_list, slot) + 1

    def slot_of_block_number(self, number: int) -> int | None:
        if number <= 0:
            return 0 if number == 0 else None
        with self.lock:
            s = self._produced_upto
            while len(self._produced_list) < number and s < self._head:
                s = min(self._head, s + 256)
                self._extend_produced(s)
            return self._produced_list[number - 1] if len(self._produced_list) >= number else None

    def latest_block_slot(self, at_or_before: int) -> int:
        """Slot of the latest block at or before a slot (0 = genesis)."""
        s = at_or_before
        while s > 0 and not self.block_produced(s):
            s -= 1
        return s

    # roots (hash-like identifiers; state roots exist for every slot, block roots for blocks)
    def block_root(self, slot: int) -> str:
        return eth_hash(self.params.seed, "block-root", slot)

    def state_root(self, slot: int) -> str:
        return eth_hash(self.params.seed, "state-root", slot)

    def el_block_hash(self, slot: int) -> str:
        return eth_hash(self.params.seed, "el-block", slot)

    def slot_of_root(self, kind: str, root: str) -> int | None:
        """Slot of a block root, state root or EL block hash at or before the head."""
        fn = {"block": self.block_root, "state": self.state_root, "el": self.el_block_hash}[kind]
        with self.lock:
            table = self._roots.setdefault(kind, {"_upto": -1})
            for s in range(table["_upto"] + 1, self._head + 1):
                if kind == "state" or s == 0 or self.block_produced(s):
                    table[fn(s)] = s
                table["_upto"] = s
        s = table.get(root.lower())
        return s if s is not None and s <= self._head else None

    # ------------------------------------------------------------ execution layer shortcuts
    def is_mev_boost(self, slot: int) -> bool:
        return self.block_produced(slot) and uniform(self.params.seed, "mev-boost", slot) < MEV_BOOST_RATE

    def relays_for(self, slot: int) -> tuple[str, ...]:
        """Relays that delivered the payload of the block at `slot` (1-3; () for local blocks; an
        unconfigured relay for the planted blocks that only it delivered)."""
        if not self.is_mev_boost(slot):
            return ()
        if slot in self.unconfigured_slots:
            return self.params.unconfigured_relays[:1]
        relays = self.params.relays
        r = h64(self.params.seed, "relays", slot)
        count = min(len(relays), 1 + (r % 100 >= 55) + (r % 100 >= 85))
        start = (r >> 8) % len(relays)
        return tuple(sorted((relays[(start + i) % len(relays)] for i in range(count)), key=relays.index))

    # ------------------------------------------------------------ planted events
    def _place_events(self) -> PlannedEvents:
        window = self.params.window_slots
        used: set[int] = set()
        avoid = self._roles | {self.N}

        def first_ok(fraction: float, extra=lambda s: True) -> int:
            s = max(1, int(fraction * window))
            while s in used or not self.block_produced(s) or self.proposer(s) in avoid or not extra(s):
                s += 1
            used.add(s)
            return s

        # chronological: each placement only changes epochs after its own block
        S, lag = self.S, self.params.finality_lag_epochs
        exits = Churn(P.ACTIVATION_EXIT_CHURN_LIMIT)  # shared by exits and partial withdrawal requests
        self.exit_slot = first_ok(0.22)
        self.exit_epochs[ROLE_EXIT] = exits.epoch_for(self.exit_slot // S, self.effective_balance(ROLE_EXIT, 0))
        self.deposit_slot = first_ok(0.30)
        (self.deposit_epoch,) = deposit_schedule([QueuedDeposit(self.deposit_slot, self.N, self.deposit_amount)], S, lag)
        self.topup_slot = first_ok(0.44)  # late on 2025-01-02: applied on 2025-01-03
        requests = [QueuedDeposit(self.deposit_slot, self.N, self.deposit_amount),
                    QueuedDeposit(self.topup_slot, ROLE_TOPUP_TARGET, self.topup_amount)]
        deposit_epoch, self.topup_epoch = deposit_schedule(requests, S, lag)
        assert deposit_epoch == self.deposit_epoch  # a later request never changes an earlier one
        partial_slot = first_ok(0.50, lambda s: s // S > self.topup_epoch)
        partial_exit = exits.epoch_for(partial_slot // S, self.partial_amount)
        self.slashing_slot = first_ok(0.62)
        self.exit_epochs[ROLE_SLASHED] = exits.epoch_for(self.slashing_slot // S, self.effective_balance(ROLE_SLASHED, 0))
        header_slot = next((s for s in range(self.slashing_slot - 1, 0, -1) if self.proposer(s) == ROLE_SLASHED),
                           self.slashing_slot - 1)
        self.consolidation_slot = first_ok(0.73)  # late on 2025-01-03: processed on 2025-01-04
        consolidations = Churn(P.CONSOLIDATION_CHURN_LIMIT)
        for source in CONSOLIDATION_SOURCES:  # process_consolidation_request: the source's effective balance
            self.exit_epochs[source] = consolidations.epoch_for(self.consolidation_slot // S,
                                                                self.effective_balance(source, self.consolidation_slot // S))
        self.consolidation_epoch = self.withdrawable_epoch(ROLE_CONSOLIDATION_SOURCE)
        assert all(self.withdrawable_epoch(v) == self.consolidation_epoch for v in CONSOLIDATION_SOURCES)
        underpaid = first_ok(0.33, self.is_mev_boost)
        missing = first_ok(0.47, self.is_mev_boost)
        self.disagreement_slot = first_ok(0.58, lambda s: self.is_mev_boost(s) and len(self.relays_for(s)) >= 2)
        paid_unconfigured = first_ok(0.68, self.is_mev_boost)
        self.unconfigured_slots[paid_unconfigured] = True
        unpaid_unconfigured = first_ok(0.72, self.is_mev_boost)
        self.unconfigured_slots[unpaid_unconfigured] = False
        unexpected = first_ok(0.76, self.is_mev_boost)
        # forget anything computed while the later events were still unknown, then re-check
        self._produced.clear()
        self._proposers.clear()
        for s in used:
            assert self.block_produced(s) and self.proposer(s) not in avoid, s
        return PlannedEvents(
            exit_validator=ROLE_EXIT, exit_slot=self.exit_slot,
            deposit_validator=self.N, deposit_slot=self.deposit_slot, deposit_amount=self.deposit_amount,
            deposit_epoch=self.deposit_epoch,
            topup_validator=ROLE_TOPUP_TARGET, topup_slot=self.topup_slot, topup_amount=self.topup_amount,
            topup_epoch=self.topup_epoch,
            partial_withdrawal_validator=ROLE_TOPUP_TARGET, partial_withdrawal_slot=partial_slot,
            partial_withdrawal_amount=self.partial_amount,
            partial_withdrawable_epoch=partial_exit + P.MIN_VALIDATOR_WITHDRAWABILITY_DELAY,
            consolidation_source=ROLE_CONSOLIDATION_SOURCE, consolidation_target=ROLE_CONSOLIDATION_TARGET,
            consolidation_slot=self.consolidation_slot, consolidation_epoch=self.consolidation_epoch,
            consolidations=tuple((source, ROLE_CONSOLIDATION_TARGET) for source in CONSOLIDATION_SOURCES),
            slashed_validator=ROLE_SLASHED, slashing_slot=self.slashing_slot, slashed_header_slot=header_slot,
            offline_validator=ROLE_OFFLINE, offline_epochs=self.offline_epochs, leak_epochs=self.leak_epochs,
            mev_underpaid_slot=underpaid, mev_payment_missing_slot=missing,
            mev_unexpected_recipient_slot=unexpected, relay_disagreement_slot=self.disagreement_slot,
            unconfigured_relay_slot=paid_unconfigured, unconfigured_unpaid_slot=unpaid_unconfigured,
        )

    @property
    def mev_anomalies(self) -> dict[str, int]:
        """Exception kind -> slot of the planted MEV anomaly."""
        e = self.events
        return {"mev_value_mismatch": e.mev_underpaid_slot, "mev_payment_missing": e.mev_payment_missing_slot,
                "unexpected_fee_recipient": e.mev_unexpected_recipient_slot}

    @property
    def relay_anomalies(self) -> dict[str, tuple[int, ...]]:
        """Exception kind -> slots of the planted relay cases (one exception row per relay claim
        for a disagreement; one per block delivered by an unconfigured relay)."""
        e = self.events
        return {"relay_value_disagreement": (e.relay_disagreement_slot,),
                "relay_not_configured": (e.unconfigured_relay_slot, e.unconfigured_unpaid_slot)}

    # ------------------------------------------------------------ state (delegated)
    def balance(self, v: int, slot: int) -> int:
        """Balance (gwei) in the post-state of `slot`."""
        return self.sim.balance(v, slot)

    def principal_events(self, first_slot: int = 0, last_slot: int | None = None):
        return self.sim.principal_events(first_slot, self._head if last_slot is None else last_slot)

    def withdrawals(self, slot: int):
        return self.sim.withdrawals_at(slot)



def as_date(day: date | str) -> date:
    if isinstance(day, datetime):
        return day.date()
    if isinstance(day, date):
        return day
    return date.fromisoformat(str(day))
