"""Daily USD closes from the prices provider (CoinGecko's market_chart/range), for the dates the
loaded periods end on. A missing price leaves the USD columns empty and the rows not final; a
provider failure is a rejection per date (retried by the next run), never a stopped run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import dlt

from loaders.prices import helpers
from loaders.prices.settings import COLUMNS, MAX_DAYS_PER_REQUEST, PATH, PRIMARY_KEY, TABLE, VS_CURRENCY
from loaders.providers import NotFound, ProviderChain, ProviderUnavailable, Rejected, ResponseArchive
from loaders.providers.archive import ARCHIVE_COLUMNS, ARCHIVE_TABLE, REJECTION_COLUMNS, REJECTION_TABLE, archive_resources
from loaders.resources import RejectionLog, empty_tables


def _windows(days: list[date]) -> list[list[date]]:
    """The wanted days in runs of at most MAX_DAYS_PER_REQUEST consecutive calendar days."""
    out: list[list[date]] = []
    for day in sorted(set(days)):
        if out and (day - out[-1][0]).days < MAX_DAYS_PER_REQUEST:
            out[-1].append(day)
        else:
            out.append([day])
    return out


def fetch_closes(chain: ProviderChain, coin: str, days: list[date], rejections: RejectionLog | None = None) -> list[dict[str, Any]]:
    """Closes of the wanted days. A window the provider could not answer leaves each of its days
    rejected (when `rejections` is given), and the other windows still load."""
    rows: list[dict[str, Any]] = []
    for window in _windows(days):
        start, end = window[0], window[-1]
        # The close of day d is the point at midnight ending it.
        first = datetime(start.year, start.month, start.day, tzinfo=timezone.utc) + timedelta(days=1)
        last = datetime(end.year, end.month, end.day, tzinfo=timezone.utc) + timedelta(days=1, minutes=59)
        params = {"vs_currency": VS_CURRENCY, "from": int(first.timestamp()), "to": int(last.timestamp())}
        try:
            fetched = chain.call(lambda client: client.request(
                "GET", PATH.format(coin=coin), endpoint="market_chart_range", params=params,
                parse=lambda body: helpers.daily_closes(helpers.parse_market_chart(body, coin)),
            ))
        except (ProviderUnavailable, Rejected, NotFound) as exc:
            if rejections is None:
                raise
            gap = "response_rejected" if isinstance(exc, Rejected) else "provider_failed:prices"
            for day in window:
                rejections.reject(f"market_chart_range:{coin}:{day.isoformat()}", day.isoformat(), "market_chart_range",
                                  str(exc), getattr(exc, "response_id", None), gap=gap)
            continue
        for day, (when, price) in fetched.value.items():
            if day in window:
                rows.append({"coin_id": coin, "price_date": day, "vs_currency": VS_CURRENCY, "price": str(price),
                             "observed_at": when, "response_id": fetched.response_id})
                if rejections is not None:
                    rejections.resolve(f"market_chart_range:{coin}:{day.isoformat()}", day.isoformat(), "market_chart_range",
                                       fetched.response_id)
    return rows


@dlt.source(name="prices", max_table_nesting=0)
def prices_source(chain: ProviderChain, archive: ResponseArchive, coin: str, days: list[date], rejections: RejectionLog | None = None):
    done: set[str] = set()

    def closes() -> Iterator[Any]:
        rows = fetch_closes(chain, coin, days, rejections) if days else []
        yield rows if rows else dlt.mark.materialize_table_schema()
        done.add(TABLE)

    resource = dlt.resource(closes, name=TABLE, write_disposition="merge", primary_key=PRIMARY_KEY, columns=COLUMNS)
    return [resource, *archive_resources(archive, done, {TABLE})]


@dlt.source(name="prices", max_table_nesting=0)
def prices_schema():
    """The raw tables, empty: dbt's staging can read them before the first price load."""
    return empty_tables({TABLE: (PRIMARY_KEY, COLUMNS), ARCHIVE_TABLE: ("response_id", ARCHIVE_COLUMNS),
                         REJECTION_TABLE: ("item_key", REJECTION_COLUMNS)})
