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


# ---------------------------------------------------------------- secrets in every encoding
HOSTILE_KEY = "k3y+/=&?#%é 'q\"~:@x"


def test_every_encoding_of_a_key_is_masked():
    from urllib.parse import quote, quote_plus

    from loaders.providers.client import redact_secret

    for form in (HOSTILE_KEY, quote(HOSTILE_KEY, safe=""), quote(HOSTILE_KEY), quote_plus(HOSTILE_KEY),
                 quote_plus(HOSTILE_KEY).lower().replace("k3y", "k3y"), json.dumps(HOSTILE_KEY)[1:-1], repr(HOSTILE_KEY)[1:-1],
                 quote(HOSTILE_KEY, safe="").lower()):
        text = f"GET /v1?api-key={form}&x=1 failed"
        assert redact_secret(text, HOSTILE_KEY) == "GET /v1?api-key=***&x=1 failed", form


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("placement", [{"api_key_param": "api-key"}, {"api_key_header": "x-api-key"}])
def test_a_key_with_url_special_characters_never_leaks(monkeypatch, caplog, placement):
    """Connection errors quote the URL (and so the key) percent-encoded: masked there too."""
    import logging
    from urllib.parse import quote, quote_plus

    monkeypatch.setenv("HOSTILE_KEY", HOSTILE_KEY)
    caplog.set_level(logging.DEBUG)
    archive = ResponseArchive()
    client = ProviderClient(provider(f"http://127.0.0.1:{_closed_port()}", api_key_env="HOSTILE_KEY", retries=1, **placement),
                            archive, FAST)
    with pytest.raises(ProviderUnavailable) as caught:
        JsonRpc(ProviderChain([client], "solana/meta")).call("getSlot", [])
    logging.getLogger("urllib3.connectionpool").debug("sent %s", f"/?api-key={quote_plus(HOSTILE_KEY)}")
    texts = [str(caught.value), json.dumps(archive.drain_responses(), default=str), caplog.text]
    assert "ConnectionError" in texts[1]
    for form in (HOSTILE_KEY, quote(HOSTILE_KEY, safe=""), quote_plus(HOSTILE_KEY), quote(HOSTILE_KEY)):
        for text in texts:
            assert form not in text


class _Recorder:
    """A local HTTP server that answers with a fixed status and headers and records requests."""

    def __init__(self, status=200, headers=None, body=b'{"jsonrpc":"2.0","id":0,"result":7}'):
        import http.server
        import threading

        self.seen: list[tuple[str, str, dict]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                recorder.seen.append((self.command, self.path, dict(self.headers)))
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def servers():
    made = []

    def make(**kw):
        made.append(_Recorder(**kw))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.mark.parametrize("placement", [{"api_key_header": "x-api-key"}, {"api_key_param": "api-key"}, {}])
def test_a_key_is_never_sent_to_another_host_on_redirect(monkeypatch, servers, placement):
    from loaders.providers.client import ClientError

    monkeypatch.setenv("SIM_RPC_KEY", "sk-live-redirect")
    elsewhere = servers()
    # Another host: the same server under another name (localhost vs 127.0.0.1) is another origin.
    other = elsewhere.url.replace("127.0.0.1", "localhost")
    origin = servers(status=307, headers={"Location": other + "/landing"})
    archive = ResponseArchive()
    client = ProviderClient(provider(origin.url, api_key_env="SIM_RPC_KEY", retries=0, **placement), archive, FAST)
    with pytest.raises(ClientError, match=r"redirects to another host \(http://localhost:\d+\); the API key is not sent there"):
        client.request("POST", "/", endpoint="getSlot", json_body={"jsonrpc": "2.0", "id": 0, "method": "getSlot"})
    assert elsewhere.seen == []
    assert len(origin.seen) == 1
    (row,) = archive.drain_responses()
    assert "redirects to another host" in row["error"] and "sk-live-redirect" not in json.dumps(row, default=str)


def test_redirects_on_the_same_host_keep_the_key_and_keyless_ones_are_followed(monkeypatch, servers):
    monkeypatch.setenv("SIM_RPC_KEY", "sk-live-same")
    final = servers()
    same_host = servers(status=308, headers={"Location": final.url + "/moved"})
    client = ProviderClient(provider(same_host.url, api_key_env="SIM_RPC_KEY", api_key_header="x-api-key"), ResponseArchive(), FAST)
    # 127.0.0.1 on another port is another origin: this one is refused...
    with pytest.raises(Exception, match="redirects to another host"):
        client.request("POST", "/", endpoint="getSlot", json_body={})
    # ...while a path on the same origin is followed, key and body kept (308 keeps the method).
    moving = servers(status=308, headers={"Location": "/v2/rpc"})
    moving_client = ProviderClient(provider(moving.url, api_key_env="SIM_RPC_KEY", api_key_header="x-api-key"), ResponseArchive(), FAST)
    with pytest.raises(Exception, match="more than 5 redirects|after"):
        moving_client.request("POST", "/", endpoint="getSlot", json_body={})  # it redirects forever
    assert [path for _, path, _ in moving.seen][:2] == ["/", "/v2/rpc"]
    assert all(headers.get("x-api-key") == "sk-live-same" for _, _, headers in moving.seen)
    # Without a key, a redirect to another host is simply followed.
    keyless = ProviderClient(provider(same_host.url), ResponseArchive(), FAST)
    assert keyless.request("POST", "/", endpoint="getSlot", json_body={}).value["result"] == 7
    assert final.seen[-1][:2] == ("POST", "/moved")


def test_dlt_files_and_rows_hold_no_form_of_the_key(warehouse, monkeypatch, tmp_path):
    """The failed attempts travel through dlt (load packages, state, trace) into the warehouse."""
    import gzip
    from pathlib import Path
    from urllib.parse import quote, quote_plus

    import dlt

    from loaders.pipeline import make_pipeline, pipelines_dir
    from loaders.providers.archive import archive_resources
    from tests.support.db import query

    monkeypatch.setenv("HOSTILE_KEY", HOSTILE_KEY)
    archive = ResponseArchive()
    client = ProviderClient(provider(f"http://127.0.0.1:{_closed_port()}", api_key_env="HOSTILE_KEY", retries=1,
                                     api_key_param="api-key"), archive, FAST)
    with pytest.raises(ProviderUnavailable):
        JsonRpc(ProviderChain([client], "solana/meta")).call("getSlot", [])

    @dlt.source(name="leak_check")
    def source():
        return archive_resources(archive, set(), set())

    pipeline = make_pipeline("leak_check", "raw_leak_check", warehouse)
    pipeline.run(source())
    errors = [row[0] for row in query(warehouse, "select error from raw_leak_check.http_responses")]
    assert len(errors) == 2 and all("ConnectionError" in e for e in errors)
    forms = {HOSTILE_KEY, quote(HOSTILE_KEY, safe=""), quote_plus(HOSTILE_KEY), quote(HOSTILE_KEY)}
    files = [p for p in Path(pipelines_dir()).rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        text = data.decode("utf-8", errors="replace")
        assert not any(form in text for form in forms), path
    for error in errors:
        assert not any(form in error for form in forms)


def attestation_answer(head: str) -> bytes:
    """An attestation-rewards answer of one validator whose `head` is the given JSON text."""
    return ('{"execution_optimistic":false,"data":{"ideal_rewards":[],"total_rewards":[{"validator_index":"7","head":'
            + head + ',"target":"1","source":"2","inactivity":"0"}]}}').encode()


def read_attestations(client: ProviderClient, read) -> tuple:
    """("value", columns, response id) or ("refused", error type, message, response id)."""
    from loaders.beacon.helpers import parse_attestation_columns
    from loaders.ethereum.fetch import _data

    try:
        fetched = client.request("POST", "/", endpoint="attestation_rewards", json_body=["7"], read=read,
                                 parse=lambda d: parse_attestation_columns(_data(d, "attestation_rewards"), 3))
        return ("value", {k: list(v) if isinstance(v, list) else v.to_pylist() for k, v in fetched.value.items()},
                fetched.response_id)
    except Exception as exc:
        return ("refused", type(exc).__name__, str(exc), getattr(exc, "response_id", None))


@pytest.mark.parametrize("head", ['"-5"', "18446744073709551616", '"+5"'])
def test_a_quick_reading_gives_the_same_value_refusal_and_archive_as_the_ordinary_one(servers, head):
    # ProviderClient.request(read=...): the beacon attestation answers read with orjson
    # (loaders/beacon/helpers.read_attestation_columns); what it cannot vouch for goes through
    # json.loads and parse, so the value, the rejection and the archived rows are the same.
    from loaders.beacon.helpers import read_attestation_columns

    server = servers(body=attestation_answer(head))
    outcomes = []
    for read in (None, read_attestation_columns):
        archive = ResponseArchive()
        client = ProviderClient(provider(server.url, retries=1), archive, FAST)
        outcome = read_attestations(client, read)
        rows = [{k: v for k, v in r.items() if k not in ("fetched_at", "run_id")} for r in archive.drain_responses()]
        outcomes.append((outcome, rows, list(archive.drain_bodies())))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0][0] == ("value" if head == '"-5"' else "refused")


@pytest.mark.parametrize("head", ['"-5"', "18446744073709551616"])
def test_a_quick_reader_that_raises_gives_way_to_the_ordinary_reading(servers, head):
    # A quick reader is a shortcut: when it trips on a body (a bug, an input it did not foresee),
    # the body is read the ordinary way, accepted or refused as that way does, not a traceback.
    def trips(body: bytes):
        raise IndexError("a reader's own mistake")

    server = servers(body=attestation_answer(head))
    outcomes = []
    for read in (None, trips):
        client = ProviderClient(provider(server.url, retries=1), ResponseArchive(), FAST)
        outcome = read_attestations(client, read)
        outcomes.append((outcome[:-1], client.stats["quick_read_fallbacks"]))
    assert outcomes[0][0] == outcomes[1][0]
    assert outcomes[0][0][0] == ("value" if head == '"-5"' else "refused")
    assert [fallbacks for _, fallbacks in outcomes] == [0, 2 if head != '"-5"' else 1]
