"""The COPY path for validator-sized answers: rows become arrow tables (no Python object per row
on the way), written as CSV files dlt imports into the package as they are
(loaders/copy_files.py), which its Postgres destination loads with `COPY ... FROM STDIN` (into
the merge's staging table, or the raw table when appending). dlt's docs: the Postgres destination
supports the `csv` loader file format (destinations/postgres, loaded with COPY), and a resource
may hand dlt a file to import (`dlt.mark.with_file_import`).

Types come from each table's dlt column hints, never inferred: base units stay exact as
decimal128(38, 0) (written as integer text, read by Postgres as numeric), and a value that does not
fit its column stops the load naming the table and column (pyarrow raises; nothing is rounded).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

# The tables whose rows scale with the validator count: attestation rewards and validator states
# (Ethereum), vote accounts and their epoch credits, inflation rewards (Solana), Jito's validators;
# and, network-wide, Ethereum's sync-committee rewards, withdrawals and execution transactions,
# which scale with the blocks (a mainnet day: 512 rewards, 16 withdrawals and ~150-250
# transactions a block, 7,200 blocks). Withdrawals went by dlt's INSERT ... VALUES before: a
# statement per file of rows, which Postgres parses whole (a ~490 MiB backend on a mainnet day).
BULK_TABLES = frozenset({
    "attestation_rewards", "validator_states", "attestation_rewards_daily", "attestation_rewards_daily_batches",
    "sync_committee_rewards", "withdrawals", "execution_transactions",
    "vote_accounts", "epoch_credits", "inflation_rewards",
    "jito_validators",
})
BULK_FILE_FORMAT = "csv"
# Bulk tables a period's first load appends (COPY straight into the raw table, no staging table,
# no merge over the table's history; loaders/pipeline.py decides when that is safe). Their keys
# can be in no package but those of the period and of the periods the loader names as sharing
# keys with it: an Ethereum day's package holds attestation rewards of epochs a-2..b, so the day
# before and the day after share two epochs each. Not validator_states: a day's end state is the
# next day's start state, and a reload of either would need that state merged.
APPEND_TABLES = frozenset({"attestation_rewards"})

_ARROW_TYPES = {
    "text": pa.string(),
    "bigint": pa.int64(),
    "bool": pa.bool_(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


def configure_dlt() -> None:
    """dlt settings the loads need, set before any pipeline extracts (dlt reads its configuration
    when a step starts); an operator's own setting wins.
    - dlt gzips every intermediate file it writes and reads back (extract, normalize, load): on a
      network-wide day that was a tenth of the loader's CPU. The files live for one package and
      are deleted once it is loaded (loaders/pipeline.py), so they stay uncompressed."""
    os.environ.setdefault("DATA_WRITER__DISABLE_COMPRESSION", "true")


class KeySet:
    """The keys a load has kept so far, in memory bounded by the key space, not by the rows.
    A key whose last column is a small non-negative integer (a validator index, under each
    epoch) is one bit in a bitmap per value of the other columns: a network-wide Ethereum day at
    epoch grain (about 227 epochs of a million validators) takes about 28 MiB, where a set of
    tuples took about 120 bytes a row (27 GB). Any other key (text, negative, huge) goes to a set.
    Keys compare as in a set: a value equal to a small integer (True, 1.0, Decimal(1)) is that
    integer's bit. Every key has `columns` values (a tuple, or the value itself for one column)."""

    # A bitmap never grows past 2**26 bits (8 MiB): a larger index is kept in the set.
    BITMAP_LIMIT = 1 << 26

    __slots__ = ("columns", "bitmaps", "others")

    def __init__(self, columns: int) -> None:
        if columns < 1:
            raise ValueError("a key has at least one column")
        self.columns = columns
        self.bitmaps: dict[Any, bytearray] = {}
        self.others: set = set()

    def add(self, key: Any) -> bool:
        """Remember `key`; True when it was new."""
        return bool(self.keep([key], lambda k: k))

    def __contains__(self, key: Any) -> bool:
        prefix, last = self._split(key)
        index = _small_index(last, self.BITMAP_LIMIT)
        if index is None:
            return key in self.others
        bitmap = self.bitmaps.get(prefix)
        return bitmap is not None and (index >> 3) < len(bitmap) and bool(bitmap[index >> 3] & (1 << (index & 7)))

    def _split(self, key: Any) -> tuple[Any, Any]:
        """(the bitmap's prefix, the bit's value): the other columns, and the last one."""
        if self.columns == 1:
            return (), key
        return (key[0], key[1]) if self.columns == 2 else (key[:-1], key[-1])

    def keep(self, items: Sequence[Any], key_of: Callable[[Any], Any]) -> list[Any]:
        """The items whose key (`key_of(item)`) is new, the first of each; the keys are remembered.
        One loop for a whole batch, the bitmap of the last prefix at hand: consecutive rows
        share their epoch, and a call per row cost more than the set it replaces."""
        out: list[Any] = []
        append, others, bitmaps, limit, split = out.append, self.others, self.bitmaps, self.BITMAP_LIMIT, self._split
        prefix: Any = _NO_PREFIX
        bitmap = bytearray()
        for item in items:
            key = key_of(item)
            p, last = split(key)
            if type(last) is not int or not 0 <= last < limit:
                last = _small_index(last, limit)
                if last is None:
                    if key not in others:
                        others.add(key)
                        append(item)
                    continue
            if p is not prefix and p != prefix:
                prefix = p
                bitmap = bitmaps.get(p) or bitmaps.setdefault(p, bytearray(1))
            byte, bit = last >> 3, 1 << (last & 7)
            if byte >= len(bitmap):
                # Doubling keeps the copies amortised when indices arrive in ascending order.
                bitmap.extend(bytes(max(byte + 1, 2 * len(bitmap)) - len(bitmap)))
            if not bitmap[byte] & bit:
                bitmap[byte] |= bit
                append(item)
        return out

    def keep_ascending(self, prefix: Any, indices: pa.Array) -> pa.Array | None:
        """The positions (int64) of `indices` whose key, `prefix` and the index, is new; those keys
        are remembered. For a whole answer in columns at once (an epoch's rewards of 10,000
        validators, by index): the bits are read by one arrow gather, and only the new ones are
        set in Python. None, and nothing remembered, unless the indices are int64, without nulls,
        strictly ascending (so none repeats within them) and within the bitmaps' range: the
        caller then goes key by key (keep)."""
        if self.columns == 1 and prefix != ():
            raise ValueError("a one-column key has no prefix")
        n = len(indices)
        if not pa.types.is_int64(indices.type) or indices.null_count:
            return None
        if n == 0:
            return pa.array([], pa.int64())
        low, high = indices[0].as_py(), indices[n - 1].as_py()
        if not 0 <= low <= high < self.BITMAP_LIMIT:
            return None
        if n > 1 and not pc.all(pc.greater(indices[1:], indices[:-1])).as_py():
            return None
        bitmap = self.bitmaps.get(prefix)
        if bitmap is None:
            bitmap = self.bitmaps[prefix] = bytearray(1)
        if (high >> 3) >= len(bitmap):
            bitmap.extend(bytes(max((high >> 3) + 1, 2 * len(bitmap)) - len(bitmap)))
        view = pa.Array.from_buffers(pa.uint8(), len(bitmap), [None, pa.py_buffer(bitmap)])
        held = pc.take(view, pc.shift_right(indices, 3)).cast(pa.int64())
        del view  # the bytearray may grow again only once no arrow buffer exports it
        new = pc.equal(pc.bit_wise_and(held, pc.shift_left(pa.scalar(1, pa.int64()), pc.bit_wise_and(indices, 7))), 0)
        for index in pc.filter(indices, new).to_pylist():
            bitmap[index >> 3] |= 1 << (index & 7)
        return pc.indices_nonzero(new)

    def nbytes(self) -> int:
        """The bitmaps' bytes (the set's entries are not counted)."""
        return sum(len(b) for b in self.bitmaps.values())


_NO_PREFIX = object()


def _small_index(value: Any, limit: int) -> int | None:
    """The integer in 0..limit-1 that `value` equals, or None. Equal values hash alike, and a
    small int is its own hash: so True, 1.0 and Decimal(1) are 1, as a set would have them."""
    h = hash(value)
    return h if 0 <= h < limit and value == h else None


def first_of_each_key(rows: Sequence[Mapping[str, Any]], key: Sequence[str], seen: KeySet) -> list[Mapping[str, Any]]:
    """The rows whose key (`key` columns) is not in `seen` yet, the first of each; `seen` grows.
    A package appended to its raw table must not hold a key twice (a merge would have kept one)."""
    if seen.columns != len(key):
        raise ValueError(f"a key set of {seen.columns} column(s) used for {len(key)}: {list(key)}")
    return seen.keep(rows, itemgetter(*key))


def first_of_each_key_in_table(table: pa.Table, key: Sequence[str], seen: KeySet) -> pa.Table:
    """first_of_each_key for a batch already in columns. An answer whose other key columns hold
    one value and whose last key column ascends (an epoch's rewards, by validator index) is
    checked in one pass of arrow (KeySet.keep_ascending); any other goes key by key, exactly as
    rows would."""
    if seen.columns != len(key):
        raise ValueError(f"a key set of {seen.columns} column(s) used for {len(key)}: {list(key)}")
    if not table.num_rows:
        return table
    *prefix_columns, last = key
    prefix_values = []
    for name in prefix_columns:
        column = table.column(name)
        first = column[0].as_py()
        if column.null_count or first is None or not pc.all(pc.equal(column, column[0])).as_py():
            break
        prefix_values.append(first)
    else:
        prefix = () if not prefix_values else prefix_values[0] if len(prefix_values) == 1 else tuple(prefix_values)
        positions = seen.keep_ascending(prefix, table.column(last).combine_chunks())
        if positions is not None:
            return table if len(positions) == table.num_rows else table.take(positions)
    keys = [table.column(name).to_pylist() for name in key]
    rows = list(zip(*keys)) if len(key) > 1 else keys[0]
    kept = seen.keep(range(len(rows)), rows.__getitem__)
    return table if len(kept) == table.num_rows else table.take(pa.array(kept, pa.int64()))


def arrow_type(column: Mapping[str, Any]) -> pa.DataType:
    kind = column["data_type"]
    if kind == "decimal":
        return pa.decimal128(column.get("precision", 38), column.get("scale", 0))
    if kind not in _ARROW_TYPES:
        raise TypeError(f"no arrow type for dlt data_type {kind!r}")
    return _ARROW_TYPES[kind]


def arrow_schema(columns: Mapping[str, Mapping[str, Any]]) -> pa.Schema:
    return pa.schema([pa.field(name, arrow_type(spec), nullable=spec.get("nullable", True)) for name, spec in columns.items()])


def arrow_batch(rows: Sequence[Mapping[str, Any]], columns: Mapping[str, Mapping[str, Any]], *, chain: str, table: str) -> pa.Table:
    """One batch of rows as an arrow table typed by the table's column hints, every row with the
    chain key. A key of a row that no column declares is an error (a typo would otherwise drop
    data silently); a declared column a row lacks is null."""
    schema = arrow_schema(columns)
    undeclared = set(rows[0]) - set(columns)
    if undeclared:
        raise ValueError(f"{table}: row keys {sorted(undeclared)} are not columns of the table")
    arrays = []
    for field in schema:
        if field.name == "chain":
            arrays.append(pa.array([chain] * len(rows), type=field.type))
            continue
        name = field.name
        arrays.append(_typed(table, field, [row.get(name) for row in rows]))
    return pa.Table.from_arrays(arrays, schema=schema)


def arrow_columns(values: Mapping[str, Sequence[Any]], columns: Mapping[str, Mapping[str, Any]], *, table: str) -> pa.Table:
    """A batch already gathered a list per column (no dict per row) as an arrow table of those
    columns, each typed by its column hint as arrow_batch types it; table_resource adds the rest
    (arrow_table). A name that no column declares is an error, as in arrow_batch."""
    undeclared = set(values) - set(columns)
    if undeclared:
        raise ValueError(f"{table}: row keys {sorted(undeclared)} are not columns of the table")
    fields = [pa.field(name, arrow_type(columns[name])) for name in values]
    return pa.Table.from_arrays([_typed(table, f, values[f.name]) for f in fields], schema=pa.schema(fields))


class ColumnBatches:
    """Rows gathered a list per column and turned into an arrow table (arrow_columns) every
    `size` rows: a day's rows held as columns until the day is written, not as a dict per row
    (a mainnet day's 115,000 withdrawals took ~60 MB of Python objects). `add` takes a row's
    values by column name: a row lacking a column, or naming one the table does not declare,
    stops at once, naming the table and the columns; a value that does not fit its column stops
    when its batch becomes a table, naming the column (arrow_columns)."""

    def __init__(self, table: str, columns: Mapping[str, Mapping[str, Any]], names: Sequence[str], size: int = 10_000) -> None:
        undeclared = set(names) - set(columns)
        if undeclared:
            raise ValueError(f"{table}: row keys {sorted(undeclared)} are not columns of the table")
        self.table, self.columns, self.names, self.size = table, columns, tuple(names), size
        self._values: dict[str, list[Any]] = {name: [] for name in self.names}
        self._tables: list[pa.Table] = []

    def add(self, row: Mapping[str, Any]) -> None:
        if row.keys() != self._values.keys():
            extra, missing = row.keys() - self._values.keys(), self._values.keys() - row.keys()
            raise ValueError(f"{self.table}: a row " + (f"has keys {sorted(extra)} that are not columns of the table" if extra
                                                          else f"lacks the columns {sorted(missing)}"))
        for name, values in self._values.items():
            values.append(row[name])
        if self._rows() >= self.size:
            self._flush()

    def _rows(self) -> int:
        return len(self._values[self.names[0]])

    def _flush(self) -> None:
        if self._rows():
            self._tables.append(arrow_columns(self._values, self.columns, table=self.table))
            self._values = {name: [] for name in self.names}

    def tables(self) -> list[pa.Table]:
        """Every row added, in order, as arrow tables of `names` (none when no row was added)."""
        self._flush()
        return list(self._tables)


def _typed(table: str, field: pa.Field, values: Sequence[Any]) -> pa.Array:
    try:
        return pa.array(values, type=field.type)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise ValueError(f"{table}.{field.name}: a value does not fit {field.type}: {exc}") from exc


def arrow_table(batch: pa.Table, columns: Mapping[str, Mapping[str, Any]], *, chain: str, table: str) -> pa.Table:
    """arrow_batch for a batch already in columns (an answer read column-wise): the chain key
    added, every declared column in the declared order (null where the batch lacks it), each
    cast to its column's type, safely (a value that does not fit stops the load, naming it)."""
    schema = arrow_schema(columns)
    undeclared = set(batch.column_names) - set(columns)
    if undeclared:
        raise ValueError(f"{table}: row keys {sorted(undeclared)} are not columns of the table")
    n = batch.num_rows
    arrays = []
    for field in schema:
        if field.name == "chain":
            arrays.append(pa.array([chain] * n, type=field.type))
        elif field.name not in batch.column_names:
            arrays.append(pa.nulls(n, type=field.type))
        else:
            try:
                arrays.append(batch.column(field.name).cast(field.type))
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
                raise ValueError(f"{table}.{field.name}: a value does not fit {field.type}: {exc}") from exc
    return pa.Table.from_arrays(arrays, schema=schema)
