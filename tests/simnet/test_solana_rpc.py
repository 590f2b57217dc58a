"""The simulated Solana JSON-RPC node, method by method, through its HTTP server."""

from __future__ import annotations

import base64

import pytest
import requests

from tests.simnet.rpc_client import RpcFailed

S = 96  # slots per epoch of the default network
HEAD, CURRENT = 800, 8


def first_slot(epoch: int) -> int:
    return epoch * S


def skipped(model, epoch: int) -> list[int]:
    return [s for s in range(first_slot(epoch), min(first_slot(epoch + 1), model.head_slot + 1)) if not model.is_produced(s)]


# ---------------------------------------------------------------- clock
def test_epoch_schedule_is_a_normal_cluster(rpc):
    assert rpc.call("getEpochSchedule") == {
        "firstNormalEpoch": 0,
        "firstNormalSlot": 0,
        "leaderScheduleSlotOffset": S,
        "slotsPerEpoch": S,
        "warmup": False,
    }


def test_epoch_info_places_the_head_in_its_epoch(rpc):
    info = rpc.call("getEpochInfo")
    assert (info["absoluteSlot"], info["epoch"], info["slotIndex"], info["slotsInEpoch"]) == (HEAD, CURRENT, HEAD % S, S)
    assert info["absoluteSlot"] - info["slotIndex"] == first_slot(CURRENT)
    assert rpc.call("getSlot") == HEAD
    # the block height is that of the newest block
    newest = rpc.call("getBlocks", first_slot(CURRENT), HEAD)[-1]
    assert info["blockHeight"] == rpc.call("getBlock", newest, {"transactionDetails": "none", "rewards": False})["blockHeight"]
    assert rpc.call("getBlockHeight") == info["blockHeight"]


# ---------------------------------------------------------------- validators
def test_vote_accounts_list_healthy_and_delinquent_validators(rpc, sol_net):
    m = sol_net.solana
    result = rpc.call("getVoteAccounts")
    current = {v["votePubkey"]: v for v in result["current"]}
    delinquent = {v["votePubkey"]: v for v in result["delinquent"]}
    last = m.validators[-1]  # down since epoch 6
    assert set(delinquent) == {last.vote}
    assert len(current) == m.p.validators - 1 and last.vote not in current
    for v in m.validators[:-1]:
        entry = current[v.vote]
        assert entry["nodePubkey"] == v.identity
        assert entry["commission"] == m.commission_at(v.index, CURRENT)
        assert entry["activatedStake"] == m.epoch(CURRENT).stake[v.index] > 0
        assert entry["epochVoteAccount"] is True
        assert entry["rootSlot"] < entry["lastVote"] <= HEAD
    assert delinquent[last.vote]["lastVote"] < first_slot(6)  # stopped voting when it went down


def test_epoch_credits_cover_the_last_five_epochs_cumulatively(rpc, sol_net):
    m = sol_net.solana
    current = rpc.call("getVoteAccounts")["current"]
    for entry in current:
        credits = entry["epochCredits"]
        i = m.by_vote[entry["votePubkey"]].index
        # epochs without a vote have no entry: validator n-2 was down for epoch 4
        window = [e for e in range(CURRENT - 4, CURRENT + 1) if not m.is_delinquent(i, e)]
        assert [c[0] for c in credits] == window and len(window) == (4 if i == m.p.validators - 2 else 5)
        for before, after in zip(credits, credits[1:]):
            assert after[2] == before[1]  # previousCredits chain
        for epoch, total, previous in credits:
            assert total - previous == m.credits(i, epoch) > 0
            assert (total - previous) % 16 == 0  # every vote is timely: 16 credits
    # a validator that missed every 10th vote earns visibly less than one that never misses
    by_vote = {v["votePubkey"]: v for v in current}
    full = by_vote[m.validators[0].vote]["epochCredits"][-2]
    lossy = by_vote[m.validators[2].vote]["epochCredits"][-2]
    assert lossy[1] - lossy[2] < full[1] - full[2]


def test_a_delinquent_validator_keeps_the_credits_of_epochs_it_voted_in(rpc, sol_net):
    last = sol_net.solana.validators[-1]
    result = rpc.call("getVoteAccounts", {"votePubkey": last.vote})
    assert result["current"] == []
    (entry,) = result["delinquent"]
    assert [c[0] for c in entry["epochCredits"]] == [4, 5]  # the window is 4..8; down since 6


def test_vote_pubkey_filters_to_one_account(rpc, sol_net):
    v = sol_net.solana.validators[5]
    result = rpc.call("getVoteAccounts", {"votePubkey": v.vote})
    assert [e["votePubkey"] for e in result["current"]] == [v.vote] and result["delinquent"] == []
    # a well-formed key that is no vote account matches nothing; a malformed one is an error
    assert rpc.call("getVoteAccounts", {"votePubkey": v.identity}) == {"current": [], "delinquent": []}
    with pytest.raises(RpcFailed) as failed:
        rpc.call("getVoteAccounts", {"votePubkey": "not-a-key"})
    assert failed.value.code == -32602


# ---------------------------------------------------------------- inflation
def test_inflation_reward_pays_the_vote_accounts_commission_with_nulls(rpc, sol_net):
    m = sol_net.solana
    votes = [v.vote for v in m.validators]
    rewards = rpc.call("getInflationReward", votes + ["11111111111111111111111111111111"], {"epoch": 6})
    assert len(rewards) == len(votes) + 1 and rewards[-1] is None
    effective = m.reward_slot(6)
    assert effective == rpc.call("getBlocks", first_slot(7), first_slot(7) + 10)[0]
    for v, reward in zip(m.validators, rewards):
        total, commission_part = m.inflation(6)[v.index]
        if commission_part == 0:
            assert reward is None  # commission 0 (validator 3, 9) or delinquent (the last one)
            continue
        assert reward == {
            "amount": commission_part,
            "commission": m.commission_at(v.index, 6),
            "effectiveSlot": effective,
            "epoch": 6,
            "postBalance": m.vote_balance(v.index, 6),
        }
        assert reward["amount"] == total * reward["commission"] // 100
    assert rewards[3] is None and rewards[-2] is None


def test_after_simd_0291_inflation_rewards_carry_basis_points_and_a_null_percent(rpc, sol_net):
    """The model activates SIMD-0291 at epoch 7: answers for 7 on carry `commissionBps` and
    `commission: null`; validator 2 then sets 1050 bps, no whole percent."""
    m = sol_net.solana
    assert m.p.commission_bps_epoch == 7
    votes = [v.vote for v in m.validators]
    for v, reward in zip(m.validators, rpc.call("getInflationReward", votes, {"epoch": 7})):
        if reward is None:
            continue
        total, commission_part = m.inflation(7)[v.index]
        assert reward["commission"] is None and reward["commissionBps"] == m.commission_bps_at(v.index, 7)
        assert reward["amount"] == commission_part == total * reward["commissionBps"] // 10_000
    assert rpc.call("getInflationReward", [votes[2]], {"epoch": 7})[0]["commissionBps"] == 1050
    assert "commissionBps" not in rpc.call("getInflationReward", [votes[2]], {"epoch": 6})[0]
    # getVoteAccounts gives both forms: the whole percent (floor) and the basis points.
    (entry,) = rpc.call("getVoteAccounts", {"votePubkey": votes[2]})["current"]
    assert (entry["commission"], entry["inflationRewardsCommissionBps"]) == (10, 1050)


def test_the_simd_0096_feature_account_says_when_it_took_effect(rpc, sol_net):
    m = sol_net.solana
    answer = rpc.call("getAccountInfo", "3opE3EzAKnUftUDURkzMgwpNgimBAypW1mNDYH4x4Zg7", {"encoding": "base64"})
    data = base64.b64decode(answer["value"]["data"][0])
    assert answer["value"]["owner"] == "Feature111111111111111111111111111111111111"
    assert data[0] == 1 and int.from_bytes(data[1:9], "little") == first_slot(m.p.full_priority_fee_epoch) == first_slot(3)
    assert rpc.call("getAccountInfo", m.validators[0].vote, {"encoding": "base64"})["value"] is None


def test_inflation_reward_defaults_to_the_previous_epoch(rpc, sol_net):
    vote = sol_net.solana.validators[0].vote
    (reward,) = rpc.call("getInflationReward", [vote])
    assert reward["epoch"] == CURRENT - 1
    assert rpc.call("getInflationReward", [vote], {"epoch": CURRENT - 1}) == [reward]


def test_inflation_reward_of_an_incomplete_epoch_is_an_error(rpc, sol_net):
    vote = sol_net.solana.validators[0].vote
    for epoch in (CURRENT, CURRENT + 3):
        with pytest.raises(RpcFailed) as failed:
            rpc.call("getInflationReward", [vote], {"epoch": epoch})
        assert failed.value.code == -32004


# ---------------------------------------------------------------- schedules
def test_block_production_counts_the_current_epoch_by_default(rpc, sol_net):
    m = sol_net.solana
    result = rpc.call("getBlockProduction")
    assert result["context"]["slot"] == HEAD
    value = result["value"]
    assert value["range"] == {"firstSlot": first_slot(CURRENT), "lastSlot": HEAD}
    leader_slots = sum(counts[0] for counts in value["byIdentity"].values())
    produced = sum(counts[1] for counts in value["byIdentity"].values())
    assert leader_slots == HEAD - first_slot(CURRENT) + 1
    assert leader_slots - produced == len(skipped(m, CURRENT))


def test_block_production_of_the_previous_epoch_and_one_identity(rpc, sol_net):
    m = sol_net.solana
    span = {"firstSlot": first_slot(7), "lastSlot": first_slot(8) - 1}
    everyone = rpc.call("getBlockProduction", {"range": span})["value"]["byIdentity"]
    identity = max(everyone, key=lambda k: everyone[k][0])
    one = rpc.call("getBlockProduction", {"range": span, "identity": identity})["value"]
    assert one == {"byIdentity": {identity: everyone[identity]}, "range": span}
    i = m.by_identity[identity].index
    assert everyone[identity][0] == sum(1 for s in range(first_slot(7), first_slot(8)) if m.leader(s) == i)


def test_block_production_history_is_limited_to_two_epochs(rpc):
    with pytest.raises(RpcFailed) as failed:
        rpc.call("getBlockProduction", {"range": {"firstSlot": first_slot(6), "lastSlot": first_slot(7)}})
    assert failed.value.code == -32602 and "too small" in failed.value.message
    with pytest.raises(RpcFailed) as failed:
        rpc.call("getBlockProduction", {"range": {"firstSlot": first_slot(8), "lastSlot": HEAD + 5}})
    assert failed.value.code == -32602 and "too large" in failed.value.message


def test_leader_schedule_covers_every_slot_in_groups_of_four(rpc, sol_net):
    m = sol_net.solana
    schedule = rpc.call("getLeaderSchedule")
    indices = sorted(k for slots in schedule.values() for k in slots)
    assert indices == list(range(S))
    for identity, slots in schedule.items():
        assert all(m.leader(first_slot(CURRENT) + k) == m.by_identity[identity].index for k in slots)
        assert all(k % 4 == 0 for k in slots[::4]) and len(slots) % 4 == 0
    # the next epoch's schedule is known; the node keeps four epochs back (their stakes), no more
    assert rpc.call("getLeaderSchedule", first_slot(CURRENT + 1)) is not None
    assert rpc.call("getLeaderSchedule", first_slot(CURRENT - 4)) is not None
    assert rpc.call("getLeaderSchedule", first_slot(CURRENT - 5)) is None
    assert rpc.call("getLeaderSchedule", first_slot(CURRENT + 2)) is None
    assert rpc.call("getLeaderSchedule", 5) is None


def test_leader_schedule_for_one_identity(rpc, sol_net):
    schedule = rpc.call("getLeaderSchedule")
    identity = next(iter(schedule))
    assert rpc.call("getLeaderSchedule", None, {"identity": identity}) == {identity: schedule[identity]}
    assert rpc.call("getLeaderSchedule", {"identity": identity}) == {identity: schedule[identity]}
    stranger = sol_net.solana.validators[0].vote  # a vote account leads nothing
    assert rpc.call("getLeaderSchedule", None, {"identity": stranger}) == {}


# ---------------------------------------------------------------- blocks
def test_get_blocks_lists_exactly_the_produced_slots(rpc, sol_net):
    m = sol_net.solana
    blocks = rpc.call("getBlocks", first_slot(7), first_slot(7) + 40)
    assert blocks == [s for s in range(first_slot(7), first_slot(7) + 41) if m.is_produced(s)]
    assert set(range(first_slot(7), first_slot(7) + 41)) - set(blocks) == set(skipped(m, 7)) & set(range(first_slot(7), first_slot(7) + 41))
    assert rpc.call("getBlocks", HEAD - 3)[-1] <= HEAD  # the end defaults to the head


def test_block_detail_levels(rpc, sol_net):
    m = sol_net.solana
    slot = rpc.call("getBlocks", first_slot(7) + 20, first_slot(7) + 40)[0]
    full = rpc.call("getBlock", slot, {"encoding": "json", "maxSupportedTransactionVersion": 0})
    txs = full["transactions"]
    assert len(txs) == len(m.block_txs(slot))
    assert all(tx["version"] == "legacy" for tx in txs)
    assert [tx["meta"]["fee"] for tx in txs] == [tx.fee for tx in m.block_txs(slot)]
    assert full["parentSlot"] < slot and full["previousBlockhash"] == rpc.call(
        "getBlock", full["parentSlot"], {"transactionDetails": "none"})["blockhash"]

    signatures = rpc.call("getBlock", slot, {"transactionDetails": "signatures"})
    assert signatures["signatures"] == [tx["transaction"]["signatures"][0] for tx in txs]
    assert "transactions" not in signatures

    accounts = rpc.call("getBlock", slot, {"transactionDetails": "accounts"})
    first = accounts["transactions"][0]
    assert first["transaction"]["signatures"] == txs[0]["transaction"]["signatures"]
    assert [k["pubkey"] for k in first["transaction"]["accountKeys"]] == txs[0]["transaction"]["message"]["accountKeys"]
    assert "logMessages" not in first["meta"] and first["meta"]["fee"] == txs[0]["meta"]["fee"]

    none = rpc.call("getBlock", slot, {"transactionDetails": "none"})
    assert "transactions" not in none and "signatures" not in none
    assert none["blockhash"] == full["blockhash"] and none["blockTime"] == full["blockTime"]

    base64 = rpc.call("getBlock", slot, {"encoding": "base64"})
    blob, encoding = base64["transactions"][0]["transaction"]
    assert encoding == "base64" and isinstance(blob, str)
    with pytest.raises(RpcFailed) as failed:
        rpc.call("getBlock", slot, {"transactionDetails": "everything"})
    assert failed.value.code == -32602


def test_block_rewards_pay_the_leader_and_can_be_left_out(rpc, sol_net):
    m = sol_net.solana
    slot = rpc.call("getBlocks", first_slot(7) + 20, first_slot(7) + 40)[0]
    with_rewards = rpc.call("getBlock", slot, {"transactionDetails": "none"})  # rewards default to true
    (fee,) = with_rewards["rewards"]
    assert fee["rewardType"] == "Fee" and fee["pubkey"] == m.validators[m.leader(slot)].identity
    assert fee["lamports"] == m.fee_reward(slot)
    # Half of every signature's 5,000 (precompile signatures included) plus every priority fee.
    txs = m.block_txs(slot)
    assert fee["lamports"] == sum(2500 * (tx.signatures + tx.precompile_signatures) + tx.priority_fee for tx in txs)
    assert "rewards" not in rpc.call("getBlock", slot, {"transactionDetails": "none", "rewards": False})


def test_the_epoch_boundary_block_credits_vote_accounts(rpc, sol_net):
    m = sol_net.solana
    slot = m.reward_slot(6)
    rewards = rpc.call("getBlock", slot, {"transactionDetails": "none", "rewards": True})["rewards"]
    voting = {r["pubkey"]: r for r in rewards if r["rewardType"] == "Voting"}
    expected = rpc.call("getInflationReward", [v.vote for v in m.validators], {"epoch": 6})
    assert {r["epoch"] for r in expected if r} == {6}
    assert {v.vote: r["amount"] for v, r in zip(m.validators, expected) if r} == {k: r["lamports"] for k, r in voting.items()}


def test_block_time_follows_the_slot_clock(rpc, sol_net):
    m = sol_net.solana
    slot = rpc.call("getBlocks", first_slot(7), first_slot(7) + 10)[0]
    assert rpc.call("getBlockTime", slot) == m.p.genesis_time + slot * 400 // 1000
    assert rpc.call("getBlock", slot, {"transactionDetails": "none"})["blockTime"] == rpc.call("getBlockTime", slot)


# ---------------------------------------------------------------- missing blocks, as real nodes report them
def test_a_recent_skipped_slot_is_error_32007(rpc, sol_net):
    slot = skipped(sol_net.solana, CURRENT)[0]
    for method, params in (("getBlock", [slot]), ("getBlockTime", [slot])):
        with pytest.raises(RpcFailed) as failed:
            rpc.call(method, *params)
        assert failed.value.code == -32007
        assert failed.value.message == f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot"


def test_an_old_skipped_slot_is_error_32009(rpc, sol_net):
    slot = skipped(sol_net.solana, 3)[0]
    with pytest.raises(RpcFailed) as failed:
        rpc.call("getBlock", slot, {"transactionDetails": "none"})
    assert failed.value.code == -32009
    assert failed.value.message == f"Slot {slot} was skipped, or missing in long-term storage"


def test_a_future_slot_is_error_32004(rpc):
    with pytest.raises(RpcFailed) as failed:
        rpc.call("getBlock", HEAD + 1)
    assert failed.value.code == -32004 and failed.value.message == f"Block not available for slot {HEAD + 1}"


# ---------------------------------------------------------------- the protocol
def test_a_batch_mixes_results_and_errors_and_echoes_ids(rpc, sol_net):
    skip = skipped(sol_net.solana, CURRENT)[0]
    body = [
        {"jsonrpc": "2.0", "id": "first", "method": "getSlot"},
        {"jsonrpc": "2.0", "id": 7, "method": "getBlock", "params": [skip]},
        {"jsonrpc": "2.0", "id": None, "method": "noSuchMethod"},
        {"jsonrpc": "2.0", "id": [1], "method": "getBlockTime", "params": ["eight"]},
        {"jsonrpc": "2.0", "id": 9, "method": "getEpochInfo"},
    ]
    replies = requests.post(rpc.url, json=body, timeout=10).json()
    assert [r["id"] for r in replies] == ["first", 7, None, [1], 9]
    assert replies[0]["result"] == HEAD
    assert replies[1]["error"]["code"] == -32007
    assert replies[2]["error"] == {"code": -32601, "message": "Method not found"}
    assert replies[3]["error"]["code"] == -32602
    assert replies[4]["result"]["epoch"] == CURRENT
    assert all(r["jsonrpc"] == "2.0" for r in replies)


def test_malformed_requests(rpc):
    assert requests.post(rpc.url, data=b"{nope", timeout=5).json()["error"]["code"] == -32700
    assert requests.post(rpc.url, json=[], timeout=5).json()["error"]["code"] == -32600
    assert requests.post(rpc.url, json={"id": 1, "method": "getSlot"}, timeout=5).json()["error"]["code"] == -32600
    reply = requests.post(rpc.url, json={"jsonrpc": "2.0", "id": 3, "method": "getSlot", "params": {"a": 1}}, timeout=5).json()
    assert reply["error"]["code"] == -32602 and reply["id"] == 3
    assert requests.get(rpc.url + "/nothing", timeout=5).status_code == 404


def test_a_node_keeping_fewer_schedules_and_an_identity_change():
    """`leader_schedule_epochs_kept` sets how far back a node answers; after an identity change
    the schedule, the Fee rewards, the vote fees and getVoteAccounts all use the new key, and
    kobe's per-epoch record shows the key of that epoch."""
    from simnet.network import NetworkSpec, SimNetwork
    from simnet.solana.model import SolanaParams
    from tests.simnet.rpc_client import Rpc

    params = SolanaParams(leader_schedule_epochs_kept=1, identity_changes=((1, 6),))
    with SimNetwork(NetworkSpec(ethereum=None, solana=params)) as net:
        m, rpc = net.solana, Rpc(net.urls["solana_rpc"])
        assert rpc.call("getLeaderSchedule", first_slot(CURRENT - 1)) is not None
        assert rpc.call("getLeaderSchedule", first_slot(CURRENT - 2)) is None
        old, new = m.identity_at(1, 5), m.identity_at(1, 6)
        assert old == m.validators[1].identity and new != old and m.identity_at(1, CURRENT) == new
        schedule = rpc.call("getLeaderSchedule", first_slot(CURRENT))
        assert old not in schedule and all(m.leader(first_slot(CURRENT) + k) == 1 for k in schedule.get(new, []))
        accounts = rpc.call("getVoteAccounts")
        nodes = {a["votePubkey"]: a["nodePubkey"] for a in accounts["current"] + accounts["delinquent"]}
        assert nodes[m.validators[1].vote] == new
        for epoch, identity in ((5, old), (6, new)):
            slot = next(s for s in m.produced_slots(first_slot(epoch), first_slot(epoch + 1) - 1) if m.leader(s) == 1)
            block = rpc.call("getBlock", slot, {"transactionDetails": "none", "rewards": True})
            assert [r["pubkey"] for r in block["rewards"] if r["rewardType"] == "Fee"] == [identity]
            kobe = requests.post(f"{net.urls['jito']}/api/v1/validators", json={"epoch": epoch}, timeout=10).json()
            assert {v["vote_account"]: v["identity_account"] for v in kobe["validators"]}[m.validators[1].vote] == identity
