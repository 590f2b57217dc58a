"""A two-table dlt source for the load-package tests: small, fast, with a cursor in its state.

`python -m tests.support.toy_pipeline <period>` loads one period the way a chain run loads one
(loaders.runs.run_load), so a test can kill it at a crash point (AURORA_FAULT, loaders/faults.py).
"""

from __future__ import annotations

import sys

import dlt

PIPELINE = "aurora_toy"
DATASET = "raw_toy"


@dlt.source(name="toy", max_table_nesting=0)
def toy(period: int, rows: int = 20):
    # The same ids every period: a later period's load replaces the rows (merge), as a re-fetched
    # period does; table `b` doubles `a`, so a half-merged pair shows.
    def a():
        dlt.current.source_state()["last_period"] = period
        yield [{"id": i, "period": period, "value": period * 1000 + i} for i in range(rows)]

    def b():
        yield [{"id": i, "period": period, "double": 2 * (period * 1000 + i)} for i in range(rows)]

    return [
        dlt.resource(a, name="a", write_disposition="merge", primary_key="id"),
        dlt.resource(b, name="b", write_disposition="merge", primary_key="id"),
    ]


def pipeline():
    from loaders.pipeline import make_pipeline
    from loaders.warehouse import open_warehouse

    return make_pipeline(PIPELINE, DATASET, open_warehouse())


def load(period: int) -> None:
    from loaders.runs import run_load

    run_load(pipeline(), toy(period), chain="toy", period=str(period))


if __name__ == "__main__":
    load(int(sys.argv[1]))
