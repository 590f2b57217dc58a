"""Every goal of issue 10 as a ratio, measured side by side in one run against the simulated network.

    python bench/pipeline_bench.py                    # default sizes (about half an hour on 2 busy cores)
    python bench/pipeline_bench.py --smoke            # smallest sizes: checks the bench runs (CI; 120 s in a quiet suite run)
    python bench/pipeline_bench.py --validators 2000 --periods 15,60
    python bench/pipeline_bench.py --case million     # opt-in: a network-wide day of 1,000,000 Ethereum validators

Every load and build is a real `aurora` command in its own process (`python -m loaders.cli`), timed
by wall clock, with its CPU from the kernel (wait4) and its own peak RSS (bench/own_peak.py), against an embedded Postgres the
bench starts under a temporary AURORA_HOME, and a simnet served by this process (its CPU is not the
loader's, but shares the machine: wall times include it, the loader's CPU does not).

Cases (each row of the table is one goal, with what it is compared with):
- ingest: a network-wide Ethereum day at N and 4N validators (every validator tracked, archive
  bodies on): load wall and loader CPU against a plain COPY of the same raw rows (every raw table
  of the load, copied out and back in by psql's protocol: the floor a loader can reach);
  peak RSS at N and 4N (bounded memory: flat in validators); archive bytes per day and what a
  rerun of the final day adds; provider requests per tracked validator-day; build of N vs 4N.
- periods: Solana epochs (a few tracked validators): a build with nothing new; one new period
  after P1 periods of history vs after P2; one new period vs a full rebuild (--full-refresh) of
  the history. When bench/build_cases.py (the build task's) is present, its `measure(periods)`
  times these builds (a warehouse per checkpoint); otherwise `solana_periods` here does
  (`--smoke` always uses the latter: builds of one model).
- million (opt-in): the ingest case at 1,000,000 validators; expect hours on 2 cores
  (docs/scale.md has the measured trade-off and its extrapolation).
- grain (opt-in, `--case grain`): network-wide attestation rewards at day grain (summed while
  streaming, one row per validator-day) vs epoch grain (a row per entry), at two epoch counts:
  loader CPU per entry, rows and bytes per validator-day (docs/scale.md).
- daybuild (opt-in, `--case daybuild --day-validators 10000,50000,100000`): a network-wide day at
  day grain (network-wide's default) loaded and then built, as a daily schedule runs it: load and
  build wall and CPU (the loader, dbt and Postgres apart), peak RSS of the loader, of dbt and of
  Postgres, the slowest dbt nodes, the database's size, load ÷ COPY of the raw rows it left
  (ingest's floor); extrapolated to a mainnet day.
  Simulated days have 56.25 epochs; `--day-seconds-per-slot 48` gives a mainnet day's 225
  (`--day-validators 1000000 --day-seconds-per-slot 48`: a mainnet day, measured).
- history (opt-in, `--case history --history-validators 20000 --history-days 8,30`): a
  network-wide Ethereum history at day grain grown to each checkpoint P (days 1..P loaded and
  built), then day P+1 loaded and its build timed; at the last checkpoint a --full-refresh of
  the history: whether a new day's build grows with the history, and on which nodes.

`--replay DIR` (bench/replay.py; the ingest, million and daybuild cases): the first run records
every answer of the network-wide days in DIR, the next runs of the same sizes serve them from
there, so their loads run without the simulator generating answers on the same cores, as against
a beacon node on another machine. The daybuild table (and every case's --json) says how many
answers were replayed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from own_peak import own_peak_rss  # noqa: E402  (bench/ is the script's directory: on sys.path)
from replay import replaying  # noqa: E402

# --replay DIR (bench/replay.py): the network-wide days' answers recorded in DIR once, then served
# from it; REPLAYED gets each day's counts of answers replayed and recorded.
REPLAY_DIR: Path | None = None
REPLAYED: list[dict[str, int]] = []
KEEP_HOMES = False  # --keep-homes: each warehouse left for a look at its plans

ETH_DAY = date(2025, 1, 2)  # a whole simulated UTC day, complete at the simnet's default head
SOLANA_TRACKED = (0, 1, 2, 3)  # validator positions of the simnet tracked in the periods case


# ---------------------------------------------------------------- processes
@dataclass
class Ran:
    wall: float
    cpu: float
    rss: int  # peak resident set, bytes
    output: str
    status: int


def aurora(args: list[str], env: dict[str, str], config: dict[str, Path]) -> Ran:
    """One `aurora` command in its own process; its wall time, CPU and peak RSS."""
    with tempfile.NamedTemporaryFile(prefix="aurora-bench-peak-", delete=False) as peak:
        peak_file = Path(peak.name)
    # The command's own peak RSS comes from bench/own_peak.py: wait4's ru_maxrss would start from
    # this process's own high-water mark (the simulator's models, the bench's imports).
    cmd = [sys.executable, str(ROOT / "bench" / "own_peak.py"), str(peak_file), "loaders.cli", "--chains", str(config["chains"]),
           "--providers", str(config["providers"]), "--operators", str(config["operators"]), *args]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    try:
        rss = int(peak_file.read_text() or 0)
    finally:
        peak_file.unlink(missing_ok=True)
    ran = Ran(wall, usage.ru_utime + usage.ru_stime, rss, out.decode(errors="replace"), os.waitstatus_to_exitcode(status))
    print(f"  {ran.wall:6.1f} s  {ran.rss / 2**20:5.0f} MiB  aurora {' '.join(args)}", file=sys.stderr, flush=True)
    if ran.status not in (0, 3):
        raise RuntimeError(f"aurora {' '.join(args)} exited {ran.status}:\n{ran.output[-3000:]}")
    return ran


class Bench:
    """A private AURORA_HOME with its embedded Postgres, and the environment commands get."""

    def __init__(self, label: str):
        self.home = Path(tempfile.mkdtemp(prefix=f"aurora-bench-{label}-"))
        self._saved = {k: os.environ.get(k) for k in ("AURORA_HOME", "AURORA_DATABASE_URL")}
        os.environ["AURORA_HOME"] = str(self.home)
        os.environ.pop("AURORA_DATABASE_URL", None)
        from loaders import warehouse

        self.warehouse = warehouse.open_warehouse()
        self.env = dict(os.environ, AURORA_DATABASE_URL=self.warehouse.url, AURORA_HTTP_BACKOFF_SECONDS="0.01",
                        AURORA_HTTP_MAX_RETRY_AFTER_SECONDS="0.5")

    def close(self) -> None:
        from loaders import warehouse

        warehouse.stop_embedded()
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if KEEP_HOMES:
            print(f"  kept {self.home} (its embedded Postgres stopped)", file=sys.stderr, flush=True)
        else:
            shutil.rmtree(self.home, ignore_errors=True)

    def connect(self):
        conn = self.warehouse.connect()
        conn.autocommit = True
        return conn


def raw_tables(bench: Bench, schema: str) -> list[str]:
    with bench.connect() as conn, conn.cursor() as cur:
        cur.execute("""select table_name from information_schema.tables
                       where table_schema = %s and table_type = 'BASE TABLE' and table_name not like '\\_dlt%%'
                       order by table_name""", (schema,))
        return [r[0] for r in cur.fetchall()]


def copy_floor(bench: Bench, schema: str) -> tuple[int, float]:
    """(rows, seconds): every row the loads left in `schema`'s raw tables, COPYed into empty
    tables of the same shape (one transaction per table, as dlt's CSV jobs do; text format, but
    binary for a table with a bytea column, as the archive writes its bodies: the archived bodies
    of a network-wide day are tens of GB as hex text). The rows are copied out first, to a file
    under the bench's home (not timed; a day's bodies do not fit in memory): this is the write
    floor of the same data."""
    rows, seconds = 0, 0.0
    conn = bench.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("create schema if not exists bench_copy")
            for table in raw_tables(bench, schema):
                cur.execute("select count(*) from information_schema.columns "
                            "where table_schema = %s and table_name = %s and data_type = 'bytea'", (schema, table))
                binary = " (format binary)" if cur.fetchone()[0] else ""
                with tempfile.TemporaryFile(dir=bench.home) as spool:
                    cur.copy_expert(f'copy {schema}."{table}" to stdout{binary}', spool)
                    cur.execute(f'select count(*) from {schema}."{table}"')
                    n = cur.fetchone()[0]
                    cur.execute(f'drop table if exists bench_copy."{table}"')
                    cur.execute(f'create table bench_copy."{table}" (like {schema}."{table}" including defaults)')
                    spool.seek(0)
                    started = time.perf_counter()
                    cur.copy_expert(f'copy bench_copy."{table}" from stdin{binary}', spool)
                    seconds += time.perf_counter() - started
                cur.execute(f'drop table bench_copy."{table}"')  # a day's copy of the bodies is GBs: not kept till the end
                rows += n
            cur.execute("drop schema bench_copy cascade")
    finally:
        conn.close()
    return rows, seconds


def own_cpu() -> float:
    """CPU seconds of this process so far: the simulator's threads serve every request from here
    (the main thread only waits for the command), so the difference across a load is the
    simulator's CPU, which shares the cores with the load but is no part of Aurora's cost."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def postmaster_pid() -> int | None:
    from loaders.warehouse import pgdata_dir

    try:
        return int((pgdata_dir() / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def postgres_cpu() -> float | None:
    """CPU seconds of the embedded Postgres so far (postmaster and its ended backends, from
    /proc; None where there is no /proc). A load's backends end with the load's process."""
    try:
        fields = Path(f"/proc/{postmaster_pid()}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, ValueError, IndexError):
        return None
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # utime stime cutime cstime


class PostgresMemory:
    """Peak memory of the embedded Postgres while a command runs, sampled from /proc every 0.2 s
    (a backend's sort or hash that lives less than that can be missed): `backend` is the most
    one process held of its own (RssAnon: work_mem's sorts and hashes, caches), `server` the
    whole server's at one instant, every process's own memory plus the shared memory touched
    counted once (RssShmem: shared_buffers is one segment every backend maps)."""

    def __init__(self) -> None:
        self.backend = self.server = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "PostgresMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        root = postmaster_pid()
        while root is not None and not self._stop.wait(0.2):
            own, shared = [], 0
            for entry in Path("/proc").iterdir():
                if not entry.name.isdigit():
                    continue
                try:
                    status = dict(line.split(":", 1) for line in (entry / "status").read_text().splitlines() if ":" in line)
                    if int(entry.name) != root and int(status["PPid"]) != root:
                        continue
                    own.append(int(status["RssAnon"].split()[0]) * 1024)
                    shared = max(shared, int(status["RssShmem"].split()[0]) * 1024)
                except (OSError, KeyError, ValueError):
                    continue
            if own:
                self.backend = max(self.backend, max(own))
                self.server = max(self.server, sum(own) + shared)


def archive_bytes(bench: Bench, schema: str) -> tuple[int, int]:
    """(bytes, responses) of the response archive: http_responses and http_bodies with indexes and TOAST."""
    with bench.connect() as conn, conn.cursor() as cur:
        cur.execute(f"""select coalesce(pg_total_relation_size(to_regclass('{schema}.http_responses')), 0)
                             + coalesce(pg_total_relation_size(to_regclass('{schema}.http_bodies')), 0),
                               (select count(*) from {schema}.http_responses)""")
        size, responses = cur.fetchone()
        return int(size), int(responses)


def machine() -> str:
    """The machine a run measured: CPU model and count, memory, Python, Postgres."""
    cpu = "unknown CPU"
    try:
        info = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        cpu = f"{fields.get('Model name', '?').strip()}, {fields.get('CPU(s)', '?').strip()} CPU(s)"
    except OSError:
        pass
    memory = ""
    try:
        total = next(line for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        memory = f"{int(total.split()[1]) / 2**20:.1f} GiB RAM"
    except (OSError, StopIteration):
        pass
    load = os.getloadavg()[0]
    return f"{cpu}; {memory}; load average {load:.1f} at the end; Python {platform.python_version()}"


# ---------------------------------------------------------------- ingest (Ethereum, network-wide)
# Mainnet's slot structure and committee sizes (consensus-specs presets/mainnet): a day of 7,200
# blocks, 512 sync-committee rewards a block, up to 16 withdrawals a payload; and 100-220
# transactions a block (mainnet carries ~150-250). The simulator's own defaults (8 slots an
# epoch, 8 sync-committee members, 4 withdrawals, 4-14 transactions) keep tests small.
MAINNET_SHAPE = {"seconds_per_slot": 12, "slots_per_epoch": 32, "sync_committee_size": 512,
                 "epochs_per_sync_committee_period": 256, "max_withdrawals_per_payload": 16,
                 "transactions_per_block": (100, 220)}


@contextmanager
def network_day(label: str, validators: int, grain: str, seconds_per_slot: int = 192,
                shape: dict[str, int] | None = None) -> Iterator[tuple[Bench, Any, dict[str, Path], list[str]]]:
    """(bench, net, config, day args): a private warehouse and a simnet of `validators` validators,
    configured network-wide (no operator tracks a validator) at `grain` from ETH_DAY, its head
    where the day is complete and finalized and the next one not. `shape` (MAINNET_SHAPE) replaces
    the slot time and the simulator's committee sizes."""
    from simnet.ethereum.params import EthereumParams
    from simnet.network import NetworkSpec, SimNetwork

    bench = Bench(label)
    try:
        params = {"seconds_per_slot": seconds_per_slot, **(shape or {})}
        with SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(validators=validators, archive=True, **params))) as net:
            config = net.write_config(bench.home / "config", timeout_seconds=60, retries=2)
            config["operators"] = bench.home / "config" / "operators.yaml"
            config["operators"].write_text(yaml.safe_dump({"operators": []}))  # network-wide
            chains = yaml.safe_load(config["chains"].read_text())
            chains["chains"]["ethereum"]["start"] = ETH_DAY.isoformat()  # the schedule starts at the measured day
            chains["chains"]["ethereum"]["network_wide_grain"] = grain
            config["chains"].write_text(yaml.safe_dump(chains, sort_keys=False))
            m = net.ethereum
            m.set_head((m.epochs_of_day(ETH_DAY)[-1] + 5) * m.S)  # the day complete and finalized, the next one not
            day = ["--from-date", ETH_DAY.isoformat(), "--to-date", ETH_DAY.isoformat()]
            if REPLAY_DIR is None:
                yield bench, net, config, day
            else:
                with replaying(net, REPLAY_DIR) as store:
                    yield bench, net, config, day
                    REPLAYED.append(dict(store.counts))
    finally:
        bench.close()


def ethereum_day(validators: int, *, build: bool, build_select: list[str] | None, seconds_per_slot: int = 192) -> dict[str, Any]:
    """One network-wide day at `validators`: load, COPY floor, RSS, archive, requests, build; then
    the day again (final: nothing new should be fetched or archived). Epoch grain, as this case
    measured before day grain became network-wide's default (the grain and daybuild cases
    measure day grain)."""
    with network_day(f"eth{validators}", validators, "epoch", seconds_per_slot) as (bench, net, config, day):
        sim, pg = own_cpu(), postgres_cpu()
        load = aurora(["run", "--chain", "ethereum", *day, "--no-build"], bench.env, config)
        sim, pg = own_cpu() - sim, (postgres_cpu() - pg) if pg is not None else None
        requests = sum(n for api in net.servers for n in net.requests(api).values())
        archived, responses = archive_bytes(bench, "raw_ethereum")
        rows, copy_seconds = copy_floor(bench, "raw_ethereum")
        before = sum(n for api in net.servers for n in net.requests(api).values())
        # The next scheduled (incremental) run: the day is final, nothing of it is fetched again.
        again = aurora(["run", "--chain", "ethereum", "--no-build"], bench.env, config)
        requests_again = sum(n for api in net.servers for n in net.requests(api).values()) - before
        archived_again, responses_again = archive_bytes(bench, "raw_ethereum")
        built = None
        if build:
            built = aurora(["build", *(["--select", *build_select] if build_select else [])], bench.env, config)
        return {
            "validators": validators, "load_s": load.wall, "load_cpu_s": load.cpu, "sim_cpu_s": sim, "postgres_cpu_s": pg,
            "rss": load.rss, "rows": rows,
            "copy_s": copy_seconds, "requests": requests, "archive_bytes": archived, "responses": responses,
            "rerun_s": again.wall, "rerun_loaded": _loaded_line(again.output), "rerun_requests": requests_again, "rerun_new_responses": responses_again - responses,
            "rerun_archive_bytes": archived_again - archived, "build_s": built.wall if built else None,
        }


def _loaded_line(output: str) -> str:
    return next((line.strip() for line in output.splitlines() if ": loaded " in line), "")


# ---------------------------------------------------------------- a network-wide day end to end (day grain)
MAINNET_DAY_ENTRIES_PER_VALIDATOR = 227  # attestation answers a day's load reads: epochs a−2..b of 225


def day_end_to_end(validators: int, seconds_per_slot: int = 192, build_select: list[str] | None = None,
                   shape: dict[str, int] | None = None) -> dict[str, Any]:
    """One network-wide day at day grain, as a daily schedule runs it: `aurora run --no-build`
    (the loader) then `aurora build` (dbt: staging → canonical → marts and the data tests), each
    timed with its CPU and peak RSS, the embedded Postgres's CPU and peak memory beside each; then
    dbt's per-node times (run_results.json), the database's size, the validator-days of the mart
    and the attestation entries the load summed. Unit tests are left out of the build
    (AURORA_DBT_UNIT_TESTS=never): they check SQL against fixtures, a fixed cost once per project."""
    with network_day(f"daybuild{validators}", validators, "day", seconds_per_slot, shape) as (bench, net, config, day):
        sim, pg = own_cpu(), postgres_cpu()
        with PostgresMemory() as pg_load:
            load = aurora(["run", "--chain", "ethereum", *day, "--no-build"], bench.env, config)
        sim, pg_load_cpu = own_cpu() - sim, postgres_cpu() - pg
        pg = postgres_cpu()
        with PostgresMemory() as pg_build:
            built = aurora(["build", *(["--select", *build_select] if build_select else [])],
                           dict(bench.env, AURORA_DBT_UNIT_TESTS="never"), config)
        pg_build_cpu = postgres_cpu() - pg
        results = json.loads((bench.home / "dbt" / "target" / "run_results.json").read_text())["results"]
        with bench.connect() as conn, conn.cursor() as cur:
            cur.execute("select pg_database_size(current_database())")
            db_bytes = cur.fetchone()[0]
            cur.execute("select coalesce(sum(entries), 0) from raw_ethereum.attestation_rewards_daily_batches")
            entries = int(cur.fetchone()[0])
            cur.execute("select count(*) from raw_ethereum.attestation_rewards_daily")
            daily_rows = cur.fetchone()[0]
            other_rows = {}
            for table in ("beacon_blocks", "sync_committee_rewards", "withdrawals", "execution_transactions"):
                cur.execute(f"select count(*) from raw_ethereum.{table}")
                other_rows[table] = cur.fetchone()[0]
            cur.execute("select to_regclass('marts.fct_validator_pnl') is not null")
            validator_days = None
            if cur.fetchone()[0]:
                cur.execute("select count(*) from marts.fct_validator_pnl where chain = 'ethereum'")
                validator_days = cur.fetchone()[0]
        # Last: the floor writes a copy of every raw table (the bodies too) beside the warehouse.
        copy_rows, copy_seconds = copy_floor(bench, "raw_ethereum")
    # unique_id: model.aurora.<name>, test.aurora.<name>.<hash>
    nodes = sorted(({"node": " ".join(r["unique_id"].split(".")[0:3:2]), "status": r["status"], "s": r["execution_time"]}
                    for r in results), key=lambda n: -n["s"])
    failed = [n for n in nodes if n["status"] not in ("success", "pass", "skipped", "no-op")]  # exposures are no-ops
    print(f"  day of {validators:,} validators: load {load.wall:.1f} s (CPU {load.cpu:.1f} s), build {built.wall:.1f} s "
          f"(dbt CPU {built.cpu:.1f} s, Postgres CPU {pg_build_cpu:.1f} s), {len(nodes)} nodes, slowest "
          + ", ".join(f"{n['node']} {n['s']:.1f} s" for n in nodes[:3]), file=sys.stderr, flush=True)
    return {
        "validators": validators, "entries": entries, "daily_rows": daily_rows, "validator_days": validator_days,
        "other_rows": other_rows, "shape": shape,
        "load_s": load.wall, "load_cpu_s": load.cpu, "load_rss": load.rss, "sim_cpu_s": sim,
        "load_postgres_cpu_s": pg_load_cpu, "load_postgres_backend": pg_load.backend, "load_postgres_server": pg_load.server,
        "build_s": built.wall, "build_cpu_s": built.cpu, "build_rss": built.rss, "build_postgres_cpu_s": pg_build_cpu,
        "build_postgres_backend": pg_build.backend, "build_postgres_server": pg_build.server,
        "db_bytes": db_bytes, "nodes": nodes, "failed_nodes": failed,
        "replayed": REPLAYED[-1] if REPLAY_DIR else None, "copy_rows": copy_rows, "copy_s": copy_seconds,
    }


def _simulator(r: dict[str, Any]) -> str:
    """The simulator's CPU, and with --replay how many answers it generated and how many were
    read from the recording (then most of that CPU is serving files)."""
    replayed = r.get("replayed")
    if not replayed:
        return f"simulator CPU {r['sim_cpu_s']:.1f} s"
    return (f"simulator CPU {r['sim_cpu_s']:.1f} s: {replayed.get('replayed', 0):,} answers replayed from disk, "
            f"{replayed.get('recorded', 0):,} generated and recorded")


def daybuild_table(runs: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """Each day's load and build, its slowest dbt nodes, and both extrapolated linearly from the two
    largest days to a mainnet day: the load by attestation entries (227 a validator a mainnet day,
    ~58 a simulated one), the build by validator-days (a day-grain build reads one daily row a
    validator; its other inputs, per block and per epoch, are a few thousand rows a day)."""
    rows = []
    for r in runs:
        v, days = r["validators"], r["validator_days"] or 0
        rows.append((f"network-wide day at day grain, {v:,} validators",
                     f"load {r['load_s']:.1f} s (loader CPU {r['load_cpu_s']:.1f} s, Postgres CPU {r['load_postgres_cpu_s']:.1f} s, "
                     + _simulator(r) + f"; {r['entries']:,} attestation entries, "
                     + ", ".join(f"{n:,} {table.replace('_', ' ')}" for table, n in r["other_rows"].items())
                     + (" (mainnet shape)" if r["shape"] else "") + f"); build {r['build_s']:.1f} s "
                     f"(dbt process CPU {r['build_cpu_s']:.1f} s, Postgres CPU {r['build_postgres_cpu_s']:.1f} s; {days:,} validator-days)",
                     f"peak RSS: loader {mib(r['load_rss'])}, dbt {mib(r['build_rss'])}; Postgres while loading "
                     f"{mib(r['load_postgres_server'])} (largest backend {mib(r['load_postgres_backend'])}), while building "
                     f"{mib(r['build_postgres_server'])} (largest backend {mib(r['build_postgres_backend'])}); database {r['db_bytes'] / 2**30:.2f} GiB",
                     "–"))
        rows.append((f"load ÷ COPY of the same raw rows (network-wide day at day grain, {v:,} validators)",
                     f"load {r['load_s']:.1f} s (loader CPU {r['load_cpu_s']:.1f} s, " + _simulator(r)
                     + f"); COPY {r['copy_s']:.1f} s of {r['copy_rows']:,} rows, the archived bodies included",
                     f"{r['load_s'] / r['copy_s']:.2f}× (wall − simulator CPU: {max(r['load_s'] - r['sim_cpu_s'], 0) / r['copy_s']:.2f}×)",
                     "≤ 2×"))
        rows.append((f"build per validator-day, {v:,} validators",
                     f"{r['build_s']:.1f} s ÷ {days:,}" if days else "no mart built",
                     f"{r['build_s'] / days * 1e6:.0f} µs" if days else "–",
                     "slowest: " + "; ".join(f"{n['node']} {n['s']:.1f} s" for n in r["nodes"][:6])
                     + (f"; FAILED: {', '.join(n['node'] for n in r['failed_nodes'])}" if r["failed_nodes"] else "")))
    if len(runs) >= 2:
        a, b = sorted(runs, key=lambda r: r["validators"])[-2:]
        entries = MAINNET_DAY_ENTRIES_PER_VALIDATOR * 1_000_000
        per_entry = (b["load_cpu_s"] - a["load_cpu_s"]) / (b["entries"] - a["entries"])
        pg_per_entry = (b["load_postgres_cpu_s"] - a["load_postgres_cpu_s"]) / (b["entries"] - a["entries"])
        load_cpu = a["load_cpu_s"] + per_entry * (entries - a["entries"])
        load_pg = a["load_postgres_cpu_s"] + pg_per_entry * (entries - a["entries"])
        rows.append((f"load, mainnet day extrapolated from {a['validators']:,} and {b['validators']:,} validators (by entries)",
                     f"loader CPU {per_entry * 1e6:.2f} µs, Postgres CPU {pg_per_entry * 1e6:.2f} µs an entry",
                     f"{entries:,} entries: loader ~{load_cpu:,.0f} s, Postgres ~{load_pg:,.0f} s of CPU",
                     "≤ 600 s"))
        if not (a["validator_days"] and b["validator_days"]):  # a build of one model (--smoke): no mart
            rows.append(("build, mainnet day extrapolated (by validator-days)", "not built (--smoke)", "–", "load + build ≤ 600 s"))
            return rows
        per_day = (b["build_s"] - a["build_s"]) / (b["validator_days"] - a["validator_days"])
        build = a["build_s"] + per_day * (1_000_000 - a["validator_days"])
        cpu = lambda r: r["build_cpu_s"] + r["build_postgres_cpu_s"]  # noqa: E731
        cpu_per_day = (cpu(b) - cpu(a)) / (b["validator_days"] - a["validator_days"])
        rows.append((f"build, mainnet day extrapolated from {a['validators']:,} and {b['validators']:,} validators (by validator-days)",
                     f"{per_day * 1e6:.0f} µs wall, {cpu_per_day * 1e6:.0f} µs CPU (dbt + Postgres) a validator-day",
                     f"1,000,000 validator-days: ~{build:,.0f} s wall, ~{cpu(a) + cpu_per_day * (1_000_000 - a['validator_days']):,.0f} s CPU",
                     "load + build ≤ 600 s"))
    return rows


# ---------------------------------------------------------------- a network-wide history, day by day
def day_history(validators: int, checkpoints: list[int], seconds_per_slot: int = 960) -> dict[str, Any]:
    """Builds over a growing network-wide Ethereum history at day grain, where the data is no
    longer small next to dbt's cost per node: days 1..P loaded (one `aurora run --no-build`) and
    built, then day P+1 loaded and its build timed (a build of what changed), at each checkpoint
    P; at the last, a `--full-refresh` of the whole history. Each build's per-node times
    (run_results.json) are kept: what a new day's build spends, and on which nodes."""
    from datetime import timedelta

    out: dict[str, Any] = {"validators": validators, "checkpoints": {}, "seconds_per_slot": seconds_per_slot}
    with network_day(f"history{validators}", validators, "day", seconds_per_slot) as (bench, net, config, _day):
        m = net.ethereum
        env = dict(bench.env, AURORA_DBT_UNIT_TESTS="never")
        day = lambda k: ETH_DAY + timedelta(days=k - 1)  # noqa: E731  (day 1 is ETH_DAY)
        complete = lambda k: m.set_head((m.epochs_of_day(day(k))[-1] + 5) * m.S)  # noqa: E731  day k final, k+1 not

        def run_days(first: int, last: int) -> Ran:
            complete(last)
            return aurora(["run", "--chain", "ethereum", "--from-date", day(first).isoformat(), "--to-date", day(last).isoformat(),
                           "--no-build"], bench.env, config)

        def build(*args: str) -> dict[str, Any]:
            ran = aurora(["build", *args], env, config)
            results = json.loads((bench.home / "dbt" / "target" / "run_results.json").read_text())["results"]
            nodes = {" ".join(r["unique_id"].split(".")[0:3:2]): r["execution_time"] for r in results}
            note = next((line.strip() for line in ran.output.splitlines() if "building what changed" in line), "")
            return {"s": ran.wall, "cpu_s": ran.cpu, "nodes": nodes, "selection": note}

        loaded = 0
        for point in sorted(checkpoints):
            if loaded < point:
                load = run_days(loaded + 1, point)
                out.setdefault("loads", []).append({"days": point - loaded, "s": load.wall, "cpu_s": load.cpu, "rss": load.rss})
            history = build()
            run_days(point + 1, point + 1)
            row = {"history_build": history, "one_new": build()}
            loaded = point + 1
            if point == max(checkpoints):
                row["full"] = build("--full-refresh")
                with bench.connect() as conn, conn.cursor() as cur:
                    cur.execute("select count(*) from marts.fct_validator_pnl where chain = 'ethereum'")
                    row["validator_days"] = cur.fetchone()[0]
                    cur.execute("select pg_database_size(current_database())")
                    row["db_bytes"] = cur.fetchone()[0]
            out["checkpoints"][point] = row
    return out


def history_table(run: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The periods goals at network scale, and where a new day's build goes: its slowest nodes
    beside their time in the full rebuild."""
    points = sorted(run["checkpoints"])
    first, last = run["checkpoints"][points[0]], run["checkpoints"][points[-1]]
    v = run["validators"]
    rows = [(f"one new day after {points[-1]} vs after {points[0]} days ({v:,} validators, network-wide, day grain)",
             f"{last['one_new']['s']:.1f} s vs {first['one_new']['s']:.1f} s",
             f"{last['one_new']['s'] / first['one_new']['s']:.2f}×", "≤ 1.2×"),
            (f"one new day ÷ full rebuild of {points[-1] + 1} days ({last['validator_days']:,} validator-days; "
             f"database {last['db_bytes'] / 2**30:.2f} GiB)",
             f"{last['one_new']['s']:.1f} s vs {last['full']['s']:.1f} s",
             f"{last['one_new']['s'] / last['full']['s']:.3f}×", "≤ 0.05×")]
    new, full = last["one_new"]["nodes"], last["full"]["nodes"]
    for node, s in sorted(new.items(), key=lambda kv: -kv[1])[:8]:
        rows.append((f"new day's build: {node}", f"{s:.1f} s", f"full rebuild {full.get(node, 0):.1f} s", "–"))
    rows.append(("new day's build: all nodes (sum)", f"{sum(new.values()):.1f} s over {len(new)} nodes",
                 f"full rebuild {sum(full.values()):.1f} s over {len(full)} nodes", "–"))
    return rows


# ---------------------------------------------------------------- one epoch at network scale
def _network_fetcher(beacon_url: str, chain_file: str) -> tuple[Any, Any, Any]:
    """(warehouse, archive, fetcher) of a network-wide Ethereum load against the beacon node only,
    in a child process: the raw schemas made, the archive keeping bodies and writing them as they
    come, on its own thread, as a run's archive does (loaders/ethereum/run.py)."""
    from loaders.config import ChainConfig, ProviderConfig
    from loaders.ethereum.fetch import EthereumFetcher
    from loaders.ethereum.settings import DATASET
    from loaders.providers import BodyWriter, ProviderChain, ProviderClient, ResponseArchive
    from loaders.providers.client import HttpSettings
    from loaders.raw_schemas import ensure_raw_schemas
    from loaders.warehouse import open_warehouse

    warehouse = open_warehouse()
    ensure_raw_schemas(warehouse)
    chain = ChainConfig.model_validate(yaml.safe_load(Path(chain_file).read_text())["chains"]["ethereum"] | {"key": "ethereum"})
    beacon = ProviderConfig(key="beacon", type="beacon", base_url=beacon_url, requests_per_second=1000, timeout_seconds=600, retries=1)
    archive = ResponseArchive(bodies_to=BodyWriter(warehouse, DATASET))
    fetcher = EthereumFetcher(chain, beacon_chain=ProviderChain([ProviderClient(beacon, archive, HttpSettings())], "beacon"),
                              execution_chain=None, relay_clients=[], archive=archive, tracked=[])
    return warehouse, archive, fetcher


def _epoch_child(validators: int, beacon_url: str, chain_file: str) -> dict[str, Any]:
    """In its own process: one epoch of attestation rewards for every validator, fetched in
    index ranges from the beacon node and loaded as one package, through the loader's own
    fetcher, resource (the arrow/COPY path), archive (bodies on) and load_package."""
    import resource as rlimits

    from loaders.ethereum.settings import COLUMNS, DATASET, PIPELINE, TABLES
    from loaders.pipeline import make_pipeline
    from loaders import pipeline as _pl
    from loaders.resources import table_resource, with_archive

    import dlt

    warehouse, archive, fetcher = _network_fetcher(beacon_url, chain_file)
    epoch = fetcher.head_epoch - 5

    @dlt.source(name="ethereum", max_table_nesting=0)
    def one_epoch():
        done: set[str] = set()
        return with_archive(archive, [table_resource("attestation_rewards", lambda: fetcher.iter_attestation_rewards(epoch, None),
                                                     chain="ethereum", primary_key=TABLES["attestation_rewards"],
                                                     columns=COLUMNS["attestation_rewards"], done=done)], done)

    pipeline = make_pipeline(PIPELINE, DATASET, warehouse)
    started = time.perf_counter()
    # A period never loaded before, as a scheduled run's new period: the rewards are appended.
    _pl.load_package(pipeline, one_epoch(), chain="ethereum", period=f"bench-epoch-{epoch}", mode="new")
    wall = time.perf_counter() - started
    usage = rlimits.getrusage(rlimits.RUSAGE_SELF)
    return {"epoch": epoch, "load_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss": own_peak_rss()}


def network_epoch(validators: int) -> dict[str, Any]:
    """One epoch of every validator's attestation rewards (the rows that make a network-wide day
    big: 225 epochs a mainnet day), loaded in a child process; COPY of the same rows after."""
    from simnet.ethereum.params import EthereumParams
    from simnet.network import NetworkSpec, SimNetwork

    bench = Bench(f"epoch{validators}")
    try:
        with SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(validators=validators, archive=True))) as net:
            config = net.write_config(bench.home / "config", timeout_seconds=600, retries=1)
            started, sim = time.perf_counter(), own_cpu()
            proc = subprocess.Popen([sys.executable, __file__, "--epoch-child", str(validators), net.urls["beacon"], str(config["chains"])],
                                    cwd=ROOT, env=bench.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = proc.communicate()
            if proc.returncode:
                raise RuntimeError(f"the epoch load failed:\n{err.decode()[-3000:]}")
            child = json.loads(out.decode().strip().splitlines()[-1])
            child["wall_s"] = time.perf_counter() - started
            child["sim_cpu_s"] = own_cpu() - sim
        with bench.connect() as conn, conn.cursor() as cur:
            cur.execute("select count(*) from raw_ethereum.attestation_rewards")
            child["rows"] = cur.fetchone()[0]
            buffer = io.BytesIO()
            cur.copy_expert("copy raw_ethereum.attestation_rewards to stdout", buffer)
            cur.execute("create table public.bench_copy (like raw_ethereum.attestation_rewards)")
            buffer.seek(0)
            t = time.perf_counter()
            cur.copy_expert("copy public.bench_copy from stdin", buffer)
            child["copy_s"] = time.perf_counter() - t
            cur.execute("select pg_total_relation_size('raw_ethereum.attestation_rewards')")
            child["table_bytes"] = cur.fetchone()[0]
        archived, responses = archive_bytes(bench, "raw_ethereum")
        child.update(validators=validators, archive_bytes=archived, responses=responses)
        print(f"  epoch of {validators:,} validators: load {child['load_s']:.1f} s, CPU {child['cpu_s']:.1f} s, "
              f"RSS {child['rss'] / 2**20:.0f} MiB, COPY {child['copy_s']:.1f} s of {child['rows']:,} rows", file=sys.stderr, flush=True)
        return child
    finally:
        bench.close()


# ---------------------------------------------------------------- day grain vs epoch grain
def _grain_child(grain: str, validators: int, epochs: int, beacon_url: str, chain_file: str) -> dict[str, Any]:
    """In its own process: `epochs` epochs of every validator's attestation rewards through the
    loader's own day stream (fetcher, resources in fifo order, archive, load_package), as a
    network-wide day loads them: at epoch grain every entry is a row of attestation_rewards; at
    day grain the entries are summed (loaders/ethereum/daygrain.py) and one row per validator
    lands in attestation_rewards_daily, with one attestation_rewards_daily_batches row per answer."""
    import resource as rlimits

    from loaders.ethereum.daygrain import DaySums
    from loaders.ethereum.fetch import DayPlan
    from loaders.ethereum.settings import COLUMNS, DATASET, PIPELINE, TABLES
    from loaders.pipeline import make_pipeline
    from loaders import pipeline as _pl
    from loaders.resources import table_resource, with_archive

    import dlt

    warehouse, archive, fetcher = _network_fetcher(beacon_url, chain_file)
    last = fetcher.head_epoch - 5
    first = last - epochs + 1
    plan = DayPlan(ETH_DAY, first + 2, last, fetcher.clock().slots_per_epoch)  # epochs a-2..b = first..last
    sums = DaySums(plan.period, plan.first_epoch, plan.last_epoch)
    names = ["attestation_rewards", "attestation_rewards_daily", "attestation_rewards_daily_batches"]
    if grain == "day":
        streams = [lambda: fetcher._stream_day_grain(plan, list(range(first, last + 1)), sums, frozenset(), None),
                   sums.rows, lambda: sums.batch_rows()]
    else:
        streams = [lambda: fetcher._stream_attestation_rewards(plan, list(range(first, last + 1)), None, None),
                   lambda: [], lambda: []]

    @dlt.source(name="ethereum", max_table_nesting=0)
    def rewards():
        done: set[str] = set()
        return with_archive(archive, [table_resource(name, rows, chain="ethereum", primary_key=TABLES[name],
                                                     columns=COLUMNS[name], done=done) for name, rows in zip(names, streams)], done)

    pipeline = make_pipeline(PIPELINE, DATASET, warehouse)
    started = time.perf_counter()
    _pl.load_package(pipeline, rewards(), chain="ethereum", period=f"bench-{grain}-{first}-{last}", mode="new")
    wall = time.perf_counter() - started
    usage = rlimits.getrusage(rlimits.RUSAGE_SELF)
    return {"load_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "rss": own_peak_rss()}


def network_grain(grain: str, validators: int, epochs: int) -> dict[str, Any]:
    """`epochs` epochs of `validators` validators at day or epoch grain, in a child process; then
    the rows and bytes of the raw tables it wrote."""
    from simnet.ethereum.params import EthereumParams
    from simnet.network import NetworkSpec, SimNetwork

    bench = Bench(f"{grain}{validators}x{epochs}")
    try:
        with SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(validators=validators, archive=True))) as net:
            config = net.write_config(bench.home / "config", timeout_seconds=600, retries=1)
            started, sim = time.perf_counter(), own_cpu()
            proc = subprocess.Popen([sys.executable, __file__, "--grain-child", grain, str(validators), str(epochs),
                                     net.urls["beacon"], str(config["chains"])],
                                    cwd=ROOT, env=bench.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = proc.communicate()
            if proc.returncode:
                raise RuntimeError(f"the {grain}-grain load failed:\n{err.decode()[-3000:]}")
            child = json.loads(out.decode().strip().splitlines()[-1])
            child["wall_s"] = time.perf_counter() - started
            child["sim_cpu_s"] = own_cpu() - sim
        with bench.connect() as conn, conn.cursor() as cur:
            for table in ("attestation_rewards", "attestation_rewards_daily", "attestation_rewards_daily_batches"):
                cur.execute(f"select count(*), pg_total_relation_size('raw_ethereum.{table}') from raw_ethereum.{table}")
                child[f"{table}_rows"], child[f"{table}_bytes"] = cur.fetchone()
        child["archive_bytes"], child["responses"] = archive_bytes(bench, "raw_ethereum")
        child.update(grain=grain, validators=validators, epochs=epochs, entries=validators * epochs)
        print(f"  {grain} grain, {epochs} epoch(s) of {validators:,} validators: load {child['load_s']:.1f} s, "
              f"CPU {child['cpu_s']:.1f} s, RSS {child['rss'] / 2**20:.0f} MiB", file=sys.stderr, flush=True)
        return child
    finally:
        bench.close()


def grain_table(results: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    """Per grain: each run, and the loader CPU per attestation entry between the two epoch counts
    (the fixed cost of starting, schemas and landing one row per validator cancels out at day grain)."""
    rows = []
    for r in results:
        table = "attestation_rewards" if r["grain"] == "epoch" else "attestation_rewards_daily"
        n, size = r[f"{table}_rows"], r[f"{table}_bytes"]
        rows.append((f"{r['grain']} grain, {r['epochs']} epoch(s) of {r['validators']:,} validators",
                     f"load {r['load_s']:.1f} s, loader CPU {r['cpu_s']:.1f} s, peak RSS {mib(r['rss'])}; simulator CPU {r['sim_cpu_s']:.1f} s",
                     f"{n:,} rows in {table}, {size:,} bytes ({size / max(n, 1):.0f} a row); "
                     f"{r['attestation_rewards_daily_batches_rows']:,} batch rows; archive {r['archive_bytes']:,} bytes "
                     f"({r['archive_bytes'] / r['entries']:.0f} an entry)", "–"))
    for grain in ("epoch", "day"):
        runs = sorted((r for r in results if r["grain"] == grain), key=lambda r: r["epochs"])
        if len(runs) >= 2:
            a, b = runs[0], runs[-1]
            per = (b["cpu_s"] - a["cpu_s"]) / (b["entries"] - a["entries"])
            rows.append((f"loader CPU per attestation entry, {grain} grain",
                         f"({b['cpu_s']:.1f} − {a['cpu_s']:.1f}) s ÷ {b['entries'] - a['entries']:,} entries",
                         f"{per * 1e6:.2f} µs", "227,000,000 entries a mainnet day in ≤ 600 s of one core: ≤ 2.6 µs"))
    return rows


# ---------------------------------------------------------------- periods (Solana epochs)
def solana_periods(checkpoints: list[int], build_select: list[str] | None) -> dict[str, Any]:
    """History grows to each checkpoint P (epochs 1..P loaded, built); then one new epoch is
    loaded and the incremental build timed. At the first checkpoint a build with nothing new is
    timed too; at the last, a full rebuild (--full-refresh) of the whole history."""
    from simnet.network import NetworkSpec, SimNetwork
    from simnet.solana.model import SolanaParams

    last = max(checkpoints) + 1
    bench = Bench("solana")
    select = ["--select", *build_select] if build_select else []
    out: dict[str, Any] = {"checkpoints": {}}
    try:
        params = SolanaParams()
        with SimNetwork(NetworkSpec(ethereum=None, solana=SolanaParams(head_slot=2 * params.slots_per_epoch + 10))) as net:
            m = net.solana
            S = m.p.slots_per_epoch
            config = net.write_config(bench.home / "config", timeout_seconds=60, retries=2)
            config["operators"] = bench.home / "config" / "operators.yaml"
            tracked = [m.validators[i].vote for i in SOLANA_TRACKED]
            config["operators"].write_text(yaml.safe_dump({"operators": [
                {"key": "acme", "name": "Acme", "validators": {"solana": tracked}}]}))
            loaded = 0
            for point in sorted(checkpoints):
                if loaded < point:
                    m.set_head((point + 1) * S + 10)  # epochs up to `point` complete
                    history = aurora(["run", "--chain", "solana", "--from-epoch", str(loaded + 1), "--to-epoch", str(point),
                                      "--no-build"], bench.env, config)
                    out.setdefault("ranges", []).append({"periods": point - loaded, "rss": history.rss, "load_s": history.wall})
                aurora(["build", *select], bench.env, config)
                row: dict[str, Any] = {}
                if point == min(checkpoints):
                    row["noop_s"] = aurora(["build", *select], bench.env, config).wall
                m.set_head((point + 2) * S + 10)
                aurora(["run", "--chain", "solana", "--from-epoch", str(point + 1), "--to-epoch", str(point + 1), "--no-build"],
                       bench.env, config)
                row["one_new_s"] = aurora(["build", *select], bench.env, config).wall
                loaded = point + 1
                if point == max(checkpoints):
                    row["full_s"] = aurora(["build", "--full-refresh", *select], bench.env, config).wall
                out["checkpoints"][point] = row
            assert loaded == last
            # dbt's fixed cost: a build of one small model (a --smoke run builds only that: not timed twice)
            out["fixed_s"] = None if build_select else aurora(["build", "--select", "stg_registry__chains"], bench.env, config).wall
    finally:
        bench.close()
    return out


def build_periods(checkpoints: list[int], build_select: list[str] | None) -> dict[str, Any]:
    """The periods case from bench/build_cases.py when it is there (the build task's cases), else
    from solana_periods."""
    try:
        import build_cases  # type: ignore[import-not-found]
    except ImportError:
        build_cases = None
    if build_cases is None or build_select:
        return solana_periods(checkpoints, build_select)
    out: dict[str, Any] = {"checkpoints": {}, "source": "bench/build_cases.py"}
    for point in sorted(checkpoints):
        got = build_cases.measure(point)
        out["checkpoints"][point] = {"noop_s": got["nothing_new"], "one_new_s": got["one_new_period"], "full_s": got["full_refresh"]}
        out["fixed_s"] = got["startup"]
    return out


# ---------------------------------------------------------------- the table
def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def table(results: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(goal, measured, ratio, target) rows; every goal of issue 10 that this run measured."""
    rows: list[tuple[str, str, str, str]] = []
    ingest = results["ingest"]
    small, large = ingest[0], ingest[-1]
    n, n4 = small["validators"], large["validators"]
    for r in results.get("epoch", []):
        rows.append((f"load ÷ COPY, one epoch of attestation rewards ({r['validators']:,} validators)",
                     f"load {r['load_s']:.1f} s (process CPU {r['cpu_s']:.1f} s, peak RSS {mib(r['rss'])}; "
                     f"simulator CPU {r['sim_cpu_s']:.1f} s, in the child's wall); COPY {r['copy_s']:.2f} s of {r['rows']:,} rows",
                     f"{r['load_s'] / r['copy_s']:.1f}× (wall − simulator CPU: "
                     f"{max(r['load_s'] - r['sim_cpu_s'], 0) / r['copy_s']:.1f}×)", "≤ 2×"))
    epochs = results.get("epoch", [])
    if len(epochs) == 2:
        a, b = epochs
        rows.append((f"peak RSS, one epoch of {b['validators']:,} ÷ {a['validators']:,} validators",
                     f"{mib(b['rss'])} vs {mib(a['rss'])}", f"{b['rss'] / a['rss']:.2f}×", "flat (≈ 1×)"))
    for r in ingest:
        rows.append((f"load ÷ COPY of the same raw rows ({r['validators']:,} validators, 1 day)",
                     f"load {r['load_s']:.1f} s (loader CPU {r['load_cpu_s']:.1f} s; simulator CPU {r['sim_cpu_s']:.1f} s"
                     + (f"; Postgres CPU {r['postgres_cpu_s']:.1f} s" if r.get("postgres_cpu_s") is not None else "")
                     + f"); COPY {r['copy_s']:.2f} s of {r['rows']:,} rows",
                     f"{r['load_s'] / r['copy_s']:.1f}× (wall − simulator CPU: {max(r['load_s'] - r['sim_cpu_s'], 0) / r['copy_s']:.1f}×; "
                     f"loader CPU {r['load_cpu_s'] / r['copy_s']:.1f}×)", "≤ 2×"))
    if len(ingest) == 1:
        return rows
    rows.append((f"load {n4:,} ÷ {n:,} validators", f"{large['load_s']:.1f} s vs {small['load_s']:.1f} s",
                 f"{large['load_s'] / small['load_s']:.2f}×", "≤ 4.2× (4× the rows)"))
    rows.append((f"peak RSS of the load, {n4:,} ÷ {n:,} validators", f"{mib(large['rss'])} vs {mib(small['rss'])}",
                 f"{large['rss'] / small['rss']:.2f}×", "flat (≈ 1×)"))
    for r in ingest:
        rows.append((f"archive bytes per period ({r['validators']:,} validators)",
                     f"{r['archive_bytes']:,} bytes, {r['responses']:,} responses, for 1 day",
                     f"rerun adds {r['rerun_new_responses']:,} responses, {r['rerun_archive_bytes']:,} bytes",
                     "rerun of a final period adds nothing"))
    for r in ingest:
        rows.append((f"requests per tracked validator-period ({r['validators']:,} validators)",
                     f"{r['requests']:,} requests for {r['validators']:,} validator-days; the next incremental run {r['rerun_requests']:,}",
                     f"{r['requests'] / r['validators']:.3f}", "immutable data never fetched twice"))
    if small["build_s"] is not None:
        rows.append((f"build {n4:,} ÷ {n:,} validators", f"{large['build_s']:.1f} s vs {small['build_s']:.1f} s",
                     f"{large['build_s'] / small['build_s']:.2f}×", "≤ 4.2×"))
    else:
        rows.append((f"build {n4:,} ÷ {n:,} validators", "not timed (--smoke)", "–", "≤ 4.2×"))
    p = results.get("periods")
    if p:
        points = sorted(p["checkpoints"])
        first, last = points[0], points[-1]
        a, b = p["checkpoints"][first], p["checkpoints"][last]
        ranges = sorted(p.get("ranges", []), key=lambda r: r["periods"])
        if len(ranges) >= 2:
            short, long = ranges[0], ranges[-1]
            rows.append((f"peak RSS of a {long['periods']}-period vs a {short['periods']}-period range load (Solana)",
                         f"{mib(long['rss'])} vs {mib(short['rss'])}", f"{long['rss'] / short['rss']:.2f}×", "flat (≈ 1×)"))
        fixed = p["fixed_s"]
        rows.append(("no-op build (nothing new)",
                     f"{a['noop_s']:.1f} s; dbt fixed cost (one model) " + (f"{fixed:.1f} s" if fixed is not None else "not timed (--smoke)"),
                     f"{a['noop_s'] - fixed:+.1f} s over the fixed cost" if fixed is not None else "–", "≤ 10 s + fixed start-up"))
        rows.append((f"one new period after {last} vs after {first} periods", f"{b['one_new_s']:.1f} s vs {a['one_new_s']:.1f} s",
                     f"{b['one_new_s'] / a['one_new_s']:.2f}×", "≤ 1.2×"))
        rows.append((f"one new period ÷ full rebuild of {last + 1} periods", f"{b['one_new_s']:.1f} s vs {b['full_s']:.1f} s",
                     f"{b['one_new_s'] / b['full_s']:.2f}×", "≤ 0.05×"))
    return rows


ROW_KEYS = ("load ÷ COPY", "load ", "peak RSS", "archive bytes per period", "requests per tracked validator-period",
            "build ", "no-op build", "one new period after", "one new period ÷ full rebuild")


def render(rows: list[tuple[str, str, str, str]]) -> str:
    out = ["| goal | measured | ratio | target |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--validators", type=int, default=1000, help="N of the ingest case (4N too); default 1,000")
    parser.add_argument("--periods", default="15,60", help="history checkpoints of the periods case; default 15,60")
    parser.add_argument("--epoch-validators", default="100000,400000",
                        help="validators of the one-epoch network-scale case (two sizes); default 100000,400000")
    parser.add_argument("--case", choices=["default", "million", "grain", "daybuild", "history"], default="default",
                        help="grain: day vs epoch grain, --grain-validators validators, --grain-epochs epochs each")
    parser.add_argument("--grain-validators", type=int, default=100_000, help="validators of the grain case; default 100,000")
    parser.add_argument("--grain-epochs", default="1,4", help="epoch counts of the grain case (two); default 1,4")
    parser.add_argument("--grains", default="day,epoch", help="grains of the grain case; default day,epoch")
    parser.add_argument("--day-validators", default="10000,50000,100000",
                        help="validators of the daybuild case's days (one day each); default 10000,50000,100000")
    parser.add_argument("--day-seconds-per-slot", type=int, default=192,
                        help="the daybuild case's simulated slot time (8 slots an epoch): 192 s gives days of 56.25 epochs "
                             "(default), 48 s a mainnet day's 225")
    parser.add_argument("--day-mainnet-shape", action="store_true",
                        help="the daybuild case's days shaped as mainnet's: 32 slots of 12 s an epoch, sync committees "
                             "of 512, 16 withdrawals and 100-220 transactions a payload (7,200 blocks a day; "
                             "--day-seconds-per-slot is ignored)")
    parser.add_argument("--history-validators", type=int, default=20_000, help="validators of the history case; default 20,000")
    parser.add_argument("--history-days", default="8,30", help="history checkpoints of the history case, in days; default 8,30")
    parser.add_argument("--replay", type=Path, metavar="DIR",
                        help="the network-wide days' answers (ingest, million and daybuild cases): recorded in DIR by "
                             "the first run, served from it by the next runs of the same network, so the simulator "
                             "does not share the cores with the load (bench/replay.py)")
    parser.add_argument("--keep-homes", action="store_true",
                        help="leave each case's AURORA_HOME (its warehouse) in place instead of deleting it; the paths are printed")
    parser.add_argument("--smoke", action="store_true", help="smallest sizes, builds of one model (CI)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--epoch-child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--grain-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global REPLAY_DIR, KEEP_HOMES
    REPLAY_DIR, KEEP_HOMES = args.replay, args.keep_homes
    if args.grain_child:
        grain, validators, epoch_count, url, chain_file = args.grain_child
        print(json.dumps(_grain_child(grain, int(validators), int(epoch_count), url, chain_file)))
        return 0
    if args.case == "grain":
        counts = [int(k) for k in args.grain_epochs.split(",")]
        print(f"grain: {counts} epochs of {args.grain_validators:,} validators at day and epoch grain ...", file=sys.stderr, flush=True)
        runs = [network_grain(g, args.grain_validators, k) for g in args.grains.split(",") for k in counts]
        print(render(grain_table(runs)))
        print(f"\nmachine: {machine()}")
        if args.json:
            args.json.write_text(json.dumps(runs, indent=2, default=str))
        return 0
    if args.case == "daybuild":
        sizes = [int(v) for v in args.day_validators.split(",")]
        slot_seconds, select = args.day_seconds_per_slot, None
        if args.smoke:  # days of 90 slots, builds of one model: checks the case runs (by hand: CI has no room for it)
            sizes, slot_seconds, select = [32, 128], 960, ["stg_registry__chains"]
        print(f"daybuild: one network-wide day at day grain, loaded and built, at {sizes} validators ...", file=sys.stderr, flush=True)
        runs = []
        for v in sizes:  # each size's figures are printed as it ends: a long run can be stopped
            runs.append(day_end_to_end(v, slot_seconds, select, MAINNET_SHAPE if args.day_mainnet_shape else None))
            if args.json:
                args.json.write_text(json.dumps(runs, indent=2, default=str))
        print(render(daybuild_table(runs)))
        print(f"\nmachine: {machine()}")
        return 0
    if args.case == "history":
        points = [int(d) for d in args.history_days.split(",")]
        print(f"history: {args.history_validators:,} validators network-wide, checkpoints {points} days ...", file=sys.stderr, flush=True)
        run = day_history(args.history_validators, points)
        if args.json:
            args.json.write_text(json.dumps(run, indent=2, default=str))
        print(render(history_table(run)))
        print(f"\nmachine: {machine()}")
        return 0
    if args.epoch_child:
        validators, url, chain_file = args.epoch_child
        print(json.dumps(_epoch_child(int(validators), url, chain_file)))
        return 0
    select, slot_seconds = None, 192  # the simnet's default: 450 slots (56.25 epochs) a day
    n, checkpoints = args.validators, [int(p) for p in args.periods.split(",")]
    epochs = [int(v) for v in args.epoch_validators.split(",")]
    if args.smoke:  # a day of 90 slots, two epochs of history, builds of one model
        n, checkpoints, select, slot_seconds, epochs = 32, [1, 3], ["stg_registry__chains"], 960, [1000, 4000]
    results: dict[str, Any] = {"machine": None}
    if args.case == "million":  # opt-in: hours on 2 cores
        print("million: one network-wide day of 1,000,000 validators ...", file=sys.stderr, flush=True)
        results["ingest"] = [ethereum_day(1_000_000, build=False, build_select=None)]
        results["epoch"] = [network_epoch(1_000_000)]
    else:
        print(f"ingest: {n:,} and {4 * n:,} validators, one network-wide day ...", file=sys.stderr, flush=True)
        results["ingest"] = [ethereum_day(v, build=not args.smoke, build_select=select, seconds_per_slot=slot_seconds)
                             for v in (n, 4 * n)]
        print(f"epoch: one epoch of {epochs[0]:,} and {epochs[1]:,} validators ...", file=sys.stderr, flush=True)
        results["epoch"] = [network_epoch(v) for v in epochs]
        print(f"periods: Solana history checkpoints {checkpoints} ...", file=sys.stderr, flush=True)
        results["periods"] = build_periods(checkpoints, select)
    results["machine"] = machine()
    results["replayed"] = REPLAYED if REPLAY_DIR else None
    rows = table(results)
    print(render(rows))
    print(f"\nmachine: {results['machine']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
