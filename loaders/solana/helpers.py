"""Pure functions over Solana JSON-RPC results: epoch math, validation and row shaping."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from loaders.payload import Reader
from loaders.solana import settings
from loaders.solana.settings import MINIMUM_SLOTS_PER_EPOCH


# ---------------------------------------------------------------- epochs
@dataclass(frozen=True)
class EpochSchedule:
    slots_per_epoch: int
    leader_schedule_slot_offset: int
    warmup: bool
    first_normal_epoch: int
    first_normal_slot: int

    def first_slot(self, epoch: int) -> int:
        if epoch <= self.first_normal_epoch:
            return (2**epoch - 1) * MINIMUM_SLOTS_PER_EPOCH
        return (epoch - self.first_normal_epoch) * self.slots_per_epoch + self.first_normal_slot

    def slots_in(self, epoch: int) -> int:
        if epoch < self.first_normal_epoch:
            return 2**epoch * MINIMUM_SLOTS_PER_EPOCH
        return self.slots_per_epoch

    def last_slot(self, epoch: int) -> int:
        return self.first_slot(epoch) + self.slots_in(epoch) - 1

    def epoch_of(self, slot: int) -> int:
        if slot < self.first_normal_slot:
            # Warmup epochs double in length from MINIMUM_SLOTS_PER_EPOCH (agave EpochSchedule).
            epoch = 0
            while self.last_slot(epoch) < slot:
                epoch += 1
            return epoch
        return self.first_normal_epoch + (slot - self.first_normal_slot) // self.slots_per_epoch


def parse_epoch_schedule(result: Any) -> EpochSchedule:
    r = Reader("getEpochSchedule")
    return EpochSchedule(
        slots_per_epoch=r.int(result, "slotsPerEpoch", "result", minimum=1),
        leader_schedule_slot_offset=r.int(result, "leaderScheduleSlotOffset", "result", minimum=0),
        warmup=r.bool(result, "warmup", "result"),
        first_normal_epoch=r.int(result, "firstNormalEpoch", "result", minimum=0),
        first_normal_slot=r.int(result, "firstNormalSlot", "result", minimum=0),
    )


@dataclass(frozen=True)
class EpochInfo:
    absolute_slot: int
    block_height: int | None
    epoch: int
    slot_index: int
    slots_in_epoch: int


def parse_epoch_info(result: Any) -> EpochInfo:
    r = Reader("getEpochInfo")
    return EpochInfo(
        absolute_slot=r.int(result, "absoluteSlot", "result", minimum=0),
        block_height=r.int(result, "blockHeight", "result", optional=True, nullable=True),
        epoch=r.int(result, "epoch", "result", minimum=0),
        slot_index=r.int(result, "slotIndex", "result", minimum=0),
        slots_in_epoch=r.int(result, "slotsInEpoch", "result", minimum=1),
    )


# ---------------------------------------------------------------- vote accounts
def parse_vote_accounts(result: Any) -> list[dict[str, Any]]:
    """One row per vote account, with its epochCredits entries under `epoch_credits`."""
    r = Reader("getVoteAccounts")
    rows = []
    for group, delinquent in (("current", False), ("delinquent", True)):
        for position, entry in enumerate(r.list(result, group, "result")):
            at = f"result.{group}[{position}]"
            credits = []
            for k, item in enumerate(r.list(entry, "epochCredits", at)):
                where = f"{at}.epochCredits[{k}]"
                if not isinstance(item, list) or len(item) != 3:
                    raise r.fail(where, f"expected [epoch, credits, previousCredits], got {item!r}")
                epoch, total, previous = (r.as_int(v, f"{where}[{j}]", minimum=0) for j, v in enumerate(item))
                if total < previous:
                    raise r.fail(where, f"credits {total} are below previousCredits {previous}")
                credits.append({"epoch": epoch, "credits": total, "previous_credits": previous})
            commission, commission_bps = _commission(r, entry, at, "commission", "inflationRewardsCommissionBps")
            rows.append({
                "vote_pubkey": r.pubkey(entry, "votePubkey", at),
                "node_pubkey": r.pubkey(entry, "nodePubkey", at),
                "activated_stake": r.int(entry, "activatedStake", at, minimum=0),
                "commission": commission,
                "commission_bps": commission_bps,
                "epoch_vote_account": r.bool(entry, "epochVoteAccount", at),
                "last_vote": r.int(entry, "lastVote", at, minimum=0),
                "root_slot": r.int(entry, "rootSlot", at, optional=True, minimum=0),
                "is_delinquent": delinquent,
                "epoch_credits": credits,
            })
    return rows


# ---------------------------------------------------------------- inflation
def parse_inflation_rewards(result: Any, addresses: list[str], epoch: int) -> list[dict[str, Any]]:
    """A row per requested address: a null entry means 'no reward', stored as amount 0."""
    r = Reader("getInflationReward")
    if not isinstance(result, list) or len(result) != len(addresses):
        raise r.fail("result", f"expected an array of {len(addresses)} entries, got {str(result)[:60]!r}")
    rows = []
    for position, (address, entry) in enumerate(zip(addresses, result)):
        at = f"result[{position}]"
        if entry is None:
            rows.append({"epoch": epoch, "vote_pubkey": address, "rewarded": False, "amount": 0, "post_balance": None,
                         "effective_slot": None, "commission": None, "commission_bps": None})
            continue
        reported = r.int(entry, "epoch", at, minimum=0)
        if reported != epoch:
            raise r.fail(f"{at}.epoch", f"asked for epoch {epoch}, got {reported}")
        commission, commission_bps = _commission(r, entry, at, "commission", "commissionBps")
        rows.append({
            "epoch": epoch,
            "vote_pubkey": address,
            "rewarded": True,
            "amount": r.int(entry, "amount", at, minimum=0),
            "post_balance": r.int(entry, "postBalance", at, minimum=0),
            "effective_slot": r.int(entry, "effectiveSlot", at, minimum=0),
            "commission": commission,
            "commission_bps": commission_bps,
        })
    return rows


def _commission(r: Reader, entry: Any, at: str, percent_key: str, bps_key: str) -> tuple[int | None, int]:
    """(commission as reported in percent, commission in basis points) of a vote account.

    Nodes report the percent (`commission`, u8); SIMD-0291 nodes also or instead report basis
    points (`commissionBps` in getInflationReward, where `commission` turns null;
    `inflationRewardsCommissionBps` in getVoteAccounts). Basis points win; when both are given
    the percent must be that value rounded either way, anything else is a shape Aurora does not
    know, and so is an answer with neither."""
    percent = r.int(entry, percent_key, at, optional=True, nullable=True, minimum=0)
    bps = r.int(entry, bps_key, at, optional=True, nullable=True, minimum=0)
    if percent is not None and percent > 100:
        raise r.fail(f"{at}.{percent_key}", f"expected a percentage 0-100, got {percent}")
    if bps is not None and bps > 10_000:
        raise r.fail(f"{at}.{bps_key}", f"expected basis points 0-10000, got {bps}")
    if bps is None:
        if percent is None:
            raise r.fail(f"{at}.{percent_key}", f"missing or null, and no {bps_key} either: the commission is unknown")
        return percent, percent * 100
    if percent is not None and percent not in (bps // 100, -(-bps // 100)):
        raise r.fail(f"{at}.{percent_key}", f"{percent}% disagrees with {bps_key} {bps}")
    return percent, bps


# ---------------------------------------------------------------- schedules and production
def parse_leader_schedule(result: Any, first_slot: int, slots_in_epoch: int) -> dict[str, list[int]]:
    """identity -> absolute leader slots; None when the node no longer has the epoch's schedule."""
    r = Reader("getLeaderSchedule")
    if result is None:
        return None  # type: ignore[return-value]
    if not isinstance(result, dict):
        raise r.fail("result", f"expected an object or null, got {str(result)[:60]!r}")
    out = {}
    for identity, indices in result.items():
        if not isinstance(indices, list):
            raise r.fail(f"result.{identity}", "expected an array of slot indices")
        slots = []
        for k, index in enumerate(indices):
            value = r.as_int(index, f"result.{identity}[{k}]", minimum=0)
            if value >= slots_in_epoch:
                raise r.fail(f"result.{identity}[{k}]", f"slot index {value} is beyond the epoch's {slots_in_epoch} slots")
            slots.append(first_slot + value)
        out[identity] = slots
    return out


def parse_block_production(result: Any) -> dict[str, Any]:
    r = Reader("getBlockProduction")
    value = r.dict(result, "value", "result")
    rng = r.dict(value, "range", "result.value")
    first = r.int(rng, "firstSlot", "result.value.range", minimum=0)
    last = r.int(rng, "lastSlot", "result.value.range", minimum=0)
    by_identity = {}
    for identity, pair in r.dict(value, "byIdentity", "result.value").items():
        at = f"result.value.byIdentity.{identity}"
        if not isinstance(pair, list) or len(pair) != 2:
            raise r.fail(at, f"expected [leaderSlots, blocksProduced], got {pair!r}")
        leader_slots, produced = (r.as_int(v, f"{at}[{j}]", minimum=0) for j, v in enumerate(pair))
        if produced > leader_slots:
            raise r.fail(at, f"{produced} blocks produced in {leader_slots} leader slots")
        by_identity[identity] = (leader_slots, produced)
    return {"first_slot": first, "last_slot": last, "context_slot": r.int(r.dict(result, "context", "result"), "slot", "result.context"), "by_identity": by_identity}


# ---------------------------------------------------------------- blocks
@dataclass(frozen=True)
class FeeRules:
    """How the runtime charged and shared fees on this cluster."""

    lamports_per_signature: int
    full_priority_fee_slot: int | None  # first slot with SIMD-0096 in force; None: never activated

    def leader_keeps_all_priority_fees(self, slot: int) -> bool:
        return self.full_priority_fee_slot is not None and slot >= self.full_priority_fee_slot


def parse_feature_activation(result: Any, feature: str = settings.FULL_PRIORITY_FEE_FEATURE) -> int | None:
    """getAccountInfo(feature, {encoding: base64}): the slot the feature was activated at, or None
    while it is not (no account yet, or `activated_at` still None). The account data is the
    bincode of `Feature { activated_at: Option<u64> }`: a tag byte, then a little-endian u64."""
    r = Reader("getAccountInfo")
    value = r.dict(result, "value", "result", nullable=True)
    if value is None:
        return None
    owner = r.pubkey(value, "owner", "result.value")
    if owner != settings.FEATURE_PROGRAM:
        raise r.fail("result.value.owner", f"{feature} is owned by {owner}, not the feature program: not a feature account")
    data = r.list(value, "data", "result.value")
    if len(data) != 2 or data[1] != "base64" or not isinstance(data[0], str):
        raise r.fail("result.value.data", f"expected [<base64>, \"base64\"], got {str(data)[:60]!r}")
    try:
        raw = base64.b64decode(data[0], validate=True)
    except (binascii.Error, ValueError):
        raise r.fail("result.value.data[0]", "not base64") from None
    if raw[:1] == b"\x00":
        return None
    if raw[:1] != b"\x01" or len(raw) < 9:
        raise r.fail("result.value.data[0]", f"expected Feature {{activated_at: Option<u64>}}, got {raw[:9].hex()!r}")
    return int.from_bytes(raw[1:9], "little")


def parse_block(result: Any, slot: int, rules: FeeRules | int, leader: str | None, rewards_requested: bool = True) -> dict[str, Any]:
    """Leader income of one block: its `Fee` rewards, and when the transactions came with it the
    leader's base and priority parts as the runtime charged and shared them (docs/pnl.md).

    `rules` is the cluster's FeeRules (an int: lamports_per_signature, with SIMD-0096 in force).
    Where the parts do not add up to the Fee reward, the Fee reward stands and
    `fee_split_mismatch` says why; a block whose transactions cannot be read has no split."""
    if isinstance(rules, int):
        rules = FeeRules(rules, 0)
    r = Reader("getBlock")
    at = f"result(slot {slot})"
    rewards = r.list(result, "rewards", at, optional=not rewards_requested, nullable=not rewards_requested)
    fee_rewards: dict[str, int] = {}
    for k, reward in enumerate(rewards or []):
        where = f"{at}.rewards[{k}]"
        kind = r.str(reward, "rewardType", where, optional=True, nullable=True)
        if kind is None or kind.lower() != "fee":  # real nodes say "Fee"; the docs say "fee"
            continue
        pubkey = r.pubkey(reward, "pubkey", where)
        fee_rewards[pubkey] = fee_rewards.get(pubkey, 0) + r.int(reward, "lamports", where)
    if leader is None:
        # No schedule: the block's leader is whoever collected its fees.
        leader = max(fee_rewards, key=fee_rewards.get) if fee_rewards else None
    row: dict[str, Any] = {
        "slot": slot,
        "leader_identity": leader,
        "produced": True,
        "block_time": r.int(result, "blockTime", at, optional=True, nullable=True),
        "block_height": r.int(result, "blockHeight", at, optional=True, nullable=True),
        "parent_slot": r.int(result, "parentSlot", at, minimum=0),
        "fee_reward_lamports": fee_rewards.get(leader, 0) if leader else 0,
        "base_fee_lamports": None,
        "priority_fee_lamports": None,
        "transaction_count": None,
        "signature_count": None,
        "precompile_signature_count": None,
        "fee_split_mismatch": None,
    }
    transactions = r.list(result, "transactions", at, optional=True, nullable=True)
    if transactions is not None:
        row["transaction_count"] = len(transactions)
        split = _split_fees(r, at, transactions, rules, slot)
        if split is not None:
            row.update(split)
            if rewards is not None and row["fee_split_mismatch"] is None:
                parts = row["base_fee_lamports"] + row["priority_fee_lamports"]
                if parts != row["fee_reward_lamports"]:
                    row["fee_split_mismatch"] = (
                        f"Fee reward {row['fee_reward_lamports']} != base {row['base_fee_lamports']} + priority "
                        f"{row['priority_fee_lamports']} = {parts} (the leader's shares of the transactions' fees)"
                    )
    return row


@dataclass(frozen=True)
class TransactionFee:
    """One transaction's fee as the runtime computes it (agave calculate_fee_details)."""

    fee: int  # meta.fee: what the payer was charged
    signatures: int  # transaction signatures
    precompile_signatures: int  # signatures verified by ed25519, secp256k1 and secp256r1 instructions
    base: int  # lamports_per_signature x (signatures + precompile_signatures)
    requested_priority: int | None  # from the compute-budget instructions; None when they cannot say

    @property
    def priority(self) -> int:
        return self.fee - self.base


def transaction_fee(r: Reader, tx: Any, at: str, lamports_per_signature: int) -> TransactionFee | None:
    """The fee parts of one `transactions[]` entry of getBlock (or a getTransaction result): JSON,
    jsonParsed, or encoded (base64/base58); None when the entry cannot tell them: without its meta
    (very old blocks), a message version Aurora cannot decode, or at "accounts" detail where a
    precompile program is among the keys."""
    meta = r.dict(tx, "meta", at, nullable=True)
    body = r.get(tx, "transaction", at)
    if meta is None:
        return None
    fee = r.int(meta, "fee", f"{at}.meta", minimum=0)
    where = f"{at}.transaction"
    if isinstance(body, list):  # [<encoded wire transaction>, "base64" | "base58"]
        decoded = _decode_wire_transaction(r, body, where)
        if decoded is None:
            return None
        signatures, keys, instructions = decoded
        precompile, requested = _instruction_fees(r, keys, instructions, where)
        return TransactionFee(fee, signatures, precompile, lamports_per_signature * (signatures + precompile), requested)
    signatures = len(r.list(body, "signatures", where))
    message = r.dict(body, "message", where, optional=True)
    if message is None:  # transactionDetails "accounts": keys, no instructions
        keys = [_account_key(r, key, f"{where}.accountKeys[{k}]") for k, key in enumerate(r.list(body, "accountKeys", where))]
        if any(key in settings.PRECOMPILE_PROGRAMS for key in keys):
            return None
        precompile, requested = 0, None
    else:
        keys = [_account_key(r, key, f"{where}.message.accountKeys[{k}]")
                for k, key in enumerate(r.list(message, "accountKeys", f"{where}.message"))]
        precompile, requested = _instruction_fees(r, keys, r.list(message, "instructions", f"{where}.message"), f"{where}.message")
    return TransactionFee(fee, signatures, precompile, lamports_per_signature * (signatures + precompile), requested)


def _account_key(r: Reader, key: Any, at: str) -> str:
    """A message account key: a string (json), or an object with `pubkey` (jsonParsed, accounts)."""
    if isinstance(key, dict):
        return r.pubkey(key, "pubkey", at)
    if not isinstance(key, str):
        raise r.fail(at, f"expected a public key, got {str(key)[:60]!r}")
    return key


def _instruction_fees(r: Reader, keys: list[str], instructions: list, at: str) -> tuple[int, int | None]:
    """(precompile signatures, requested priority fee) of a message's instructions.

    A precompile instruction verifies as many signatures as its data's first byte says (0 when
    the data is empty), however the rest of the data reads. The priority fee requested is
    ceil(compute-unit price x limit / 10^6) lamports (agave get_prioritization_fee), with the
    limit capped at 1,400,000; without a price it is 0. A price without an explicit limit uses a
    default that depends on the runtime's features: left unchecked (None)."""
    precompile = 0
    limit = price = deprecated_fee = None
    unreadable_budget = False
    for k, ix in enumerate(instructions):
        where = f"{at}.instructions[{k}]"
        if not isinstance(ix, (dict, tuple)):
            raise r.fail(where, f"expected an object, got {str(ix)[:60]!r}")
        if isinstance(ix, tuple):  # decoded from the wire format: (program index, data bytes)
            program, raw = keys[ix[0]], ix[1]
        elif "programIdIndex" in ix:
            index = r.int(ix, "programIdIndex", where, minimum=0)
            if index >= len(keys):
                raise r.fail(f"{where}.programIdIndex", f"{index} is beyond the message's {len(keys)} account keys")
            program = keys[index]
        else:
            program = r.pubkey(ix, "programId", where)  # jsonParsed
            raw = b""
        if program not in settings.PRECOMPILE_PROGRAMS and program != settings.COMPUTE_BUDGET_PROGRAM:
            continue
        if isinstance(ix, tuple):
            data = raw
        elif "data" not in ix and program == settings.COMPUTE_BUDGET_PROGRAM:
            unreadable_budget = True  # parsed by the node (jsonParsed): not needed for the base fee
            continue
        else:
            data = _b58decode(r, r.str(ix, "data", where), f"{where}.data")
        if program in settings.PRECOMPILE_PROGRAMS:
            precompile += data[0] if data else 0
        elif data[:1] == b"\x02" and len(data) >= 5:
            limit = int.from_bytes(data[1:5], "little")
        elif data[:1] == b"\x03" and len(data) >= 9:
            price = int.from_bytes(data[1:9], "little")
        elif data[:1] == b"\x00" and len(data) >= 9:
            deprecated_fee = int.from_bytes(data[5:9], "little")  # RequestUnitsDeprecated(units, additional_fee)
        elif data[:1] not in (b"\x01", b"\x04"):  # heap frame, loaded accounts size: no fee
            unreadable_budget = True
    if unreadable_budget:
        return precompile, None
    if deprecated_fee is not None:
        return precompile, deprecated_fee
    if not price:
        return precompile, 0
    if limit is None:
        return precompile, None
    micro = price * min(limit, settings.MAX_COMPUTE_UNIT_LIMIT)
    return precompile, -(-micro // settings.MICRO_LAMPORTS_PER_LAMPORT)


def _split_fees(r: Reader, at: str, transactions: list, rules: FeeRules, slot: int) -> dict[str, Any] | None:
    """The leader's base and priority parts of the block's fees, or None when a transaction
    cannot be read. Per transaction: base = lamports_per_signature x (signatures + precompile
    signatures), priority = meta.fee - base. The runtime sums them over the block and burns
    BURN_PERCENT of the base (SIMD-0096 in force) or of the whole fee (before), rounding the
    burn down (agave fee_distribution.rs, calculate_reward_and_burn_fee_details / burn)."""
    base = priority = signatures = precompile = 0
    problem = None
    for k, tx in enumerate(transactions):
        where = f"{at}.transactions[{k}]"
        fee = transaction_fee(r, tx, where, rules.lamports_per_signature)
        if fee is None:
            return None
        if problem is None and fee.fee < fee.base:
            problem = (f"transactions[{k}]: meta.fee {fee.fee} is below its base fee {fee.base} ({fee.signatures} signatures "
                       f"+ {fee.precompile_signatures} precompile signatures x {rules.lamports_per_signature})")
        elif problem is None and fee.requested_priority is not None and fee.priority != fee.requested_priority:
            problem = (f"transactions[{k}]: priority fee {fee.priority} (meta.fee - base fee) differs from the "
                       f"{fee.requested_priority} its compute-budget instructions request")
        base += fee.base
        priority += fee.priority
        signatures += fee.signatures
        precompile += fee.precompile_signatures
    out: dict[str, Any] = {"signature_count": signatures, "precompile_signature_count": precompile, "fee_split_mismatch": problem}
    if problem is not None:
        return out  # no parts: they would not be the runtime's
    leader_base = base - base * settings.BURN_PERCENT // 100
    if rules.leader_keeps_all_priority_fees(slot):
        leader_priority = priority
    else:
        total = base + priority
        leader_priority = total - total * settings.BURN_PERCENT // 100 - leader_base
    out.update(base_fee_lamports=leader_base, priority_fee_lamports=leader_priority)
    return out


def _decode_wire_transaction(r: Reader, body: list, at: str) -> tuple[int, list[str], list[tuple[int, bytes]]] | None:
    """(signatures, static account keys, [(program index, data)]) of an encoded transaction:
    the wire format of legacy and v0 transactions (solana-sdk VersionedTransaction: compact-u16
    lengths). None for a message version Aurora does not know (its fee cannot be read)."""
    if len(body) != 2 or body[1] not in ("base64", "base58") or not isinstance(body[0], str):
        raise r.fail(at, f"expected [<encoded transaction>, \"base64\"|\"base58\"], got {str(body)[:60]!r}")
    if body[1] == "base64":
        try:
            raw = base64.b64decode(body[0], validate=True)
        except (binascii.Error, ValueError):
            raise r.fail(f"{at}[0]", "not base64") from None
    else:
        raw = _b58decode(r, body[0], f"{at}[0]")
    pos = 0

    def take(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(raw):
            raise r.fail(f"{at}[0]", f"the transaction ends at byte {len(raw)}, {n} more expected at {pos}")
        pos += n
        return raw[pos - n : pos]

    def compact_u16() -> int:
        value = 0
        for shift in (0, 7, 14):
            byte = take(1)[0]
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
        raise r.fail(f"{at}[0]", "a compact-u16 length longer than 3 bytes")

    signatures = compact_u16()
    take(64 * signatures)
    if raw[pos : pos + 1] and raw[pos] & 0x80:  # versioned message: 0x80 | version
        if raw[pos] & 0x7F != 0:
            return None
        take(1)
    take(3)  # header
    keys = [_b58encode(take(32)) for _ in range(compact_u16())]
    take(32)  # recent blockhash
    instructions = []
    for _ in range(compact_u16()):
        program = take(1)[0]
        if program >= len(keys):
            raise r.fail(f"{at}[0]", f"an instruction's program index {program} is beyond the {len(keys)} static account keys")
        take(compact_u16())  # account indexes
        instructions.append((program, take(compact_u16())))
    return signatures, keys, instructions


_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = _BASE58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def _b58decode(r: Reader, text: str, at: str) -> bytes:
    number = 0
    for ch in text:
        digit = _BASE58.find(ch)
        if digit < 0:
            raise r.fail(at, f"not base58: {ch!r} in {text[:40]!r}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    return bytes(zeros) + (number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b"")


def skipped_block(slot: int, leader: str | None) -> dict[str, Any]:
    return {"slot": slot, "leader_identity": leader, "produced": False, "block_time": None, "block_height": None,
            "parent_slot": None, "fee_reward_lamports": 0, "base_fee_lamports": None, "priority_fee_lamports": None,
            "transaction_count": None, "signature_count": None, "precompile_signature_count": None,
            "fee_split_mismatch": None}


def parse_block_list(result: Any, method: str = "getBlocks") -> list[int]:
    r = Reader(method)
    if not isinstance(result, list):
        raise r.fail("result", "expected an array of slots")
    return [r.as_int(v, f"result[{k}]", minimum=0) for k, v in enumerate(result)]


def parse_block_time(result: Any) -> int:
    r = Reader("getBlockTime")
    return r.as_int(result, "result")
