"""A dbt invocation reuses its Postgres sessions from node to node, a dlt load step from job to job
(loaders/sessions.py): fewer connections, each handed on as a new session would be, and none left
open afterwards."""

from __future__ import annotations

import time
from contextlib import nullcontext

import psycopg2
import pytest

from loaders import sessions
from loaders.dbt_runner import run_dbt
from tests.support import toy_pipeline
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
def connects(monkeypatch):
    """The connections dbt-postgres and dlt open (Aurora's own, for locks and state, aside)."""
    real, opened = psycopg2.connect, []

    def connect(*args, **kwargs):
        if kwargs.get("application_name") == "dbt":  # dbt-postgres's default; Aurora's connections set none
            opened.append("dbt")
        elif "-csearch_path=" in (kwargs.get("options") or ""):  # dlt's sql client
            opened.append("dlt")
        return real(*args, **kwargs)

    monkeypatch.setattr(psycopg2, "connect", connect)
    return opened


def other_sessions(warehouse) -> int:
    """Client sessions on the warehouse's database but the asking one, once closed ones have
    ended (autovacuum's workers on the database are not sessions anyone opened)."""
    deadline = time.monotonic() + 10  # a closed session's backend ends a moment later
    while (left := query(warehouse, "select count(*) from pg_stat_activity where datname = current_database() "
                                    "and backend_type = 'client backend' and pid <> pg_backend_pid()")[0][0]) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


@pytest.mark.parametrize("reusing", [True, False])
def test_a_dbt_run_opens_a_session_per_thread_not_per_node(registered, connects, monkeypatch, reusing):
    if not reusing:  # the control: what dbt does alone
        monkeypatch.setattr(sessions, "dbt_reused", nullcontext)
    outcome = run_dbt(registered, ["run", *STAGING], quiet=True)
    assert outcome.success, outcome.error
    views = len(outcome.nodes)
    assert views > 40
    opened = connects.count("dbt")
    if reusing:
        assert opened <= 5  # four threads and dbt's own first connection
    else:
        assert opened > views


def test_no_dbt_session_outlives_the_invocation(registered):
    outcome = run_dbt(registered, ["run", *STAGING], quiet=True)
    assert outcome.success, outcome.error
    assert other_sessions(registered) == 0


@pytest.mark.parametrize("reusing", [True, False])
def test_a_dlt_load_reuses_its_sessions_and_keeps_none(warehouse, connects, monkeypatch, reusing):
    if not reusing:  # the control: what dlt does alone
        monkeypatch.setattr(sessions, "dlt_reused", nullcontext)
    toy_pipeline.load(1)
    first = connects.count("dlt")
    toy_pipeline.load(2)  # a merge: staging tables, then the delete-insert, a job per table
    merged = connects.count("dlt") - first
    assert query(warehouse, "select count(*), sum(b.double - 2 * a.value) from raw_toy.a join raw_toy.b using (id) "
                            "where a.period = 2 and b.period = 2") == [(20, 0)]
    assert other_sessions(warehouse) == 0
    if reusing:
        assert merged <= 4  # the pipeline's own, then one a worker, handed from job to job
    else:
        assert merged > 4


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
        assert sessions.reset(conn, role=user)
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
        assert sessions.reset(conn)
        with conn.cursor() as cur:
            cur.execute("select 1")
            assert cur.fetchone() == (1,)
    finally:
        conn.close()


def test_a_session_that_cannot_be_reset_is_not_kept(warehouse):
    conn = warehouse.connect()
    conn.close()
    assert not sessions.reset(conn)
