"""Who may do what at the same time: named Postgres advisory locks in the warehouse.

    run:<chain>        one `aurora run --chain <chain>` at a time (its loads and its build)
    pipeline:<name>    one process at a time in a dlt pipeline's local files, per load package
    commit:<dataset>   a load step writing into a raw dataset (exclusive) against builds reading
                       it (shared): a build never sees a package half-merged
    dbt                one dbt build at a time

Advisory locks live in the warehouse, so they hold between machines sharing one database, and
the server drops them when their session ends: a killed process never leaves a lock behind.
Each lock has its own connection, named after the command holding it, so a refusal can say who.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

import psycopg2

from loaders.warehouse import Warehouse

# The first key of every Aurora lock (ASCII "AURO"); the second is the name's hash.
NAMESPACE = 0x4155524F
# Exit status of a command refused because another holds what it needs (EX_TEMPFAIL: try later).
BUSY_EXIT_CODE = 75


class LockBusy(Exception):
    """Another process holds the lock; the message names it."""


def lock_key(name: str) -> int:
    """The lock's second key: the first four bytes of sha256(name) as a signed int4.
    SQL computes the same: ('x' || left(encode(sha256(convert_to(name, 'UTF8')), 'hex'), 8))::bit(32)::int"""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big", signed=True)


_command = "aurora"


def set_command(command: str) -> None:
    """Name the command this process runs (the CLI does), for the holder of its locks."""
    global _command
    _command = command


def holder_label() -> str:
    """What a lock's connection is called in pg_stat_activity: the command, pid and host."""
    return f"{_command} (pid {os.getpid()} on {socket.gethostname()})"[:63]


# How long a refusing acquire waits for a holder whose session is already gone from the server's
# activity view (its backend is exiting and will release the lock).
ENDING_SESSION_GRACE_SECONDS = 5.0


class WarehouseLock:
    """One named advisory lock on its own connection (exclusive, or shared with others shared)."""

    def __init__(self, warehouse: Warehouse, name: str, *, shared: bool = False):
        self.warehouse = warehouse
        self.name = name
        self.shared = shared
        self.label = holder_label()
        self.key = lock_key(name)
        self._conn = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = psycopg2.connect(
            host=self.warehouse.host, port=self.warehouse.port, user=self.warehouse.user,
            password=self.warehouse.password, dbname=self.warehouse.database, application_name=self.label,
        )
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(f"select pg_try_advisory_lock{'_shared' if self.shared else ''}(%s, %s)", (NAMESPACE, self.key))
                (got,) = cur.fetchone()
        except BaseException:
            conn.close()
            raise
        if got:
            self._conn = conn
            return True
        conn.close()
        return False

    def acquire(self, wait: bool = False, on_wait: Callable[[str], None] | None = None, timeout: float | None = None) -> None:
        """Take the lock, or raise LockBusy naming the holder; with `wait`, poll until it is free
        (telling `on_wait` who holds it, once)."""
        if self.try_acquire():
            return
        if not wait:
            # A holder whose session is ending still holds the lock until its backend exits
            # (a lock given up by closing its connection): give such a holder a moment.
            deadline = time.monotonic() + ENDING_SESSION_GRACE_SECONDS
            while not self.holders() and time.monotonic() < deadline:
                time.sleep(0.05)
                if self.try_acquire():
                    return
            raise LockBusy(self.busy_message())
        if on_wait:
            on_wait(f"waiting: {self.describe_holders()}")
        started = time.monotonic()
        delay = 0.05
        while not self.try_acquire():
            if timeout is not None and time.monotonic() - started > timeout:
                raise LockBusy(self.busy_message())
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                # Unlocked before the session ends: closing alone releases the lock only when the
                # server's backend exits, after this returns, and a next run would find it held.
                with conn.cursor() as cur:
                    cur.execute(f"select pg_advisory_unlock{'_shared' if self.shared else ''}(%s, %s)", (NAMESPACE, self.key))
            except psycopg2.Error:
                pass
            try:
                conn.close()  # the session ends, and the server releases whatever it still holds
            except psycopg2.Error:
                pass

    def holders(self) -> list[tuple[str, int, datetime | None]]:
        """(application name, backend pid, since) of the sessions holding this lock."""
        with self.warehouse.connect() as conn, conn.cursor() as cur:
            cur.execute(
                """select coalesce(nullif(a.application_name, ''), 'a session'), a.pid, a.backend_start
                   from pg_locks l join pg_stat_activity a on a.pid = l.pid
                   where l.locktype = 'advisory' and l.granted and l.classid = %s and l.objid = %s and l.objsubid = 2
                   order by a.backend_start""",
                (NAMESPACE & 0xFFFFFFFF, self.key & 0xFFFFFFFF),
            )
            return cur.fetchall()

    def describe_holders(self) -> str:
        holders = self.holders()
        if not holders:
            return f"{self.name} is held by a session that just ended"
        names = "; ".join(f"{name}, since {since:%Y-%m-%d %H:%M:%S}" if since else name for name, _, since in holders)
        return f"{self.name} is held by {names}"

    def busy_message(self) -> str:
        return f"{self.describe_holders()}. Try again when it ends, or pass --wait to wait for it."

    def __enter__(self) -> "WarehouseLock":
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@contextmanager
def holding(warehouse: Warehouse, name: str, *, shared: bool = False, wait: bool = False,
            on_wait: Callable[[str], None] | None = None, timeout: float | None = None) -> Iterator[WarehouseLock]:
    lock = WarehouseLock(warehouse, name, shared=shared)
    lock.acquire(wait=wait, on_wait=on_wait, timeout=timeout)
    try:
        yield lock
    finally:
        lock.release()


def run_lock_name(chain: str) -> str:
    return f"run:{chain}"


def pipeline_lock_name(pipeline_name: str) -> str:
    return f"pipeline:{pipeline_name}"


def commit_lock_name(dataset: str) -> str:
    return f"commit:{dataset}"


DBT_LOCK = "dbt"
