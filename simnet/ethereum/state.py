"""Balances, the withdrawal sweep and Electra's pending queues: the only part of the model that
needs history.

Timing rules (the warehouse reconciles against them):
- the post-state of slot s holds the attestation rewards of every epoch e with e + 2 <= epoch(s)
  (process_rewards_and_penalties at the transition into e + 2 credits epoch e),
- every epoch transition into E <= epoch(s) (the state at E's first slot is after it): after the
  rewards, process_pending_deposits applies the queued deposits due at E (queues.deposit_schedule)
  and process_pending_consolidations moves min(balance, effective balance) from each source whose
  withdrawable epoch is E to its target (ethereum/consensus-specs specs/electra/beacon-chain.md),
- every block effect of the blocks at slots <= s: withdrawals (first: the pending partial
  withdrawals that are due, then the sweep, each from the balance after the earlier ones),
  slashing penalty, sync rewards, proposer reward. Deposit, consolidation and withdrawal
  requests only join the queues.

Blocks are processed in slot order, once, and only for the validators a block touches; a
validator's balance is its initial balance + a cached prefix sum of its attestation rewards +
a cumulative list of its block effects. Nothing here is per validator of the whole set.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from simnet.ethereum import params as P

CHECKPOINT = 32  # epochs between cached attestation-reward prefix sums
PRINCIPAL_SIGN = {
    "deposit": 1, "top_up": 1, "consolidation_in": 1,
    "partial_withdrawal": -1, "full_withdrawal": -1, "consolidation_out": -1,
    "slashing_penalty": -1, "voluntary_exit": 0,
}


@dataclass(frozen=True)
class PrincipalEvent:
    """A balance move that is not income. kind: deposit | top_up (at the transition that applies
    them: `slot` is the first slot of that epoch) | partial_withdrawal | full_withdrawal |
    consolidation_out | consolidation_in (at the transition that moves them) | voluntary_exit
    (amount 0) | slashing_penalty (not principal either: a loss the warehouse must flag, listed
    here so the balance identity can be checked from one list)."""

    kind: str
    validator_index: int
    slot: int
    amount_gwei: int

    @property
    def signed_gwei(self) -> int:
        return PRINCIPAL_SIGN[self.kind] * self.amount_gwei


@dataclass(frozen=True)
class Withdrawal:
    index: int
    validator_index: int
    address: str
    amount: int  # gwei


class BalanceSim:
    def __init__(self, model):
        self.m = model
        self.upto = 0  # block effects of slots <= upto are recorded
        self._eff_slots: dict[int, list[int]] = {}
        self._eff_cum: dict[int, list[int]] = {}
        self._att_marks: dict[int, list[int]] = {}
        self._att_last: dict[int, tuple[int, int]] = {}
        self._withdrawals: dict[int, list[Withdrawal]] = {}
        self._events: list[PrincipalEvent] = []
        self._next_withdrawal_index = 0
        self._pointer = 0
        self.consolidated: dict[tuple[int, int], int] = {}  # (source, target) -> gwei moved
        self.partial_paid_slot: int | None = None

    # ------------------------------------------------------------ queries
    def attestation_prefix(self, v: int, last_epoch: int) -> int:
        """Sum of attestation totals of epochs 0..last_epoch. Kept per validator as a checkpoint
        every CHECKPOINT epochs plus the last answer (queries mostly move forward), so a query
        costs < CHECKPOINT reward lookups and a validator costs a few integers of memory."""
        if last_epoch < 0:
            return 0
        with self.m.lock:
            memo = self._att_last.get(v)
            if memo is not None and memo[0] <= last_epoch < memo[0] + CHECKPOINT:
                epoch, total = memo
            else:
                marks = self._att_marks.setdefault(v, [0])  # marks[i] = sum of epochs < i * CHECKPOINT
                wanted = (last_epoch + 1) // CHECKPOINT
                while len(marks) <= wanted:
                    i = len(marks) - 1
                    marks.append(marks[i] + self.m.attestation_sum(v, i * CHECKPOINT, (i + 1) * CHECKPOINT - 1))
                epoch, total = wanted * CHECKPOINT - 1, marks[wanted]
            total += self.m.attestation_sum(v, epoch + 1, last_epoch)
            self._att_last[v] = (last_epoch, total)
            return total

    def _effects_through(self, v: int, slot: int) -> int:
        slots = self._eff_slots.get(v)
        if not slots:
            return 0
        i = bisect_right(slots, slot)
        return self._eff_cum[v][i - 1] if i else 0

    def _balance(self, v: int, slot: int, through: int) -> int:
        """Initial + attestation rewards credited by `slot` + block effects of slots <= through."""
        epoch = slot // self.m.S
        value = self.m.initial_balance(v) + self.attestation_prefix(v, epoch - 2) + self._effects_through(v, through)
        if value < 0:
            raise AssertionError(f"validator {v} balance {value} < 0 at slot {slot}")
        return value

    def balance(self, v: int, slot: int) -> int:
        self.run_to(slot)
        return self._balance(v, slot, slot)

    def withdrawals_at(self, slot: int) -> list[Withdrawal]:
        self.run_to(slot)
        return list(self._withdrawals.get(slot, ()))

    def principal_events(self, first_slot: int, last_slot: int) -> list[PrincipalEvent]:
        self.run_to(last_slot)
        return [e for e in self._events if first_slot <= e.slot <= last_slot]

    # ------------------------------------------------------------ simulation
    def run_to(self, slot: int) -> None:
        if slot <= self.upto:
            return
        with self.m.lock:
            for s in range(self.upto + 1, slot + 1):
                if s % self.m.S == 0:
                    self._transition(s // self.m.S)
                if self.m.block_produced(s):
                    self._process(s)
                self.upto = s

    def _transition(self, epoch: int) -> None:
        """The queues' part of process_epoch at the end of epoch - 1, recorded at epoch's first slot."""
        m, ev = self.m, self.m.events
        s = epoch * m.S
        if epoch == ev.deposit_epoch:
            self._event("deposit", ev.deposit_validator, s, ev.deposit_amount)
        if epoch == ev.topup_epoch:
            self._event("top_up", ev.topup_validator, s, ev.topup_amount)
        if epoch == ev.consolidation_epoch:
            for source, target in ev.consolidations:
                if m.is_slashed(source, s - 1):
                    continue  # a slashed source's consolidation is dropped
                # the balance after this transition's rewards, before anything else touches it
                moved = min(self._balance(source, s, s - 1), m.effective_balance(source, epoch - 1))
                self.consolidated[(source, target)] = moved
                self._event("consolidation_out", source, s, moved)
                self._event("consolidation_in", target, s, moved)

    def _add(self, v: int, slot: int, delta: int) -> None:
        slots = self._eff_slots.setdefault(v, [])
        cum = self._eff_cum.setdefault(v, [])
        if slots and slots[-1] == slot:
            cum[-1] += delta
        else:
            slots.append(slot)
            cum.append((cum[-1] if cum else 0) + delta)

    def _event(self, kind: str, v: int, slot: int, amount: int) -> None:
        self._events.append(PrincipalEvent(kind, v, slot, amount))
        self._add(v, slot, PRINCIPAL_SIGN[kind] * amount)

    def _withdraw(self, s: int, v: int, amount: int, kind: str) -> None:
        self._withdrawals.setdefault(s, []).append(
            Withdrawal(self._next_withdrawal_index, v, self.m.withdrawal_address(v), amount))
        self._next_withdrawal_index += 1
        self._event(kind, v, s, amount)

    def _process(self, s: int) -> None:
        m = self.m
        ev = m.events
        # 1. withdrawals: the due pending partial withdrawal first, then the sweep; each from the
        #    balance left by the earlier ones (get_balance_after_withdrawals)
        taken = self._pending_partials(s)
        for v, amount, kind in self._sweep(s, m.params.max_withdrawals_per_payload - taken):
            self._withdraw(s, v, amount, kind)
        # 2. operations (deposit, withdrawal and consolidation requests only join the queues)
        if s == ev.slashing_slot:
            self._event("slashing_penalty", ev.slashed_validator, s, m.slashing_penalty())
        if s == ev.exit_slot:
            self._event("voluntary_exit", ev.exit_validator, s, 0)
        # 3. sync aggregate, 4. proposer reward
        for v, reward in m.sync_rewards(s):
            self._add(v, s, reward)
        self._add(m.proposer(s), s, m.block_reward(s).total)

    def _pending_partials(self, s: int) -> int:
        """get_pending_partial_withdrawals: the planted EIP-7002 request, once its withdrawable
        epoch is reached, paid min(balance - MIN_ACTIVATION_BALANCE, amount) if the validator is
        still eligible (is_eligible_for_partial_withdrawals); dropped otherwise. Returns how many
        withdrawals it added (at most MAX_WITHDRAWALS_PER_PAYLOAD - 1)."""
        m, ev = self.m, self.m.events
        if (self.partial_paid_slot is not None or s <= ev.partial_withdrawal_slot
                or s // m.S < ev.partial_withdrawable_epoch):
            return 0
        v = ev.partial_withdrawal_validator
        self.partial_paid_slot = s
        balance = self._balance(v, s, s)
        if (m.exit_epoch(v) == P.FAR_FUTURE_EPOCH and m.effective_balance(v, s // m.S) >= P.MIN_ACTIVATION_BALANCE
                and balance > P.MIN_ACTIVATION_BALANCE):
            self._withdraw(s, v, min(balance - P.MIN_ACTIVATION_BALANCE, ev.partial_withdrawal_amount), "partial_withdrawal")
            return 1
        return 0

    def _sweep(self, s: int, limit: int) -> list[tuple[int, int, str]]:
        """get_validators_sweep_withdrawals (Electra): from the rotating pointer, up to `limit`
        withdrawals in index order, from the balance after the pending partial withdrawals (and
        after this slot's epoch transition, recorded at s before the block)."""
        m = self.m
        epoch = s // m.S
        size = m.registry_size(s)  # after this slot's epoch transition, which may add the new validator
        bound = min(size, P.MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP)
        out: list[tuple[int, int, str]] = []
        v = self._pointer % size
        for _ in range(bound):
            if m.credential_type(v):
                balance = self._balance(v, s, s)
                ceiling = m.max_effective_balance(v)
                if m.withdrawable_epoch(v) <= epoch and balance > 0:
                    out.append((v, balance, "full_withdrawal"))
                elif balance > ceiling and m.effective_balance(v, epoch) == ceiling:
                    out.append((v, balance - ceiling, "partial_withdrawal"))
                if len(out) == limit:
                    break
            v = (v + 1) % size
        self._pointer = (out[-1][0] + 1) % size if len(out) == limit else (self._pointer + bound) % size
        return out

    # ------------------------------------------------------------ the queues in a state
    def pending_deposits(self, slot: int) -> list[tuple[int, int, int]]:
        """(validator, amount, request slot) queued in the state after `slot`, in queue order."""
        ev, S = self.m.events, self.m.S
        queued = [(ev.deposit_validator, ev.deposit_amount, ev.deposit_slot, ev.deposit_epoch),
                  (ev.topup_validator, ev.topup_amount, ev.topup_slot, ev.topup_epoch)]
        return [(v, amount, at) for v, amount, at, applied in sorted(queued, key=lambda q: q[2])
                if at <= slot < applied * S]

    def pending_consolidations(self, slot: int) -> list[tuple[int, int]]:
        ev, S = self.m.events, self.m.S
        if not ev.consolidation_slot <= slot < ev.consolidation_epoch * S:
            return []
        return [(source, target) for source, target in ev.consolidations if not self.m.is_slashed(source, slot)]

    def pending_partial_withdrawals(self, slot: int) -> list[tuple[int, int, int]]:
        """(validator, amount, withdrawable epoch): queued by the request until a payload takes it."""
        ev = self.m.events
        self.run_to(slot)
        if slot < ev.partial_withdrawal_slot or (self.partial_paid_slot is not None and self.partial_paid_slot <= slot):
            return []
        return [(ev.partial_withdrawal_validator, ev.partial_withdrawal_amount, ev.partial_withdrawable_epoch)]
