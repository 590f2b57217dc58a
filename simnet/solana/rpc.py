"""Solana JSON-RPC (single and batched) over the model, with real nodes' history limits.

getLeaderSchedule answers for the `leader_schedule_epochs_kept` epochs before the current one,
the current and the next (null otherwise);
getBlockProduction only within the slot history (previous and current epoch); getVoteAccounts
reports commission and stake as of now with epochCredits for the last five epochs. getBlock,
getBlockTime and getInflationReward serve all history.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from simnet.jsonrpc import JsonRpcApi, RpcError, invalid_params
from simnet.jsonstream import Lazy
from simnet.keys import b58encode, is_pubkey
from simnet.rng import digest
from simnet.solana.model import COMPUTE_BUDGET, SECP256K1_PROGRAM, SYSTEM_PROGRAM, VOTE_PROGRAM, SolanaModel, Tx

MAX_SLOT_RANGE = 500_000
FULL_PRIORITY_FEE_FEATURE = "3opE3EzAKnUftUDURkzMgwpNgimBAypW1mNDYH4x4Zg7"  # SIMD-0096
FEATURE_PROGRAM = "Feature111111111111111111111111111111111111"
# Slots older than this many epochs behind the head have left the node's ledger and come from
# long-term storage, which reports a missing block with -32009 instead of -32007.
LOCAL_LEDGER_EPOCHS = 2


def _config(params: list[Any], index: int) -> dict[str, Any]:
    value = params[index] if len(params) > index else None
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_params(f"expected a config object at position {index}")
    return value


def _slot_param(params: list[Any], index: int = 0) -> int:
    if len(params) <= index or not isinstance(params[index], int) or isinstance(params[index], bool) or params[index] < 0:
        raise invalid_params("expected a slot (u64)")
    return params[index]


def _precompile_data(program: str, count: int, k: int, label: str) -> bytes:
    """A signature-verification instruction's data: the signature count first (what the fee
    counts), then the per-signature offsets and the signatures, keys and messages they point at.
    secp256k1 has 11-byte offsets and no padding byte; ed25519 and secp256r1 14 bytes after a
    padding byte (agave's precompile instruction layouts)."""
    if program == SECP256K1_PROGRAM:
        head, entry, payload = bytes([count]), 11, 64 + 1 + 20 + 32
    else:
        head, entry, payload = bytes([count, 0]), 14, 64 + 33 + 32
    body = b"".join(digest(64, "precompile", label, k, c) for c in range(-(-count * payload // 64)))
    return head + bytes(count * entry) + body[: count * payload]


class SolanaRpcApi(JsonRpcApi):
    name = "solana_rpc"

    def __init__(self, model: SolanaModel):
        self.m = model
        self.methods = {
            "getEpochSchedule": self.get_epoch_schedule,
            "getEpochInfo": self.get_epoch_info,
            "getSlot": lambda params: self.m.head_slot,
            "getBlockHeight": lambda params: self._head_height(),
            "getHealth": lambda params: "ok",
            "getVersion": lambda params: {"feature-set": 3294202862, "solana-core": "2.3.7"},
            "getVoteAccounts": self.get_vote_accounts,
            "getInflationReward": self.get_inflation_reward,
            "getBlockProduction": self.get_block_production,
            "getLeaderSchedule": self.get_leader_schedule,
            "getBlocks": self.get_blocks,
            "getBlock": self.get_block,
            "getBlockTime": self.get_block_time,
            "getAccountInfo": self.get_account_info,
        }

    def param_view(self, method: str, params: list[Any]) -> dict[str, Any]:
        view: dict[str, Any] = {}
        if method in ("getBlock", "getBlockTime", "getLeaderSchedule") and params and isinstance(params[0], int):
            view["slot"] = params[0]
            view["epoch"] = self.m.epoch_of(params[0])
        if method == "getInflationReward" and len(params) > 1 and isinstance(params[1], dict):
            view["epoch"] = params[1].get("epoch")
        if method == "getBlocks" and params:
            view["slot"] = params[0]
        return view

    # ------------------------------------------------------------ cluster
    def get_epoch_schedule(self, params: list[Any]) -> dict[str, Any]:
        S = self.m.S
        return {
            "firstNormalEpoch": 0,
            "firstNormalSlot": 0,
            "leaderScheduleSlotOffset": S,
            "slotsPerEpoch": S,
            "warmup": False,
        }

    def _head_height(self) -> int:
        """The height of the newest block (getBlock's blockHeight of the last produced slot)."""
        head = self.m.head_slot
        return max(self.m.block_height(head) + int(self.m.is_produced(head)) - 1, 0)

    def get_epoch_info(self, params: list[Any]) -> dict[str, Any]:
        head = self.m.head_slot
        height = self._head_height()
        return {
            "absoluteSlot": head,
            "blockHeight": height,
            "epoch": self.m.current_epoch,
            "slotIndex": head % self.m.S,
            "slotsInEpoch": self.m.S,
            "transactionCount": (height + 1) * 17,
        }

    # ------------------------------------------------------------ validators
    def _vote_account(self, i: int) -> dict[str, Any]:
        m = self.m
        v = m.validators[i]
        current = m.current_epoch
        credits = []
        cumulative = 0
        for epoch in range(0, current + 1):
            earned = m.credits(i, epoch)
            if epoch > current - 5 and earned:
                credits.append([epoch, cumulative + earned, cumulative])
            cumulative += earned
        last_vote = m.last_vote_slot(i)
        return {
            "activatedStake": m.epoch(current).stake[i],
            "commission": m.commission_at(i, current),
            "epochCredits": credits,
            "epochVoteAccount": True,
            "inflationRewardsCommissionBps": m.commission_bps_at(i, current),
            "lastVote": last_vote,
            "nodePubkey": m.identity_at(i, current),
            "rootSlot": max(last_vote - 31, 0),
            "votePubkey": v.vote,
        }

    def get_vote_accounts(self, params: list[Any]) -> dict[str, Any]:
        config = _config(params, 0)
        only = config.get("votePubkey")
        if only is not None and not is_pubkey(only):
            raise invalid_params(f"Invalid vote account pubkey: {only}")
        current = self.m.current_epoch
        # A well-formed key that is no vote account filters everything out, as on a real node.
        wanted = ([self.m.by_vote[only].index] if only in self.m.by_vote else []) if only is not None else range(self.m.p.validators)
        # Filtered while streaming: a list of a million indices would outweigh the chunk buffer.
        return {
            "current": Lazy(lambda: (self._vote_account(i) for i in wanted if not self.m.is_delinquent(i, current))),
            "delinquent": Lazy(lambda: (self._vote_account(i) for i in wanted if self.m.is_delinquent(i, current))),
        }

    def get_inflation_reward(self, params: list[Any]) -> Any:
        if not params or not isinstance(params[0], list) or not all(isinstance(a, str) for a in params[0]):
            raise invalid_params("expected an array of base58 addresses")
        config = _config(params, 1)
        current = self.m.current_epoch
        epoch = config.get("epoch", current - 1)
        if not isinstance(epoch, int) or epoch < 0:
            raise invalid_params("epoch must be a u64")
        if epoch >= current:
            raise RpcError(-32004, f"Block not available for slot {self.m.first_slot(epoch + 1)}")
        slot = self.m.reward_slot(epoch)
        if slot is None:
            raise RpcError(-32004, f"Block not available for slot {self.m.first_slot(epoch + 1)}")
        rewards = self.m.inflation(epoch)
        addresses = params[0]

        def entry(address: str) -> dict[str, Any] | None:
            v = self.m.by_vote.get(address)
            if v is None or rewards[v.index][1] == 0:
                return None
            entry = {
                "amount": rewards[v.index][1],
                "commission": self.m.commission_at(v.index, epoch),
                "effectiveSlot": slot,
                "epoch": epoch,
                "postBalance": self.m.vote_balance(v.index, epoch),
            }
            if self.m.reports_commission_bps(epoch):  # SIMD-0291: basis points, the percent null
                entry.update(commission=None, commissionBps=self.m.commission_bps_at(v.index, epoch))
            return entry

        return Lazy(lambda: (entry(a) for a in addresses))

    def get_account_info(self, params: list[Any]) -> dict[str, Any]:
        """Feature accounts only (the SIMD-0096 gate); any other address is `value: null`."""
        if not params or not is_pubkey(params[0]):
            raise invalid_params("Invalid param: WrongSize")
        encoding = _config(params, 1).get("encoding", "base58")
        if encoding not in ("base58", "base64"):
            raise invalid_params(f"unsupported encoding for this account: {encoding}")
        context = {"apiVersion": "2.3.7", "slot": self.m.head_slot}
        epoch = self.m.p.full_priority_fee_epoch
        if params[0] != FULL_PRIORITY_FEE_FEATURE or epoch is None:
            return {"context": context, "value": None}
        # Feature { activated_at: Option<Slot> } (bincode): set at the first slot of the epoch
        # the feature takes effect in; None while still pending.
        first = self.m.first_slot(epoch)
        raw = b"\x01" + struct.pack("<Q", first) if first <= self.m.head_slot else b"\x00" + bytes(8)
        data = base64.b64encode(raw).decode() if encoding == "base64" else b58encode(raw)
        return {"context": context, "value": {"data": [data, encoding], "executable": False, "lamports": 953_520,
                                              "owner": FEATURE_PROGRAM, "rentEpoch": 18_446_744_073_709_551_615, "space": len(raw)}}

    # ------------------------------------------------------------ schedules
    def get_leader_schedule(self, params: list[Any]) -> Any:
        slot = self.m.head_slot
        config: dict[str, Any] = {}
        if params:
            if isinstance(params[0], dict):
                config = params[0]
            elif params[0] is not None:
                slot = _slot_param(params, 0)
                config = _config(params, 1)
            else:
                config = _config(params, 1)
        epoch = self.m.epoch_of(slot)
        kept = self.m.p.leader_schedule_epochs_kept
        if not self.m.current_epoch - kept <= epoch <= self.m.current_epoch + 1:
            return None
        state = self.m.epoch(epoch)
        schedule: dict[str, list[int]] = {}
        for k, leader in enumerate(state.leaders):
            schedule.setdefault(self.m.identity_at(leader, epoch), []).append(k)
        identity = config.get("identity")
        if identity is not None:
            return {identity: schedule[identity]} if identity in schedule else {}
        return schedule

    def get_block_production(self, params: list[Any]) -> dict[str, Any]:
        config = _config(params, 0)
        m = self.m
        head = m.head_slot
        oldest = m.first_slot(max(m.current_epoch - 1, 0))
        rng_ = config.get("range")
        if rng_ is None:
            first, last = m.first_slot(m.current_epoch), head
        else:
            if not isinstance(rng_, dict) or not isinstance(rng_.get("firstSlot"), int):
                raise invalid_params("range.firstSlot is required")
            first = rng_["firstSlot"]
            last = rng_.get("lastSlot", head)
            if last < first:
                raise invalid_params(f"lastSlot, {last}, cannot be less than firstSlot, {first}")
        if first < oldest:
            raise invalid_params(f"firstSlot, {first}, is too small; min {oldest}")
        if last > head:
            raise invalid_params(f"lastSlot, {last}, is too large; max {head}")
        by_identity: dict[str, list[int]] = {}
        for slot in range(first, last + 1):
            identity = m.identity_at(m.leader(slot), m.epoch_of(slot))
            counts = by_identity.setdefault(identity, [0, 0])
            counts[0] += 1
            counts[1] += int(m.is_produced(slot))
        only = config.get("identity")
        if only is not None:
            by_identity = {only: by_identity[only]} if only in by_identity else {}
        return {"context": {"apiVersion": "2.3.7", "slot": head}, "value": {"byIdentity": by_identity, "range": {"firstSlot": first, "lastSlot": last}}}

    # ------------------------------------------------------------ blocks
    def get_blocks(self, params: list[Any]) -> list[int]:
        start = _slot_param(params, 0)
        end = params[1] if len(params) > 1 and isinstance(params[1], int) else self.m.head_slot
        if end - start > MAX_SLOT_RANGE:
            raise invalid_params(f"Slot range too large; max {MAX_SLOT_RANGE}")
        return self.m.produced_slots(start, end)

    def _missing(self, slot: int) -> RpcError:
        if slot > self.m.head_slot:
            return RpcError(-32004, f"Block not available for slot {slot}")
        if self.m.epoch_of(slot) < self.m.current_epoch - LOCAL_LEDGER_EPOCHS:
            return RpcError(-32009, f"Slot {slot} was skipped, or missing in long-term storage")
        return RpcError(-32007, f"Slot {slot} was skipped, or missing due to ledger jump to recent snapshot")

    def get_block_time(self, params: list[Any]) -> int:
        slot = _slot_param(params, 0)
        if not self.m.is_produced(slot):
            raise self._missing(slot)
        return self.m.slot_time(slot)

    def get_block(self, params: list[Any]) -> dict[str, Any]:
        slot = _slot_param(params, 0)
        config = params[1] if len(params) > 1 else {}
        if isinstance(config, str):  # the legacy form: an encoding string
            config = {"encoding": config}
        if not isinstance(config, dict):
            raise invalid_params("expected a config object")
        details = config.get("transactionDetails", "full")
        encoding = config.get("encoding", "json")
        if details not in ("full", "accounts", "signatures", "none"):
            raise invalid_params(f"unknown variant `{details}`, expected one of `full`, `signatures`, `none`, `accounts`")
        if encoding not in ("json", "jsonParsed", "base64", "base58"):
            raise invalid_params(f"unknown variant `{encoding}`")
        if not self.m.is_produced(slot):
            raise self._missing(slot)
        m = self.m
        parent = m.parent_slot(slot)
        txs = m.block_txs(slot)
        block: dict[str, Any] = {
            "blockHeight": m.block_height(slot),
            "blockTime": m.slot_time(slot),
            "blockhash": m.block_hash(slot),
            "parentSlot": parent,
            "previousBlockhash": m.block_hash(parent),
        }
        if details == "signatures":
            block["signatures"] = [m.tx_signature(tx) for tx in txs]
        elif details in ("full", "accounts"):
            version = config.get("maxSupportedTransactionVersion")
            block["transactions"] = [self._transaction(slot, tx, details, encoding, version) for tx in txs]
        if config.get("rewards", True):
            block["rewards"] = self._rewards(slot, txs)
        return block

    def _rewards(self, slot: int, txs: list[Tx]) -> list[dict[str, Any]]:
        m = self.m
        leader = m.leader(slot)
        fee = m.fee_reward(slot)
        out = [] if fee is None else [{
            "commission": None,
            "lamports": fee,
            "postBalance": 40_000_000_000 + m.block_height(slot) * 1_000_003 % 9_000_000_000,
            "pubkey": m.identity_at(leader, m.epoch_of(slot)),
            "rewardType": "Fee",
        }]
        epoch = m.epoch_of(slot)
        if epoch > 0 and m.reward_slot(epoch - 1) == slot:
            # The epoch boundary block credits vote accounts' commission (stake rewards are
            # partitioned over later blocks and not modelled).
            for v in m.validators:
                amount = m.inflation(epoch - 1)[v.index][1]
                if amount:
                    out.append({
                        "commission": m.commission_at(v.index, epoch - 1),
                        "lamports": amount,
                        "postBalance": m.vote_balance(v.index, epoch - 1),
                        "pubkey": v.vote,
                        "rewardType": "Voting",
                    })
        return out

    def _transaction(self, slot: int, tx: Tx, details: str, encoding: str, version: Any) -> dict[str, Any]:
        m = self.m
        signatures = [m.tx_signature(tx, k) for k in range(tx.signatures)]
        signers = [tx.fee_payer] + [b58encode(bytes([k + 1]) * 32) for k in range(1, tx.signatures)]
        if tx.is_vote:
            voter = m.by_identity[tx.fee_payer]
            others = [voter.vote, "SysvarS1otHashes111111111111111111111111111", "SysvarC1ock11111111111111111111111111111111", VOTE_PROGRAM]
            instructions = [{"accounts": [1, 2, 3, 0], "data": "3yZe7d", "programIdIndex": 4, "stackHeight": None}]
            readonly_unsigned = 3
        else:
            recipient = b58encode(bytes([7]) * 31 + bytes([slot % 251]))
            programs = [SYSTEM_PROGRAM] + ([COMPUTE_BUDGET] if tx.cu_limit else [])
            programs += sorted({program for program, _ in tx.precompiles})
            others = [recipient] + programs
            n = len(signers)
            index = {program: n + 1 + k for k, program in enumerate(programs)}
            instructions = []
            if tx.cu_limit:
                instructions += [
                    {"accounts": [], "data": b58encode(b"\x02" + struct.pack("<I", tx.cu_limit)), "programIdIndex": index[COMPUTE_BUDGET], "stackHeight": None},
                    {"accounts": [], "data": b58encode(b"\x03" + struct.pack("<Q", tx.cu_price_micro)), "programIdIndex": index[COMPUTE_BUDGET], "stackHeight": None},
                ]
            for k, (program, count) in enumerate(tx.precompiles):
                data = _precompile_data(program, count, k, tx.label)
                instructions.append({"accounts": [], "data": b58encode(data), "programIdIndex": index[program], "stackHeight": None})
            instructions.append({"accounts": [0, n], "data": "3Bxs4h24hBtQy9rw", "programIdIndex": index[SYSTEM_PROGRAM], "stackHeight": None})
            readonly_unsigned = len(programs)
        keys = signers + others
        pre = [1_000_000_000 + k * 1000 for k in range(len(keys))]
        post = list(pre)
        post[0] = pre[0] - tx.fee
        meta = {
            "computeUnitsConsumed": 2100 if tx.is_vote else (tx.cu_limit // 2 if tx.cu_limit else 450),
            "err": None,
            "fee": tx.fee,
            "postBalances": post,
            "preBalances": pre,
            "status": {"Ok": None},
        }
        out: dict[str, Any] = {"meta": meta}
        if details == "accounts":
            meta["postTokenBalances"] = []
            meta["preTokenBalances"] = []
            out["transaction"] = {
                "accountKeys": [
                    {"pubkey": key, "signer": k < len(signers), "source": "transaction", "writable": k < 2}
                    for k, key in enumerate(keys)
                ],
                "signatures": signatures,
            }
        else:
            meta.update({"innerInstructions": [], "logMessages": [], "postTokenBalances": [], "preTokenBalances": [], "rewards": []})
            if encoding in ("base64", "base58"):
                raw = b"".join(sig.encode() for sig in signatures) + bytes(8)
                blob = base64.b64encode(raw).decode() if encoding == "base64" else b58encode(raw)
                out["transaction"] = [blob, encoding]
            else:
                out["transaction"] = {
                    "message": {
                        "accountKeys": keys,
                        "header": {
                            "numReadonlySignedAccounts": 0,
                            "numReadonlyUnsignedAccounts": readonly_unsigned,
                            "numRequiredSignatures": len(signers),
                        },
                        "instructions": instructions,
                        "recentBlockhash": m.block_hash(m.parent_slot(slot)),
                    },
                    "signatures": signatures,
                }
        if version is not None:
            out["version"] = "legacy"
        return out
