"""All-validator attestation rewards stream: the body is never built in memory."""

from __future__ import annotations

import json
import time
import tracemalloc
import urllib.request

import pytest

from simnet.ethereum import EthereumModel
from simnet.ethereum.beacon import BeaconApi
from simnet.faults import FaultPlan, _with_extra_fields
from simnet.http import Request, SimServer
from simnet.jsonstream import encode, materialize

VALIDATORS = 200_000


@pytest.fixture(scope="module")
def big():
    model = EthereumModel(validators=VALIDATORS)
    server = SimServer(BeaconApi(model), FaultPlan()).start()
    yield model, server.url
    server.stop()


def open_rewards(url: str, epoch: int, body: bytes = b"[]"):
    request = urllib.request.Request(f"{url}/eth/v1/beacon/rewards/attestations/{epoch}", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    return urllib.request.urlopen(request, timeout=60)


def test_all_validators_stream_in_small_memory(big):
    model, url = big
    epoch = model.last_rewarded_epoch
    started = time.perf_counter()
    tracemalloc.start()
    try:
        response = open_rewards(url, epoch)
        assert response.headers["Transfer-Encoding"] == "chunked"
        traced = 0
        while traced < 4_000_000:  # a building server would have built the whole body before byte 1
            chunk = response.read(65536)
            assert chunk
            traced += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    tail = b""
    size = traced
    while chunk := response.read(1 << 20):
        size += len(chunk)
        tail = (tail + chunk)[-4096:]
    response.close()
    elapsed = time.perf_counter() - started
    assert size > 15_000_000
    assert peak < size / 8, f"peak {peak} bytes for a {size}-byte body"
    last = tail.rsplit(b"{", 1)[1]
    head, target, source, inactivity = model.attestation_reward(epoch, VALIDATORS)  # the deposited validator
    assert json.loads(b"{" + last[:-3]) == {"validator_index": str(VALIDATORS), "head": str(head),
                                             "target": str(target), "source": str(source),
                                             "inactivity": str(inactivity)}
    assert tail.endswith(b"]}}")
    print(f"{VALIDATORS} validators, {size} bytes in {elapsed:.2f} s, traced peak {peak} bytes")


def test_subset_and_consistency_on_a_large_set(big):
    model, url = big
    epoch = model.last_rewarded_epoch - 3
    ids = ["0", "7", "20", "199999", model.pubkey(123_456)]
    with open_rewards(url, epoch, json.dumps(ids).encode()) as response:
        body = json.load(response)
    rows = body["data"]["total_rewards"]
    assert [r["validator_index"] for r in rows] == ["0", "7", "20", "199999", "123456"]
    for r in rows:
        assert tuple(int(r[k]) for k in ("head", "target", "source", "inactivity")) == \
            model.attestation_reward(epoch, int(r["validator_index"]))


def test_the_encoded_answer_is_the_answer_its_entries_encode_to():
    """The attestation answer's pre-rendered entries: byte for byte what encoding each entry gives."""
    model = EthereumModel(validators=4_000)
    api = BeaconApi(model)
    # every role, a v % 16 == 7 validator, the validator deposited past N, pubkeys and a repeat
    ids = [str(v) for v in (*range(0, 40), 4_000, 1_007, 3_999)] + [model.pubkey(9), "9"]
    last = model.last_rewarded_epoch
    # epochs revisited, and more of them than the ideal_rewards texts kept: each answer its own epoch's
    for epoch, body in [(last, b"[]"), (last, json.dumps(ids).encode()),
                        *[(e, b'["1"]') for e in range(last - 12, last + 1)], (last - 12, b'["2"]')]:
        answer = api.attestation_rewards(Request("POST", f"/eth/v1/beacon/rewards/attestations/{epoch}", {},
                                                 {"Content-Type": "application/json"}, body,
                                                 {"epoch": str(epoch)})).body
        entries = answer["data"]["total_rewards"]
        assert entries.encoded is not None
        plain = json.dumps(materialize(answer), separators=(",", ":"), ensure_ascii=False).encode()
        assert encode(answer) == plain
        rows = json.loads(plain)["data"]["total_rewards"]
        if body == b"[]":
            assert [int(r["validator_index"]) for r in rows] == list(range(model.attestation_validators(epoch)))
        elif len(body) > 5:
            assert sorted(int(r["validator_index"]) for r in rows) == sorted({*range(40), 4_000, 1_007, 3_999})
            assert len({tuple(r.values())[1:] for r in rows}) > 3  # ordinary outcomes and special ones
        assert len(json.loads(plain)["data"]["ideal_rewards"]) == 2_048


def test_a_fault_that_changes_the_entries_still_changes_them(big):
    """A mapped array is encoded from its entries: the pre-rendered texts would hide the fault."""
    model, _ = big
    answer = BeaconApi(model).attestation_rewards(Request(
        "POST", "/x", {}, {"Content-Type": "application/json"}, b'["5", "6"]',
        {"epoch": str(model.last_rewarded_epoch)})).body
    changed = _with_extra_fields(answer)
    rows = json.loads(encode(changed))["data"]["total_rewards"]
    assert [r["x_simnet_unknown"]["added_by"] for r in rows] == ["simnet", "simnet"]
