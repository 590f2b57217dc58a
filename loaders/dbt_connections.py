"""One dbt invocation's Postgres sessions, reused from node to node.

dbt-postgres opens a new connection for every node it runs and closes it when the node ends:
about 260 sessions for a whole build of the warehouse. Each new Postgres backend is a fork and
an empty catalog cache that the node's first queries fill again; 300 bare connects cost the
embedded server 1.5 s of CPU, 3.1 s when each also read the catalog once (measured on this
machine).

While `reused()` is in force, a connection dbt closes is reset and kept instead: rolled back,
then `DISCARD ALL` (temporary tables, session settings, prepared statements, advisory locks: the
state a new session would not have) and the profile's role set again, as dbt's own connect does.
The next node dbt opens takes it. Every kept session is closed when the invocation ends, so no
session outlives the dbt run that opened it, and one that fails its reset is closed as dbt would
have. Only plain psycopg2 connections are kept (dbt's record/replay mode wraps its handles).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_idle: dict[tuple, list] = {}
_active = False
_installed = False


def _key(credentials) -> tuple:
    return tuple(getattr(credentials, name, None) for name in (
        "host", "port", "database", "user", "role", "search_path", "sslmode", "application_name", "autocommit"))


def _reset(handle, credentials) -> bool:
    """The session as a new connection would be; False when that failed (then it is closed)."""
    import psycopg2

    try:
        handle.rollback()
        autocommit = handle.autocommit
        handle.autocommit = True
        with handle.cursor() as cur:
            cur.execute("discard all")
            if credentials.role:
                cur.execute(f"set role {credentials.role}")
        handle.autocommit = autocommit
        return True
    except psycopg2.Error:
        return False


def _install() -> None:
    global _installed
    if _installed:
        return
    import psycopg2.extensions
    from dbt.adapters.contracts.connection import ConnectionState
    from dbt.adapters.postgres.connections import PostgresConnectionManager

    open_new = PostgresConnectionManager.open.__func__
    close_handle = PostgresConnectionManager._close_handle.__func__

    def open(cls, connection):
        if _active and connection.state != ConnectionState.OPEN:
            with _lock:
                idle = _idle.get(_key(connection.credentials))
                handle = idle.pop() if idle else None
            if handle is not None:
                connection.handle = handle
                connection.state = ConnectionState.OPEN
                return connection
        return open_new(cls, connection)

    def _close_handle(cls, connection) -> None:
        handle = connection.handle
        if (_active and type(handle) is psycopg2.extensions.connection and not handle.closed
                and _reset(handle, connection.credentials)):
            with _lock:
                _idle.setdefault(_key(connection.credentials), []).append(handle)
            return
        close_handle(cls, connection)

    PostgresConnectionManager.open = classmethod(open)
    PostgresConnectionManager._close_handle = classmethod(_close_handle)
    _installed = True


@contextmanager
def reused() -> Iterator[None]:
    """Within: a session a node closes serves the next node; after: every kept session closed."""
    global _active
    _install()
    _active = True
    try:
        yield
    finally:
        _active = False
        with _lock:
            handles = [h for idle in _idle.values() for h in idle]
            _idle.clear()
        for handle in handles:
            try:
                handle.close()
            except Exception:  # noqa: BLE001 - a session already gone needs no closing
                pass
