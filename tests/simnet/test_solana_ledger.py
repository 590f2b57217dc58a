"""The ground-truth ledger agrees with what the simulated APIs publish.

Each component is recomputed here the way a warehouse would, from HTTP answers only (blocks,
inflation rewards, vote credits, kobe), and compared with simnet.solana.ledger, which reads the
model's state. A disagreement means the simnet would grade Aurora against the wrong numbers.
"""

from __future__ import annotations

import base64
import csv
import math
from collections import defaultdict

import pytest
import requests

from simnet.keys import b58decode
from simnet.ledger import LEDGER_COLUMNS, Facts, Outage, write_ledger
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.ledger import solana_ledger
from simnet.solana.model import SolanaModel, SolanaParams
from tests.simnet.rpc_client import Rpc

S = 96
# Head 60 slots into epoch 8: epochs 4..7 are complete, inside the 5-epoch credit window, and
# settled at Jito (which settles 48 slots into the next epoch).
HEAD = 8 * S + 60
EPOCHS = [4, 5, 6, 7]


@pytest.fixture(scope="module")
def net():
    with SimNetwork(NetworkSpec(solana=SolanaParams(head_slot=HEAD), ethereum=None)) as network:
        yield network


@pytest.fixture(scope="module")
def published(net):
    """Per (vote account, epoch): each ledger component as computed from the APIs."""
    node, kobe = Rpc(net.urls["solana_rpc"]), net.urls["jito"]
    accounts = node.call("getVoteAccounts")
    accounts = accounts["current"] + accounts["delinquent"]
    vote_of = {a["nodePubkey"]: a["votePubkey"] for a in accounts}
    votes = [a["votePubkey"] for a in accounts]
    out: dict[tuple[str, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for epoch in EPOCHS:
        slots = node.call("getBlocks", epoch * S, (epoch + 1) * S - 1)
        blocks = node.batch([("getBlock", [s, {"transactionDetails": "none", "rewards": True}]) for s in slots])
        for reply in blocks:
            for reward in reply["result"]["rewards"]:
                if reward["rewardType"].lower() == "fee":
                    out[vote_of[reward["pubkey"]], epoch]["block_fees"] += reward["lamports"]
        for vote, reward in zip(votes, node.call("getInflationReward", votes, {"epoch": epoch})):
            out[vote, epoch]["issuance"] = reward["amount"] if reward else 0
        kobe_entries = requests.post(f"{kobe}/api/v1/validators", json={"epoch": epoch}, timeout=10).json()["validators"]
        for entry in kobe_entries:
            mev, bps = entry["mev_rewards"], entry["mev_commission_bps"]
            out[entry["vote_account"], epoch]["mev"] = mev * bps // 10_000 if mev is not None and bps is not None else 0
            shared, share_bps = entry["priority_fee_rewards"], entry["priority_fee_commission_bps"]
            kept = shared * share_bps // 10_000 if shared is not None and share_bps is not None else 0
            out[entry["vote_account"], epoch]["priority_fee_sharing"] = (shared or 0) - kept
    for account in accounts:
        for epoch, credits, previous in account["epochCredits"]:
            if epoch in EPOCHS:  # each timely vote earns 16 credits and costs one 5,000-lamport signature
                out[account["votePubkey"], epoch]["vote_costs"] = math.ceil((credits - previous) / 16) * 5000
    return out


@pytest.fixture(scope="module")
def ledger(net):
    return {(r.validator_key, int(r.period_id)): r for r in solana_ledger(net.solana, EPOCHS)}


COMPONENTS = ["block_fees", "issuance", "mev", "vote_costs", "priority_fee_sharing"]


@pytest.mark.parametrize("component", COMPONENTS)
def test_each_component_matches_the_apis(ledger, published, component):
    assert len(ledger) == 12 * len(EPOCHS)
    mismatches = {key: (getattr(row, component), published[key][component]) for key, row in ledger.items()
                  if getattr(row, component) != published[key][component]}
    assert not mismatches
    assert sum(getattr(row, component) for row in ledger.values()) > 0  # the comparison is not 0 == 0


PRECOMPILES = {"Ed25519SigVerify111111111111111111111111111", "KeccakSecp256k11111111111111111111111111111",
               "Secp256r1SigVerify1111111111111111111111111"}


@pytest.mark.parametrize("epoch", [2, 7])  # before and after SIMD-0096 (activated at epoch 3 here)
def test_the_fee_split_adds_up_from_transaction_detail(net, epoch):
    """From transaction detail alone: each signature, a transaction's or one a precompile
    instruction verifies (the data's first byte), costs 5,000; meta.fee minus that is the
    priority fee. Per block the runtime burns half the base fees (half of all fees before
    SIMD-0096, the burn rounded down) and pays the rest to the leader as its Fee reward."""
    node, m = Rpc(net.urls["solana_rpc"]), net.solana
    (activated,) = [node.call("getAccountInfo", "3opE3EzAKnUftUDURkzMgwpNgimBAypW1mNDYH4x4Zg7", {"encoding": "base64"})["value"]]
    full_priority_from = int.from_bytes(base64.b64decode(activated["data"][0])[1:9], "little")
    slots = node.call("getBlocks", epoch * S, (epoch + 1) * S - 1)
    base, priority, precompile_signatures = defaultdict(int), defaultdict(int), 0
    for reply in node.batch([("getBlock", [s, {"encoding": "json", "transactionDetails": "full", "rewards": True}]) for s in slots]):
        slot, block = slots[reply["id"]], reply["result"]
        block_base = block_priority = 0
        for tx in block["transactions"]:
            message = tx["transaction"]["message"]
            signatures = len(tx["transaction"]["signatures"])
            for ix in message["instructions"]:
                if message["accountKeys"][ix["programIdIndex"]] in PRECOMPILES:
                    signatures += b58decode(ix["data"])[0]
                    precompile_signatures += b58decode(ix["data"])[0]
            block_base += 5000 * signatures
            block_priority += tx["meta"]["fee"] - 5000 * signatures
        leader_base = block_base - block_base // 2
        if slot >= full_priority_from:
            leader_priority = block_priority
        else:
            total = block_base + block_priority
            leader_priority = total - total // 2 - leader_base
        (fee_reward,) = [r["lamports"] for r in block["rewards"] if r["rewardType"] == "Fee"]
        assert fee_reward == leader_base + leader_priority, slot
        leader = m.validators[m.leader(slot)].vote
        base[leader] += leader_base
        priority[leader] += leader_priority
    assert precompile_signatures > 0 and sum(priority.values()) > 0
    ledger = {r.validator_key: r for r in solana_ledger(m, [epoch])}
    for v in m.validators:
        row = ledger[v.vote]
        assert (row.block_fees_base, row.block_fees_priority) == (base[v.vote], priority[v.vote])
        assert row.block_fees == row.block_fees_base + row.block_fees_priority


def test_rows_carry_the_epochs_times_and_finality(net, ledger):
    node = Rpc(net.urls["solana_rpc"])
    for epoch in EPOCHS:
        slots = node.call("getBlocks", epoch * S, (epoch + 1) * S - 1)
        first, last = node.call("getBlockTime", slots[0]), node.call("getBlockTime", slots[-1])
        for (vote, e), row in ledger.items():
            if e == epoch:
                assert (row.period_start.timestamp(), row.period_end.timestamp()) == (first, last)
                # One run at the head (epoch 8): credits of 4..7 seen whole, Jito settled for all.
                assert row.is_final and row.data_gaps == () and row.awaiting == ()
                assert row.period_type == "epoch" and row.chain == "solana"
    row = ledger[net.solana.validators[0].vote, 6]
    assert row.gross_revenue == row.issuance + row.block_fees + row.mev - row.priority_fee_sharing
    assert row.net_pnl == row.gross_revenue - row.vote_costs


def test_the_current_epoch_has_no_row_and_validators_can_be_chosen(net):
    m = net.solana
    rows = solana_ledger(m, range(6, 10), validators=[m.validators[2].vote])
    assert [(r.validator_key, r.period_id) for r in rows] == [(m.validators[2].vote, "6"), (m.validators[2].vote, "7")]


def test_finality_follows_the_evidence_and_the_lag_turns_waits_into_gaps():
    """Jito settling after the lag (2 epochs after E+1 starts): awaited inside the lag, a gap after
    it, final once settled; credits never seen by a run within four epochs: a gap; an outage: a
    gap at once, with the input it leaves missing."""
    model = SolanaModel(SolanaParams(jito_settle_slots=2 * S, head_slot=7 * S + 5))
    jito, plain = model.validators[0].vote, model.validators[3].vote  # 3 does not run Jito
    runs = Facts(runs=(5 * S, 6 * S, 7 * S + 5))
    rows = {(r.validator_key, r.period_id): r for r in solana_ledger(model, [4, 5, 6], [jito, plain], facts=runs)}
    assert rows[jito, "4"].is_final  # settled at 7S: 2 * S into epoch 5
    assert (rows[jito, "5"].data_gaps, rows[jito, "5"].awaiting) == (("mev_unsettled",), ())  # past the lag (5 + 1 < 7)
    assert (rows[jito, "6"].data_gaps, rows[jito, "6"].awaiting) == ((), ("mev_unsettled",))  # inside it
    assert rows[plain, "5"].is_final and rows[plain, "6"].is_final  # nothing to wait for without Jito
    late = {(r.validator_key, r.period_id): r for r in solana_ledger(model, [1], [plain], facts=Facts(runs=(7 * S + 5,)))}
    assert late[plain, "1"].data_gaps == ("vote_credits_unobserved",)
    outage = Facts(runs=runs.runs, outages=(Outage("rewards", frozenset({"6"}), frozenset({plain})),))
    row = next(r for r in solana_ledger(model, [6], [plain], facts=outage))
    assert (row.data_gaps, row.awaiting, row.is_final) == (("provider_failed:rewards",), ("issuance_unavailable",), False)
    scanless = next(r for r in solana_ledger(model, [4], None, facts=Facts(runs=runs.runs, block_scan=False)))
    assert "block_fees_not_scanned" in scanless.data_gaps


def test_a_burned_fee_reward_breaks_the_fee_split_from_the_facts():
    """The model burns one block's Fee reward: its leader's row keeps the paid Fee rewards as the
    total, states no base/priority split and carries invariant_failed:fee_split (not final); the
    other leaders of the epoch are untouched. A fee_split outage (a wrong answer) does the same."""
    plain = SolanaModel(SolanaParams(head_slot=HEAD))
    slot = next(s for s in plain.produced_slots(5 * S, 6 * S - 1))
    model = SolanaModel(SolanaParams(head_slot=HEAD, fee_burned_slots=frozenset({slot})))
    leader = model.validators[model.leader(slot)].vote
    rows = {r.validator_key: r for r in solana_ledger(model, [5])}
    before = {r.validator_key: r for r in solana_ledger(plain, [5])}
    burned = rows[leader]
    assert burned.data_gaps == ("invariant_failed:fee_split",) and not burned.is_final
    assert (burned.block_fees_base, burned.block_fees_priority) == (None, None)
    assert burned.block_fees == before[leader].block_fees - plain.fee_reward(slot)
    assert all(rows[v] == before[v] for v in rows if v != leader)
    wrong = Facts(runs=(HEAD,), outages=(Outage("fees", frozenset({"5"}), frozenset({leader}), gap="invariant_failed:fee_split"),))
    row = next(r for r in solana_ledger(plain, [5], [leader], facts=wrong))
    assert (row.data_gaps, row.block_fees_base, row.block_fees) == (("invariant_failed:fee_split",), None, before[leader].block_fees)


def test_the_csv_has_the_documented_columns_and_round_trips(net, ledger, tmp_path):
    path = tmp_path / "ledger.csv"
    write_ledger(list(ledger.values()), path)
    with path.open() as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == LEDGER_COLUMNS
        records = list(reader)
    assert len(records) == len(ledger)
    assert [(r["period_id"], r["validator_key"]) for r in records] == sorted((r["period_id"], r["validator_key"]) for r in records)
    for record in records:
        row = ledger[record["validator_key"], int(record["period_id"])]
        assert int(record["net_pnl"]) == row.net_pnl and int(record["mev"]) == row.mev
        assert record["period_start"] == row.period_start.isoformat() and record["is_final"] == str(row.is_final)
