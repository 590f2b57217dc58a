"""Consensus rewards: attestation (per epoch and validator), sync committee and proposer rewards.

Per validator and epoch the outcome is one rng.mix draw against per-epoch thresholds, and the
amounts come from a per-(epoch, effective balance) table, so streaming a million validators is a
couple of integer operations each.
"""

from __future__ import annotations

from dataclasses import dataclass

from simnet.ethereum import params as P
from simnet.ethereum.registry import CONSOLIDATION_SOURCES, ROLE_EXIT, ROLE_OFFLINE, ROLE_SLASHED
from simnet.rng import h64, mix

ZERO4 = (0, 0, 0, 0)
FULL, LATE, MISS = 0, 1, 2
SYNC_MISS_THRESHOLD = 2000  # of 65536: ~3% of sync committee signatures missing


@dataclass(frozen=True)
class BlockReward:
    proposer_index: int
    attestations: int
    sync_aggregate: int
    proposer_slashings: int
    attester_slashings: int

    @property
    def total(self) -> int:
        return self.attestations + self.sync_aggregate + self.proposer_slashings + self.attester_slashings


@dataclass
class EpochTable:
    seed: int
    ppm: tuple[int, int, int]  # participation (parts per million) of head, target, source
    miss: int  # thresholds on 16 random bits
    late: int
    leak_k: int  # epochs into the inactivity leak (0: no leak)
    values: dict
    totals: tuple[int, int, int] = (0, 0, 0)  # summed (full, late, missed) rewards at 32 ETH


class RewardsMixin:
    """Part of EthereumModel (uses its params, B, S, roles, proposer and block production)."""

    def _epoch_table(self, epoch: int) -> EpochTable:
        tab = self._epoch_tables.get(epoch)
        if tab is None:
            seed = mix(self._seed_att, epoch)
            leak = epoch in self.leak_epochs
            base_ppm = (640_000 if leak else 975_000) + (seed >> 40) % 18_000
            ppm = (base_ppm - 4_000 - (seed >> 20) % 3000, base_ppm, base_ppm + 1_000)
            miss = 19_660 if leak else 600 + (seed >> 8) % 1_400  # 30% in the leak, else ~1-3%
            late = miss + 700 + (seed >> 30) % 900
            leak_k = epoch - self.leak_epochs.start + 1 if leak else 0
            tab = EpochTable(seed, ppm, miss, late, leak_k, {})
            tab.totals = tuple(sum(t) for t in self._att_values(tab, P.MIN_ACTIVATION_BALANCE))
            self._epoch_tables[epoch] = tab
        return tab

    def _att_values(self, tab: EpochTable, eb: int) -> tuple[tuple[int, int, int, int], ...]:
        """(full, late-head, missed) reward tuples (head, target, source, inactivity) for `eb`."""
        found = tab.values.get(eb)
        if found is None:
            base = (eb // P.EFFECTIVE_BALANCE_INCREMENT) * self.B
            d = P.WEIGHT_DENOMINATOR * 1_000_000
            head = base * P.TIMELY_HEAD_WEIGHT * tab.ppm[0] // d
            target = base * P.TIMELY_TARGET_WEIGHT * tab.ppm[1] // d
            source = base * P.TIMELY_SOURCE_WEIGHT * tab.ppm[2] // d
            # inactivity score grows by 4 per leaking epoch; the quotient is scaled down (x16) so
            # the leak shows in a short window
            inactivity = -(eb * 4 * tab.leak_k // (4 * P.INACTIVITY_PENALTY_QUOTIENT_BELLATRIX // 16))
            found = tab.values[eb] = (
                (head, target, source, 0),
                (0, target, source, 0),
                (0, -(base * P.TIMELY_TARGET_WEIGHT // P.WEIGHT_DENOMINATOR),
                 -(base * P.TIMELY_SOURCE_WEIGHT // P.WEIGHT_DENOMINATOR), inactivity),
            )
        return found

    def attestation_outcome(self, epoch: int, v: int) -> int | None:
        """FULL, LATE (head missed), MISS, or None when not eligible."""
        if not self.is_eligible(v, epoch):
            return None
        if v == ROLE_SLASHED and self.slashing_slot is not None and self.slashing_slot // self.S <= epoch + 1:
            return MISS  # slashed by the time the epoch's rewards are processed
        if v == ROLE_OFFLINE and epoch in self.offline_epochs:
            return MISS
        tab = self._epoch_table(epoch)
        u = mix(tab.seed, v) & 0xFFFF
        return MISS if u < tab.miss else LATE if u < tab.late else FULL

    def attestation_reward(self, epoch: int, v: int) -> tuple[int, int, int, int]:
        """(head, target, source, inactivity) in gwei; zeros when not eligible."""
        outcome = self.attestation_outcome(epoch, v)
        if outcome is None:
            return ZERO4
        return self._att_values(self._epoch_table(epoch), self.effective_balance(v, epoch))[outcome]

    def attestation_total(self, epoch: int, v: int) -> int:
        return sum(self.attestation_reward(epoch, v))

    def attestation_sum(self, v: int, first: int, last: int) -> int:
        """Sum of attestation totals of epochs first..last (a fast path for ordinary validators)."""
        if v in self._special or v % 16 == 7 or v >= self.N:
            return sum(self.attestation_total(e, v) for e in range(first, last + 1))
        total = 0
        tables = self._epoch_tables
        for e in range(first, last + 1):
            tab = tables.get(e) or self._epoch_table(e)
            u = mix(tab.seed, v) & 0xFFFF
            total += tab.totals[2] if u < tab.miss else tab.totals[1] if u < tab.late else tab.totals[0]
        return total

    def ideal_rewards(self, epoch: int, eb: int) -> tuple[int, int, int, int]:
        return self._att_values(self._epoch_table(epoch), eb)[FULL]

    def attestation_validators(self, epoch: int) -> int:
        """Registry size of the state the epoch's rewards are computed from (end of epoch + 1)."""
        return self.registry_size(self.epoch_last_slot(epoch + 1))

    def iter_attestation_rewards(self, epoch: int, indices=None):
        """(validator, (head, target, source, inactivity)) per validator, O(1) each.

        Ordinary validators share the epoch's three outcome tuples (the same objects), so a caller
        can render each outcome once.
        """
        tab = self._epoch_table(epoch)
        full, late, missed = self._att_values(tab, P.MIN_ACTIVATION_BALANCE)
        special, seed, miss_t, late_t, n = self._special, tab.seed, tab.miss, tab.late, self.N
        for v in (range(self.attestation_validators(epoch)) if indices is None else indices):
            if v in special or v % 16 == 7 or v >= n:
                yield v, self.attestation_reward(epoch, v)
                continue
            u = mix(seed, v) & 0xFFFF
            yield v, (missed if u < miss_t else late if u < late_t else full)

    def iter_attestation_rows(self, epoch: int, indices=None):
        """total_rewards entries (API dicts of decimal strings)."""
        for v, (h, t, s, i) in self.iter_attestation_rewards(epoch, indices):
            yield {"validator_index": str(v), "head": str(h), "target": str(t), "source": str(s),
                   "inactivity": str(i)}

    # ------------------------------------------------------------ sync committee
    def sync_period(self, epoch: int) -> int:
        return epoch // self.params.epochs_per_sync_committee_period

    def sync_committee(self, period: int) -> tuple[int, ...]:
        """Distinct members, chosen among active validators without an exit planned."""
        found = self._sync_committees.get(period)
        if found is None:
            size = self.params.sync_committee_size
            epoch = period * self.params.epochs_per_sync_committee_period
            excluded = {ROLE_EXIT, *CONSOLIDATION_SOURCES, ROLE_SLASHED, self.N}
            seed = h64(self.params.seed, "sync-committee", period)
            members: list[int] = []
            k = 0
            while len(members) < min(size, self.N - len(excluded)):
                v = mix(seed, k) % self.N
                k += 1
                if v not in excluded and v not in members and self.is_active(v, epoch):
                    members.append(v)
            found = self._sync_committees[period] = tuple(members)
        return found

    def sync_participant_reward(self, epoch: int) -> int:
        total_base = self.total_active_increments(epoch) * self.B
        per_slot = total_base * P.SYNC_REWARD_WEIGHT // P.WEIGHT_DENOMINATOR // self.S
        return per_slot // self.params.sync_committee_size

    def sync_participation(self, slot: int) -> list[bool]:
        epoch = slot // self.S
        seed = h64(self.params.seed, "sync-bits", slot)
        out = []
        for j, v in enumerate(self.sync_committee(self.sync_period(epoch))):
            offline = v == ROLE_OFFLINE and epoch in self.offline_epochs
            out.append(not offline and (mix(seed, j) & 0xFFFF) >= SYNC_MISS_THRESHOLD)
        return out

    def sync_rewards(self, slot: int) -> list[tuple[int, int]]:
        """(validator, reward gwei) per committee member for the block at `slot`; [] when missed."""
        if not self.block_produced(slot):
            return []
        epoch = slot // self.S
        reward = self.sync_participant_reward(epoch)
        members = self.sync_committee(self.sync_period(epoch))
        return [(v, reward if ok else -reward) for v, ok in zip(members, self.sync_participation(slot))]

    # ------------------------------------------------------------ block rewards
    def slashing_penalty(self) -> int:
        """Initial slashing penalty (gwei) = effective_balance // 4096; same as the whistleblower reward."""
        eb = self.effective_balance(ROLE_SLASHED, self.slashing_slot // self.S)
        return eb // P.MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA

    def block_reward(self, slot: int) -> BlockReward | None:
        if not self.block_produced(slot):
            return None
        epoch = slot // self.S
        tab = self._epoch_table(max(0, epoch - 1))
        jitter = 900 + h64(self.params.seed, "block-reward", slot) % 200
        per_epoch = self.total_active_increments(epoch) * self.B * 54 * tab.ppm[1] // (64 * 1_000_000)
        attestations = per_epoch * P.PROPOSER_WEIGHT // (P.WEIGHT_DENOMINATOR - P.PROPOSER_WEIGHT) // self.S
        attestations = attestations * jitter // 1000
        participant = self.sync_participant_reward(epoch)
        sync = sum(participant * P.PROPOSER_WEIGHT // (P.WEIGHT_DENOMINATOR - P.PROPOSER_WEIGHT)
                   for ok in self.sync_participation(slot) if ok)
        slashings = self.slashing_penalty() if slot == self.slashing_slot else 0
        return BlockReward(self.proposer(slot), attestations, sync, slashings, 0)

