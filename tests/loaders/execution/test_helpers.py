"""Every published execution payload of the endpoints Aurora reads parses."""

from __future__ import annotations

import pytest

from loaders.execution import helpers
from loaders.providers import PayloadError
from tests.support.fixtures import fixture_paths, load, result_of


@pytest.mark.parametrize("path", fixture_paths("execution", "eth_getBlockByNumber"), ids=lambda p: p.name)
def test_blocks_parse(path):
    result = result_of(load(path))
    if result.get("transactions") is None:
        result = {**result, "transactions": []}  # a header-only capture (the alloy test)
    if result["transactions"] and isinstance(result["transactions"][0], str):
        with pytest.raises(PayloadError, match="ask for full transactions"):
            helpers.parse_block(result)
        return
    parsed = helpers.parse_block(result)
    assert parsed["block"]["base_fee_per_gas_wei"] > 0
    assert parsed["block"]["miner"].startswith("0x")


@pytest.mark.parametrize("path", fixture_paths("execution", "eth_getBlockReceipts"), ids=lambda p: p.name)
def test_receipts_parse(path):
    result = result_of(load(path))
    number = int(result[0]["blockNumber"], 16)
    rows = helpers.parse_receipts(result, number)
    assert rows and all(r["effective_gas_price_wei"] > 0 for r in rows)


def test_receipts_of_another_block_are_rejected():
    result = result_of(load(fixture_paths("execution", "eth_getBlockReceipts")[0]))
    with pytest.raises(PayloadError, match=r"eth_getBlockReceipts: result\[0\]\.blockNumber: asked for block 99, got 1"):
        helpers.parse_receipts(result, 99)
