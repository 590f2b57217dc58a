"""The ground-truth ledger: its rows, that it is what a warehouse gets from the APIs, that
principal never becomes income, the exceptions, and finality."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timezone

import pytest
import requests

from simnet.ethereum import EthereumModel
from simnet.ethereum.beacon import BeaconApi
from simnet.ethereum.execution import ExecutionApi
from simnet.ethereum.ledger import ethereum_exceptions, ethereum_ledger, principal_events, principal_flows, queued_principal
from simnet.ethereum.relay import RelayApi
from simnet.faults import FaultPlan
from simnet.http import SimServer

GWEI = 10**9


@pytest.fixture(scope="module")
def model():
    # 2025-01-04 complete (its last epoch is 196) and not final: the consolidations it processes
    # can be added up from the APIs
    return EthereumModel(head_slot=(196 + 3) * 8, archive=True)


@pytest.fixture(scope="module")
def net(model):
    servers = {"beacon": SimServer(BeaconApi(model), FaultPlan()).start(),
               "execution": SimServer(ExecutionApi(model), FaultPlan()).start()}
    for relay in model.params.relays:
        servers[relay] = SimServer(RelayApi(model, relay), FaultPlan()).start()
    yield {k: s.url for k, s in servers.items()}
    for s in servers.values():
        s.stop()


def test_rows():
    model = EthereumModel()  # the default head: 2025-01-04 is incomplete
    rows = ethereum_ledger(model, model.days())
    by_day = Counter(r.period_id for r in rows)
    assert by_day == {"2025-01-01": 64, "2025-01-02": 65, "2025-01-03": 65, "2025-01-04": 65}
    for r in rows:
        assert r.chain == "ethereum" and r.period_type == "day"
        assert r.period_start == datetime.fromisoformat(r.period_id).replace(tzinfo=timezone.utc)
        assert (r.period_end - r.period_start).days == 1
        assert r.block_fees_base is None and r.block_fees_priority is None
        assert r.vote_costs == r.priority_fee_sharing == 0 and r.penalties >= 0
        assert r.issuance % GWEI == 0 and r.penalties % GWEI == 0
        # The default node is pruned (three days of states): the genesis day's history is gone;
        # the head's day is not finalized yet. The days between are final.
        flags = {"2025-01-01": (("history_unavailable",), ()), "2025-01-04": ((), ("not_finalized",))}
        assert (r.data_gaps, r.awaiting) == flags.get(r.period_id, ((), ()))
        assert r.is_final == (r.period_id in ("2025-01-02", "2025-01-03"))
    assert ethereum_ledger(model, ["2025-01-02"], validators=[5, 64, 999]) == \
        [r for r in rows if r.period_id == "2025-01-02" and r.validator_key in ("5", "64")]
    assert ethereum_ledger(model, ["2024-12-31", "2025-01-09"]) == []
    total = {r.validator_key: r for r in rows if r.period_id == "2025-01-02"}
    assert total["12"].issuance > 0 and total["64"].issuance > 0  # the exit and the new validator both earned
    assert any(r.block_fees > 0 for r in rows) and any(r.mev > 0 for r in rows)


class Warehouse:
    """What a loader would compute for one day from the public APIs alone."""

    def __init__(self, model: EthereumModel, urls: dict[str, str], day: str):
        self.model, self.urls = model, urls
        # one connection per request: with keep-alive the core server's responses wait ~40 ms on
        # Nagle + delayed ACK (its handler does not set TCP_NODELAY)
        self.s = requests
        self.epochs = model.epochs_of_day(day)
        self.slots = range(self.epochs.start * 8, self.epochs.stop * 8)

    def beacon(self, path, body=None, method="GET"):
        r = self.s.request(method, self.urls["beacon"] + path, json=body, timeout=30)
        r.raise_for_status()
        return r.json()

    def rpc(self, method, *params):
        r = self.s.post(self.urls["execution"], json={"jsonrpc": "2.0", "id": 1, "method": method,
                                                      "params": list(params)}, timeout=30)
        return r.json()["result"]

    def attestation(self, epoch) -> dict[int, int]:
        data = self.beacon(f"/eth/v1/beacon/rewards/attestations/{epoch}", [], "POST")["data"]["total_rewards"]
        return {int(r["validator_index"]): [int(r[k]) for k in ("head", "target", "source", "inactivity")]
                for r in data}

    def relay_values(self) -> dict[str, dict]:
        """Delivered payloads of the day's slots from every relay, deduped by block hash."""
        out: dict[str, dict] = {}
        for name in self.model.params.relays:
            cursor = self.slots[-1]
            while True:
                page = self.s.get(self.urls[name] + "/relay/v1/data/bidtraces/proposer_payload_delivered",
                                  params={"cursor": cursor}, timeout=30).json()
                page = [t for t in page if int(t["slot"]) >= self.slots.start]
                out.update((t["block_hash"], t) for t in page)
                if len(page) < 200:
                    break
                cursor = int(page[-1]["slot"]) - 1
        return out

    def run(self):
        income = defaultdict(lambda: [0, 0, 0, 0])  # issuance gwei, penalties gwei, fees wei, mev wei
        credited: Counter[int] = Counter()
        flows: Counter[int] = Counter()
        for e in range(self.epochs.start - 2, self.epochs[-1] + 1):
            for v, parts in self.attestation(e).items():
                if e >= self.epochs.start:
                    income[v][0] += sum(parts)
                    income[v][1] -= sum(x for x in parts if x < 0)
                if e <= self.epochs[-1] - 2:
                    credited[v] += sum(parts)
        bids = self.relay_values()
        head = self.beacon("/eth/v1/beacon/states/head/validators")["data"]
        index_of = {v["validator"]["pubkey"]: int(v["index"]) for v in head}
        record = {int(v["index"]): v["validator"] for v in head}
        first, last = self.slots.start, self.slots[-1]
        # Electra's queues: what left them between the bounding states was applied in the day
        queued = Counter()
        for state, sign in ((first - 1, 1), (last, -1)):
            for d in self.beacon(f"/eth/v1/beacon/states/{state}/pending_deposits")["data"]:
                queued[(d["pubkey"], int(d["amount"]), int(d["slot"]))] += sign
        consolidations = {(int(c["source_index"]), int(c["target_index"]))
                          for c in self.beacon(f"/eth/v1/beacon/states/{first - 1}/pending_consolidations")["data"]}
        for slot in self.slots:
            r = self.s.get(self.urls["beacon"] + f"/eth/v2/beacon/blocks/{slot}", timeout=30)
            if r.status_code == 404:
                continue
            body = r.json()["data"]["message"]["body"]
            reward = self.beacon(f"/eth/v1/beacon/rewards/blocks/{slot}")["data"]
            proposer = int(reward["proposer_index"])
            income[proposer][0] += int(reward["total"])
            credited[proposer] += int(reward["total"])
            for row in self.beacon(f"/eth/v1/beacon/rewards/sync_committee/{slot}", None, "POST")["data"]:
                v, amount = int(row["validator_index"]), int(row["reward"])
                income[v][0] += amount
                income[v][1] += -amount if amount < 0 else 0
                credited[v] += amount
            payload = body["execution_payload"]
            for w in payload["withdrawals"]:
                flows[int(w["validator_index"])] -= int(w["amount"])
            for d in body["execution_requests"]["deposits"]:
                queued[(d["pubkey"], int(d["amount"]), slot)] += 1
            for c in body["execution_requests"]["consolidations"]:
                consolidations.add((index_of[c["source_pubkey"]], index_of[c["target_pubkey"]]))
            number = hex(int(payload["block_number"]))
            bid = bids.get(payload["block_hash"])
            recipient = self.model.expected_fee_recipient(proposer)  # the operator's list
            if bid is None and payload["fee_recipient"] != recipient:  # a builder's block, its relay not asked
                block = self.rpc("eth_getBlockByNumber", number, True)
                tail = block["transactions"][-1]
                if tail["from"] == block["miner"] and tail["to"] == recipient:
                    income[proposer][3] += int(tail["value"], 16)
            elif bid is None:  # locally built: the priority fees
                block = self.rpc("eth_getBlockByNumber", number, False)
                base = int(block["baseFeePerGas"], 16)
                income[proposer][2] += sum((int(x["effectiveGasPrice"], 16) - base) * int(x["gasUsed"], 16)
                                           for x in self.rpc("eth_getBlockReceipts", number))
            else:  # MEV-Boost: what the builder actually paid to proposer_fee_recipient
                block = self.rpc("eth_getBlockByNumber", number, True)
                income[proposer][3] += sum(int(t["value"], 16) for t in block["transactions"]
                                           if t["to"] == bid["proposer_fee_recipient"] and t["from"] == block["miner"])
        for (pubkey, amount, _), n in queued.items():
            flows[index_of[pubkey]] += amount * n
        for c in {(int(c["source_index"]), int(c["target_index"]))
                  for c in self.beacon(f"/eth/v1/beacon/states/{last}/pending_consolidations")["data"]}:
            consolidations.discard(c)
        for source, target in consolidations:  # processed at the source's withdrawable epoch
            w = int(record[source]["withdrawable_epoch"])
            assert first <= w * 8 <= last
            (before,) = self.beacon(f"/eth/v1/beacon/states/{w * 8 - 1}/validators", {"ids": [str(source)]}, "POST")["data"]
            reward = sum(self.attestation(w - 2).get(source, [0]))
            moved = min(int(before["balance"]) + reward, int(before["validator"]["effective_balance"]))
            flows[source] -= moved
            flows[target] += moved
        return income, credited, flows

    def balances(self, slot) -> dict[int, int]:
        data = self.beacon(f"/eth/v1/beacon/states/{slot}/validators", {}, "POST")["data"]
        return {int(v["index"]): int(v["balance"]) for v in data}


@pytest.mark.parametrize("day", ["2025-01-02", "2025-01-03", "2025-01-04"])
def test_ledger_is_what_the_apis_add_up_to(model, net, day):
    wh = Warehouse(model, net, day)
    income, credited, flows = wh.run()
    rows = {int(r.validator_key): r for r in ethereum_ledger(model, [day])}
    assert set(rows) <= set(income) | set(range(65))
    for v, row in rows.items():
        issuance, penalties, fees, mev = income[v]
        assert (row.issuance, row.penalties, row.block_fees, row.mev) == \
            (issuance * GWEI, penalties * GWEI, fees, mev), v
    # balances: what is left after rewards and the principal the state moved (withdrawals, the
    # deposits and consolidations the queues processed) is the slashing, and nothing else
    before, after = wh.balances(wh.slots.start - 1), wh.balances(wh.slots[-1])
    residual = {v: after[v] - before.get(v, 0) - credited[v] - flows[v] for v in after}
    ev = model.events
    expected = Counter()
    if ev.slashing_slot in wh.slots:
        expected[ev.slashed_validator] -= model.slashing_penalty()
    assert {v: r for v, r in residual.items() if r} == {v: r for v, r in expected.items() if r}


def test_principal_flows_never_become_income(model):
    """Over days 2-4, income = balance change - principal, up to the two-epoch crediting shift."""
    days = ["2025-01-02", "2025-01-03", "2025-01-04"]
    a, b = model.epochs_of_day(days[0]).start, model.epochs_of_day(days[-1])[-1]
    first, last = a * 8, b * 8 + 7
    ledger = defaultdict(int)
    for r in ethereum_ledger(model, days):
        ledger[int(r.validator_key)] += r.issuance // GWEI
    principal = Counter()
    for e in principal_events(model, days):
        principal[e.validator_index] += e.signed_gwei
    kinds = {e.kind for e in principal_events(model, days)}
    assert {"deposit", "top_up", "consolidation_in", "consolidation_out", "full_withdrawal",
            "partial_withdrawal", "voluntary_exit", "slashing_penalty"} <= kinds
    for v in range(65):
        change = model.balance(v, last) - (model.balance(v, first - 1))
        shift = sum(model.attestation_total(e, v) for e in (b - 1, b)) - \
            sum(model.attestation_total(e, v) for e in (a - 2, a - 1))
        assert ledger[v] - shift == change - principal[v], v
        assert abs(ledger[v]) < GWEI, v  # a couple of days of rewards: far below any principal move


def test_exceptions(model, net):
    rows = ethereum_exceptions(model, model.days())
    by_kind = {r.kind: r for r in rows}
    assert set(by_kind) == {"slashing", "mev_value_mismatch", "mev_payment_missing", "unexpected_fee_recipient",
                            "relay_value_disagreement", "relay_not_configured"}
    ev = model.events
    slashing = by_kind["slashing"]
    assert (slashing.validator_key, slashing.slot, slashing.expected, slashing.actual) == \
        (str(ev.slashed_validator), ev.slashing_slot, 0, -model.slashing_penalty() * GWEI)
    assert slashing.period_id == model.day_of_epoch(ev.slashing_slot // 8).isoformat()
    for kind, slot in model.mev_anomalies.items():
        row = by_kind[kind]
        assert row.slot == slot and row.validator_key == str(model.proposer(slot))
        bid = requests.get(net[model.relays_for(slot)[0]] + "/relay/v1/data/bidtraces/proposer_payload_delivered",
                           params={"slot": slot}, timeout=30).json()[0]
        if kind == "mev_value_mismatch":
            assert row.expected == int(bid["value"]) and 0 < row.actual < row.expected
        elif kind == "mev_payment_missing":
            assert row.expected == int(bid["value"]) and row.actual == 0
        else:
            assert bid["proposer_fee_recipient"] != model.expected_fee_recipient(model.proposer(slot))
            assert row.actual == int(bid["value"])
        day_rows = ethereum_ledger(model, [row.period_id], validators=[int(row.validator_key)])
        assert day_rows[0].mev >= row.actual
    # relays disagreeing on one block: one row per relay claim, each with the value that relay
    # reported; the block paid the higher claim
    slot = ev.relay_disagreement_slot
    claims = sorted((r.expected, r.actual) for r in rows if r.kind == "relay_value_disagreement")
    reported = []
    for relay in model.relays_for(slot):
        (trace,) = requests.get(net[relay] + "/relay/v1/data/bidtraces/proposer_payload_delivered",
                                params={"slot": slot}, timeout=30).json()
        reported.append(int(trace["value"]))
    paid = model.payloads.block(slot).paid
    assert claims == sorted((value, paid) for value in reported) and len(set(reported)) == 2 and paid == max(reported)
    # blocks only an unconfigured relay delivered: no configured relay knows them; one paid the
    # proposer at the end of the block, the other paid nothing
    unconfigured = {r.slot: r for r in rows if r.kind == "relay_not_configured"}
    assert set(unconfigured) == {ev.unconfigured_relay_slot, ev.unconfigured_unpaid_slot}
    for slot, row in unconfigured.items():
        assert all(requests.get(url + "/relay/v1/data/bidtraces/proposer_payload_delivered", params={"slot": slot},
                                timeout=30).json() == [] for name, url in net.items() if name in model.params.relays)
        block = model.payloads.block(slot)
        assert block.miner != model.expected_fee_recipient(model.proposer(slot)) and row.expected is None
        assert row.actual == (block.paid if slot == ev.unconfigured_relay_slot else 0)
    assert unconfigured[ev.unconfigured_relay_slot].actual > 0
    assert ethereum_exceptions(model, ["2025-01-01"]) == []


def test_late_days_are_restated_until_final():
    m = EthereumModel(head_slot=8 * 120 + 4)  # in the middle of 2025-01-03 (epochs 85..140)
    day = date(2025, 1, 3)
    early = {r.validator_key: r for r in ethereum_ledger(m, [day])}
    settled_before = ethereum_ledger(m, [date(2025, 1, 2)])
    assert not any(r.is_final for r in early.values()) and all(r.is_final for r in settled_before)
    m.set_head(8 * 145)
    late = {r.validator_key: r for r in ethereum_ledger(m, [day])}
    assert all(r.is_final for r in late.values())
    assert sum(r.issuance for r in late.values()) > sum(r.issuance for r in early.values())
    assert ethereum_ledger(m, [date(2025, 1, 2)]) == settled_before  # final rows never change
    assert late == {r.validator_key: r for r in ethereum_ledger(EthereumModel(), [day])}


def test_principal_as_a_warehouse_books_it_and_what_stays_queued(model):
    """Queue-applied deposits on the day the queue applied them (at its last slot, the first state
    to show them applied), consolidations at their transition's slot; at each day's end, what the
    queues still hold."""
    ev = model.events
    flows = principal_flows(model, ["2025-01-02", "2025-01-03", "2025-01-04"])
    last_of_jan3 = model.epochs_of_day("2025-01-03")[-1] * 8 + 7
    assert [f for f in flows if f[1] == "top_up"] == [("7", "top_up", "2025-01-03", last_of_jan3, 96 * 10**18)]
    assert [f for f in flows if f[1] == "deposit"] == [
        ("64", "deposit", "2025-01-02", model.epochs_of_day("2025-01-02")[-1] * 8 + 7, 32 * 10**18)]
    moves = sorted(f for f in flows if f[1].startswith("consolidation"))
    assert {(f[2], f[3]) for f in moves} == {("2025-01-04", ev.consolidation_epoch * 8)}
    assert sum(f[4] for f in moves) == 0 and sorted(f[4] for f in moves if f[0] == "23") == sorted(
        v * GWEI for v in model.sim.consolidated.values())
    assert queued_principal(model, "2025-01-02") == {"7": {"deposits": 96 * 10**18, "withdrawals": 0,
                                                         "consolidation_out": 0, "consolidation_in": 0}}
    jan3 = queued_principal(model, "2025-01-03")
    assert set(jan3) == {"10", "26", "23"} and jan3["23"]["consolidation_in"] == jan3["10"]["consolidation_out"] + \
        jan3["26"]["consolidation_out"]
    for source in (10, 26):  # valued as the end state shows the source
        assert jan3[str(source)]["consolidation_out"] == min(model.balance(source, last_of_jan3), 32 * GWEI) * GWEI
    assert queued_principal(model, "2025-01-01") == queued_principal(model, "2025-01-04") == {}
    # before the deposit queue created it, the new validator is known by its pubkey only
    early = EthereumModel(head_slot=ev.deposit_slot + 1)
    (key,) = queued_principal(early, early.day_of_epoch(ev.deposit_slot // 8))
    assert key == early.pubkey(64)
