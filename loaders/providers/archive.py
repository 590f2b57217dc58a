"""The raw response archive: every HTTP response (and every failed attempt) with its lineage.

Two tables in the chain's raw dataset:
- `http_responses`: one row per request, attempt and outcome (provider, endpoint, URL, parameters,
  time, status, error, sha256 and size of the body), in the same dlt load as the rows parsed from
  it, which carry its `response_id`;
- `http_bodies`: each distinct body once, keyed by its sha256, compressed by Postgres (TOAST);
  parameters over 1 KiB (the id lists of validator-sized POSTs) are stored there too, by
  `params_sha256`.

Memory stays flat however many requests a load makes: rows are spooled as they come (in memory
up to a few MiB, then in an unlinked temporary file that vanishes with the process) and handed
over in batches when the source's archive resources run. Bodies go to the warehouse as they come,
a batch of a few MiB at a time, when the archive has a `BodyWriter` (every run's has); without
one (tests) they are spooled like the rows.

A `response_id` is derived from what the row says (provider, endpoint, URL, parameters, attempt,
status, error, body hash): fetching the same thing again and getting the same answer gives the
same id, so a rerun of a final period merges onto the rows it already has and stores no body
twice; a different answer (a restatement, a new failure) is a new row beside the old one.

Secrets never reach a row: URLs are stored without their query string, parameters without the
API key, errors redacted (every encoding). Bodies are stored as received: they are the lineage of
every number (their sha256 is of the bytes received), so they are not rewritten.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import queue
import struct
import tempfile
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dlt

from loaders.bulk import BULK_FILE_FORMAT, arrow_batch
from loaders.copy_files import CopyFiles, with_dlt_columns
from loaders.providers import json_text

# Bodies above this size keep their hash and size but not their bytes (a mainnet getBlock with
# transactions runs to megabytes); override with AURORA_ARCHIVE_MAX_BODY_BYTES.
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
# Spools stay in memory up to this size, then move to a temporary file.
SPOOL_MEMORY_BYTES = 4 * 1024 * 1024
# Rows per batch handed to dlt, and bytes per batch of bodies written to the warehouse.
ROWS_PER_BATCH = 2_000
BODY_BATCH_BYTES = 8 * 1024 * 1024
# Request parameters longer than this (a POST of 10,000 validator ids) are stored like bodies,
# once per sha256 (`params_sha256`): the same id list goes out every epoch of every day.
PARAMS_INLINE_BYTES = 1024
# Hashes remembered to skip spooling a body already spooled in this run (bounded: flat memory).
RECENT_HASHES = 4_096

ARCHIVE_TABLE = "http_responses"
BODIES_TABLE = "http_bodies"
REJECTION_TABLE = "rejected_items"

ARCHIVE_COLUMNS = {
    "response_id": {"data_type": "text", "nullable": False},
    "provider": {"data_type": "text", "nullable": False},
    "provider_type": {"data_type": "text", "nullable": False},
    "endpoint": {"data_type": "text", "nullable": False},
    "url": {"data_type": "text", "nullable": False},
    "params": {"data_type": "text", "nullable": True},  # null when longer than 1 KiB: see params_sha256
    "params_sha256": {"data_type": "text", "nullable": True},  # long parameters, stored in http_bodies
    "fetched_at": {"data_type": "timestamp", "nullable": False},
    "attempt": {"data_type": "bigint", "nullable": False},
    "http_status": {"data_type": "bigint", "nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "sha256": {"data_type": "text", "nullable": True},
    "body_bytes": {"data_type": "bigint", "nullable": True},
    # Before bodies had their own table they were stored here as text; kept for older warehouses
    # (`ensure_archive_tables` moves them to http_bodies), always null in new rows.
    "body": {"data_type": "text", "nullable": True},
    "run_id": {"data_type": "text", "nullable": False},
}
REJECTION_COLUMNS = {
    "item_key": {"data_type": "text", "nullable": False},
    "chain": {"data_type": "text", "nullable": False},
    "period_id": {"data_type": "text", "nullable": False},
    "validator_key": {"data_type": "text", "nullable": True},  # null: the whole period is affected
    "endpoint": {"data_type": "text", "nullable": False},
    "status": {"data_type": "text", "nullable": False},  # rejected | resolved
    "reason": {"data_type": "text", "nullable": True},
    # The gap it leaves (docs/pnl.md): response_rejected, provider_failed:<role>, history_unavailable.
    "gap": {"data_type": "text", "nullable": True},
    "response_id": {"data_type": "text", "nullable": True},
    "recorded_at": {"data_type": "timestamp", "nullable": False},
    "run_id": {"data_type": "text", "nullable": False},
}


@dataclass
class ArchivedResponse:
    response_id: str
    provider: str
    provider_type: str
    endpoint: str
    url: str
    params: str | None
    params_sha256: str | None
    fetched_at: datetime
    attempt: int
    http_status: int | None
    error: str | None
    sha256: str | None
    body_bytes: int | None
    run_id: str


@dataclass
class Rejection:
    item_key: str  # what could not be loaded, e.g. "getBlock:slot=123"
    chain: str
    period_id: str
    validator_key: str | None
    endpoint: str
    status: str
    reason: str | None
    response_id: str | None
    recorded_at: datetime
    run_id: str
    gap: str | None = None


def response_id_of(provider: str, endpoint: str, url: str, params: str | None, attempt: int,
                   http_status: int | None, error: str | None, sha256: str | None) -> str:
    """The id of a response row: the same request, attempt and answer always get the same id."""
    key = json.dumps([provider, endpoint, url, params, attempt, http_status, error, sha256], separators=(",", ":"))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def spool_dir() -> Path:
    from loaders.warehouse import aurora_home

    return aurora_home() / "spool"


class _Spool:
    """Length-prefixed records appended by any thread and read back once, in order."""

    def __init__(self) -> None:
        self._file: tempfile.SpooledTemporaryFile | None = None
        self.records = 0

    def append(self, *parts: bytes) -> None:
        if self._file is None:
            directory = spool_dir()
            directory.mkdir(parents=True, exist_ok=True)
            self._file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES, dir=directory)
        for part in parts:
            self._file.write(struct.pack(">Q", len(part)))
            self._file.write(part)
        self.records += 1

    def take(self) -> "tempfile.SpooledTemporaryFile | None":
        """The spooled records so far (the spool starts over empty)."""
        taken, self._file, self.records = self._file, None, 0
        return taken


def _read(file, parts: int) -> Iterator[tuple[bytes, ...]]:
    """Records of `parts` parts from a taken spool, then the spool is closed (and deleted)."""
    if file is None:
        return
    try:
        file.seek(0)
        while True:
            record = []
            for _ in range(parts):
                header = file.read(8)
                if not header:
                    return
                (size,) = struct.unpack(">Q", header)
                record.append(file.read(size))
            yield tuple(record)
    finally:
        file.close()


class ResponseArchive:
    """Collects archive rows (thread-safe) until a source's archive resources run; bodies too
    without a writer, with one they are handed to it in batches as they come."""

    def __init__(self, run_id: str | None = None, max_body_bytes: int | None = None, bodies_to: "BodyWriter | None" = None):
        self.run_id = run_id or uuid.uuid4().hex
        if max_body_bytes is None:
            max_body_bytes = int(os.environ.get("AURORA_ARCHIVE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))
        self.max_body_bytes = max_body_bytes
        self._rows = _Spool()
        self._bodies = _Spool()
        # With a writer: the bodies not yet handed to it (a batch at most, and what the threads
        # add while the writer is busy with two).
        self._writer = bodies_to
        self._unwritten: list[tuple[str, bytes]] = []
        self._unwritten_bytes = 0
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._pending: list[Rejection] = []  # not yet handed to dlt
        self._rejected: list[Rejection] = []  # everything rejected in this run, for the report
        self._lock = threading.Lock()
        self.counts = {"responses": 0, "failed_attempts": 0}

    def record(
        self,
        *,
        provider: str,
        provider_type: str,
        endpoint: str,
        url: str,
        params: Any,
        attempt: int,
        http_status: int | None,
        body: bytes | None,
        error: str | None = None,
    ) -> str:
        from loaders import faults

        if error is not None and not error.strip():
            # The rows go by CSV COPY, where dlt reads empty text as null: an attempt that failed
            # without a message must still read as failed.
            error = "(no message)"
        if error:
            # Second net: callers redact, but no error text reaches a row with a live key in it.
            from loaders.providers.client import LOG_REDACTION

            error = LOG_REDACTION.redact(error)
        sha = hashlib.sha256(body).hexdigest() if body is not None else None
        params_text = json_text.params_text(params) if params is not None else None
        response_id = response_id_of(provider, endpoint, url, params_text, attempt, http_status, error, sha)
        params_bytes = params_text.encode() if params_text is not None and len(params_text) > PARAMS_INLINE_BYTES else None
        params_sha = hashlib.sha256(params_bytes).hexdigest() if params_bytes is not None else None
        row = ArchivedResponse(
            response_id=response_id,
            provider=provider,
            provider_type=provider_type,
            endpoint=endpoint,
            url=url,
            params=params_text if params_sha is None else None,
            params_sha256=params_sha,
            fetched_at=datetime.now(timezone.utc),
            attempt=attempt,
            http_status=http_status,
            error=error,
            sha256=sha,
            body_bytes=len(body) if body is not None else None,
            run_id=self.run_id,
        )
        encoded = json.dumps(asdict(row), default=_iso).encode()
        with self._lock:
            self._rows.append(encoded)
            if sha is not None and len(body) <= self.max_body_bytes:
                self._spool_body(sha, body)
            if params_sha is not None:
                self._spool_body(params_sha, params_bytes)
            self.counts["responses" if http_status == 200 and error is None else "failed_attempts"] += 1
        if self._unwritten_bytes >= BODY_BATCH_BYTES:
            self._hand_over()
        faults.reached("fetch")
        return response_id

    def _spool_body(self, sha: str, data: bytes) -> None:
        if sha in self._recent:
            return
        if self._writer is not None:
            self._unwritten.append((sha, data))
            self._unwritten_bytes += len(data)
        else:
            self._bodies.append(sha.encode(), data)
        self._recent[sha] = None
        if len(self._recent) > RECENT_HASHES:
            self._recent.popitem(last=False)

    def _hand_over(self) -> None:
        """The bodies recorded so far, to the writer (which may make this thread wait)."""
        with self._lock:
            batch, self._unwritten, self._unwritten_bytes = self._unwritten, [], 0
        if batch:
            self._writer.put(batch)

    def write_pending_bodies(self) -> bool:
        """With a writer: the bodies not yet written are, and it stops (a later body starts it
        again); False without one. A write that failed raises here, if no fetch saw it first."""
        if self._writer is None:
            return False
        try:
            self._hand_over()
        finally:
            self._writer.close()
        return True

    def reject(
        self, *, item_key: str, chain: str, period_id: str, endpoint: str, reason: str, response_id: str | None,
        validator_key: str | None = None, gap: str = "response_rejected",
    ) -> None:
        row = Rejection(item_key, chain, period_id, validator_key, endpoint, "rejected", reason, response_id,
                        datetime.now(timezone.utc), self.run_id, gap)
        with self._lock:
            self._pending.append(row)
            self._rejected.append(row)

    def resolve(
        self, *, item_key: str, chain: str, period_id: str, endpoint: str, response_id: str | None,
        validator_key: str | None = None,
    ) -> None:
        row = Rejection(item_key, chain, period_id, validator_key, endpoint, "resolved", None, response_id, datetime.now(timezone.utc), self.run_id)
        with self._lock:
            self._pending.append(row)

    @property
    def rejections(self) -> list[Rejection]:
        with self._lock:
            return list(self._rejected)

    def response_batches(self, size: int = ROWS_PER_BATCH) -> Iterator[list[dict[str, Any]]]:
        """The rows recorded so far, in batches (the archive starts over)."""
        with self._lock:
            taken = self._rows.take()
        batch: list[dict[str, Any]] = []
        for (encoded,) in _read(taken, 1):
            row = json.loads(encoded)
            row["fetched_at"] = datetime.fromisoformat(row["fetched_at"])
            batch.append(row)
            if len(batch) >= size:
                yield batch
                batch = []
        if batch:
            yield batch

    def drain_responses(self) -> list[dict[str, Any]]:
        return [row for batch in self.response_batches() for row in batch]

    def drain_bodies(self) -> Iterator[tuple[str, bytes]]:
        """(sha256, body) of the bodies recorded and not yet written, each once (the archive
        starts over)."""
        with self._lock:
            taken = self._bodies.take()
            unwritten, self._unwritten, self._unwritten_bytes = self._unwritten, [], 0
        for sha, body in _read(taken, 2):
            yield sha.decode(), body
        yield from unwritten

    def drain_rejections(self) -> list[dict[str, Any]]:
        with self._lock:
            pending, self._pending = self._pending, []
        return [asdict(r) for r in pending]


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot archive {type(value).__name__}")


# ---------------------------------------------------------------- bodies in the warehouse
def ensure_bodies_table(cur, dataset: str) -> None:
    """http_bodies in `dataset`: created by Aurora (not dlt), since bodies are written as they
    come, keyed by content, outside any load. TOAST compresses values from 128 bytes on (lz4
    where the server has it, else pglz), and `sha256(body)` stays checkable in plain SQL."""
    cur.execute(f'create schema if not exists "{dataset}"')
    cur.execute(f"""
        create table if not exists "{dataset}".{BODIES_TABLE} (
            sha256 text primary key,
            body_bytes bigint not null,
            body bytea not null,
            stored_at timestamptz not null default now()
        ) with (toast_tuple_target = 128)""")
    cur.execute("select 1 from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)")
    if cur.fetchone():
        cur.execute(f'alter table "{dataset}".{BODIES_TABLE} alter column body set compression lz4')


def _binary_copy(rows: list[tuple[str, bytes]]) -> io.BytesIO:
    """`rows` (sha256, body) as COPY's binary format for (sha256, body_bytes, body): the bodies go
    as they are, where an INSERT escapes every byte of them into the text of the statement."""
    out = io.BytesIO()
    out.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
    for sha, body in rows:
        key = sha.encode()
        out.write(struct.pack(">hi", 3, len(key)))
        out.write(key)
        out.write(struct.pack(">iqi", 8, len(body), len(body)))
        out.write(body)
    out.write(struct.pack(">h", -1))
    out.seek(0)
    return out


def store_bodies(conn, dataset: str, bodies: Iterable[tuple[str, bytes]]) -> tuple[int, int]:
    """The bodies table ensured, then `write_bodies`."""
    with conn.cursor() as cur:
        ensure_bodies_table(cur, dataset)
    conn.commit()
    return write_bodies(conn, dataset, bodies)


def write_bodies(conn, dataset: str, bodies: Iterable[tuple[str, bytes]]) -> tuple[int, int]:
    """Write bodies not yet stored, a batch per transaction; (bodies written, their bytes).

    A batch is copied in (binary COPY: no escaping of the bytes, on either side); should another
    load have stored one of its bodies since the check (a unique violation), the batch is
    inserted again with `on conflict do nothing`, as the only way before was."""
    import psycopg2.errors
    from psycopg2.extras import execute_values

    written = written_bytes = 0

    def flush(batch: list[tuple[str, bytes]]) -> None:
        nonlocal written, written_bytes
        with conn.cursor() as cur:
            cur.execute(f'select sha256 from "{dataset}".{BODIES_TABLE} where sha256 = any(%s)', ([s for s, _ in batch],))
            stored = {r[0] for r in cur.fetchall()}
            fresh = {sha: body for sha, body in batch if sha not in stored}
            if fresh:
                try:
                    cur.copy_expert(f'copy "{dataset}".{BODIES_TABLE} (sha256, body_bytes, body) from stdin with (format binary)',
                                    _binary_copy(list(fresh.items())), size=1024 * 1024)
                    inserted = list(fresh)
                except psycopg2.errors.UniqueViolation:
                    conn.rollback()
                    # The rows each page inserted (rowcount would be the last page's alone).
                    inserted = [r[0] for r in execute_values(
                        cur, f'insert into "{dataset}".{BODIES_TABLE} (sha256, body_bytes, body) values %s '
                             'on conflict (sha256) do nothing returning sha256',
                        [(sha, len(body), body) for sha, body in fresh.items()], page_size=100, fetch=True,
                    )]
                written += len(inserted)
                written_bytes += sum(len(fresh[sha]) for sha in inserted)
        conn.commit()

    batch: list[tuple[str, bytes]] = []
    size = 0
    for sha, body in bodies:
        batch.append((sha, body))
        size += len(body)
        if size >= BODY_BATCH_BYTES or len(batch) >= 1_000:
            flush(batch)
            batch, size = [], 0
    if batch:
        flush(batch)
    return written, written_bytes


class BodyWriter:
    """Writes a raw dataset's bodies while the archive records them: batches handed over by the
    fetching threads, written by one thread of its own on a connection of its own (both started
    at the first batch, the table ensured once; stopped by the archive at the end of each load).

    Spooled to a temporary file until the load's end instead, a network-wide mainnet day's
    attestation answers (20 GiB at 1,000,000 validators) cost system CPU to write there and disk
    for all of them at once, twice the warehouse (bench/README.md). One thread writes, never the
    fetching ones: written by whichever fetch filled a batch, the batches' copies (the COPY
    buffer) came from every fetching thread's own heap of the allocator, each keeping its
    high-water mark (a higher loader peak RSS, bench/README.md).

    `put` waits while one batch is being written and another waits (the fetches slow to the
    warehouse's pace: memory stays at a few batches); a write that failed is raised by the next
    `put` or by `close`, so the fetch stops with the warehouse's error."""

    QUEUED = 1

    def __init__(self, warehouse, dataset: str):
        self._warehouse, self.dataset = warehouse, dataset
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None
        self._lock = threading.Lock()

    def put(self, batch: list[tuple[str, bytes]]) -> None:
        with self._lock:
            self._raise_failure()
            if self._thread is None:
                self._queue = queue.Queue(maxsize=self.QUEUED)
                self._thread = threading.Thread(target=self._run, args=(self._queue,), name="aurora-archive-bodies", daemon=True)
                self._thread.start()
            q = self._queue
        q.put(batch)

    def close(self) -> None:
        """Every batch put is written (or the failure raised), the thread and connection end."""
        with self._lock:
            thread, q, self._thread, self._queue = self._thread, self._queue, None, None
        if thread is not None:
            q.put(None)
            thread.join()
        with self._lock:
            self._raise_failure()

    def _raise_failure(self) -> None:
        # Raised again by every later put and close: no body of this run is written after it.
        if self._failed is not None:
            raise self._failed

    def _run(self, q: "queue.Queue") -> None:
        conn = None
        try:
            while (batch := q.get()) is not None:
                if self._failed is not None:
                    continue  # drained, not written: the load has failed
                try:
                    if conn is None:
                        conn = self._warehouse.connect()
                        with conn.cursor() as cur:
                            ensure_bodies_table(cur, self.dataset)
                        conn.commit()
                    write_bodies(conn, self.dataset, batch)
                except BaseException as exc:  # noqa: BLE001 - raised in the fetching thread, by put or close
                    self._failed = exc
        finally:
            if conn is not None:
                conn.close()


def _store_pending_bodies(archive: ResponseArchive) -> None:
    """Bodies go to the warehouse before the rows that name them are handed to dlt, so a
    committed row always finds its body."""
    from loaders.pipeline import warehouse_of

    if archive.write_pending_bodies():
        return
    pipeline = dlt.current.pipeline()
    conn = warehouse_of(pipeline).connect()
    try:
        store_bodies(conn, pipeline.dataset_name, archive.drain_bodies())
    finally:
        conn.close()


def archive_resources(archive: ResponseArchive, done: set[str], expected: set[str]) -> list[Any]:
    """The archive and rejection rows of every response the source's other resources used.

    They must come last: the pipeline extracts resources in order (EXTRACT__NEXT_ITEM_MODE=fifo,
    set in loaders/__init__.py); a check makes a mistake there fail loudly, not lose lineage."""

    def check() -> None:
        missing = expected - done
        if missing:
            raise RuntimeError(f"archive resources ran before {sorted(missing)} finished: extract must run in fifo order")

    def responses() -> Any:
        # On the COPY path (loaders/bulk.py): a network-wide day archives ~45,000 responses, and
        # dlt's INSERT ... VALUES of them was a statement per file that Postgres parsed whole.
        check()
        _store_pending_bodies(archive)
        empty = True
        files = CopyFiles(ARCHIVE_TABLE)
        try:
            for batch in archive.response_batches():
                empty = False
                yield from files.add(arrow_batch(batch, ARCHIVE_COLUMNS, chain="", table=ARCHIVE_TABLE))
            yield from files.finish()
        finally:
            files.discard()
        if empty:
            yield dlt.mark.materialize_table_schema()

    def rejections() -> Any:
        check()
        rows = archive.drain_rejections()
        yield rows if rows else dlt.mark.materialize_table_schema()

    return [
        dlt.resource(responses, name=ARCHIVE_TABLE, write_disposition="merge", primary_key="response_id",
                     columns=with_dlt_columns(ARCHIVE_COLUMNS), file_format=BULK_FILE_FORMAT),
        # The latest word on an item wins: a later success marks an earlier rejection resolved.
        dlt.resource(rejections, name=REJECTION_TABLE, write_disposition="merge", primary_key="item_key", columns=REJECTION_COLUMNS),
    ]


# ---------------------------------------------------------------- upkeep
def ensure_archive_tables(conn, dataset: str) -> None:
    """The bodies table of a raw dataset, the index retention needs, and, once, the bodies an
    older Aurora kept as text in http_responses.body moved to http_bodies (those whose text
    still hashes to the archived sha256; the others stay where they are)."""
    with conn.cursor() as cur:
        ensure_bodies_table(cur, dataset)
        cur.execute("select to_regclass(%s)", (f'"{dataset}".{ARCHIVE_TABLE}',))
        if cur.fetchone()[0] is None:
            conn.commit()
            return
        cur.execute(f'create index if not exists {ARCHIVE_TABLE}_sha256_idx on "{dataset}".{ARCHIVE_TABLE} (sha256)')
        cur.execute("select 1 from information_schema.columns where table_schema = %s and table_name = %s and column_name = 'params_sha256'",
                    (dataset, ARCHIVE_TABLE))
        if cur.fetchone():
            cur.execute(f'create index if not exists {ARCHIVE_TABLE}_params_sha256_idx on "{dataset}".{ARCHIVE_TABLE} (params_sha256) '
                        "where params_sha256 is not null")
        cur.execute("create schema if not exists aurora_control")
        cur.execute("create table if not exists aurora_control.migrations (name text primary key, applied_at timestamptz not null default now())")
        marker = f"http_bodies:{dataset}"
        cur.execute("select 1 from aurora_control.migrations where name = %s", (marker,))
        if cur.fetchone() is None:
            cur.execute("select 1 from information_schema.columns where table_schema = %s and table_name = %s and column_name = 'body'",
                        (dataset, ARCHIVE_TABLE))
            if cur.fetchone():
                cur.execute(f"""
                    insert into "{dataset}".{BODIES_TABLE} (sha256, body_bytes, body)
                    select distinct on (sha256) sha256, octet_length(convert_to(body, 'UTF8')), convert_to(body, 'UTF8')
                    from "{dataset}".{ARCHIVE_TABLE}
                    where body is not null and encode(sha256(convert_to(body, 'UTF8')), 'hex') = sha256
                    on conflict (sha256) do nothing""")
                cur.execute(f"""
                    update "{dataset}".{ARCHIVE_TABLE} as r set body = null
                    where r.body is not null and exists (select 1 from "{dataset}".{BODIES_TABLE} as b where b.sha256 = r.sha256)""")
            cur.execute("insert into aurora_control.migrations (name) values (%s) on conflict do nothing", (marker,))
    conn.commit()


@dataclass
class PruneResult:
    dataset: str
    bodies: int
    body_bytes: int


def prune_bodies(conn, dataset: str, keep_days: float, dry_run: bool = False) -> PruneResult:
    """Delete the bodies no response fetched in the last `keep_days` days has (and not stored in
    them either: a load in flight keeps its own). Hashes stay: every http_responses row keeps its
    sha256 and size, so what was archived stays provable, only no longer re-readable."""
    with conn.cursor() as cur:
        cur.execute("select to_regclass(%s), to_regclass(%s)", (f'"{dataset}".{BODIES_TABLE}', f'"{dataset}".{ARCHIVE_TABLE}'))
        bodies_table, responses_table = cur.fetchone()
        if bodies_table is None:
            return PruneResult(dataset, 0, 0)
        recent = (f'exists (select 1 from "{dataset}".{ARCHIVE_TABLE} as r where r.sha256 = b.sha256 '
                  f"and r.fetched_at >= now() - make_interval(secs => %(keep)s)) or "
                  f'exists (select 1 from "{dataset}".{ARCHIVE_TABLE} as r where r.params_sha256 = b.sha256 '
                  f"and r.fetched_at >= now() - make_interval(secs => %(keep)s))") if responses_table else "false"
        where = f"b.stored_at < now() - make_interval(secs => %(keep)s) and not ({recent})"
        params = {"keep": keep_days * 86400}
        if dry_run:
            cur.execute(f'select count(*), coalesce(sum(b.body_bytes), 0) from "{dataset}".{BODIES_TABLE} as b where {where}', params)
            n, size = cur.fetchone()
            conn.rollback()
            return PruneResult(dataset, n, int(size))
        cur.execute(f'delete from "{dataset}".{BODIES_TABLE} as b where {where} returning b.body_bytes', params)
        sizes = [r[0] for r in cur.fetchall()]
    conn.commit()
    return PruneResult(dataset, len(sizes), sum(sizes))


def keep_days_setting() -> float | None:
    """AURORA_ARCHIVE_KEEP_DAYS: days bodies are kept after their last fetch (unset: forever)."""
    value = os.environ.get("AURORA_ARCHIVE_KEEP_DAYS", "").strip()
    if not value:
        return None
    try:
        days = float(value)
    except ValueError:
        raise ValueError(f"AURORA_ARCHIVE_KEEP_DAYS: expected a number of days, got '{value}'") from None
    if days < 0:
        raise ValueError(f"AURORA_ARCHIVE_KEEP_DAYS: must be at least 0, got {value}")
    return days
