"""dlt pipelines bound to the Aurora warehouse."""

from __future__ import annotations

import dlt

import os
import stat
from pathlib import Path

from loaders.warehouse import Warehouse, aurora_home


def pipelines_dir() -> str:
    """Where dlt keeps pipeline state: $AURORA_PIPELINES_DIR, else $AURORA_HOME/dlt."""
    return os.environ.get("AURORA_PIPELINES_DIR") or str(aurora_home() / "dlt")


def ensure_private_dir(path: Path) -> Path:
    """`path` as a directory only its owner can enter (0700). dlt keeps a copy of every loaded row
    there (load packages, traces); files it already holds lose their group and other bits once,
    when the directory is first found open (an install older than this check)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        for root, dirs, files in os.walk(path):
            for name in [*dirs, *files]:
                entry = os.path.join(root, name)
                if not os.path.islink(entry):
                    os.chmod(entry, stat.S_IMODE(os.lstat(entry).st_mode) & 0o700)
        os.chmod(path, 0o700)
    return path


def make_pipeline(name: str, dataset: str, warehouse: Warehouse) -> dlt.Pipeline:
    """A pipeline whose state lives in pipelines_dir() and whose data lands in `dataset`."""
    destination = dlt.destinations.postgres(credentials=warehouse.dlt_credentials())
    return dlt.pipeline(
        pipeline_name=name,
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=str(ensure_private_dir(Path(pipelines_dir()))),
    )
