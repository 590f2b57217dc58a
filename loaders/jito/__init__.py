"""Jito's kobe API: per-epoch MEV and priority-fee distribution figures per validator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt

from loaders.bulk import BULK_FILE_FORMAT, arrow_batch
from loaders.copy_files import CopyFiles, with_dlt_columns
from loaders.jito import helpers
from loaders.jito.settings import (
    COLUMNS,
    EPOCHS_COLUMNS,
    EPOCHS_PRIMARY_KEY,
    EPOCHS_TABLE,
    PRIMARY_KEY,
    TABLE,
    VALIDATORS_PATH,
)
from loaders.providers import ProviderChain


def fetch_validators(chain: ProviderChain, epoch: int) -> tuple[list[dict[str, Any]], str]:
    fetched = chain.call(lambda client: client.request(
        "POST", VALIDATORS_PATH, endpoint=VALIDATORS_PATH, json_body={"epoch": epoch},
        parse=lambda body: helpers.parse_validators(body, epoch),
    ))
    return fetched.value, fetched.response_id


def jito_resources(fetcher, epoch: int, done: set[str]) -> list[Any]:
    """One epoch of kobe /api/v1/validators (the tracked validators' rows) and the epoch's
    settlement row. The epoch is restated on later runs until settled: kobe reports MEV as 0
    until the tips are settled, and the merge keeps the latest figures."""
    answer: dict[str, Any] = {}

    def rows() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        if not answer:
            answer["rows"], answer["epoch"] = fetcher.jito_rows(epoch)
        return answer["rows"], answer["epoch"]

    def validators() -> Iterator[Any]:
        selected = rows()[0]
        if selected:
            files = CopyFiles(TABLE)
            try:
                yield from files.add(arrow_batch(selected, COLUMNS, chain=fetcher.chain.key, table=TABLE))
                yield from files.finish()
            finally:
                files.discard()
        else:
            yield dlt.mark.materialize_table_schema()
        done.add(TABLE)

    def epochs() -> Iterator[Any]:
        row = rows()[1]
        yield [{"chain": fetcher.chain.key, **row}] if row else dlt.mark.materialize_table_schema()
        done.add(EPOCHS_TABLE)

    return [
        dlt.resource(validators, name=TABLE, write_disposition="merge", primary_key=PRIMARY_KEY, columns=with_dlt_columns(COLUMNS),
                     file_format=BULK_FILE_FORMAT),
        dlt.resource(epochs, name=EPOCHS_TABLE, write_disposition="merge", primary_key=EPOCHS_PRIMARY_KEY, columns=EPOCHS_COLUMNS),
    ]
