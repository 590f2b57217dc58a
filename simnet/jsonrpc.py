"""JSON-RPC 2.0 over HTTP POST, single and batched, as Solana and Ethereum nodes speak it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simnet.faults import apply_content_fault
from simnet.http import Api, ApiError, Reply, Request, Route


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


def invalid_params(message: str) -> RpcError:
    return RpcError(-32602, f"Invalid params: {message}")


class JsonRpcApi(Api):
    """Subclasses fill `methods` (name -> fn(params list) -> result) and `param_view`."""

    methods: dict[str, Callable[[list[Any]], Any]]
    faults_content_per_call = True

    def param_view(self, method: str, params: list[Any]) -> dict[str, Any]:
        """Named parameters of a call, for fault matching (e.g. {'slot': 123})."""
        return {}

    def routes(self) -> list[Route]:
        return [Route("POST", "/", "jsonrpc", self._handle)]

    def _calls(self, request: Request) -> list[dict[str, Any]]:
        try:
            payload = request.json()
        except ApiError:
            return []
        items = payload if isinstance(payload, list) else [payload]
        return [c for c in items if isinstance(c, dict)]

    def describe(self, request: Request, route: Route | None) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for call in self._calls(request):
            method = str(call.get("method"))
            params = call.get("params") if isinstance(call.get("params"), list) else []
            out.append((method, self.param_view(method, params)))
        return out

    def _handle(self, request: Request) -> Reply:
        try:
            payload = request.json()
        except ApiError:
            return Reply({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": None})
        if isinstance(payload, list):
            if not payload:
                return Reply({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request"}, "id": None})
            return Reply([self._call(c) for c in payload])
        return Reply(self._call(payload))

    def _call(self, call: Any) -> dict[str, Any]:
        if not isinstance(call, dict) or call.get("jsonrpc") != "2.0" or not isinstance(call.get("method"), str):
            return {"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid request"}, "id": None}
        call_id = call.get("id")
        method = call["method"]
        params = call.get("params", [])
        if params is None:
            params = []
        fn = self.methods.get(method)
        if fn is None:
            return {"jsonrpc": "2.0", "error": {"code": -32601, "message": "Method not found"}, "id": call_id}
        if not isinstance(params, list):
            return {"jsonrpc": "2.0", "error": invalid_params("params must be an array").to_json(), "id": call_id}
        try:
            result = fn(params)
        except RpcError as exc:
            return {"jsonrpc": "2.0", "error": exc.to_json(), "id": call_id}
        fault = self.content_fault(method, self.param_view(method, params))
        if fault and fault.kind == "rpc_error":
            return {"jsonrpc": "2.0", "error": {"code": fault.code, "message": fault.message}, "id": call_id}
        if fault:
            result = apply_content_fault(result, fault)
        return {"jsonrpc": "2.0", "result": result, "id": call_id}
