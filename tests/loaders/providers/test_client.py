"""Retries, Retry-After, timeouts, malformed bodies, fallback and key redaction, over real HTTP
to the simulated Solana node with injected faults."""

from __future__ import annotations

import json
import time

import pytest

from loaders.config import ProviderConfig
from loaders.providers import ProviderChain, ProviderClient, ProviderUnavailable, Rejected, ResponseArchive
from loaders.providers.client import HttpSettings, NotFound, retry_after_seconds
from loaders.providers.jsonrpc import JsonRpc, RpcError
from loaders.providers.ratelimit import RateLimiter
from loaders.solana import helpers
from simnet.network import NetworkSpec, SimNetwork

FAST = HttpSettings(backoff_seconds=0.01, max_backoff_seconds=0.05, max_retry_after_seconds=5)


@pytest.fixture
def net():
    with SimNetwork(NetworkSpec(ethereum=None)) as network:
        yield network


def provider(url: str, key: str = "node", retries: int = 3, timeout: float = 2, **extra) -> ProviderConfig:
    return ProviderConfig(key=key, type="solana_rpc", base_url=url, requests_per_second=1000,
                          timeout_seconds=timeout, retries=retries, **extra)


def rpc(net, archive=None, **kw) -> tuple[JsonRpc, ResponseArchive, ProviderClient]:
    archive = archive or ResponseArchive()
    client = ProviderClient(provider(net.urls["solana_rpc"], **kw), archive, FAST)
    return JsonRpc(ProviderChain([client], "solana/meta")), archive, client


def test_429_is_retried_after_the_time_the_server_asks(net):
    net.faults.add(api="solana_rpc", endpoint="getEpochInfo", kind="rate_limit", retry_after=0.3, times=1)
    client_rpc, archive, client = rpc(net)
    started = time.monotonic()
    info = client_rpc.call("getEpochInfo", [], helpers.parse_epoch_info).value
    assert time.monotonic() - started >= 0.3
    assert info.epoch == net.solana.current_epoch
    assert client.stats["retries"] == 1
    statuses = [r["http_status"] for r in archive.drain_responses()]
    assert statuses == [429, 200]


@pytest.mark.parametrize("kind,extra", [("server_error", {"status": 502}), ("truncate", {}), ("wrong_type", {})])
def test_transient_failures_are_retried(net, kind, extra):
    net.faults.add(api="solana_rpc", endpoint="getEpochSchedule", kind=kind, times=2, **extra)
    client_rpc, archive, client = rpc(net)
    schedule = client_rpc.call("getEpochSchedule", [], helpers.parse_epoch_schedule).value
    assert schedule.slots_per_epoch == net.solana.S
    assert client.stats["retries"] == 2
    assert len(archive.drain_responses()) == 3  # every attempt is archived


def test_a_slow_answer_times_out_and_is_retried(net):
    net.faults.add(api="solana_rpc", endpoint="getSlot", kind="slow", delay=1.0, times=1)
    client_rpc, archive, _ = rpc(net, timeout=0.3)
    assert client_rpc.call("getSlot", []).value == net.solana.head_slot
    first, second = archive.drain_responses()
    assert first["http_status"] is None and "Timeout" in first["error"]
    assert second["http_status"] == 200


def test_a_permanently_malformed_answer_is_rejected_with_the_reason(net):
    net.faults.add(api="solana_rpc", endpoint="getEpochSchedule", kind="wrong_type", path="slotsPerEpoch", times=None)
    client_rpc, archive, _ = rpc(net, retries=2)
    with pytest.raises(Rejected) as caught:
        client_rpc.call("getEpochSchedule", [], helpers.parse_epoch_schedule)
    assert "getEpochSchedule: result.slotsPerEpoch: expected an integer, got '12.5e'" in caught.value.reason
    assert "(after 3 attempts)" in caught.value.reason
    assert caught.value.response_id in {r["response_id"] for r in archive.drain_responses()}


def test_one_bad_call_in_a_batch_keeps_the_good_ones(net):
    slots = net.solana.produced_slots(600, 620)[:4]
    net.faults.add(api="solana_rpc", endpoint="getBlock", kind="wrong_type", path="parentSlot", match={"slot": slots[1]}, times=None)
    client_rpc, _, client = rpc(net, retries=1)
    outcomes = client_rpc.batch("getBlock", [[s, {"transactionDetails": "none"}] for s in slots],
                                lambda result, p: helpers.parse_block(result, p[0], 5000, None))
    assert [o.malformed is None for o in outcomes] == [True, False, True, True]
    assert "parentSlot: expected an integer" in outcomes[1].malformed
    assert client.stats["retries"] == 1  # the batch was retried once before keeping what was good


def test_rpc_errors_are_not_retried_and_carry_the_code(net):
    skipped = next(s for s in range(600, 700) if not net.solana.is_produced(s))
    client_rpc, _, client = rpc(net)
    with pytest.raises(RpcError) as caught:
        client_rpc.call("getBlock", [skipped, {"transactionDetails": "none"}])
    assert caught.value.code == -32007
    assert client.stats["retries"] == 0


def test_fallback_to_the_next_provider_by_priority(net):
    archive = ResponseArchive()
    broken = ProviderClient(provider(net.urls["solana_rpc"] + "/broken", key="primary", retries=1), archive, FAST)
    working = ProviderClient(provider(net.urls["solana_rpc"], key="backup"), archive, FAST)
    chain = ProviderChain([broken, working], "solana/meta")
    assert JsonRpc(chain).call("getSlot", []).value == net.solana.head_slot
    assert chain.fallbacks == 1


def test_every_provider_down_is_a_clear_error(net):
    net.faults.add(api="solana_rpc", endpoint="getSlot", kind="server_error", status=503, times=None)
    client_rpc, _, _ = rpc(net, retries=1)
    with pytest.raises(ProviderUnavailable, match=r"solana/meta: every provider failed: node getSlot: HTTP 503 \(after 2 attempts\)"):
        client_rpc.call("getSlot", [])


def test_404_is_not_found_not_a_retry(net):
    client = ProviderClient(provider(net.urls["jito"], key="kobe"), ResponseArchive(), FAST)
    with pytest.raises(NotFound):
        client.request("GET", "/api/v1/nowhere", endpoint="/api/v1/nowhere")
    assert client.stats["retries"] == 0


@pytest.mark.parametrize("placement", [{"api_key_param": "api-key"}, {"api_key_header": "x-api-key"}, {}])
def test_api_keys_never_reach_archive_rows_or_errors(net, monkeypatch, placement):
    secret = "sk-live-0123456789abcdef"
    monkeypatch.setenv("SIM_RPC_KEY", secret)
    net.faults.add(api="solana_rpc", endpoint="getSlot", kind="slow", delay=1, times=1)
    archive = ResponseArchive()
    client = ProviderClient(provider(net.urls["solana_rpc"], api_key_env="SIM_RPC_KEY", timeout=0.3, **placement), archive, FAST)
    JsonRpc(ProviderChain([client], "solana/meta")).call("getSlot", [])
    rows = archive.drain_responses()
    assert len(rows) == 2
    assert secret not in json.dumps(rows, default=str)
    assert all("?" not in row["url"] for row in rows)


def test_a_key_in_the_url_path_is_filled_at_send_time_only(monkeypatch):
    monkeypatch.setenv("SIM_RPC_KEY", "sekret")
    client = ProviderClient(provider("https://rpc.example.com/{api_key}", api_key_env="SIM_RPC_KEY"), ResponseArchive(), FAST)
    sent, stored = client._url("/v1")
    assert sent == "https://rpc.example.com/sekret/v1" and stored == "https://rpc.example.com/{api_key}/v1"
    assert client.redact("failed: https://rpc.example.com/sekret/v1") == "failed: https://rpc.example.com/***/v1"


def test_rate_limit_spaces_requests():
    limiter = RateLimiter(20)
    started = time.monotonic()
    for _ in range(30):
        limiter.wait()
    assert time.monotonic() - started >= (30 - 20) / 20 * 0.9


@pytest.mark.parametrize("value,expected", [("3", 3.0), ("0.5", 0.5), (None, None), ("soon", None)])
def test_retry_after_values(value, expected):
    assert retry_after_seconds(value) == expected


def test_retry_after_as_an_http_date():
    from email.utils import formatdate

    assert 1.5 < retry_after_seconds(formatdate(time.time() + 3, usegmt=True)) <= 3


def test_archive_keeps_bodies_up_to_the_limit(monkeypatch):
    monkeypatch.setenv("AURORA_ARCHIVE_MAX_BODY_BYTES", "10")
    archive = ResponseArchive()
    for body in (b'{"a":1}', b'{"big":"0123456789"}'):
        archive.record(provider="p", provider_type="solana_rpc", endpoint="e", url="u", params=None, attempt=1,
                       http_status=200, body=body)
    small, big = archive.drain_responses()
    import hashlib

    assert dict(archive.drain_bodies()) == {small["sha256"]: b'{"a":1}'}  # the big one: hash and size only
    assert big["sha256"] == hashlib.sha256(b'{"big":"0123456789"}').hexdigest() and big["body_bytes"] == 20
