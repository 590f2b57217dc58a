"""Whether the registry and the books are in the warehouse exactly as the config files say.

Every `aurora run` and `aurora build` loads the config files first (raw_registry, raw_books: write
disposition replace). When nothing in them changed, those are two dlt loads of the same rows: a
few seconds of dlt's overhead per command, two more completed loads every build must list. So a
load of both records a digest of the rows and column hints it wrote, with the load ids it made;
the next command loads again only when the digest differs, or when the latest completed load of
either dataset is not the recorded one (a package an interrupted run left was finished since, a
load by hand, a dropped dataset). Packages an interrupted run left are finished first, as a load
would, so none of them can land after the check. `aurora registry load` always loads.

The check, the loads and the record happen under one warehouse lock (`registry`), so the load ids
recorded are the loads this command made.
"""

from __future__ import annotations

import hashlib
import json
import os

import psycopg2

from loaders.warehouse import Warehouse

STATE_TABLE = "aurora_control.registry_state"
LOCK = "registry"


def digest(tables: list[tuple[str, object, dict, list[dict]]]) -> str:
    """sha256 of every table's name, key, column hints (dlt adds each column's name to its hint:
    left out) and rows, in order."""
    canonical = [
        [name, key, {column: {k: v for k, v in hint.items() if k != "name"} for column, hint in sorted(columns.items())}, rows]
        for name, key, columns, rows in tables
    ]
    return hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()


def _latest_completed(cur, dataset: str) -> str | None:
    cur.execute(f'select max(load_id) from "{dataset}"._dlt_loads where status = 0')
    return cur.fetchone()[0]


def finish_interrupted(warehouse: Warehouse, pipelines: list[tuple[str, str]], say=None) -> None:
    """What a load does first: finish (or discard) the packages an interrupted run left. A
    pipeline is attached only when it has one: every `aurora build` and `aurora run` checks
    both, and with both attached a registry check with nothing to load took 0.44-0.48 s, without
    0.31-0.36 s (a new process each, on a warehouse of 100,000 validators)."""
    from loaders.locks import holding, pipeline_lock_name
    from loaders.pipeline import finish_if_pending, pipelines_dir

    for name, dataset in pipelines:
        if os.path.isdir(os.path.join(pipelines_dir(), name)):
            with holding(warehouse, pipeline_lock_name(name), wait=True, on_wait=say):
                finish_if_pending(warehouse, name, dataset, say=say)


def unchanged(warehouse: Warehouse, wanted: str, datasets: list[str]) -> bool:
    """Whether the last recorded load wrote `wanted` and is still the latest completed load of
    every dataset."""
    try:
        with warehouse.connect() as conn, conn.cursor() as cur:
            cur.execute(f"select digest, load_ids from {STATE_TABLE}")
            row = cur.fetchone()
            if row is None or row[0] != wanted:
                return False
            recorded = json.loads(row[1])
            return all(recorded.get(d) is not None and _latest_completed(cur, d) == recorded[d] for d in datasets)
    except psycopg2.errors.UndefinedTable:
        return False


def record(warehouse: Warehouse, loaded: str, datasets: list[str]) -> None:
    """After a load of both: its digest and the load ids it made (the latest completed ones)."""
    with warehouse.connect() as conn, conn.cursor() as cur:
        load_ids = {d: _latest_completed(cur, d) for d in datasets}
        cur.execute("create schema if not exists aurora_control")
        cur.execute(f"""create table if not exists {STATE_TABLE} (
                            singleton boolean primary key default true check (singleton),
                            digest text not null,
                            load_ids text not null,
                            loaded_at timestamptz not null default now())""")
        cur.execute(f"""insert into {STATE_TABLE} (digest, load_ids) values (%s, %s)
                        on conflict (singleton) do update set digest = excluded.digest, load_ids = excluded.load_ids,
                                                              loaded_at = now()""",
                    (loaded, json.dumps(load_ids, sort_keys=True)))

