"""The books source: ownership terms, co-owners and cost lines from books.yaml.

Like the registry, the file is the whole truth about itself: every load replaces the tables, so an
entry removed from the file disappears from the warehouse. History lives in the effective dates
the file keeps, never in the load history.
"""

from __future__ import annotations

from typing import Any

import dlt

from loaders.books import helpers
from loaders.books.config import BooksConfig
# The registry's helper: an empty section still gets its (empty) table, so dbt can read it.
from loaders.registry import _rows_or_empty_table
from loaders.books.settings import (
    CO_OWNER_COLUMNS,
    COST_LINE_COLUMNS,
    COST_LINE_VALIDATOR_COLUMNS,
    SETTINGS_COLUMNS,
    TERM_COLUMNS,
)


def books_tables(books: BooksConfig) -> list[tuple[str, Any, dict, list[dict[str, Any]]]]:
    """(table, primary key, column hints, rows) of every books table: what a load writes."""
    tables = (
        ("settings", "income_basis", SETTINGS_COLUMNS, helpers.settings_rows),
        ("ownership_terms", ("chain", "validator", "effective_from"), TERM_COLUMNS, helpers.term_rows),
        ("ownership_co_owners", ("chain", "validator", "effective_from", "co_owner"), CO_OWNER_COLUMNS, helpers.co_owner_rows),
        ("cost_lines", ("operator", "cost_line"), COST_LINE_COLUMNS, helpers.cost_line_rows),
        ("cost_line_validators", ("operator", "cost_line", "validator"), COST_LINE_VALIDATOR_COLUMNS, helpers.cost_line_validator_rows),
    )
    return [(name, key, columns, list(rows(books))) for name, key, columns, rows in tables]


@dlt.source(name="books", max_table_nesting=0)
def books_source(books: BooksConfig):
    for name, key, columns, rows in books_tables(books):
        yield dlt.resource(
            _rows_or_empty_table(rows),
            name=name,
            write_disposition="replace",
            primary_key=key,
            columns=columns,
        )
