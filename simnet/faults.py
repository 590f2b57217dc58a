"""Fault injection, configurable per API and endpoint.

A fault matches requests by API ("solana_rpc", "jito", "beacon", "execution", "relay", "prices"),
endpoint (a JSON-RPC method such as "getBlock", or a route name such as "attestation_rewards";
"*" for any) and optionally request parameters. It fires `times` times (None: on every matching
request, i.e. a permanent fault) after letting `after` matching requests through.

Kinds, as real providers show them:
- rate_limit    429 with Retry-After
- server_error  a 5xx status (`status`)
- slow          answers after `delay` seconds (longer than the client's timeout)
- truncate      the body is cut short: invalid JSON
- wrong_type    one field has the wrong JSON type (`path`, default: the first scalar found)
- extra_fields  unknown fields added to objects (clients must ignore them)
- wrong_value   one number at `path` is off by `delta`: well-typed, plausible, wrong (a buggy or
                corrupted provider); only a consistency check can catch it
- rpc_error     a JSON-RPC call answers the error object {code, message} instead of its result
                (e.g. -32004 "Block not available" from one node behind a load balancer)

Late data (Jito MEV reported as 0 until it settles, an Ethereum head not yet finalized) is part
of the chain models, not a fault: it is how the real APIs behave.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from simnet.jsonstream import Lazy

KINDS = ("rate_limit", "server_error", "slow", "truncate", "wrong_type", "extra_fields", "wrong_value", "rpc_error")
CONTENT_KINDS = ("wrong_type", "extra_fields", "wrong_value", "rpc_error")


@dataclass
class Fault:
    api: str
    kind: str
    endpoint: str = "*"
    times: int | None = 1
    after: int = 0
    match: dict[str, Any] = field(default_factory=dict)
    status: int = 503
    retry_after: float = 1.0
    delay: float = 3.0
    path: str | None = None
    delta: int = 1  # wrong_value: added to the number found at `path`
    code: int = -32004  # rpc_error: the JSON-RPC error code and message
    message: str = "Block not available"
    seen: int = 0
    fired: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(KINDS)}, got {self.kind!r}")

    def matches(self, api: str, endpoint: str, params: dict[str, Any]) -> bool:
        if self.api != api or self.endpoint not in ("*", endpoint):
            return False
        return all(str(params.get(k)) == str(v) for k, v in self.match.items())


class FaultPlan:
    """The faults in force; thread-safe, shared by all servers of a network."""

    def __init__(self, faults: list[Fault] | None = None):
        self._faults: list[Fault] = list(faults or [])
        self._lock = threading.Lock()

    def add(self, fault: Fault | None = None, **spec: Any) -> Fault:
        fault = fault or Fault(**spec)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults(self) -> list[Fault]:
        return list(self._faults)

    def pick(self, api: str, endpoint: str, params: dict[str, Any], kinds: tuple[str, ...] = KINDS) -> Fault | None:
        """The fault to apply to this request, counting it; None when the request goes through."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in kinds or not fault.matches(api, endpoint, params):
                    continue
                fault.seen += 1
                if fault.seen <= fault.after:
                    continue
                if fault.times is not None and fault.fired >= fault.times:
                    continue
                fault.fired += 1
                return fault
        return None


# ---------------------------------------------------------------- content faults
EXTRA = {"x_simnet_unknown": {"added_by": "simnet", "meaning": "a field this client does not know"}}


def apply_content_fault(obj: Any, fault: Fault) -> Any:
    if fault.kind == "extra_fields":
        return _with_extra_fields(obj)
    if fault.kind == "wrong_type":
        return _with_wrong_type(obj, fault.path.split(".") if fault.path else None)
    if fault.kind == "wrong_value":
        if not fault.path:
            raise ValueError("a wrong_value fault needs a path to the number it changes")
        return _break_at(obj, fault.path.split("."), lambda v: v + fault.delta if _is_number(v) else v)
    return obj  # rpc_error is answered by the JSON-RPC layer


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _with_extra_fields(obj: Any, depth: int = 0) -> Any:
    if isinstance(obj, dict):
        out = {k: (_with_extra_fields(v, depth + 1) if depth < 3 else v) for k, v in obj.items()}
        out.update(EXTRA)
        return out
    if isinstance(obj, Lazy):
        return obj.map(lambda i, item: _with_extra_fields(item, depth + 1))
    if isinstance(obj, list):
        return [_with_extra_fields(item, depth + 1) for item in obj]
    return obj


def wrong_value(value: Any) -> Any:
    """A value of another JSON type than `value`."""
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, (int, float)):
        return "12.5e"  # not a number a parser accepts
    if isinstance(value, str):
        return {"unexpected": value}
    if value is None:
        return ["unexpected"]
    return "unexpected"


def _with_wrong_type(obj: Any, path: list[str] | None) -> Any:
    if path is not None:
        return _break_at(obj, path)
    done = [False]

    def first_scalar(node: Any) -> Any:
        if done[0]:
            return node
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                out[key] = first_scalar(value) if key not in ("jsonrpc", "id") else value
            return out
        if isinstance(node, Lazy):
            return node.map(lambda i, item: first_scalar(item) if i == 0 else item)
        if isinstance(node, list):
            return [first_scalar(item) for item in node]
        done[0] = True
        return wrong_value(node)

    return first_scalar(obj)


def _break_at(node: Any, path: list[str], change=wrong_value) -> Any:
    if not path:
        return change(node)
    head, rest = path[0], path[1:]
    if head == "[]":
        if isinstance(node, Lazy):
            return node.map(lambda i, item: _break_at(item, rest, change) if i == 0 else item)
        if isinstance(node, list) and node:
            return [_break_at(node[0], rest, change), *node[1:]]
        return node
    if isinstance(node, dict) and head in node:
        return {k: (_break_at(v, rest, change) if k == head else v) for k, v in node.items()}
    return node
