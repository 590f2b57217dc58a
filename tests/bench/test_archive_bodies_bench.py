"""The archive-bodies benchmark runs at its smallest size and reports each way of storing bodies.

A smoke check, not a measurement: bench/README.md has a real run's table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_smoke_run_stores_the_bodies_each_way():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "archive_bodies_bench.py"), "--answers", "3", "--entries", "50",
                           "--repeat", "1"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| ") and "run" not in line]
    stored_as = {cells[0].strip(): cells[1].strip() for cells in rows}
    assert stored_as["uncompressed"] == "none"
    created = next(label for label in stored_as if label.startswith("as created"))
    assert stored_as[created] in ("pglz", "lz4") and stored_as[created] in created
    assert "3 answers of 50 entries" in done.stderr
