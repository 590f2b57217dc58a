"""dlt sources for Ethereum: a snapshot of the head and finality, then one UTC day per load,
from the beacon node, the execution node and every configured MEV-Boost relay."""

from __future__ import annotations

import dlt

from loaders.ethereum.fetch import DayData, EthereumFetcher
from loaders.ethereum.settings import COLUMNS, TABLES
from loaders.providers.archive import ARCHIVE_COLUMNS, ARCHIVE_TABLE, REJECTION_COLUMNS, REJECTION_TABLE
from loaders.resources import empty_tables, table_resource, with_archive


def _resource(fetcher: EthereumFetcher, name: str, rows, done: set[str]):
    return table_resource(name, rows, chain=fetcher.chain.key, primary_key=TABLES[name], columns=COLUMNS[name], done=done)


@dlt.source(name="ethereum", max_table_nesting=0)
def ethereum_snapshots(fetcher: EthereumFetcher):
    done: set[str] = set()
    return with_archive(fetcher.archive, [_resource(fetcher, "beacon_snapshots", lambda: [fetcher.snapshot_row()], done)], done)


@dlt.source(name="ethereum", max_table_nesting=0)
def ethereum_day(fetcher: EthereumFetcher, data: DayData, final: bool):
    """One fetched day, table by table. The cursor advances past days already final."""
    if final:
        state = dlt.current.source_state()
        state["last_final_day"] = max(state.get("last_final_day", ""), data.plan.period)
    done: set[str] = set()
    resources = [
        _resource(fetcher, name, lambda name=name: data.rows(name), done)
        for name in TABLES if name != "beacon_snapshots"
    ]
    return with_archive(fetcher.archive, resources, done)


@dlt.source(name="ethereum", max_table_nesting=0)
def ethereum_schema():
    """Every raw table, empty: dbt's staging can read them before the first Ethereum load."""
    tables = {name: (TABLES[name], COLUMNS[name]) for name in TABLES}
    tables.update({ARCHIVE_TABLE: ("response_id", ARCHIVE_COLUMNS), REJECTION_TABLE: ("item_key", REJECTION_COLUMNS)})
    return empty_tables(tables)
