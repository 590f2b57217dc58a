"""Every published Solana payload parses, and bad ones are named by endpoint and field."""

from __future__ import annotations

import copy

import pytest

from loaders.providers import PayloadError
from loaders.solana import helpers
from tests.support.fixtures import fixture_paths, load, result_of

FAKE_VOTE = "Vote111111111111111111111111111111111111111"


@pytest.mark.parametrize("path", fixture_paths("solana", "getEpochSchedule"), ids=lambda p: p.name)
def test_epoch_schedules_parse(path):
    schedule = helpers.parse_epoch_schedule(result_of(load(path)))
    # Warmup epochs double from 32 slots until firstNormalEpoch, then stay at slotsPerEpoch.
    assert schedule.first_slot(schedule.first_normal_epoch) == schedule.first_normal_slot
    if schedule.warmup:
        assert schedule.slots_in(0) == 32 and schedule.first_slot(1) == 32
    for epoch in range(0, schedule.first_normal_epoch + 3):
        assert schedule.epoch_of(schedule.first_slot(epoch)) == epoch
        assert schedule.epoch_of(schedule.last_slot(epoch)) == epoch


def test_epoch_schedule_math_against_the_docs_epoch_info():
    schedule = helpers.parse_epoch_schedule(result_of(load(fixture_paths("solana", "getEpochSchedule")[0])))
    info = helpers.parse_epoch_info(result_of(load(fixture_paths("solana", "getEpochInfo")[0])))
    # The docs' examples describe one warmup cluster: slot 166598 is slot 2790 of epoch 27.
    assert schedule.epoch_of(info.absolute_slot) == info.epoch == 27
    assert info.absolute_slot - schedule.first_slot(info.epoch) == info.slot_index == 2790


def test_mainnet_schedule_without_warmup():
    schedule = helpers.EpochSchedule(432000, 432000, False, 0, 0)
    # getInflationReward for epoch 1000 reports effectiveSlot 432432000: the first slot of 1001.
    assert schedule.first_slot(1001) == 432_432_000
    assert schedule.epoch_of(432_431_999) == 1000


@pytest.mark.parametrize("path", fixture_paths("solana", "getEpochInfo"), ids=lambda p: p.name)
def test_epoch_infos_parse(path):
    info = helpers.parse_epoch_info(result_of(load(path)))
    assert 0 <= info.slot_index < info.slots_in_epoch


@pytest.mark.parametrize("path", fixture_paths("solana", "getVoteAccounts"), ids=lambda p: p.name)
def test_vote_accounts_parse(path):
    rows = helpers.parse_vote_accounts(result_of(load(path)))
    assert rows
    for row in rows:
        assert 0 <= row["commission"] <= 100
        for credit in row["epoch_credits"]:
            assert credit["credits"] >= credit["previous_credits"]


def test_vote_accounts_keep_the_basis_point_commission_when_reported():
    (path,) = [p for p in fixture_paths("solana", "getVoteAccounts") if "epoch1001" in p.name]
    (row,) = helpers.parse_vote_accounts(result_of(load(path)))
    assert row["commission"] == 7 and row["commission_bps"] == 700
    assert row["epoch_credits"][-1] == {"epoch": 1001, "credits": 2311757453, "previous_credits": 2308040079}


def test_vote_account_commission_in_either_form():
    result = copy.deepcopy(result_of(load([p for p in fixture_paths("solana", "getVoteAccounts") if "epoch1001" in p.name][0])))
    entry = result["current"][0]
    entry["commission"] = None  # basis points only
    entry["inflationRewardsCommissionBps"] = 725
    assert helpers.parse_vote_accounts(result)[0]["commission_bps"] == 725
    entry.pop("commission")
    assert helpers.parse_vote_accounts(result)[0]["commission_bps"] == 725
    entry["commission"] = 9
    entry.pop("inflationRewardsCommissionBps")  # percent only (older nodes)
    assert helpers.parse_vote_accounts(result)[0]["commission_bps"] == 900
    entry.pop("commission")
    with pytest.raises(PayloadError, match=r"getVoteAccounts: result\.current\[0\]\.commission: missing or null, and no inflationRewardsCommissionBps"):
        helpers.parse_vote_accounts(result)


def test_delinquent_vote_accounts_are_flagged():
    rows = [r for p in fixture_paths("solana", "getVoteAccounts") for r in helpers.parse_vote_accounts(result_of(load(p)))]
    assert any(r["is_delinquent"] for r in rows) and any(not r["is_delinquent"] for r in rows)


def inflation_answer(path):
    """The result array of a getInflationReward payload (one published as a lone entry, wrapped)."""
    result = result_of(load(path))
    return [result] if isinstance(result, dict) else result


INFLATION_PAYLOADS = [p for p in fixture_paths("solana", "getInflationReward") if ".docs." not in p.name]


@pytest.mark.parametrize("path", INFLATION_PAYLOADS, ids=lambda p: p.name)
def test_inflation_rewards_parse(path):
    result = inflation_answer(path)
    epoch = next(entry["epoch"] for entry in result if entry)
    rows = helpers.parse_inflation_rewards(result, [FAKE_VOTE] * len(result), epoch)
    assert len(rows) == len(result)
    assert all(r["rewarded"] == (entry is not None) for r, entry in zip(rows, result))
    # Every rewarded row has its commission in basis points, whichever field carried it.
    assert all(0 <= r["commission_bps"] <= 10_000 for r in rows if r["rewarded"])


@pytest.mark.parametrize("name, epoch, amount, commission, commission_bps", [
    ("sava-mainnet-epoch781", 781, 1_940_761_929, 5, 500),
    ("sava-mainnet-epoch1000", 1000, 342_915_536_456, 7, 700),
    ("marinade-mainnet-epoch1001-entry", 1001, 530_714_233, 3, 300),
    # SIMD-0291: `commission: null`, `commissionBps: 300`; never read as "no commission".
    ("marinade-mainnet-epoch1005-bps-entry", 1005, 591_366_523, None, 300),
])
def test_both_inflation_reward_shapes_give_basis_points(name, epoch, amount, commission, commission_bps):
    (path,) = [p for p in INFLATION_PAYLOADS if name in p.name]
    (row,) = helpers.parse_inflation_rewards(inflation_answer(path), [FAKE_VOTE], epoch)
    assert (row["amount"], row["commission"], row["commission_bps"]) == (amount, commission, commission_bps)


def test_the_docs_example_without_any_commission_is_rejected_naming_the_field():
    """The docs' illustrative answer has neither `commission` nor `commissionBps`: a vote account's
    reward always carries one, so Aurora refuses to guess rather than store no commission."""
    (path,) = [p for p in fixture_paths("solana", "getInflationReward") if ".docs." in p.name]
    result = result_of(load(path))
    with pytest.raises(PayloadError, match=r"getInflationReward: result\[0\]\.commission: missing or null, and no commissionBps either"):
        helpers.parse_inflation_rewards(result, [FAKE_VOTE, FAKE_VOTE], 2)


@pytest.mark.parametrize("entry, message", [
    ({"commission": None}, r"result\[0\]\.commission: missing or null, and no commissionBps either"),
    ({"commission": 3, "commissionBps": 700}, r"result\[0\]\.commission: 3% disagrees with commissionBps 700"),
    ({"commission": None, "commissionBps": 10_001}, r"result\[0\]\.commissionBps: expected basis points 0-10000, got 10001"),
    ({"commission": None, "commissionBps": "300"}, r"result\[0\]\.commissionBps: expected an integer, got '300'"),
])
def test_unknown_commission_shapes_are_rejected_naming_the_field(entry, message):
    base = {"amount": 1, "effectiveSlot": 432_864_000, "epoch": 1001, "postBalance": 2}
    with pytest.raises(PayloadError, match=message):
        helpers.parse_inflation_rewards([{**base, **entry}], [FAKE_VOTE], 1001)


def test_a_percent_rounded_from_basis_points_either_way_agrees():
    base = {"amount": 1, "effectiveSlot": 1, "epoch": 5, "postBalance": 2}
    for percent in (10, 11):
        (row,) = helpers.parse_inflation_rewards([{**base, "commission": percent, "commissionBps": 1050}], [FAKE_VOTE], 5)
        assert row["commission_bps"] == 1050


def test_inflation_reward_for_another_epoch_is_rejected():
    (path,) = [p for p in fixture_paths("solana", "getInflationReward") if "epoch1000" in p.name]
    with pytest.raises(PayloadError, match=r"getInflationReward: result\[0\]\.epoch: asked for epoch 999, got 1000"):
        helpers.parse_inflation_rewards(result_of(load(path)), [FAKE_VOTE], 999)


@pytest.mark.parametrize("path", fixture_paths("solana", "getLeaderSchedule"), ids=lambda p: p.name)
def test_leader_schedules_parse(path):
    schedule = helpers.parse_leader_schedule(result_of(load(path)), first_slot=1000, slots_in_epoch=10**7)
    assert schedule and all(slot >= 1000 for slots in schedule.values() for slot in slots)


@pytest.mark.parametrize("path", fixture_paths("solana", "getBlockProduction"), ids=lambda p: p.name)
def test_block_production_parses(path):
    production = helpers.parse_block_production(result_of(load(path)))
    assert production["by_identity"]
    assert all(produced <= slots for slots, produced in production["by_identity"].values())


@pytest.mark.parametrize("path", fixture_paths("solana", "getBlock"), ids=lambda p: p.name)
def test_blocks_parse(path):
    block = result_of(load(path))
    row = helpers.parse_block(block, 1, 5000, None, rewards_requested="rewards" in block)
    assert row["produced"] and row["fee_reward_lamports"] >= 0
    if row["base_fee_lamports"] is not None:
        assert row["transaction_count"] > 0


def test_block_fee_reward_goes_to_the_leader_whatever_the_casing():
    (path,) = [p for p in fixture_paths("solana", "getBlock") if "solana-go-testnet-json" in p.name]
    block = result_of(load(path))
    leader = block["rewards"][0]["pubkey"]
    assert helpers.parse_block(block, 1, 5000, leader)["fee_reward_lamports"] == 1595000
    lower = copy.deepcopy(block)
    lower["rewards"][0]["rewardType"] = "fee"  # the docs' spelling
    assert helpers.parse_block(lower, 1, 5000, leader)["fee_reward_lamports"] == 1595000
    assert helpers.parse_block(block, 1, 5000, FAKE_VOTE)["fee_reward_lamports"] == 0


def test_fee_split_from_transactions():
    (path,) = [p for p in fixture_paths("solana", "getBlock") if "docs-full" in p.name]
    row = helpers.parse_block(result_of(load(path)), 430, 5000, None, rewards_requested=False)
    # One vote transaction: 1 signature, fee 5000 -> the leader keeps 2500, no priority fee.
    assert (row["base_fee_lamports"], row["priority_fee_lamports"], row["signature_count"]) == (2500, 0, 1)
    assert row["precompile_signature_count"] == 0 and row["fee_split_mismatch"] is None


@pytest.mark.parametrize("encoding", ["base64", "json"])
def test_a_trimmed_real_block_is_flagged_not_split(encoding):
    """solana-go's recorded testnet block keeps its Fee reward (1,595,000 lamports: 638 signatures'
    halves) but only two of its vote transactions: the parts (2 x 2,500) cannot add up, and the
    block says so instead of booking a split. Encoded (base64) transactions are decoded."""
    (path,) = [p for p in fixture_paths("solana", "getBlock") if f"solana-go-testnet-{encoding}" in p.name]
    block = result_of(load(path))
    row = helpers.parse_block(block, 83987984, 5000, block["rewards"][0]["pubkey"])
    assert row["fee_reward_lamports"] == 1_595_000
    assert (row["base_fee_lamports"], row["priority_fee_lamports"], row["transaction_count"]) == (5000, 0, 2)
    assert row["fee_split_mismatch"] == (
        "Fee reward 1595000 != base 5000 + priority 0 = 5000 (the leader's shares of the transactions' fees)")


def test_a_block_without_the_rewards_it_was_asked_for_is_rejected():
    (path,) = [p for p in fixture_paths("solana", "getBlock") if "docs-full" in p.name]
    with pytest.raises(PayloadError, match=r"getBlock: result\(slot 430\)\.rewards: missing"):
        helpers.parse_block(result_of(load(path)), 430, 5000, None)


# ---------------------------------------------------------------- fees as the runtime charges them
TX_PAYLOADS = fixture_paths("solana", "getTransaction")


def transactions(name: str) -> list[dict]:
    (path,) = [p for p in TX_PAYLOADS if name in p.name]
    result = result_of(load(path))
    return result if isinstance(result, list) else [result]


def fee_of(tx: dict) -> helpers.TransactionFee:
    from loaders.payload import Reader

    return helpers.transaction_fee(Reader("getTransaction"), tx, "result", 5000)


@pytest.mark.parametrize("path", TX_PAYLOADS, ids=lambda p: p.name)
def test_every_real_transaction_fee_decomposes_to_the_lamport(path):
    """meta.fee = 5,000 x (transaction signatures + precompile signatures) + the priority fee the
    compute-budget instructions request, exactly, for every recorded transaction (mainnet
    Wormhole transactions with secp256k1 instructions verifying 6 and 7 signatures, a 2025
    mainnet swap with a compute-unit price, testnet votes)."""
    result = result_of(load(path))
    for tx in result if isinstance(result, list) else [result]:
        fee = fee_of(tx)
        assert fee is not None
        assert fee.base + fee.priority == fee.fee
        assert fee.priority == fee.requested_priority, (tx.get("slot"), fee)


def test_secp256k1_signatures_are_charged_like_transaction_signatures():
    fees = {tx["slot"]: fee_of(tx) for tx in transactions("swim-mainnet-wormhole")}
    # Wormhole verify_signatures, mainnet slot 120833725: 2 transaction signatures and one
    # secp256k1 instruction verifying 7 guardian signatures: 9 x 5,000 = 45,000, no priority fee.
    vaa = fees[120833725]
    assert (vaa.fee, vaa.signatures, vaa.precompile_signatures, vaa.base, vaa.priority) == (45_000, 2, 7, 45_000, 0)
    assert (fees[120833802].precompile_signatures, fees[120833802].fee) == (6, 40_000)
    # The old split (base = signatures only) would have called 35,000 of it a priority fee.
    assert vaa.fee - 5000 * vaa.signatures == 35_000


def test_the_priority_fee_is_price_times_limit_rounded_up():
    (tx,) = transactions("sava-mainnet")
    # Mainnet slot 361781236 (base64, v0): SetComputeUnitLimit 137,822, SetComputeUnitPrice
    # 15,030 micro-lamports: 2,071.46466 lamports, charged 2,072 (agave get_prioritization_fee).
    fee = fee_of(tx)
    assert (fee.fee, fee.base, fee.priority, fee.requested_priority) == (7072, 5000, 2072, 2072)


def _block(transactions: list, fee_reward: int | None, leader: str = "Fd7btgySsrjuo25CJCj7oE7VPMyezDhnx7pZkj2v69Nk") -> dict:
    block = {"blockHeight": 1, "blockTime": 1, "blockhash": FAKE_VOTE, "parentSlot": 9, "previousBlockhash": FAKE_VOTE,
             "transactions": transactions, "rewards": []}
    if fee_reward is not None:
        block["rewards"] = [{"commission": None, "lamports": fee_reward, "postBalance": 1, "pubkey": leader, "rewardType": "Fee"}]
    return block


def _tx(signatures: int, fee: int, instructions: list[tuple[str, bytes]]) -> dict:
    """A JSON-encoded transaction whose instructions are (program, data)."""
    from loaders.solana.helpers import _b58encode

    programs = sorted({program for program, _ in instructions})
    keys = [_b58encode(bytes([k + 1]) * 32) for k in range(signatures)] + programs
    return {
        "meta": {"err": None, "fee": fee, "postBalances": [], "preBalances": []},
        "transaction": {
            "message": {"accountKeys": keys, "header": {}, "recentBlockhash": FAKE_VOTE, "instructions": [
                {"accounts": [], "data": _b58encode(data), "programIdIndex": keys.index(program)} for program, data in instructions]},
            "signatures": [FAKE_VOTE] * signatures,
        },
    }


ED25519 = "Ed25519SigVerify111111111111111111111111111"
SECP256K1 = "KeccakSecp256k11111111111111111111111111111"
SECP256R1 = "Secp256r1SigVerify1111111111111111111111111"
BUDGET = "ComputeBudget111111111111111111111111111111"
LIMIT = bytes([2]) + (200_000).to_bytes(4, "little")
PRICE = bytes([3]) + (10_000).to_bytes(8, "little")  # 200,000 CU x 10,000 micro-lamports = 2,000 lamports


def test_five_ed25519_signatures_the_issue_block():
    """The issue's block: 5 Ed25519 verify instructions. Their 5 signatures are base fees (half
    burned), not priority fees: the old split was 12,500 lamports off its Fee reward."""
    verify = [(ED25519, bytes([1, 0]) + bytes(14 + 128))] * 5
    txs = [_tx(1, 5000 * 6 + 2000, [(BUDGET, LIMIT), (BUDGET, PRICE)] + verify), _tx(1, 5000, [])]
    fee_reward = (5000 * 7) // 2 + 2000  # SIMD-0096: half the base fees, all the priority fee
    row = helpers.parse_block(_block(txs, fee_reward), 320_112_000, helpers.FeeRules(5000, 320_112_000), None)
    assert (row["base_fee_lamports"], row["priority_fee_lamports"]) == (17_500, 2_000)
    assert row["base_fee_lamports"] + row["priority_fee_lamports"] == row["fee_reward_lamports"] == 19_500
    assert (row["signature_count"], row["precompile_signature_count"], row["fee_split_mismatch"]) == (2, 5, None)
    old_split = 2500 * 2 + (5000 * 6 + 2000 - 5000) + 0  # base from transaction signatures only
    assert old_split - fee_reward == 12_500


def test_multi_signature_precompile_instructions_count_their_first_byte():
    txs = [_tx(2, 5000 * (2 + 3 + 4 + 2), [(ED25519, bytes([3, 0])), (SECP256K1, bytes([4])), (SECP256R1, bytes([2, 0])),
                                           (ED25519, b"")])]  # empty data: 0 signatures
    row = helpers.parse_block(_block(txs, 5000 * 11 // 2), 5, helpers.FeeRules(5000, 0), None)
    assert (row["precompile_signature_count"], row["base_fee_lamports"], row["priority_fee_lamports"]) == (9, 27_500, 0)
    assert row["fee_split_mismatch"] is None


def test_before_simd_0096_half_the_whole_fee_is_burned_rounding_the_burn_down():
    txs = [_tx(1, 5000 + 7, [(BUDGET, LIMIT), (BUDGET, bytes([3]) + (35).to_bytes(8, "little"))])]  # 200,000 x 35 -> 7
    before = helpers.FeeRules(5000, 1000)  # activated at slot 1000
    row = helpers.parse_block(_block(txs, 2504), 999, before, None)  # 5007 - floor(5007 / 2) = 2504
    assert (row["base_fee_lamports"], row["priority_fee_lamports"], row["fee_split_mismatch"]) == (2500, 4, None)
    after = helpers.parse_block(_block(txs, 2507), 1000, before, None)
    assert (after["base_fee_lamports"], after["priority_fee_lamports"], after["fee_split_mismatch"]) == (2500, 7, None)
    never = helpers.parse_block(_block(txs, 2504), 10**9, helpers.FeeRules(5000, None), None)
    assert never["priority_fee_lamports"] == 4


def test_a_burned_fee_reward_is_flagged_and_the_fee_reward_stands():
    """The runtime burns the deposit when the leader cannot receive it: no Fee reward at all."""
    row = helpers.parse_block(_block([_tx(1, 5000, [])], None), 5, 5000, "Fd7btgySsrjuo25CJCj7oE7VPMyezDhnx7pZkj2v69Nk")
    assert row["fee_reward_lamports"] == 0
    assert row["fee_split_mismatch"].startswith("Fee reward 0 != base 2500 + priority 0")


def test_a_priority_fee_its_compute_budget_does_not_request_is_flagged():
    txs = [_tx(1, 5000 + 2001, [(BUDGET, LIMIT), (BUDGET, PRICE)])]
    row = helpers.parse_block(_block(txs, 2500 + 2001), 5, 5000, None)
    assert row["fee_split_mismatch"] == (
        "transactions[0]: priority fee 2001 (meta.fee - base fee) differs from the 2000 its compute-budget instructions request")
    assert row["base_fee_lamports"] is None and row["priority_fee_lamports"] is None
    below = helpers.parse_block(_block([_tx(1, 4000, [])], 2000), 5, 5000, None)
    assert below["fee_split_mismatch"].startswith("transactions[0]: meta.fee 4000 is below its base fee 5000")


def test_a_price_without_a_limit_is_not_checked_and_a_limit_is_capped():
    fee = fee_of(_tx(1, 5000 + 123, [(BUDGET, PRICE)]))
    assert fee.requested_priority is None and fee.priority == 123  # the default limit depends on features
    huge = bytes([2]) + (2_000_000).to_bytes(4, "little")
    assert fee_of(_tx(1, 5000 + 14_000, [(BUDGET, huge), (BUDGET, PRICE)])).requested_priority == 14_000  # 1.4M CU


def test_accounts_detail_without_instructions_splits_only_blocks_without_precompiles():
    tx = {"meta": {"fee": 5000}, "transaction": {"accountKeys": [{"pubkey": FAKE_VOTE, "signer": True}], "signatures": [FAKE_VOTE]}}
    assert fee_of(tx).base == 5000
    tx["transaction"]["accountKeys"].append({"pubkey": ED25519, "signer": False})
    assert fee_of(tx) is None  # its precompile signatures are unknown: no split, never a guess


@pytest.mark.parametrize("mutate, message", [
    (lambda tx: tx["transaction"]["message"]["instructions"][0].update(programIdIndex=9),
     r"transactions\[0\]\.transaction\.message\.instructions\[0\]\.programIdIndex: 9 is beyond the message's 2 account keys"),
    (lambda tx: tx["transaction"]["message"]["instructions"][0].update(data="0OIl"),
     r"transactions\[0\]\.transaction\.message\.instructions\[0\]\.data: not base58"),
    (lambda tx: tx["meta"].update(fee="5000"), r"transactions\[0\]\.meta\.fee: expected an integer, got '5000'"),
])
def test_bad_transactions_name_the_field(mutate, message):
    tx = _tx(1, 10_000, [(ED25519, bytes([1, 0]))])
    mutate(tx)
    with pytest.raises(PayloadError, match=message):
        helpers.parse_block(_block([tx], 5000), 5, 5000, None)


@pytest.mark.parametrize("answer, slot", [
    ({"context": {"slot": 9}, "value": {"data": ["AYCFFBMAAAAA", "base64"], "executable": False, "lamports": 953520,
                                        "owner": "Feature111111111111111111111111111111111111", "rentEpoch": 0, "space": 9}}, 320_112_000),  # epoch 741 x 432,000
    ({"context": {"slot": 9}, "value": {"data": ["AAAAAAAAAAAA", "base64"], "executable": False, "lamports": 953520,
                                        "owner": "Feature111111111111111111111111111111111111", "rentEpoch": 0, "space": 9}}, None),
    ({"context": {"slot": 9}, "value": None}, None),
])
def test_the_simd_0096_feature_account_gives_its_activation_slot(answer, slot):
    assert helpers.parse_feature_activation(answer) == slot


def test_a_feature_account_of_another_owner_is_rejected():
    answer = {"context": {"slot": 9}, "value": {"data": ["AQAAAAAAAAAA", "base64"], "owner": FAKE_VOTE}}
    with pytest.raises(PayloadError, match=r"getAccountInfo: result\.value\.owner: .* not the feature program"):
        helpers.parse_feature_activation(answer)


@pytest.mark.parametrize(
    "mutate,message",
    [
        (lambda r: r["current"][0].update(activatedStake="12.5e"), r"getVoteAccounts: result\.current\[0\]\.activatedStake: expected an integer, got '12\.5e'"),
        (lambda r: r["current"][0].pop("votePubkey"), r"getVoteAccounts: result\.current\[0\]\.votePubkey: missing"),
        (lambda r: r["current"][0].update(commission=140), r"getVoteAccounts: result\.current\[0\]\.commission: expected a percentage 0-100, got 140"),
        (lambda r: r["current"][0]["epochCredits"].append([5, 1]), r"getVoteAccounts: result\.current\[0\]\.epochCredits\[\d+\]: expected \[epoch, credits, previousCredits\]"),
        (lambda r: r.update(current={"a": 1}), r"getVoteAccounts: result\.current: expected an array"),
    ],
)
def test_bad_vote_accounts_name_the_field(mutate, message):
    result = copy.deepcopy(result_of(load(fixture_paths("solana", "getVoteAccounts")[0])))
    mutate(result)
    with pytest.raises(PayloadError, match=message):
        helpers.parse_vote_accounts(result)


def test_bad_block_names_the_field():
    block = copy.deepcopy(result_of(load(fixture_paths("solana", "getBlock")[0])))
    block["parentSlot"] = "429"
    with pytest.raises(PayloadError, match=r"getBlock: result\(slot 7\)\.parentSlot: expected an integer, got '429'"):
        helpers.parse_block(block, 7, 5000, None, rewards_requested=False)
