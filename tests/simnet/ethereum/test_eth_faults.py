"""Faults reach the Ethereum routes through the server, matched by route name and parameters."""

from __future__ import annotations

import json

import pytest
import requests

from simnet.ethereum import EthereumModel, serve_ethereum
from simnet.ethereum.beacon import BeaconApi
from simnet.ethereum.execution import ExecutionApi
from simnet.ethereum.relay import RelayApi
from simnet.faults import EXTRA, FaultPlan
from simnet.http import SimServer


@pytest.fixture(scope="module")
def model():
    return EthereumModel()


@pytest.fixture
def plan():
    return FaultPlan()


def start(api, plan):
    return SimServer(api, plan).start()


def test_rate_limit_once_then_success(model, plan):
    plan.add(api="beacon", kind="rate_limit", endpoint="attestation_rewards", match={"epoch": "150"}, retry_after=2)
    server = start(BeaconApi(model), plan)
    try:
        url = server.url + "/eth/v1/beacon/rewards/attestations/{}"
        assert requests.post(url.format(149), json=[], timeout=30).status_code == 200  # other epochs untouched
        first = requests.post(url.format(150), json=[], timeout=30)
        assert first.status_code == 429 and first.headers["Retry-After"] == "2"
        second = requests.post(url.format(150), json=[], timeout=30)
        assert second.status_code == 200 and len(second.json()["data"]["total_rewards"]) == 65
        assert server.requests["attestation_rewards"] == 3
    finally:
        server.stop()


def test_truncated_block_rewards(model, plan):
    slot = model.latest_block_slot(model.head_slot)
    plan.add(api="beacon", kind="truncate", endpoint="block_rewards", match={"block_id": str(slot)})
    server = start(BeaconApi(model), plan)
    try:
        broken = requests.get(server.url + f"/eth/v1/beacon/rewards/blocks/{slot}", timeout=30)
        assert broken.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content)
        fine = requests.get(server.url + f"/eth/v1/beacon/rewards/blocks/{slot}", timeout=30)
        assert fine.json()["data"]["proposer_index"] == str(model.proposer(slot))
    finally:
        server.stop()


def test_truncated_stream_and_extra_fields(model, plan):
    plan.add(api="beacon", kind="truncate", endpoint="validators")
    plan.add(api="beacon", kind="extra_fields", endpoint="attestation_rewards")
    server = start(BeaconApi(model), plan)
    try:
        broken = requests.get(server.url + "/eth/v1/beacon/states/head/validators", timeout=30)
        with pytest.raises(json.JSONDecodeError):
            json.loads(broken.content)
        body = requests.post(server.url + "/eth/v1/beacon/rewards/attestations/160", json=[], timeout=30).json()
        assert body["x_simnet_unknown"] == EXTRA["x_simnet_unknown"]
        assert "x_simnet_unknown" in body["data"]["total_rewards"][0]  # a streamed list is wrapped too
    finally:
        server.stop()


def test_execution_and_relay_faults(model, plan):
    number = model.block_number(model.events.topup_slot)
    plan.add(api="execution", kind="server_error", endpoint="eth_getBlockReceipts", match={"block": number},
             status=502)
    # JSON-RPC content faults apply to each call's result
    plan.add(api="execution", kind="wrong_type", endpoint="eth_getBlockByNumber", path="gasUsed")
    plan.add(api="relay", kind="rate_limit", endpoint="proposer_payload_delivered", match={"relay": "agnostic"})
    plan.add(api="relay_ultrasound", kind="server_error", endpoint="proposer_payload_delivered")
    servers = [start(ExecutionApi(model), plan), start(RelayApi(model, "flashbots"), plan),
               start(RelayApi(model, "agnostic"), plan), start(RelayApi(model, "ultrasound"), plan)]
    try:
        el, flashbots, agnostic, ultrasound = (s.url for s in servers)
        call = {"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockReceipts", "params": [hex(number)]}
        assert requests.post(el, json=call, timeout=30).status_code == 502
        assert requests.post(el, json=call, timeout=30).json()["result"]
        block = requests.post(el, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber",
                                        "params": [hex(number), False]}, timeout=30).json()["result"]
        assert block["gasUsed"] == {"unexpected": hex(model.payloads.block(model.events.topup_slot).gas_used)}
        path = "/relay/v1/data/bidtraces/proposer_payload_delivered"
        assert requests.get(flashbots + path, timeout=30).status_code == 200  # faults target one relay
        assert requests.get(agnostic + path, timeout=30).status_code == 429
        assert requests.get(agnostic + path, timeout=30).status_code == 200
        assert requests.get(ultrasound + path, timeout=30).status_code == 503  # api "relay_<name>" works too
        assert requests.get(ultrasound + path, timeout=30).status_code == 200
    finally:
        for s in servers:
            s.stop()


def test_serve_ethereum_starts_every_api_on_one_plan(model, plan):
    plan.add(api="relay", kind="rate_limit", endpoint="proposer_payload_delivered", match={"relay": "flashbots"})
    servers = serve_ethereum(model, plan)
    try:
        assert set(servers) == {"beacon", "execution", *model.params.relays}
        path = "/relay/v1/data/bidtraces/proposer_payload_delivered"
        assert requests.get(servers["ultrasound"].url + path, params={"limit": 1}, timeout=30).status_code == 200
        assert requests.get(servers["flashbots"].url + path, params={"limit": 1}, timeout=30).status_code == 429
        genesis = requests.get(servers["beacon"].url + "/eth/v1/beacon/genesis", timeout=30).json()
        assert genesis["data"]["genesis_time"] == str(model.params.genesis_time)
    finally:
        for server in servers.values():
            server.stop()
