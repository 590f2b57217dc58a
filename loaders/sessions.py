"""Postgres sessions reused within one dbt invocation, or one dlt load step.

dbt-postgres opens a new connection for every node it runs and closes it when the node ends
(about 260 for a whole build of the warehouse); dlt opens one for every load job, a table's file
(about 300 in a small Solana test's two runs). Each new Postgres backend is a fork and an empty
catalog cache that its first queries fill again: 300 bare connects cost the embedded server
1.5 s of CPU, 3.1 s when each also read the catalog once (measured on the dev machine).

While `dbt_reused()` or `dlt_reused()` is in force, a connection dbt (or dlt) closes is reset
and kept instead: rolled back, then `DISCARD ALL` (temporary tables, session settings and
prepared statements, advisory locks: what a new session would not have; settings return to the
connection's own startup options, so a dlt session keeps its dataset's search_path), and for dbt
the profile's role set again, as dbt's connect does. The next connection of the same settings
takes it. Every kept session is closed when the context ends: none outlives the invocation or
load that opened it. One that fails its reset is closed as before. Only plain psycopg2
connections are kept (dbt's record/replay mode wraps its handles).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Idle:
    """Kept sessions by their connection settings; thread-safe (dbt's threads, dlt's workers)."""

    def __init__(self) -> None:
        self.active = False
        self._lock = threading.Lock()
        self._kept: dict[tuple, list] = {}

    def take(self, key: tuple):
        with self._lock:
            kept = self._kept.get(key)
            return kept.pop() if kept else None

    def keep(self, key: tuple, handle) -> None:
        with self._lock:
            self._kept.setdefault(key, []).append(handle)

    @contextmanager
    def active_within(self) -> Iterator[None]:
        self.active = True
        try:
            yield
        finally:
            self.active = False
            with self._lock:
                handles = [h for kept in self._kept.values() for h in kept]
                self._kept.clear()
            for handle in handles:
                try:
                    handle.close()
                except Exception:  # noqa: BLE001 - a session already gone needs no closing
                    pass


_dbt = _Idle()
_dlt = _Idle()
_installed: set[str] = set()


def reset(handle, role: str | None = None) -> bool:
    """The session as a new connection would be; False when that failed (then it is closed)."""
    import psycopg2

    try:
        handle.rollback()
        autocommit = handle.autocommit
        handle.autocommit = True
        with handle.cursor() as cur:
            cur.execute("discard all")
            if role:
                cur.execute(f"set role {role}")
        handle.autocommit = autocommit
        return True
    except psycopg2.Error:
        return False


def _plain(handle) -> bool:
    import psycopg2.extensions

    return type(handle) is psycopg2.extensions.connection and not handle.closed


def _dbt_key(credentials) -> tuple:
    return tuple(getattr(credentials, name, None) for name in (
        "host", "port", "database", "user", "role", "search_path", "sslmode", "application_name", "autocommit"))


def _install_dbt() -> None:
    if "dbt" in _installed:
        return
    from dbt.adapters.contracts.connection import ConnectionState
    from dbt.adapters.postgres.connections import PostgresConnectionManager

    open_new = PostgresConnectionManager.open.__func__
    close_handle = PostgresConnectionManager._close_handle.__func__

    def open(cls, connection):
        if _dbt.active and connection.state != ConnectionState.OPEN:
            handle = _dbt.take(_dbt_key(connection.credentials))
            if handle is not None:
                connection.handle = handle
                connection.state = ConnectionState.OPEN
                return connection
        return open_new(cls, connection)

    def _close_handle(cls, connection) -> None:
        handle = connection.handle
        if _dbt.active and _plain(handle) and reset(handle, connection.credentials.role):
            _dbt.keep(_dbt_key(connection.credentials), handle)
            return
        close_handle(cls, connection)

    PostgresConnectionManager.open = classmethod(open)
    PostgresConnectionManager._close_handle = classmethod(_close_handle)
    _installed.add("dbt")


def _install_dlt() -> None:
    if "dlt" in _installed:
        return
    from dlt.destinations.impl.postgres.sql_client import Psycopg2SqlClient

    open_new = Psycopg2SqlClient.open_connection
    close = Psycopg2SqlClient.close_connection

    def key(client) -> tuple:
        return (client.credentials.to_native_representation(), client.fully_qualified_dataset_name())

    def open_connection(self):
        # The settings the session was opened with (its search_path is the dataset's): a client
        # may close inside a staging-dataset block, under another dataset name.
        self._aurora_session_key = key(self)
        if _dlt.active:
            handle = _dlt.take(self._aurora_session_key)
            if handle is not None:
                # Reset when kept (rolled back, DISCARD ALL: what dlt's own reset does, and more);
                # dlt then works in autocommit between its explicit transactions.
                self._conn = handle
                self._conn.autocommit = True
                return self._conn
        return open_new(self)

    def close_connection(self) -> None:
        handle = self._conn
        opened_as = getattr(self, "_aurora_session_key", None)
        if _dlt.active and opened_as is not None and _plain(handle) and reset(handle):
            _dlt.keep(opened_as, handle)
            self._conn = None
            return
        close(self)

    Psycopg2SqlClient.open_connection = open_connection
    Psycopg2SqlClient.close_connection = close_connection
    _installed.add("dlt")


@contextmanager
def dbt_reused() -> Iterator[None]:
    """Within: a session a dbt node closes serves the next node; after: every kept session closed."""
    _install_dbt()
    with _dbt.active_within():
        yield


@contextmanager
def dlt_reused() -> Iterator[None]:
    """Within: a session a dlt load job closes serves the next job of its dataset; after: every
    kept session closed."""
    _install_dlt()
    with _dlt.active_within():
        yield
