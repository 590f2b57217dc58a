"""Balances and the withdrawal sweep: the only part of the model that needs history.

Timing rules (the warehouse reconciles against them):
- the post-state of slot s holds the attestation rewards of every epoch e with e + 2 <= epoch(s)
  (process_rewards_and_penalties at the transition into e + 2 credits epoch e), and
- every block effect of the blocks at slots <= s: withdrawals (first, from the pre-block
  balance), slashing penalty, deposit, top-up, consolidation move, sync rewards, proposer reward.

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
    """A balance move that is not income. kind: deposit | top_up | partial_withdrawal |
    full_withdrawal | consolidation_out | consolidation_in | voluntary_exit (amount 0) |
    slashing_penalty (not principal either: a loss the warehouse must flag, listed here so the
    balance identity can be checked from one list)."""

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
        self.consolidated_amount: int | None = None

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
                if self.m.block_produced(s):
                    self._process(s)
                self.upto = s

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

    def _process(self, s: int) -> None:
        m = self.m
        ev = m.events
        # 1. withdrawals, from the balance before this block
        for v, amount, kind in self._sweep(s):
            self._withdrawals.setdefault(s, []).append(
                Withdrawal(self._next_withdrawal_index, v, m.withdrawal_address(v), amount))
            self._next_withdrawal_index += 1
            self._event(kind, v, s, amount)
        # 2. operations
        if s == ev.slashing_slot:
            self._event("slashing_penalty", ev.slashed_validator, s, m.slashing_penalty())
        if s == ev.exit_slot:
            self._event("voluntary_exit", ev.exit_validator, s, 0)
        if s == ev.deposit_slot:
            self._event("deposit", ev.deposit_validator, s, ev.deposit_amount)
        if s == ev.topup_slot:
            self._event("top_up", ev.topup_validator, s, ev.topup_amount)
        if s == ev.consolidation_slot:
            amount = self._balance(ev.consolidation_source, s, s)  # the source's whole balance
            self.consolidated_amount = amount
            self._event("consolidation_out", ev.consolidation_source, s, amount)
            self._event("consolidation_in", ev.consolidation_target, s, amount)
        # 3. sync aggregate, 4. proposer reward
        for v, reward in m.sync_rewards(s):
            self._add(v, s, reward)
        self._add(m.proposer(s), s, m.block_reward(s).total)

    def _sweep(self, s: int) -> list[tuple[int, int, str]]:
        """get_expected_withdrawals (Electra, without EL-triggered partials): from the rotating
        pointer, up to max_withdrawals_per_payload withdrawals in index order."""
        m = self.m
        epoch = s // m.S
        size = m.registry_size(s - 1)
        limit = m.params.max_withdrawals_per_payload
        bound = min(size, P.MAX_VALIDATORS_PER_WITHDRAWALS_SWEEP)
        out: list[tuple[int, int, str]] = []
        v = self._pointer % size
        for _ in range(bound):
            if m.credential_type(v):
                balance = self._balance(v, s, s - 1)
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
