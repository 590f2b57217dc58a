"""Prices: CoinGecko's market_chart/range, one close per UTC day."""

DATASET = "raw_prices"
PIPELINE = "aurora_prices"
PATH = "/api/v3/coins/{coin}/market_chart/range"
VS_CURRENCY = "usd"
# CoinGecko answers hourly points for ranges of 1 to 90 days (daily beyond): ask 90 days at most.
MAX_DAYS_PER_REQUEST = 90
# Dates without a close re-asked per run (newest first): heals an outage, bounded.
PRICE_HEAL_DAYS = 180

TABLE = "daily_prices"
PRIMARY_KEY = ("coin_id", "price_date")
COLUMNS = {
    "coin_id": {"data_type": "text", "nullable": False},
    "price_date": {"data_type": "date", "nullable": False},
    "vs_currency": {"data_type": "text", "nullable": False},
    "price": {"data_type": "text", "nullable": False},  # the JSON number's own digits, cast to numeric in staging
    "observed_at": {"data_type": "timestamp", "nullable": False},
    "response_id": {"data_type": "text", "nullable": True},
}
