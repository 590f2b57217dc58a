"""A deterministic Solana cluster: validators, leader schedules, blocks, votes, inflation and Jito.

Every quantity is a pure function of the parameters and the slot or epoch asked for, cached per
epoch, so any part of history can be served in any order. Fee rules follow the runtime (agave
fee/src/lib.rs, runtime/src/bank/fee_distribution.rs): 5,000 lamports per signature, the
signatures verified by ed25519, secp256k1 and secp256r1 precompile instructions included; half
the block's base fees burned; its priority fees (compute-unit price x limit) all to the leader
from the SIMD-0096 activation epoch, half burned before it (then half of the whole fee is
burned). A vote transaction pays one signature's fee from the voter's identity and, landing in
time, earns 16 credits (SIMD-0033). From the SIMD-0291 epoch on, inflation rewards report the
commission in basis points.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from functools import lru_cache

from simnet import rng
from simnet.keys import solana_hash, solana_pubkey, solana_signature

LAMPORTS_PER_SOL = 1_000_000_000
LAMPORTS_PER_SIGNATURE = 5_000
CREDITS_PER_VOTE = 16
LEADER_GROUP = 4  # NUM_CONSECUTIVE_LEADER_SLOTS
COMPUTE_BUDGET = "ComputeBudget111111111111111111111111111111"
VOTE_PROGRAM = "Vote111111111111111111111111111111111111111"
SYSTEM_PROGRAM = "11111111111111111111111111111111"
ED25519_PROGRAM = "Ed25519SigVerify111111111111111111111111111"
SECP256K1_PROGRAM = "KeccakSecp256k11111111111111111111111111111"
SECP256R1_PROGRAM = "Secp256r1SigVerify1111111111111111111111111"
PRECOMPILES = (ED25519_PROGRAM, SECP256K1_PROGRAM, SECP256R1_PROGRAM)
BURN_PERCENT = 50


@dataclass(frozen=True)
class SolanaParams:
    seed: int = 7
    validators: int = 12
    slots_per_epoch: int = 96
    genesis_time: int = 1735689600  # 2025-01-01T00:00:00Z
    slot_ms: int = 400
    head_slot: int | None = None  # default: a third into epoch 8
    skip_rate: float = 0.06
    jito_settle_slots: int | None = None  # MEV of epoch E reads 0 until this many slots into E+1
    epoch_inflation_lamports: int = 400 * LAMPORTS_PER_SOL  # the epoch's validator reward pool
    user_tx_range: tuple[int, int] = (2, 9)
    # Feature activations, by epoch (None: never). SIMD-0096: the leader keeps all priority fees.
    # SIMD-0291: getInflationReward answers `commissionBps` and `commission: null`; from then on
    # validator 2 sets a commission that is no whole percent.
    full_priority_fee_epoch: int | None = 3
    commission_bps_epoch: int | None = 7
    # Slots whose leader cannot receive the Fee reward (the runtime burns it: an identity account
    # that would turn rent-paying or is not system-owned); none by default.
    fee_burned_slots: frozenset[int] = frozenset()
    # getLeaderSchedule answers for this many epochs before the current one (and the next one):
    # a node computes schedules from the epoch stakes it still keeps; older epochs answer null.
    leader_schedule_epochs_kept: int = 4
    # (validator index, epoch): from that epoch on the vote account's identity (node key, block
    # producer and vote fee payer) is a new key, as after `solana vote-update-validator`.
    identity_changes: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if self.slots_per_epoch % LEADER_GROUP or self.slots_per_epoch < 32:
            raise ValueError("slots_per_epoch must be a multiple of 4 and at least 32")
        if self.validators < 4:
            raise ValueError("the model needs at least 4 validators")


@dataclass(frozen=True)
class Validator:
    index: int
    vote: str
    identity: str
    base_stake: int


@dataclass(frozen=True)
class Tx:
    signatures: int
    priority_fee: int
    fee_payer: str
    is_vote: bool
    label: str  # deterministic identity of the transaction
    cu_limit: int = 0  # 0: no compute-budget instructions (no priority fee)
    cu_price_micro: int = 0
    precompiles: tuple[tuple[str, int], ...] = ()  # (program, signatures it verifies) per instruction

    @property
    def precompile_signatures(self) -> int:
        return sum(n for _, n in self.precompiles)

    @property
    def base_fee(self) -> int:
        return LAMPORTS_PER_SIGNATURE * (self.signatures + self.precompile_signatures)

    @property
    def fee(self) -> int:
        return self.base_fee + self.priority_fee


@dataclass
class EpochState:
    epoch: int
    leaders: list[int]  # per slot index: validator index
    produced: list[bool]  # per slot index
    stake: list[int]
    commission: list[int]  # basis points
    delinquent: list[bool]
    votes: list[int] = field(default_factory=list)  # landed votes per validator
    fee_rewards: list[int] = field(default_factory=list)  # leader Fee rewards per validator
    base_fees: list[int] = field(default_factory=list)
    priority_fees: list[int] = field(default_factory=list)
    mev: list[int] = field(default_factory=list)


class SolanaModel:
    def __init__(self, params: SolanaParams | None = None):
        self.p = params or SolanaParams()
        n = self.p.validators
        self.validators = [
            Validator(
                index=i,
                vote=solana_pubkey("vote", self.p.seed, i),
                identity=solana_pubkey("identity", self.p.seed, i),
                base_stake=(20_000 + rng.h64(self.p.seed, "stake", i) % 2_000_000) * LAMPORTS_PER_SOL,
            )
            for i in range(n)
        ]
        self.by_vote = {v.vote: v for v in self.validators}
        # Every identity a validator ever used (changes included), for looking voters up.
        self._identity_changes: dict[int, list[int]] = {}
        for i, epoch in self.p.identity_changes:
            if not 0 <= i < n:
                raise ValueError(f"identity_changes: no validator {i}")
            self._identity_changes.setdefault(i, []).append(epoch)
        self.by_identity = {v.identity: v for v in self.validators}
        for i, epochs in self._identity_changes.items():
            epochs.sort()
            for epoch in epochs:
                self.by_identity[self._rotated_identity(i, epoch)] = self.validators[i]
        self.head_slot = self.p.head_slot if self.p.head_slot is not None else 8 * self.p.slots_per_epoch + self.p.slots_per_epoch // 3
        self._epochs: dict[int, EpochState] = {}
        self._partial_votes: tuple[tuple[int, int], list[int]] | None = None

    # ------------------------------------------------------------ clock
    @property
    def S(self) -> int:
        return self.p.slots_per_epoch

    @property
    def current_epoch(self) -> int:
        return self.head_slot // self.S

    def epoch_of(self, slot: int) -> int:
        return slot // self.S

    def first_slot(self, epoch: int) -> int:
        return epoch * self.S

    def last_slot(self, epoch: int) -> int:
        return (epoch + 1) * self.S - 1

    def slot_time(self, slot: int) -> int:
        return self.p.genesis_time + slot * self.p.slot_ms // 1000

    def set_head(self, slot: int) -> None:
        if slot < self.head_slot:
            raise ValueError("the head only moves forward")
        self.head_slot = slot

    def advance(self, slots: int) -> None:
        self.set_head(self.head_slot + slots)

    @property
    def jito_settle_slots(self) -> int:
        return self.p.jito_settle_slots if self.p.jito_settle_slots is not None else self.S // 2

    # ------------------------------------------------------------ identities
    def _rotated_identity(self, i: int, epoch: int) -> str:
        return solana_pubkey("identity", self.p.seed, i, "from-epoch", epoch)

    def identity_at(self, i: int, epoch: int) -> str:
        """The node key validator i used in an epoch (it changes only at planted identity changes)."""
        current = self.validators[i].identity
        for change in self._identity_changes.get(i, ()):
            if epoch >= change:
                current = self._rotated_identity(i, change)
        return current

    # ------------------------------------------------------------ validator traits (fixed)
    def runs_jito(self, i: int) -> bool:
        return i % 4 != 3

    def mev_commission_bps(self, i: int, epoch: int) -> int | None:
        if not self.runs_jito(i):
            return None
        if i == 0:
            return 800 if epoch < 6 else 1000  # a change mid-history
        return (500, 800, 1000, 0, 10000)[i % 5]

    def priority_fee_commission_bps(self, i: int) -> int | None:
        """Validators sharing priority fees through Jito's distribution program."""
        if not self.runs_jito(i) or i % 3 != 0:
            return None
        return 2500 if i % 2 else 5000

    def base_commission(self, i: int) -> int:
        return (5, 7, 10, 0, 100, 8)[i % 6]

    def commission_at(self, i: int, epoch: int) -> int:
        """Inflation commission in percent, as the vote account's u8 field reads (whole percent)."""
        return self.commission_bps_at(i, epoch) // 100

    def commission_bps_at(self, i: int, epoch: int) -> int:
        """Inflation commission in basis points: what the runtime splits rewards with."""
        if i == 1:
            return 500 if epoch < 5 else 1000  # raised
        if i == 3:
            return 700 if epoch < 6 else 0  # lowered
        if i == 2 and self.reports_commission_bps(epoch):
            return 1050  # set in basis points once SIMD-0291 allows it
        return self.base_commission(i) * 100

    def reports_commission_bps(self, epoch: int) -> bool:
        return self.p.commission_bps_epoch is not None and epoch >= self.p.commission_bps_epoch

    def is_delinquent(self, i: int, epoch: int) -> bool:
        n = self.p.validators
        if i == n - 1:
            return epoch >= 6  # down since epoch 6, still down now
        if i == n - 2:
            return epoch == 4  # one bad epoch in the past
        return False

    def vote_miss_period(self, i: int) -> int:
        return 10 if i % 5 == 2 else 0  # misses every 10th vote

    # ------------------------------------------------------------ epochs
    def epoch(self, epoch: int) -> EpochState:
        state = self._epochs.get(epoch)
        if state is None:
            state = self._build_epoch(epoch)
            self._epochs[epoch] = state
        return state

    def _stake(self, i: int, epoch: int) -> int:
        drift = 1000 + (rng.h64(self.p.seed, "drift", i, epoch) % 21) - 10  # +-1% per epoch
        return self.validators[i].base_stake * drift // 1000

    def _build_epoch(self, epoch: int) -> EpochState:
        n, S = self.p.validators, self.S
        stake = [self._stake(i, epoch) for i in range(n)]
        cumulative = []
        total = 0
        for s in stake:
            total += s
            cumulative.append(total)
        leaders = []
        for group in range(S // LEADER_GROUP):
            pick = rng.h64(self.p.seed, "leader", epoch, group) % total
            leaders.extend([bisect.bisect_right(cumulative, pick)] * LEADER_GROUP)
        delinquent = [self.is_delinquent(i, epoch) for i in range(n)]
        produced = [
            not delinquent[leaders[k]] and rng.uniform(self.p.seed, "skip", epoch * S + k) >= self.p.skip_rate
            for k in range(S)
        ]
        state = EpochState(
            epoch=epoch,
            leaders=leaders,
            produced=produced,
            stake=stake,
            commission=[self.commission_bps_at(i, epoch) for i in range(n)],
            delinquent=delinquent,
            votes=[0] * n,
            fee_rewards=[0] * n,
            base_fees=[0] * n,
            priority_fees=[0] * n,
            mev=[0] * n,
        )
        # Votes and fees are counted arithmetically (votes_landed, _missed_by_residue): building one
        # Tx per vote would cost slots x validators objects, too slow for 100k-validator runs.
        slots = [epoch * S + k for k in range(S) if produced[k]]
        state.votes = self.votes_landed(slots, delinquent)
        missing = self._missed_by_residue(delinquent)
        active = n - sum(delinquent)
        for slot in slots:
            leader = leaders[slot % S]
            voters = active - sum(counts[slot % period] for period, counts in missing.items())
            base, priority = self.leader_fees(slot, LAMPORTS_PER_SIGNATURE * voters, self.user_txs(slot))
            if slot not in self.p.fee_burned_slots:
                state.base_fees[leader] += base
                state.priority_fees[leader] += priority
                state.fee_rewards[leader] += base + priority
            if self.runs_jito(leader):
                state.mev[leader] += self.block_tip(slot)
        return state

    def full_priority_fee(self, slot: int) -> bool:
        return self.p.full_priority_fee_epoch is not None and self.epoch_of(slot) >= self.p.full_priority_fee_epoch

    def leader_fees(self, slot: int, vote_fees: int, user_txs: list[Tx]) -> tuple[int, int]:
        """(base, priority) parts of the leader's Fee reward for a block: the runtime sums the
        block's fees, burns half of the base fees (of all fees before SIMD-0096, rounding the
        burn down) and deposits the rest with the leader."""
        base = vote_fees + sum(tx.base_fee for tx in user_txs)
        priority = sum(tx.priority_fee for tx in user_txs)
        leader_base = base - base * BURN_PERCENT // 100
        if self.full_priority_fee(slot):
            return leader_base, priority
        total = base + priority
        return leader_base, total - total * BURN_PERCENT // 100 - leader_base

    def fee_reward(self, slot: int) -> int | None:
        """The block's Fee reward to its leader; None when the runtime burned it instead."""
        if slot in self.p.fee_burned_slots:
            return None
        txs = self.block_txs(slot)
        return sum(self.leader_fees(slot, sum(tx.fee for tx in txs if tx.is_vote), [tx for tx in txs if not tx.is_vote]))

    # ------------------------------------------------------------ slots and blocks
    def leader(self, slot: int) -> int:
        return self.epoch(self.epoch_of(slot)).leaders[slot % self.S]

    def is_produced(self, slot: int) -> bool:
        return 0 <= slot <= self.head_slot and self.epoch(self.epoch_of(slot)).produced[slot % self.S]

    def produced_slots(self, first: int, last: int) -> list[int]:
        last = min(last, self.head_slot)
        return [s for s in range(max(first, 0), last + 1) if self.epoch(self.epoch_of(s)).produced[s % self.S]]

    def parent_slot(self, slot: int) -> int:
        s = slot - 1
        while s > 0 and not self.epoch(self.epoch_of(s)).produced[s % self.S]:
            s -= 1
        return max(s, 0)

    @lru_cache(maxsize=4096)
    def block_height(self, slot: int) -> int:
        """Blocks produced before this slot (the genesis block has height 0)."""
        epoch = self.epoch_of(slot)
        before = sum(sum(self.epoch(e).produced) for e in range(epoch))
        return before + sum(self.epoch(epoch).produced[: slot % self.S])

    def misses_vote(self, i: int, slot: int) -> bool:
        """Whether a healthy validator's vote for slot's parent fails to land in slot."""
        period = self.vote_miss_period(i)
        return bool(period) and (slot + i) % period == 0

    def voters(self, slot: int, delinquent: list[bool] | None = None) -> list[int]:
        """Validators whose vote for the parent lands in this block."""
        if delinquent is None:
            delinquent = self.epoch(self.epoch_of(slot)).delinquent
        return [i for i in range(self.p.validators) if not delinquent[i] and not self.misses_vote(i, slot)]

    def _missed_by_residue(self, delinquent: list[bool]) -> dict[int, list[int]]:
        """{period: counts by slot % period} of healthy validators missing that slot's vote.

        misses_vote is periodic: validator i misses slot s when s % period == -i % period.
        """
        out: dict[int, list[int]] = {}
        for i in range(self.p.validators):
            period = self.vote_miss_period(i)
            if period and not delinquent[i]:
                out.setdefault(period, [0] * period)[-i % period] += 1
        return out

    def votes_landed(self, slots: list[int], delinquent: list[bool]) -> list[int]:
        """Per validator, how many of these produced slots carry its vote (= sum over voters())."""
        by_residue: dict[int, list[int]] = {}
        out = []
        for i in range(self.p.validators):
            if delinquent[i]:
                out.append(0)
                continue
            period = self.vote_miss_period(i)
            if not period:
                out.append(len(slots))
                continue
            if period not in by_residue:
                by_residue[period] = [0] * period
                for slot in slots:
                    by_residue[period][slot % period] += 1
            out.append(len(slots) - by_residue[period][-i % period])
        return out

    def block_tip(self, slot: int) -> int:
        """Jito tips (post Jito's fee) collected in the leader's tip distribution account."""
        return 1_000_000 + rng.h64(self.p.seed, "tip", slot) % 40_000_000

    def block_txs(self, slot: int, delinquent: list[bool] | None = None) -> list[Tx]:
        txs = [
            Tx(signatures=1, priority_fee=0, fee_payer=self.identity_at(i, self.epoch_of(slot)), is_vote=True, label=f"vote/{slot}/{i}")
            for i in self.voters(slot, delinquent)
        ]
        return txs + self.user_txs(slot)

    def user_txs(self, slot: int) -> list[Tx]:
        txs = []
        low, high = self.p.user_tx_range
        for j in range(rng.randint(low, high, self.p.seed, "ntx", slot)):
            h = rng.h64(self.p.seed, "tx", slot, j)
            signatures = 2 if h % 5 == 0 else 1
            if h % 11 == 0:  # no compute-budget instructions: no priority fee
                cu_limit = cu_price = priority = 0
            else:
                cu_limit = 50_000 + (h >> 8) % 250_000
                cu_price = 0 if h % 7 == 0 else (h >> 24) % 2_000_000  # micro-lamports per CU
                priority = math.ceil(cu_price * cu_limit / 1_000_000)
            payer = solana_pubkey("user", self.p.seed, (h >> 40) % 500)
            txs.append(Tx(signatures, priority, payer, False, f"user/{slot}/{j}", cu_limit, cu_price, self._precompiles(h)))
        return txs

    @staticmethod
    def _precompiles(h: int) -> tuple[tuple[str, int], ...]:
        """Signature-verification instructions of a user transaction (about one in four has some):
        oracle updates, cross-chain messages, passkeys. Each verifies 1-4 signatures."""
        if (h >> 44) % 4:
            return ()
        count = 1 + (h >> 46) % 3
        return tuple((PRECOMPILES[(h >> (48 + 2 * k)) % 3], 1 + (h >> (54 + 2 * k)) % 4) for k in range(count))

    def block_hash(self, slot: int) -> str:
        return solana_hash("block", self.p.seed, slot)

    def tx_signature(self, tx: Tx, k: int = 0) -> str:
        return solana_signature(self.p.seed, tx.label, k)

    # ------------------------------------------------------------ inflation
    @lru_cache(maxsize=256)
    def inflation(self, epoch: int) -> tuple[tuple[int, int], ...]:
        """Per validator: (total reward, the vote account's commission part) for the epoch."""
        state = self.epoch(epoch)
        points = [state.stake[i] * state.votes[i] * CREDITS_PER_VOTE for i in range(self.p.validators)]
        total_points = sum(points) or 1
        out = []
        for i, p in enumerate(points):
            reward = self.p.epoch_inflation_lamports * p // total_points
            out.append((reward, reward * state.commission[i] // 10_000))
        return tuple(out)

    def reward_slot(self, epoch: int) -> int | None:
        """The first block of epoch+1, which credits epoch's vote account rewards."""
        first = self.first_slot(epoch + 1)
        for s in range(first, first + self.S):
            if s > self.head_slot:
                return None
            if self.is_produced(s):
                return s
        return None

    def vote_balance(self, i: int, epoch: int) -> int:
        """The vote account's balance right after epoch's commission was credited."""
        paid = sum(self.inflation(e)[i][1] for e in range(epoch + 1))
        return 26_858_640 + paid  # rent-exempt minimum plus commissions (never withdrawn here)

    # ------------------------------------------------------------ Jito
    def mev_settled(self, epoch: int) -> bool:
        return self.head_slot >= self.first_slot(epoch + 1) + self.jito_settle_slots

    def priority_fee_rewards(self, i: int, epoch: int) -> int | None:
        """Lamports the validator sent to its priority fee distribution account for the epoch."""
        if self.priority_fee_commission_bps(i) is None:
            return None
        return self.epoch(epoch).priority_fees[i]

    def credits(self, i: int, epoch: int) -> int:
        """Vote credits earned in the epoch (up to the head for the current epoch)."""
        if epoch < self.current_epoch:
            return self.epoch(epoch).votes[i] * CREDITS_PER_VOTE
        return self._votes_so_far(epoch, self.head_slot)[i] * CREDITS_PER_VOTE

    def _votes_so_far(self, epoch: int, head: int) -> list[int]:
        """Votes landed in the epoch's produced slots up to the head, per validator (cached per head)."""
        cached = self._partial_votes
        if cached is None or cached[0] != (epoch, head):
            slots = self.produced_slots(self.first_slot(epoch), head)
            cached = self._partial_votes = ((epoch, head), self.votes_landed(slots, self.epoch(epoch).delinquent))
        return cached[1]

    def last_vote_slot(self, i: int) -> int:
        epoch = self.current_epoch
        while epoch >= 0:
            if not self.is_delinquent(i, epoch):
                last = min(self.head_slot, self.last_slot(epoch))
                return max(last - 1, 0)
            epoch -= 1
        return 0
