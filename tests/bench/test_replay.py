"""bench/replay.py: a network's answers recorded once serve later runs byte for byte, and only
what was never recorded reaches the simulator."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from simnet.ethereum.params import EthereumParams
from simnet.network import NetworkSpec, SimNetwork

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

from replay import replaying  # noqa: E402


def _network() -> SimNetwork:
    return SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(validators=64, archive=True)))


def _ask(url: str, body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


REQUESTS = [
    ("/eth/v1/beacon/genesis", None),
    ("/eth/v1/beacon/rewards/attestations/3", json.dumps([str(i) for i in range(10)]).encode()),
    ("/eth/v1/beacon/rewards/attestations/3", json.dumps([str(i) for i in range(20)]).encode()),  # another body
    ("/eth/v1/beacon/states/head/validators?id=1&id=2", None),
    ("/eth/v1/beacon/states/head/validators?id=2&id=1", None),  # same query in another order: its own answer
    ("/no/such/route", None),  # an error answer is recorded as it was
]


def test_a_recording_serves_the_next_run_byte_for_byte(tmp_path):
    with _network() as net:
        live = [_ask(net.urls["beacon"] + path, body) for path, body in REQUESTS]
    with _network() as net:
        with replaying(net, tmp_path) as store:
            recorded = [_ask(net.urls["beacon"] + path, body) for path, body in REQUESTS]
        assert dict(store.counts) == {"recorded": len(REQUESTS)}
    with _network() as net:
        with replaying(net, tmp_path) as store:
            replayed = [_ask(net.urls["beacon"] + path, body) for path, body in REQUESTS]
            extra = _ask(net.urls["beacon"] + "/eth/v1/beacon/rewards/attestations/4", REQUESTS[1][1])
        assert dict(store.counts) == {"replayed": len(REQUESTS), "recorded": 1}
        counted = net.requests("beacon")
    assert recorded == live and replayed == live
    assert [status for status, _ in live][-1] == 404
    assert live[1][1] != live[2][1] and live[3][1] != live[4][1]
    assert extra[0] == 200 and json.loads(extra[1])["data"]["total_rewards"]
    # replayed answers are counted per endpoint as the live server counts them
    assert sum(counted.values()) == len(REQUESTS) and counted


def test_each_network_has_its_own_recording(tmp_path):
    path, body = REQUESTS[1]
    with _network() as net:
        with replaying(net, tmp_path):
            first = _ask(net.urls["beacon"] + path, body)
    with SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(validators=64, archive=True, seed=7))) as net:
        with replaying(net, tmp_path) as store:
            other = _ask(net.urls["beacon"] + path, body)
        assert dict(store.counts) == {"recorded": 1}
    assert first != other
    assert len([d for d in tmp_path.iterdir() if (d / "network.json").exists()]) == 2


def test_a_network_with_faults_is_not_recorded(tmp_path):
    with _network() as net:
        net.faults.add(api="beacon", endpoint="attestation_rewards", kind="server_error")
        with pytest.raises(ValueError, match="faults"):
            with replaying(net, tmp_path):
                pass
