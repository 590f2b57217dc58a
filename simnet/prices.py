"""Daily SOL and ETH prices in USD, served in CoinGecko's market_chart/range shape."""

from __future__ import annotations

from datetime import date, datetime, timezone

from simnet import rng
from simnet.http import Api, ApiError, Reply, Request, Route

DAY = 86_400
COINS = {"solana": 150.0, "ethereum": 3200.0}


class PriceModel:
    def __init__(self, seed: int = 7):
        self.seed = seed

    def price(self, coin: str, unix: int) -> float:
        """The price at a time: a daily random walk, interpolated hourly, rounded like CoinGecko."""
        day, offset = divmod(unix, DAY)
        here, there = self._daily(coin, day), self._daily(coin, day + 1)
        hour = offset // 3600
        return round(here + (there - here) * hour / 24, 8)

    def daily_price(self, coin: str, day: date) -> float:
        """The price CoinGecko lists for a date: its 00:00 UTC point."""
        return self._daily(coin, int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()) // DAY)

    def _daily(self, coin: str, day: int) -> float:
        base = COINS[coin]
        wobble = (rng.h64(self.seed, "price", coin, day) % 2001 - 1000) / 10_000  # +-10%
        return round(base * (1 + wobble), 8)


class CoinGeckoApi(Api):
    """GET /api/v3/coins/{id}/market_chart/range?vs_currency=usd&from=<unix s>&to=<unix s>."""

    name = "prices"

    def __init__(self, model: PriceModel):
        self.m = model

    def routes(self) -> list[Route]:
        return [Route("GET", "/api/v3/coins/{coin}/market_chart/range", "market_chart_range", self.market_chart_range)]

    def market_chart_range(self, request: Request) -> Reply:
        coin = request.path_params["coin"]
        if coin not in COINS:
            raise ApiError(404, {"error": "coin not found"})
        if (request.arg("vs_currency") or "").lower() != "usd":
            raise ApiError(400, {"error": "invalid vs_currency"})
        try:
            start, end = int(float(request.arg("from"))), int(float(request.arg("to")))
        except (TypeError, ValueError):
            raise ApiError(400, {"error": "from and to must be unix timestamps in seconds"}) from None
        # CoinGecko's automatic granularity: hourly for ranges of 1 to 90 days, daily beyond.
        step = 3600 if end - start <= 90 * DAY else DAY
        first = -(-start // step) * step
        points = list(range(first, end + 1, step))
        prices = [[t * 1000, self.m.price(coin, t)] for t in points]
        return Reply({
            "prices": prices,
            "market_caps": [[t, p * 1.2e8] for t, p in prices],
            "total_volumes": [[t, p * 3.1e6] for t, p in prices],
        })
