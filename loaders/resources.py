"""Building blocks shared by the chain sources: typed table resources, the archive that follows
them, and the log of rejected items."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import dlt
import pyarrow as pa

from loaders.bulk import (
    APPEND_TABLES, BULK_FILE_FORMAT, BULK_TABLES, KeySet, arrow_batch, arrow_table, first_of_each_key, first_of_each_key_in_table,
)
from loaders.copy_files import CopyFiles, with_dlt_columns
from loaders.providers.archive import ResponseArchive, archive_resources

log = logging.getLogger("aurora.load")


def table_resource(
    name: str, rows: Callable[[], list[dict[str, Any]] | Iterator[list[dict[str, Any]] | pa.Table]], *, chain: str, primary_key: tuple[str, ...] | str,
    columns: dict[str, Any], done: set[str], bulk: bool | None = None,
):
    """A merge resource whose rows carry the chain key; an empty answer still creates the table.
    `rows()` returns a list, or an iterator of batches (handed to dlt one at a time, so a
    million-row answer never sits in memory whole): lists of rows, or arrow tables (an answer
    read column-wise, never turned into rows on the COPY path). `bulk` (default: the table is in
    BULK_TABLES): each batch becomes an arrow table, written to a CSV file dlt imports as it is
    and loads by COPY (loaders/copy_files.py), never through dlt's row-by-row normalisation. A table a first load may
    append (APPEND_TABLES) keeps the first row of each key, as a merge would keep one."""
    bulk = name in BULK_TABLES if bulk is None else bulk
    keys = [k for k in ((primary_key,) if isinstance(primary_key, str) else primary_key) if k != "chain"]

    def generate() -> Iterator[Any]:
        result = rows()
        batches = [result] if isinstance(result, list) else result
        empty = True
        # Bounded by the key space: a network-wide day at epoch grain is 227M rows.
        seen = KeySet(len(keys)) if name in APPEND_TABLES and keys else None
        files = CopyFiles(name) if bulk else None
        try:
            for batch in batches:
                in_columns = isinstance(batch, pa.Table)
                if len(batch) and seen is not None:
                    kept = first_of_each_key_in_table(batch, keys, seen) if in_columns else first_of_each_key(batch, keys, seen)
                    if len(kept) < len(batch):
                        log.warning("%s: %d row(s) repeat a key already in this load; the first of each is kept", name, len(batch) - len(kept))
                    batch = kept
                if len(batch):
                    empty = False
                    if files is not None:
                        yield from files.add((arrow_table if in_columns else arrow_batch)(batch, columns, chain=chain, table=name))
                    else:
                        yield [{"chain": chain, **row} for row in (batch.to_pylist() if in_columns else batch)]
            if files is not None:
                yield from files.finish()
        finally:
            if files is not None:
                files.discard()
        if empty:
            yield dlt.mark.materialize_table_schema()
        done.add(name)

    return dlt.resource(generate, name=name, write_disposition="merge", primary_key=primary_key,
                        columns=with_dlt_columns(columns) if bulk else columns, file_format=BULK_FILE_FORMAT if bulk else None)


def with_archive(archive: ResponseArchive, resources: list[Any], done: set[str]) -> list[Any]:
    """The resources, then the archive rows of every response they used (extracted last)."""
    return [*resources, *archive_resources(archive, done, {r.name for r in resources})]


def empty_tables(tables: dict[str, tuple[tuple[str, ...] | str, dict[str, Any]]]) -> list[Any]:
    """Resources that only create tables (name -> (primary key, columns))."""
    return [
        dlt.resource([dlt.mark.materialize_table_schema()], name=name, write_disposition="merge", primary_key=key, columns=columns)
        for name, (key, columns) in tables.items()
    ]


class RejectionLog:
    """Records items whose answers stayed malformed, and resolves earlier rejections on success."""

    def __init__(self, archive: ResponseArchive, chain: str, open_keys: set[str] | None = None):
        self.archive = archive
        self.chain = chain
        self.open_keys = open_keys or set()
        self.rejected_periods: set[str] = set()  # periods with an item rejected in this run

    def reject(self, key: str, period: str, endpoint: str, reason: str, response_id: str | None, validator: str | None = None,
               gap: str = "response_rejected") -> None:
        """`gap`: response_rejected (the answers stayed malformed), provider_failed:<role> (no
        usable answer: HTTP or RPC errors), history_unavailable (the node no longer has it)."""
        log.warning("rejected %s: %s", key, reason)
        self.rejected_periods.add(period)
        self.archive.reject(item_key=key, chain=self.chain, period_id=period, endpoint=endpoint,
                            reason=reason, response_id=response_id, validator_key=validator, gap=gap)

    def resolve(self, key: str, period: str, endpoint: str, response_id: str | None, validator: str | None = None) -> None:
        if key in self.open_keys:
            self.archive.resolve(item_key=key, chain=self.chain, period_id=period, endpoint=endpoint,
                                 response_id=response_id, validator_key=validator)
