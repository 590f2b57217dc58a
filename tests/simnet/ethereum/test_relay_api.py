"""MEV-Boost relay data API: pagination, limits, filters and cross-relay duplicates."""

from __future__ import annotations

from collections import defaultdict

import pytest
import requests

from simnet.ethereum import EthereumModel
from simnet.ethereum.relay import RelayApi
from simnet.faults import FaultPlan
from simnet.http import SimServer

PATH = "/relay/v1/data/bidtraces/proposer_payload_delivered"


@pytest.fixture(scope="module")
def relays():
    model = EthereumModel()
    servers = {name: SimServer(RelayApi(model, name), FaultPlan()).start() for name in model.params.relays}
    yield model, {name: s.url for name, s in servers.items()}
    for s in servers.values():
        s.stop()


def fetch(url, **params):
    return requests.get(url + PATH, params=params, timeout=30)


def walk(url) -> list[dict]:
    """Every delivered payload, newest first, by cursor pages (next cursor = last slot - 1)."""
    out, cursor = [], None
    while True:
        page = fetch(url, **({} if cursor is None else {"cursor": cursor})).json()
        out.extend(page)
        if len(page) < 200:
            return out
        cursor = int(page[-1]["slot"]) - 1


def test_cursor_walk_newest_first(relays):
    model, urls = relays
    url = urls["flashbots"]
    everything = walk(url)
    slots = [int(t["slot"]) for t in everything]
    assert slots == sorted(slots, reverse=True) and len(set(slots)) == len(slots)
    assert len(everything) > 200  # more than one page
    expected = [s for s in range(model.head_slot, 0, -1) if "flashbots" in model.relays_for(s)]
    assert slots == expected
    first = fetch(url).json()
    assert len(first) == 200 and first == everything[:200]
    inclusive = fetch(url, cursor=slots[5], limit=3).json()
    assert [int(t["slot"]) for t in inclusive] == slots[5:8]


def test_limits_and_argument_errors(relays):
    model, urls = relays
    url = urls["ultrasound"]
    assert len(fetch(url, limit=200).json()) == 200
    r = fetch(url, limit=201)
    assert r.status_code == 400 and r.json() == {"code": 400, "message": "maximum limit is 200"}
    r = fetch(url, slot=100, cursor=200)
    assert r.status_code == 400 and "cursor" in r.json()["message"]
    assert fetch(url, limit="ten").status_code == 400
    assert fetch(url, order_by="size").status_code == 400


def test_slot_and_filters(relays):
    model, urls = relays
    slot = next(s for s in range(model.head_slot, 0, -1) if "agnostic" in model.relays_for(s))
    url = urls["agnostic"]
    (trace,) = fetch(url, slot=slot).json()
    assert trace == model.payloads.bid_trace(slot)
    assert fetch(url, block_hash=trace["block_hash"]).json() == [trace]
    assert fetch(url, block_number=trace["block_number"]).json() == [trace]
    by_proposer = fetch(url, proposer_pubkey=trace["proposer_pubkey"]).json()
    assert trace in by_proposer and {t["proposer_pubkey"] for t in by_proposer} == {trace["proposer_pubkey"]}
    by_builder = fetch(url, builder_pubkey=trace["builder_pubkey"], limit=50).json()
    assert {t["builder_pubkey"] for t in by_builder} == {trace["builder_pubkey"]}
    local = next(s for s in range(model.head_slot, 0, -1) if model.block_produced(s) and not model.is_mev_boost(s))
    assert fetch(url, slot=local).json() == []
    assert fetch(url, slot=model.head_slot + 10).json() == []
    ordered = fetch(url, order_by="-value", limit=10).json()
    values = [int(t["value"]) for t in ordered]
    assert values == sorted(values, reverse=True)


def test_the_same_block_is_delivered_by_several_relays(relays):
    model, urls = relays
    seen: dict[str, list[dict]] = defaultdict(list)
    for name, url in urls.items():
        for trace in walk(url):
            seen[trace["block_hash"]].append(trace)
    ev = model.events
    unconfigured = {ev.unconfigured_relay_slot, ev.unconfigured_unpaid_slot}
    mev_slots = [s for s in range(1, model.head_slot + 1) if model.is_mev_boost(s)]
    # deduped by block hash: one per MEV-Boost block, but those only the unconfigured relay delivered
    assert len(seen) == len(mev_slots) - len(unconfigured)
    assert all(model.relays_for(s) == ("titan",) for s in unconfigured) and "titan" not in urls
    copies = [len(traces) for traces in seen.values()]
    assert max(copies) == 3 and min(copies) == 1 and sum(c > 1 for c in copies) > len(copies) // 4
    for traces in seen.values():
        if traces[0]["slot"] == str(ev.relay_disagreement_slot):
            # the planted disagreement: the last relay reports 3 % less for the same block
            values = [int(t["value"]) for t in traces]
            assert len(traces) >= 2 and values[-1] == values[0] * 97 // 100 and len(set(values[:-1])) == 1
            continue
        assert all(t == traces[0] for t in traces)  # identical bids, not conflicting ones
