"""A minimal JSON-RPC client for the simnet tests: results, errors and batches as the node sends them."""

from __future__ import annotations

import itertools
from typing import Any

import requests

_ids = itertools.count(1)


class RpcFailed(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Rpc:
    def __init__(self, url: str):
        self.url = url

    def envelope(self, method: str, params: list[Any] | None = None, timeout: float = 10) -> dict[str, Any]:
        body = {"jsonrpc": "2.0", "id": next(_ids), "method": method, "params": params or []}
        response = requests.post(self.url, json=body, timeout=timeout)
        response.raise_for_status()
        return response.json()

    def call(self, method: str, *params: Any) -> Any:
        """The result, or RpcFailed with the node's error code."""
        reply = self.envelope(method, list(params))
        if "error" in reply:
            raise RpcFailed(reply["error"]["code"], reply["error"]["message"])
        return reply["result"]

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[dict[str, Any]]:
        """One HTTP request for all calls; the envelopes come back in order, ids 0..n-1."""
        body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        response = requests.post(self.url, json=body, timeout=30)
        response.raise_for_status()
        return response.json()
