"""JSON-RPC 2.0 over a ProviderChain: single calls and batches, for Solana and execution nodes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from loaders.providers.client import Fetched, PayloadError, ProviderChain, ProviderClient


@dataclass
class RpcOutcome:
    """One call of a batch: a result, the node's error, or a result that failed validation."""

    params: Any
    result: Any = None
    error: dict[str, Any] | None = None
    malformed: str | None = None
    response_id: str | None = None

    @property
    def error_code(self) -> int | None:
        return self.error.get("code") if self.error else None


class RpcError(Exception):
    def __init__(self, method: str, error: dict[str, Any], response_id: str | None):
        super().__init__(f"{method}: RPC error {error.get('code')}: {error.get('message')}")
        self.method = method
        self.code = error.get("code")
        self.message = str(error.get("message"))
        self.response_id = response_id


def _envelope_error(method: str, problem: str) -> PayloadError:
    return PayloadError(f"{method}: {problem}")


class JsonRpc:
    def __init__(self, chain: ProviderChain, batch_size: int = 20):
        self.chain = chain
        self.batch_size = batch_size

    def call(self, method: str, params: list[Any], parse: Callable[[Any], Any] | None = None) -> Fetched:
        """One call; the node's error is raised as RpcError, a malformed result is retried."""

        def parse_single(body: Any) -> Any:
            if not isinstance(body, dict) or ("result" not in body and "error" not in body):
                raise _envelope_error(method, "expected a JSON-RPC response object with result or error")
            if body.get("error") is not None:
                return ("error", body["error"] if isinstance(body["error"], dict) else {"message": str(body["error"])})
            return ("ok", parse(body["result"]) if parse else body["result"])

        def op(client: ProviderClient) -> Fetched:
            return client.request(
                "POST", "", endpoint=method, json_body={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
                parse=parse_single,
            )

        fetched = self.chain.call(op)
        kind, value = fetched.value
        if kind == "error":
            raise RpcError(method, value, fetched.response_id)
        fetched.value = value
        return fetched

    def batch(
        self, method: str, params_list: Sequence[list[Any]], parse: Callable[[Any, list[Any]], Any] | None = None
    ) -> list[RpcOutcome]:
        """Many calls of one method, `batch_size` per HTTP request, outcomes in input order.
        `parse(result, params)` validates each result; a call whose result fails it makes the
        batch retry, and stays `malformed` in its outcome if it never passes."""
        outcomes: list[RpcOutcome] = []
        for start in range(0, len(params_list), self.batch_size):
            outcomes.extend(self._one_batch(method, list(params_list[start : start + self.batch_size]), parse))
        return outcomes

    def _one_batch(self, method: str, chunk: list[list[Any]], parse: Callable[[Any, list[Any]], Any] | None) -> list[RpcOutcome]:
        payload = [{"jsonrpc": "2.0", "id": i, "method": method, "params": p} for i, p in enumerate(chunk)]

        def parse_batch(body: Any) -> list[RpcOutcome]:
            if isinstance(body, dict) and "error" in body:
                raise _envelope_error(method, f"the batch was refused: {body['error']}")
            if not isinstance(body, list):
                raise _envelope_error(method, f"expected an array of {len(chunk)} responses, got {type(body).__name__}")
            by_id: dict[int, Any] = {}
            for item in body:
                if isinstance(item, dict) and isinstance(item.get("id"), int):
                    by_id[item["id"]] = item
            out = []
            for i, params in enumerate(chunk):
                item = by_id.get(i)
                if item is None:
                    out.append(RpcOutcome(params, malformed=f"{method}: no response for call id {i} in the batch"))
                elif item.get("error") is not None:
                    error = item["error"] if isinstance(item["error"], dict) else {"message": str(item["error"])}
                    out.append(RpcOutcome(params, error=error))
                elif "result" not in item:
                    out.append(RpcOutcome(params, malformed=f"{method}: call id {i} has neither result nor error"))
                else:
                    try:
                        out.append(RpcOutcome(params, result=parse(item["result"], params) if parse else item["result"]))
                    except PayloadError as exc:
                        out.append(RpcOutcome(params, malformed=str(exc)))
            return out

        def op(client: ProviderClient) -> Fetched:
            return client.request(
                "POST", "", endpoint=method, json_body=payload, parse=parse_batch,
                accept=lambda outcomes: not any(o.malformed for o in outcomes),
            )

        fetched = self.chain.call(op)
        for outcome in fetched.value:
            outcome.response_id = fetched.response_id
        return fetched.value
