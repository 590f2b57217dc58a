"""The registry source: chains, providers, their mappings and operators, from the config files.

Config is the whole truth about itself, so every load replaces the tables: loading twice leaves
the same rows, and an entry removed from a file disappears from the warehouse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import dlt

from loaders.config import AuroraConfig
from loaders.registry import helpers
from loaders.registry.settings import (
    CHAIN_COLUMNS,
    MAPPING_COLUMNS,
    OPERATOR_COLUMNS,
    OPERATOR_FEE_RECIPIENT_COLUMNS,
    OPERATOR_VALIDATOR_COLUMNS,
    PROVIDER_COLUMNS,
)


def _rows_or_empty_table(rows: Iterable[dict[str, Any]]) -> Iterator[Any]:
    rows = list(rows)
    if rows:
        yield rows
    else:
        # An empty section still gets its (now empty) table, so dbt can read it.
        yield dlt.mark.materialize_table_schema()


def registry_tables(config: AuroraConfig) -> list[tuple[str, Any, dict, list[dict[str, Any]]]]:
    """(table, primary key, column hints, rows) of every registry table: what a load writes."""
    tables = (
        ("chains", "chain", CHAIN_COLUMNS, helpers.chain_rows),
        ("providers", "provider", PROVIDER_COLUMNS, helpers.provider_rows),
        ("chain_provider_mappings", ("chain", "role", "priority"), MAPPING_COLUMNS, helpers.mapping_rows),
        ("operators", "operator", OPERATOR_COLUMNS, helpers.operator_rows),
        ("operator_validators", ("chain", "validator"), OPERATOR_VALIDATOR_COLUMNS, helpers.operator_validator_rows),
        ("operator_fee_recipients", ("chain", "address"), OPERATOR_FEE_RECIPIENT_COLUMNS, helpers.operator_fee_recipient_rows),
    )
    return [(name, key, columns, list(rows(config))) for name, key, columns, rows in tables]


@dlt.source(name="registry", max_table_nesting=0)
def registry_source(config: AuroraConfig):
    for name, key, columns, rows in registry_tables(config):
        yield dlt.resource(
            _rows_or_empty_table(rows),
            name=name,
            write_disposition="replace",
            primary_key=key,
            columns=columns,
        )
