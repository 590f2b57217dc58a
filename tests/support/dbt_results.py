"""What the last dbt command of the test's warehouse left in run_results.json."""

from __future__ import annotations

import json

from loaders.warehouse import aurora_home


def last_results() -> dict[str, str]:
    """unique_id -> message of every node the last dbt command ran."""
    results = json.loads((aurora_home() / "dbt" / "target" / "run_results.json").read_text())["results"]
    return {r["unique_id"]: r.get("message") or "" for r in results}
