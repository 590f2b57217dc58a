"""Run dbt in-process against the Aurora warehouse and report the outcome plainly."""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from loaders.warehouse import Warehouse, aurora_home, project_root


@dataclass
class NodeResult:
    name: str
    resource_type: str
    status: str
    message: str
    failures: int | None = None


@dataclass
class DbtOutcome:
    command: str
    success: bool
    seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    error: str | None = None

    def counts(self) -> Counter:
        return Counter(node.status for node in self.nodes)

    def problems(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in ("error", "fail", "warn", "runtime error")]


def dbt_project_dir() -> Path:
    return project_root() / "dbt_project"


def dbt_env(warehouse: Warehouse) -> dict[str, str]:
    env = warehouse.env()
    env.update(
        {
            "DBT_PROJECT_DIR": str(dbt_project_dir()),
            # Artifacts stay out of the checkout: they are runtime output.
            "DBT_TARGET_PATH": str(aurora_home() / "dbt" / "target"),
            "DBT_LOG_PATH": str(aurora_home() / "dbt" / "logs"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    return env


def run_dbt(warehouse: Warehouse, args: list[str], quiet: bool = False) -> DbtOutcome:
    """Invoke `dbt <args>` with the warehouse's connection; never raises for model failures."""
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(warehouse))
    flags = ["--project-dir", str(dbt_project_dir()), "--profiles-dir", str(project_root())]
    if quiet:
        flags.append("--quiet")
    started = time.monotonic()
    result = dbtRunner().invoke([*args, *flags])
    outcome = DbtOutcome(
        command="dbt " + " ".join(args),
        success=bool(result.success),
        seconds=time.monotonic() - started,
        error=str(result.exception) if result.exception else None,
    )
    for item in getattr(result.result, "results", None) or []:
        node = getattr(item, "node", None)
        outcome.nodes.append(
            NodeResult(
                name=getattr(node, "name", "?"),
                resource_type=str(getattr(node, "resource_type", "?")),
                status=str(item.status),
                message=str(item.message or ""),
                failures=getattr(item, "failures", None),
            )
        )
    return outcome
