"""Day-grain attestation rewards for network-wide runs: per validator, the day's sums, added up
while the epochs' answers stream past, instead of 227 rows per validator and day.

What is summed is exactly what int_ethereum__attestation_rewards_summed sums from epoch rows, so
the marts cannot tell the grains apart:
- the day's own epochs a..b (income): each of head, target, source, inclusion_delay and
  inactivity, and the penalties, the negative components taken one by one per epoch
  (−least(component, 0), so an epoch netting 0 can still carry penalties);
- epochs a−2..b−2 (credited to the balance in the day, for the reconciliation): the net.
A validator seen in any epoch of a−2..b gets a row, as a validator with any epoch row there has
a row in the epoch-grain sum. The first entry of a validator in an epoch counts, as the epoch
table keeps the first row of a key.

The sums are arrow arrays, one chunk per CHUNK validator indices (the index range a network-wide
request asks for), added with arrow's compute functions: an answer's values are scattered into
its chunk by a mask (`replace_with_mask`, the answer's indices ascending, as beacon nodes list
them; anything else is put in order first, in Python) and added with overflow checks, so no
Python runs per entry. Memory: seven int64 values and two flags per index of the chunks touched,
about 58 MB at 1,000,000 validators, whatever the number of epochs. A sum that would leave int64
(no real reward comes near: 9.2 × 10^18 gwei) stops with an error naming the epoch and validator.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from loaders.bulk import ColumnBatches
from loaders.ethereum.settings import COLUMNS

COMPONENTS = ("head_gwei", "target_gwei", "source_gwei", "inclusion_delay_gwei", "inactivity_gwei")
SUMS = (*COMPONENTS, "penalties_gwei", "credited_gwei")  # the order of _Chunk.sums
LINEAGE = "attestation_rewards_daily_batches"
CHUNK = 10_000  # = loaders/ethereum/settings.NETWORK_WIDE_BATCH: an answer fills one chunk
_RANGE = pa.array(range(CHUNK), pa.int64())
_ZEROS = pa.array([0] * CHUNK, pa.int64())
_NONE = pa.array([False] * CHUNK)
_INT64 = (-(2**63), 2**63 - 1)


class DaySumOverflow(ValueError):
    """A sum left int64: the answers carry rewards no chain pays."""


class _Chunk:
    """The sums of CHUNK consecutive indices: head, target, source, inclusion_delay, inactivity
    (a..b), penalties (a..b), net credited (a−2..b−2); who appeared in the day, and in the epoch."""

    __slots__ = ("sums", "present", "seen")

    def __init__(self):
        self.sums = [_ZEROS] * 7
        self.present = self.seen = _NONE


def int64_columns(columns: dict[str, Any], what: str) -> dict[str, pa.Array]:
    """An answer's columns (lists or arrays) as int64 arrays; a value beyond 64 bits stops."""
    out = {}
    for name, values in columns.items():
        if isinstance(values, pa.Array):
            out[name] = values
            continue
        try:
            out[name] = pa.array(values, pa.int64())
        except (OverflowError, pa.ArrowInvalid):
            raise DaySumOverflow(f"{what}: a {name} value leaves a 64-bit integer") from None
    return out


class DaySums:
    """The day-grain sums of one UTC day (epochs first_epoch..last_epoch)."""

    def __init__(self, day: str, first_epoch: int, last_epoch: int):
        self.day, self.first_epoch, self.last_epoch = day, first_epoch, last_epoch
        self._chunks: dict[int, _Chunk] = {}
        self._epoch: int | None = None
        # One row per answer (22,700 on a 1,000,000-validator day), held as columns until written.
        self._batches = ColumnBatches(LINEAGE, COLUMNS[LINEAGE], ("day", "epoch", "first_index", "last_index", "entries", "response_id"))
        self.finished = False

    def add(self, epoch: int, rows: list[dict[str, Any]]) -> None:
        """One answer's parsed rows (loaders/beacon/helpers.parse_attestation_rewards) of `epoch`."""
        self.add_columns(epoch, {name: [row[name] for row in rows] for name in ("validator_index", *COMPONENTS)})

    def add_columns(self, epoch: int, columns: dict[str, Any]) -> None:
        """One answer of `epoch` as columns (loaders/beacon/helpers.parse_attestation_columns):
        lists or int64 arrays, validator_index and COMPONENTS."""
        if not self.first_epoch - 2 <= epoch <= self.last_epoch:
            raise ValueError(f"{self.day}: epoch {epoch} is outside epochs {self.first_epoch - 2}..{self.last_epoch}")
        if epoch != self._epoch:
            self._epoch = epoch
            for chunk in self._chunks.values():
                chunk.seen = _NONE
        cols = int64_columns(columns, f"attestation rewards of {self.day}, epoch {epoch}")
        indices = cols["validator_index"]
        if len(indices) == 0:
            return
        if pc.min(indices).as_py() < 0:
            raise ValueError(f"{self.day}: epoch {epoch}: a validator index is negative")
        values = [cols[name] for name in COMPONENTS]
        which = pc.divide(indices, CHUNK)
        bounds = pc.min_max(which)
        low, high = bounds["min"].as_py(), bounds["max"].as_py()
        for c in range(low, high + 1):
            if low == high:
                offsets, part = indices, values
            else:
                mask = pc.equal(which, c)
                if not pc.any(mask).as_py():
                    continue
                offsets, part = pc.filter(indices, mask), [pc.filter(v, mask) for v in values]
            self._add_chunk(epoch, c, pc.subtract(offsets, c * CHUNK), part)

    def _add_chunk(self, epoch: int, c: int, offsets: pa.Array, values: list[pa.Array]) -> None:
        chunk = self._chunks.get(c)
        if chunk is None:
            chunk = self._chunks[c] = _Chunk()
        ascending = len(offsets) < 2 or pc.all(pc.greater(offsets[1:], offsets[:-1])).as_py()
        mask = pc.is_in(_RANGE, value_set=offsets)
        if not ascending or pc.any(pc.and_(mask, chunk.seen)).as_py():
            offsets, values = _first_unseen(offsets, values, chunk.seen)
            mask = pc.is_in(_RANGE, value_set=offsets)
        dense = [pc.replace_with_mask(_ZEROS, mask, v) for v in values]
        income = self.first_epoch <= epoch <= self.last_epoch
        credited = epoch <= self.last_epoch - 2
        try:
            sums = list(chunk.sums)
            if income:
                for k, column in enumerate(dense):
                    sums[k] = pc.add_checked(sums[k], column)
                negative = _total([pc.min_element_wise(column, 0) for column in dense])
                sums[5] = pc.subtract_checked(sums[5], negative)
            if credited:
                sums[6] = pc.add_checked(sums[6], _total(dense))
        except pa.ArrowInvalid:
            v, parts = _overflowing(chunk, dense, income, credited)
            raise DaySumOverflow(f"attestation rewards of {self.day}, epoch {epoch}, validator {c * CHUNK + v}: the day's "
                                 f"sum leaves a 64-bit integer (components {', '.join(map(str, parts))} gwei)") from None
        chunk.sums = sums
        chunk.present = pc.or_(chunk.present, mask)
        chunk.seen = pc.or_(chunk.seen, mask)

    def answered(self, epoch: int, first_index: int, last_index: int, entries: int, response_id: str | None) -> None:
        """An answer summed: the lineage of every validator of first_index..last_index that day."""
        self._batches.add({"day": self.day, "epoch": epoch, "first_index": first_index, "last_index": last_index,
                           "entries": entries, "response_id": response_id})

    def _ready(self) -> None:
        if not self.finished:
            raise RuntimeError(f"{self.day}: the day's sums were read before every epoch's answers were summed "
                               "(extract must run in fifo order)")

    def rows(self) -> Iterator[pa.Table]:
        """attestation_rewards_daily rows by validator index: an arrow table per chunk of CHUNK
        indices (the validators present in it), taken from the sums as they are, never a Python
        object per validator. response_id is left out: the table's null (the lineage is per answer)."""
        self._ready()
        for c in sorted(self._chunks):
            chunk = self._chunks[c]
            n = pc.sum(chunk.present).as_py() or 0
            if not n:
                continue
            columns = {"day": pa.repeat(pa.scalar(self.day, pa.string()), n),
                       "validator_index": pc.add(pc.filter(_RANGE, chunk.present), c * CHUNK)}
            columns.update((name, pc.filter(values, chunk.present)) for name, values in zip(SUMS, chunk.sums))
            yield pa.table(columns)

    def batch_rows(self) -> Iterator[pa.Table]:
        """attestation_rewards_daily_batches rows, one per answer summed, as arrow tables."""
        self._ready()
        return iter(self._batches.tables())


def _total(columns: list[pa.Array]) -> pa.Array:
    out = columns[0]
    for column in columns[1:]:
        out = pc.add_checked(out, column)
    return out


def _first_unseen(offsets: pa.Array, values: list[pa.Array], seen: pa.Array) -> tuple[pa.Array, list[pa.Array]]:
    """The first entry of each offset not yet seen in the epoch, in ascending order of offset
    (the slow path: an answer out of order, or naming a validator twice)."""
    already = seen.to_pylist()
    first: dict[int, int] = {}
    for j, o in enumerate(offsets.to_pylist()):
        if not already[o] and o not in first:
            first[o] = j
    order = sorted(first)
    take = pa.array([first[o] for o in order], pa.int64())
    return pa.array(order, pa.int64()), [pc.take(v, take) for v in values]


def _overflowing(chunk: _Chunk, dense: list[pa.Array], income: bool, credited: bool) -> tuple[int, list[int]]:
    """The first offset whose sum leaves int64, and its components (the error path only)."""
    sums = [a.to_pylist() for a in chunk.sums]
    parts = [a.to_pylist() for a in dense]
    low, high = _INT64
    for o in range(CHUNK):
        x = [p[o] for p in parts]
        totals = []
        if income:
            totals += [sums[k][o] + x[k] for k in range(5)]
            totals.append(sums[5][o] - sum(min(v, 0) for v in x))
        if credited:
            totals.append(sums[6][o] + sum(x))
        if any(not low <= t <= high for t in totals) or any(not low <= t <= high for t in (sum(x),)):
            return o, x
    return 0, [0] * 5
