"""Loading the USD closes a chain's periods need; called at the end of each chain's run.

The dates are those of the periods the run loaded plus every earlier period still without a
close (a provider outage heals on the next run), at most PRICE_HEAL_DAYS of them, newest first.
A provider failure never stops the run: its attempts are archived, each date it left without a
close is a rejection (`provider_failed:prices`), and the summary and provider table show it.
"""

from __future__ import annotations

from datetime import date

from loaders.config import AuroraConfig, ChainConfig
from loaders.pipeline import make_pipeline
from loaders.prices import prices_source
from loaders.prices.settings import DATASET, PIPELINE, PRICE_HEAL_DAYS, TABLE
from loaders.providers import BodyWriter, ProviderChain, ProviderClient, ResponseArchive
from loaders.resources import RejectionLog
from loaders.runs import RunSummary, open_rejections, query_or_none, run_load
from loaders.warehouse import Warehouse


def missing_price_dates(warehouse: Warehouse, chain: ChainConfig, table: str, date_expr: str) -> list[date]:
    """Dates of loaded periods (`date_expr` over `table`) that have no close yet, newest first."""
    if not chain.price_id:
        return []
    rows = query_or_none(warehouse, f"""
        select distinct {date_expr} as d from {table} as t
        where t.chain = %s and {date_expr} is not null
          and not exists (select 1 from {DATASET}.{TABLE} as p where p.coin_id = %s and p.price_date = {date_expr})
        order by d desc limit %s""", (chain.key, chain.price_id, PRICE_HEAL_DAYS))
    return [r[0] for r in rows or []]


def load_prices(config: AuroraConfig, chain: ChainConfig, warehouse: Warehouse, days: list[date], summary: RunSummary) -> None:
    providers = config.providers_for(chain.key, "prices")
    if not days or not chain.price_id or not providers:
        if days and not providers:
            summary.notes.append(f"no prices provider mapped for {chain.key}: the USD columns stay empty")
        return
    archive = ResponseArchive(bodies_to=BodyWriter(warehouse, DATASET))
    clients = [ProviderClient(p, archive) for p in providers]
    rejections = RejectionLog(archive, chain.key, set(open_rejections(warehouse, DATASET, chain.key)))
    source = prices_source(ProviderChain(clients, f"{chain.key}/prices"), archive, chain.price_id, sorted(set(days)), rejections)
    run_load(make_pipeline(PIPELINE, DATASET, warehouse), source, chain=chain.key)
    summary.rejected = [*summary.rejected, *archive.rejections]
    for client in clients:
        summary.add_provider_stats(client.key, client.stats)
