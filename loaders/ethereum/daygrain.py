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

Memory: eight int64 values and two flags per validator index (a typed array, not Python objects):
about 66 MB at 1,000,000 validators, whatever the number of epochs. A sum that would leave int64
(no real reward comes near: 9.2 × 10^18 gwei) stops with an error naming the epoch and validator.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import Any

COMPONENTS = ("head_gwei", "target_gwei", "source_gwei", "inclusion_delay_gwei", "inactivity_gwei")
ROWS_PER_BATCH = 10_000


class DaySumOverflow(ValueError):
    """A sum left int64: the answers carry rewards no chain pays."""


class DaySums:
    """The day-grain sums of one UTC day (epochs first_epoch..last_epoch)."""

    def __init__(self, day: str, first_epoch: int, last_epoch: int):
        self.day, self.first_epoch, self.last_epoch = day, first_epoch, last_epoch
        self._size = 0
        # head, target, source, inclusion_delay, inactivity (a..b), penalties (a..b), credited (a−2..b−2)
        self._sums = [array("q") for _ in range(len(COMPONENTS) + 2)]
        self._present = bytearray()
        self._seen = bytearray()  # in the current epoch
        self._epoch: int | None = None
        self._batches: list[dict[str, Any]] = []
        self.finished = False

    def _grow(self, index: int) -> None:
        size = max(index + 1, self._size * 2, 1024)
        extra = size - self._size
        for sums in self._sums:
            sums.frombytes(bytes(8 * extra))
        self._present.extend(bytes(extra))
        self._seen.extend(bytes(extra))
        self._size = size

    def add(self, epoch: int, rows: list[dict[str, Any]]) -> None:
        """One answer's parsed rows (loaders/beacon/helpers.parse_attestation_rewards) of `epoch`."""
        self.add_columns(epoch, {name: [row[name] for row in rows] for name in ("validator_index", *COMPONENTS)})

    def add_columns(self, epoch: int, columns: dict[str, list[int]]) -> None:
        """One answer of `epoch` as columns (loaders/beacon/helpers.parse_attestation_columns)."""
        if not self.first_epoch - 2 <= epoch <= self.last_epoch:
            raise ValueError(f"{self.day}: epoch {epoch} is outside epochs {self.first_epoch - 2}..{self.last_epoch}")
        if epoch != self._epoch:
            self._epoch = epoch
            self._seen = bytearray(self._size)
        indices = columns["validator_index"]
        if not indices:
            return
        if max(indices) >= self._size:
            self._grow(max(indices))
        income = self.first_epoch <= epoch <= self.last_epoch
        credited = epoch <= self.last_epoch - 2
        head, target, source, delay, inactivity, penalties, net = self._sums
        present, seen = self._present, self._seen
        values = zip(indices, *(columns[name] for name in COMPONENTS))
        v = h = t = s = d = i = 0
        try:
            for v, h, t, s, d, i in values:
                if seen[v]:
                    continue
                seen[v] = present[v] = 1
                if income:
                    head[v] += h
                    target[v] += t
                    source[v] += s
                    delay[v] += d
                    inactivity[v] += i
                    if h < 0 or t < 0 or s < 0 or d < 0 or i < 0:
                        penalties[v] -= (h if h < 0 else 0) + (t if t < 0 else 0) + (s if s < 0 else 0) \
                            + (d if d < 0 else 0) + (i if i < 0 else 0)
                if credited:
                    net[v] += h + t + s + d + i
        except OverflowError:
            raise DaySumOverflow(f"attestation rewards of {self.day}, epoch {epoch}, validator {v}: the day's sum "
                                 f"leaves a 64-bit integer (components {h}, {t}, {s}, {d}, {i} gwei)") from None

    def answered(self, epoch: int, first_index: int, last_index: int, entries: int, response_id: str | None) -> None:
        """An answer summed: the lineage of every validator of first_index..last_index that day."""
        self._batches.append({"day": self.day, "epoch": epoch, "first_index": first_index, "last_index": last_index,
                              "entries": entries, "response_id": response_id})

    def _ready(self) -> None:
        if not self.finished:
            raise RuntimeError(f"{self.day}: the day's sums were read before every epoch's answers were summed "
                               "(extract must run in fifo order)")

    def rows(self) -> Iterator[list[dict[str, Any]]]:
        """attestation_rewards_daily rows, in batches of ROWS_PER_BATCH."""
        self._ready()
        head, target, source, delay, inactivity, penalties, net = self._sums
        batch: list[dict[str, Any]] = []
        for v in range(self._size):
            if not self._present[v]:
                continue
            batch.append({"day": self.day, "validator_index": v, "head_gwei": head[v], "target_gwei": target[v],
                          "source_gwei": source[v], "inclusion_delay_gwei": delay[v], "inactivity_gwei": inactivity[v],
                          "penalties_gwei": penalties[v], "credited_gwei": net[v], "response_id": None})
            if len(batch) == ROWS_PER_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def batch_rows(self) -> list[dict[str, Any]]:
        """attestation_rewards_daily_batches rows: one per answer summed."""
        self._ready()
        return self._batches
