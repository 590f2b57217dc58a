"""The `aurora` command: config paths, plain errors (the demo: tests/loaders/books/test_books_e2e.py)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from tests.support.network import free_port

runner = CliRunner()


def test_config_check_reports_what_it_read(config_files):
    result = runner.invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]), "config", "check"])
    assert result.exit_code == 0
    assert "ok: 2 chains, 11 providers, 15 mappings, 0 operators" in result.output


def test_a_bad_file_fails_before_anything_runs_with_the_key_path(config_files, monkeypatch, tmp_path):
    data = yaml.safe_load(config_files["providers"].read_text())
    data["providers"]["jito_kobe"]["requests_per_second"] = 0
    config_files["providers"].write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--providers", "providers.yaml", "--chains", "chains.yaml", "demo"])
    assert result.exit_code == 2
    assert "providers.yaml: providers.jito_kobe.requests_per_second: must be a number from 0.001 to 10000, got 0" in result.stderr


def test_environment_variables_choose_the_files(config_files, monkeypatch, tmp_path):
    data = yaml.safe_load(config_files["chains"].read_text())
    data["chains"]["solana"]["finality_lag"] = -1
    config_files["chains"].write_text(yaml.safe_dump(data))
    monkeypatch.setenv("AURORA_CHAINS_FILE", str(config_files["chains"]))
    monkeypatch.setenv("AURORA_PROVIDERS_FILE", str(config_files["providers"]))
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert "chains.solana.finality_lag: must be an integer from 0 to 100, got -1" in result.stderr
    # --chains beats the environment
    good = tmp_path / "good.yaml"
    data["chains"]["solana"]["finality_lag"] = 2
    good.write_text(yaml.safe_dump(data))
    assert runner.invoke(app, ["--chains", str(good), "config", "check"]).exit_code == 0


def test_dotenv_sets_what_the_shell_did_not(tmp_path, monkeypatch):
    from loaders.dotenv import load_dotenv

    env = tmp_path / ".env"
    env.write_text("# comment\nAURORA_DATABASE_URL='postgresql://a:b@h:1/d'\nexport COINGECKO_API_KEY=abc\nKEEP=from-file\n")
    monkeypatch.delenv("AURORA_DATABASE_URL", raising=False)
    monkeypatch.delenv("COINGECKO_API_KEY", raising=False)
    monkeypatch.setenv("KEEP", "from-shell")
    load_dotenv(env)
    import os

    assert os.environ["AURORA_DATABASE_URL"] == "postgresql://a:b@h:1/d"
    assert os.environ["COINGECKO_API_KEY"] == "abc"
    assert os.environ["KEEP"] == "from-shell"


def test_a_failed_registry_load_does_not_poison_the_next_one(warehouse, config_files):
    """A registry load that fails in the warehouse leaves no package that later loads retry."""
    import dataclasses

    import pytest

    from loaders.cli import load_registry
    from loaders.config import load_config
    from tests.support.db import query

    good = load_config(config_files["chains"], config_files["providers"])
    # Bypassing validation is the only way left to hand the warehouse a value its column refuses.
    broken_chain = good.chains["solana"].model_copy(update={"slot_seconds": 1e30})
    broken = dataclasses.replace(good, chains={**good.chains, "solana": broken_chain})
    with pytest.raises(Exception) as caught:
        load_registry(broken, warehouse)
    assert "aurora_registry" in str(caught.value) and "numeric field overflow" in str(caught.value), caught.value
    load_registry(good, warehouse)
    assert query(warehouse, "select chain, slots_per_epoch from raw_registry.chains order by chain") == [
        ("ethereum", 32), ("solana", 432000)]
    load_registry(good, warehouse, always=True)  # and again: nothing pending is left behind
    assert query(warehouse, "select count(*) from raw_registry.chains") == [(2,)]


def test_the_extremes_config_check_accepts_fit_the_warehouse(warehouse, config_files, tmp_path):
    """Every number at the edge of its documented range loads and passes the registry contracts."""
    from tests.support.db import query

    chains = yaml.safe_load(config_files["chains"].read_text())
    chains["chains"]["solana"].update(slots_per_epoch=10_000_000, slot_seconds=0.001, finality_lag=100,
                                      vote_credits_per_vote=1000, lamports_per_signature=1_000_000, decimals=30,
                                      start=10_000_000)
    chains["chains"]["ethereum"].update(slots_per_epoch=1, slot_seconds=3600, finality_lag=0, decimals=30,
                                        consensus_decimals=30, genesis_time="2099-12-31T23:59:59Z", start="2099-12-31")
    providers = yaml.safe_load(config_files["providers"].read_text())
    providers["providers"]["jito_kobe"].update(requests_per_second=10_000, timeout_seconds=3600, retries=100)
    providers["providers"]["coingecko"].update(requests_per_second=0.001, timeout_seconds=0.1, retries=0)
    providers["mappings"][-1]["priority"] = 1000
    operators = {"operators": [{"key": "edge", "name": "E" * 200, "validators": {"ethereum": [0, 2**31 - 1, str(2**31 - 2)]}}]}
    for name, data in (("chains", chains), ("providers", providers)):
        config_files[name].write_text(yaml.safe_dump(data))
    (tmp_path / "operators.yaml").write_text(yaml.safe_dump(operators))
    options = ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]),
               "--operators", str(tmp_path / "operators.yaml")]
    assert runner.invoke(app, [*options, "config", "check"]).exit_code == 0
    result = runner.invoke(app, [*options, "build", "--select", "+registry"])
    assert result.exit_code == 0, result.output
    assert query(warehouse, "select chain, slots_per_epoch, slot_seconds::text, finality_lag, decimals from registry.chains order by chain") == [
        ("ethereum", 1, "3600.000000", 0, 30), ("solana", 10_000_000, "0.001000", 100, 30)]
    assert query(warehouse, "select chain, start from raw_registry.chains order by chain") == [
        ("ethereum", "2099-12-31"), ("solana", "10000000")]
    assert query(warehouse, "select requests_per_second::text, timeout_seconds::text, retries from registry.providers where provider in ('coingecko', 'jito_kobe') order by provider") == [
        ("0.0010", "0.1000", 0), ("10000.0000", "3600.0000", 100)]
    assert query(warehouse, "select max(priority) from registry.chain_provider_mappings") == [(1000,)]
    assert query(warehouse, "select validator from registry.operator_validators order by validator::bigint") == [
        ("0",), (str(2**31 - 2),), (str(2**31 - 1),)]


# ---------------------------------------------------------------- BI access: the read-only role, dbt docs
@pytest.fixture(scope="module")
def built(module_warehouse, tmp_path_factory):
    """One warehouse with the whole project built once (empty chains, a full registry)."""
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    folder = tmp_path_factory.mktemp("config")
    paths = {}
    for name in ("chains", "providers"):
        paths[name] = folder / f"{name}.yaml"
        shutil.copy(root / f"{name}.yaml", paths[name])
    options = ["--chains", str(paths["chains"]), "--providers", str(paths["providers"])]
    result = runner.invoke(app, [*options, "build"])
    assert result.exit_code == 0, result.output
    return module_warehouse, options


def _as_reader(warehouse, name, password=None):
    import psycopg2

    return psycopg2.connect(host=warehouse.host, port=warehouse.port, user=name, password=password,
                            dbname=warehouse.database)


def _denied(conn, sql: str) -> str:
    import psycopg2

    with conn.cursor() as cur:
        try:
            cur.execute(sql)
        except psycopg2.Error as exc:
            conn.rollback()
            return exc.pgcode
    conn.rollback()
    return "allowed"


def _built_relations(warehouse) -> dict[str, tuple]:
    """Every relation dbt builds, by OID (a rebuilt table gets a new one), with the md5 of its rows for tables."""
    from tests.support.db import query

    out = {}
    for schema, name, oid, kind in query(warehouse, """
            select n.nspname, c.relname, c.oid::bigint, c.relkind from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
            where n.nspname in ('staging', 'intermediate', 'canonical', 'marts', 'registry', 'snapshots') and c.relkind in ('r', 'v')"""):
        digest = f'select md5(coalesce(string_agg(t::text, chr(10) order by t::text), \'\')) from "{schema}"."{name}" as t'
        rows = query(warehouse, digest) if kind == "r" else None
        out[f"{schema}.{name}"] = (oid, rows)
    return out


def test_a_whole_build_with_nothing_new_runs_no_dbt_and_changes_nothing(built):
    """`aurora build` loads the registry again (same rows, a new dlt load) and finds nothing new to build."""
    warehouse, options = built
    first = runner.invoke(app, [*options, "build"])  # skipped already, unless a test before built part of the warehouse
    assert first.exit_code == 0, first.output
    before = _built_relations(warehouse)
    assert len(before) > 100 and "marts.fct_validator_pnl" in before
    again = runner.invoke(app, [*options, "build"])
    assert again.exit_code == 0, again.output
    assert "nothing new since the last build at" in again.stdout and "dbt build succeeded" not in again.stdout
    assert _built_relations(warehouse) == before


def test_the_reader_reads_marts_and_registry_only_and_cannot_write_also_after_a_rebuild(built, monkeypatch):
    from tests.support.db import execute

    warehouse, options = built
    monkeypatch.setenv("READER_PW", "correct horse battery staple")
    result = runner.invoke(app, ["db", "grant-reader", "metabase", "--password-env", "READER_PW"])
    assert result.exit_code == 0, result.output
    assert "metabase can read the marts and registry schemas" in result.output

    def check():
        conn = _as_reader(warehouse, "metabase")
        try:
            with conn.cursor() as cur:
                cur.execute("select count(*) from registry.chains")
                assert cur.fetchone() == (2,)
                for table in ("fct_validator_pnl", "fct_validator_exceptions", "dim_validators", "fct_pnl_lineage",
                              "fct_operator_pnl", "fct_operator_statement_monthly"):
                    cur.execute(f"select count(*) from marts.{table}")
                conn.rollback()
            # No writes: the session is read-only, and with it switched off the privileges still refuse.
            assert _denied(conn, "insert into registry.operators values ('x', 'X')") == "25006"  # read_only_sql_transaction
            for sql in ("insert into registry.operators values ('x', 'X')", "delete from registry.chains",
                        "update marts.dim_validators set operator = 'x'", "create table marts.mine (x int)",
                        "drop table registry.chains", "truncate marts.fct_validator_pnl"):
                assert _denied(conn, "set transaction read write; " + sql) in ("42501",), sql  # insufficient_privilege
            # Nothing upstream of the marts.
            for sql in ("select * from raw_registry.chains", "select * from raw_solana.http_responses",
                        "select * from staging.stg_registry__chains", "select * from canonical.periods",
                        "select * from intermediate.int_solana__periods_bounded"):
                assert _denied(conn, sql) == "42501", sql
        finally:
            conn.close()

    check()
    # A rebuild replaces every marts and registry table: the reader keeps reading them. (Staging
    # and intermediate come along: replacing a registry table drops the views reading it.)
    rebuilt = runner.invoke(app, [*options, "build", *[arg for folder in ("registry", "staging", "intermediate", "marts")
                                                       for arg in ("--select", folder)]])
    assert rebuilt.exit_code == 0, rebuilt.output
    check()
    # So does a table the warehouse's role creates there later (default privileges).
    execute(warehouse, "create table marts.added_later as select 1 as x")
    conn = _as_reader(warehouse, "metabase")
    try:
        with conn.cursor() as cur:
            cur.execute("select x from marts.added_later")
            assert cur.fetchall() == [(1,)]
    finally:
        conn.close()
        execute(warehouse, "drop table marts.added_later")
    # Dropped on request; a role that is not a reader is refused.
    assert runner.invoke(app, ["db", "revoke-reader", "metabase"]).exit_code == 0
    refused = runner.invoke(app, ["db", "revoke-reader", "postgres"])
    assert refused.exit_code == 2 and "reserved" in refused.stderr


def test_grant_reader_refuses_bad_names_weak_passwords_and_admin_roles(built, monkeypatch):
    from tests.support.db import execute

    warehouse, _ = built
    monkeypatch.setenv("READER_PW", "short")
    weak = runner.invoke(app, ["db", "grant-reader", "grafana", "--password-env", "READER_PW"])
    assert weak.exit_code == 2 and "at least 12 characters" in weak.stderr
    for bad in ("Robert'); drop table x;--", "pg_read", "aurora_reader"):
        result = runner.invoke(app, ["db", "grant-reader", bad, "--generate-password"])
        assert result.exit_code == 2, bad
    execute(warehouse, "create role admin_like createrole")
    try:
        result = runner.invoke(app, ["db", "grant-reader", "admin_like", "--generate-password"])
        assert result.exit_code == 2 and "administrative rights" in result.stderr
    finally:
        execute(warehouse, "drop role admin_like")
    # No terminal: a generated password, printed once, that works.
    generated = runner.invoke(app, ["db", "grant-reader", "superset"])
    assert generated.exit_code == 0, generated.output
    password = generated.output.split("(shown once, store it now): ")[1].split()[0]
    assert len(password) >= 24
    from loaders.warehouse import revoke_reader

    assert revoke_reader(warehouse, "superset")


def test_dbt_grants_follow_the_configured_reader_role_through_rebuilds(built, monkeypatch):
    """AURORA_READER_ROLE: the build creates the role and grants it every marts/registry model."""
    from tests.support.db import execute, query

    warehouse, options = built
    monkeypatch.setenv("AURORA_READER_ROLE", "bi_readers")
    for _ in range(2):  # the second build replaces the tables: grants are applied again
        result = runner.invoke(app, [*options, "build", "--select", "registry"])
        assert result.exit_code == 0, result.output
        granted = query(warehouse, """
            select table_schema, count(*) from information_schema.role_table_grants
            where grantee = 'bi_readers' and privilege_type = 'SELECT' group by 1 order by 1""")
        tables = query(warehouse, "select count(*) from information_schema.tables where table_schema = 'registry'")[0][0]
        assert granted == [("registry", tables)] and tables >= 6
        usage = query(warehouse, """select n.nspname, has_schema_privilege('bi_readers', n.oid, 'usage') from pg_namespace n
                                     where nspname in ('registry', 'raw_registry', 'staging') order by 1""")
        assert usage == [("raw_registry", False), ("registry", True), ("staging", False)]
    monkeypatch.setenv("AURORA_READER_ROLE", "bad-name; drop")
    refused = runner.invoke(app, [*options, "build", "--select", "registry"])
    assert refused.exit_code == 1 and "AURORA_READER_ROLE must be a lower-case role name" in refused.output + refused.stderr
    monkeypatch.delenv("AURORA_READER_ROLE")
    execute(warehouse, "drop owned by bi_readers; drop role bi_readers")


def test_aurora_docs_generates_and_serves_the_site(built, tmp_path):
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    warehouse, _ = built
    result = runner.invoke(app, ["docs", "--generate-only"])
    assert result.exit_code == 0, result.output
    target = Path(os.environ["AURORA_HOME"]) / "dbt" / "target"
    assert (target / "index.html").exists() and (target / "catalog.json").exists()
    manifest = json.loads((target / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert {"operator_report", "metabase_validator_pnl", "grafana_exceptions"} <= set(exposures)
    assert "model.aurora.fct_operator_statement_monthly" in exposures["operator_report"]["depends_on"]["nodes"]
    catalog = json.loads((target / "catalog.json").read_text())
    assert "model.aurora.fct_validator_pnl" in catalog["nodes"]

    port = free_port()
    aurora = Path(sys.executable).with_name("aurora")
    server = subprocess.Popen([str(aurora), "docs", "--port", str(port)], env=dict(os.environ),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        page = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=5) as response:
                    page = response.read()
                    break
            except OSError:
                time.sleep(1)
        assert page is not None, server.stdout.read().decode() if server.poll() is not None else "no answer in time"
        assert b"dbt" in page
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.json", timeout=5) as response:
            assert b"operator_report" in response.read()
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_the_compose_metabase_setup_registers_the_warehouse_as_the_reader_once(tmp_path):
    """The metabase-setup service's script, run against a stand-in for Metabase's documented API."""
    import http.server
    import json
    import os
    import subprocess
    import sys
    import threading
    from pathlib import Path

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
    assert compose["services"]["metabase"]["profiles"] == ["bi"]
    setup = compose["services"]["metabase-setup"]
    script = setup["command"][2]
    state = {"users": False, "databases": [], "calls": []}

    class FakeMetabase(http.server.BaseHTTPRequestHandler):
        def _reply(self, body, status=200):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            state["calls"].append(("GET", self.path, self.headers.get("X-Metabase-Session")))
            if self.path == "/api/session/properties":
                self._reply({"setup-token": "tok-1", "has-user-setup": state["users"]})
            elif self.path == "/api/database":
                self._reply({"data": state["databases"], "total": len(state["databases"])})

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["calls"].append(("POST", self.path, body))
            if self.path == "/api/setup":
                assert body["token"] == "tok-1" and body["user"]["email"] == "admin@example.com"
                state["users"] = True
                self._reply({"id": "session-1"})
            elif self.path == "/api/session":
                self._reply({"id": "session-2"})
            elif self.path == "/api/database":
                state["databases"].append({"id": 1, "name": body["name"]})
                self._reply({"id": 1})

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeMetabase)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "MB_URL": f"http://127.0.0.1:{server.server_address[1]}", "MB_ADMIN_EMAIL": "admin@example.com",
           "MB_ADMIN_PASSWORD": "a long admin password", "AURORA_BI_DB_HOST": "postgres", "AURORA_BI_DB_PORT": "5432",
           "AURORA_BI_DB_NAME": "aurora", "AURORA_READER": "metabase", "AURORA_READER_PASSWORD": "reader password 123"}
    try:
        for expected in ("added the Aurora warehouse to Metabase as metabase", "Metabase already has the Aurora warehouse"):
            done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
            assert done.returncode == 0 and expected in done.stdout, done.stderr
    finally:
        server.shutdown()
        server.server_close()
    added = [body for method, path, body in state["calls"] if method == "POST" and path == "/api/database"]
    assert added == [{"engine": "postgres", "name": "Aurora", "details": {
        "host": "postgres", "port": 5432, "dbname": "aurora", "user": "metabase", "password": "reader password 123", "ssl": False}}]
    assert ("GET", "/api/database", "session-2") in state["calls"]  # the second run logs in instead of setting up
    assert setup["environment"]["AURORA_READER"] == "${AURORA_READER:-metabase}"
