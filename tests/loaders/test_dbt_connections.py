"""A dbt invocation reuses its Postgres sessions from node to node (loaders/dbt_connections.py):
fewer connections, each handed on as a new session would be, and none left open afterwards."""

from __future__ import annotations

import time
from contextlib import nullcontext
from types import SimpleNamespace

import psycopg2
import pytest

from loaders import dbt_connections
from loaders.dbt_runner import run_dbt
from tests.support.db import query

STAGING = ["--select", "+path:models/staging/solana", "+path:models/staging/ethereum"]  # with the registry's models


@pytest.fixture
def registered(warehouse, config_files):
    """The warehouse with the registry loaded (what the staging views join)."""
    from typer.testing import CliRunner

    from loaders.cli import app

    done = CliRunner().invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]),
                                    "registry", "load"])
    assert done.exit_code == 0, done.output
    return warehouse


@pytest.fixture
def dbt_connects(monkeypatch):
    """How many connections dbt-postgres itself opens (Aurora's own, for locks and state, aside)."""
    real, opened = psycopg2.connect, []

    def connect(*args, **kwargs):
        if kwargs.get("application_name") == "dbt":  # dbt-postgres's default; Aurora's connections set none
            opened.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(psycopg2, "connect", connect)
    return opened


@pytest.mark.parametrize("reusing", [True, False])
def test_a_run_opens_a_session_per_thread_not_per_node(registered, dbt_connects, monkeypatch, reusing):
    if not reusing:  # the control: what dbt does alone
        monkeypatch.setattr(dbt_connections, "reused", nullcontext)
    outcome = run_dbt(registered, ["run", *STAGING], quiet=True)
    assert outcome.success, outcome.error
    views = len(outcome.nodes)
    assert views > 40
    if reusing:
        assert len(dbt_connects) <= 5  # four threads and dbt's own first connection
    else:
        assert len(dbt_connects) > views


def test_no_session_outlives_the_invocation(registered):
    warehouse = registered
    outcome = run_dbt(warehouse, ["run", *STAGING], quiet=True)
    assert outcome.success, outcome.error
    deadline = time.monotonic() + 10  # a closed session's backend ends a moment later
    while (left := query(warehouse, "select count(*) from pg_stat_activity where datname = current_database() "
                                    "and application_name = 'dbt'")[0][0]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == 0


def test_a_session_is_handed_on_as_a_new_one_would_be(warehouse):
    conn = warehouse.connect()
    try:
        (user,) = query(warehouse, "select current_user")[0]
        with conn.cursor() as cur:
            cur.execute("create temporary table left_behind (x int)")
            cur.execute("set enable_nestloop = off")
            cur.execute("select pg_advisory_lock(4242)")
            cur.execute("prepare left_plan as select 1")
        conn.commit()
        assert dbt_connections._reset(conn, SimpleNamespace(role=user))
        with conn.cursor() as cur:
            cur.execute("""select to_regclass('pg_temp.left_behind'), current_setting('enable_nestloop'),
                                  (select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()),
                                  (select count(*) from pg_prepared_statements), current_user""")
            assert cur.fetchone() == (None, "on", 0, 0, user)
    finally:
        conn.close()


def test_a_session_in_a_failed_transaction_is_rolled_back_then_reset(warehouse):
    conn = warehouse.connect()
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.Error):
            cur.execute("select 1/0")
        assert dbt_connections._reset(conn, SimpleNamespace(role=None))
        with conn.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_a_session_that_cannot_be_reset_is_not_kept(warehouse):
    conn = warehouse.connect()
    conn.close()
    assert not dbt_connections._reset(conn, SimpleNamespace(role=None))
