"""The simulated CoinGecko market_chart/range endpoint."""

from __future__ import annotations

from datetime import date

import requests

DAY = 86_400
START = 1_735_689_600  # 2025-01-01T00:00:00Z


def chart(url: str, coin: str = "solana", **params):
    query = {"vs_currency": "usd", "from": START, "to": START + 2 * DAY, **params}
    return requests.get(f"{url}/api/v3/coins/{coin}/market_chart/range", params=query, timeout=10)


def test_a_short_range_is_hourly_in_milliseconds(sol_net):
    url = sol_net.urls["prices"]
    body = chart(url).json()
    times = [t for t, _ in body["prices"]]
    assert times[0] == START * 1000 and times[-1] == (START + 2 * DAY) * 1000
    assert len(times) == 49 and {b - a for a, b in zip(times, times[1:])} == {3_600_000}
    assert [t for t, _ in body["market_caps"]] == times == [t for t, _ in body["total_volumes"]]
    assert all(isinstance(p, float) and p > 0 for _, p in body["prices"])


def test_a_range_beyond_90_days_is_daily(sol_net):
    body = chart(sol_net.urls["prices"], to=START + 100 * DAY).json()
    times = [t for t, _ in body["prices"]]
    assert len(times) == 101 and {b - a for a, b in zip(times, times[1:])} == {DAY * 1000}


def test_the_first_point_of_a_day_is_the_models_daily_price(sol_net):
    body = chart(sol_net.urls["prices"], "ethereum", **{"from": START + 1800}).json()  # starts mid-hour
    assert body["prices"][0][0] == (START + 3600) * 1000  # points fall on whole hours
    day_two = next(p for t, p in body["prices"] if t == (START + DAY) * 1000)
    assert day_two == sol_net.prices.daily_price("ethereum", date(2025, 1, 2))


def test_unknown_coins_and_bad_parameters(sol_net):
    url = sol_net.urls["prices"]
    missing = chart(url, "dogecoin")
    assert missing.status_code == 404 and missing.json() == {"error": "coin not found"}
    assert chart(url, vs_currency="eur").status_code == 400
    assert chart(url, **{"from": "yesterday"}).status_code == 400
    no_to = requests.get(f"{url}/api/v3/coins/solana/market_chart/range", params={"vs_currency": "usd", "from": START}, timeout=10)
    assert no_to.status_code == 400
