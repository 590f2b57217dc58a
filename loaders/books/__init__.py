"""The books source: ownership terms, co-owners and cost lines from books.yaml.

Like the registry, the file is the whole truth about itself: every load replaces the tables, so an
entry removed from the file disappears from the warehouse. History lives in the effective dates
the file keeps, never in the load history.
"""

from __future__ import annotations

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


@dlt.source(name="books", max_table_nesting=0)
def books_source(books: BooksConfig):
    tables = (
        ("settings", "income_basis", SETTINGS_COLUMNS, helpers.settings_rows),
        ("ownership_terms", ("chain", "validator", "effective_from"), TERM_COLUMNS, helpers.term_rows),
        ("ownership_co_owners", ("chain", "validator", "effective_from", "co_owner"), CO_OWNER_COLUMNS, helpers.co_owner_rows),
        ("cost_lines", ("operator", "cost_line"), COST_LINE_COLUMNS, helpers.cost_line_rows),
        ("cost_line_validators", ("operator", "cost_line", "validator"), COST_LINE_VALIDATOR_COLUMNS, helpers.cost_line_validator_rows),
    )
    for name, key, columns, rows in tables:
        yield dlt.resource(
            _rows_or_empty_table(rows(books)),
            name=name,
            write_disposition="replace",
            primary_key=key,
            columns=columns,
        )


def load_books_into(warehouse, books: BooksConfig) -> None:
    """Replace raw_books with these books (its own dlt pipeline and dataset)."""
    from loaders.books.settings import DATASET, PIPELINE
    from loaders.pipeline import make_pipeline
    from loaders.runs import run_load

    run_load(make_pipeline(PIPELINE, DATASET, warehouse), books_source(books))
