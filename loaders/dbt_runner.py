"""Run dbt in-process against the Aurora warehouse and report the outcome plainly.

A build holds the `dbt` lock (one build at a time), finishes the load packages interrupted runs
left, then holds every raw dataset's commit lock shared while dbt runs: no load step writes
under it, so no build sees a package half merged (loaders/pipeline.py).
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from loaders import dbt_events, faults, jinja_compiled, manifest_once, sessions, type_testers
from loaders.locks import DBT_LOCK, WarehouseLock, commit_lock_name
from loaders.warehouse import Warehouse, aurora_home, project_root

if TYPE_CHECKING:
    from loaders.dbt_worker import DbtWorker

# How long a build waits for a running load to finish the package it left half written.
PENDING_WAIT_SECONDS = 600


@dataclass
class NodeResult:
    name: str
    resource_type: str
    status: str
    message: str
    failures: int | None = None


@dataclass
class DbtOutcome:
    command: str
    success: bool
    seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None  # why dbt did not run (a whole build with nothing new), said as a sentence

    def counts(self) -> Counter:
        return Counter(node.status for node in self.nodes)

    def problems(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in ("error", "fail", "warn", "runtime error")]


@dataclass
class Invoked:
    """What one dbt invocation left, as plain values: it may have run in a worker process
    (loaders/dbt_worker.py), whose dbt objects never reach this one."""
    success: bool
    error: str | None
    nodes: list[NodeResult]
    relations: list[str]  # the models, seeds and snapshots it built (build_state.built_relations)
    all_passed: bool  # every result passed, succeeded or was a no-op


def invoked_from(result) -> Invoked:
    """An `Invoked` from a dbtRunnerResult."""
    from loaders import build_state

    results = getattr(result.result, "results", None) or []
    nodes = []
    for item in results:
        node = getattr(item, "node", None)
        nodes.append(NodeResult(name=getattr(node, "name", "?"), resource_type=str(getattr(node, "resource_type", "?")),
                                status=str(item.status), message=str(item.message or ""),
                                failures=getattr(item, "failures", None)))
    return Invoked(success=bool(result.success), error=str(result.exception) if result.exception else None, nodes=nodes,
                   relations=build_state.built_relations(results),
                   all_passed=all(str(getattr(item, "status", "")) in ("pass", "success", "no-op") for item in results))


def dbt_flags(quiet: bool = False) -> list[str]:
    """The flags every Aurora invocation of dbt ends with."""
    flags = ["--project-dir", str(dbt_project_dir()), "--profiles-dir", str(project_root())]
    return [*flags, "--quiet"] if quiet else flags


@contextmanager
def invoking(args: list[str]) -> Iterator[None]:
    """What every dbt invocation of Aurora runs within: debug events not built unless recorded,
    sessions reused, compiled Jinja kept between builds, the manifest written once."""
    with dbt_events.skipped(not dbt_events.debug_recorded(args)), sessions.dbt_reused(), \
            jinja_compiled.kept(store=jinja_code_store()), manifest_once.at_run_end(args[0] if args else None):
        yield


def invoke(args: list[str], manifest=None) -> Invoked:
    """`dbt <args>` in this process (within `invoking`), from `manifest` when one is given
    (a manifest parsed from the same project, profile and environment)."""
    from dbt.cli.main import dbtRunner

    return invoked_from(dbtRunner(manifest=manifest, callbacks=[_node_finished]).invoke(args))


def dbt_project_dir() -> Path:
    return project_root() / "dbt_project"


def dbt_env(warehouse: Warehouse) -> dict[str, str]:
    env = warehouse.env()
    env.update(
        {
            "DBT_PROJECT_DIR": str(dbt_project_dir()),
            # Artifacts stay out of the checkout: they are runtime output.
            "DBT_TARGET_PATH": str(aurora_home() / "dbt" / "target"),
            "DBT_LOG_PATH": str(aurora_home() / "dbt" / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            # dbt's log file at info level: each node's start and result, every error in full.
            # dbt's default, debug, adds every SQL statement and connection event; writing those
            # lines cost a forced build of the demo warehouse 18.3 s of CPU against 16.9 s.
            # DBT_LOG_LEVEL_FILE set in the environment (debug, to see the SQL) is kept.
            "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE") or "info",
            # Views built from this very project are left standing (macros/materialize_view.sql).
            "AURORA_PROJECT_FINGERPRINT": project_fingerprint(),
        }
    )
    return env


def prepare_worker(worker: DbtWorker, warehouse: Warehouse, heal: bool = False) -> None:
    """Give a worker (loaders/dbt_worker.py) the environment a build with `heal` will run dbt
    under on this warehouse (run_dbt's): it parses the project under it while the build checks."""
    env = {**os.environ, **dbt_env(warehouse)}
    _set_heal(env, heal)
    worker.environment(env)


def jinja_code_store() -> Path:
    """The Jinja code dbt's texts compiled to, kept for the next build (loaders/jinja_compiled.py)."""
    return aurora_home() / "dbt" / "jinja_code.bin"


def project_fingerprint() -> str:
    """sha256 of every file of the dbt project (its runtime output excluded) and the dbt version:
    equal fingerprints compile every model and unit test to the same SQL for the same vars."""
    import hashlib

    # dbt/__version__.py alone: `dbt.version` imports requests and dbt_common (0.28 s), and a
    # build that finds nothing new never needs them.
    from dbt.__version__ import version as dbt_version

    root = dbt_project_dir()
    digest = hashlib.sha256(f"dbt {dbt_version}\n".encode())
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root)
        if relative.parts[0] in ("target", "logs", "dbt_packages"):
            continue
        digest.update(f"{relative.as_posix()}\n".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# What `aurora build --heal` sets for its dbt (macros/heal_requested.sql).
HEAL_ENV = "AURORA_DBT_HEAL"

# Unit tests check the project's SQL against fixed fixtures: their outcome depends on the
# project and the server, never on the warehouse's data. A whole `aurora build` runs them until
# they have all passed once for this project fingerprint on this warehouse, then skips them.
# AURORA_DBT_UNIT_TESTS=once (that, the default) | always | never: `never` leaves them to a
# separate check (the test suite runs them in one build, not in every new warehouse's first).
UNIT_TESTS_TABLE = "aurora_control.unit_tests_passed"
UNIT_TESTS_MODES = ("once", "always", "never")


def unit_tests_mode() -> str:
    mode = os.environ.get("AURORA_DBT_UNIT_TESTS", "once").strip().lower() or "once"
    if mode not in UNIT_TESTS_MODES:
        raise ValueError(f"AURORA_DBT_UNIT_TESTS: {mode!r} is not one of {', '.join(UNIT_TESTS_MODES)}")
    return mode


def _unit_tests_passed(warehouse: Warehouse, fingerprint: str) -> bool:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (UNIT_TESTS_TABLE,))
        if not cur.fetchone()[0]:
            return False
        cur.execute(f"select 1 from {UNIT_TESTS_TABLE} where fingerprint = %s", (fingerprint,))
        return cur.fetchone() is not None


def _record_unit_tests_passed(warehouse: Warehouse, fingerprint: str) -> None:
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("create schema if not exists aurora_control")
            cur.execute(f"create table if not exists {UNIT_TESTS_TABLE} (fingerprint text primary key, "
                        "passed_at timestamptz not null default now())")
            cur.execute(f"insert into {UNIT_TESTS_TABLE} (fingerprint) values (%s) on conflict do nothing", (fingerprint,))
    finally:
        conn.close()


def _tests_clean_after_selection(warehouse: Warehouse, invoked: Invoked) -> None:
    """After a build of what changed (loaders/build_state.py) in which every node passed: the data
    tests are as clean as they were when it started (on-run-start kept that in
    `scoped_invocation`; the project's on-run-end marks only an unselected build clean). Every test
    it did not run would read what it read, and passed, in the last whole build."""
    if invoked.all_passed:
        _set_tests_clean(warehouse, "true where scoped_invocation is not null")


def _forget_tests_clean(warehouse: Warehouse) -> None:
    """`--force`: the build tests every period, as after a failed build (macros/tested_periods.sql)."""
    _set_tests_clean(warehouse, "false")


def _set_tests_clean(warehouse: Warehouse, assignment: str) -> None:
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select to_regclass('aurora_control.data_tests_clean') is not null")
            if cur.fetchone()[0]:
                cur.execute(f"update aurora_control.data_tests_clean set clean = {assignment}")
    finally:
        conn.close()


# dbt commands that write nothing to the warehouse's models: they leave the last build's record.
READ_ONLY_COMMANDS = frozenset({"compile", "docs", "ls", "list", "parse", "debug", "show", "clean", "deps"})


def analyze_changed_raw(warehouse: Warehouse) -> list[str]:
    """ANALYZE the tables of every dlt dataset that changed since their statistics were taken, or
    never had any (a `_dlt_loads` of a few rows stays under autovacuum's threshold for good).
    Every staging model filters on `_dlt_loads`: without statistics the planner expects a couple
    of rows where there are thousands and nests loops over whole-history views. Statistics change
    plans, never results. Returns the tables analyzed."""
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("""
            select format('%I.%I', s.schemaname, s.relname) from pg_stat_user_tables as s
            join pg_class as c on c.oid = s.relid
            where s.schemaname in (select table_schema from information_schema.tables
                                   where table_name = '_dlt_loads' and table_type = 'BASE TABLE')
              and (s.n_mod_since_analyze > 0 or c.reltuples < 0)
            order by 1""")
        tables = [r[0] for r in cur.fetchall()]
        for table in tables:
            cur.execute(f"analyze {table}")
    return tables


class BuildRefused(Exception):
    """A build that would read a half-written load; the message names it and what to do."""


_held = threading.local()


@contextmanager
def dbt_lock(warehouse: Warehouse, wait: bool = True, say: Callable[[str], None] | None = None) -> Iterator[None]:
    """The one-build-at-a-time lock; re-entrant within a process (a command that loads the
    registry under it, then builds, takes it once). Raises LockBusy without `wait`."""
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    lock = WarehouseLock(warehouse, DBT_LOCK)
    lock.acquire(wait=wait, on_wait=say)
    _held.depth = 1
    try:
        yield
    finally:
        _held.depth = 0
        lock.release()


@contextmanager
def reading_raw(warehouse: Warehouse, say: Callable[[str], None] | None = None) -> Iterator[None]:
    """Finish what interrupted loads left, then hold every raw dataset's commit lock shared.
    A package still half written after that (a running load will finish it: wait; nothing here
    can: refuse) keeps the build from starting."""
    from loaders.pipeline import known_pipelines, recover_all, unfinished_loads

    started = time.monotonic()
    told = False
    while True:
        recover_all(warehouse, say=say)
        locks = [WarehouseLock(warehouse, commit_lock_name(dataset), shared=True) for _, dataset in known_pipelines()]
        try:
            for lock in locks:
                lock.acquire(wait=True, on_wait=say)
            unfinished = unfinished_loads(warehouse)
            if not unfinished:
                yield
                return
        finally:
            for lock in locks:
                lock.release()
        busy = [u for u in unfinished if u.state == "committing" and _pipeline_busy(warehouse, u.pipeline)]
        if len(busy) < len(unfinished) or time.monotonic() - started > PENDING_WAIT_SECONDS:
            raise BuildRefused("not building: a raw load is half written, and building now would show its period half merged.\n  "
                               + "\n  ".join(u.describe() for u in unfinished))
        if say and not told:
            say("waiting for a running load to finish the package it left half written: "
                + "; ".join(u.describe() for u in busy))
            told = True
        time.sleep(1.0)


def _pipeline_busy(warehouse: Warehouse, pipeline: str) -> bool:
    from loaders.locks import pipeline_lock_name

    lock = WarehouseLock(warehouse, pipeline_lock_name(pipeline))
    if lock.try_acquire():
        lock.release()
        return False
    return True


def run_dbt(warehouse: Warehouse, args: list[str], quiet: bool = False, wait: bool = True,
            say: Callable[[str], None] | None = None, force: bool = False, heal: bool = False,
            worker: DbtWorker | None = None) -> DbtOutcome:
    """Invoke `dbt <args>` with the warehouse's connection, under the build's locks (raises
    LockBusy when another build runs and not `wait`, BuildRefused when a load is half written);
    never raises for model failures. A whole build that would read exactly what the last
    successful one read does not run dbt (loaders/build_state.py) unless `force`; one after new
    loads of some datasets only builds what those datasets feed. `heal` re-processes every period
    (macros/heal_requested.sql); it is one of the settings a build's record keeps. `worker`
    (loaders/dbt_worker.py, given this warehouse and `heal` by `prepare_worker`) runs dbt when it
    takes these arguments and `quiet`; this function never closes it."""
    from loaders import build_state

    os.environ.update(dbt_env(warehouse))
    flags = dbt_flags(quiet)
    fingerprint = os.environ["AURORA_PROJECT_FINGERPRINT"]
    state_args = build_state.whole_build_args(args)
    whole_build = state_args is not None
    started = time.monotonic()
    mode = unit_tests_mode()
    if worker is not None and not worker.takes(args, flags):
        worker = None
    with _healing(heal), dbt_lock(warehouse, wait=wait, say=say), reading_raw(warehouse, say=say):
        state = build_state.current_state(warehouse, state_args, fingerprint) if whole_build else None
        selection = None
        if state is not None and not force and "--full-refresh" not in args:
            last = build_state.last_build(warehouse)
            if build_state.unchanged_since(last, state):
                return DbtOutcome(command="dbt " + " ".join(args), success=True, seconds=time.monotonic() - started,
                                  skipped=build_state.nothing_new_message(last))
            if mode != "always":  # `always` runs every unit test in every whole build: no selection
                selection = build_state.changed_sources(last, state, build_state.dbt_sources())
        if selection:
            # What the changed datasets feed; every other node stands as the last whole build left it.
            args = [args[0], "--select", *build_state.selection_args(selection), *args[1:]]
            if say:
                say(f"building what changed since the last build ({' '.join(selection)}; its views stand as they are); "
                    "the rest is as that build left it (aurora build --force builds everything)")
        writes = bool(args) and args[0] not in READ_ONLY_COMMANDS
        if writes:
            build_state.forget(warehouse)
            if force:
                _forget_tests_clean(warehouse)
        # The server analyzes while dbt is imported (in this process, or already in the worker):
        # at 100,000 validators a new day's build spent 1.1 s and 1.7 s on them, one after the
        # other. dbt starts after both.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="analyze") as pool:
            analyzed = pool.submit(analyze_changed_raw, warehouse) if writes else None
            skip_unit_tests = whole_build and mode != "always" and (mode == "never" or _unit_tests_passed(warehouse, fingerprint))
            if worker is None:
                # Imported only now: importing dbt is about half of a skipped build's 5 s.
                import dbt.cli.main  # noqa: F401

                type_testers.install()
        if analyzed is not None:
            analyzed.result()  # raises what the ANALYZE raised
        started = time.monotonic()
        full_args = [*args, *(["--exclude-resource-type", "unit_test"] if skip_unit_tests else []), *flags]
        if worker is not None:
            from loaders.dbt_worker import WorkerDied

            try:
                invoked = worker.run(full_args)
            except WorkerDied as exc:  # killed (out of memory, say): a failed build, said plainly
                invoked = Invoked(success=False, error=str(exc), nodes=[], relations=[], all_passed=False)
        else:
            with invoking(args):
                invoked = invoke(full_args)
        if whole_build and invoked.success:
            if not skip_unit_tests and mode != "never" and not selection:
                _record_unit_tests_passed(warehouse, fingerprint)
            relations = invoked.relations
            if selection:
                relations = sorted(set(relations) | set(last.relations))
                _tests_clean_after_selection(warehouse, invoked)
            build_state.record(warehouse, state, fingerprint, relations)
    return DbtOutcome(command="dbt " + " ".join(args), success=invoked.success, seconds=time.monotonic() - started,
                      nodes=invoked.nodes, error=invoked.error)


def _set_heal(env: MutableMapping[str, str], heal: bool) -> None:
    """AURORA_DBT_HEAL in `env` exactly when the build heals, whatever `env` held."""
    env.pop(HEAL_ENV, None)
    if heal:
        env[HEAL_ENV] = "true"


@contextmanager
def _healing(heal: bool) -> Iterator[None]:
    """AURORA_DBT_HEAL for one build only: set when it heals, unset otherwise (whatever the
    environment held), and unset after it."""
    _set_heal(os.environ, heal)
    try:
        yield
    finally:
        os.environ.pop(HEAL_ENV, None)


def _node_finished(event) -> None:
    if event.info.name == dbt_events.NODE_FINISHED:
        faults.reached("dbt")
