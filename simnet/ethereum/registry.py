"""The validator registry: keys, credentials, fee recipients, effective balances and lifecycle.

Static per validator (a function of its index and the seed, via rng.mix: nothing is stored per
validator), except where a planted event changes it from the epoch after its block.

Roles (fixed indices, so tests can find them; all exist because validators >= 32):
  3 (and 45 when present)  0x00 BLS withdrawal credentials (never withdrawn)
  i % 16 == 7              0x02 compounding, effective balance 40..256 ETH
  7                        top-up target (0x02)
  23                       consolidation target (0x02)
  10                       consolidation source (0x01)
  26                       consolidation source (0x01) whose balance is below its effective balance
  12                       voluntary exit, then a full withdrawal
  20                       slashed (double proposal)
  30                       offline for a stretch of epochs
  N (= params.validators)  the new validator created by a deposit
"""

from __future__ import annotations

from simnet.ethereum import params as P
from simnet.keys import bls_pubkey, eth_address, hex_bytes
from simnet.rng import mix

ROLE_TOPUP_TARGET = 7
ROLE_CONSOLIDATION_TARGET = 23
ROLE_CONSOLIDATION_SOURCE = 10
ROLE_CONSOLIDATION_SOURCE_LOW = 26
CONSOLIDATION_SOURCES = (ROLE_CONSOLIDATION_SOURCE, ROLE_CONSOLIDATION_SOURCE_LOW)
# 26 starts at 31.8 ETH: hysteresis keeps its effective balance at 32 ETH (it only drops once the
# balance is 0.25 ETH below), so its consolidation moves its balance, not its effective balance.
LOW_SOURCE_BALANCE = 31_800_000_000
ROLE_EXIT = 12
ROLE_SLASHED = 20
ROLE_OFFLINE = 30
COMPOUNDING_EBS_ETH = (40, 64, 96, 128, 256)


class RegistryMixin:
    """Part of EthereumModel (uses its params, N, S, event slots and balances)."""

    def registry_size(self, slot: int) -> int:
        """Validators in the state after `slot`: the new validator joins the registry when the
        deposit queue applies its deposit (the transition into `deposit_epoch`), not in the
        request's block."""
        return self.N + (1 if self.deposit_epoch is not None and slot >= self.deposit_epoch * self.S else 0)

    def credential_type(self, v: int) -> int:
        if v >= self.N:
            return 1
        if v in self._bls:
            return 0
        return 2 if v % 16 == 7 else 1

    def pubkey(self, v: int) -> str:
        key = self._pubkeys.get(v)
        if key is None:
            key = self._pubkeys[v] = bls_pubkey(self.params.seed, "validator", v)
        return key

    def index_of_pubkey(self, pubkey: str) -> int | None:
        with self.lock:
            if self._pubkey_index is None:
                self._pubkey_index = {bls_pubkey(self.params.seed, "validator", v): v for v in range(self.N + 1)}
        return self._pubkey_index.get(pubkey.lower())

    def withdrawal_address(self, v: int) -> str:
        groups = max(4, self.N // 8)
        return eth_address(self.params.seed, "withdrawal", mix(self._seed_wd, v) % groups)

    def withdrawal_credentials(self, v: int) -> str:
        kind = self.credential_type(v)
        if kind == 0:
            return "0x00" + hex_bytes(31, self.params.seed, "bls-withdrawal", v)[2:]
        return f"0x0{kind}" + "00" * 11 + self.withdrawal_address(v)[2:]

    def expected_fee_recipient(self, v: int) -> str:
        """The fee recipient the operator registered (some operators share one address)."""
        r = mix(self._seed_fr, v)
        if r % 4 == 0:
            return eth_address(self.params.seed, "fee-recipient", v)
        return eth_address(self.params.seed, "operator-fee-recipient", (r >> 8) % 5)

    fee_recipient = expected_fee_recipient

    def max_effective_balance(self, v: int) -> int:
        return P.MAX_EFFECTIVE_BALANCE_ELECTRA if self.credential_type(v) == 2 else P.MIN_ACTIVATION_BALANCE

    def _base_effective_balance(self, v: int) -> int:
        if self.credential_type(v) == 2:
            return COMPOUNDING_EBS_ETH[mix(self._seed_eb, v) % len(COMPOUNDING_EBS_ETH)] * P.GWEI_PER_ETH
        return P.MIN_ACTIVATION_BALANCE

    def effective_balance(self, v: int, epoch: int) -> int:
        """Effective balance during `epoch` (changes take effect the epoch after their block)."""
        eb = self._base_effective_balance(v)
        # Both change in the epoch transition that applies them (process_effective_balance_updates
        # runs after the pending deposits and consolidations): from that epoch on.
        if v == ROLE_TOPUP_TARGET and self.topup_epoch is not None and epoch >= self.topup_epoch:
            eb += self.topup_amount
        if v == ROLE_CONSOLIDATION_TARGET and self.consolidation_epoch is not None and epoch >= self.consolidation_epoch:
            # The model's approximation: the target grows by each source's effective balance (what
            # process_pending_consolidations moves at most), whatever the exact balances were.
            eb += len(CONSOLIDATION_SOURCES) * P.MIN_ACTIVATION_BALANCE
        return min(eb, self.max_effective_balance(v))

    def initial_balance(self, v: int) -> int:
        if v >= self.N:
            return 0
        r = mix(self._seed_bal, v)
        if v == ROLE_CONSOLIDATION_SOURCE_LOW:
            return LOW_SOURCE_BALANCE + r % 1_000_000
        kind = self.credential_type(v)
        if kind == 2:
            return self._base_effective_balance(v) + r % (P.GWEI_PER_ETH // 2)
        if kind == 0:
            return P.MIN_ACTIVATION_BALANCE + r % (P.GWEI_PER_ETH // 20)
        return P.MIN_ACTIVATION_BALANCE + r % (P.GWEI_PER_ETH // 50)

    # lifecycle epochs as finally known (the `validator_record` shows them only once triggered)
    def eligibility_epoch(self, v: int) -> int:
        """The new validator is marked eligible at the transition after the one that created it
        (process_registry_updates runs before process_pending_deposits)."""
        if v < self.N:
            return 0
        if v == self.N and self.deposit_epoch is not None:
            return self.deposit_epoch + 1
        return P.FAR_FUTURE_EPOCH

    def activation_epoch(self, v: int) -> int:
        """Activated at the first transition whose finalized checkpoint covers its eligibility
        epoch (the end of epoch c = eligibility + finality lag - 1), effective c + 1 + MAX_SEED_LOOKAHEAD."""
        if v < self.N:
            return 0
        if v == self.N and self.deposit_epoch is not None:
            c = self.deposit_epoch + self.params.finality_lag_epochs
            return c + 1 + P.MAX_SEED_LOOKAHEAD
        return P.FAR_FUTURE_EPOCH

    def exit_epoch(self, v: int) -> int:
        """From the churn (compute_exit_epoch_and_update_churn, or the consolidation churn for a
        consolidation source), set when the model placed the event."""
        return self.exit_epochs.get(v, P.FAR_FUTURE_EPOCH)

    def withdrawable_epoch(self, v: int) -> int:
        if v == ROLE_SLASHED and self.slashing_slot is not None:
            return max(self.exit_epoch(v) + P.MIN_VALIDATOR_WITHDRAWABILITY_DELAY,
                       self.slashing_slot // self.S + P.EPOCHS_PER_SLASHINGS_VECTOR)
        if v in self.exit_epochs:
            return self.exit_epochs[v] + P.MIN_VALIDATOR_WITHDRAWABILITY_DELAY
        return P.FAR_FUTURE_EPOCH

    def is_active(self, v: int, epoch: int) -> bool:
        if v >= self.N:
            return v == self.N and self.activation_epoch(v) <= epoch
        return epoch < self.exit_epoch(v)

    def is_slashed(self, v: int, slot: int) -> bool:
        return v == ROLE_SLASHED and self.slashing_slot is not None and slot >= self.slashing_slot

    def is_eligible(self, v: int, epoch: int) -> bool:
        """Gets attestation rewards/penalties for `epoch`: active, or slashed and not withdrawable."""
        if self.is_active(v, epoch):
            return True
        return (v == ROLE_SLASHED and self.slashing_slot is not None
                and self.slashing_slot // self.S <= epoch < self.withdrawable_epoch(v))

    def active_count(self, epoch: int) -> int:
        n = self.N - sum(1 for v in (ROLE_EXIT, *CONSOLIDATION_SOURCES, ROLE_SLASHED)
                         if self.exit_epoch(v) <= epoch)
        return n + (1 if self.is_active(self.N, epoch) else 0)

    def total_active_increments(self, epoch: int) -> int:
        """Approximation: 32 increments per active validator (the 0x02 surplus is ignored)."""
        return 32 * self.active_count(epoch)

    def validator_record(self, v: int, slot: int) -> dict:
        """The validator as the state after `slot` shows it (ints/bools; the API stringifies)."""
        epoch = slot // self.S
        eligibility = activation = 0
        if v >= self.N:
            # eligibility is set at the transition into eligibility_epoch, activation at the one
            # that finalizes it (the record shows each from the epoch after it was decided)
            eligibility = self.eligibility_epoch(v) if epoch >= self.eligibility_epoch(v) else P.FAR_FUTURE_EPOCH
            decided = self.activation_epoch(v) - P.MAX_SEED_LOOKAHEAD
            activation = self.activation_epoch(v) if epoch >= decided else P.FAR_FUTURE_EPOCH
        trigger = {ROLE_EXIT: self.exit_slot, ROLE_SLASHED: self.slashing_slot,
                   **{s: self.consolidation_slot for s in CONSOLIDATION_SOURCES}}.get(v)
        triggered = trigger is not None and slot >= trigger
        exit_epoch = self.exit_epoch(v) if triggered else P.FAR_FUTURE_EPOCH
        withdrawable = self.withdrawable_epoch(v) if triggered else P.FAR_FUTURE_EPOCH
        slashed = self.is_slashed(v, slot)
        balance = self.balance(v, slot)
        if eligibility == P.FAR_FUTURE_EPOCH:
            status = "pending_initialized"
        elif activation > epoch:
            status = "pending_queued"
        elif epoch < exit_epoch:
            status = "active_slashed" if slashed else "active_exiting" if exit_epoch != P.FAR_FUTURE_EPOCH \
                else "active_ongoing"
        elif epoch < withdrawable:
            status = "exited_slashed" if slashed else "exited_unslashed"
        else:
            status = "withdrawal_done" if balance == 0 else "withdrawal_possible"
        eb = 0 if status == "withdrawal_done" else self.effective_balance(v, epoch)
        return {"index": v, "balance": balance, "status": status, "pubkey": self.pubkey(v),
                "withdrawal_credentials": self.withdrawal_credentials(v), "effective_balance": eb,
                "slashed": slashed, "activation_eligibility_epoch": eligibility, "activation_epoch": activation,
                "exit_epoch": exit_epoch, "withdrawable_epoch": withdrawable}


