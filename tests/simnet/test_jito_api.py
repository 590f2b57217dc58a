"""The simulated Jito kobe API: validators, per-validator history, validator_rewards, mev_rewards."""

from __future__ import annotations

import requests

CURRENT, UNSETTLED, SETTLED = 8, 7, 6  # the default network: epoch 7's MEV settles 48 slots into 8


def validators(url: str, epoch: int | None = None) -> dict[str, dict]:
    if epoch is None:
        response = requests.get(f"{url}/api/v1/validators", timeout=10)
    else:
        response = requests.post(f"{url}/api/v1/validators", json={"epoch": epoch}, timeout=10)
    assert response.status_code == 200, response.text
    return {v["vote_account"]: v for v in response.json()["validators"]}


def test_validators_of_a_settled_epoch(kobe, sol_net):
    m = sol_net.solana
    entries = validators(kobe, SETTLED)
    assert set(entries) == {v.vote for v in m.validators}
    state = m.epoch(SETTLED)
    for v in m.validators:
        entry = entries[v.vote]
        assert entry["identity_account"] == v.identity
        assert entry["active_stake"] == state.stake[v.index]
        assert entry["running_jito"] is m.runs_jito(v.index)
        if not m.runs_jito(v.index):  # no tip distribution account: nothing to report
            assert entry["mev_commission_bps"] is None and entry["mev_rewards"] is None
            continue
        assert entry["mev_commission_bps"] == m.mev_commission_bps(v.index, SETTLED)
        assert entry["mev_rewards"] == state.mev[v.index]
        assert entry["priority_fee_commission_bps"] == m.priority_fee_commission_bps(v.index)
        if entry["priority_fee_commission_bps"] is not None:
            assert entry["priority_fee_rewards"] == state.priority_fees[v.index]
    assert sum(e["mev_rewards"] or 0 for e in entries.values()) > 0


def test_the_current_epoch_reports_zero_and_get_means_the_latest_epoch(kobe, sol_net):
    by_get = validators(kobe)
    assert by_get == validators(kobe, CURRENT)
    jito = [e for e in by_get.values() if e["running_jito"]]
    assert jito and all(e["mev_rewards"] == 0 for e in jito)
    assert all(e["priority_fee_rewards"] == 0 for e in jito if e["priority_fee_commission_bps"] is not None)
    assert validators(kobe, CURRENT + 1) == {}  # nothing known about the future


def test_an_epoch_reports_zero_until_it_settles(fresh_net):
    url, m = fresh_net.urls["jito"], fresh_net.solana
    before = validators(url, UNSETTLED)
    assert all(e["mev_rewards"] in (0, None) for e in before.values())
    m.advance(m.jito_settle_slots - m.head_slot % m.S - 1)  # one slot short of settling
    assert all(e["mev_rewards"] in (0, None) for e in validators(url, UNSETTLED).values())
    m.advance(1)
    after = validators(url, UNSETTLED)
    for v in m.validators:
        expected = m.epoch(UNSETTLED).mev[v.index] if m.runs_jito(v.index) else None
        assert after[v.vote]["mev_rewards"] == expected
    assert sum(e["mev_rewards"] or 0 for e in after.values()) > 0


def test_validator_history_lists_settled_epochs_newest_first(fresh_net):
    url, m = fresh_net.urls["jito"], fresh_net.solana
    v = m.validators[0]  # shares priority fees; its MEV commission went 800 -> 1000 in epoch 6
    history = requests.get(f"{url}/api/v1/validators/{v.vote}", timeout=10).json()
    assert [h["epoch"] for h in history] == list(range(SETTLED, -1, -1))
    assert history[0] == {
        "epoch": SETTLED,
        "mev_commission_bps": 1000,
        "mev_rewards": m.epoch(SETTLED).mev[0],
        "priority_fee_commission_bps": 5000,
        "priority_fee_rewards": m.epoch(SETTLED).priority_fees[0],
    }
    assert history[-1]["mev_commission_bps"] == 800
    m.advance(m.S)  # epoch 7 settles
    assert requests.get(f"{url}/api/v1/validators/{v.vote}", timeout=10).json()[0]["epoch"] == UNSETTLED


def test_validator_history_fills_missing_priority_fee_fields_with_zero(kobe, sol_net):
    m = sol_net.solana
    v = m.validators[1]  # runs Jito without priority fee sharing
    history = requests.get(f"{kobe}/api/v1/validators/{v.vote}", timeout=10).json()
    assert history and all(h["priority_fee_commission_bps"] == 0 and h["priority_fee_rewards"] == 0 for h in history)
    not_jito = m.validators[3]
    assert requests.get(f"{kobe}/api/v1/validators/{not_jito.vote}", timeout=10).json() == []


def test_validator_rewards_pages_through_settled_rows(kobe, sol_net):
    m = sol_net.solana
    jito = [v for v in m.validators if m.runs_jito(v.index)]
    first = requests.get(f"{kobe}/api/v1/validator_rewards", params={"limit": 4}, timeout=10).json()
    total = first["total_count"]
    assert total == len(jito) * (SETTLED + 1)  # epochs 0..6 settled
    rows = []
    for page in range(1, -(-total // 4) + 1):
        body = requests.get(f"{kobe}/api/v1/validator_rewards", params={"limit": 4, "page": page}, timeout=10).json()
        assert body["total_count"] == total and len(body["rewards"]) <= 4
        rows += body["rewards"]
    assert rows[:4] == first["rewards"]
    assert len({(r["vote_account"], r["epoch"]) for r in rows}) == total
    # newest epoch first, then the largest MEV
    assert [(r["epoch"], r["mev_revenue"]) for r in rows] == sorted(((r["epoch"], r["mev_revenue"]) for r in rows), reverse=True)
    for r in rows:
        i = m.by_vote[r["vote_account"]].index
        assert r["mev_revenue"] == m.epoch(r["epoch"]).mev[i]
        assert r["mev_commission"] == m.mev_commission_bps(i, r["epoch"])
        assert r["priority_fee_commission"] == m.priority_fee_commission_bps(i)


def test_validator_rewards_filters_and_the_limit_cap(kobe, sol_net):
    v = sol_net.solana.validators[0]
    one = requests.get(f"{kobe}/api/v1/validator_rewards", params={"vote_account": v.vote, "epoch": SETTLED}, timeout=10).json()
    assert one["total_count"] == 1 and one["rewards"][0]["vote_account"] == v.vote
    unsettled = requests.get(f"{kobe}/api/v1/validator_rewards", params={"epoch": UNSETTLED}, timeout=10).json()
    assert unsettled == {"rewards": [], "total_count": 0}
    ascending = requests.get(f"{kobe}/api/v1/validator_rewards", params={"sort_order": "asc", "limit": 3}, timeout=10).json()
    assert [r["epoch"] for r in ascending["rewards"]] == [0, 0, 0]
    assert requests.get(f"{kobe}/api/v1/validator_rewards", params={"limit": 10_000}, timeout=10).status_code == 200
    too_many = requests.get(f"{kobe}/api/v1/validator_rewards", params={"limit": 10_001}, timeout=10)
    assert too_many.status_code == 400 and "error" in too_many.json()


def test_mev_rewards_sum_the_network(kobe, sol_net):
    m = sol_net.solana
    body = requests.post(f"{kobe}/api/v1/mev_rewards", json={"epoch": SETTLED}, timeout=10).json()
    weight = sum(m.epoch(SETTLED).stake[i] for i in range(m.p.validators) if m.runs_jito(i))
    total = sum(m.epoch(SETTLED).mev)
    assert body == {
        "epoch": SETTLED,
        "total_network_mev_lamports": total,
        "jito_stake_weight_lamports": weight,
        "mev_reward_per_lamport": total / weight,
    }
    assert requests.post(f"{kobe}/api/v1/mev_rewards", json={"epoch": UNSETTLED}, timeout=10).json()["total_network_mev_lamports"] == 0


def test_bad_requests_are_answered_not_dropped(kobe):
    broken = requests.post(f"{kobe}/api/v1/validators", data=b"{epoch:", headers={"Content-Type": "application/json"}, timeout=5)
    assert broken.status_code == 400
    assert requests.post(f"{kobe}/api/v1/validators", json={"epoch": -1}, timeout=5).status_code == 400
    assert requests.get(f"{kobe}/api/v1/validator_rewards", params={"page": "x"}, timeout=5).status_code == 400
    assert requests.get(f"{kobe}/api/v1/staker_rewards", timeout=5).status_code == 404
