"""Loading the USD closes a chain's loaded periods need; called at the end of each chain's run."""

from __future__ import annotations

from datetime import date

from loaders.config import AuroraConfig, ChainConfig
from loaders.pipeline import make_pipeline
from loaders.prices import prices_source
from loaders.prices.settings import DATASET, PIPELINE
from loaders.providers import ProviderChain, ProviderClient, ProviderUnavailable, Rejected, ResponseArchive
from loaders.providers.client import NotFound
from loaders.runs import RunSummary, run_load
from loaders.warehouse import Warehouse


def load_prices(config: AuroraConfig, chain: ChainConfig, warehouse: Warehouse, days: list[date], summary: RunSummary) -> None:
    providers = config.providers_for(chain.key, "prices")
    if not days or not chain.price_id or not providers:
        if days and not providers:
            summary.notes.append(f"no prices provider mapped for {chain.key}: the USD columns stay empty")
        return
    archive = ResponseArchive()
    clients = [ProviderClient(p, archive) for p in providers]
    source = prices_source(ProviderChain(clients, f"{chain.key}/prices"), archive, chain.price_id, sorted(set(days)))
    try:
        run_load(make_pipeline(PIPELINE, DATASET, warehouse), source, chain=chain.key)
    except Exception as exc:  # dlt wraps the provider's failure; USD is an extra, not a reason to fail the run
        cause = exc
        while cause.__cause__ is not None or cause.__context__ is not None:
            if isinstance(cause, (ProviderUnavailable, Rejected, NotFound)):
                break
            cause = cause.__cause__ or cause.__context__
        summary.notes.append(f"USD prices not loaded ({chain.price_id}): {cause}")
        return
    for client in clients:
        summary.providers[client.key] = dict(client.stats)
