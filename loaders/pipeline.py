"""dlt pipelines bound to the Aurora warehouse, and how a load package reaches it safely.

Every package goes through `load_package`: extract, normalize, then the load step under the
dataset's commit lock, each stage written down in `aurora_control.loads`. dlt merges a package
table by table, each in its own transaction, and writes `_dlt_loads` (status 0) only when all are
in, so between the first merge and that row a period is half merged. Three things keep that out
of sight:
- staging reads only rows of completed loads (`completed_rows`, dbt_project/macros);
- a build takes every dataset's commit lock shared, so no load step runs while it reads;
- a load step that did not finish (killed, connection lost) stays `committing` in the control
  table, and no build runs while one does (`unfinished_loads`, and the dbt on-run-start check)
  until the package is finished: by the next load of that pipeline, or by `aurora build`.

A package that cannot be finished (files missing or corrupt, a job the warehouse refuses) is
discarded with a message, its pipeline's local state rewound to the warehouse's, and, when it
had begun writing, its period planned again (`abandoned` until a later load of it completes).
Loaded packages are deleted from disk: the warehouse keeps what they held.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
import sys
import weakref
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

import dlt
import psycopg2

from loaders import faults, sessions
from loaders.bulk import APPEND_TABLES, configure_dlt
from loaders.locks import commit_lock_name, holding, pipeline_lock_name
from loaders.warehouse import Warehouse, aurora_home

CONTROL_SCHEMA = "aurora_control"
LOADS_TABLE = f"{CONTROL_SCHEMA}.loads"

_warehouses: "weakref.WeakKeyDictionary[dlt.Pipeline, Warehouse]" = weakref.WeakKeyDictionary()
_synced: "weakref.WeakSet[dlt.Pipeline]" = weakref.WeakSet()


class LoadError(Exception):
    """A load that could not complete; the message says what is visible and what to do."""


class WarehouseLost(LoadError):
    pass


def notice(message: str) -> None:
    """What a run tells its user about recovery: on stderr, beside the run's own output."""
    print(f"note: {message}", file=sys.stderr, flush=True)


def pipelines_dir() -> str:
    """Where dlt keeps pipeline state: $AURORA_PIPELINES_DIR, else $AURORA_HOME/dlt."""
    return os.environ.get("AURORA_PIPELINES_DIR") or str(aurora_home() / "dlt")


def ensure_private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can enter (0700). dlt keeps a copy of every loaded row
    there (load packages, traces); files it already holds lose their group and other bits once,
    when the directory is first found open (an install older than this check)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                entry = os.path.join(root, name)
                if not os.path.islink(entry):
                    os.chmod(entry, stat.S_IMODE(os.lstat(entry).st_mode) & 0o700)
        os.chmod(path, 0o700)
    return path


def make_pipeline(name: str, dataset: str, warehouse: Warehouse) -> dlt.Pipeline:
    """A pipeline whose state lives in pipelines_dir() and whose data lands in `dataset`."""
    configure_dlt()
    destination = dlt.destinations.postgres(credentials=warehouse.dlt_credentials())
    pipeline = dlt.pipeline(
        pipeline_name=name,
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=str(ensure_private_dir(Path(pipelines_dir()))),
    )
    _warehouses[pipeline] = warehouse
    return pipeline


def warehouse_of(pipeline: dlt.Pipeline) -> Warehouse:
    return _warehouses[pipeline]


def known_pipelines() -> list[tuple[str, str]]:
    """(pipeline, dataset) of every pipeline Aurora loads with."""
    from loaders.books.settings import DATASET as BOOKS_DATASET, PIPELINE as BOOKS_PIPELINE
    from loaders.ethereum.settings import DATASET as ETHEREUM_DATASET, PIPELINE as ETHEREUM_PIPELINE
    from loaders.prices.settings import DATASET as PRICES_DATASET, PIPELINE as PRICES_PIPELINE
    from loaders.registry.settings import DATASET as REGISTRY_DATASET, PIPELINE as REGISTRY_PIPELINE
    from loaders.solana.settings import DATASET as SOLANA_DATASET, PIPELINE as SOLANA_PIPELINE

    return [(REGISTRY_PIPELINE, REGISTRY_DATASET), (BOOKS_PIPELINE, BOOKS_DATASET), (SOLANA_PIPELINE, SOLANA_DATASET),
            (ETHEREUM_PIPELINE, ETHEREUM_DATASET), (PRICES_PIPELINE, PRICES_DATASET)]


# ---------------------------------------------------------------- the control table
def ensure_control_table(cur) -> None:
    cur.execute(f"create schema if not exists {CONTROL_SCHEMA}")
    cur.execute(f"""
        create table if not exists {LOADS_TABLE} (
            pipeline text not null,
            load_id text not null,
            dataset text not null,
            chain text,
            period_id text,           -- the period the package holds; null: snapshots, registry, prices
            state text not null,      -- extracted | committing | loaded | discarded | abandoned
            message text,
            created_at timestamptz not null default now(),
            updated_at timestamptz not null default now(),
            primary key (pipeline, load_id)
        )""")


@contextmanager
def _cursor(warehouse: Warehouse):
    """A cursor on a new connection, committed and closed at the end."""
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            yield cur
    finally:
        conn.close()


def _record(warehouse: Warehouse, pipeline: dlt.Pipeline, load_ids, state: str, *, chain: str | None = None,
            period: str | None = None, message: str | None = None) -> None:
    with _cursor(warehouse) as cur:
        ensure_control_table(cur)
        for load_id in load_ids:
            cur.execute(
                f"""insert into {LOADS_TABLE} (pipeline, load_id, dataset, chain, period_id, state, message)
                    values (%s, %s, %s, %s, %s, %s, %s)
                    on conflict (pipeline, load_id) do update
                    set state = excluded.state, message = coalesce(excluded.message, {LOADS_TABLE}.message),
                        chain = coalesce({LOADS_TABLE}.chain, excluded.chain),
                        period_id = coalesce({LOADS_TABLE}.period_id, excluded.period_id), updated_at = now()""",
                (pipeline.pipeline_name, load_id, pipeline.dataset_name, chain, period, state, message),
            )


def _recorded(warehouse: Warehouse, pipeline_name: str, load_id: str) -> tuple[str | None, str | None, str | None]:
    """(chain, period, state) the control table has for a package, or Nones."""
    try:
        with _cursor(warehouse) as cur:
            cur.execute(f"select chain, period_id, state from {LOADS_TABLE} where pipeline = %s and load_id = %s",
                        (pipeline_name, load_id))
            row = cur.fetchone()
    except psycopg2.errors.UndefinedTable:
        return None, None, None
    return row if row else (None, None, None)


@dataclass
class Unfinished:
    pipeline: str
    dataset: str
    load_id: str
    chain: str | None
    period_id: str | None
    state: str

    def describe(self) -> str:
        what = f"{self.chain or self.pipeline} {'period ' + self.period_id if self.period_id else 'snapshot'}"
        if self.state == "committing":
            return f"{what}: load {self.load_id} stopped half written (its package is in {pipelines_dir()}/{self.pipeline})"
        return f"{what}: load {self.load_id} was discarded half written; the period is reloaded by the next run of {self.chain or self.pipeline}"


def unfinished_loads(warehouse: Warehouse) -> list[Unfinished]:
    """Loads a build must not read around: a load step that began and did not complete (dlt has
    no `_dlt_loads` row with status 0 for it), or a discarded one whose period has not been
    loaded completely since. A completed load still marked committing (killed between dlt's last
    write and ours) is marked loaded here."""
    with _cursor(warehouse) as cur:
        cur.execute("select to_regclass(%s)", (LOADS_TABLE,))
        if cur.fetchone()[0] is None:
            return []
        cur.execute(f"""
            select l.pipeline, l.dataset, l.load_id, l.chain, l.period_id, l.state
            from {LOADS_TABLE} as l
            where l.state = 'committing'
               or (l.state = 'abandoned' and not exists (
                    select 1 from {LOADS_TABLE} as later
                    where later.pipeline = l.pipeline and later.state = 'loaded' and later.created_at > l.created_at
                      and later.chain is not distinct from l.chain and later.period_id is not distinct from l.period_id))
            order by l.created_at""")
        rows = [Unfinished(*r) for r in cur.fetchall()]
        out = []
        for row in rows:
            if row.state == "committing" and _completed(cur, row.dataset, row.load_id):
                cur.execute(f"update {LOADS_TABLE} set state = 'loaded', updated_at = now() where pipeline = %s and load_id = %s",
                            (row.pipeline, row.load_id))
                continue
            out.append(row)
    return out


def _completed(cur, dataset: str, load_id: str) -> bool:
    cur.execute("select to_regclass(%s)", (f'"{dataset}"._dlt_loads',))
    if cur.fetchone()[0] is None:
        return False
    cur.execute(f'select 1 from "{dataset}"._dlt_loads where load_id = %s and status = 0', (load_id,))
    return cur.fetchone() is not None


def periods_to_reload(warehouse: Warehouse, pipeline_name: str, chain: str) -> dict[str, str]:
    """load id -> period of discarded half-written loads not reloaded since: the next run plans them."""
    return {u.load_id: u.period_id for u in unfinished_loads(warehouse)
            if u.pipeline == pipeline_name and u.chain == chain and u.state == "abandoned" and u.period_id}


# ---------------------------------------------------------------- loading a package
def load_package(pipeline: dlt.Pipeline, source, *, chain: str | None = None, period: str | None = None,
                 say: Callable[[str], None] | None = None, mode: str | None = None,
                 shares_keys_with: tuple[str, ...] = ()) -> None:
    """Extract, normalize and commit one package, after finishing whatever an interrupted run
    left in this pipeline; holds the pipeline's lock throughout (another process waits).
    `mode` is the planner's (loaders/progress.py): a `new` or `range` period appends its
    APPEND_TABLES (`first_write_appends`) when no package of it, nor of any period in
    `shares_keys_with` (periods whose packages can hold the same keys), was ever recorded;
    otherwise, and on every reload (`pending`, `heal`), they merge."""
    warehouse = warehouse_of(pipeline)
    with holding(warehouse, pipeline_lock_name(pipeline.pipeline_name), wait=True, on_wait=say or notice):
        finish_pending(pipeline, say=say or notice)
        # After finishing: syncing first could drop pending packages with the local files.
        _sync_once(pipeline)
        if mode in ("new", "range") and chain and period and not any(
                period_ever_loaded(warehouse, pipeline.pipeline_name, pipeline.dataset_name, chain, p)
                for p in (period, *shares_keys_with)):
            first_write_appends(source)
        faults.scope = f"{chain}/{period or 'snapshot'}" if chain else pipeline.pipeline_name
        try:
            info = pipeline.extract(source)
        except Exception as exc:
            raise _disk_error(pipeline, exc) or exc
        load_ids = list(info.loads_ids)
        _record(warehouse, pipeline, load_ids, "extracted", chain=chain, period=period)
        faults.reached("normalize")
        try:
            pipeline.normalize()
        except Exception as exc:
            raise _disk_error(pipeline, exc) or exc
        _commit(pipeline)


def period_ever_loaded(warehouse: Warehouse, pipeline_name: str, dataset: str, chain: str, period: str) -> bool:
    """Whether any package of this period was ever recorded, in any state (loaded, discarded,
    abandoned, or one an interrupted run left and `finish_pending` just finished), or the
    dataset's `period_loads` holds a row of it from any load, completed or not. Only a period
    with neither can hold no row in a raw table, visible or not. Ask with the pipeline's lock
    held: then no other load of the pipeline is between its stages."""
    from loaders.progress import PERIOD_LOADS

    with _cursor(warehouse) as cur:
        for sql, args in (
            (f"select 1 from {LOADS_TABLE} where pipeline = %s and chain = %s and period_id = %s limit 1",
             (pipeline_name, chain, period)),
            (f'select 1 from "{dataset}".{PERIOD_LOADS} where chain = %s and period_id = %s limit 1', (chain, period)),
        ):
            cur.execute("savepoint probe")
            try:
                cur.execute(sql, args)
            except psycopg2.errors.UndefinedTable:
                cur.execute("rollback to savepoint probe")
                continue
            if cur.fetchone() is not None:
                return True
    return False


def first_write_appends(source) -> None:
    """The package's APPEND_TABLES load with write disposition `append`: dlt COPYs their file
    straight into the raw table (no staging table, no delete of existing keys: neither the period
    nor a period sharing its keys was ever loaded, and the resource keeps one row a key). A merge
    would COPY into a staging table, then `DELETE ... WHERE EXISTS` over the whole raw table.
    Rows of an interrupted append stay invisible (staging reads completed loads only), and any
    later load of the period, or of a period sharing its keys, finds this package recorded and
    merges, replacing them."""
    for resource in source.resources.values():
        if resource.name in APPEND_TABLES:
            resource.apply_hints(write_disposition="append")


def _disk_error(pipeline: dlt.Pipeline, exc: BaseException) -> LoadError | None:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
            return LoadError(
                f"a disk is full ({cause}; Aurora writes under {aurora_home()}); nothing of this package reached "
                f"the warehouse. Free some space and run again: the next run starts this period over.")
        cause = cause.__cause__ or cause.__context__
    return None


def _commit(pipeline: dlt.Pipeline) -> None:
    """The load step of every normalized package, under the dataset's commit lock."""
    warehouse = warehouse_of(pipeline)
    load_ids = list(pipeline.list_normalized_load_packages())
    if not load_ids:
        return
    faults.install_merge_hook()
    with holding(warehouse, commit_lock_name(pipeline.dataset_name), wait=True):
        _record(warehouse, pipeline, load_ids, "committing")
        faults.reached("commit")
        try:
            with sessions.dlt_reused():  # the jobs hand their sessions on (loaders/sessions.py)
                pipeline.load()
        except Exception as exc:
            raise _load_failed(pipeline, load_ids, exc) from exc
        _record(warehouse, pipeline, load_ids, "loaded")
    prune_loaded_packages(pipeline)


def _load_failed(pipeline: dlt.Pipeline, load_ids: list[str], exc: BaseException) -> LoadError:
    warehouse = warehouse_of(pipeline)
    reason = _root(exc)
    if _connection_lost(exc) or not reachable(warehouse):
        return WarehouseLost(
            f"lost the connection to the warehouse while loading {pipeline.pipeline_name} package {', '.join(load_ids)}: "
            f"{reason}. What it wrote stays invisible: builds wait until the package is finished, "
            f"which the next run (or `aurora build`) does.")
    pending = set(pipeline.list_normalized_load_packages())
    if pending & set(load_ids):
        return LoadError(f"loading {pipeline.pipeline_name} package {', '.join(load_ids)} failed: {reason}. "
                         "It stays pending (builds wait for it); the next run retries it, and discards it if it fails again.")
    # dlt aborted the package (a job the warehouse refused) and rewound the local state.
    _record(warehouse, pipeline, load_ids, "abandoned", message=reason[:500])
    return LoadError(f"the warehouse refused {pipeline.pipeline_name} package {', '.join(load_ids)}: {reason}. "
                     "It was discarded; its period is loaded again by the next run.")


def _connection_lost(exc: BaseException) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, (psycopg2.OperationalError, psycopg2.InterfaceError)):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _root(exc: BaseException) -> str:
    cause = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__
    return f"{type(cause).__name__}: {str(cause).strip()}"


def reachable(warehouse: Warehouse) -> bool:
    try:
        conn = warehouse.connect()
        conn.close()
        return True
    except psycopg2.Error:
        return False


def _sync_once(pipeline: dlt.Pipeline) -> None:
    """What dlt's `run` does before extracting, once per pipeline object: take the warehouse's
    state and schemas when newer, and drop local files that belong to a dataset the warehouse
    does not have (another warehouse's, or a dropped one's)."""
    if pipeline in _synced:
        return
    pipeline.sync_destination()
    _synced.add(pipeline)


def finish_pending(pipeline: dlt.Pipeline, say: Callable[[str], None] | None = None) -> None:
    """Finish the packages an interrupted run left (normalize, load), or discard them when they
    cannot be finished. Call with the pipeline's lock held."""
    extracted = list(pipeline.list_extracted_load_packages())
    normalized = list(pipeline.list_normalized_load_packages())
    warehouse = warehouse_of(pipeline)
    _settle_vanished(pipeline, set(extracted) | set(normalized))
    if not extracted and not normalized:
        return
    pending = sorted(set(extracted) | set(normalized))
    if say:
        say(f"{pipeline.pipeline_name}: finishing {len(pending)} load package(s) an interrupted run left: {', '.join(pending)}")
    try:
        if extracted:
            pipeline.normalize()
        _commit(pipeline)
    except WarehouseLost:
        raise
    except Exception as exc:
        if _connection_lost(exc) or not reachable(warehouse):
            raise WarehouseLost(f"the warehouse is unreachable ({_root(exc)}); the pending package(s) "
                                f"{', '.join(pending)} of {pipeline.pipeline_name} stay for the next run") from exc
        discard_pending(pipeline, pending, reason=_root(exc), say=say)


def _settle_vanished(pipeline: dlt.Pipeline, on_disk: set[str]) -> None:
    """Packages the control table has as unfinished but that are not on disk any more (deleted,
    or dropped with the local files): completed after all, or discarded, or, when their load
    step had begun, abandoned (their period is loaded again). Call with the pipeline's lock held:
    then no load of this pipeline is between its stages."""
    warehouse = warehouse_of(pipeline)
    try:
        with _cursor(warehouse) as cur:
            cur.execute(f"select load_id, state from {LOADS_TABLE} where pipeline = %s and state in ('extracted', 'committing')",
                        (pipeline.pipeline_name,))
            rows = [(load_id, state) for load_id, state in cur.fetchall() if load_id not in on_disk]
            for load_id, state in rows:
                if _completed(cur, pipeline.dataset_name, load_id):
                    settled, message = "loaded", None
                else:
                    settled = "abandoned" if state == "committing" else "discarded"
                    message = f"its package is no longer in {pipelines_dir()}/{pipeline.pipeline_name}"
                cur.execute(f"update {LOADS_TABLE} set state = %s, message = coalesce(%s, message), updated_at = now() "
                            "where pipeline = %s and load_id = %s", (settled, message, pipeline.pipeline_name, load_id))
    except psycopg2.errors.UndefinedTable:
        return


def discard_pending(pipeline: dlt.Pipeline, load_ids: list[str], reason: str, say: Callable[[str], None] | None = None) -> None:
    """Drop the pipeline's pending packages and its local state (restored from the warehouse:
    the state of the last completed load), so nothing half-made blocks later runs."""
    warehouse = warehouse_of(pipeline)
    for load_id in load_ids:
        chain, period, state = _recorded(warehouse, pipeline.pipeline_name, load_id)
        # Once a load step began, rows of the package may sit in raw tables (hidden, not being
        # of a completed load) where merged rows of its period were: reload that period.
        _record(warehouse, pipeline, [load_id], "abandoned" if state == "committing" else "discarded", message=reason[:500])
    if say:
        say(f"{pipeline.pipeline_name}: discarded load package(s) {', '.join(load_ids)} that could not be finished ({reason}); "
            "the periods they held are loaded again")
    pipeline.drop()
    pipeline.activate()
    pipeline.sync_destination()


def prune_loaded_packages(pipeline: dlt.Pipeline) -> int:
    """Delete loaded packages from disk (dlt keeps them forever): the warehouse has their rows."""
    storage = pipeline._get_load_storage()
    loaded = list(storage.list_loaded_packages())
    for load_id in loaded:
        storage.delete_loaded_package(load_id)
    return len(loaded)


def recover_pipeline(warehouse: Warehouse, family: str, say: Callable[[str], None] | None = None) -> None:
    """Finish or discard what an interrupted run left in the pipeline of a chain family (waits
    for the pipeline's lock)."""
    from loaders.ethereum.settings import DATASET as ETHEREUM_DATASET, PIPELINE as ETHEREUM_PIPELINE
    from loaders.solana.settings import DATASET as SOLANA_DATASET, PIPELINE as SOLANA_PIPELINE

    name, dataset = {"solana": (SOLANA_PIPELINE, SOLANA_DATASET), "ethereum": (ETHEREUM_PIPELINE, ETHEREUM_DATASET)}[family]
    if os.path.isdir(os.path.join(pipelines_dir(), name)):
        with holding(warehouse, pipeline_lock_name(name), wait=True, on_wait=say):
            finish_pending(make_pipeline(name, dataset, warehouse), say=say)


def recover_all(warehouse: Warehouse, say: Callable[[str], None] | None = None) -> None:
    """Finish or discard the pending packages of every pipeline no other process is using."""
    from loaders.locks import WarehouseLock

    for name, dataset in known_pipelines():
        if not os.path.isdir(os.path.join(pipelines_dir(), name)):
            continue
        lock = WarehouseLock(warehouse, pipeline_lock_name(name))
        if not lock.try_acquire():
            continue  # a run is using it, and finishes what it left itself
        try:
            # Attaching a dlt pipeline reads its state and schemas (five: 0.56 s of CPU in a new
            # process, 0.17 s after), and every build looks at all five: only one with something
            # to finish is attached (checked under its lock, so nothing can appear meanwhile).
            finish_if_pending(warehouse, name, dataset, say=say)
        finally:
            lock.release()


def finish_if_pending(warehouse: Warehouse, name: str, dataset: str, say: Callable[[str], None] | None = None) -> None:
    """finish_pending for the pipeline, attached only when it has something pending. Call with
    the pipeline's lock held."""
    if has_pending(warehouse, name):
        finish_pending(make_pipeline(name, dataset, warehouse), say=say)


def has_pending(warehouse: Warehouse, name: str) -> bool:
    """Whether finish_pending would find anything to do for the pipeline: a package on disk not
    yet loaded, or one the control table has as unfinished. Read without attaching the pipeline
    (dlt reads its state and schemas for that). Call with the pipeline's lock held."""
    return _packages_on_disk(name) or _unsettled_loads(warehouse, name)


def _packages_on_disk(name: str) -> bool:
    """Whether the pipeline's working directory holds a package that is not loaded: extracted,
    being normalized, or normalized (dlt's folders, as list_extracted_load_packages and
    list_normalized_load_packages read them)."""
    root = os.path.join(pipelines_dir(), name)
    for folder in (("normalize", "extracted"), ("load", "new"), ("load", "normalized")):
        try:
            with os.scandir(os.path.join(root, *folder)) as entries:
                if any(True for _ in entries):
                    return True
        except FileNotFoundError:
            continue
    return False


def _unsettled_loads(warehouse: Warehouse, name: str) -> bool:
    """Whether the control table has a package of the pipeline as not yet finished (extracted or
    committing): finish_pending settles those whose files are gone."""
    try:
        with _cursor(warehouse) as cur:
            cur.execute(f"select 1 from {LOADS_TABLE} where pipeline = %s and state in ('extracted', 'committing') limit 1",
                        (name,))
            return cur.fetchone() is not None
    except psycopg2.errors.UndefinedTable:
        return False
