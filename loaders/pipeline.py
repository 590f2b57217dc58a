"""dlt pipelines bound to the Aurora warehouse."""

from __future__ import annotations

import dlt

from loaders.warehouse import Warehouse, aurora_home


def make_pipeline(name: str, dataset: str, warehouse: Warehouse) -> dlt.Pipeline:
    """A pipeline whose state lives under $AURORA_HOME/dlt and whose data lands in `dataset`."""
    destination = dlt.destinations.postgres(credentials=warehouse.dlt_credentials())
    return dlt.pipeline(
        pipeline_name=name,
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=str(aurora_home() / "dlt"),
    )
