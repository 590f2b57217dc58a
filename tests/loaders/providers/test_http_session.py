"""The environment (netrc, proxies, CA bundle) is honoured as requests honours it, but read once
per origin, not on every request."""

from __future__ import annotations

import base64
import os

import requests.sessions

from loaders.providers import ProviderClient, ResponseArchive
from loaders.providers import http_session
from tests.loaders.providers.test_client import FAST, provider, servers  # noqa: F401 - the fixture

REQUESTS = 25


def _counting(monkeypatch, module, name):
    calls = []
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_netrc_credentials_and_the_ca_bundle_are_read_once_per_origin(monkeypatch, servers, tmp_path):
    node = servers()
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login aurora password s3cret\n")
    netrc.chmod(0o600)
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("")
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    netrc_reads = _counting(monkeypatch, requests.sessions, "get_netrc_auth")
    netrc_reads_here = _counting(monkeypatch, http_session, "get_netrc_auth")
    isdir, bundle_stats = os.path.isdir, []

    def counted_isdir(path):
        if path == str(bundle):
            bundle_stats.append(path)
        return isdir(path)

    monkeypatch.setattr(os.path, "isdir", counted_isdir)

    client = ProviderClient(provider(node.url), ResponseArchive(), FAST)
    for _ in range(REQUESTS):
        assert client.request("POST", "/", endpoint="getSlot", json_body={}).value["result"] == 7

    assert len(node.seen) == REQUESTS
    expected = "Basic " + base64.b64encode(b"aurora:s3cret").decode()
    assert {headers.get("Authorization") for _, _, headers in node.seen} == {expected}
    assert netrc_reads == [] and len(netrc_reads_here) == 1
    assert len(bundle_stats) == 1


def test_netrc_applies_beside_a_key_header_as_requests_did(monkeypatch, servers, tmp_path):
    node = servers()
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login aurora password s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("SIM_RPC_KEY", "sk-header")
    client = ProviderClient(provider(node.url, api_key_env="SIM_RPC_KEY", api_key_header="x-api-key"), ResponseArchive(), FAST)
    client.request("POST", "/", endpoint="getSlot", json_body={})
    (_, _, headers), = node.seen
    assert headers["x-api-key"] == "sk-header"
    assert headers["Authorization"].startswith("Basic ")  # as requests did: netrc applies unless auth is given


def test_proxy_variables_and_no_proxy_are_honoured(monkeypatch, servers):
    proxy, node = servers(), servers()
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    far = ProviderClient(provider("http://provider.aurora.invalid:8899"), ResponseArchive(), FAST)
    for _ in range(3):
        assert far.request("POST", "/rpc", endpoint="getSlot", json_body={}).value["result"] == 7
    assert [path for _, path, _ in proxy.seen] == ["http://provider.aurora.invalid:8899/rpc"] * 3

    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    near = ProviderClient(provider(node.url), ResponseArchive(), FAST)
    near.request("POST", "/rpc", endpoint="getSlot", json_body={})
    assert [path for _, path, _ in node.seen] == ["/rpc"] and len(proxy.seen) == 3
