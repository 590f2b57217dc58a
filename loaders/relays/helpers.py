"""Pure functions over MEV-Boost relay data API answers (flashbots/relay-specs): BidTraceV2,
numbers as decimal strings, value in wei. Relays add fields of their own: ignored."""

from __future__ import annotations

from typing import Any

from loaders.payload import Reader


def parse_delivered(body: Any, relay: str) -> list[dict[str, Any]]:
    r = Reader(f"relay {relay} proposer_payload_delivered")
    if not isinstance(body, list):
        raise r.fail("", f"expected an array of bid traces, got {type(body).__name__}")
    rows = []
    for k, trace in enumerate(body):
        at = f"[{k}]"
        rows.append({
            "relay": relay,
            "slot": r.decimal_string(trace, "slot", at, signed=False),
            "block_hash": r.str(trace, "block_hash", at).lower(),
            "block_number": r.decimal_string(trace, "block_number", at, signed=False),
            "builder_pubkey": r.str(trace, "builder_pubkey", at).lower(),
            "proposer_pubkey": r.str(trace, "proposer_pubkey", at).lower(),
            "proposer_fee_recipient": r.str(trace, "proposer_fee_recipient", at).lower(),
            "value_wei": r.decimal_string(trace, "value", at, signed=False),
            "gas_used": r.decimal_string(trace, "gas_used", at, signed=False),
            "num_tx": r.decimal_string(trace, "num_tx", at, signed=False),
        })
    return rows
