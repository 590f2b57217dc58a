"""Every fault kind, through the real HTTP servers: what a client of the simnet actually sees."""

from __future__ import annotations

import json

import pytest
import requests

from simnet.faults import Fault, FaultPlan
from simnet.network import NetworkSpec, SimNetwork
from simnet.shapes import compare, shape
from tests.simnet.rpc_client import Rpc


@pytest.fixture
def net(fresh_net):
    return fresh_net


@pytest.fixture
def node(net) -> Rpc:
    return Rpc(net.urls["solana_rpc"])


def post_rpc(node: Rpc, method: str, params=None, timeout: float = 5) -> requests.Response:
    return requests.post(node.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}, timeout=timeout)


# ---------------------------------------------------------------- HTTP-level faults
def test_rate_limit_is_a_429_with_retry_after_then_clears(net, node):
    net.faults.add(api="solana_rpc", kind="rate_limit", endpoint="getSlot", retry_after=2)
    limited = post_rpc(node, "getSlot")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert limited.json()["code"] == 429
    assert node.call("getSlot") == net.solana.head_slot  # times=1: the retry goes through


def test_server_error_answers_the_configured_status(net, node):
    net.faults.add(api="solana_rpc", kind="server_error", status=502, endpoint="*")
    failed = post_rpc(node, "getEpochInfo")
    assert failed.status_code == 502 and "simulated upstream error" in failed.text
    assert post_rpc(node, "getEpochInfo").status_code == 200


def test_slow_answers_outlast_the_clients_timeout(net, node):
    net.faults.add(api="solana_rpc", kind="slow", delay=1.0, endpoint="getEpochInfo")
    with pytest.raises(requests.exceptions.Timeout):
        post_rpc(node, "getEpochInfo", timeout=0.3)
    assert node.call("getEpochInfo")["epoch"] == 8


def test_truncate_cuts_the_body_into_invalid_json(net, node):
    whole = post_rpc(node, "getVoteAccounts").content
    net.faults.add(api="solana_rpc", kind="truncate", endpoint="getVoteAccounts")
    cut = post_rpc(node, "getVoteAccounts")
    assert cut.status_code == 200 and int(cut.headers["Content-Length"]) == len(cut.content)
    assert 0 < len(cut.content) < len(whole) and whole.startswith(cut.content)
    with pytest.raises(ValueError):
        json.loads(cut.content)


def test_truncate_also_cuts_a_streamed_body(net):
    net.faults.add(api="jito", kind="truncate", endpoint="validators")
    cut = requests.get(net.urls["jito"] + "/api/v1/validators", timeout=5)
    with pytest.raises(ValueError):
        cut.json()


# ---------------------------------------------------------------- content faults
def test_wrong_type_at_an_explicit_path(net, node):
    net.faults.add(api="solana_rpc", kind="wrong_type", endpoint="getEpochInfo", path="epoch")
    info = node.call("getEpochInfo")
    assert info["epoch"] == "12.5e" and isinstance(info["absoluteSlot"], int)
    assert node.call("getEpochInfo")["epoch"] == 8


def test_wrong_type_defaults_to_the_first_scalar(net, node):
    net.faults.add(api="solana_rpc", kind="wrong_type", endpoint="getEpochInfo")
    info = node.call("getEpochInfo")
    assert info["absoluteSlot"] == "12.5e"
    assert [k for k, v in info.items() if isinstance(v, str)] == ["absoluteSlot"]


def test_wrong_type_inside_a_streamed_array(net):
    net.faults.add(api="jito", kind="wrong_type", endpoint="validators", path="validators.[].mev_rewards")
    entries = requests.post(net.urls["jito"] + "/api/v1/validators", json={"epoch": 6}, timeout=5).json()["validators"]
    assert entries[0]["mev_rewards"] == "12.5e"
    assert all(not isinstance(e["mev_rewards"], str) for e in entries[1:])


def test_extra_fields_are_added_to_objects(net, node):
    net.faults.add(api="solana_rpc", kind="extra_fields", endpoint="getVoteAccounts")
    result = node.call("getVoteAccounts")
    assert "x_simnet_unknown" in result and "x_simnet_unknown" in result["current"][0]
    assert "x_simnet_unknown" not in node.call("getVoteAccounts")


def test_a_schema_check_sees_content_faults(net, node):
    clean = shape(node.call("getEpochInfo"))
    net.faults.add(api="solana_rpc", kind="extra_fields", endpoint="getEpochInfo")
    net.faults.add(api="solana_rpc", kind="wrong_type", endpoint="getEpochInfo", path="slotIndex")
    # one fault per request, in the order they were added
    assert compare(clean, shape(node.call("getEpochInfo"))) == ["$.x_simnet_unknown: a key the real payloads never have"]
    assert compare(clean, shape(node.call("getEpochInfo"))) == ["$.slotIndex: string where the real payloads have int"]
    assert compare(clean, shape(node.call("getEpochInfo"))) == []


# ---------------------------------------------------------------- when a fault fires
def test_after_lets_requests_through_and_times_limits_the_firing(net, node):
    net.faults.add(api="solana_rpc", kind="server_error", endpoint="getSlot", after=2, times=2)
    statuses = [post_rpc(node, "getSlot").status_code for _ in range(6)]
    assert statuses == [200, 200, 503, 503, 200, 200]


def test_a_permanent_fault_matching_one_blocks_parameters(net, node):
    m = net.solana
    bad, good = m.produced_slots(m.first_slot(7), m.last_slot(7))[:2]
    net.faults.add(api="solana_rpc", kind="server_error", endpoint="getBlock", match={"slot": bad}, times=None)
    for _ in range(3):
        assert post_rpc(node, "getBlock", [bad, {"transactionDetails": "none"}]).status_code == 503
        assert post_rpc(node, "getBlock", [good, {"transactionDetails": "none"}]).status_code == 200
    assert post_rpc(node, "getBlockTime", [bad]).status_code == 200  # only getBlock is broken


def test_kobe_faults_match_the_epoch_in_the_body(net):
    url = net.urls["jito"] + "/api/v1/validators"
    net.faults.add(api="jito", kind="server_error", endpoint="validators", match={"epoch": 6}, times=None)
    assert requests.post(url, json={"epoch": 6}, timeout=5).status_code == 503
    assert requests.post(url, json={"epoch": 5}, timeout=5).status_code == 200
    net.faults.add(api="jito", kind="rate_limit", endpoint="validator_rewards", retry_after=0.5)
    limited = requests.get(net.urls["jito"] + "/api/v1/validator_rewards", timeout=5)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "0.5"


def test_price_faults_match_the_coin(net):
    net.faults.add(api="prices", kind="rate_limit", endpoint="market_chart_range", match={"coin": "ethereum"}, times=None)
    query = {"vs_currency": "usd", "from": 1_735_689_600, "to": 1_735_776_000}
    base = net.urls["prices"] + "/api/v3/coins/{}/market_chart/range"
    assert requests.get(base.format("ethereum"), params=query, timeout=5).status_code == 429
    assert requests.get(base.format("solana"), params=query, timeout=5).status_code == 200


# ---------------------------------------------------------------- JSON-RPC batches
def test_a_batch_gets_content_faults_per_call(net, node):
    m = net.solana
    a, b = m.produced_slots(m.first_slot(7), m.last_slot(7))[:2]
    net.faults.add(api="solana_rpc", kind="wrong_type", endpoint="getBlock", path="blockhash", match={"slot": b}, times=None)
    net.faults.add(api="solana_rpc", kind="extra_fields", endpoint="getEpochSchedule")
    none = {"transactionDetails": "none"}
    replies = node.batch([("getBlock", [a, none]), ("getBlock", [b, none]), ("getEpochSchedule", []), ("getBlock", [a, none])])
    assert [r["id"] for r in replies] == [0, 1, 2, 3]
    assert isinstance(replies[0]["result"]["blockhash"], str) and replies[3]["result"] == replies[0]["result"]
    assert replies[1]["result"]["blockhash"] == {"unexpected": m.block_hash(b)}
    assert "x_simnet_unknown" in replies[2]["result"] and "x_simnet_unknown" not in replies[0]["result"]


def test_an_http_fault_on_one_call_fails_the_whole_batch(net, node):
    net.faults.add(api="solana_rpc", kind="rate_limit", endpoint="getBlockTime")
    body = [{"jsonrpc": "2.0", "id": 1, "method": "getSlot"}, {"jsonrpc": "2.0", "id": 2, "method": "getBlockTime", "params": [700]}]
    assert requests.post(node.url, json=body, timeout=5).status_code == 429
    assert requests.post(node.url, json=body, timeout=5).status_code == 200


# ---------------------------------------------------------------- configuration
def test_a_plan_given_up_front_applies_from_the_first_request():
    plan = FaultPlan([Fault(api="solana_rpc", kind="server_error", status=500, endpoint="getSlot")])
    with SimNetwork(NetworkSpec(ethereum=None), faults=plan) as net:
        assert post_rpc(Rpc(net.urls["solana_rpc"]), "getSlot").status_code == 500
        assert plan.faults[0].fired == 1


def test_wrong_value_shifts_one_number_and_keeps_its_type(net, node):
    slot = net.solana.produced_slots(500, 600)[0]
    config = {"transactionDetails": "full", "rewards": True, "maxSupportedTransactionVersion": 0}
    clean = node.call("getBlock", slot, config)
    net.faults.add(api="solana_rpc", kind="wrong_value", endpoint="getBlock", path="transactions.[].meta.fee", delta=3,
                   match={"slot": slot})
    shifted = node.call("getBlock", slot, config)
    assert shifted["transactions"][0]["meta"]["fee"] == clean["transactions"][0]["meta"]["fee"] + 3
    assert shifted["transactions"][1:] == clean["transactions"][1:] and shifted["rewards"] == clean["rewards"]
    with pytest.raises(ValueError, match="path"):
        from simnet.faults import apply_content_fault

        apply_content_fault({"a": 1}, Fault(api="x", kind="wrong_value"))


def test_rpc_error_answers_one_call_of_a_batch_with_the_error(net, node):
    votes = [v.vote for v in net.solana.validators]
    net.faults.add(api="solana_rpc", kind="rpc_error", endpoint="getInflationReward", code=-32004,
                   message="Block not available for slot 576", match={"epoch": 5}, after=1)
    replies = requests.post(node.url, json=[
        {"jsonrpc": "2.0", "id": i, "method": "getInflationReward", "params": [votes[i * 6:(i + 1) * 6], {"epoch": 5}]}
        for i in range(2)], timeout=10).json()
    by_id = {r["id"]: r for r in replies}
    assert "result" in by_id[0] and len(by_id[0]["result"]) == 6
    assert by_id[1]["error"] == {"code": -32004, "message": "Block not available for slot 576"}


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="fault kind must be one of"):
        Fault(api="solana_rpc", kind="flaky")
