"""Daily USD closes from the prices provider (CoinGecko's market_chart/range), for the dates the
loaded periods end on. A missing price leaves the USD columns empty; it never stops a run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import dlt

from loaders.prices import helpers
from loaders.prices.settings import COLUMNS, MAX_DAYS_PER_REQUEST, PATH, PRIMARY_KEY, TABLE, VS_CURRENCY
from loaders.providers import ProviderChain, ResponseArchive
from loaders.providers.archive import ARCHIVE_COLUMNS, ARCHIVE_TABLE, REJECTION_COLUMNS, REJECTION_TABLE, archive_resources
from loaders.resources import empty_tables


def fetch_closes(chain: ProviderChain, coin: str, days: list[date]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    wanted = sorted(set(days))
    start = wanted[0]
    while start <= wanted[-1]:
        end = min(start + timedelta(days=MAX_DAYS_PER_REQUEST - 1), wanted[-1])
        # The close of day d is the point at midnight ending it.
        first = datetime(start.year, start.month, start.day, tzinfo=timezone.utc) + timedelta(days=1)
        last = datetime(end.year, end.month, end.day, tzinfo=timezone.utc) + timedelta(days=1, minutes=59)
        params = {"vs_currency": VS_CURRENCY, "from": int(first.timestamp()), "to": int(last.timestamp())}
        fetched = chain.call(lambda client: client.request(
            "GET", PATH.format(coin=coin), endpoint="market_chart_range", params=params,
            parse=lambda body: helpers.daily_closes(helpers.parse_market_chart(body, coin)),
        ))
        for day, (when, price) in fetched.value.items():
            if start <= day <= end:
                rows.append({"coin_id": coin, "price_date": day, "vs_currency": VS_CURRENCY, "price": str(price),
                             "observed_at": when, "response_id": fetched.response_id})
        start = end + timedelta(days=1)
    return rows


@dlt.source(name="prices", max_table_nesting=0)
def prices_source(chain: ProviderChain, archive: ResponseArchive, coin: str, days: list[date]):
    done: set[str] = set()

    def closes() -> Iterator[Any]:
        rows = fetch_closes(chain, coin, days) if days else []
        yield rows if rows else dlt.mark.materialize_table_schema()
        done.add(TABLE)

    resource = dlt.resource(closes, name=TABLE, write_disposition="merge", primary_key=PRIMARY_KEY, columns=COLUMNS)
    return [resource, *archive_resources(archive, done, {TABLE})]


@dlt.source(name="prices", max_table_nesting=0)
def prices_schema():
    """The raw tables, empty: dbt's staging can read them before the first price load."""
    return empty_tables({TABLE: (PRIMARY_KEY, COLUMNS), ARCHIVE_TABLE: ("response_id", ARCHIVE_COLUMNS),
                         REJECTION_TABLE: ("item_key", REJECTION_COLUMNS)})
