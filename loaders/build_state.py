"""Whether a whole build has anything to do.

A whole `aurora build` (no selection) is a function of what it reads: the dbt project, the dbt
arguments and vars, the environment settings the project reads, and the raw data. No model reads
the clock (no now(), current_date or run_started_at anywhere in dbt_project/), and the raw data a
build can see is the rows of completed dlt loads (macros/completed_rows.sql). So a digest of those
inputs, taken under the build's locks, names the warehouse the build leaves: when it equals the
digest the last successful whole build recorded, and that build's relations are still the ones
standing, dbt would rewrite the same rows and has nothing to do.

What the digest covers:
  - the project fingerprint (every file of dbt_project/ and the dbt version);
  - the whole build's arguments (`--vars` included; `--full-refresh` restates the same rows);
  - the value of every environment variable the project reads (env_var(...) in dbt_project/ and
    profiles.yml), except the connection settings: the record lives in the database they name;
    with AURORA_READER_ROLE set, whether that role exists (the build creates it when missing);
  - per dlt dataset, its completed loads (`_dlt_loads` status 0) and its raw tables' columns; the
    registry and the books, which `aurora registry load` loads again with the same rows (write
    disposition replace; `aurora run` and `aurora build` skip an unchanged load), by the content of
    their completed rows instead.
Not covered, on purpose: `raw_<chain>.http_bodies` (written as bodies arrive and deleted by
`aurora archive prune`, not by dlt), which only the fct_pnl_lineage view reads, live; and
aurora_control (the builds' own bookkeeping and the load states the build refuses on).

The record (`aurora_control.build_state`) is written only after a successful whole build, and
forgotten before any dbt command that writes: a failed, partial or hand-run build leaves no record,
so the next whole build runs (the project's on-run-start forgets it too: macros/build_state.sql).

The record keeps the digest of each dataset apart. When only some datasets changed since it (same
project, arguments, settings, and every relation it left still standing), a whole build needs to
rebuild only what those datasets feed: every other node would read exactly what it read in the
last whole build, which passed, and write the same rows. `changed_sources` names that selection
(`source:<name>+` for each dbt source over a changed dataset); a changed dataset no dbt source
reads, or any doubt, means the whole build. Such a build leaves the warehouse a whole build would
have left, so it is recorded as one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from loaders.warehouse import Warehouse, project_root

STATE_TABLE = "aurora_control.build_state"

# Connection settings choose the database the record is kept in, and dbt's thread count how many
# nodes run at once: neither changes what a build writes.
_NO_EFFECT_ENV = re.compile(r"^(AURORA_PG_.*|AURORA_DBT_THREADS)$")
_ENV_VAR = re.compile(r"""env_var\(\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""")


@dataclass(frozen=True)
class BuildState:
    digest: str
    loads: int  # completed dlt loads, every dataset
    base: str  # the digest of the project, arguments and settings: what is not a dataset's
    datasets: dict[str, str]  # dataset -> the digest of what is read from it


@dataclass(frozen=True)
class LastBuild:
    digest: str
    loads: int
    fingerprint: str
    built_at: datetime
    base: str  # "" in a record written before per-dataset digests
    datasets: dict[str, str]
    relations: tuple[str, ...]
    standing: bool  # every relation it left is still the one standing (same OID)


def whole_build_args(args: list[str]) -> list[str] | None:
    """The arguments a whole build's state is recorded under (`--full-refresh` dropped: it
    restates the same rows), or None when `args` are not a whole `dbt build` (a selection, or
    any other flag)."""
    if not args or args[0] != "build":
        return None
    out, rest = ["build"], args[1:]
    i = 0
    while i < len(rest):
        if rest[i] == "--full-refresh":
            i += 1
        elif rest[i] == "--vars" and i + 1 < len(rest):
            out += rest[i:i + 2]
            i += 2
        else:
            return None
    return out


def dbt_env_names() -> list[str]:
    """The environment variables the dbt project and its profile read, connection settings aside."""
    from loaders.dbt_runner import dbt_project_dir

    names: set[str] = set()
    root = dbt_project_dir()
    files = [project_root() / "profiles.yml"]
    files += [p for p in root.rglob("*") if p.is_file() and p.suffix in (".sql", ".yml", ".yaml")
              and p.relative_to(root).parts[0] not in ("target", "logs", "dbt_packages")]
    for path in files:
        names.update(_ENV_VAR.findall(path.read_text(errors="replace")))
    return sorted(n for n in names if not _NO_EFFECT_ENV.match(n))


def current_state(warehouse: Warehouse, args: list[str], fingerprint: str) -> BuildState:
    """The digest of what a whole build with these arguments would read now (call it under the
    build's locks: no load commits while they are held)."""
    from loaders.books.settings import DATASET as BOOKS_DATASET
    from loaders.registry.settings import DATASET as REGISTRY_DATASET

    base = _Digest()
    base.add("project", fingerprint)
    base.add("args", args)
    for name in dbt_env_names():
        base.add("env", name, os.environ.get(name))
    loads = 0
    parts: dict[str, str] = {}
    with warehouse.connect() as conn, conn.cursor() as cur:
        role = os.environ.get("AURORA_READER_ROLE", "").strip()
        if role:
            cur.execute("select oid::bigint from pg_roles where rolname = %s", (role,))
            base.add("reader role", role, cur.fetchall())
        cur.execute("select table_schema from information_schema.tables "
                    "where table_name = '_dlt_loads' and table_type = 'BASE TABLE' order by 1")
        datasets = [r[0] for r in cur.fetchall()]
        for dataset in datasets:
            part = _Digest()
            cur.execute(f'select load_id from "{dataset}"._dlt_loads where status = 0 order by load_id')
            ids = [r[0] for r in cur.fetchall()]
            loads += len(ids)
            if dataset in (REGISTRY_DATASET, BOOKS_DATASET):
                part.add("content", dataset, _content(cur, dataset))
            else:
                part.add("loads", dataset, ids)
            cur.execute("select table_name, column_name, data_type from information_schema.columns "
                        "where table_schema = %s order by table_name, ordinal_position", (dataset,))
            part.add("columns", dataset, cur.fetchall())
            parts[dataset] = part.hexdigest()
    whole = _Digest()
    whole.add("base", base.hexdigest())
    whole.add("datasets", sorted(parts.items()))
    return BuildState(whole.hexdigest(), loads, base.hexdigest(), parts)


class _Digest:
    def __init__(self) -> None:
        self._sha = hashlib.sha256()

    def add(self, *parts: object) -> None:
        self._sha.update(json.dumps(parts, default=str).encode())
        self._sha.update(b"\n")

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def _content(cur, dataset: str) -> list[tuple[str, str]]:
    """(table, md5 of its rows of completed loads, dlt's own columns left out) per data table."""
    cur.execute("""
        select t.table_name from information_schema.tables as t
        where t.table_schema = %s and t.table_type = 'BASE TABLE' and t.table_name not like '\\_dlt%%'
          and exists (select 1 from information_schema.columns as c
                      where c.table_schema = t.table_schema and c.table_name = t.table_name and c.column_name = '_dlt_load_id')
        order by 1""", (dataset,))
    out = []
    for (table,) in cur.fetchall():
        cur.execute(f"""
            select md5(coalesce(string_agg(r, E'\\n' order by r), ''))
            from (select (to_jsonb(t) - '_dlt_load_id' - '_dlt_id')::text as r from "{dataset}"."{table}" as t
                  where t._dlt_load_id in (select load_id from "{dataset}"._dlt_loads where status = 0)) as rows""")
        out.append((table, cur.fetchone()[0]))
    return out


def last_build(warehouse: Warehouse) -> LastBuild | None:
    """The record of the last successful whole build, if there is one."""
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("select to_regclass(%s) is not null", (STATE_TABLE,))
        if not cur.fetchone()[0]:
            return None
        cur.execute("select count(*) = 2 from information_schema.columns where table_schema = 'aurora_control' "
                    "and table_name = 'build_state' and column_name in ('base', 'datasets')")
        # A record written by an older Aurora has no per-dataset digests: the next build is whole.
        extra = "base, datasets" if cur.fetchone()[0] else "null, null"
        cur.execute(f"select digest, loads, fingerprint, built_at, relations, relation_oids, {extra} from {STATE_TABLE}")
        row = cur.fetchone()
        if row is None:
            return None
        standing = False
        if row[4]:
            cur.execute(_OIDS_SQL, (row[4],))
            standing = cur.fetchone()[0] == row[5]
        return LastBuild(digest=row[0], loads=row[1], fingerprint=row[2], built_at=row[3], base=row[6] or "",
                         datasets=dict(row[7] or {}), relations=tuple(row[4] or ()), standing=standing)


def unchanged_since(last: LastBuild | None, state: BuildState) -> bool:
    """Whether the last successful whole build read exactly this state and every relation it left
    is still the one standing (same OID: not dropped, not recreated by hand)."""
    return last is not None and last.standing and last.digest == state.digest


def changed_sources(last: LastBuild | None, state: BuildState, sources: dict[str, list[str]]) -> list[str] | None:
    """The dbt selection (`source:<name>+`, one per source over a changed dataset) that leaves the
    warehouse as a whole build would, or None when only a whole build can: no record, other
    project, arguments or settings, a relation replaced since, a dataset new or gone, nothing
    changed (the caller skips), or a changed dataset that no dbt source reads (`sources`:
    dataset -> dbt source names)."""
    if last is None or not last.standing or not last.base or last.base != state.base or not last.datasets:
        return None
    if set(last.datasets) != set(state.datasets):  # a dataset new or gone: the sources' tables themselves changed
        return None
    changed = sorted(d for d in state.datasets if last.datasets[d] != state.datasets[d])
    if not changed or any(not sources.get(d) for d in changed):
        return None
    return [f"source:{name}+" for d in changed for name in sorted(sources[d])]


# What a build of what changed runs of each source's descendants: every kind of node but views.
# Its base (project, arguments, settings) is the last whole build's, and every relation that build
# left still stands (changed_sources), so each view already stands as the same SQL would create
# it: a view's SQL is fixed by the project and those settings (the ones restricted to a build's
# periods read those periods at run time, from a transaction setting: macros/build_period_restriction.sql).
# A view left out costs nothing; run, it cost dbt's ~0.1 s per node to find it unchanged
# (macros/materialize_view.sql). The tests of the views still run: they read the new rows.
BUILT_KINDS = ("config.materialized:incremental", "config.materialized:table", "resource_type:snapshot",
               "resource_type:seed", "resource_type:test", "resource_type:unit_test")


def selection_args(selection: list[str]) -> list[str]:
    """dbt `--select` arguments for `selection` (changed_sources) without its views: each source's
    descendants intersected with each kind of node that is built or tested."""
    return [f"{source},{kind}" for source in selection for kind in BUILT_KINDS]


def dbt_sources() -> dict[str, list[str]]:
    """The dbt sources of the project by the schema (dlt dataset) they read: dataset -> names."""
    from loaders.dbt_runner import dbt_project_dir

    out: dict[str, list[str]] = {}
    for path in sorted((dbt_project_dir() / "models").rglob("*.yml")):
        stat = path.stat()
        for schema, name in _sources_of(path, stat.st_mtime_ns, stat.st_size):
            out.setdefault(schema, []).append(name)
    return out


@functools.lru_cache(maxsize=256)
def _sources_of(path: Path, mtime_ns: int, size: int) -> tuple[tuple[str, str], ...]:
    """(schema, source name) of one yml file, parsed again only when the file changes: a whole
    build asks on every run, and PyYAML's pure-Python parser took 1.3 s of CPU for the project's
    yml files (libyaml's, when PyYAML has it: 0.17 s)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    document = yaml.load(path.read_text(), Loader=loader) or {}
    pairs = []
    for source in document.get("sources") or []:
        schema = str(source.get("schema") or source["name"])
        if "{{" in schema:  # rendered by dbt: not known here (its datasets then mean a whole build)
            continue
        pairs.append((schema, str(source["name"])))
    return tuple(pairs)


def _ensure_columns(cur) -> None:
    cur.execute(f"alter table {STATE_TABLE} add column if not exists base text, "
                "add column if not exists datasets jsonb")


# The current OID of each relation, in order (0: gone).
_OIDS_SQL = ("select array(select coalesce(to_regclass(r)::oid::bigint, 0) "
             "from unnest(%s::text[]) with ordinality as u (r, n) order by n)")


def record(warehouse: Warehouse, state: BuildState, fingerprint: str, relations: list[str]) -> None:
    """After a successful whole build: the state it read and the relations it left."""
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("create schema if not exists aurora_control")
            cur.execute(f"""
                create table if not exists {STATE_TABLE} (
                    one boolean primary key default true check (one),  -- a single row: the last whole build
                    digest text not null,
                    loads integer not null,
                    fingerprint text not null,
                    relations text[] not null,         -- the models and snapshots it built
                    relation_oids bigint[] not null,   -- and their OIDs right after it
                    built_at timestamptz not null default now()
                )""")
            _ensure_columns(cur)
            cur.execute(f"delete from {STATE_TABLE}")
            cur.execute(f"""insert into {STATE_TABLE} (digest, loads, fingerprint, relations, relation_oids, base, datasets)
                            values (%s, %s, %s, %s::text[], ({_OIDS_SQL}), %s, %s::jsonb)""",
                        (state.digest, state.loads, fingerprint, relations, relations, state.base, json.dumps(state.datasets)))
    finally:
        conn.close()


def forget(warehouse: Warehouse) -> None:
    """Before a dbt command that may write: until it succeeds as a whole build, no build is skipped."""
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select to_regclass(%s) is not null", (STATE_TABLE,))
            if cur.fetchone()[0]:
                cur.execute(f"delete from {STATE_TABLE}")
    finally:
        conn.close()


def built_relations(results) -> list[str]:
    """The quoted relations of the models, seeds and snapshots among dbt's results (not ephemeral)."""
    out = []
    for item in results or []:
        node = getattr(item, "node", None)
        if str(getattr(node, "resource_type", "")) not in ("model", "seed", "snapshot"):
            continue
        config = getattr(node, "config", None)
        if getattr(config, "materialized", None) == "ephemeral":
            continue
        out.append(f'"{node.schema}"."{node.alias}"')
    return sorted(set(out))


def nothing_new_message(last: LastBuild) -> str:
    at = last.built_at.astimezone(timezone.utc)
    return (f"nothing new since the last build at {at:%Y-%m-%d %H:%M:%S} UTC ({last.loads} loads, "
            f"project {last.fingerprint[:8]}): dbt not run; aurora build --force builds anyway")
