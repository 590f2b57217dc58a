"""The pipeline benchmark runs end to end at its smallest sizes and reports every goal of issue 10.

A smoke check, not a measurement: the numbers of a --smoke run mean nothing (a few dozen
validators, builds of one model); bench/README.md has a real run's table.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

GOALS = [
    "load ÷ COPY, one epoch of attestation rewards (1,000 validators)",
    "load ÷ COPY, one epoch of attestation rewards (4,000 validators)",
    "peak RSS, one epoch of 4,000 ÷ 1,000 validators",
    "load ÷ COPY of the same raw rows (32 validators, 1 day)",
    "load ÷ COPY of the same raw rows (128 validators, 1 day)",
    "load 128 ÷ 32 validators",
    "peak RSS of the load, 128 ÷ 32 validators",
    "archive bytes per period (32 validators)",
    "archive bytes per period (128 validators)",
    "requests per tracked validator-period (32 validators)",
    "requests per tracked validator-period (128 validators)",
    "build 128 ÷ 32 validators",
    "peak RSS of a 1-period vs a 1-period range load (Solana)",
    "no-op build (nothing new)",
    "one new period after 3 vs after 1 periods",
    "one new period ÷ full rebuild of 4 periods",
]


def test_the_smoke_run_reports_every_goal(tmp_path):
    results = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline_bench.py"), "--smoke", "--json", str(results)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    table = [line for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| goal")]
    goals = [line.split(" | ")[0].removeprefix("| ") for line in table]
    assert goals == GOALS, done.stdout
    assert "machine: " in done.stdout
    measured = json.loads(results.read_text())
    # What the smoke can check without timing anything: the rerun of a final day fetches only the
    # head snapshot and archives no new response; every raw row was counted for the COPY floor.
    for day in measured["ingest"]:
        assert day["rerun_requests"] == 4 and day["rerun_new_responses"] == 0, day
        assert day["rows"] > day["validators"] and day["copy_s"] > 0
    assert [e["rows"] for e in measured["epoch"]] == [1001, 4001]  # the planted deposit adds one validator


def test_the_grain_case_lands_a_row_per_validator_at_day_grain(tmp_path):
    results = tmp_path / "grain.json"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline_bench.py"), "--case", "grain", "--grains", "day",
                           "--grain-validators", "1000", "--grain-epochs", "1,2", "--json", str(results)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| loader CPU per attestation entry, day grain |" in done.stdout, done.stdout
    runs = json.loads(results.read_text())
    # One row per validator whatever the epochs (the planted deposit adds one), one batch row per
    # epoch's answer, nothing in the epoch table.
    assert [(r["epochs"], r["attestation_rewards_daily_rows"], r["attestation_rewards_daily_batches_rows"],
             r["attestation_rewards_rows"]) for r in runs] == [(1, 1001, 1, 0), (2, 1001, 2, 0)]
