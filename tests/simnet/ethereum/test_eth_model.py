"""The Ethereum model on its own: time and day attribution, determinism, planted flows, and the
balance identity the warehouse reconciles against."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

import pytest

from simnet.ethereum import EthereumModel, EthereumParams
from simnet.ethereum.params import GWEI_PER_ETH, MIN_ACTIVATION_BALANCE

ETH = GWEI_PER_ETH


@pytest.fixture(scope="module")
def model():
    return EthereumModel()


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def test_defaults_and_days(model):
    p = model.params
    assert utc(p.genesis_time) == datetime(2025, 1, 1, 12, 0, 23, tzinfo=timezone.utc)
    assert 86400 // p.seconds_per_slot == 450 and 86400 / p.seconds_per_epoch == 56.25
    assert model.head_slot == p.window_slots and 3.2 < model.head_slot * 192 / 86400 < 3.4
    assert model.days() == [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 4)]
    previous_last = -1
    for day in model.days():
        epochs = model.epochs_of_day(day)
        assert epochs.start == previous_last + 1  # days tile the epochs
        previous_last = epochs[-1]
        for e in (epochs.start, epochs[-1]):
            assert model.day_of_epoch(e) == day
        assert model.day_of_epoch(epochs[-1] + 1) != day
        if day != date(2025, 1, 1):
            assert len(epochs) in (56, 57)
    # an epoch that starts before midnight belongs to that day, though its last slots are after it
    straddling = [e for e in range(model.head_epoch)
                  if utc(model.epoch_time(e)).date() != utc(model.slot_time(model.epoch_last_slot(e))).date()]
    assert straddling and all(model.day_of_epoch(e) == utc(model.epoch_time(e)).date() for e in straddling)


def test_deterministic_and_seeded():
    a, b, c = EthereumModel(), EthereumModel(), EthereumModel(seed=99)
    slots = range(1, 400)
    assert [a.proposer(s) for s in slots] == [b.proposer(s) for s in slots]
    assert [a.attestation_reward(100, v) for v in range(64)] == [b.attestation_reward(100, v) for v in range(64)]
    assert a.balance(5, 700) == b.balance(5, 700)
    assert a.payloads.block(300) == b.payloads.block(300)
    assert [a.proposer(s) for s in slots] != [c.proposer(s) for s in slots]


def test_head_and_finality_control():
    m = EthereumModel(head_slot=800)
    assert (m.head_epoch, m.finalized_epoch, m.justified_epoch) == (100, 98, 99)
    assert m.is_day_final(date(2025, 1, 2))  # its last epoch is 84
    day = date(2025, 1, 3)  # epochs 85..140
    assert not m.is_day_final(day)
    m.advance(8 * 41)
    assert m.head_slot == 1128 and m.finalized_epoch == 139 and not m.is_day_final(day)
    m.advance(8)
    assert m.finalized_epoch == 140 and not m.is_day_final(day)  # its last epoch's rewards need F >= 142
    m.advance(16)
    assert m.finalized_epoch == 142 and m.is_day_final(day)
    m.set_head(100)
    assert m.finalized_epoch == 10


def test_proposers_weighted_by_effective_balance(model):
    counts = Counter(model.proposer(s) for s in range(1, model.head_slot + 1))
    per_eth = {v: counts[v] / (model.effective_balance(v, 0) / ETH) for v in (7, 23, 39, 55)}
    ordinary = sum(counts[v] for v in range(64) if v % 16 != 7 and v not in (10, 12, 20)) / 57 / 32
    for v, rate in per_eth.items():
        assert 0.5 * ordinary < rate < 1.6 * ordinary, (v, rate, ordinary)
    assert counts[model.N] > 0  # the new validator proposes once active


def test_missed_slots_and_offline_validator(model):
    missed = model.missed_slots(1, model.head_slot)
    assert 5 <= len(missed) <= 60
    offline = model.events.offline_validator
    for s in range(1, model.head_slot):
        if model.proposer(s) == offline and s // 8 in model.events.offline_epochs:
            assert s in missed and model.sync_rewards(s) == [] and model.block_reward(s) is None
    for e in model.events.offline_epochs:
        head, target, source, _ = model.attestation_reward(e, offline)
        assert head == 0 and target < 0 and source < 0


def test_attestation_rewards_components(model):
    normal = [model.attestation_reward(e, v) for e in range(50, 70) for v in range(64) if v not in (12, 20)]
    assert any(r[0] > 0 for r in normal) and any(r[0] == 0 and r[1] < 0 and r[2] < 0 for r in normal)
    assert any(r[0] == 0 and r[1] > 0 and r[2] > 0 for r in normal)  # late head vote
    assert all(r[3] == 0 for r in normal)
    assert 0.005 < sum(1 for r in normal if r[1] < 0) / len(normal) < 0.05
    leak = model.events.leak_epochs
    leaking = [model.attestation_reward(leak[-1], v) for v in range(64)]
    assert any(r[3] < 0 for r in leaking) and all(r[3] < 0 for r in leaking if r[1] < 0)
    assert all(r[3] == 0 for r in leaking if r[1] > 0)
    ideal = model.ideal_rewards(60, MIN_ACTIVATION_BALANCE)
    assert model.attestation_reward(60, 0) in (ideal, (0, *ideal[1:]), ) or model.attestation_reward(60, 0)[1] < 0


def test_planted_flows(model):
    ev = model.events
    S = model.S
    kinds = Counter(e.kind for e in model.principal_events())
    assert kinds["deposit"] == kinds["top_up"] == 1 and kinds["consolidation_out"] == kinds["consolidation_in"] == 2
    assert kinds["voluntary_exit"] == kinds["slashing_penalty"] == 1
    assert kinds["full_withdrawal"] == 1  # the exited validator (the sources' excess left as partials)
    assert kinds["partial_withdrawal"] > 1000
    # the deposit waits in the queue until finality covers its slot (finalized = E - 2 at the
    # transition into E), then the new validator joins the registry, pending, then active
    assert ev.deposit_epoch == -(-ev.deposit_slot // S) + 2 == 58
    assert model.registry_size(ev.deposit_epoch * S - 1) == 64 and model.registry_size(ev.deposit_epoch * S) == 65
    assert model.sim.pending_deposits(ev.deposit_epoch * S - 1) == [(64, ev.deposit_amount, ev.deposit_slot)]
    assert model.sim.pending_deposits(ev.deposit_epoch * S) == []
    statuses = [model.validator_record(ev.deposit_validator, s)["status"]
                for s in (ev.deposit_epoch * S, (ev.deposit_epoch + 1) * S, model.activation_epoch(64) * S)]
    assert statuses == ["pending_initialized", "pending_queued", "active_ongoing"]
    assert model.balance(ev.deposit_validator, ev.deposit_epoch * S) == ev.deposit_amount
    # top-up: 96 ETH is more than an epoch's activation churn (64 ETH): finalized at the transition
    # into 84, applied at the next one with the carried churn; the effective balance follows at once
    t, e = ev.topup_validator, ev.topup_epoch
    assert model.credential_type(t) == 2 and -(-ev.topup_slot // S) + 2 == e - 1 == 84
    assert model.effective_balance(t, e) == model.effective_balance(t, e - 1) + 96 * ETH
    (top_up,) = [x for x in model.principal_events() if x.kind == "top_up"]
    assert top_up.slot == e * S and top_up.amount_gwei == 96 * ETH
    assert model.sim.pending_deposits(e * S - 1) == [(t, 96 * ETH, ev.topup_slot)]
    # the EIP-7002 partial withdrawal: queued with the exit churn's epoch + the withdrawability
    # delay, paid by the first payload of that epoch, before the sweep
    p = ev.partial_withdrawal_validator
    assert model.sim.pending_partial_withdrawals(ev.partial_withdrawal_slot) == [(p, 5 * ETH, ev.partial_withdrawable_epoch)]
    paid = model.sim.partial_paid_slot
    assert paid == model.produced_slots(ev.partial_withdrawable_epoch * S, paid)[0]
    assert model.withdrawals(paid)[0].validator_index == p and model.withdrawals(paid)[0].amount == 5 * ETH
    assert model.sim.pending_partial_withdrawals(paid) == []
    # consolidations: both sources exit through the consolidation churn; at their withdrawable
    # epoch the transition moves min(balance, effective balance): 32 ETH from 10, all of 26's 31.8
    dst, c, w = ev.consolidation_target, ev.consolidation_slot, ev.consolidation_epoch
    assert w == c // S + 1 + 4 + 4
    assert model.sim.pending_consolidations(w * S - 1) == list(ev.consolidations)
    assert model.sim.pending_consolidations(w * S) == []
    assert model.sim.consolidated[(10, dst)] == 32 * ETH
    low = model.sim.consolidated[(26, dst)]
    assert 31.8 * ETH < low < 32 * ETH and model.balance(26, w * S) == 0 and model.effective_balance(26, w - 1) == 32 * ETH
    for src in (10, 26):
        assert model.validator_record(src, model.head_slot)["status"] == "withdrawal_done"
        assert model.balance(src, model.head_slot) == 0
    assert model.credential_type(dst) == 2
    assert model.effective_balance(dst, w) == model.effective_balance(dst, 0) + 64 * ETH
    # exit then full withdrawal
    x = ev.exit_validator
    lifecycle = [model.validator_record(x, s)["status"] for s in (ev.exit_slot - 1, ev.exit_slot,
                                                                  (model.exit_epoch(x) + 1) * 8, model.head_slot)]
    assert lifecycle == ["active_ongoing", "active_exiting", "exited_unslashed", "withdrawal_done"]
    (full,) = [e for e in model.principal_events() if e.kind == "full_withdrawal" and e.validator_index == x]
    assert full.amount_gwei > 31 * ETH and model.balance(x, full.slot) == 0
    # slashing: penalty = effective_balance // 4096, paid to the including proposer too
    k, s = ev.slashing_slot, ev.slashed_validator
    penalty = model.slashing_penalty()
    assert penalty == 32 * ETH // 4096
    assert model.block_reward(k).proposer_slashings == penalty
    assert model.validator_record(s, k)["status"] == "active_slashed"
    assert model.validator_record(s, model.head_slot)["status"] == "exited_slashed"
    assert all(model.attestation_reward(e, s)[1] < 0 for e in range(k // 8 - 1, model.last_rewarded_epoch + 1))


def test_withdrawal_sweep(model):
    limit = model.params.max_withdrawals_per_payload
    previous_last = None
    for slot in model.produced_slots(200, 320):
        ws = model.withdrawals(slot)
        assert len(ws) <= limit
        indices = [w.validator_index for w in ws]
        assert all(model.credential_type(v) != 0 for v in indices), "BLS credentials never withdraw"
        # index order from a rotating pointer (wrapping once at most)
        assert sum(1 for a, b in zip(indices, indices[1:]) if b <= a) <= 1
        if previous_last is not None and indices:
            assert indices[0] != previous_last
        for w in ws:
            assert w.amount > 0 and w.address == model.withdrawal_address(w.validator_index)
            if model.credential_type(w.validator_index) == 1 and w.validator_index != 12:
                # a 0x01 partial withdrawal leaves exactly 32 ETH before this block's rewards
                assert model.sim._balance(w.validator_index, slot, slot - 1) - w.amount == 32 * ETH
        previous_last = indices[-1] if indices else previous_last
    numbers = [w.index for s in model.produced_slots(1, 400) for w in model.withdrawals(s)]
    assert numbers == list(range(len(numbers)))


def check_identity(model: EthereumModel, day) -> None:
    """balance(last slot of b) - balance(last slot of a-1) = attestation rewards of epochs a-2..b-2
    + proposer and sync rewards of the slots of a..b + principal moves (and slashing) of those slots."""
    epochs = model.epochs_of_day(day)
    a, b = epochs.start, epochs[-1]
    first, last = a * 8, b * 8 + 7
    proposed: Counter[int] = Counter()
    for s in model.produced_slots(first, last):
        proposed[model.proposer(s)] += model.block_reward(s).total
        for v, r in model.sync_rewards(s):
            proposed[v] += r
    principal: Counter[int] = Counter()
    for e in model.principal_events(first, last):
        principal[e.validator_index] += e.signed_gwei
    for v in range(model.registry_size(last)):
        start = model.balance(v, first - 1) if first > 0 else model.initial_balance(v)
        credited = sum(model.attestation_total(e, v) for e in range(max(0, a - 2), b - 1))
        assert model.balance(v, last) - start == credited + proposed[v] + principal[v], (day, v)


@pytest.mark.parametrize("day", ["2025-01-01", "2025-01-02", "2025-01-03"])
def test_balance_identity_every_validator(model, day):
    check_identity(model, day)


def test_balance_identity_other_parameters():
    m = EthereumModel(EthereumParams(seed=5, validators=40, max_withdrawals_per_payload=2))
    for day in ("2025-01-02", "2025-01-03"):
        check_identity(m, day)
    assert min(m.balance(v, m.head_slot) for v in range(41)) == 0  # exited ones; never negative


def test_large_registry_is_lazy():
    m = EthereumModel(validators=1_000_000)
    rows = m.iter_attestation_rows(50)
    first = [next(rows) for _ in range(3)]
    assert [r["validator_index"] for r in first] == ["0", "1", "2"]
    assert m.balance(999_999, 400) >= 32 * ETH
    assert len(m.sim._att_last) < 10_000  # only validators the sweep and queries touched


def test_params_validation():
    with pytest.raises(ValueError):
        EthereumParams(validators=16)
    with pytest.raises(ValueError):
        EthereumParams(sync_committee_size=6)
