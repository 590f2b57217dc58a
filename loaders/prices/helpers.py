"""Pure functions over CoinGecko market_chart answers."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from loaders.payload import Reader


def parse_market_chart(body: Any, coin: str) -> list[tuple[datetime, Decimal]]:
    """[(time, price)] from `prices: [[ms, price], ...]`; prices keep the digits CoinGecko sent."""
    r = Reader(f"coingecko market_chart/range {coin}")
    points = []
    for k, pair in enumerate(r.list(body, "prices", "")):
        if not isinstance(pair, list) or len(pair) != 2:
            raise r.fail(f"prices[{k}]", f"expected [milliseconds, price], got {pair!r}")
        ms, price = pair
        if isinstance(ms, bool) or not isinstance(ms, (int, float)):
            raise r.fail(f"prices[{k}][0]", f"expected a timestamp in milliseconds, got {ms!r}")
        if isinstance(price, bool) or not isinstance(price, (int, float)) or price < 0:
            raise r.fail(f"prices[{k}][1]", f"expected a non-negative number, got {price!r}")
        points.append((datetime.fromtimestamp(ms / 1000, tz=timezone.utc), Decimal(repr(price))))
    return points


def daily_closes(points: list[tuple[datetime, Decimal]]) -> dict[date, tuple[datetime, Decimal]]:
    """A day's close is the point at its end: the first point at or after the next midnight
    (within an hour, CoinGecko's hourly granularity), keyed by the day it closes."""
    closes: dict[date, tuple[datetime, Decimal]] = {}
    for when, price in sorted(points):
        midnight = datetime(when.year, when.month, when.day, tzinfo=timezone.utc)
        if when - midnight >= timedelta(hours=1):
            continue
        day = midnight.date() - timedelta(days=1)
        closes.setdefault(day, (when, price))
    return closes
