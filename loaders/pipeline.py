"""dlt pipelines bound to the Aurora warehouse."""

from __future__ import annotations

import dlt

import os

from loaders.warehouse import Warehouse, aurora_home


def pipelines_dir() -> str:
    """Where dlt keeps pipeline state: $AURORA_PIPELINES_DIR, else $AURORA_HOME/dlt."""
    return os.environ.get("AURORA_PIPELINES_DIR") or str(aurora_home() / "dlt")


def make_pipeline(name: str, dataset: str, warehouse: Warehouse) -> dlt.Pipeline:
    """A pipeline whose state lives in pipelines_dir() and whose data lands in `dataset`."""
    destination = dlt.destinations.postgres(credentials=warehouse.dlt_credentials())
    return dlt.pipeline(
        pipeline_name=name,
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=pipelines_dir(),
    )
