"""What every chain's run shares: its summary, planning errors, and warehouse lookups."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import psycopg2

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


def run_load(pipeline, source, surface: tuple[type[BaseException], ...]) -> None:
    """pipeline.run(source), re-raising the first of `surface` found among the causes: resources
    fetch while dlt extracts, and dlt wraps what they raise in its own step error."""
    try:
        pipeline.run(source)
    except Exception as exc:
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, surface):
                raise cause from None
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
    """item key -> period of the items still rejected: the next incremental run retries them."""
    rows = query_or_none(warehouse, f"select item_key, period_id from {dataset}.rejected_items where chain = %s and status = 'rejected'", (chain,))
    return {key: period for key, period in rows or []}
