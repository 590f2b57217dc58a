"""The ground-truth ledger agrees with what the simulated APIs publish.

Each component is recomputed here the way a warehouse would, from HTTP answers only (blocks,
inflation rewards, vote credits, kobe), and compared with simnet.solana.ledger, which reads the
model's state. A disagreement means the simnet would grade Aurora against the wrong numbers.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict

import pytest
import requests

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


def test_the_fee_split_adds_up_from_transaction_detail(net, ledger):
    node, m, epoch = Rpc(net.urls["solana_rpc"]), net.solana, 7
    slots = node.call("getBlocks", epoch * S, (epoch + 1) * S - 1)
    base, priority = defaultdict(int), defaultdict(int)
    for reply in node.batch([("getBlock", [s, {"encoding": "json", "transactionDetails": "full", "rewards": False}]) for s in slots]):
        leader = m.validators[m.leader(slots[reply["id"]])].vote
        for tx in reply["result"]["transactions"]:
            signatures = tx["transaction"]["message"]["header"]["numRequiredSignatures"]
            base[leader] += 2500 * signatures  # half of 5,000 per signature is burned
            priority[leader] += tx["meta"]["fee"] - 5000 * signatures  # all of it to the leader
    for v in m.validators:
        row = ledger[v.vote, epoch]
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
