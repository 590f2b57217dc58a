"""Pure functions over execution JSON-RPC answers (ethereum/execution-apis): hex quantities, wei."""

from __future__ import annotations

from typing import Any

from loaders.payload import Reader


def parse_block(result: Any) -> dict[str, Any]:
    """eth_getBlockByNumber(number, true): the block and its transactions (value transfers)."""
    r = Reader("eth_getBlockByNumber")
    if result is None:
        raise r.fail("result", "is null: the node does not have the block")
    number = r.hex_quantity(result, "number", "result")
    block = {
        "block_number": number,
        "block_hash": r.str(result, "hash", "result").lower(),
        "miner": r.str(result, "miner", "result").lower(),
        "base_fee_per_gas_wei": r.hex_quantity(result, "baseFeePerGas", "result"),
        "gas_used": r.hex_quantity(result, "gasUsed", "result"),
        "timestamp": r.hex_quantity(result, "timestamp", "result"),
    }
    transactions = []
    for k, tx in enumerate(r.list(result, "transactions", "result")):
        at = f"result.transactions[{k}]"
        if isinstance(tx, str):
            raise r.fail(at, "is a hash: ask for full transactions (second parameter true)")
        to = r.str(tx, "to", at, nullable=True)
        transactions.append({
            "block_number": number,
            "transaction_index": r.hex_quantity(tx, "transactionIndex", at),
            "transaction_hash": r.str(tx, "hash", at).lower(),
            "from_address": r.str(tx, "from", at).lower(),
            "to_address": to.lower() if to else None,
            "value_wei": r.hex_quantity(tx, "value", at),
        })
    block["transaction_count"] = len(transactions)
    return {"block": block, "transactions": transactions}


def parse_receipts(result: Any, block_number: int) -> list[dict[str, Any]]:
    """eth_getBlockReceipts: per transaction, the gas used and the price actually paid."""
    r = Reader("eth_getBlockReceipts")
    if not isinstance(result, list):
        raise r.fail("result", "expected an array of receipts")
    rows = []
    for k, receipt in enumerate(result):
        at = f"result[{k}]"
        reported = r.hex_quantity(receipt, "blockNumber", at)
        if reported != block_number:
            raise r.fail(f"{at}.blockNumber", f"asked for block {block_number}, got {reported}")
        rows.append({
            "block_number": block_number,
            "transaction_hash": r.str(receipt, "transactionHash", at).lower(),
            "gas_used": r.hex_quantity(receipt, "gasUsed", at),
            "effective_gas_price_wei": r.hex_quantity(receipt, "effectiveGasPrice", at),
        })
    return rows
