"""Execution JSON-RPC: numbering, tags, receipts, fee recipients, builder payments."""

from __future__ import annotations

import re

import pytest
import requests

from simnet.ethereum import EthereumModel
from simnet.ethereum.execution import ExecutionApi
from simnet.faults import FaultPlan
from simnet.http import SimServer


@pytest.fixture(scope="module")
def el():
    model = EthereumModel()
    server = SimServer(ExecutionApi(model), FaultPlan()).start()
    yield model, server.url
    server.stop()


def call(url, method, *params):
    body = requests.post(url, json={"jsonrpc": "2.0", "id": 7, "method": method, "params": list(params)},
                         timeout=30).json()
    assert body["id"] == 7
    if "error" in body:
        raise AssertionError(body["error"])
    return body["result"]


def test_numbering_and_tags(el):
    model, url = el
    head = model.latest_block_slot(model.head_slot)
    assert int(call(url, "eth_blockNumber"), 16) == model.block_number(head) == len(model.produced_slots(1, head))
    latest = call(url, "eth_getBlockByNumber", "latest", False)
    assert int(latest["number"], 16) == model.block_number(head)
    assert int(latest["timestamp"], 16) == model.slot_time(head)
    finalized = call(url, "eth_getBlockByNumber", "finalized", False)
    assert int(finalized["timestamp"], 16) <= model.slot_time(model.finalized_slot)
    genesis = call(url, "eth_getBlockByNumber", "earliest", False)
    assert genesis["number"] == "0x0" and genesis["transactions"] == []
    assert call(url, "eth_getBlockByNumber", hex(model.block_number(head) + 1), False) is None
    # consecutive numbers over produced slots, hash-linked
    first = call(url, "eth_getBlockByNumber", "0x1", False)
    second = call(url, "eth_getBlockByNumber", "0x2", False)
    assert second["parentHash"] == first["hash"] and first["parentHash"] == genesis["hash"]
    assert call(url, "eth_getBlockByHash", second["hash"], False) == second
    body = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber",
                                    "params": ["12", False]}, timeout=30).json()
    assert body["error"]["code"] == -32602
    batch = requests.post(url, json=[{"jsonrpc": "2.0", "id": i, "method": "eth_getBlockByNumber",
                                      "params": [hex(i), False]} for i in (3, 4)], timeout=30).json()
    assert [b["result"]["number"] for b in batch] == ["0x3", "0x4"]


def priority_fees(block, receipts) -> int:
    base = int(block["baseFeePerGas"], 16)
    return sum((int(r["effectiveGasPrice"], 16) - base) * int(r["gasUsed"], 16) for r in receipts)


def test_local_blocks_pay_the_fee_recipient_priority_fees(el):
    model, url = el
    local = [s for s in model.produced_slots(1, 300) if not model.is_mev_boost(s)][:5]
    assert local
    for slot in local:
        number = hex(model.block_number(slot))
        block = call(url, "eth_getBlockByNumber", number, True)
        assert block["miner"] == model.expected_fee_recipient(model.proposer(slot))
        receipts = call(url, "eth_getBlockReceipts", number)
        assert receipts == call(url, "eth_getBlockReceipts", block["hash"])
        assert [r["transactionHash"] for r in receipts] == [t["hash"] for t in block["transactions"]]
        assert priority_fees(block, receipts) == model.payloads.local_priority_fees(slot) > 0
        assert int(block["gasUsed"], 16) == int(receipts[-1]["cumulativeGasUsed"], 16)
        assert not any(t["from"] == block["miner"] for t in block["transactions"])


def test_mev_boost_blocks_end_with_the_builder_payment(el):
    model, url = el
    mev = [s for s in model.produced_slots(1, 300) if model.is_mev_boost(s)][:10]
    assert len(mev) == 10
    for slot in mev:
        block = call(url, "eth_getBlockByNumber", hex(model.block_number(slot)), True)
        payment = block["transactions"][-1]
        assert payment["from"] == block["miner"] != model.expected_fee_recipient(model.proposer(slot))
        assert payment["to"] == model.expected_fee_recipient(model.proposer(slot))
        assert int(payment["value"], 16) == int(model.payloads.bid_trace(slot)["value"])
        receipt = call(url, "eth_getTransactionReceipt", payment["hash"])
        assert receipt["transactionHash"] == payment["hash"] and receipt["status"] == "0x1"


def test_planted_payment_anomalies(el):
    model, url = el
    ev = model.events
    underpaid = call(url, "eth_getBlockByNumber", hex(model.block_number(ev.mev_underpaid_slot)), True)
    claimed = int(model.payloads.bid_trace(ev.mev_underpaid_slot)["value"])
    assert 0 < int(underpaid["transactions"][-1]["value"], 16) < claimed
    missing = call(url, "eth_getBlockByNumber", hex(model.block_number(ev.mev_payment_missing_slot)), True)
    recipient = model.expected_fee_recipient(model.proposer(ev.mev_payment_missing_slot))
    assert not any(t["from"] == missing["miner"] or t["to"] == recipient for t in missing["transactions"])
    slot = ev.mev_unexpected_recipient_slot
    trace = model.payloads.bid_trace(slot)
    assert trace["proposer_fee_recipient"] != model.expected_fee_recipient(model.proposer(slot))
    odd = call(url, "eth_getBlockByNumber", hex(model.block_number(slot)), True)
    assert odd["transactions"][-1]["to"] == trace["proposer_fee_recipient"]
    assert int(odd["transactions"][-1]["value"], 16) == int(trace["value"])


def test_withdrawals_and_blobs(el):
    model, url = el
    slot = model.events.exit_slot + 8 * 10
    while not model.block_produced(slot):
        slot += 1
    block = call(url, "eth_getBlockByNumber", hex(model.block_number(slot)), False)
    assert [(int(w["validatorIndex"], 16), int(w["amount"], 16)) for w in block["withdrawals"]] == \
        [(w.validator_index, w.amount) for w in model.withdrawals(slot)]
    blobby = next(s for s in model.produced_slots(1, 400) if model.payloads.block(s).blob_gas_used)
    number = hex(model.block_number(blobby))
    block = call(url, "eth_getBlockByNumber", number, True)
    receipts = call(url, "eth_getBlockReceipts", number)
    blob_txs = [t for t in block["transactions"] if t["type"] == "0x3"]
    assert blob_txs and all(t["blobVersionedHashes"] for t in blob_txs)
    assert sum(int(r.get("blobGasUsed", "0x0"), 16) for r in receipts) == int(block["blobGasUsed"], 16)


def test_every_block_withdraws_and_full_transactions_carry_fee_fields(el):
    """Full transaction objects have no published payload: their keys are the execution-apis
    transaction schema's (EIP-1559 and blob transactions), quantities 0x hex."""
    model, url = el
    number = hex(model.block_number(model.events.topup_slot))
    assert call(url, "eth_getBlockByNumber", number, False)["withdrawals"], "the sweep withdraws in every block"
    for tx in call(url, "eth_getBlockByNumber", number, True)["transactions"]:
        assert {"hash", "from", "to", "value", "gas", "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas",
                "nonce", "type", "blockNumber", "transactionIndex"} <= set(tx)
        assert all(re.fullmatch(r"0x(0|[1-9a-f][0-9a-f]*)", tx[k]) for k in ("value", "gas", "gasPrice", "nonce", "type"))
