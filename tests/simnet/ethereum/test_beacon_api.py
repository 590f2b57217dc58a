"""Beacon API behaviour: ids, errors, retention (archive switch), finality and late data."""

from __future__ import annotations

import pytest
import requests

from simnet.ethereum import EthereumModel
from simnet.ethereum.beacon import BeaconApi
from simnet.faults import FaultPlan
from simnet.http import SimServer


def serve(model: EthereumModel):
    return SimServer(BeaconApi(model), FaultPlan()).start()


@pytest.fixture(scope="module")
def beacon():
    model = EthereumModel()
    server = serve(model)
    yield model, server.url
    server.stop()


def get(url, path, **kw):
    return requests.get(url + path, timeout=30, **kw)


def post(url, path, body=None):
    return requests.post(url + path, json=body, timeout=30)


def test_errors_are_shaped_like_the_spec(beacon):
    model, url = beacon
    missed = model.missed_slots(model.oldest_state_epoch * 8, model.head_slot)[0]
    cases = [
        (get(url, f"/eth/v2/beacon/blocks/{missed}"), 404),
        (get(url, f"/eth/v2/beacon/blocks/{model.head_slot + 1}"), 404),
        (get(url, "/eth/v2/beacon/blocks/0x" + "ab" * 32), 404),
        (get(url, f"/eth/v1/beacon/rewards/blocks/{missed}"), 404),
        (post(url, f"/eth/v1/beacon/rewards/sync_committee/{missed}"), 404),
        (get(url, f"/eth/v1/beacon/states/{model.head_slot + 1}/validators"), 404),
        (get(url, "/eth/v1/beacon/states/nonsense/validators"), 400),
        (get(url, "/eth/v2/beacon/blocks/nonsense"), 400),
        (post(url, "/eth/v1/beacon/rewards/attestations/abc", []), 400),
        (post(url, f"/eth/v1/beacon/rewards/attestations/{model.last_rewarded_epoch}", ["validator-x"]), 400),
        (post(url, f"/eth/v1/beacon/rewards/attestations/{model.last_rewarded_epoch}", {"ids": []}), 400),
        (get(url, f"/eth/v1/validator/duties/proposer/{model.head_epoch + 2}"), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.url, response.text)
        body = response.json()
        assert body["code"] == status and isinstance(body["message"], str)
        if status == 404:
            assert body["message"].startswith("NOT_FOUND")
    # the duties of a missed slot exist; its block does not
    duties = get(url, f"/eth/v2/validator/duties/proposer/{missed // 8}").json()["data"]
    assert str(missed) in [d["slot"] for d in duties]


def test_attestation_rewards_need_the_next_epoch_complete():
    model = EthereumModel(head_slot=8 * 100 + 3)
    server = serve(model)
    try:
        assert model.last_rewarded_epoch == 98
        assert post(server.url, "/eth/v1/beacon/rewards/attestations/98", []).status_code == 200
        assert post(server.url, "/eth/v1/beacon/rewards/attestations/99", []).status_code == 404
        model.advance(5)  # epoch 100 complete
        assert post(server.url, "/eth/v1/beacon/rewards/attestations/99", []).status_code == 200
    finally:
        server.stop()


def test_pruned_node_and_archive_switch():
    pruned, archive = EthereumModel(), EthereumModel(archive=True)
    assert pruned.oldest_state_epoch == pruned.head_epoch - pruned.params.retention > 0
    old_epoch = pruned.oldest_state_epoch - 1
    old_block = pruned.produced_slots(old_epoch * 8, old_epoch * 8 + 7)[0]
    paths = [("POST", f"/eth/v1/beacon/rewards/attestations/{old_epoch}"),
             ("GET", f"/eth/v1/beacon/rewards/blocks/{old_block}"),
             ("POST", f"/eth/v1/beacon/rewards/sync_committee/{old_block}"),
             ("GET", f"/eth/v1/beacon/states/{old_block}/validators"),
             ("GET", "/eth/v1/beacon/states/genesis/finality_checkpoints"),
             ("GET", f"/eth/v1/validator/duties/proposer/{old_epoch}")]
    for model, expected in ((pruned, 404), (archive, 200)):
        server = serve(model)
        try:
            for method, path in paths:
                r = requests.request(method, server.url + path, json=[] if method == "POST" else None, timeout=30)
                assert r.status_code == expected, (path, r.text)
            # blocks are kept by both
            assert get(server.url, f"/eth/v2/beacon/blocks/{old_block}").status_code == 200
            retained = pruned.oldest_state_epoch
            assert post(server.url, f"/eth/v1/beacon/rewards/attestations/{retained}", []).status_code == 200
        finally:
            server.stop()


def test_validator_ids_limits_and_filters(beacon):
    model, url = beacon
    ids = ",".join(str(i) for i in range(65))
    r = get(url, "/eth/v1/beacon/states/head/validators", params={"id": ids})
    assert r.status_code == 414 and r.json()["code"] == 414
    repeated = [("id", "0,1"), *[("id", str(i)) for i in range(2, 64)]]
    r = get(url, "/eth/v1/beacon/states/head/validators", params=repeated)
    assert r.status_code == 200 and len(r.json()["data"]) == 64
    pubkey = model.pubkey(5)
    r = get(url, "/eth/v1/beacon/states/head/validators", params={"id": f"{pubkey},9,999999"})
    assert [v["index"] for v in r.json()["data"]] == ["5", "9"]  # unknown ids are left out
    r = post(url, "/eth/v1/beacon/states/head/validators", {"ids": [str(i) for i in range(65)],
                                                            "statuses": ["withdrawal"]})
    assert r.status_code == 200
    assert {(v["index"], v["status"]) for v in r.json()["data"]} == {("10", "withdrawal_done"),
                                                                     ("12", "withdrawal_done")}
    r = get(url, "/eth/v1/beacon/states/head/validators", params={"status": "exited_slashed"})
    assert [v["index"] for v in r.json()["data"]] == ["20"]
    assert post(url, "/eth/v1/beacon/states/head/validators", {"statuses": ["sleepy"]}).status_code == 400


def test_state_ids_and_roots(beacon):
    model, url = beacon
    slot = model.events.topup_slot
    by_slot = get(url, f"/eth/v1/beacon/states/{slot}/validators", params={"id": "7"}).json()
    by_root = get(url, f"/eth/v1/beacon/states/{model.state_root(slot)}/validators", params={"id": "7"}).json()
    assert by_slot == by_root
    assert by_slot["data"][0]["balance"] == str(model.balance(7, slot))
    assert by_slot["finalized"] is True
    head = get(url, "/eth/v1/beacon/states/head/validators", params={"id": "7"}).json()
    assert head["finalized"] is False
    finalized = get(url, "/eth/v1/beacon/states/finalized/validators", params={"id": "7"}).json()
    assert finalized["finalized"] is True
    assert finalized["data"][0]["balance"] == str(model.balance(7, model.finalized_slot))
    block = get(url, f"/eth/v2/beacon/blocks/{model.block_root(slot)}").json()
    assert block["data"]["message"]["slot"] == str(slot)
    header = get(url, "/eth/v1/beacon/headers/finalized").json()
    assert int(header["data"]["header"]["message"]["slot"]) <= model.finalized_slot


def test_rewards_endpoints_match_the_model(beacon):
    model, url = beacon
    epoch = 150
    body = post(url, f"/eth/v1/beacon/rewards/attestations/{epoch}", ["20", model.pubkey(30), "0"]).json()
    rows = {r["validator_index"]: r for r in body["data"]["total_rewards"]}
    assert set(rows) == {"0", "20", "30"}
    for v, row in rows.items():
        assert tuple(int(row[k]) for k in ("head", "target", "source", "inactivity")) == \
            model.attestation_reward(epoch, int(v))
    assert int(rows["20"]["target"]) < 0  # slashed
    ideal = body["data"]["ideal_rewards"][31]
    assert ideal["effective_balance"] == "32000000000"
    assert tuple(int(ideal[k]) for k in ("head", "target", "source", "inactivity")) == \
        model.ideal_rewards(epoch, 32 * 10**9)
    leak_epoch = model.events.leak_epochs[-1]
    leak = post(url, f"/eth/v1/beacon/rewards/attestations/{leak_epoch}").json()["data"]["total_rewards"]
    assert any(int(r["inactivity"]) < 0 for r in leak)
    slot = model.events.slashing_slot
    reward = get(url, f"/eth/v1/beacon/rewards/blocks/{slot}").json()["data"]
    parts = ("attestations", "sync_aggregate", "proposer_slashings", "attester_slashings")
    assert int(reward["total"]) == sum(int(reward[k]) for k in parts)
    assert int(reward["proposer_slashings"]) == model.slashing_penalty()
    assert reward["proposer_index"] == str(model.proposer(slot))
    retained = model.oldest_state_epoch * 8
    negatives = [s for s in model.produced_slots(retained, model.head_slot)
                 if any(r < 0 for _, r in model.sync_rewards(s))]
    sync = post(url, f"/eth/v1/beacon/rewards/sync_committee/{negatives[0]}").json()["data"]
    assert any(int(r["reward"]) < 0 for r in sync) and any(int(r["reward"]) > 0 for r in sync)
    member = sync[0]["validator_index"]
    only = post(url, f"/eth/v1/beacon/rewards/sync_committee/{negatives[0]}", [member]).json()["data"]
    assert only == [sync[0]]


def test_sync_committees_by_period(beacon):
    model, url = beacon
    now = get(url, "/eth/v1/beacon/states/head/sync_committees").json()["data"]["validators"]
    period = model.sync_period(model.head_epoch)
    assert now == [str(v) for v in model.sync_committee(period)]
    nxt = get(url, "/eth/v1/beacon/states/head/sync_committees", params={"epoch": (period + 1) * 16}).json()
    assert nxt["data"]["validators"] == [str(v) for v in model.sync_committee(period + 1)]
    assert get(url, "/eth/v1/beacon/states/head/sync_committees", params={"epoch": 0}).status_code == 400


def test_finality_moves_with_the_head():
    model = EthereumModel(head_slot=8 * 60)
    server = serve(model)
    try:
        cp = get(server.url, "/eth/v1/beacon/states/head/finality_checkpoints").json()["data"]
        assert cp["finalized"]["epoch"] == "58" and cp["current_justified"]["epoch"] == "59"
        slot = 8 * 58 + 5
        assert get(server.url, f"/eth/v1/beacon/rewards/blocks/{model.latest_block_slot(slot)}").json()["finalized"] \
            is False
        model.advance(8 * 3)
        cp = get(server.url, "/eth/v1/beacon/states/head/finality_checkpoints").json()["data"]
        assert cp["finalized"]["epoch"] == "61"
        assert cp["finalized"]["root"] == model.block_root(model.latest_block_slot(61 * 8))
        assert get(server.url, f"/eth/v1/beacon/rewards/blocks/{model.latest_block_slot(slot)}").json()["finalized"] \
            is True
    finally:
        server.stop()
