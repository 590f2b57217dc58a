"""A period's package with an appendable bulk table (attestation rewards, the real resource and
columns) and a merged one, for the first-load-appends tests.

`python -m tests.support.toy_append <period> [mode]` loads one period as a chain run does
(loaders.runs.run_load with the planner's mode, default `new`), so a test can kill it at a crash
point (AURORA_FAULT, loaders/faults.py). Period p holds epochs 10p and 10p + 1, and, as an
Ethereum day holds the day before's last epochs, the previous period's last one (10p - 9): a
period shares keys with the one before and the one after.
"""

from __future__ import annotations

import sys

import dlt

PIPELINE = "aurora_toy_append"
DATASET = "raw_toy_append"
VALIDATORS = 50


def reward_rows(period: int, value: int) -> list[dict]:
    return [{"epoch": epoch, "validator_index": v, "head_gwei": value, "target_gwei": v, "source_gwei": 1,
             "inclusion_delay_gwei": 0, "inactivity_gwei": 0, "response_id": f"r{period}"}
            for epoch in (10 * period - 9, 10 * period, 10 * period + 1) for v in range(VALIDATORS)]


@dlt.source(name="toy_append", max_table_nesting=0)
def toy_append(period: int, value: int, repeat: int = 0):
    """`repeat`: the first `repeat` rows come again at the end of the answer (a key twice in one
    package, as a retried batch would give)."""
    from loaders.ethereum.settings import COLUMNS, TABLES
    from loaders.resources import table_resource

    rows = reward_rows(period, value)
    done: set[str] = set()
    return [
        table_resource("attestation_rewards", lambda: iter([rows, [dict(r, head_gwei=-1) for r in rows[:repeat]]]),
                       chain="toy", primary_key=TABLES["attestation_rewards"], columns=COLUMNS["attestation_rewards"], done=done),
        dlt.resource([{"id": period, "value": value}], name="b", write_disposition="merge", primary_key="id"),
    ]


def pipeline():
    from loaders.pipeline import make_pipeline
    from loaders.warehouse import open_warehouse

    return make_pipeline(PIPELINE, DATASET, open_warehouse())


def load(period: int, value: int, mode: str = "new", repeat: int = 0) -> None:
    from loaders.runs import run_load

    run_load(pipeline(), toy_append(period, value, repeat), chain="toy", period=str(period), mode=mode,
             shares_keys_with=(str(period - 1), str(period + 1)))


if __name__ == "__main__":
    load(int(sys.argv[1]), int(sys.argv[2]), *(sys.argv[3:4] or ["new"]))
