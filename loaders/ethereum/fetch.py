"""What the Ethereum resources fetch, per UTC day, from the beacon node, the execution node and
every configured relay.

A day holds the epochs that start in it (a..b) and their slots. Income needs the attestation
rewards of a..b (each needs the state at the end of the next epoch), the tracked proposals'
block rewards, execution blocks and relay deliveries, and sync committee rewards. The balance
reconciliation needs the states at the last slots of epochs a-1 and b, the attestation rewards
of a-2..b-2 (credited at the transition into e+2), and every principal move in the day's blocks,
so every block of the day is read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from loaders.beacon import helpers as beacon
from loaders.config import ChainConfig
from loaders.ethereum.settings import EL_CALLS_PER_BATCH, IDS_PER_REQUEST, NETWORK_WIDE_BATCH
from loaders.execution import helpers as execution
from loaders.providers import Fetched, NotFound, ProviderChain, ProviderClient, Rejected, ResponseArchive
from loaders.providers.client import AttemptsExhausted, ClientError, PayloadError
from loaders.providers.jsonrpc import JsonRpc
from loaders.relays import helpers as relays
from loaders.resources import RejectionLog

log = logging.getLogger("aurora.ethereum")


class ConfigMismatch(Exception):
    """chains.yaml disagrees with what the beacon node reports."""


class HistoryUnavailable(Exception):
    """The beacon node no longer has what a day needs (a pruned, non-archive node)."""


def _workers() -> int:
    """Requests in flight per day (blocks, rewards, relays): a beacon node serves them in parallel."""
    return max(1, int(os.environ.get("AURORA_HTTP_WORKERS", "8")))


def _in_parallel(fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
    """fn over items with a few threads, results in input order; an exception is returned, not raised."""

    def safe(item: Any) -> Any:
        try:
            return fn(item)
        except Exception as exc:  # handed back to the caller, which knows which failures are data
            return exc

    items = list(items)
    if len(items) <= 1:
        return [safe(i) for i in items]
    with ThreadPoolExecutor(max_workers=_workers()) as pool:
        return list(pool.map(safe, items))


def _data(body: Any, endpoint: str) -> Any:
    if not isinstance(body, dict) or "data" not in body:
        raise PayloadError(f"{endpoint}: expected an object with `data`")
    return body["data"]


@dataclass
class DayPlan:
    day: date
    first_epoch: int
    last_epoch: int
    slots_per_epoch: int

    @property
    def period(self) -> str:
        return self.day.isoformat()

    @property
    def first_slot(self) -> int:
        return self.first_epoch * self.slots_per_epoch

    @property
    def last_slot(self) -> int:
        return (self.last_epoch + 1) * self.slots_per_epoch - 1

    @property
    def start_state_slot(self) -> int:
        return max(self.first_slot - 1, 0)

    @property
    def end_state_slot(self) -> int:
        return self.last_slot


@dataclass
class DayData:
    """One day, handed to the resources table by table: small tables fetched up front, the
    validator-sized ones (attestation rewards; states when network-wide) as batch streams that
    the resources pull while dlt writes, so memory does not grow with the validator count."""

    plan: DayPlan
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    streams: dict[str, Callable[[], Iterator[list[dict[str, Any]]]]] = field(default_factory=dict)

    def rows(self, name: str) -> list[dict[str, Any]] | Iterator[list[dict[str, Any]]]:
        return self.streams[name]() if name in self.streams else self.tables.get(name, [])

    @classmethod
    def window_only(cls, plan: DayPlan) -> "DayData":
        """A day whose data could not be read: only its window, so the day is in the grid."""
        data = cls(plan)
        data.tables["day_windows"] = [day_window_row(plan)]
        return data


def day_window_row(plan: DayPlan) -> dict[str, Any]:
    return {
        "day": plan.period, "first_epoch": plan.first_epoch, "last_epoch": plan.last_epoch,
        "first_slot": plan.first_slot, "last_slot": plan.last_slot,
        "start_state_slot": plan.start_state_slot, "end_state_slot": plan.end_state_slot, "response_id": None,
    }


class EthereumFetcher:
    def __init__(
        self,
        chain: ChainConfig,
        *,
        beacon_chain: ProviderChain,
        execution_chain: ProviderChain | None,
        relay_clients: list[ProviderClient],
        archive: ResponseArchive,
        tracked: list[str],
        open_rejections: set[str] | None = None,
    ):
        self.chain = chain
        self.beacon_chain = beacon_chain
        self.execution = JsonRpc(execution_chain, batch_size=EL_CALLS_PER_BATCH) if execution_chain else None
        self.relay_clients = relay_clients
        self.archive = archive
        self.tracked_config = tracked  # indices or 0x pubkeys; empty: network-wide
        self.rejections = RejectionLog(archive, chain.key, open_rejections)
        self.notes: list[str] = []
        self._clock: beacon.BeaconClock | None = None
        self._spec: dict[str, int] = {}
        self._finality: dict[str, int] | None = None
        self._finality_response: str | None = None
        self._head_slot: int | None = None

    # ------------------------------------------------------------ beacon access
    def _beacon(
        self, method: str, path: str, endpoint: str, parse: Callable[[Any], Any], body: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Fetched:
        return self.beacon_chain.call(lambda client: client.request(
            method, path, endpoint=endpoint, json_body=body, params=params, parse=lambda b: parse(_data(b, endpoint)),
        ))

    def clock(self) -> beacon.BeaconClock:
        if self._clock is None:
            genesis = self._beacon("GET", "/eth/v1/beacon/genesis", "genesis", beacon.parse_genesis).value
            self._spec = self._beacon("GET", "/eth/v1/config/spec", "spec", beacon.parse_spec).value
            clock = beacon.BeaconClock(genesis, self._spec["SECONDS_PER_SLOT"], self._spec["SLOTS_PER_EPOCH"])
            self._check_config(clock)
            self._clock = clock
        return self._clock

    def _check_config(self, clock: beacon.BeaconClock) -> None:
        c = self.chain
        problems = []
        if c.slots_per_epoch != clock.slots_per_epoch:
            problems.append(f"slots_per_epoch is {c.slots_per_epoch}, the node's SLOTS_PER_EPOCH is {clock.slots_per_epoch}")
        if float(c.slot_seconds) != float(clock.seconds_per_slot):
            problems.append(f"slot_seconds is {c.slot_seconds:g}, the node's SECONDS_PER_SLOT is {clock.seconds_per_slot}")
        if int(c.genesis_time.timestamp()) != clock.genesis_time:
            node = datetime.fromtimestamp(clock.genesis_time, tz=timezone.utc).isoformat()
            problems.append(f"genesis_time is {c.genesis_time.isoformat()}, the node's genesis is {node}")
        if problems:
            raise ConfigMismatch(f"chains file: chains.{c.key}: " + "; ".join(problems)
                                 + ": point the chain at the right network or fix the chains file")

    def finality(self) -> dict[str, int]:
        if self._finality is None:
            fetched = self._beacon("GET", "/eth/v1/beacon/states/head/finality_checkpoints", "finality_checkpoints", beacon.parse_finality)
            self._finality, self._finality_response = fetched.value, fetched.response_id
            headers = self.beacon_chain.call(lambda client: client.request(
                "GET", "/eth/v1/beacon/headers/head", endpoint="headers",
                parse=lambda b: int(_data(b, "headers")["header"]["message"]["slot"]) if isinstance(_data(b, "headers"), dict) else None,
            ))
            self._head_slot = headers.value
        return self._finality

    @property
    def head_slot(self) -> int:
        self.finality()
        assert self._head_slot is not None
        return self._head_slot

    @property
    def head_epoch(self) -> int:
        return self.head_slot // self.clock().slots_per_epoch

    def snapshot_row(self) -> dict[str, Any]:
        clock, finality = self.clock(), self.finality()
        return {
            "run_id": self.archive.run_id, "observed_at": datetime.now(timezone.utc), "head_slot": self.head_slot,
            "head_epoch": self.head_epoch, "finalized_epoch": finality["finalized"],
            "justified_epoch": finality["current_justified"], "genesis_time": clock.genesis_time,
            "seconds_per_slot": clock.seconds_per_slot, "slots_per_epoch": clock.slots_per_epoch,
            "response_id": self._finality_response,
        }

    # ------------------------------------------------------------ days
    def plan(self, day: date) -> DayPlan | None:
        epochs = self.clock().epochs_of_day(day)
        if not epochs:
            return None
        return DayPlan(day, epochs.start, epochs[-1], self.clock().slots_per_epoch)

    def is_complete(self, plan: DayPlan) -> bool:
        """The last epoch's attestation rewards need the epoch after it finished."""
        return plan.last_epoch + 2 <= self.head_epoch

    # ------------------------------------------------------------ validators
    def states(self, state_slot: int, ids: list[str]) -> tuple[list[dict[str, Any]], str | None]:
        """Validator records at a state for the given indices or pubkeys."""
        rows: list[dict[str, Any]] = []
        response_id = None
        for batch in self.iter_states(state_slot, ids):
            rows.extend(batch)
            response_id = batch[0]["response_id"] if batch else response_id
        return rows, response_id

    def iter_states(self, state_slot: int, ids: list[str] | None) -> Iterator[list[dict[str, Any]]]:
        """Validator records at a state in batches; ids None: every validator, by index ranges."""
        path = f"/eth/v1/beacon/states/{state_slot}/validators"
        batches = iter([ids[i : i + IDS_PER_REQUEST] for i in range(0, len(ids), IDS_PER_REQUEST)]) if ids is not None else None
        start = 0
        while True:
            if batches is not None:
                batch = next(batches, None)
                if batch is None:
                    return
            else:
                batch = [str(i) for i in range(start, start + NETWORK_WIDE_BATCH)]
                start += NETWORK_WIDE_BATCH
            fetched = self._beacon("POST", path, "validators", beacon.parse_validators, body={"ids": batch})
            yield [{**row, "state_slot": state_slot, "response_id": fetched.response_id} for row in fetched.value]
            if batches is None and len(fetched.value) < len(batch):
                return

    def iter_attestation_rewards(self, epoch: int, indices: list[int] | None) -> Iterator[list[dict[str, Any]]]:
        """One epoch's rewards in batches: the tracked indices, or every validator by index ranges
        (a million validators: 100 requests, one batch in memory at a time)."""
        path = f"/eth/v1/beacon/rewards/attestations/{epoch}"
        if indices is None:
            start = 0
            while True:
                batch = [str(i) for i in range(start, start + NETWORK_WIDE_BATCH)]
                got = self._attestation_batch(path, epoch, batch)
                yield got
                if len(got) < len(batch):
                    return
                start += NETWORK_WIDE_BATCH
        for i in range(0, len(indices), IDS_PER_REQUEST):
            yield self._attestation_batch(path, epoch, [str(v) for v in indices[i : i + IDS_PER_REQUEST]])

    def _attestation_batch(self, path: str, epoch: int, ids: list[str]) -> list[dict[str, Any]]:
        fetched = self._beacon("POST", path, "attestation_rewards", lambda d: beacon.parse_attestation_rewards(d, epoch), body=ids)
        return [{**row, "response_id": fetched.response_id} for row in fetched.value]

    # ------------------------------------------------------------ one day
    def fetch_day(self, plan: DayPlan, progress: Callable[[str, int, int], None] | None = None) -> DayData:
        data = DayData(plan)
        t = data.tables
        S = plan.slots_per_epoch
        t["day_windows"] = [day_window_row(plan)]
        wanted = [str(v) for v in self.tracked_config] if self.tracked_config else None
        epochs = list(range(max(plan.first_epoch - 2, 0), plan.last_epoch + 1))
        self._check_history(plan, epochs[0])
        if wanted is not None:
            end_states, _ = self.states(plan.end_state_slot, wanted)
            start_states, _ = self.states(plan.start_state_slot, wanted)
            t["validator_states"] = end_states + start_states
            indices = sorted({row["validator_index"] for row in end_states})
            tracked: set[int] | None = set(indices)
            pubkeys = {row["pubkey"]: row["validator_index"] for row in end_states + start_states}
        else:
            # Network-wide: the states stream to dlt; nothing is filtered, nothing needs a lookup.
            data.streams["validator_states"] = lambda: (
                batch for slot in (plan.end_state_slot, plan.start_state_slot) for batch in self.iter_states(slot, None)
            )
            indices, tracked, pubkeys = None, None, {}
        data.streams["attestation_rewards"] = lambda: self._stream_attestation_rewards(plan, epochs, indices, progress)

        duties = []
        for epoch in range(plan.first_epoch, plan.last_epoch + 1):
            fetched = self._beacon("GET", f"/eth/v1/validator/duties/proposer/{epoch}", "proposer_duties",
                                   lambda d, e=epoch: beacon.parse_proposer_duties(d, e))
            duties.extend({**d, "response_id": fetched.response_id} for d in fetched.value)
        t["proposer_duties"] = [d for d in duties if tracked is None or d["validator_index"] in tracked]

        self._scan_blocks(plan, t, tracked, pubkeys, progress)
        proposals = [b for b in t["beacon_blocks"] if b["produced"] and (tracked is None or b["proposer_index"] in tracked)]
        self._block_rewards(plan, t, proposals)
        self._execution(plan, t, proposals)
        self._relays(plan, t, proposals)
        self._sync(plan, t, tracked, S)
        return data

    def _check_history(self, plan: DayPlan, first_epoch: int) -> None:
        """Fail fast, with the range, when a pruned node no longer serves what the day needs."""
        try:
            self._beacon("POST", f"/eth/v1/beacon/states/{plan.start_state_slot}/validators", "validators",
                         beacon.parse_validators, body={"ids": ["0"]})
            self._attestation_batch(f"/eth/v1/beacon/rewards/attestations/{first_epoch}", first_epoch, ["0"])
        except NotFound as exc:
            raise HistoryUnavailable(
                f"{plan.period} (epochs {plan.first_epoch}..{plan.last_epoch}): the beacon node no longer serves the state "
                f"at slot {plan.start_state_slot} or the rewards of epoch {first_epoch} ({exc}); days this old need an archive node"
            ) from None

    def _stream_attestation_rewards(self, plan: DayPlan, epochs: list[int], indices: list[int] | None, progress) -> Iterator[list[dict[str, Any]]]:
        for k, epoch in enumerate(epochs):
            try:
                yield from self.iter_attestation_rewards(epoch, indices)
                self.rejections.resolve(f"attestation_rewards:epoch={epoch}", plan.period, "attestation_rewards", None)
            except Rejected as exc:
                self.rejections.reject(f"attestation_rewards:epoch={epoch}", plan.period, "attestation_rewards", exc.reason, exc.response_id)
            if progress:
                progress("attestation rewards", k + 1, len(epochs))

    def _scan_blocks(self, plan: DayPlan, t: dict, tracked: set[int] | None, pubkeys: dict[str, int], progress) -> None:
        blocks, withdrawals, deposits, consolidations, slashings = [], [], [], [], []
        slots = range(plan.first_slot, plan.last_slot + 1)
        answers = _in_parallel(
            lambda slot: self._beacon("GET", f"/eth/v2/beacon/blocks/{slot}", "block", lambda d: beacon.parse_block(d, slot)),
            slots,
        )
        for k, (slot, fetched) in enumerate(zip(slots, answers)):
            key = f"block:slot={slot}"
            epoch = slot // plan.slots_per_epoch
            if isinstance(fetched, NotFound):
                blocks.append({"slot": slot, "epoch": epoch, "produced": False, "proposer_index": None, "block_number": None,
                               "block_hash": None, "fee_recipient": None, "gas_used": None, "base_fee_per_gas_wei": None,
                               "timestamp": None, "response_id": fetched.response_id})
                continue
            if isinstance(fetched, Rejected):
                self.rejections.reject(key, plan.period, "block", fetched.reason, fetched.response_id)
                continue
            if isinstance(fetched, Exception):
                raise fetched
            self.rejections.resolve(key, plan.period, "block", fetched.response_id)
            parsed, rid = fetched.value, fetched.response_id
            blocks.append({**parsed["block"], "epoch": epoch, "produced": True, "response_id": rid})

            def mine(index: int | None) -> bool:
                return tracked is None or (index is not None and index in tracked)

            withdrawals += [{**w, "response_id": rid} for w in parsed["withdrawals"] if mine(w["validator_index"])]
            deposits += [{**d, "response_id": rid} for d in parsed["deposits"] if tracked is None or d["pubkey"] in pubkeys]
            for c in parsed["consolidations"]:
                if tracked is None:
                    found = {r["pubkey"]: r["validator_index"] for r in self.states(slot, [c["source_pubkey"], c["target_pubkey"]])[0]}
                    pubkeys.update(found)
                source, target = pubkeys.get(c["source_pubkey"]), pubkeys.get(c["target_pubkey"])
                if tracked is None or mine(source) or mine(target):
                    consolidations.append({**c, "source_index": source, "target_index": target,
                                           "amount_gwei": self._consolidated_amount(slot, c["source_pubkey"]), "response_id": rid})
            slashings += [{**s, "response_id": rid} for s in parsed["slashings"] if mine(s["validator_index"])]
            if progress:
                progress("blocks", k + 1, len(slots))
        t.update(beacon_blocks=blocks, withdrawals=withdrawals, deposits=deposits,
                 consolidations=consolidations, slashings=slashings)

    def _consolidated_amount(self, slot: int, source_pubkey: str) -> int | None:
        """The source's balance just before the block that consolidates it: what moves."""
        try:
            rows, _ = self.states(slot - 1, [source_pubkey])
        except (NotFound, Rejected):
            return None
        return rows[0]["balance_gwei"] if rows else None

    def _block_rewards(self, plan: DayPlan, t: dict, proposals: list[dict]) -> None:
        rows = []
        answers = _in_parallel(
            lambda b: self._beacon("GET", f"/eth/v1/beacon/rewards/blocks/{b['slot']}", "block_rewards",
                                   lambda d: beacon.parse_block_rewards(d, b["slot"])),
            proposals,
        )
        for block, fetched in zip(proposals, answers):
            slot = block["slot"]
            key = f"block_rewards:slot={slot}"
            if isinstance(fetched, NotFound):
                raise HistoryUnavailable(f"{plan.period}: block rewards of slot {slot} are not served ({fetched}); days this old need an archive node")
            if isinstance(fetched, Rejected):
                self.rejections.reject(key, plan.period, "block_rewards", fetched.reason, fetched.response_id, str(block["proposer_index"]))
                continue
            if isinstance(fetched, Exception):
                raise fetched
            self.rejections.resolve(key, plan.period, "block_rewards", fetched.response_id, str(block["proposer_index"]))
            rows.append({**fetched.value, "response_id": fetched.response_id})
        t["block_rewards"] = rows

    def _execution(self, plan: DayPlan, t: dict, proposals: list[dict]) -> None:
        t["execution_blocks"], t["execution_transactions"] = [], []
        if self.execution is None or not proposals:
            return
        numbers = [b["block_number"] for b in proposals if b["block_number"] is not None]
        proposer = {b["block_number"]: str(b["proposer_index"]) for b in proposals}
        blocks = self.execution.batch("eth_getBlockByNumber", [[hex(n), True] for n in numbers],
                                      lambda result, p: execution.parse_block(result))
        receipts = self.execution.batch("eth_getBlockReceipts", [[hex(n)] for n in numbers],
                                        lambda result, p: execution.parse_receipts(result, int(p[0], 16)))
        for number, block, receipt in zip(numbers, blocks, receipts):
            key = f"execution_block:number={number}"
            problem = block.malformed or receipt.malformed or (block.error and f"RPC error {block.error_code}: {block.error.get('message')}") \
                or (receipt.error and f"RPC error {receipt.error_code}: {receipt.error.get('message')}")
            if not problem and len(receipt.result) != len(block.result["transactions"]):
                # Priority fees summed over part of a block would be wrong without a trace.
                problem = (f"eth_getBlockReceipts: {len(receipt.result)} receipts for {len(block.result['transactions'])} "
                           f"transactions in block {number}")
            if problem:
                malformed = bool(block.malformed or receipt.malformed) or not (block.error or receipt.error)
                self.rejections.reject(key, plan.period, "eth_getBlockByNumber/eth_getBlockReceipts", str(problem),
                                       block.response_id, proposer[number],
                                       gap="response_rejected" if malformed else "provider_failed:fees")
                continue
            self.rejections.resolve(key, plan.period, "eth_getBlockByNumber", block.response_id, proposer[number])
            by_hash = {r["transaction_hash"]: r for r in receipt.result}
            t["execution_blocks"].append({**block.result["block"], "response_id": block.response_id})
            for tx in block.result["transactions"]:
                paid = by_hash.get(tx["transaction_hash"], {})
                t["execution_transactions"].append({
                    **tx, "gas_used": paid.get("gas_used"), "effective_gas_price_wei": paid.get("effective_gas_price_wei"),
                    "response_id": receipt.response_id, "block_response_id": block.response_id,
                })

    def _relays(self, plan: DayPlan, t: dict, proposals: list[dict]) -> None:
        rows = []
        asks = [(block, client) for block in proposals for client in self.relay_clients]
        answers = _in_parallel(
            lambda ask: ask[1].request(
                "GET", "/relay/v1/data/bidtraces/proposer_payload_delivered", endpoint="proposer_payload_delivered",
                params={"slot": ask[0]["slot"]}, parse=lambda b: relays.parse_delivered(b, ask[1].key),
            ),
            asks,
        )
        for (block, client), fetched in zip(asks, answers):
            slot, relay = block["slot"], client.key
            key = f"relay:{relay}:slot={slot}"
            if isinstance(fetched, (AttemptsExhausted, ClientError, NotFound)):
                # One relay failing leaves that block's MEV uncertain: a gap, not a guess.
                malformed = isinstance(fetched, AttemptsExhausted) and fetched.malformed
                self.rejections.reject(key, plan.period, "proposer_payload_delivered", str(fetched),
                                       getattr(fetched, "response_id", None), str(block["proposer_index"]),
                                       gap="response_rejected" if malformed else "provider_failed:mev")
                continue
            if isinstance(fetched, Exception):
                raise fetched
            self.rejections.resolve(key, plan.period, "proposer_payload_delivered", fetched.response_id, str(block["proposer_index"]))
            rows.extend({**row, "response_id": fetched.response_id} for row in fetched.value if row["slot"] == slot)
        t["relay_payloads"] = rows

    def _sync(self, plan: DayPlan, t: dict, tracked: set[int] | None, slots_per_epoch: int) -> None:
        period_length = self._spec.get("EPOCHS_PER_SYNC_COMMITTEE_PERIOD", 256)
        members_rows, rewards = [], []
        produced = [b["slot"] for b in t["beacon_blocks"] if b["produced"]]
        for period in range(plan.first_epoch // period_length, plan.last_epoch // period_length + 1):
            epoch = max(period * period_length, plan.first_epoch)
            state = epoch * slots_per_epoch
            fetched = self._beacon("GET", f"/eth/v1/beacon/states/{state}/sync_committees", "sync_committees",
                                   beacon.parse_sync_committee, params={"epoch": epoch})
            members = sorted({v for v in fetched.value if tracked is None or v in tracked})
            members_rows += [{"period": period, "validator_index": v, "response_id": fetched.response_id} for v in members]
            if not members:
                continue
            first = max(plan.first_slot, period * period_length * slots_per_epoch)
            last = min(plan.last_slot, (period + 1) * period_length * slots_per_epoch - 1)
            slots = [s for s in produced if first <= s <= last]
            answers = _in_parallel(
                lambda slot: self._beacon("POST", f"/eth/v1/beacon/rewards/sync_committee/{slot}", "sync_committee_rewards",
                                          lambda d: beacon.parse_sync_committee_rewards(d, slot), body=[str(v) for v in members]),
                slots,
            )
            for slot, got in zip(slots, answers):
                key = f"sync_rewards:slot={slot}"
                if isinstance(got, Rejected):
                    self.rejections.reject(key, plan.period, "sync_committee_rewards", got.reason, got.response_id)
                    continue
                if isinstance(got, Exception):
                    raise got
                self.rejections.resolve(key, plan.period, "sync_committee_rewards", got.response_id)
                rewards += [{**r, "response_id": got.response_id} for r in got.value]
        t["sync_committee_members"], t["sync_committee_rewards"] = members_rows, rewards
