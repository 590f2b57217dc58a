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


def test_delinquent_vote_accounts_are_flagged():
    rows = [r for p in fixture_paths("solana", "getVoteAccounts") for r in helpers.parse_vote_accounts(result_of(load(p)))]
    assert any(r["is_delinquent"] for r in rows) and any(not r["is_delinquent"] for r in rows)


@pytest.mark.parametrize("path", fixture_paths("solana", "getInflationReward"), ids=lambda p: p.name)
def test_inflation_rewards_parse(path):
    result = result_of(load(path))
    epoch = next(entry["epoch"] for entry in result if entry)
    rows = helpers.parse_inflation_rewards(result, [FAKE_VOTE] * len(result), epoch)
    assert len(rows) == len(result)
    assert all(r["rewarded"] == (entry is not None) for r, entry in zip(rows, result))


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
    row = helpers.parse_block(result_of(load(path)), 1, 5000, None)
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
    row = helpers.parse_block(result_of(load(path)), 430, 5000, None)
    # One vote transaction: 1 signature, fee 5000 -> the leader keeps 2500, no priority fee.
    assert (row["base_fee_lamports"], row["priority_fee_lamports"], row["signature_count"]) == (2500, 0, 1)


def test_encoded_transactions_leave_the_split_unknown():
    (path,) = [p for p in fixture_paths("solana", "getBlock") if "base64" in p.name]
    row = helpers.parse_block(result_of(load(path)), 1, 5000, None)
    assert row["base_fee_lamports"] is None and row["transaction_count"] > 0


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
        helpers.parse_block(block, 7, 5000, None)
