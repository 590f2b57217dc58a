"""Pure functions over Solana JSON-RPC results: epoch math, validation and row shaping."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loaders.payload import Reader
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
            commission = r.int(entry, "commission", at, minimum=0)
            if commission > 100:
                raise r.fail(f"{at}.commission", f"expected a percentage 0-100, got {commission}")
            rows.append({
                "vote_pubkey": r.pubkey(entry, "votePubkey", at),
                "node_pubkey": r.pubkey(entry, "nodePubkey", at),
                "activated_stake": r.int(entry, "activatedStake", at, minimum=0),
                "commission": commission,
                # SIMD-0291 nodes also report the commission in basis points.
                "commission_bps": r.int(entry, "inflationRewardsCommissionBps", at, optional=True, minimum=0),
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
                         "effective_slot": None, "commission": None})
            continue
        reported = r.int(entry, "epoch", at, minimum=0)
        if reported != epoch:
            raise r.fail(f"{at}.epoch", f"asked for epoch {epoch}, got {reported}")
        rows.append({
            "epoch": epoch,
            "vote_pubkey": address,
            "rewarded": True,
            "amount": r.int(entry, "amount", at, minimum=0),
            "post_balance": r.int(entry, "postBalance", at, minimum=0),
            "effective_slot": r.int(entry, "effectiveSlot", at, minimum=0),
            "commission": r.int(entry, "commission", at, optional=True, nullable=True, minimum=0),
        })
    return rows


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
def parse_block(result: Any, slot: int, lamports_per_signature: int, leader: str | None) -> dict[str, Any]:
    """Leader income of one block: its `Fee` rewards, split into base and priority when the
    transactions came with it (base fee = lamports_per_signature per signature, half burned;
    priority fee = meta.fee minus the base fee, all to the leader since SIMD-0096)."""
    r = Reader("getBlock")
    at = f"result(slot {slot})"
    rewards = r.list(result, "rewards", at, optional=True, nullable=True) or []
    fee_rewards: dict[str, int] = {}
    for k, reward in enumerate(rewards):
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
    }
    transactions = r.list(result, "transactions", at, optional=True, nullable=True)
    if transactions is not None:
        split = _split_fees(r, at, transactions, lamports_per_signature)
        if split is not None:
            base, priority, signatures = split
            row.update(base_fee_lamports=base, priority_fee_lamports=priority, signature_count=signatures)
        row["transaction_count"] = len(transactions)
    return row


def _split_fees(r: Reader, at: str, transactions: list, lamports_per_signature: int) -> tuple[int, int, int] | None:
    """(leader's base fees, priority fees, signatures), or None when the block's transactions
    cannot be split: encoded (base64) instead of JSON, without their meta (old blocks), or
    charged below lamports_per_signature (another fee schedule)."""
    base = priority = signatures = 0
    for k, tx in enumerate(transactions):
        where = f"{at}.transactions[{k}]"
        meta = r.dict(tx, "meta", where, nullable=True)
        body = r.get(tx, "transaction", where)
        if meta is None or isinstance(body, list):
            return None
        fee = r.int(meta, "fee", f"{where}.meta", minimum=0)
        sigs = len(r.list(body, "signatures", f"{where}.transaction"))
        tx_base = lamports_per_signature * sigs
        if fee < tx_base:
            return None  # another fee schedule than lamports_per_signature: no split
        signatures += sigs
        base += tx_base // 2  # half of the base fee is burned
        priority += fee - tx_base
    return base, priority, signatures


def skipped_block(slot: int, leader: str | None) -> dict[str, Any]:
    return {"slot": slot, "leader_identity": leader, "produced": False, "block_time": None, "block_height": None,
            "parent_slot": None, "fee_reward_lamports": 0, "base_fee_lamports": None, "priority_fee_lamports": None,
            "transaction_count": None, "signature_count": None}


def parse_block_list(result: Any, method: str = "getBlocks") -> list[int]:
    r = Reader(method)
    if not isinstance(result, list):
        raise r.fail("result", "expected an array of slots")
    return [r.as_int(v, f"result[{k}]", minimum=0) for k, v in enumerate(result)]


def parse_block_time(result: Any) -> int:
    r = Reader("getBlockTime")
    return r.as_int(result, "result")
