"""`aurora run` killed with SIGKILL at every stage, then run again: the same mart as a clean run.
Two runs started at once: one refuses (naming the other), and the mart is the same.

Real processes (`python -m loaders.cli`) against a small simulated Solana network served by the
test, killed at chosen moments through AURORA_FAULT (loaders/faults.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import psycopg2
import pytest
import yaml

from loaders.warehouse import Warehouse
from simnet.ethereum.params import EthereumParams
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.model import SolanaParams
from tests.support.db import query
from tests.support.dbt_parse import save_parse

ROOT = Path(__file__).resolve().parents[2]
S = 32  # slots per epoch: small epochs, quick loads
EPOCHS = ["--from-epoch", "2", "--to-epoch", "4"]
SESSION = uuid.uuid4().hex[:8]  # two sessions sharing an AURORA_TEST_DATABASE_URL server stay apart


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    directory = tmp_path_factory.mktemp("crash_net")
    spec = NetworkSpec(ethereum=EthereumParams(archive=True), solana=SolanaParams(slots_per_epoch=S, head_slot=5 * S + 10))
    with pytest.MonkeyPatch.context() as patch, SimNetwork(spec) as net:
        patch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
        paths = net.write_config(directory / "config", timeout_seconds=2.0, retries=2)
        yield net, paths


def operators(net, how_many: int) -> str:
    votes = [v.vote for v in net.solana.validators[:how_many]]
    return yaml.safe_dump({"operators": [{"key": "acme", "name": "Acme", "validators": {"solana": votes, "ethereum": [1, 2, 3]}}]})


class Env:
    """One warehouse (a database of its own) and one AURORA_HOME, driven by subprocesses.

    The module's warehouses exist one at a time and share one name, so the parse dbt left for one
    seeds the next (tests/support/dbt_parse.py)."""

    def __init__(self, pg_server, home: Path, paths: dict, net, seeds: Path):
        self.name = f"t_crash_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{SESSION}"
        self.seed = seeds / f"{self.name}.msgpack"
        admin = psycopg2.connect(host=pg_server.host, port=pg_server.port, user=pg_server.user,
                                 password=pg_server.password, dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{self.name}" with (force)')
            cur.execute(f'create database "{self.name}"')
        admin.close()
        self.pg_server = pg_server
        self.warehouse = Warehouse(pg_server.host, pg_server.port, pg_server.user, pg_server.password, self.name, False)
        self.home = home
        self.paths = dict(paths)
        self.paths["operators"] = home / "operators.yaml"
        home.mkdir(parents=True, exist_ok=True)
        self.net = net

    def drop(self) -> None:
        admin = psycopg2.connect(host=self.pg_server.host, port=self.pg_server.port, user=self.pg_server.user,
                                 password=self.pg_server.password, dbname="postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{self.name}" with (force)')
        admin.close()
        save_parse(self.home, self.seed)

    def env(self, fault: str | None) -> dict[str, str]:
        env = {**os.environ, "AURORA_DATABASE_URL": self.warehouse.url, "AURORA_HOME": str(self.home),
               "LOAD__WORKERS": "1", "AURORA_HTTP_BACKOFF_SECONDS": "0.01"}
        env.pop("AURORA_FAULT", None)
        env.pop("DBT_PARTIAL_PARSE_FILE_PATH", None)
        if self.seed.exists():
            env["DBT_PARTIAL_PARSE_FILE_PATH"] = str(self.seed)
        if fault:
            env["AURORA_FAULT"] = fault
        return env

    def args(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "loaders.cli", "--chains", str(self.paths["chains"]), "--providers",
                str(self.paths["providers"]), "--operators", str(self.paths["operators"]), *args]

    def aurora(self, *args: str, fault: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(self.args(*args), cwd=ROOT, env=self.env(fault), capture_output=True, text=True, timeout=900)

    def start(self, *args: str) -> subprocess.Popen:
        # Output goes to files, not pipes: a run's dbt output overflows a pipe nobody reads while
        # the test waits for the other run, and the run would block on its own logging.
        out, err = (tempfile.TemporaryFile("w+") for _ in range(2))
        process = subprocess.Popen(self.args(*args), cwd=ROOT, env=self.env(None), stdout=out, stderr=err, text=True)
        process.outputs = (out, err)  # type: ignore[attr-defined]
        return process

    def killed(self, *args: str, fault: str) -> subprocess.CompletedProcess:
        done = self.aurora(*args, fault=fault)
        assert done.returncode == -signal.SIGKILL, f"{fault}: not killed ({done.returncode})\n{done.stdout}\n{done.stderr}"
        return done

    def ok(self, *args: str) -> subprocess.CompletedProcess:
        done = self.aurora(*args)
        assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done


def mart(warehouse: Warehouse) -> list[dict]:
    """Every column of the P&L mart but bookkeeping (load ids, build times), in key order."""
    columns = [c for (c,) in query(warehouse, """select column_name from information_schema.columns
        where table_schema = 'marts' and table_name = 'fct_validator_pnl' order by ordinal_position""")
        if "load_id" not in c and not c.endswith("_at")]
    rows = query(warehouse, f"select {', '.join(columns)} from marts.fct_validator_pnl order by chain, validator_key, period_id")
    return [dict(zip(columns, row)) for row in rows]


def USD(column: str) -> bool:
    """USD and what a missing price decides: the gaps, what is awaited, finality and row state."""
    return "usd" in column or "price" in column or column in ("is_final", "has_data_gaps", "data_gaps", "awaiting", "row_state")


def assert_same(got: list[dict], want: list[dict], ignore=lambda column: False) -> None:
    keys = lambda rows: [(r["validator_key"], r["period_id"]) for r in rows]  # noqa: E731
    assert keys(got) == keys(want)
    for have, expected in zip(got, want):
        differ = {c: (have[c], expected[c]) for c in expected if not ignore(c) and have.get(c) != expected[c]}
        assert not differ, f"{have['validator_key']} {have['period_id']}: (got, clean run) {differ}"


@pytest.fixture(scope="module")
def reference(network, pg_server, tmp_path_factory, dbt_parse_seeds):
    """The mart of a clean run: four tracked validators, epochs 2-4."""
    net, paths = network
    env = Env(pg_server, tmp_path_factory.mktemp("clean"), paths, net, dbt_parse_seeds)
    env.paths["operators"].write_text(operators(net, 4))
    env.ok("run", "--chain", "solana", *EPOCHS)
    rows = mart(env.warehouse)
    env.drop()
    assert {r["period_id"] for r in rows} == {"2", "3", "4"} and len(rows) == 12
    return rows


def test_kill_9_at_every_stage_then_the_same_mart(network, reference, pg_server, tmp_path, dbt_parse_seeds):
    net, paths = network
    env = Env(pg_server, tmp_path / "home", paths, net, dbt_parse_seeds)
    try:
        env.paths["operators"].write_text(operators(net, 3))
        run = ("run", "--chain", "solana", *EPOCHS)

        # 1. Killed with the registry package written but not loaded; meanwhile a validator is added.
        env.killed(*run, "--no-build", fault="commit:1:aurora_registry")
        env.paths["operators"].write_text(operators(net, 4))
        # 2. Killed mid-fetch of epoch 2: the next run loads the pending registry, then the new one.
        env.killed(*run, "--no-build", fault="fetch:5:solana/2")
        registered = query(env.warehouse, "select count(*) from raw_registry.operator_validators")
        assert registered == [(4 + 3,)]  # the Solana validator added meanwhile is registered
        # 3. Killed between extract and normalize of epoch 3.
        env.killed(*run, "--no-build", fault="normalize:1:solana/3")
        # 4. Killed half way through merging epoch 3 into the raw tables.
        env.killed(*run, "--no-build", fault="merge:2:solana/3")
        (state,) = query(env.warehouse, "select state from aurora_control.loads where period_id = '3' order by created_at desc limit 1")
        assert state == ("committing",)

        # A `dbt build` by hand refuses to read around the half-merged epoch...
        hand = subprocess.run([sys.executable, "-c", HAND_RUN_DBT], cwd=ROOT, env=env.env(None), capture_output=True, text=True, timeout=300)
        assert hand.returncode == 1, hand.stdout + hand.stderr
        assert "not building: a raw load is half written" in hand.stdout + hand.stderr
        assert "solana period 3: load" in hand.stdout + hand.stderr
        # ...and `aurora build` finishes the package, then builds: whole periods only, all exact.
        built = env.ok("build")
        assert "aurora_solana: finishing 1 load package(s) an interrupted run left" in built.stderr
        # (USD waits for the prices, loaded at the end of a run, which none of the killed runs
        # reached: compare what the raw loads alone decide.)
        assert_same(mart(env.warehouse), [r for r in reference if r["period_id"] in ("2", "3")], ignore=USD)

        # 5. Killed in the middle of the dbt build of a complete run.
        env.killed(*run, fault="dbt:3")
        # 6. Run again: the same mart as the clean run.
        env.ok(*run)
        assert_same(mart(env.warehouse), reference)
        # Every package any of those runs made was finished in the end.
        assert query(env.warehouse, "select distinct state from aurora_control.loads") == [("loaded",)]
        packages = [p for p in (env.home / "dlt").rglob("loaded/*") if p.is_dir()]
        assert packages == []  # loaded packages do not pile up on disk
    finally:
        env.drop()


# dbt as a user runs it by hand, without Aurora's locks or recovery: only the on-run-start check.
HAND_RUN_DBT = """
import os, sys
from dbt.cli.main import dbtRunner
from loaders.dbt_runner import dbt_env, dbt_project_dir
from loaders.warehouse import open_warehouse, project_root
os.environ.update(dbt_env(open_warehouse()))
result = dbtRunner().invoke(["run", "--select", "stg_registry__chains", "--project-dir", str(dbt_project_dir()),
                             "--profiles-dir", str(project_root())])
print(result.exception)
sys.exit(0 if result.success else 1)
"""


def test_two_runs_at_once_one_refuses_and_the_mart_is_the_same(network, reference, pg_server, tmp_path, dbt_parse_seeds):
    net, paths = network
    env = Env(pg_server, tmp_path / "home", paths, net, dbt_parse_seeds)
    try:
        env.paths["operators"].write_text(operators(net, 4))
        first, second = env.start("run", "--chain", "solana", *EPOCHS), env.start("run", "--chain", "solana", *EPOCHS)
        (won, won_out, won_err), (lost, lost_out, lost_err) = finished(first, second)
        assert won == 0, won_out + won_err
        assert lost == 75, lost_out + lost_err  # EX_TEMPFAIL: try again later
        assert "another run of solana is going: run:solana is held by aurora run --chain solana (pid" in lost_err
        assert "Traceback" not in lost_err
        assert_same(mart(env.warehouse), reference)

        # With --wait the second waits for the first, then does its own work. A Solana and an
        # Ethereum run at the same time share the registry and prices pipelines: both complete.
        runs = [env.start("run", "--chain", "solana", *EPOCHS, "--wait", "--no-build") for _ in range(2)]
        runs.append(env.start("run", "--chain", "ethereum", "--from-date", "2025-01-02", "--to-date", "2025-01-02", "--no-build"))
        outcomes = finished(*runs)
        assert [code for code, _, _ in outcomes] == [0, 0, 0], outcomes
        assert sum("waiting: run:solana is held by aurora run --chain solana" in err for _, _, err in outcomes) == 1
        assert query(env.warehouse, "select count(distinct day) from raw_ethereum.day_windows") == [(1,)]
        assert query(env.warehouse, "select distinct coin_id from raw_prices.daily_prices order by 1") == [("ethereum",), ("solana",)]

        # Two builds at once: one refuses before touching anything; the registry stays loadable.
        builds = [env.start("build", "--select", "stg_registry__chains") for _ in range(2)]
        (ok, _, _), (busy, busy_out, busy_err) = finished(*builds)
        assert (ok, busy) == (0, 75) and "another dbt build is running: dbt is held by aurora build (pid" in busy_err
        env.ok("registry", "load")
        assert query(env.warehouse, "select distinct state from aurora_control.loads") == [("loaded",)]
    finally:
        env.drop()


def finished(*processes: subprocess.Popen) -> list[tuple[int, str, str]]:
    """(exit code, stdout, stderr) of each, lowest exit code first."""
    outcomes = []
    for process in processes:
        code = process.wait(timeout=900)
        texts = []
        for file in process.outputs:  # type: ignore[attr-defined]
            file.seek(0)
            texts.append(file.read())
            file.close()
        outcomes.append((code, *texts))
    return sorted(outcomes, key=lambda o: o[0])
