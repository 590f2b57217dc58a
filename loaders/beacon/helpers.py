"""Pure functions over beacon node API answers (ethereum/beacon-APIs): numbers are decimal
strings, rewards and balances gwei. Each parser takes the `data` member of the answer
(read_attestation_columns: the whole body, as received)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from loaders.beacon.attestations_arrow import read_attestation_columns_arrow
from loaders.payload import Reader

FAR_FUTURE_EPOCH = 2**64 - 1
# bls.G2_POINT_AT_INFINITY: the signature of a pending deposit that queue_excess_active_balance
# (or the Electra upgrade) made from a validator's own balance, not from a deposit
G2_POINT_AT_INFINITY = "0x" + "c0" + "00" * 95


# ---------------------------------------------------------------- chain clock
@dataclass(frozen=True)
class BeaconClock:
    genesis_time: int  # unix seconds
    seconds_per_slot: int
    slots_per_epoch: int

    @property
    def seconds_per_epoch(self) -> int:
        return self.seconds_per_slot * self.slots_per_epoch

    def epoch_start(self, epoch: int) -> datetime:
        return datetime.fromtimestamp(self.genesis_time + epoch * self.seconds_per_epoch, tz=timezone.utc)

    def day_of_epoch(self, epoch: int) -> date:
        """An epoch belongs to the UTC day of its start time."""
        return self.epoch_start(epoch).date()

    def epochs_of_day(self, day: date) -> range:
        start = int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp())
        end = start + 86_400
        first = max(0, -(-(start - self.genesis_time) // self.seconds_per_epoch))
        stop = max(0, -(-(end - self.genesis_time) // self.seconds_per_epoch))
        return range(first, stop)

    def slot_of_time(self, unix: int) -> int:
        return (unix - self.genesis_time) // self.seconds_per_slot


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def parse_genesis(data: Any) -> int:
    return Reader("beacon /eth/v1/beacon/genesis").decimal_string(data, "genesis_time", "data", signed=False)


def parse_spec(data: Any) -> dict[str, int | None]:
    """The clock, and ELECTRA_FORK_EPOCH: None when the node knows no Electra fork or has not
    scheduled it (FAR_FUTURE_EPOCH), so that no state of it has pending queues."""
    r = Reader("beacon /eth/v1/config/spec")
    if not isinstance(data, dict):
        raise r.fail("data", "expected an object")
    out: dict[str, int | None] = {}
    for key in ("SECONDS_PER_SLOT", "SLOTS_PER_EPOCH", "EPOCHS_PER_SYNC_COMMITTEE_PERIOD"):
        out[key] = r.decimal_string(data, key, "data", signed=False)
    electra = r.decimal_string(data, "ELECTRA_FORK_EPOCH", "data", optional=True, signed=False)
    out["ELECTRA_FORK_EPOCH"] = None if electra is None or electra == FAR_FUTURE_EPOCH else electra
    return out


def parse_header_slot(data: Any) -> int:
    """GET /eth/v1/beacon/headers/{block_id}: the block's slot."""
    r = Reader("beacon headers/{block_id}")
    header = r.dict(r.dict(data, "header", "data"), "message", "data.header")
    return r.decimal_string(header, "slot", "data.header.message", signed=False)


def parse_finality(data: Any) -> dict[str, int]:
    r = Reader("beacon finality_checkpoints")
    return {
        name: r.decimal_string(r.dict(data, name, "data"), "epoch", f"data.{name}", signed=False)
        for name in ("previous_justified", "current_justified", "finalized")
    }


# ---------------------------------------------------------------- validators
def parse_validators(data: Any) -> list[dict[str, Any]]:
    r = Reader("beacon states/{state_id}/validators")
    if not isinstance(data, list):
        raise r.fail("data", "expected an array")
    rows = []
    for k, entry in enumerate(data):
        at = f"data[{k}]"
        validator = r.dict(entry, "validator", at)
        v_at = f"{at}.validator"
        credentials = r.str(validator, "withdrawal_credentials", v_at)
        rows.append({
            "validator_index": r.decimal_string(entry, "index", at, signed=False),
            "balance_gwei": r.decimal_string(entry, "balance", at, signed=False),
            "status": r.str(entry, "status", at),
            "pubkey": r.str(validator, "pubkey", v_at).lower(),
            "withdrawal_credentials": credentials.lower(),
            "effective_balance_gwei": r.decimal_string(validator, "effective_balance", v_at, signed=False),
            "slashed": r.bool(validator, "slashed", v_at),
            "activation_epoch": _epoch(r.decimal_string(validator, "activation_epoch", v_at, signed=False)),
            "exit_epoch": _epoch(r.decimal_string(validator, "exit_epoch", v_at, signed=False)),
            "withdrawable_epoch": _epoch(r.decimal_string(validator, "withdrawable_epoch", v_at, signed=False)),
        })
    return rows


def _epoch(value: int) -> int | None:
    return None if value == FAR_FUTURE_EPOCH else value


def withdrawal_address(credentials: str) -> str | None:
    """The execution address of 0x01 / 0x02 credentials (None for BLS 0x00 ones)."""
    if credentials[:4] in ("0x01", "0x02") and len(credentials) == 66:
        return "0x" + credentials[-40:]
    return None


# ---------------------------------------------------------------- Electra's pending queues
def parse_pending_deposits(data: Any, state_slot: int) -> list[dict[str, Any]]:
    """GET /eth/v1/beacon/states/{state_id}/pending_deposits: the queue in order. `origin` says
    where an entry came from: `request` (an EIP-6110 deposit request: slot = its block's slot),
    `bridge` (a deposit-contract deposit: slot 0, a real signature), or `balance` (slot 0 and the
    point-at-infinity signature: principal queue_excess_active_balance moved out of a validator's
    own balance)."""
    r = Reader(f"beacon states/{state_slot}/pending_deposits")
    if not isinstance(data, list):
        raise r.fail("data", "expected an array")
    rows = []
    for k, entry in enumerate(data):
        at = f"data[{k}]"
        slot = r.decimal_string(entry, "slot", at, signed=False)
        signature = r.str(entry, "signature", at).lower()
        rows.append({
            "state_slot": state_slot, "position": k, "pubkey": r.str(entry, "pubkey", at).lower(),
            "withdrawal_credentials": r.str(entry, "withdrawal_credentials", at).lower(),
            "amount_gwei": r.decimal_string(entry, "amount", at, signed=False), "entry_slot": slot,
            "origin": "request" if slot > 0 else "balance" if signature == G2_POINT_AT_INFINITY else "bridge",
        })
    return rows


def parse_pending_consolidations(data: Any, state_slot: int) -> list[dict[str, Any]]:
    r = Reader(f"beacon states/{state_slot}/pending_consolidations")
    if not isinstance(data, list):
        raise r.fail("data", "expected an array")
    return [
        {"state_slot": state_slot, "position": k,
         "source_index": r.decimal_string(entry, "source_index", f"data[{k}]", signed=False),
         "target_index": r.decimal_string(entry, "target_index", f"data[{k}]", signed=False)}
        for k, entry in enumerate(data)
    ]


def parse_pending_partial_withdrawals(data: Any, state_slot: int) -> list[dict[str, Any]]:
    r = Reader(f"beacon states/{state_slot}/pending_partial_withdrawals")
    if not isinstance(data, list):
        raise r.fail("data", "expected an array")
    return [
        {"state_slot": state_slot, "position": k,
         "validator_index": r.decimal_string(entry, "validator_index", f"data[{k}]", signed=False),
         "amount_gwei": r.decimal_string(entry, "amount", f"data[{k}]", signed=False),
         "withdrawable_epoch": r.decimal_string(entry, "withdrawable_epoch", f"data[{k}]", signed=False)}
        for k, entry in enumerate(data)
    ]


# ---------------------------------------------------------------- rewards
ATTESTATION_COMPONENTS = ("head", "target", "source", "inclusion_delay", "inactivity")


def parse_attestation_rewards(data: Any, epoch: int) -> list[dict[str, Any]]:
    """total_rewards per validator, signed gwei; inclusion_delay exists before Altair only."""
    r = Reader(f"beacon rewards/attestations/{epoch}")
    totals = r.list(data, "total_rewards", "data")
    r.list(data, "ideal_rewards", "data")
    fast = _attestation_rows_fast(totals, epoch)
    if fast is not None:
        return fast
    rows = []
    for k, entry in enumerate(totals):
        at = f"data.total_rewards[{k}]"
        row = {"epoch": epoch, "validator_index": r.decimal_string(entry, "validator_index", at, signed=False)}
        for name in ATTESTATION_COMPONENTS:
            row[f"{name}_gwei"] = r.decimal_string(entry, name, at, optional=name == "inclusion_delay") or 0
        rows.append(row)
    return rows


def _plain_decimal(value: Any, signed: bool) -> bool:
    """What Reader.decimal_string accepts, for the common case only: ASCII digits with an optional
    minus. Anything else (a trailing newline the regular expression lets through included) is
    left to the strict reader, which accepts or names it exactly as before."""
    if type(value) is not str:
        return False
    digits = value[1:] if signed and value[:1] == "-" else value
    return digits.isascii() and digits.isdigit()


def _attestation_rows_fast(totals: list[Any], epoch: int) -> list[dict[str, Any]] | None:
    """parse_attestation_rewards' rows when every entry is plainly well formed (a million-row
    answer spends most of its parse in per-field checks); None sends the answer through the
    field-by-field reader, so a bad entry is refused with the same message as ever."""
    rows = []
    append = rows.append
    plain = _plain_decimal
    for entry in totals:
        if type(entry) is not dict:
            return None
        index, head, target, source, inactivity = (entry.get("validator_index"), entry.get("head"), entry.get("target"),
                                                   entry.get("source"), entry.get("inactivity"))
        delay = entry.get("inclusion_delay", "0")
        if not (plain(index, False) and plain(head, True) and plain(target, True) and plain(source, True)
                and plain(inactivity, True) and (delay is None or plain(delay, True))):
            return None
        append({"epoch": epoch, "validator_index": int(index), "head_gwei": int(head), "target_gwei": int(target),
                "source_gwei": int(source), "inclusion_delay_gwei": int(delay) if delay is not None else 0,
                "inactivity_gwei": int(inactivity)})
    return rows


ATTESTATION_COLUMNS = ("validator_index", "head_gwei", "target_gwei", "source_gwei", "inclusion_delay_gwei", "inactivity_gwei")
# What a column's values may be made of, once joined by commas: deleted, only ASCII digits may be
# left (no minus in an unsigned column).
_UNSIGNED_LIST = str.maketrans("", "", ",")
_SIGNED_LIST = str.maketrans("", "", ",-")


def parse_attestation_columns(data: Any, epoch: int) -> dict[str, Any]:
    """parse_attestation_rewards' values as columns (ATTESTATION_COLUMNS, in entry order), for the
    day-grain sums, which need no row per entry: int64 arrow arrays when every entry is plainly
    well formed, else lists of ints from the field-by-field reader. Accepts and refuses exactly
    what parse_attestation_rewards does: anything the column-wise check does not pass goes
    through that reader, so a bad entry is refused with the same message."""
    r = Reader(f"beacon rewards/attestations/{epoch}")
    totals = r.list(data, "total_rewards", "data")
    r.list(data, "ideal_rewards", "data")
    fast = _attestation_columns_fast(totals)
    if fast is not None:
        return fast
    rows = parse_attestation_rewards(data, epoch)
    return {name: [row[name] for row in rows] for name in ATTESTATION_COLUMNS}


def _int64_column(values: list[Any], allowed: dict[int, None]) -> Any:
    """The values as an int64 arrow array when every one is a plain decimal string (ASCII digits,
    an optional minus where signed; no sign, space, underscore or other digit) that fits 64 bits;
    None otherwise (the reader decides). The values joined by commas may hold nothing but digits,
    commas and (signed) minus signs; arrow splits the joined text back into as many values (more:
    a value held a comma) and its cast reads each, no Python per value, refusing any other
    arrangement ("1-2", "--1", "-", "") or a value beyond 64 bits
    (tests/loaders/beacon/test_helpers.py pins what it refuses)."""
    try:
        joined = ",".join(values)
        if not (joined.isascii() and joined.translate(allowed).isdigit()):
            return None
        parts = pc.split_pattern(pa.array([joined], pa.string()), ",").flatten()
        return parts.cast(pa.int64()) if len(parts) == len(values) else None
    except (TypeError, pa.ArrowInvalid):
        return None


_ENTRY_KEYS = ("validator_index", "head", "target", "source", "inactivity")
_ENTRY_GETTERS = tuple(itemgetter(k) for k in _ENTRY_KEYS)


def _attestation_columns_fast(totals: list[Any], no_delays: bool = False) -> dict[str, Any] | None:
    """A column at a time: one C-level pass per field (map over itemgetter), one join, one
    check of the characters and one arrow cast per column, where the row-wise fast path checks
    and converts each value in Python. `no_delays`: the caller knows no entry has an
    inclusion_delay (the pass looking for them is skipped)."""
    try:
        columns = [list(map(get, totals)) for get in _ENTRY_GETTERS]
        delay = [None] * len(totals) if no_delays else [e.get("inclusion_delay") for e in totals]
    except (TypeError, KeyError, AttributeError):  # an entry that is not an object, or lacks a field
        return None
    if not totals:
        return {name: pa.array([], pa.int64()) for name in ATTESTATION_COLUMNS}
    index, head, target, source, inactivity = (_int64_column(values, _UNSIGNED_LIST if k == 0 else _SIGNED_LIST)
                                               for k, values in enumerate(columns))
    present = [] if no_delays else [d for d in delay if d is not None]  # absent or null: 0 (before Altair only)
    if not present:
        delays = pa.array([0] * len(delay), pa.int64())
    elif len(present) == len(delay):
        delays = _int64_column(delay, _SIGNED_LIST)
    else:
        checked = _int64_column(present, _SIGNED_LIST)
        delays = None if checked is None else pa.array(delay, pa.string()).cast(pa.int64()).fill_null(0)
    if any(column is None for column in (index, head, target, source, inactivity, delays)):
        return None
    return {"validator_index": index, "head_gwei": head, "target_gwei": target, "source_gwei": source,
            "inclusion_delay_gwei": delays, "inactivity_gwei": inactivity}


_SCALARS = frozenset({str, int, float, bool, type(None)})


def read_attestation_columns(body: bytes) -> dict[str, Any] | None:
    """parse_attestation_columns(json.loads(body)["data"]), read with orjson (about twice as fast
    as json.loads), for an answer plainly well formed; None when orjson refuses the body or the
    answer is anything else: the caller then reads it with json.loads and the usual parse, which
    accept, refuse and name exactly what they always did.

    orjson and json.loads read a document differently in ways this never lets through: orjson
    refuses NaN, Infinity, lone surrogates, a byte-order mark, UTF-16/32 and invalid UTF-8 (json
    accepts some of them; the ordinary path decides), and reads an integer beyond 64 bits as a
    float (json: an exact int). Here no number is read at all: every value taken is a string of
    total_rewards (a number there is not plainly well formed: None), and every entry holds only
    the fields read (5, or 6 with inclusion_delay in all of them), so no number hides in one.
    Elsewhere (the envelope, ideal_rewards) values are not read, only checked to be flat, so that
    json.loads could not have failed on nesting deeper than its recursion limit either.
    Tried first: pyarrow's JSON reader (attestations_arrow), for the bodies it can vouch for."""
    columns = read_attestation_columns_arrow(body)
    if columns is not None:
        return columns
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(doc) is not dict or type(data := doc.get("data")) is not dict:
        return None
    totals, ideal = data.get("total_rewards"), data.get("ideal_rewards")
    if type(totals) is not list or type(ideal) is not list:
        return None
    others = [v for k, v in doc.items() if k != "data"] + [v for k, v in data.items() if k not in ("total_rewards", "ideal_rewards")]
    try:
        if not _SCALARS.issuperset(map(type, chain(others, chain.from_iterable(map(dict.values, ideal))))):
            return None
    except TypeError:  # an ideal_rewards entry that is not an object
        return None
    if not set(map(type, totals)) <= {dict}:
        return None
    widths = set(map(len, totals))
    if not (widths <= {5} or (widths == {6} and all("inclusion_delay" in e for e in totals))):
        return None  # a field beyond the ones read (inclusion_delay in some entries only, say): the ordinary path
    return _attestation_columns_fast(totals, no_delays=widths <= {5})


def parse_block_rewards(data: Any, slot: int) -> dict[str, Any]:
    r = Reader(f"beacon rewards/blocks/{slot}")
    row = {"slot": slot, "proposer_index": r.decimal_string(data, "proposer_index", "data", signed=False)}
    parts = 0
    for name in ("attestations", "sync_aggregate", "proposer_slashings", "attester_slashings"):
        row[f"{name}_gwei"] = r.decimal_string(data, name, "data", signed=False)
        parts += row[f"{name}_gwei"]
    row["total_gwei"] = r.decimal_string(data, "total", "data", signed=False)
    if row["total_gwei"] != parts:
        raise r.fail("data.total", f"{row['total_gwei']} is not the sum of its parts ({parts})")
    return row


def parse_sync_committee_rewards(data: Any, slot: int) -> list[dict[str, Any]]:
    r = Reader(f"beacon rewards/sync_committee/{slot}")
    if not isinstance(data, list):
        raise r.fail("data", "expected an array")
    return [
        {"slot": slot, "validator_index": r.decimal_string(e, "validator_index", f"data[{k}]", signed=False),
         "reward_gwei": r.decimal_string(e, "reward", f"data[{k}]")}
        for k, e in enumerate(data)
    ]


def sync_committee_reward_columns(data: Any, slot: int) -> tuple[list[int], list[int]]:
    """parse_sync_committee_rewards' validator indices and rewards as two lists, without a dict
    per entry when every entry is plainly well formed (a network-wide mainnet day reads 3.7
    million); anything else goes through parse_sync_committee_rewards, which refuses a bad
    entry naming it as ever. `_plain_decimal` accepts a subset of what Reader.decimal_string
    accepts, and int() reads it alike."""
    if type(data) is list:
        indices: list[int] = []
        rewards: list[int] = []
        plain = _plain_decimal
        for entry in data:
            if type(entry) is not dict:
                break
            index, reward = entry.get("validator_index"), entry.get("reward")
            if not (plain(index, False) and plain(reward, True)):
                break
            indices.append(int(index))
            rewards.append(int(reward))
        else:
            return indices, rewards
    rows = parse_sync_committee_rewards(data, slot)
    return [r["validator_index"] for r in rows], [r["reward_gwei"] for r in rows]


def parse_sync_committee(data: Any) -> list[int]:
    r = Reader("beacon states/{state_id}/sync_committees")
    return [int(v) for v in _decimal_list(r, r.list(data, "validators", "data"), "data.validators")]


def _decimal_list(r: Reader, values: list, at: str) -> list[int]:
    out = []
    for k, v in enumerate(values):
        if not isinstance(v, str) or not v.isdigit():
            raise r.fail(f"{at}[{k}]", f"expected a decimal string, got {v!r}")
        out.append(int(v))
    return out


def parse_proposer_duties(data: Any, epoch: int) -> list[dict[str, Any]]:
    r = Reader(f"beacon validator/duties/proposer/{epoch}")
    if not isinstance(data, list):
        raise r.fail("data", "expected an array")
    return [
        {"slot": r.decimal_string(d, "slot", f"data[{k}]", signed=False), "epoch": epoch,
         "validator_index": r.decimal_string(d, "validator_index", f"data[{k}]", signed=False),
         "pubkey": r.str(d, "pubkey", f"data[{k}]").lower()}
        for k, d in enumerate(data)
    ]


# ---------------------------------------------------------------- blocks
def parse_block(data: Any, slot: int) -> dict[str, Any]:
    """A signed beacon block: the proposer, the execution payload summary, the principal moves
    and requests it carries (withdrawals paid; deposits, consolidation and withdrawal requests,
    which since Electra only join the state's queues) and the slashings it includes."""
    r = Reader(f"beacon v2 blocks/{slot}")
    message = r.dict(data, "message", "data")
    at = "data.message"
    reported = r.decimal_string(message, "slot", at, signed=False)
    if reported != slot:
        raise r.fail(f"{at}.slot", f"asked for slot {slot}, got {reported}")
    body = r.dict(message, "body", at)
    b_at = f"{at}.body"
    payload = r.dict(body, "execution_payload", b_at, optional=True)
    block = {
        "slot": slot,
        "proposer_index": r.decimal_string(message, "proposer_index", at, signed=False),
        "block_number": None, "block_hash": None, "fee_recipient": None, "gas_used": None,
        "base_fee_per_gas_wei": None, "timestamp": None,
    }
    withdrawals, deposits, consolidations, withdrawal_requests, slashings = [], [], [], [], []
    if payload is not None:
        p_at = f"{b_at}.execution_payload"
        block.update(
            block_number=r.decimal_string(payload, "block_number", p_at, signed=False),
            block_hash=r.str(payload, "block_hash", p_at).lower(),
            fee_recipient=r.str(payload, "fee_recipient", p_at).lower(),
            gas_used=r.decimal_string(payload, "gas_used", p_at, signed=False),
            base_fee_per_gas_wei=r.decimal_string(payload, "base_fee_per_gas", p_at, signed=False),
            timestamp=r.decimal_string(payload, "timestamp", p_at, signed=False),
        )
        for k, w in enumerate(r.list(payload, "withdrawals", p_at, optional=True) or []):
            w_at = f"{p_at}.withdrawals[{k}]"
            withdrawals.append({
                "slot": slot, "withdrawal_index": r.decimal_string(w, "index", w_at, signed=False),
                "validator_index": r.decimal_string(w, "validator_index", w_at, signed=False),
                "address": r.str(w, "address", w_at).lower(),
                "amount_gwei": r.decimal_string(w, "amount", w_at, signed=False),
            })
    requests = r.dict(body, "execution_requests", b_at, optional=True) or {}
    for k, d in enumerate(r.list(requests, "deposits", f"{b_at}.execution_requests", optional=True) or []):
        d_at = f"{b_at}.execution_requests.deposits[{k}]"
        deposits.append({
            "slot": slot, "position": k, "source": "execution_request", "pubkey": r.str(d, "pubkey", d_at).lower(),
            "withdrawal_credentials": r.str(d, "withdrawal_credentials", d_at).lower(),
            "amount_gwei": r.decimal_string(d, "amount", d_at, signed=False),
        })
    for k, d in enumerate(r.list(body, "deposits", b_at, optional=True) or []):
        d_at = f"{b_at}.deposits[{k}].data"
        data_ = r.dict(d, "data", f"{b_at}.deposits[{k}]")
        deposits.append({
            "slot": slot, "position": 1000 + k, "source": "eth1_bridge", "pubkey": r.str(data_, "pubkey", d_at).lower(),
            "withdrawal_credentials": r.str(data_, "withdrawal_credentials", d_at).lower(),
            "amount_gwei": r.decimal_string(data_, "amount", d_at, signed=False),
        })
    for k, c in enumerate(r.list(requests, "consolidations", f"{b_at}.execution_requests", optional=True) or []):
        c_at = f"{b_at}.execution_requests.consolidations[{k}]"
        consolidations.append({
            "slot": slot, "position": k, "source_pubkey": r.str(c, "source_pubkey", c_at).lower(),
            "target_pubkey": r.str(c, "target_pubkey", c_at).lower(),
        })
    for k, w in enumerate(r.list(requests, "withdrawals", f"{b_at}.execution_requests", optional=True) or []):
        w_at = f"{b_at}.execution_requests.withdrawals[{k}]"
        withdrawal_requests.append({
            "slot": slot, "position": k, "source_address": r.str(w, "source_address", w_at).lower(),
            "validator_pubkey": r.str(w, "validator_pubkey", w_at).lower(),
            "amount_gwei": r.decimal_string(w, "amount", w_at, signed=False),  # 0: a full exit
        })
    for k, s in enumerate(r.list(body, "proposer_slashings", b_at, optional=True) or []):
        header = r.dict(r.dict(s, "signed_header_1", f"{b_at}.proposer_slashings[{k}]"), "message",
                        f"{b_at}.proposer_slashings[{k}].signed_header_1")
        index = r.decimal_string(header, "proposer_index", f"{b_at}.proposer_slashings[{k}].signed_header_1.message", signed=False)
        slashings.append({"slot": slot, "validator_index": index, "kind": "proposer"})
    for k, s in enumerate(r.list(body, "attester_slashings", b_at, optional=True) or []):
        at_k = f"{b_at}.attester_slashings[{k}]"
        one = set(_decimal_list(r, r.list(r.dict(s, "attestation_1", at_k), "attesting_indices", f"{at_k}.attestation_1"), f"{at_k}.attestation_1.attesting_indices"))
        two = set(_decimal_list(r, r.list(r.dict(s, "attestation_2", at_k), "attesting_indices", f"{at_k}.attestation_2"), f"{at_k}.attestation_2.attesting_indices"))
        slashings.extend({"slot": slot, "validator_index": i, "kind": "attester"} for i in sorted(one & two))
    return {"block": block, "withdrawals": withdrawals, "deposits": deposits, "consolidations": consolidations,
            "withdrawal_requests": withdrawal_requests, "slashings": slashings}
