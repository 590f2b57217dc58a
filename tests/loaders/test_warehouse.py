"""One warehouse connection: the embedded Postgres by default, AURORA_DATABASE_URL when set."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from loaders import warehouse as wh
from loaders.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "url,expected",
    [
        ("postgresql://aurora:s3cret@db.example.com:6543/warehouse", ("db.example.com", 6543, "aurora", "s3cret", "warehouse")),
        ("postgres://aurora@localhost/warehouse", ("localhost", 5432, "aurora", "", "warehouse")),
        ("postgresql://postgres@/aurora?host=/run/pg&port=5433", ("/run/pg", 5433, "postgres", "", "aurora")),
        ("postgresql://u:p%40ss@h/d", ("h", 5432, "u", "p@ss", "d")),
    ],
)
def test_database_urls_are_parsed(url, expected):
    w = wh.parse_database_url(url)
    assert (w.host, w.port, w.user, w.password, w.database) == expected
    assert not w.embedded
    assert wh.parse_database_url(w.url) == w  # the URL we print round-trips


@pytest.mark.parametrize(
    "url,message",
    [
        ("mysql://x@h/d", "AURORA_DATABASE_URL: scheme must be postgresql://"),
        ("postgresql://x@h", "AURORA_DATABASE_URL: no database name"),
    ],
)
def test_bad_database_urls_are_named(url, message):
    with pytest.raises(wh.WarehouseError, match=message):
        wh.parse_database_url(url)


def test_password_is_masked_when_printed():
    w = wh.parse_database_url("postgresql://aurora:s3cret@db:5432/warehouse")
    assert "s3cret" not in w.display_url and "***" in w.display_url


def test_embedded_server_starts_once_survives_commands_and_stops(tmp_path, monkeypatch):
    monkeypatch.delenv("AURORA_DATABASE_URL", raising=False)
    monkeypatch.setenv("AURORA_HOME", str(tmp_path / "home"))
    try:
        first = wh.open_warehouse()
        # Root runs the server as another account, whose socket gets a private directory of its own.
        assert first.embedded and (first.host.startswith(str(tmp_path)) or os.geteuid() == 0)
        with first.connect() as conn, conn.cursor() as cur:
            cur.execute("create table kept (x int); insert into kept values (42)")
        pid = wh._running_info().pid
        # A second command finds the same server running.
        result = runner.invoke(app, ["db", "url"])
        assert result.exit_code == 0 and result.output.strip() == first.url
        assert wh._running_info().pid == pid
        assert "running as pid" in runner.invoke(app, ["db", "status"]).output

        assert "stopped the embedded Postgres" in runner.invoke(app, ["db", "stop"]).output
        assert "stopped" in runner.invoke(app, ["db", "status"]).output
        assert "was not running" in runner.invoke(app, ["db", "stop"]).output

        again = wh.open_warehouse()
        with again.connect() as conn, conn.cursor() as cur:
            cur.execute("select x from kept")
            assert cur.fetchall() == [(42,)]
    finally:
        wh.stop_embedded()


def test_database_url_wins_and_no_server_is_started(tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AURORA_DATABASE_URL", "postgresql://aurora:pw@db.internal:5432/warehouse")
    result = runner.invoke(app, ["db", "url"])
    assert result.exit_code == 0
    assert result.output.strip() == "postgresql://aurora:***@db.internal:5432/warehouse"
    assert not (tmp_path / "home" / "pgdata").exists()
    assert "external" in runner.invoke(app, ["db", "status"]).output
    assert "will not stop it" in runner.invoke(app, ["db", "stop"]).output


def test_db_env_drives_a_hand_run_dbt(warehouse, config_files):
    """`eval "$(aurora db env)"` then plain `dbt` works against the same server."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    result = runner.invoke(app, ["db", "env"])
    assert result.exit_code == 0
    env = dict(os.environ)
    for line in result.output.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value.strip("'")
    assert env["AURORA_PG_DATABASE"] == warehouse.database
    loaded = runner.invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]), "registry", "load"])
    assert loaded.exit_code == 0, loaded.output
    dbt = Path(sys.executable).with_name("dbt")
    project = Path(__file__).resolve().parents[2] / "dbt_project"
    env["DBT_TARGET_PATH"] = str(Path(env["AURORA_HOME"]) / "target")
    env["DBT_LOG_PATH"] = str(Path(env["AURORA_HOME"]) / "logs")
    done = subprocess.run([str(dbt), "build", "--select", "+registry", "--indirect-selection", "cautious"], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    from tests.support.db import query

    assert query(warehouse, "select count(*) from registry.chains") == [(2,)]
