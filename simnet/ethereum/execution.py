"""Execution-layer JSON-RPC (ethereum/execution-apis): blocks and receipts with 0x hex quantities.

Block 0 is the EL genesis; block n is the n-th produced beacon slot. Tags: latest/pending = the
head's block, safe = the justified checkpoint's, finalized = the finalized checkpoint's,
earliest = 0. Unknown (future) blocks answer null, as geth does.
"""

from __future__ import annotations

import re
from typing import Any

from simnet.ethereum.model import EthereumModel
from simnet.ethereum.payload import ElBlock, Tx
from simnet.jsonrpc import JsonRpcApi, invalid_params
from simnet.keys import eth_hash, hex_bytes

_HASH = re.compile(r"^0x[0-9a-fA-F]{64}$")
_QUANTITY = re.compile(r"^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$")
EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347"
EMPTY_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421"
ZERO_BLOOM = "0x" + "00" * 256


def q(n: int) -> str:
    return hex(n)


class ExecutionApi(JsonRpcApi):
    name = "execution"

    def __init__(self, model: EthereumModel):
        self.model = model
        self._tx_index: dict[str, tuple[int, int]] = {}
        self._tx_indexed = 0
        self.methods = {
            "eth_chainId": lambda params: q(model.params.chain_id),
            "eth_blockNumber": lambda params: q(self._head_number()),
            "eth_syncing": lambda params: False,
            "eth_getBlockByNumber": self.get_block_by_number,
            "eth_getBlockByHash": self.get_block_by_hash,
            "eth_getBlockReceipts": self.get_block_receipts,
            "eth_getTransactionReceipt": self.get_transaction_receipt,
        }

    def param_view(self, method: str, params: list[Any]) -> dict[str, Any]:
        if not params:
            return {}
        first = params[0]
        if isinstance(first, str) and _QUANTITY.match(first):
            return {"block": int(first, 16)}
        if isinstance(first, dict):
            first = first.get("blockNumber") or first.get("blockHash")
        return {"block": first}

    # ------------------------------------------------------------ block resolution
    def _head_number(self) -> int:
        m = self.model
        return m.block_number(m.latest_block_slot(m.head_slot)) or 0

    def _slot_for_tag(self, tag: Any) -> int | None:
        """Beacon slot of the block a tag/number names (0 = EL genesis), None if unknown."""
        m = self.model
        if not isinstance(tag, str):
            raise invalid_params("invalid argument 0: block number must be a hex string or tag")
        if tag in ("latest", "pending"):
            return m.latest_block_slot(m.head_slot)
        if tag == "earliest":
            return 0
        if tag == "safe":
            return m.latest_block_slot(m.justified_epoch * m.S)
        if tag == "finalized":
            return m.latest_block_slot(m.finalized_slot)
        if not _QUANTITY.match(tag):
            raise invalid_params(f"invalid argument 0: hex string without 0x prefix or bad tag: {tag!r}")
        number = int(tag, 16)
        if number > self._head_number():
            return None
        return m.slot_of_block_number(number)

    def _slot_for_hash(self, block_hash: Any) -> int | None:
        if not isinstance(block_hash, str) or not _HASH.match(block_hash):
            raise invalid_params("invalid argument 0: block hash must be 32 bytes of hex")
        return self.model.slot_of_root("el", block_hash)

    def _full_flag(self, params: list[Any]) -> bool:
        if len(params) < 2 or not isinstance(params[1], bool):
            raise invalid_params("missing value for required argument 1 (fullTx bool)")
        return params[1]

    def get_block_by_number(self, params: list[Any]) -> dict[str, Any] | None:
        if not params:
            raise invalid_params("missing value for required argument 0")
        full = self._full_flag(params)
        slot = self._slot_for_tag(params[0])
        return None if slot is None else self.block_json(slot, full)

    def get_block_by_hash(self, params: list[Any]) -> dict[str, Any] | None:
        if not params:
            raise invalid_params("missing value for required argument 0")
        full = self._full_flag(params)
        slot = self._slot_for_hash(params[0])
        return None if slot is None else self.block_json(slot, full)

    def get_block_receipts(self, params: list[Any]) -> list[dict[str, Any]] | None:
        if len(params) != 1:
            raise invalid_params("expected 1 argument (block number, tag or hash)")
        ref = params[0]
        if isinstance(ref, dict):
            ref = ref.get("blockHash") or ref.get("blockNumber")
        slot = self._slot_for_hash(ref) if isinstance(ref, str) and len(ref) == 66 else self._slot_for_tag(ref)
        if slot is None:
            return None
        if slot == 0:
            return []
        block = self.model.payloads.block(slot)
        return [self.receipt_json(block, tx) for tx in block.txs]

    def get_transaction_receipt(self, params: list[Any]) -> dict[str, Any] | None:
        if len(params) != 1 or not isinstance(params[0], str) or not _HASH.match(params[0]):
            raise invalid_params("expected 1 argument: transaction hash")
        m = self.model
        with m.lock:  # index the transactions of blocks up to the head, once
            head = m.head_slot
            for slot in m.produced_slots(self._tx_indexed + 1, head):
                for t in m.payloads.block(slot).txs:
                    self._tx_index[t.hash] = (slot, t.index)
            self._tx_indexed = max(self._tx_indexed, head)
        found = self._tx_index.get(params[0].lower())
        if found is None or found[0] > head:
            return None
        block = m.payloads.block(found[0])
        return self.receipt_json(block, block.txs[found[1]])

    # ------------------------------------------------------------ JSON shapes
    def _genesis_json(self, full: bool) -> dict[str, Any]:
        m = self.model
        seed = m.params.seed
        return {
            "baseFeePerGas": q(1_000_000_000), "blobGasUsed": "0x0", "difficulty": "0x0", "excessBlobGas": "0x0",
            "extraData": "0x", "gasLimit": q(36_000_000), "gasUsed": "0x0", "hash": m.el_block_hash(0),
            "logsBloom": ZERO_BLOOM, "miner": "0x" + "00" * 20, "mixHash": "0x" + "00" * 32,
            "nonce": "0x0000000000000000", "number": "0x0",
            "parentBeaconBlockRoot": "0x" + "00" * 32, "parentHash": "0x" + "00" * 32,
            "receiptsRoot": EMPTY_ROOT, "requestsHash": eth_hash(seed, "requests-hash", 0),
            "sha3Uncles": EMPTY_UNCLES, "size": q(600), "stateRoot": eth_hash(seed, "el-state-root", 0),
            "timestamp": q(m.params.genesis_time), "transactions": [], "transactionsRoot": EMPTY_ROOT,
            "uncles": [], "withdrawals": [], "withdrawalsRoot": EMPTY_ROOT,
        }

    def block_json(self, slot: int, full: bool) -> dict[str, Any]:
        if slot == 0:
            return self._genesis_json(full)
        m = self.model
        seed = m.params.seed
        b = m.payloads.block(slot)
        withdrawals = [{"index": q(w.index), "validatorIndex": q(w.validator_index), "address": w.address,
                        "amount": q(w.amount)} for w in m.withdrawals(slot)]
        txs = [self.tx_json(b, t) for t in b.txs] if full else [t.hash for t in b.txs]
        return {
            "baseFeePerGas": q(b.base_fee), "blobGasUsed": q(b.blob_gas_used), "difficulty": "0x0",
            "excessBlobGas": q(b.excess_blob_gas), "extraData": b.extra_data, "gasLimit": q(b.gas_limit),
            "gasUsed": q(b.gas_used), "hash": b.hash, "logsBloom": ZERO_BLOOM, "miner": b.miner,
            "mixHash": eth_hash(seed, "prev-randao", slot), "nonce": "0x0000000000000000", "number": q(b.number),
            "parentBeaconBlockRoot": m.block_root(m.latest_block_slot(slot - 1)), "parentHash": b.parent_hash,
            "receiptsRoot": eth_hash(seed, "receipts-root", slot),
            "requestsHash": eth_hash(seed, "requests-hash", slot),
            "sha3Uncles": EMPTY_UNCLES, "size": q(600 + 180 * len(b.txs)),
            "stateRoot": eth_hash(seed, "el-state-root", slot), "timestamp": q(b.timestamp), "transactions": txs,
            "transactionsRoot": eth_hash(seed, "transactions-root", slot), "uncles": [], "withdrawals": withdrawals,
            "withdrawalsRoot": eth_hash(seed, "withdrawals-root", slot) if withdrawals else EMPTY_ROOT,
        }

    def tx_json(self, b: ElBlock, t: Tx) -> dict[str, Any]:
        seed = self.model.params.seed
        out: dict[str, Any] = {
            "blockHash": b.hash, "blockNumber": q(b.number), "from": t.sender, "gas": q(t.gas),
            "gasPrice": q(t.effective_gas_price), "maxFeePerGas": q(t.max_fee),
            "maxPriorityFeePerGas": q(t.max_priority_fee), "hash": t.hash, "input": "0x", "nonce": q(t.nonce),
            "to": t.to, "transactionIndex": q(t.index), "value": q(t.value), "type": q(t.type),
            "accessList": [], "chainId": q(self.model.params.chain_id), "v": "0x1", "yParity": "0x1",
            "r": hex_bytes(32, seed, "sig-r", t.hash), "s": hex_bytes(32, seed, "sig-s", t.hash),
        }
        if t.type == 3:
            out["maxFeePerBlobGas"] = q(t.max_fee_per_blob_gas)
            out["blobVersionedHashes"] = list(t.blob_hashes)
        return out

    def receipt_json(self, b: ElBlock, t: Tx) -> dict[str, Any]:
        cumulative = sum(x.gas_used for x in b.txs[: t.index + 1])
        out: dict[str, Any] = {
            "blockHash": b.hash, "blockNumber": q(b.number), "contractAddress": None,
            "cumulativeGasUsed": q(cumulative), "effectiveGasPrice": q(t.effective_gas_price), "from": t.sender,
            "gasUsed": q(t.gas_used), "logs": [], "logsBloom": ZERO_BLOOM, "status": "0x1", "to": t.to,
            "transactionHash": t.hash, "transactionIndex": q(t.index), "type": q(t.type),
        }
        if t.type == 3:
            out["blobGasUsed"] = q(t.blob_gas_used)
            out["blobGasPrice"] = q(b.blob_gas_price)
        return out
