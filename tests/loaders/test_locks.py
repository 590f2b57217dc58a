"""Advisory locks: exclusive and shared, a refusal that names the holder, `--wait`, and no lock
outliving a killed process; the embedded server's start is guarded by a file lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from loaders.locks import LockBusy, WarehouseLock, lock_key, set_command
from tests.support.db import query


def test_the_key_is_the_same_in_python_and_in_sql(warehouse):
    # the dbt on-run-start check computes the commit locks' keys in SQL
    for name in ("commit:raw_solana", "dbt", "run:ethereum"):
        (sql_key,), = query(warehouse, "select ('x' || left(encode(sha256(convert_to(%s, 'UTF8')), 'hex'), 8))::bit(32)::int", (name,))
        assert sql_key == lock_key(name)


def test_a_held_lock_refuses_with_the_holders_name(warehouse):
    set_command("aurora run --chain solana")
    first = WarehouseLock(warehouse, "run:solana")
    first.acquire()
    try:
        set_command("aurora run --chain solana")
        with pytest.raises(LockBusy) as refused:
            WarehouseLock(warehouse, "run:solana").acquire()
        message = str(refused.value)
        assert "run:solana is held by aurora run --chain solana (pid" in message
        assert f"pid {os.getpid()} on " in message and "pass --wait" in message
        WarehouseLock(warehouse, "run:ethereum").acquire()  # another name is another lock
    finally:
        first.release()
        set_command("aurora")
    second = WarehouseLock(warehouse, "run:solana")
    second.acquire()  # released: free again
    second.release()


class _SlowToEnd:
    """A lock's connection whose session outlives close(), as a server backend that has not
    exited yet when the next run starts."""

    def __init__(self, conn):
        self.conn = conn

    def cursor(self):
        return self.conn.cursor()

    def close(self):
        pass


def test_a_released_lock_is_free_at_once_for_the_next_run(warehouse):
    # Runs follow each other at once (a scheduled run, then the next): the lock is given up before
    # its session ends, so the next run never finds it held by a session still ending.
    first = WarehouseLock(warehouse, "run:solana")
    first.acquire()
    session = first._conn
    first._conn = _SlowToEnd(session)
    try:
        first.release()
        second = WarehouseLock(warehouse, "run:solana")
        second.acquire()
        second.release()
    finally:
        session.close()


def test_shared_holders_exclude_an_exclusive_one(warehouse):
    readers = [WarehouseLock(warehouse, "commit:raw_x", shared=True) for _ in range(2)]
    for reader in readers:
        reader.acquire()
    writer = WarehouseLock(warehouse, "commit:raw_x")
    assert not writer.try_acquire()
    for reader in readers:
        reader.release()
    assert writer.try_acquire()
    assert not WarehouseLock(warehouse, "commit:raw_x", shared=True).try_acquire()
    writer.release()


def test_wait_takes_the_lock_when_the_holder_lets_go(warehouse):
    holder = WarehouseLock(warehouse, "dbt")
    holder.acquire()
    threading.Timer(0.5, holder.release).start()
    said = []
    waiter = WarehouseLock(warehouse, "dbt")
    started = time.monotonic()
    waiter.acquire(wait=True, on_wait=said.append)
    assert time.monotonic() - started >= 0.4
    assert said and said[0].startswith("waiting: dbt is held by ")
    waiter.release()


def test_a_killed_holder_leaves_no_lock_behind(warehouse):
    code = ("import sys, time; from loaders.locks import WarehouseLock; from loaders.warehouse import open_warehouse;"
            "lock = WarehouseLock(open_warehouse(), 'run:solana'); lock.acquire(); print('held', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert child.stdout.readline().strip() == "held"
        assert not WarehouseLock(warehouse, "run:solana").try_acquire()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        lock = WarehouseLock(warehouse, "run:solana")
        lock.acquire(wait=True, timeout=10)  # the server ends the session, and its locks
        lock.release()
    finally:
        if child.poll() is None:
            child.kill()


def test_the_embedded_server_starts_once_under_a_file_lock(tmp_path, monkeypatch):
    """Two processes wanting the embedded server at the same time: the second waits on the
    file lock and finds the first's server running (no second initdb, no second postmaster)."""
    from loaders.warehouse import embedded_start_lock

    monkeypatch.setenv("AURORA_HOME", str(tmp_path))
    code = ("import time; from loaders.warehouse import embedded_start_lock\n"
            "with embedded_start_lock():\n    print('in', flush=True); time.sleep(1.0)\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        assert child.stdout.readline().strip() == "in"
        started = time.monotonic()
        with embedded_start_lock():
            waited = time.monotonic() - started
        assert waited >= 0.5  # it could not enter while the other process was starting the server
    finally:
        child.wait(timeout=10)
