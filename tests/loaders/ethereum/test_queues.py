"""Electra's pending queues as the loader reads them: both states bounding a day, nothing asked
before the fork, a queue the node refuses recorded as a rejected item (never a crash, never a
guess), and the consolidations a day's transitions processed with what they moved."""

from __future__ import annotations

from datetime import date

import pytest

from loaders.config import ChainConfig, ProviderConfig
from loaders.ethereum.fetch import EthereumFetcher
from loaders.providers import ProviderChain, ProviderClient, ResponseArchive
from loaders.providers.client import HttpSettings
from simnet.ethereum.params import EthereumParams
from simnet.faults import Fault
from simnet.network import NetworkSpec, SimNetwork

QUEUES = ("pending_deposits", "pending_consolidations", "pending_partial_withdrawals")
GWEI = 10**9


@pytest.fixture(scope="module")
def net():
    with SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(archive=True))) as network:
        m = network.ethereum
        m.set_head((m.epochs_of_day(date(2025, 1, 4))[-1] + 3) * m.S)
        yield network


def fetcher_for(net, tracked, monkeypatch) -> EthereumFetcher:
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    chain = ChainConfig.model_validate(net.chains_config()["chains"]["ethereum"] | {"key": "ethereum"})
    beacon = ProviderConfig(key="beacon", type="beacon", base_url=net.urls["beacon"], requests_per_second=1000,
                            timeout_seconds=10, retries=1)
    archive = ResponseArchive()
    return EthereumFetcher(chain, beacon_chain=ProviderChain([ProviderClient(beacon, archive, HttpSettings.from_env())], "beacon"),
                           execution_chain=None, relay_clients=[], archive=archive, tracked=tracked)


def asked(net, before: dict[str, int]) -> dict[str, int]:
    now = net.requests("beacon")
    return {q: now.get(q, 0) - before.get(q, 0) for q in QUEUES}


def test_the_day_that_processes_the_consolidations(net, monkeypatch):
    """2025-01-04: the two consolidations requested on 2025-01-03 leave the queue at their sources'
    withdrawable epoch; each moved min(balance, effective balance), read from the state before
    that transition (the rewards it credits first are 0: the sources exited two epochs earlier)."""
    m = net.ethereum
    ev = m.events
    fetcher = fetcher_for(net, [7, 10, 23, 26], monkeypatch)
    plan = fetcher.plan(date(2025, 1, 4))
    before = net.requests("beacon")
    t = fetcher.fetch_day(plan).tables
    assert asked(net, before) == {q: 2 for q in QUEUES}  # the start and the end state, each queue once
    assert {(r["state_slot"], r["queue"]) for r in t["queue_snapshots"]} == {
        (s, q) for s in (plan.start_state_slot, plan.end_state_slot) for q in QUEUES}
    assert [(r["state_slot"], r["source_index"], r["target_index"], r["source_withdrawable_epoch"])
            for r in t["pending_consolidations"]] == [(plan.start_state_slot, s, 23, ev.consolidation_epoch) for s in (10, 26)]
    assert t["day_windows"][0]["electra_fork_slot"] == 0
    processed = {r["source_index"]: r for r in t["consolidations_processed"]}
    assert set(processed) == {10, 26}
    for source, row in processed.items():
        assert row["epoch"] == ev.consolidation_epoch and row["slot"] == ev.consolidation_epoch * m.S
        assert row["source_reward_gwei"] == 0 and row["source_balance_gwei"] == m.balance(source, row["slot"] - 1)
        moved = min(row["source_balance_gwei"] + row["source_reward_gwei"], row["source_effective_balance_gwei"])
        assert moved == m.sim.consolidated[(source, 23)]
    # the sweep took 10's excess while it waited: its balance is its effective balance, all of it moves
    assert processed[10]["source_effective_balance_gwei"] == 32 * GWEI == processed[10]["source_balance_gwei"]
    assert processed[26]["source_balance_gwei"] < 32 * GWEI == processed[26]["source_effective_balance_gwei"]


def test_queued_across_midnight_and_applied_the_next_day(net, monkeypatch):
    """The 96 ETH top-up requested late on 2025-01-02 is queued at that day's end and gone at
    2025-01-03's: the loader keeps the entry of both states for the warehouse to net."""
    m = net.ethereum
    ev = m.events
    fetcher = fetcher_for(net, [m.pubkey(7)], monkeypatch)
    day2 = fetcher.fetch_day(fetcher.plan(date(2025, 1, 2))).tables
    (entry,) = day2["pending_deposits"]
    assert (entry["pubkey"], entry["amount_gwei"], entry["entry_slot"], entry["origin"]) == (
        m.pubkey(7), 96 * GWEI, ev.topup_slot, "request")
    assert entry["state_slot"] == fetcher.plan(date(2025, 1, 2)).end_state_slot
    assert [d["slot"] for d in day2["deposits"]] == [ev.topup_slot]  # the request, in its block
    day3 = fetcher.fetch_day(fetcher.plan(date(2025, 1, 3))).tables
    assert [r["state_slot"] for r in day3["pending_deposits"]] == [fetcher.plan(date(2025, 1, 3)).start_state_slot]
    assert [(w["validator_index"], w["amount_gwei"]) for w in day3["withdrawal_requests"]] == [(7, 5 * GWEI)]


def test_before_electra_nothing_is_asked(net, monkeypatch):
    fetcher = fetcher_for(net, [7], monkeypatch)
    fetcher.clock()
    fetcher._spec["ELECTRA_FORK_EPOCH"] = None  # a node whose spec schedules no Electra
    before = net.requests("beacon")
    t = fetcher.fetch_day(fetcher.plan(date(2025, 1, 3))).tables
    assert asked(net, before) == {q: 0 for q in QUEUES}
    assert t["queue_snapshots"] == [] and t["day_windows"][0]["electra_fork_slot"] is None
    assert not fetcher.archive.rejections


def test_the_fork_inside_a_day_reads_only_the_electra_state(net, monkeypatch):
    m = net.ethereum
    fetcher = fetcher_for(net, [7], monkeypatch)
    plan = fetcher.plan(date(2025, 1, 3))
    fetcher.clock()
    fetcher._spec["ELECTRA_FORK_EPOCH"] = plan.first_epoch + 3
    before = net.requests("beacon")
    t = fetcher.fetch_day(plan).tables
    assert asked(net, before) == {q: 1 for q in QUEUES}
    assert {r["state_slot"] for r in t["queue_snapshots"]} == {plan.end_state_slot}
    assert t["day_windows"][0]["electra_fork_slot"] == (plan.first_epoch + 3) * m.S


@pytest.mark.parametrize("fault", [
    Fault(api="beacon", endpoint="pending_consolidations", kind="server_error", status=400, times=None),
    Fault(api="beacon", endpoint="pending_deposits", kind="wrong_type", path="data", times=None),
], ids=["not served", "unknown shape"])
def test_a_queue_the_node_does_not_serve_is_a_rejected_item(net, monkeypatch, fault):
    fetcher = fetcher_for(net, [7, 10, 23, 26], monkeypatch)
    plan = fetcher.plan(date(2025, 1, 4))
    net.faults.add(**{k: getattr(fault, k) for k in ("api", "endpoint", "kind", "status", "times", "path")})
    try:
        t = fetcher.fetch_day(plan).tables
    finally:
        net.faults.clear()
    queue = fault.endpoint
    rejected = {r.item_key: r for r in fetcher.archive.rejections}
    assert set(rejected) == {f"{queue}:state={plan.start_state_slot}", f"{queue}:state={plan.end_state_slot}"}
    assert all(r.period_id == "2025-01-04" and r.endpoint == queue for r in rejected.values())
    # The gap the day's rows carry (docs/pnl.md, "Gap codes"): a node refusing the queue is a
    # provider failure, an answer in an unknown shape a rejected response.
    expected_gap = "response_rejected" if fault.kind == "wrong_type" else "provider_failed:rewards"
    assert {r.gap for r in rejected.values()} == {expected_gap}
    assert all(r.validator_key is None for r in rejected.values())  # the whole day: every validator's row
    reason = next(iter(rejected.values())).reason
    if fault.kind == "wrong_type":  # names the field that is not what Aurora reads
        assert f"beacon states/{plan.start_state_slot}/pending_deposits: data: expected an array" in reason, reason
    else:
        assert "HTTP 400" in reason, reason
    assert queue not in {r["queue"] for r in t["queue_snapshots"]}
    if queue == "pending_consolidations":
        assert t["consolidations_processed"] == []  # not guessed from the requests alone


def test_a_source_state_not_served_leaves_the_amount_unknown(net, monkeypatch):
    """The state before the transition that moved the consolidations is not served: the moves are
    kept with no amount (the day's reconciliation is then not checkable) and named as rejected."""
    m = net.ethereum
    ev = m.events
    fetcher = fetcher_for(net, [7, 10, 23, 26], monkeypatch)
    plan = fetcher.plan(date(2025, 1, 4))
    state = ev.consolidation_epoch * m.S - 1
    net.faults.add(api="beacon", endpoint="validators", kind="server_error", status=404, times=None,
                   match={"state_id": str(state)})
    try:
        t = fetcher.fetch_day(plan).tables
    finally:
        net.faults.clear()
    assert [(r["source_index"], r["slot"], r["source_balance_gwei"]) for r in t["consolidations_processed"]] == [
        (10, ev.consolidation_epoch * m.S, None), (26, ev.consolidation_epoch * m.S, None)]
    reasons = {r.item_key: r.reason for r in fetcher.archive.rejections}
    assert set(reasons) == {"consolidation:source=10:target=23", "consolidation:source=26:target=23"}
    assert all(f"the source at slot {state} was not served" in reason for reason in reasons.values())
    assert {r.gap for r in fetcher.archive.rejections} == {"provider_failed:rewards"}
