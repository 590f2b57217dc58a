"""Jito's kobe API: per-epoch MEV and priority-fee distribution figures per validator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dlt

from loaders.jito import helpers
from loaders.jito.settings import COLUMNS, PRIMARY_KEY, TABLE, VALIDATORS_PATH
from loaders.providers import ProviderChain, Rejected


def fetch_validators(chain: ProviderChain, epoch: int) -> tuple[list[dict[str, Any]], str]:
    fetched = chain.call(lambda client: client.request(
        "POST", VALIDATORS_PATH, endpoint=VALIDATORS_PATH, json_body={"epoch": epoch},
        parse=lambda body: helpers.parse_validators(body, epoch),
    ))
    return fetched.value, fetched.response_id


def jito_validators(chain: ProviderChain, fetcher, epoch: int, done: set[str]):
    """One epoch of kobe /api/v1/validators. The epoch is restated on later runs until final:
    kobe reports MEV as 0 until it settles, and the merge keeps the latest figures."""
    tracked = set(fetcher.tracked)
    key = f"jito_validators:epoch={epoch}"

    def generate() -> Iterator[Any]:
        try:
            rows, response_id = fetch_validators(chain, epoch)
            fetcher.resolve(key, epoch, VALIDATORS_PATH, response_id)
        except Rejected as exc:
            fetcher.reject(key, epoch, VALIDATORS_PATH, exc.reason, exc.response_id)
            rows, response_id = [], None
        selected = [
            {"chain": fetcher.chain.key, **r, "response_id": response_id}
            for r in rows if not tracked or r["vote_account"] in tracked
        ]
        yield selected if selected else dlt.mark.materialize_table_schema()
        done.add(TABLE)

    return dlt.resource(generate, name=TABLE, write_disposition="merge", primary_key=PRIMARY_KEY, columns=COLUMNS)
