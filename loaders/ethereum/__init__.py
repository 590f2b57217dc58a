"""dlt sources for Ethereum: a snapshot of the head and finality (and where the load schedule
stands), then one UTC day per load, from the beacon node, the execution node and every
configured MEV-Boost relay, with the day's progress row in the same load."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dlt

from loaders.ethereum.fetch import DayData, EthereumFetcher
from loaders.ethereum.settings import COLUMNS, TABLES
from loaders.progress import PERIOD_LOADS, SCHEDULES
from loaders.progress import TABLES as PROGRESS_TABLES
from loaders.providers.archive import ARCHIVE_COLUMNS, ARCHIVE_TABLE, REJECTION_COLUMNS, REJECTION_TABLE
from loaders.resources import empty_tables, table_resource, with_archive


def _resource(fetcher: EthereumFetcher, name: str, rows, done: set[str]):
    if name in PROGRESS_TABLES:
        key, columns = PROGRESS_TABLES[name]
        return table_resource(name, rows, chain=fetcher.chain.key, primary_key=key, columns=columns, done=done)
    return table_resource(name, rows, chain=fetcher.chain.key, primary_key=TABLES[name], columns=COLUMNS[name], done=done)


@dlt.source(name="ethereum", max_table_nesting=0)
def ethereum_snapshots(fetcher: EthereumFetcher, schedule: dict[str, Any] | None = None):
    done: set[str] = set()
    return with_archive(fetcher.archive, [
        _resource(fetcher, "beacon_snapshots", lambda: [fetcher.snapshot_row()], done),
        _resource(fetcher, SCHEDULES, lambda: [schedule] if schedule else [], done),
    ], done)


@dlt.source(name="ethereum", max_table_nesting=0)
def ethereum_day(fetcher: EthereumFetcher, data: DayData, progress_row: Callable[[], dict[str, Any]]):
    """One fetched day, table by table, and last its `period_loads` row (computed once every
    stream has run, so it knows whether anything was rejected)."""
    done: set[str] = set()
    resources = [
        _resource(fetcher, name, lambda name=name: data.rows(name), done)
        for name in TABLES if name != "beacon_snapshots"
    ]
    resources.append(_resource(fetcher, PERIOD_LOADS, lambda: [progress_row()], done))
    return with_archive(fetcher.archive, resources, done)


@dlt.source(name="ethereum", max_table_nesting=0)
def ethereum_failure(fetcher: EthereumFetcher):
    """Only the archive and the rejections: what a run records when a day could not load."""
    return with_archive(fetcher.archive, [], set())


@dlt.source(name="ethereum", max_table_nesting=0)
def ethereum_schema():
    """Every raw table, empty: dbt's staging can read them before the first Ethereum load."""
    tables = {name: (TABLES[name], COLUMNS[name]) for name in TABLES}
    tables.update({ARCHIVE_TABLE: ("response_id", ARCHIVE_COLUMNS), REJECTION_TABLE: ("item_key", REJECTION_COLUMNS)})
    tables.update(PROGRESS_TABLES)
    return empty_tables(tables)
