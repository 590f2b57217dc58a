"""What every chain's run shares: its summary, planning errors, and warehouse lookups."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg2

from loaders.pipeline import LoadError, WarehouseLost, load_package
from loaders.providers.archive import Rejection
from loaders.warehouse import Warehouse


@dataclass
class RunSummary:
    chain: str
    periods: list[str] = field(default_factory=list)
    rows: Counter = field(default_factory=Counter)
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    non_final: list[str] = field(default_factory=list)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    plan: list[str] = field(default_factory=list)  # what the run set out to do, printed before it starts
    failed: str | None = None  # the provider failure that stopped the run, if any

    def add_provider_stats(self, key: str, stats: dict[str, Any]) -> None:
        """Requests per provider, summed over the clients that used it in this run."""
        mine = self.providers.setdefault(key, {"requests": 0, "retries": 0, "waited_seconds": 0.0})
        for name in ("requests", "retries", "waited_seconds"):
            mine[name] += stats.get(name, 0)


class PlanError(Exception):
    pass


def run_load(pipeline, source, surface: tuple[type[BaseException], ...] = (), *, chain: str | None = None,
             period: str | None = None, mode: str | None = None, shares_keys_with: tuple[str, ...] = ()) -> None:
    """Load `source` as one package (loaders/pipeline.py: after finishing what an interrupted run
    left, under the pipeline's and the dataset's locks), re-raising the first of `surface` found
    among the causes: resources fetch while dlt extracts, and dlt wraps what they raise in its
    own step error. A lost warehouse connection is said plainly, never as a traceback."""
    try:
        load_package(pipeline, source, chain=chain, period=period, mode=mode, shares_keys_with=shares_keys_with)
    except LoadError:
        raise
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, surface):
                raise cause from None
            if isinstance(cause, psycopg2.OperationalError):
                raise WarehouseLost(f"lost the connection to the warehouse while loading {pipeline.pipeline_name}: "
                                    f"{str(cause).strip()}. Nothing of this package is visible; run again.") from None
            cause = cause.__cause__ or cause.__context__
        raise


def query_or_none(warehouse: Warehouse, sql: str, params: tuple) -> list[tuple] | None:
    """Rows, or None when the table does not exist yet (a first run)."""
    try:
        with warehouse.connect() as conn, conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    except psycopg2.errors.UndefinedTable:
        return None




def open_rejections(warehouse: Warehouse, dataset: str, chain: str) -> dict[str, str]:
    """item key -> period of the items still rejected: the next incremental run retries them.
    A period a discarded package left half written is retried the same way (key `reload:<load id>`)."""
    from loaders.pipeline import known_pipelines, periods_to_reload

    rows = query_or_none(warehouse, f"select item_key, period_id from {dataset}.rejected_items where chain = %s and status = 'rejected'", (chain,))
    out = {key: period for key, period in rows or []}
    for pipeline, pipeline_dataset in known_pipelines():
        if pipeline_dataset == dataset:
            out.update({f"reload:{load_id}": period for load_id, period in periods_to_reload(warehouse, pipeline, chain).items()})
    return out
