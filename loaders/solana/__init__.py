"""dlt sources for Solana JSON-RPC (and Jito, loaded alongside): snapshots and epochs.

`solana_snapshots` captures what nodes only know for recent epochs or as of now (vote accounts
with their epochCredits, leader schedules, block production) and where the load schedule
stands; run it on every load so history accumulates. `solana_epoch` loads one completed epoch
(inflation rewards, blocks, boundaries, Jito, the identities used) and its progress row, in one
dlt load. Every resource also hands over the archive rows of the responses it used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dlt

from loaders.jito import jito_resources
from loaders.jito.settings import COLUMNS as JITO_COLUMNS
from loaders.jito.settings import EPOCHS_COLUMNS as JITO_EPOCHS_COLUMNS
from loaders.jito.settings import EPOCHS_PRIMARY_KEY as JITO_EPOCHS_KEY
from loaders.jito.settings import EPOCHS_TABLE as JITO_EPOCHS_TABLE
from loaders.jito.settings import PRIMARY_KEY as JITO_KEY
from loaders.jito.settings import TABLE as JITO_TABLE
from loaders.progress import PERIOD_LOADS, SCHEDULES
from loaders.progress import TABLES as PROGRESS_TABLES
from loaders.providers.archive import ARCHIVE_COLUMNS, ARCHIVE_TABLE, REJECTION_COLUMNS, REJECTION_TABLE
from loaders.resources import empty_tables, table_resource, with_archive
from loaders.solana.fetch import SolanaFetcher
from loaders.solana.settings import COLUMNS, TABLES


def _resource(fetcher: SolanaFetcher, name: str, rows: Callable[[], list[dict[str, Any]]], done: set[str]):
    if name in PROGRESS_TABLES:
        key, columns = PROGRESS_TABLES[name]
        return table_resource(name, rows, chain=fetcher.chain.key, primary_key=key, columns=columns, done=done)
    return table_resource(name, rows, chain=fetcher.chain.key, primary_key=TABLES[name], columns=COLUMNS[name], done=done)


def _schedule_resources(fetcher: SolanaFetcher, done: set[str], before: Callable[[], None] = lambda: None) -> list[Any]:
    """The leader schedules asked so far in this run (drained: each answer is loaded once)."""
    drained: dict[str, list[dict[str, Any]]] = {}

    def rows(kind: str) -> list[dict[str, Any]]:
        if not drained:
            before()
            drained["all"] = fetcher.leader_schedule_rows()
        return [{k: v for k, v in r.items() if k != "kind"} for r in drained["all"] if r["kind"] == kind]

    return [_resource(fetcher, "leader_slots", lambda: rows("slot"), done),
            _resource(fetcher, "leader_schedules", lambda: rows("schedule"), done)]


@dlt.source(name="solana", max_table_nesting=0)
def solana_snapshots(fetcher: SolanaFetcher, planned: list[int], schedule: dict[str, Any] | None = None):
    """`planned`: the epochs this run loads (their schedules are asked while the node keeps
    them); `schedule`: the run's schedules row (where the operator's schedule starts)."""
    snapshots: dict[str, list[dict[str, Any]]] = {}

    def vote_rows(which: str) -> list[dict[str, Any]]:
        if not snapshots:
            snapshots["vote_accounts"], snapshots["epoch_credits"] = fetcher.vote_account_rows()
        return snapshots[which]

    done: set[str] = set()
    return with_archive(fetcher.archive, [
        _resource(fetcher, "cluster_snapshots", lambda: [fetcher.cluster_row()], done),
        _resource(fetcher, "vote_accounts", lambda: vote_rows("vote_accounts"), done),
        _resource(fetcher, "epoch_credits", lambda: vote_rows("epoch_credits"), done),
        *_schedule_resources(fetcher, done, lambda: fetcher.snapshot_schedules(planned)),
        _resource(fetcher, "block_production", fetcher.block_production_rows, done),
        _resource(fetcher, SCHEDULES, lambda: [schedule] if schedule else [], done),
    ], done)


@dlt.source(name="solana", max_table_nesting=0)
def solana_epoch(fetcher: SolanaFetcher, epoch: int, mode: str, progress: Callable[[int, int], None] | None = None):
    """One completed epoch. Its `period_loads` row comes last, in the same dlt load: the planner
    trusts it only once dlt has completed the load (docs/operations.md)."""
    from loaders.progress import period_load_row

    done: set[str] = set()
    resources = [
        _resource(fetcher, "inflation_rewards", lambda: fetcher.inflation_rows(epoch), done),
        _resource(fetcher, "blocks", lambda: fetcher.block_rows(epoch, progress, reuse_stored=mode != "range"), done),
        _resource(fetcher, "epoch_boundaries", lambda: [r for r in [fetcher.boundary_row(epoch)] if r], done),
    ]
    if fetcher.jito is not None:
        resources += jito_resources(fetcher, epoch, done)
    resources += [
        _resource(fetcher, "vote_identities", lambda: fetcher.identity_rows(epoch), done),
        *_schedule_resources(fetcher, done),
        _resource(fetcher, PERIOD_LOADS, lambda: [period_load_row(
            period_id=str(epoch), period_seq=epoch, run_id=fetcher.archive.run_id, mode=mode,
            unsettled=fetcher.period_loaded(epoch), block_source=fetcher.block_source.get(epoch),
        )], done),
    ]
    return with_archive(fetcher.archive, resources, done)


@dlt.source(name="solana", max_table_nesting=0)
def solana_failure(fetcher: SolanaFetcher):
    """Only the archive and the rejections: what a run records when a period could not load."""
    return with_archive(fetcher.archive, [], set())


@dlt.source(name="solana", max_table_nesting=0)
def solana_schema():
    """Every raw table, empty: dbt's staging can read them before the first Solana load."""
    tables = {name: (TABLES[name], COLUMNS[name]) for name in TABLES}
    tables.update({JITO_TABLE: (JITO_KEY, JITO_COLUMNS), JITO_EPOCHS_TABLE: (JITO_EPOCHS_KEY, JITO_EPOCHS_COLUMNS),
                   ARCHIVE_TABLE: ("response_id", ARCHIVE_COLUMNS), REJECTION_TABLE: ("item_key", REJECTION_COLUMNS)})
    tables.update(PROGRESS_TABLES)
    return empty_tables(tables)
