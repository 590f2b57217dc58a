"""Large answers are generated while they are written: chunked on the wire, small in memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest
import requests

from simnet.http import Request
from simnet.jsonstream import Lazy, encode, iter_chunks, materialize
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.jito import JitoKobeApi
from simnet.solana.model import SolanaParams
from simnet.solana.rpc import SolanaRpcApi

VALIDATORS = 2_000


@pytest.fixture(scope="module")
def big_net():
    with SimNetwork(NetworkSpec(solana=SolanaParams(validators=VALIDATORS), ethereum=None)) as net:
        yield net


def vote_accounts_body(api: SolanaRpcApi):
    """The reply body exactly as the server builds it, before encoding."""
    call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getVoteAccounts"}).encode()
    return api.routes()[0].handler(Request("POST", "/", {}, {}, call)).body


def kobe_validators_body(api: JitoKobeApi):
    return api.validators(Request("GET", "/api/v1/validators", {}, {}, b"")).body


def test_a_large_answer_is_sent_chunked(big_net):
    with requests.get(big_net.urls["jito"] + "/api/v1/validators", stream=True, timeout=30) as response:
        assert response.headers.get("Transfer-Encoding") == "chunked"
        assert "Content-Length" not in response.headers
        body = response.content
    assert len(body) > 256 * 1024  # several chunks
    entries = json.loads(body)["validators"]
    assert len(entries) == VALIDATORS and entries[-1]["vote_account"] == big_net.solana.validators[-1].vote


def test_a_chunked_json_rpc_answer_parses_whole(big_net):
    url = big_net.urls["solana_rpc"]
    with requests.post(url, json={"jsonrpc": "2.0", "id": 5, "method": "getVoteAccounts"}, stream=True, timeout=30) as response:
        assert response.headers.get("Transfer-Encoding") == "chunked"
        reply = response.json()
    assert reply["id"] == 5
    assert len(reply["result"]["current"]) + len(reply["result"]["delinquent"]) == VALIDATORS


def test_a_small_answer_has_a_content_length(big_net):
    response = requests.post(big_net.urls["solana_rpc"], json={"jsonrpc": "2.0", "id": 1, "method": "getSlot"}, timeout=5)
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert "Transfer-Encoding" not in response.headers


@pytest.mark.parametrize("build", [
    lambda m: vote_accounts_body(SolanaRpcApi(m)),
    lambda m: kobe_validators_body(JitoKobeApi(m)),
], ids=["getVoteAccounts", "kobe_validators"])
def test_generating_a_large_answer_keeps_memory_well_below_its_size(big_net, build):
    model = big_net.solana
    size = sum(len(chunk) for chunk in iter_chunks(build(model)))  # also warms the model's epochs
    assert size > 700_000
    tracemalloc.start()
    try:
        written = sum(len(chunk) for chunk in iter_chunks(build(model)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == size
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte body"


def test_streamed_encoding_equals_plain_json():
    value = {"a": [1, {"b": Lazy(lambda: iter([1.5, None, {"c": Lazy(lambda: iter(["é", True]))}]))}], 3: None, "t": (1, 2)}
    assert encode(value) == json.dumps(materialize(value), separators=(",", ":"), ensure_ascii=False).encode()
    chunks = list(iter_chunks(Lazy(lambda: iter(range(20_000))), size=1024))
    assert len(chunks) > 50 and all(len(c) >= 1024 for c in chunks[:-1])
    assert json.loads(b"".join(chunks)) == list(range(20_000))


def test_pre_encoded_entries_are_joined_in_batches_and_dropped_by_a_map():
    entries = Lazy(lambda: iter(range(7)), encoded=lambda: iter([[], ["0", "1"], [], ["2"], ["3", "4", "5", "6"], []]))
    assert encode({"a": entries}) == b'{"a":[0,1,2,3,4,5,6]}'
    assert encode(Lazy(lambda: iter(()), encoded=lambda: iter([[]]))) == b"[]"
    mapped = entries.map(lambda i, item: item * 10)
    assert mapped.encoded is None and encode(mapped) == b"[0,10,20,30,40,50,60]"
