"""What the Ethereum resources fetch, per UTC day, from the beacon node, the execution node and
every configured relay.

A day holds the epochs that start in it (a..b) and their slots. Income needs the attestation
rewards of a..b (each needs the state at the end of the next epoch), the tracked proposals'
block rewards, execution blocks and relay deliveries, and sync committee rewards. The balance
reconciliation needs the states at the last slots of epochs a-1 and b, the attestation rewards
of a-2..b-2 (credited at the transition into e+2), every principal move in the day's blocks, so
every block of the day is read, and, since Electra, the pending deposit, consolidation and
partial-withdrawal queues of both bounding states: deposits and consolidations move balances
when the epoch transition processes the queue, not in the request's block.
"""

from __future__ import annotations

import functools
import logging
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from loaders.beacon import helpers as beacon
from loaders.beacon.validators_arrow import read_validator_columns_arrow
from loaders.bulk import ColumnBatches, arrow_columns
from loaders.config import ChainConfig
from loaders.ethereum.daygrain import DaySums, int64_columns
from loaders.ethereum.settings import (
    COLUMNS, EL_CALLS_PER_BATCH, EXECUTION_BLOCKS_PER_CHUNK, IDS_PER_REQUEST, NETWORK_WIDE_BATCH, QUEUES, SYNC_ROWS_PER_BATCH,
)
from loaders.execution import helpers as execution
from loaders.providers import Fetched, NotFound, ProviderChain, ProviderClient, Rejected, ResponseArchive
from loaders.providers.client import AttemptsExhausted, ClientError, PayloadError
from loaders.providers.json_text import IdRange
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


def _read_ahead() -> int:
    """Index ranges of one network-wide answer sequence asked at once (at most 4, never more
    than AURORA_HTTP_WORKERS): the node computes the next answers while this one is read."""
    return min(4, _workers())


@functools.lru_cache(maxsize=1024)
def range_ids(start: int, size: int) -> IdRange:
    """The ids of the index range of `size` from `start`: the same object for every epoch's
    request, so its JSON text is made once (loaders/providers/json_text). The text is kept for the
    process (~10 bytes a validator: ~10 MB for a network-wide run of 1,000,000 validators); the
    ids themselves are not held."""
    return IdRange(start, size)


def index_ranges(answer: Callable[[IdRange], Fetched], entries: Callable[[Any], int], *, known: int | None,
                 depth: int, ended: Callable[[int], None] = lambda count: None) -> Iterator[tuple[int, int, Fetched]]:
    """Every validator, by index ranges of NETWORK_WIDE_BATCH until an answer comes back short:
    (first, last index asked, answer), in order; `ended(count)` with the count found. Up to
    `depth` ranges are asked at once, so the node's work on the next answers overlaps this
    process's on the current one (one at a time, each waited for the other). With `known`
    validators known to exist, a range starting past them is asked only once the answer before it
    came back full, so nothing is asked for nothing; with none known, up to depth - 1 ranges past
    the end may be asked, and their answers are dropped. Answers still in flight when the sequence
    ends (or fails, or its reader stops) are waited for first: nothing runs on behind it."""
    pending: deque[tuple[int, Future]] = deque()
    start = 0
    pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="aurora-ranges")
    try:
        while True:
            while len(pending) < depth and (not pending or known is None or start < known):
                pending.append((start, pool.submit(answer, range_ids(start, NETWORK_WIDE_BATCH))))
                start += NETWORK_WIDE_BATCH
            first, future = pending.popleft()
            fetched = future.result()
            count = entries(fetched.value)
            yield first, first + NETWORK_WIDE_BATCH - 1, fetched
            if count < NETWORK_WIDE_BATCH:
                ended(first + count)
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def in_order(fn: Callable[[Any], Any], items: Iterable[Any], depth: int) -> Iterator[tuple[Any, Any]]:
    """(item, fn(item)) in input order, with up to `depth` calls running or waiting to be read: a
    long sequence of answers streams in bounded memory (a day's blocks, block rewards, relay
    answers, sync-committee rewards). An exception is handed back in its place, not raised (the
    caller knows which failures are data). Calls still running when the reader stops are waited
    for, the rest cancelled: nothing runs on behind it."""

    def safe(item: Any) -> Any:
        try:
            return fn(item)
        except Exception as exc:  # handed back to the caller, which knows which failures are data
            return exc

    pending: deque[tuple[Any, Future]] = deque()
    pool = ThreadPoolExecutor(max_workers=max(1, depth), thread_name_prefix="aurora-in-order")
    try:
        for item in items:
            pending.append((item, pool.submit(safe, item)))
            if len(pending) >= depth:
                item, future = pending.popleft()
                yield item, future.result()
        while pending:
            item, future = pending.popleft()
            yield item, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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


def _state_rows(state_slot: int, fetched: Fetched) -> list[dict[str, Any]]:
    """A validators answer's rows (beacon.parse_validators), each with the state's slot and the response id."""
    return [{**row, "state_slot": state_slot, "response_id": fetched.response_id} for row in fetched.value]


def attestation_table(epoch: int, columns: dict[str, Any], response_id: str | None) -> pa.Table:
    """One answer's columns (int64 arrays, or lists of ints from the field-by-field reader) as
    an attestation_rewards batch: the epoch and the response id on every row. A value beyond 64
    bits stops the load naming its column, as the row-wise path did."""
    n = len(columns["validator_index"])
    arrays = {"epoch": pa.array([epoch] * n, pa.int64())}
    for name in beacon.ATTESTATION_COLUMNS:
        values = columns[name]
        try:
            arrays[name] = values if isinstance(values, pa.Array) else pa.array(values, pa.int64())
        except (OverflowError, pa.ArrowInvalid) as exc:
            raise ValueError(f"attestation_rewards.{name}: a value does not fit int64: {exc}") from exc
    arrays["response_id"] = pa.array([response_id] * n, pa.string())
    return pa.table(arrays)


@dataclass
class DayData:
    """One day, handed to the resources table by table: small tables fetched up front, the
    validator-sized ones (attestation rewards; states when network-wide) as batch streams that
    the resources pull while dlt writes, so memory does not grow with the validator count."""

    plan: DayPlan
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    streams: dict[str, Callable[[], Iterator[list[dict[str, Any]] | pa.Table]]] = field(default_factory=dict)

    def rows(self, name: str) -> list[dict[str, Any]] | Iterator[list[dict[str, Any]] | pa.Table]:
        return self.streams[name]() if name in self.streams else self.tables.get(name, [])

    @classmethod
    def window_only(cls, plan: DayPlan, electra_fork_slot: int | None) -> "DayData":
        """A day whose data could not be read: only its window, so the day is in the grid."""
        data = cls(plan)
        data.tables["day_windows"] = [day_window_row(plan, electra_fork_slot)]
        return data


def _failure_gap(exc: Exception) -> str:
    """The gap a beacon read leaves: not served by any node = the rewards provider failed;
    served but malformed = rejected."""
    return "provider_failed:rewards" if isinstance(exc, NotFound) else "response_rejected"


def day_window_row(plan: DayPlan, electra_fork_slot: int | None) -> dict[str, Any]:
    return {
        "day": plan.period, "first_epoch": plan.first_epoch, "last_epoch": plan.last_epoch,
        "first_slot": plan.first_slot, "last_slot": plan.last_slot,
        "start_state_slot": plan.start_state_slot, "end_state_slot": plan.end_state_slot,
        "electra_fork_slot": electra_fork_slot, "response_id": None,
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
        self._registry_count: int | None = None  # the most validators a network-wide sequence found

    # ------------------------------------------------------------ beacon access
    def _beacon(
        self, method: str, path: str, endpoint: str, parse: Callable[[Any], Any], body: Any = None,
        params: dict[str, Any] | None = None, read: Callable[[bytes], Any] | None = None,
    ) -> Fetched:
        return self.beacon_chain.call(lambda client: client.request(
            method, path, endpoint=endpoint, json_body=body, params=params, parse=lambda b: parse(_data(b, endpoint)),
            read=read,
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
                parse=lambda b: beacon.parse_header_slot(_data(b, "headers")),
            ))
            self._head_slot = headers.value
        return self._finality

    @property
    def electra_fork_slot(self) -> int | None:
        """The first slot of the Electra fork epoch (its state is the first with pending queues);
        None when the node's spec has no Electra scheduled."""
        self.clock()
        epoch = self._spec.get("ELECTRA_FORK_EPOCH")
        return None if epoch is None else epoch * self.clock().slots_per_epoch

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

    def _index_ranges(self, answer: Callable[[list[str]], Fetched], entries: Callable[[Any], int]) -> Iterator[tuple[int, int, Fetched]]:
        """index_ranges, none asked ahead past the most validators a sequence of this fetcher has
        found. The registry only grows: a sequence at a later point finds at least as many; one
        at an earlier point (a day's start state, read after its end) may find fewer, and the
        ranges between are asked for nothing: at most one within a day, whose activations are
        far fewer than NETWORK_WIDE_BATCH. So a day's load asks ahead blindly only for its first
        sequence."""

        def ended(count: int) -> None:
            self._registry_count = max(count, self._registry_count or 0)

        yield from index_ranges(answer, entries, known=self._registry_count, depth=_read_ahead(), ended=ended)

    def iter_states(self, state_slot: int, ids: list[str]) -> Iterator[list[dict[str, Any]]]:
        """Validator records at a state in batches, for the given indices or pubkeys (every
        validator, network-wide: iter_state_tables)."""
        path = f"/eth/v1/beacon/states/{state_slot}/validators"
        for i in range(0, len(ids), IDS_PER_REQUEST):
            fetched = self._beacon("POST", path, "validators", beacon.parse_validators, body={"ids": ids[i : i + IDS_PER_REQUEST]})
            yield _state_rows(state_slot, fetched)

    def iter_state_tables(self, state_slot: int) -> Iterator[pa.Table | list[dict[str, Any]]]:
        """Every validator at a state (network-wide), by index ranges, for the COPY path: an answer
        pyarrow's reader vouches for as an arrow table (validators_arrow), never a dict per
        validator; any other answer as rows (beacon.parse_validators), read and refused as they always were."""
        path = f"/eth/v1/beacon/states/{state_slot}/validators"

        def answer(batch: IdRange | list[str]) -> Fetched:
            # A dict body goes through requests' own encoder, which takes lists, not ranges.
            return self._beacon("POST", path, "validators", beacon.parse_validators, body={"ids": list(batch)},
                                read=read_validator_columns_arrow)

        def entries(value: dict[str, pa.Array] | list[dict[str, Any]]) -> int:
            return len(value["validator_index"]) if isinstance(value, dict) else len(value)

        for _first, _last, fetched in self._index_ranges(answer, entries):
            if isinstance(fetched.value, dict):
                n = len(fetched.value["validator_index"])
                yield pa.table({**fetched.value, "state_slot": pa.array([state_slot] * n, pa.int64()),
                                "response_id": pa.array([fetched.response_id] * n, pa.string())})
            else:
                yield _state_rows(state_slot, fetched)

    def iter_attestation_rewards(self, epoch: int, indices: list[int] | None) -> Iterator[pa.Table]:
        """One epoch's rewards in batches, an arrow table per answer (epoch, the six
        ATTESTATION_COLUMNS, response_id): the tracked indices, or every validator by index ranges
        (a million validators: 100 requests, at most four answers in memory at a time: index_ranges). Answers are read
        column-wise (beacon.read_attestation_columns) and reach the COPY path as columns, never
        as a dict per validator."""
        for _first, _last, columns, response_id in self._attestation_column_answers(epoch, indices):
            yield attestation_table(epoch, columns, response_id)

    def _attestation_column_answers(self, epoch: int, indices: list[int] | None = None) -> Iterator[tuple[int, int, dict[str, Any], str | None]]:
        """(first index asked, last index asked, columns, response id) per answer, the columns as
        beacon.parse_attestation_columns gives them: the tracked indices, IDS_PER_REQUEST at a
        time; network-wide (indices None) by index ranges of NETWORK_WIDE_BATCH until an answer
        comes back short."""
        path = f"/eth/v1/beacon/rewards/attestations/{epoch}"

        def answer(ids: IdRange | list[str]) -> Fetched:
            return self._beacon("POST", path, "attestation_rewards", lambda d: beacon.parse_attestation_columns(d, epoch),
                                body=ids, read=beacon.read_attestation_columns)

        if indices is None:
            for first, last, fetched in self._index_ranges(answer, lambda columns: len(columns["validator_index"])):
                yield first, last, fetched.value, fetched.response_id
            return
        for i in range(0, len(indices), IDS_PER_REQUEST):
            asked = indices[i : i + IDS_PER_REQUEST]
            fetched = answer([str(v) for v in asked])
            yield min(asked), max(asked), fetched.value, fetched.response_id

    def _attestation_batch(self, path: str, epoch: int, ids: list[str]) -> list[dict[str, Any]]:
        """One answer's rows, each with the response id (the history check, consolidations' credited rewards)."""
        fetched = self._beacon("POST", path, "attestation_rewards", lambda d: beacon.parse_attestation_rewards(d, epoch), body=ids)
        return [{**row, "response_id": fetched.response_id} for row in fetched.value]

    # ------------------------------------------------------------ one day
    def fetch_day(self, plan: DayPlan, progress: Callable[[str, int, int], None] | None = None) -> DayData:
        data = DayData(plan)
        t = data.tables
        S = plan.slots_per_epoch
        t["day_windows"] = [day_window_row(plan, self.electra_fork_slot)]
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
                batch for slot in (plan.end_state_slot, plan.start_state_slot) for batch in self.iter_state_tables(slot)
            )
            indices, tracked, pubkeys = None, None, {}
        if wanted is None and self.chain.day_grain:
            # Day grain: the day's sums land, one row per validator; epoch rows only for the
            # validators the operator keeps at epoch grain (chains.yaml, docs/scale.md).
            sums = DaySums(plan.period, plan.first_epoch, plan.last_epoch)
            keep = frozenset(self.chain.epoch_grain_validators or ())
            data.streams["attestation_rewards"] = lambda: self._stream_day_grain(plan, epochs, sums, keep, progress)
            data.streams["attestation_rewards_daily"] = sums.rows
            data.streams["attestation_rewards_daily_batches"] = lambda: sums.batch_rows()
        else:
            data.streams["attestation_rewards"] = lambda: self._stream_attestation_rewards(plan, epochs, indices, progress)

        duties = []
        for epoch in range(plan.first_epoch, plan.last_epoch + 1):
            fetched = self._beacon("GET", f"/eth/v1/validator/duties/proposer/{epoch}", "proposer_duties",
                                   lambda d, e=epoch: beacon.parse_proposer_duties(d, e))
            duties.extend({**d, "response_id": fetched.response_id} for d in fetched.value)
        t["proposer_duties"] = [d for d in duties if tracked is None or d["validator_index"] in tracked]

        # Pubkeys listed in operators.yaml count before their validator exists: its deposit waits
        # in the queue with no index yet.
        pubkeys.update({str(v).lower(): -1 for v in self.tracked_config if str(v).startswith("0x") and str(v).lower() not in pubkeys})
        self._scan_blocks(plan, data, tracked, pubkeys, progress)
        self._queues(plan, t, tracked, pubkeys)
        proposals = [b for b in t["beacon_blocks"] if b["produced"] and (tracked is None or b["proposer_index"] in tracked)]
        self._block_rewards(plan, t, proposals)
        self._execution(plan, data, proposals)
        self._relays(plan, t, proposals)
        self._sync(plan, data, tracked, S)
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

    def _stream_day_grain(self, plan: DayPlan, epochs: list[int], sums: DaySums, keep: frozenset[int],
                          progress) -> Iterator[list[dict[str, Any]]]:
        """Every validator's answers summed into `sums`; only the rows of `keep` are yielded (to the
        epoch table). An epoch whose answer is rejected keeps what its earlier answers gave, as
        the epoch table keeps their rows."""
        keep_array = pa.array(sorted(keep), pa.int64()) if keep else None
        for k, epoch in enumerate(epochs):
            try:
                for first, last, answer, response_id in self._attestation_column_answers(epoch):
                    columns = int64_columns(answer, f"beacon rewards/attestations/{epoch}")
                    indices = columns["validator_index"]
                    if len(indices):
                        outside = pc.or_(pc.less(indices, first), pc.greater(indices, last))
                        if pc.any(outside).as_py():
                            # The sums are held by index: an answer about validators not asked is refused.
                            v = indices[pc.index(outside, True).as_py()].as_py()
                            raise Rejected(f"beacon rewards/attestations/{epoch}: validator {v} is outside the "
                                           f"indices asked ({first}..{last})", response_id)
                    if keep_array is not None and pc.any(kept := pc.is_in(indices, value_set=keep_array)).as_py():
                        picked = {name: pc.filter(column, kept).to_pylist() for name, column in columns.items()}
                        yield [{"epoch": epoch, **{name: picked[name][j] for name in beacon.ATTESTATION_COLUMNS},
                                "response_id": response_id} for j in range(len(picked["validator_index"]))]
                        columns = {name: pc.filter(column, pc.invert(kept)) for name, column in columns.items()}
                    sums.add_columns(epoch, columns)
                    sums.answered(epoch, first, last, len(indices), response_id)
                self.rejections.resolve(f"attestation_rewards:epoch={epoch}", plan.period, "attestation_rewards", None)
            except Rejected as exc:
                self.rejections.reject(f"attestation_rewards:epoch={epoch}", plan.period, "attestation_rewards", exc.reason, exc.response_id)
            if progress:
                progress("attestation rewards", k + 1, len(epochs))
        sums.finished = True

    def _settled(self, key: str, period: str, endpoint: str, got: Any, validator: str | None = None) -> bool:
        """One item's answer (or the exception in its place): True when usable, an earlier
        rejection of the item resolved; False when rejected, the rejection recorded; any other
        failure is raised."""
        if isinstance(got, Rejected):
            self.rejections.reject(key, period, endpoint, got.reason, got.response_id, validator)
            return False
        if isinstance(got, Exception):
            raise got
        self.rejections.resolve(key, period, endpoint, got.response_id, validator)
        return True

    def _scan_blocks(self, plan: DayPlan, data: DayData, tracked: set[int] | None, pubkeys: dict[str, int], progress) -> None:
        blocks, deposits, consolidations, withdrawal_requests, slashings = [], [], [], [], []
        # Held until the day is written: as columns (16 a block on mainnet, 115,200 a day).
        withdrawals = ColumnBatches("withdrawals", COLUMNS["withdrawals"],
                                    ("slot", "withdrawal_index", "validator_index", "address", "amount_gwei", "response_id"))
        slots = range(plan.first_slot, plan.last_slot + 1)
        # Read in order as they come (a few in flight): a day's parsed blocks are never all held.
        answers = in_order(
            lambda slot: self._beacon("GET", f"/eth/v2/beacon/blocks/{slot}", "block", lambda d: beacon.parse_block(d, slot)),
            slots, _workers(),
        )
        for k, (slot, fetched) in enumerate(answers):
            key = f"block:slot={slot}"
            epoch = slot // plan.slots_per_epoch
            if isinstance(fetched, NotFound):
                blocks.append({"slot": slot, "epoch": epoch, "produced": False, "proposer_index": None, "block_number": None,
                               "block_hash": None, "fee_recipient": None, "gas_used": None, "base_fee_per_gas_wei": None,
                               "timestamp": None, "response_id": fetched.response_id})
                continue
            if not self._settled(key, plan.period, "block", fetched):
                continue
            parsed, rid = fetched.value, fetched.response_id
            blocks.append({**parsed["block"], "epoch": epoch, "produced": True, "response_id": rid})

            def mine(index: int | None) -> bool:
                return tracked is None or (index is not None and index in tracked)

            for w in parsed["withdrawals"]:
                if mine(w["validator_index"]):
                    withdrawals.add({**w, "response_id": rid})
            deposits += [{**d, "response_id": rid} for d in parsed["deposits"] if tracked is None or d["pubkey"] in pubkeys]
            for c in parsed["consolidations"]:
                if tracked is None:
                    found = {r["pubkey"]: r["validator_index"] for r in self.states(slot, [c["source_pubkey"], c["target_pubkey"]])[0]}
                    pubkeys.update(found)
                source, target = (pubkeys.get(c[key]) for key in ("source_pubkey", "target_pubkey"))
                source, target = (None if i is None or i < 0 else i for i in (source, target))
                if tracked is None or mine(source) or mine(target):
                    # a request; the queue moves the balance later (_consolidations_processed)
                    consolidations.append({**c, "source_index": source, "target_index": target,
                                           "amount_gwei": None, "response_id": rid})
            for w in parsed["withdrawal_requests"]:
                if tracked is None or w["validator_pubkey"] in pubkeys:
                    index = pubkeys.get(w["validator_pubkey"])
                    withdrawal_requests.append({**w, "validator_index": None if index is None or index < 0 else index,
                                                "response_id": rid})
            slashings += [{**s, "response_id": rid} for s in parsed["slashings"] if mine(s["validator_index"])]
            if progress:
                progress("blocks", k + 1, len(slots))
        data.tables.update(beacon_blocks=blocks, deposits=deposits, consolidations=consolidations,
                           withdrawal_requests=withdrawal_requests, slashings=slashings)
        withdrawn = withdrawals.tables()
        data.streams["withdrawals"] = lambda: iter(withdrawn)

    # ------------------------------------------------------------ Electra's pending queues
    def _queues(self, plan: DayPlan, t: dict, tracked: set[int] | None, pubkeys: dict[str, int]) -> None:
        """The three queues at both bounding states (only a post-Electra state has them), the
        tracked validators' entries kept, and the consolidations the day's transitions processed."""
        for name in (*QUEUES, "queue_snapshots", "consolidations_processed"):
            t[name] = []
        fork_slot = self.electra_fork_slot
        if fork_slot is None:
            return
        seen: dict[tuple[int, str], list[dict[str, Any]]] = {}
        for state_slot in (plan.start_state_slot, plan.end_state_slot):
            if state_slot < fork_slot:
                continue  # a pre-Electra state: no queues (the first state of the fork epoch has them)
            for queue, parse in (("pending_deposits", beacon.parse_pending_deposits),
                                 ("pending_consolidations", beacon.parse_pending_consolidations),
                                 ("pending_partial_withdrawals", beacon.parse_pending_partial_withdrawals)):
                got = self._queue(plan, queue, state_slot, parse)
                if got is None:
                    continue
                rows, response_id = got
                t["queue_snapshots"].append({"state_slot": state_slot, "queue": queue, "entries": len(rows),
                                             "response_id": response_id})
                if tracked is not None:
                    rows = [r for r in rows if (r["pubkey"] in pubkeys if queue == "pending_deposits" else
                                                r["source_index"] in tracked or r["target_index"] in tracked
                                                if queue == "pending_consolidations" else r["validator_index"] in tracked)]
                seen[(state_slot, queue)] = rows
                t[queue].extend({**r, "response_id": response_id} for r in rows)
        self._with_sources(t, plan)
        start, end = (seen.get((s, "pending_consolidations")) for s in (plan.start_state_slot, plan.end_state_slot))
        if end is None or (start is None and plan.start_state_slot >= fork_slot):
            return  # a queue the node did not serve: the day's rejection says so; nothing is guessed
        self._consolidations_processed(plan, t, start or [], end)

    def _queue(self, plan: DayPlan, queue: str, state_slot: int, parse) -> tuple[list[dict[str, Any]], str | None] | None:
        key = f"{queue}:state={state_slot}"

        def ask(client: ProviderClient) -> Fetched:
            try:
                return client.request("GET", f"/eth/v1/beacon/states/{state_slot}/{queue}", endpoint=queue,
                                       parse=lambda b: parse(_data(b, queue), state_slot))
            except ClientError as exc:  # a node that does not serve the queue: the next one may
                raise NotFound(str(exc)) from None

        try:
            fetched = self.beacon_chain.call(ask)
        except (NotFound, Rejected) as exc:
            self.rejections.reject(key, plan.period, queue, str(exc) if isinstance(exc, NotFound) else exc.reason,
                                   getattr(exc, "response_id", None), gap=_failure_gap(exc))
            return None
        self.rejections.resolve(key, plan.period, queue, fetched.response_id)
        return fetched.value, fetched.response_id

    def _with_sources(self, t: dict, plan: DayPlan) -> None:
        """Each queued consolidation's source as its state shows it: what would move (min(balance,
        effective balance)) and when (its withdrawable epoch). Not a validator_states row: a
        source outside the tracked set stays out of the grid."""
        by_state: dict[int, list[dict[str, Any]]] = {}
        for row in t["pending_consolidations"]:
            by_state.setdefault(row["state_slot"], []).append(row)
        for state_slot, rows in by_state.items():
            try:
                records, _ = self.states(state_slot, sorted({str(r["source_index"]) for r in rows}))
            except (NotFound, Rejected):
                records = []  # shown as unknown (null); the queue itself was read
            found = {r["validator_index"]: r for r in records}
            for row in rows:
                source = found.get(row["source_index"], {})
                row.update(source_balance_gwei=source.get("balance_gwei"),
                           source_effective_balance_gwei=source.get("effective_balance_gwei"),
                           source_withdrawable_epoch=source.get("withdrawable_epoch"), source_slashed=source.get("slashed"))

    def _consolidations_processed(self, plan: DayPlan, t: dict, start: list[dict], end: list[dict]) -> None:
        """process_pending_consolidations moves min(balance, effective_balance) of a source whose
        withdrawable epoch W has come (at the transition into W) and skips a slashed one
        (ethereum/consensus-specs specs/electra/beacon-chain.md). A consolidation left the queue
        in the day if it was queued at the start state or requested in the day's blocks, and is
        not queued at the end state; it moved in the day if its source's withdrawable epoch is one
        of the day's epochs. The amount: the source's balance in the state before that transition
        (last slot of W-1) plus the rewards the transition credits first (epoch W-2's attestation
        rewards), capped at its effective balance."""
        S = plan.slots_per_epoch
        queued_end = {(r["source_index"], r["target_index"]) for r in end}
        candidates = {(r["source_index"], r["target_index"]): "queue" for r in start}
        for r in t["consolidations"]:
            pair = (r["source_index"], r["target_index"])
            if None not in pair and pair[0] != pair[1]:  # source = target: a switch to compounding, no queue entry
                candidates.setdefault(pair, "request")
        left = {pair: origin for pair, origin in candidates.items() if pair not in queued_end}
        if not left:
            return

        def unknown(source: int, target: int, reason: str, slot: int = plan.last_slot, gap: str = "response_rejected") -> None:
            """No amount is guessed: a null one makes the day's reconciliation uncheckable. `gap`:
            provider_failed:rewards when a state was not served, response_rejected when the
            answers do not agree with the rules."""
            self.rejections.reject(f"consolidation:source={source}:target={target}", plan.period, "pending_consolidations",
                                   f"consolidation {source} -> {target}: {reason}", None, gap=gap)
            t["consolidations_processed"].append({
                "epoch": None, "slot": slot, "source_index": source, "target_index": target, "source_balance_gwei": None,
                "source_effective_balance_gwei": None, "source_reward_gwei": None, "rewards_response_id": None,
                "response_id": None})

        try:
            records, _ = self.states(plan.end_state_slot, sorted({str(s) for s, _ in left}))
        except (NotFound, Rejected) as exc:
            for source, target in sorted(left):
                unknown(source, target, f"the source at slot {plan.end_state_slot} was not served ({exc})",
                        gap=_failure_gap(exc))
            return
        record = {r["validator_index"]: r for r in records}
        moved_at: dict[int, list[tuple[int, int]]] = {}
        for (source, target), origin in sorted(left.items()):
            r = record.get(source)
            if r is not None and r["slashed"]:
                continue  # dropped unprocessed: nothing moves
            w = None if r is None else r["withdrawable_epoch"]
            if w is not None and plan.first_epoch <= w <= plan.last_epoch:
                moved_at.setdefault(w, []).append((source, target))
            elif origin == "queue":
                # it left the queue, but not as the rules say it can
                unknown(source, target, f"left the queue between slots {plan.start_state_slot} and {plan.end_state_slot}, "
                                        f"but its source's withdrawable epoch is {w}, not one of epochs "
                                        f"{plan.first_epoch}..{plan.last_epoch}")
            # else: a request the state transition ignored (failed checks): it never joined the queue
        for w, pairs in sorted(moved_at.items()):
            ids = sorted({str(s) for s, _ in pairs})
            try:
                before, response_id = self.states(w * S - 1, ids)
            except (NotFound, Rejected) as exc:
                for source, target in pairs:
                    unknown(source, target, f"the source at slot {w * S - 1} was not served ({exc})", w * S,
                            gap=_failure_gap(exc))
                continue
            at = {r["validator_index"]: r for r in before}
            active = [s for s in ids if int(s) in at and (at[int(s)]["exit_epoch"] is None or at[int(s)]["exit_epoch"] > w - 2)]
            rewards, rewards_id = {}, None
            if active:  # only a source still active in W-2 has rewards credited at the transition into W
                try:
                    got = self._attestation_batch(f"/eth/v1/beacon/rewards/attestations/{w - 2}", w - 2, active)
                except (NotFound, Rejected):
                    got = []
                rewards = {r["validator_index"]: sum(r[f"{c}_gwei"] for c in beacon.ATTESTATION_COMPONENTS) for r in got}
                rewards_id = got[0]["response_id"] if got else None
            for source, target in pairs:
                state = at.get(source)
                reward = (rewards.get(source) if str(source) in active else 0) if state is not None else None
                t["consolidations_processed"].append({
                    "epoch": w, "slot": w * S, "source_index": source, "target_index": target,
                    "source_balance_gwei": None if state is None else state["balance_gwei"],
                    "source_effective_balance_gwei": None if state is None else state["effective_balance_gwei"],
                    "source_reward_gwei": reward, "rewards_response_id": rewards_id, "response_id": response_id})

    def _block_rewards(self, plan: DayPlan, t: dict, proposals: list[dict]) -> None:
        rows = []
        answers = in_order(
            lambda b: self._beacon("GET", f"/eth/v1/beacon/rewards/blocks/{b['slot']}", "block_rewards",
                                   lambda d: beacon.parse_block_rewards(d, b["slot"])),
            proposals, _workers(),
        )
        for block, fetched in answers:
            slot = block["slot"]
            key = f"block_rewards:slot={slot}"
            if isinstance(fetched, NotFound):
                raise HistoryUnavailable(f"{plan.period}: block rewards of slot {slot} are not served ({fetched}); days this old need an archive node")
            if not self._settled(key, plan.period, "block_rewards", fetched, str(block["proposer_index"])):
                continue
            rows.append({**fetched.value, "response_id": fetched.response_id})
        t["block_rewards"] = rows

    def _execution(self, plan: DayPlan, data: DayData, proposals: list[dict]) -> None:
        """The proposals' execution blocks and their transactions, as a stream (data.streams):
        network-wide, a mainnet day is 7,200 full blocks of ~150-250 transactions each, fetched
        EXECUTION_BLOCKS_PER_CHUNK blocks at a time and handed on, never all held. The blocks'
        own rows (one a block) are kept while the transactions stream, and land after them."""
        t = data.tables
        t["execution_blocks"], t["execution_transactions"] = [], []
        if self.execution is None or not proposals:
            return
        numbers = [b["block_number"] for b in proposals if b["block_number"] is not None]
        proposer = {b["block_number"]: str(b["proposer_index"]) for b in proposals}
        blocks_seen: list[dict[str, Any]] = []
        streamed = False

        def transactions() -> Iterator[list[dict[str, Any]]]:
            nonlocal streamed
            for start in range(0, len(numbers), EXECUTION_BLOCKS_PER_CHUNK):
                rows = self._execution_chunk(plan, numbers[start : start + EXECUTION_BLOCKS_PER_CHUNK], proposer, blocks_seen)
                if rows:
                    yield rows
            streamed = True

        def blocks() -> list[dict[str, Any]]:
            if not streamed:
                raise RuntimeError(f"{plan.period}: execution_blocks were read before the transactions streamed "
                                   "(the day's resources run in settings.TABLES order)")
            return blocks_seen

        data.streams["execution_transactions"] = transactions
        data.streams["execution_blocks"] = blocks

    def _execution_chunk(self, plan: DayPlan, numbers: list[int], proposer: dict[int, str],
                         blocks_seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One chunk of blocks: their transactions' rows (each with its receipt's gas), the block
        rows appended to `blocks_seen`; a block whose answers fail is a rejection, not rows."""
        blocks = self.execution.batch("eth_getBlockByNumber", [[hex(n), True] for n in numbers],
                                      lambda result, p: execution.parse_block(result))
        receipts = self.execution.batch("eth_getBlockReceipts", [[hex(n)] for n in numbers],
                                        lambda result, p: execution.parse_receipts(result, int(p[0], 16)))
        rows: list[dict[str, Any]] = []
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
            blocks_seen.append({**block.result["block"], "response_id": block.response_id})
            for tx in block.result["transactions"]:
                paid = by_hash.get(tx["transaction_hash"], {})
                rows.append({
                    **tx, "gas_used": paid.get("gas_used"), "effective_gas_price_wei": paid.get("effective_gas_price_wei"),
                    "response_id": receipt.response_id, "block_response_id": block.response_id,
                })
        return rows

    def _relays(self, plan: DayPlan, t: dict, proposals: list[dict]) -> None:
        rows = []
        asks = [(block, client) for block in proposals for client in self.relay_clients]
        answers = in_order(
            lambda ask: ask[1].request(
                "GET", "/relay/v1/data/bidtraces/proposer_payload_delivered", endpoint="proposer_payload_delivered",
                params={"slot": ask[0]["slot"]}, parse=lambda b: relays.parse_delivered(b, ask[1].key),
            ),
            asks, _workers(),
        )
        for (block, client), fetched in answers:
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

    def _sync(self, plan: DayPlan, data: DayData, tracked: set[int] | None, slots_per_epoch: int) -> None:
        """The committees of the day's sync periods now; their rewards as a stream (data.streams):
        a mainnet day is 7,200 answers of 512 members, 3.7M rows that must never sit in memory."""
        t = data.tables
        period_length = self._spec.get("EPOCHS_PER_SYNC_COMMITTEE_PERIOD", 256)
        members_rows, asks = [], []
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
            # One tuple a period: its JSON text is made once for all its slots (providers/json_text).
            body = tuple(str(v) for v in members)
            asks += [(slot, body) for slot in produced if first <= slot <= last]
        t["sync_committee_members"] = members_rows
        data.streams["sync_committee_rewards"] = lambda: self._stream_sync_rewards(plan, asks)

    def _stream_sync_rewards(self, plan: DayPlan, asks: list[tuple[int, tuple[str, ...]]]) -> Iterator[pa.Table]:
        """The rewards of each (slot, members) asked, in arrow batches of about SYNC_ROWS_PER_BATCH
        rows (gathered a column at a time, no dict per row), at most _workers() answers in
        flight or waiting."""

        def ask(item: tuple[int, tuple[str, ...]]) -> Fetched:
            slot, body = item
            return self._beacon("POST", f"/eth/v1/beacon/rewards/sync_committee/{slot}", "sync_committee_rewards",
                                lambda d: beacon.sync_committee_reward_columns(d, slot), body=body)

        def batch() -> pa.Table:
            return arrow_columns({"slot": slots, "validator_index": indices, "reward_gwei": rewards, "response_id": rids},
                                 COLUMNS["sync_committee_rewards"], table="sync_committee_rewards")

        slots, indices, rewards, rids = [], [], [], []
        for (slot, _), got in in_order(ask, asks, _workers()):
            if not self._settled(f"sync_rewards:slot={slot}", plan.period, "sync_committee_rewards", got):
                continue
            members, paid = got.value
            slots += [slot] * len(members)
            indices += members
            rewards += paid
            rids += [got.response_id] * len(members)
            if len(slots) >= SYNC_ROWS_PER_BATCH:
                yield batch()
                slots, indices, rewards, rids = [], [], [], []
        if slots:
            yield batch()
