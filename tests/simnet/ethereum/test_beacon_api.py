"""Beacon API behaviour: ids, errors, retention (archive switch), finality and late data."""

from __future__ import annotations

import re

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
    for ids in (["9", "5", "9", "999999", "3"], ["9", 5, "9", "999999", "3"], ["9", " 5", "9", "999999", "3"]):
        r = post(url, "/eth/v1/beacon/states/head/validators", {"ids": ids})  # plain indices, and not
        assert [v["index"] for v in r.json()["data"]] == ["9", "5", "3"]
        r = post(url, f"/eth/v1/beacon/rewards/attestations/{model.last_rewarded_epoch}", ids)
        assert [v["validator_index"] for v in r.json()["data"]["total_rewards"]] == ["9", "5", "3"]
    assert post(url, "/eth/v1/beacon/states/head/validators", {"ids": ["9", "x"]}).status_code == 400
    r = post(url, "/eth/v1/beacon/states/head/validators", {"ids": [str(i) for i in range(65)],
                                                            "statuses": ["withdrawal"]})
    assert r.status_code == 200
    assert {(v["index"], v["status"]) for v in r.json()["data"]} == {("10", "withdrawal_done"), ("12", "withdrawal_done"),
                                                                     ("26", "withdrawal_done")}
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


# ---------------------------------------------------------------- what the answers hold
# (their shapes are checked against the published payloads in tests/simnet/test_shape_fidelity.py)
def test_genesis_and_spec_follow_the_params(beacon):
    model, url = beacon
    assert get(url, "/eth/v1/beacon/genesis").json()["data"]["genesis_time"] == str(model.params.genesis_time)
    spec = get(url, "/eth/v1/config/spec").json()["data"]
    assert all(isinstance(v, str) for v in spec.values())
    assert spec["SECONDS_PER_SLOT"] == "192"
    assert spec["SLOTS_PER_EPOCH"] == "8"
    assert spec["EPOCHS_PER_SYNC_COMMITTEE_PERIOD"] == "16"
    assert spec["SYNC_COMMITTEE_SIZE"] == "8"
    assert spec["MAX_WITHDRAWALS_PER_PAYLOAD"] == "4"


def test_validators_show_every_role(beacon):
    model, url = beacon
    body = get(url, "/eth/v1/beacon/states/head/validators").json()
    assert len(body["data"]) == model.registry_size(model.head_slot)
    by_index = {int(v["index"]): v for v in body["data"]}
    assert by_index[3]["validator"]["withdrawal_credentials"].startswith("0x00")
    assert by_index[7]["validator"]["withdrawal_credentials"].startswith("0x02")
    assert by_index[0]["validator"]["withdrawal_credentials"].startswith("0x01" + "00" * 11)
    assert int(by_index[7]["validator"]["effective_balance"]) > 32 * 10**9
    statuses = {v["status"] for v in body["data"]}
    assert {"active_ongoing", "withdrawal_done", "exited_slashed"} <= statuses


def test_attestation_rewards_list_every_effective_balance_and_validator(beacon):
    model, url = beacon
    body = post(url, f"/eth/v1/beacon/rewards/attestations/{model.last_rewarded_epoch}", []).json()
    assert set(body) == {"execution_optimistic", "data"}  # as Lighthouse answers (no "finalized")
    assert len(body["data"]["ideal_rewards"]) == 2048  # 1..2048 ETH (Electra)
    assert len(body["data"]["total_rewards"]) == model.registry_size(model.head_slot)


def test_block_and_sync_rewards_envelopes(beacon):
    """The published block and sync rewards payloads are data only; the envelope is apis.md's."""
    model, url = beacon
    slot = model.events.slashing_slot
    block = get(url, f"/eth/v1/beacon/rewards/blocks/{slot}").json()
    assert set(block) == {"execution_optimistic", "finalized", "data"}
    sync = post(url, f"/eth/v1/beacon/rewards/sync_committee/{slot}").json()
    assert set(sync) == {"execution_optimistic", "finalized", "data"}
    assert len(sync["data"]) == model.params.sync_committee_size


def test_duties_checkpoints_and_sync_committees(beacon):
    """Duties (v1 and v2) cover the epoch's slots; checkpoints and sync committees have no
    published payload, so their shape is checked here against the beacon-APIs spec."""
    model, url = beacon
    for version in ("v1", "v2"):
        duties = get(url, f"/eth/{version}/validator/duties/proposer/{model.head_epoch}").json()
        assert [int(d["slot"]) for d in duties["data"]] == list(range(model.head_epoch * 8, model.head_epoch * 8 + 8))
    checkpoints = get(url, "/eth/v1/beacon/states/head/finality_checkpoints").json()
    assert set(checkpoints) == {"execution_optimistic", "finalized", "data"}
    assert set(checkpoints["data"]) == {"previous_justified", "current_justified", "finalized"}
    for cp in checkpoints["data"].values():
        assert set(cp) == {"epoch", "root"}
        assert cp["epoch"].isdigit() and re.fullmatch(r"0x[0-9a-f]{64}", cp["root"])
    committees = get(url, "/eth/v1/beacon/states/head/sync_committees").json()
    assert set(committees["data"]) == {"validators", "validator_aggregates"}
    assert len(committees["data"]["validators"]) == 8
    assert sum(committees["data"]["validator_aggregates"], []) == committees["data"]["validators"]
    assert all(v.isdigit() for v in committees["data"]["validators"])


# No published beacon block (fixtures/real/INDEX.md "Not found"): the keys are the Electra
# SignedBeaconBlock's (ethereum/beacon-APIs types/electra/block.yaml, deneb execution_payload.yaml).
ELECTRA_BODY = {"randao_reveal", "eth1_data", "graffiti", "proposer_slashings", "attester_slashings", "attestations",
                "deposits", "voluntary_exits", "sync_aggregate", "execution_payload", "bls_to_execution_changes",
                "blob_kzg_commitments", "execution_requests"}
PAYLOAD = {"parent_hash", "fee_recipient", "state_root", "receipts_root", "logs_bloom", "prev_randao", "block_number",
           "gas_limit", "gas_used", "timestamp", "extra_data", "base_fee_per_gas", "block_hash", "transactions",
           "withdrawals", "blob_gas_used", "excess_blob_gas"}


def test_beacon_blocks_are_electra_blocks_with_the_planted_operations(beacon):
    model, url = beacon
    ev = model.events
    r = get(url, f"/eth/v2/beacon/blocks/{ev.consolidation_slot}")
    assert r.status_code == 200 and r.headers["Eth-Consensus-Version"] == "electra"
    body = r.json()
    assert set(body) == {"version", "execution_optimistic", "finalized", "data"} and body["version"] == "electra"
    message = body["data"]["message"]
    assert set(body["data"]) == {"message", "signature"}
    assert set(message) == {"slot", "proposer_index", "parent_root", "state_root", "body"}
    assert set(message["body"]) == ELECTRA_BODY
    payload = message["body"]["execution_payload"]
    assert set(payload) == PAYLOAD
    for key in ("block_number", "gas_limit", "gas_used", "timestamp", "base_fee_per_gas", "blob_gas_used",
                "excess_blob_gas"):
        assert payload[key].isdigit(), key
    for w in payload["withdrawals"]:
        assert set(w) == {"index", "validator_index", "address", "amount"}
        assert w["amount"].isdigit() and re.fullmatch(r"0x[0-9a-f]{40}", w["address"])
    requests_ = message["body"]["execution_requests"]
    assert set(requests_) == {"deposits", "withdrawals", "consolidations"}
    assert requests_["consolidations"] == [{
        "source_address": model.withdrawal_address(source), "source_pubkey": model.pubkey(source),
        "target_pubkey": model.pubkey(target)} for source, target in ev.consolidations]
    partial = get(url, f"/eth/v2/beacon/blocks/{ev.partial_withdrawal_slot}").json()["data"]["message"]["body"]
    assert partial["execution_requests"]["withdrawals"] == [{
        "source_address": model.withdrawal_address(7), "validator_pubkey": model.pubkey(7), "amount": "5000000000"}]
    deposit = get(url, f"/eth/v2/beacon/blocks/{ev.deposit_slot}").json()["data"]["message"]["body"]
    (request,) = deposit["execution_requests"]["deposits"]
    assert set(request) == {"pubkey", "withdrawal_credentials", "amount", "signature", "index"}
    assert request["amount"] == str(ev.deposit_amount) and request["pubkey"] == model.pubkey(ev.deposit_validator)
    slashing = get(url, f"/eth/v2/beacon/blocks/{ev.slashing_slot}").json()["data"]["message"]["body"]
    (proof,) = slashing["proposer_slashings"]
    assert set(proof) == {"signed_header_1", "signed_header_2"}
    assert proof["signed_header_1"]["message"]["proposer_index"] == str(ev.slashed_validator)
    exit_ = get(url, f"/eth/v2/beacon/blocks/{ev.exit_slot}").json()["data"]["message"]["body"]
    assert exit_["voluntary_exits"][0]["message"]["validator_index"] == str(ev.exit_validator)


def test_pending_queues_follow_the_state(beacon):
    """Electra's queues as the state at each slot holds them: a request joins at its block and
    leaves at the epoch transition (deposits, consolidations) or payload (partial withdrawals)
    that processes it."""
    model, url = beacon
    ev, S = model.events, model.S

    def queue(name: str, slot: int) -> list[dict]:
        r = get(url, f"/eth/v1/beacon/states/{slot}/{name}")
        assert r.status_code == 200 and r.headers["Eth-Consensus-Version"] == "electra", r.text
        body = r.json()
        assert set(body) == {"execution_optimistic", "finalized", "data"}
        return body["data"]

    assert queue("pending_deposits", ev.deposit_slot - 1) == []
    (entry,) = queue("pending_deposits", ev.deposit_slot)
    assert entry == {"pubkey": model.pubkey(64), "withdrawal_credentials": model.withdrawal_credentials(64),
                     "amount": str(ev.deposit_amount), "signature": entry["signature"], "slot": str(ev.deposit_slot)}
    assert queue("pending_deposits", ev.deposit_epoch * S - 1) == [entry]
    assert queue("pending_deposits", ev.deposit_epoch * S) == []
    assert [d["slot"] for d in queue("pending_deposits", ev.topup_epoch * S - 1)] == [str(ev.topup_slot)]
    consolidations = [{"source_index": str(s), "target_index": str(t)} for s, t in ev.consolidations]
    assert queue("pending_consolidations", ev.consolidation_slot - 1) == []
    assert queue("pending_consolidations", ev.consolidation_epoch * S - 1) == consolidations
    assert queue("pending_consolidations", ev.consolidation_epoch * S) == []
    assert queue("pending_partial_withdrawals", ev.partial_withdrawal_slot) == [
        {"validator_index": "7", "amount": "5000000000", "withdrawable_epoch": str(ev.partial_withdrawable_epoch)}]
    assert queue("pending_partial_withdrawals", model.sim.partial_paid_slot) == []
    assert get(url, "/eth/v1/beacon/states/99999/pending_deposits").status_code == 404
