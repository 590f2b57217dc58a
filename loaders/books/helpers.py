"""Pure functions turning validated books into raw rows (one row per validator and term: the
validator sets of books.yaml are a convenience of the file, not of the warehouse)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from loaders.books.config import BooksConfig


def _text(value) -> str:
    return format(value.normalize(), "f")


def settings_rows(books: BooksConfig) -> Iterator[dict[str, Any]]:
    yield {"income_basis": books.income_basis}


def term_rows(books: BooksConfig) -> Iterator[dict[str, Any]]:
    for term in books.terms:
        yield {
            "operator": term.operator,
            "chain": term.chain,
            "validator": term.validator,
            "validator_set": term.validator_set,
            "term_index": term.term_index,
            "effective_from": term.starts,
            "effective_to": term.ends,
            "model": term.model,
            "share_pct": _text(term.share_pct),
            "issuance_fee_bps": term.fee_bps.get("issuance", 0),
            "block_fees_fee_bps": term.fee_bps.get("block_fees", 0),
            "mev_fee_bps": term.fee_bps.get("mev", 0),
            "pays_vote_costs": term.pays_vote_costs,
        }


def co_owner_rows(books: BooksConfig) -> Iterator[dict[str, Any]]:
    for term in books.terms:
        for name, share in term.co_owners:
            yield {"chain": term.chain, "validator": term.validator, "effective_from": term.starts,
                   "co_owner": name, "share_pct": _text(share)}


def cost_line_rows(books: BooksConfig) -> Iterator[dict[str, Any]]:
    for cost in books.costs:
        yield {
            "operator": cost.operator,
            "cost_line": cost.name,
            "chain": cost.chain,
            "kind": cost.kind,
            "amount": _text(cost.amount),
            "currency": cost.currency,
            "effective_from": cost.starts,
            "effective_to": cost.ends,
            "description": cost.description,
        }


def cost_line_validator_rows(books: BooksConfig) -> Iterator[dict[str, Any]]:
    for cost in books.costs:
        for validator in cost.validators:
            yield {"operator": cost.operator, "cost_line": cost.name, "chain": cost.chain, "validator": validator}
