"""A whole build with nothing new since the last successful one does not run dbt
(loaders/build_state.py). dbt itself is replaced here by a recorder that builds one mart table
(new OID each time, as a table model's rebuild) and succeeds or fails on request: these tests are
about when dbt runs. tests/loaders/test_cli.py checks the skip against the real project."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from loaders import build_state, dbt_runner
from loaders.cli import app
from loaders.dbt_runner import run_dbt
from tests.support import toy_pipeline
from tests.support.db import execute, query

runner = CliRunner()


class FakeDbt:
    """Stands in for dbtRunner: records each invocation, (re)builds marts.fct_validator_pnl with
    the given rows, succeeds unless told to fail."""

    def __init__(self, warehouse):
        self.warehouse = warehouse
        self.calls: list[list[str]] = []
        self.heal_seen: list[str | None] = []  # AURORA_DBT_HEAL as each invocation saw it
        self.fail = False
        self.rows = [("solana", "v1", "5", 5, None)]

    def __call__(self, callbacks=None, manifest=None):
        return self

    def invoke(self, args):
        self.calls.append(args)
        self.heal_seen.append(os.environ.get("AURORA_DBT_HEAL"))
        if self.fail:
            return SimpleNamespace(success=False, exception=None, result=SimpleNamespace(results=[]))
        execute(self.warehouse, """
            create schema if not exists marts;
            drop table if exists marts.fct_validator_pnl;
            create table marts.fct_validator_pnl (chain text, validator_key text, period_id text, period_seq bigint, data_gaps text)""")
        for row in self.rows:
            execute(self.warehouse, "insert into marts.fct_validator_pnl (chain, validator_key, period_id, period_seq, data_gaps) "
                                    "values (%s, %s, %s, %s, %s)", row)
        node = SimpleNamespace(name="fct_validator_pnl", resource_type="model", schema="marts", alias="fct_validator_pnl",
                               config=SimpleNamespace(materialized="table"))
        test = SimpleNamespace(name="not_null_x", resource_type="test", schema="marts", alias="not_null_x",
                               config=SimpleNamespace(materialized="test"))
        results = [SimpleNamespace(node=n, status="success" if n is node else "pass", message="", failures=0)
                   for n in (node, test)]
        return SimpleNamespace(success=True, exception=None, result=SimpleNamespace(results=results))

    def runs(self, warehouse, args=("build",), **kwargs) -> bool:
        """Whether this whole build ran dbt."""
        before = len(self.calls)
        outcome = run_dbt(warehouse, list(args), **kwargs)
        assert outcome.success
        ran = len(self.calls) > before
        assert ran == (outcome.skipped is None)
        return ran


@pytest.fixture
def dbt(warehouse, monkeypatch):
    import dbt.cli.main

    fake = FakeDbt(warehouse)
    monkeypatch.setattr(dbt.cli.main, "dbtRunner", fake)
    monkeypatch.delenv("AURORA_READER_ROLE", raising=False)
    toy_pipeline.load(1)
    assert fake.runs(warehouse)
    return fake


def mart_oid(warehouse) -> int:
    return query(warehouse, "select 'marts.fct_validator_pnl'::regclass::oid::bigint")[0][0]


def test_a_second_whole_build_with_nothing_new_does_not_run_dbt(dbt, warehouse):
    oid = mart_oid(warehouse)
    outcome = run_dbt(warehouse, ["build"])
    assert outcome.success and len(dbt.calls) == 1
    schemas = [r[0] for r in query(warehouse, "select table_schema from information_schema.tables where table_name = '_dlt_loads'")]
    loads = sum(query(warehouse, f'select count(*) from "{s}"._dlt_loads where status = 0')[0][0] for s in schemas)
    assert outcome.skipped.startswith("nothing new since the last build at ")
    assert f"({loads} loads, project {dbt_runner.project_fingerprint()[:8]}): dbt not run; aurora build --force builds anyway" \
        in outcome.skipped
    assert mart_oid(warehouse) == oid and query(warehouse, "select * from marts.fct_validator_pnl") == [("solana", "v1", "5", 5, None)]
    # A full refresh always runs, and records the same state: a plain build after it has nothing to do.
    assert dbt.runs(warehouse, ["build", "--full-refresh"])
    assert not dbt.runs(warehouse)


def test_a_new_load_the_project_vars_settings_or_force_make_it_build(dbt, warehouse, monkeypatch):
    toy_pipeline.load(2)
    assert dbt.runs(warehouse)
    assert not dbt.runs(warehouse)

    real = dbt_runner.project_fingerprint()
    monkeypatch.setattr(dbt_runner, "project_fingerprint", lambda: "0" * 64)
    assert dbt.runs(warehouse)
    assert not dbt.runs(warehouse)
    monkeypatch.setattr(dbt_runner, "project_fingerprint", lambda: real)
    assert dbt.runs(warehouse)

    assert dbt.runs(warehouse, ["build", "--vars", "{heal: true}"])
    assert not dbt.runs(warehouse, ["build", "--vars", "{heal: true}"])
    assert dbt.runs(warehouse)  # the last build had other vars
    # Healing is a setting of its own (macros/heal_requested.sql), held only while its build runs.
    assert dbt.runs(warehouse, heal=True)
    assert dbt.heal_seen[-1] == "true" and "AURORA_DBT_HEAL" not in os.environ
    assert not dbt.runs(warehouse, heal=True)
    assert dbt.runs(warehouse) and dbt.heal_seen[-1] is None  # the last build healed
    monkeypatch.setenv("AURORA_DBT_HEAL", "true")  # left over in a shell: a plain build does not heal
    assert not dbt.runs(warehouse) and "AURORA_DBT_HEAL" not in os.environ

    # The thread count changes how many nodes run at once, nothing a build writes.
    monkeypatch.setenv("AURORA_DBT_THREADS", "2")
    assert not dbt.runs(warehouse)
    monkeypatch.delenv("AURORA_DBT_THREADS")

    monkeypatch.setenv("AURORA_READER_ROLE", "bi_readers_x")
    assert dbt.runs(warehouse)
    assert not dbt.runs(warehouse)
    monkeypatch.delenv("AURORA_READER_ROLE")
    assert dbt.runs(warehouse)

    assert dbt.runs(warehouse, force=True)
    assert not dbt.runs(warehouse)


def test_a_reloaded_registry_counts_by_content(dbt, warehouse, config_files):
    """`aurora registry load` loads the registry again (a new dlt load of the same rows): only a
    changed row makes the next build run."""
    options = ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"])]
    assert runner.invoke(app, [*options, "registry", "load"]).exit_code == 0
    assert dbt.runs(warehouse)
    assert runner.invoke(app, [*options, "registry", "load"]).exit_code == 0
    assert query(warehouse, "select count(*) from raw_registry._dlt_loads where status = 0")[0][0] >= 2
    assert not dbt.runs(warehouse)
    text = config_files["chains"].read_text()
    assert "finality_lag: 1" in text
    config_files["chains"].write_text(text.replace("finality_lag: 1", "finality_lag: 2", 1))
    assert runner.invoke(app, [*options, "registry", "load"]).exit_code == 0
    assert dbt.runs(warehouse)


def test_a_failed_or_partial_build_is_never_skipped_after(dbt, warehouse):
    dbt.fail = True
    assert not run_dbt(warehouse, ["build"], force=True).success
    dbt.fail = False
    assert dbt.runs(warehouse)  # same loads as the last successful build, but a failed one came after
    assert not dbt.runs(warehouse)

    # A selection writes part of the warehouse: no longer the last whole build's.
    assert run_dbt(warehouse, ["build", "--select", "registry"]).skipped is None
    assert dbt.runs(warehouse)

    # So does a hand-run dbt command: the project's on-run-start forgets the record.
    assert query(warehouse, "select count(*) from aurora_control.build_state") == [(1,)]
    execute(warehouse, open_run_start_sql())
    assert query(warehouse, "select count(*) from aurora_control.build_state") == [(0,)]
    assert dbt.runs(warehouse)


def open_run_start_sql() -> str:
    """The on-run-start block of macros/build_state.sql that forgets the record, as dbt runs it."""
    text = (dbt_runner.dbt_project_dir() / "macros" / "build_state.sql").read_text()
    start = text.index("do $aurora$")
    return text[start:text.index("$aurora$;", start) + len("$aurora$;")]


def test_a_mart_dropped_or_replaced_since_makes_it_build(dbt, warehouse):
    execute(warehouse, "drop table marts.fct_validator_pnl")
    assert dbt.runs(warehouse)
    execute(warehouse, "create table marts.copy as select * from marts.fct_validator_pnl; drop table marts.fct_validator_pnl; "
                       "alter table marts.copy rename to fct_validator_pnl")
    assert dbt.runs(warehouse)
    assert not dbt.runs(warehouse)


def test_aurora_build_skipped_exits_and_reports_as_the_build_did(dbt, warehouse, config_files):
    """The rows that broke an invariant are still in the mart: a skipped build names them and fails the same way."""
    dbt.rows = [("solana", "v1", "5", 5, "invariant_failed:fee_split"), ("solana", "v2", "5", 5, None)]
    options = ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"])]
    built = runner.invoke(app, [*options, "build"])
    assert built.exit_code == 1 and "dbt build succeeded" in built.stdout
    assert "1 P&L row(s) broke a row-level invariant" in built.stderr
    calls = len(dbt.calls)
    skipped = runner.invoke(app, [*options, "build"])
    assert len(dbt.calls) == calls
    assert "nothing new since the last build at" in skipped.stdout
    assert skipped.exit_code == 1 and skipped.stderr == built.stderr
    forced = runner.invoke(app, [*options, "build", "--force"])
    assert len(dbt.calls) == calls + 1 and forced.exit_code == 1 and "dbt build succeeded" in forced.stdout


def test_a_build_analyzes_the_raw_tables_loads_changed(dbt, warehouse, monkeypatch):
    """Statistics for the planner: `_dlt_loads` (a few rows, never reached by autovacuum) included,
    in place before dbt starts (the ANALYZE runs while dbt is imported); an ANALYZE that fails
    stops the build before dbt."""
    def reltuples(table: str) -> float:
        return query(warehouse, "select reltuples from pg_class where oid = %s::regclass", (table,))[0][0]

    seen_by_dbt = []
    invoke = dbt.invoke

    def invoke_seeing_statistics(args):
        seen_by_dbt.append(reltuples("raw_toy._dlt_loads"))
        return invoke(args)

    monkeypatch.setattr(dbt, "invoke", invoke_seeing_statistics)
    assert reltuples("raw_toy._dlt_loads") == 1 and reltuples("raw_toy.a") == 20
    toy_pipeline.load(2)
    assert dbt.runs(warehouse)
    assert reltuples("raw_toy._dlt_loads") == 2 and seen_by_dbt == [2]

    def refused(_warehouse):
        raise RuntimeError("analyze refused")

    monkeypatch.setattr(dbt_runner, "analyze_changed_raw", refused)
    toy_pipeline.load(3)
    with pytest.raises(RuntimeError, match="analyze refused"):
        dbt_runner.run_dbt(warehouse, ["build"])
    assert seen_by_dbt == [2]


@pytest.mark.parametrize("mode, excluded", [
    # once: the first whole build on a warehouse runs them, later ones (same project) do not
    ("once", [False, True]),
    ("always", [False, False]),
    ("never", [True, True]),
])
def test_unit_tests_run_as_the_setting_says(warehouse, monkeypatch, mode, excluded):
    import dbt.cli.main

    fake = FakeDbt(warehouse)
    monkeypatch.setattr(dbt.cli.main, "dbtRunner", fake)
    monkeypatch.delenv("AURORA_READER_ROLE", raising=False)
    monkeypatch.setenv("AURORA_DBT_UNIT_TESTS", mode)
    toy_pipeline.load(1)
    assert fake.runs(warehouse)
    toy_pipeline.load(2)  # something new: the second build runs dbt
    assert fake.runs(warehouse)
    assert [("--exclude-resource-type" in call) for call in fake.calls] == excluded


def test_an_unknown_unit_tests_setting_is_refused_by_name(warehouse, monkeypatch):
    monkeypatch.setenv("AURORA_DBT_UNIT_TESTS", "sometimes")
    result = runner.invoke(app, ["build"])
    assert result.exit_code == 2
    assert "AURORA_DBT_UNIT_TESTS: 'sometimes' is not one of once, always, never" in result.output


def test_dbt_logs_at_info_level_unless_the_environment_says_otherwise(monkeypatch, tmp_path):
    from loaders.warehouse import Warehouse

    monkeypatch.setenv("AURORA_HOME", str(tmp_path))
    warehouse = Warehouse(host="localhost", port=5432, user="u", password="", database="d", embedded=False)
    monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    assert dbt_runner.dbt_env(warehouse)["DBT_LOG_LEVEL_FILE"] == "info"
    monkeypatch.setenv("DBT_LOG_LEVEL_FILE", "debug")
    assert dbt_runner.dbt_env(warehouse)["DBT_LOG_LEVEL_FILE"] == "debug"


@pytest.mark.new_warehouse  # raw_prices is a dataset the build record has never seen
def test_new_loads_of_some_datasets_build_only_what_they_feed(dbt, warehouse, monkeypatch):
    """After a whole build, a dataset a dbt source reads (raw_prices: source `prices`) gets a new
    load: the build selects what that source feeds, and is recorded as whole (nothing new after
    it). A dataset no source reads (raw_toy), other vars, or `always` unit tests: the whole build."""
    from loaders.pipeline import make_pipeline
    from loaders.runs import run_load
    from loaders.warehouse import open_warehouse

    def load_prices(period: int) -> None:
        run_load(make_pipeline("aurora_toy_prices", "raw_prices", open_warehouse()), toy_pipeline.toy(period),
                 chain="toy", period=str(period))

    load_prices(1)
    assert dbt.runs(warehouse)
    assert "--select" not in dbt.calls[-1]  # a dataset the record has never seen: whole build (raw_prices is new)
    assert not dbt.runs(warehouse)

    load_prices(2)
    outcome = run_dbt(warehouse, ["build"])
    assert outcome.success and outcome.skipped is None
    # What source `prices` feeds, its views left standing (loaders/build_state.py: selection_args).
    assert dbt.calls[-1][:8] == ["build", "--select", *build_state.selection_args(["source:prices+"])]
    assert not dbt.runs(warehouse)  # recorded as a whole build

    toy_pipeline.load(2)  # raw_toy: no dbt source reads it
    assert dbt.runs(warehouse) and "--select" not in dbt.calls[-1]

    load_prices(3)
    assert dbt.runs(warehouse, ["build", "--vars", "{heal: true}"]) and "--select" not in dbt.calls[-1]
    load_prices(4)
    monkeypatch.setenv("AURORA_DBT_UNIT_TESTS", "always")
    assert dbt.runs(warehouse, ["build", "--vars", "{heal: true}"]) and "--select" not in dbt.calls[-1]
    monkeypatch.delenv("AURORA_DBT_UNIT_TESTS")
    load_prices(5)
    assert dbt.runs(warehouse, force=True) and "--select" not in dbt.calls[-1]
    # A relation the last build left, replaced since: the whole build.
    load_prices(6)
    execute(warehouse, "create table marts.copy as select * from marts.fct_validator_pnl; drop table marts.fct_validator_pnl; "
                       "alter table marts.copy rename to fct_validator_pnl")
    assert dbt.runs(warehouse) and "--select" not in dbt.calls[-1]
    load_prices(7)
    assert dbt.runs(warehouse) and dbt.calls[-1][:8] == ["build", "--select", *build_state.selection_args(["source:prices+"])]


def test_a_record_without_per_dataset_digests_means_a_whole_build(dbt, warehouse):
    """A record an older Aurora wrote (no per-dataset digests): the next build is whole."""
    toy_pipeline.load(2)
    execute(warehouse, "alter table aurora_control.build_state drop column base, drop column datasets")
    assert dbt.runs(warehouse) and "--select" not in dbt.calls[-1]
    assert not dbt.runs(warehouse)
