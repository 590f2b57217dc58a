"""dlt sources for Solana JSON-RPC (and Jito, loaded alongside): snapshots and epochs.

`solana_snapshots` captures what nodes only know for recent epochs or as of now (vote accounts
with their epochCredits, leader schedules, block production); run it on every load so history
accumulates. `solana_epoch` loads one completed epoch (inflation rewards, blocks, boundaries,
Jito). Every resource also hands over the archive rows of the responses it used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dlt

from loaders.jito import jito_validators
from loaders.jito.settings import COLUMNS as JITO_COLUMNS
from loaders.jito.settings import PRIMARY_KEY as JITO_KEY
from loaders.jito.settings import TABLE as JITO_TABLE
from loaders.providers.archive import ARCHIVE_COLUMNS, ARCHIVE_TABLE, REJECTION_COLUMNS, REJECTION_TABLE
from loaders.resources import empty_tables, table_resource, with_archive
from loaders.solana.fetch import SolanaFetcher
from loaders.solana.settings import COLUMNS, TABLES


def _resource(fetcher: SolanaFetcher, name: str, rows: Callable[[], list[dict[str, Any]]], done: set[str]):
    return table_resource(name, rows, chain=fetcher.chain.key, primary_key=TABLES[name], columns=COLUMNS[name], done=done)


def _with_archive(fetcher: SolanaFetcher, resources: list[Any], done: set[str]) -> list[Any]:
    return with_archive(fetcher.archive, resources, done)


@dlt.source(name="solana", max_table_nesting=0)
def solana_snapshots(fetcher: SolanaFetcher):
    snapshots: dict[str, list[dict[str, Any]]] = {}

    def vote_rows(which: str) -> list[dict[str, Any]]:
        if not snapshots:
            snapshots["vote_accounts"], snapshots["epoch_credits"] = fetcher.vote_account_rows()
        return snapshots[which]

    done: set[str] = set()
    return _with_archive(fetcher, [
        _resource(fetcher, "cluster_snapshots", lambda: [fetcher.cluster_row()], done),
        _resource(fetcher, "vote_accounts", lambda: vote_rows("vote_accounts"), done),
        _resource(fetcher, "epoch_credits", lambda: vote_rows("epoch_credits"), done),
        _resource(fetcher, "leader_slots", fetcher.leader_slot_rows, done),
        _resource(fetcher, "block_production", fetcher.block_production_rows, done),
    ], done)


@dlt.source(name="solana", max_table_nesting=0)
def solana_epoch(fetcher: SolanaFetcher, epoch: int, jito=None, progress: Callable[[int, int], None] | None = None):
    # The incremental cursor: epochs up to here are final and need no reloading (open rejections
    # are planned from the warehouse, so a final epoch with a gap is still retried).
    state = dlt.current.source_state()
    if epoch + fetcher.chain.finality_lag < fetcher.current_epoch:
        state["last_final_epoch"] = max(state.get("last_final_epoch", -1), epoch)
    done: set[str] = set()
    resources = [
        _resource(fetcher, "inflation_rewards", lambda: fetcher.inflation_rows(epoch), done),
        _resource(fetcher, "blocks", lambda: fetcher.block_rows(epoch, progress), done),
        _resource(fetcher, "epoch_boundaries", lambda: [r for r in [fetcher.boundary_row(epoch)] if r], done),
    ]
    if jito is not None:
        resources.append(jito_validators(jito, fetcher, epoch, done))
    return _with_archive(fetcher, resources, done)


@dlt.source(name="solana", max_table_nesting=0)
def solana_schema():
    """Every raw table, empty: dbt's staging can read them before the first Solana load."""
    tables = {name: (TABLES[name], COLUMNS[name]) for name in TABLES}
    tables.update({JITO_TABLE: (JITO_KEY, JITO_COLUMNS), ARCHIVE_TABLE: ("response_id", ARCHIVE_COLUMNS),
                   REJECTION_TABLE: ("item_key", REJECTION_COLUMNS)})
    return empty_tables(tables)
