"""The MEV-Boost relay data API (flashbots/relay-specs), one instance per relay name.

GET /relay/v1/data/bidtraces/proposer_payload_delivered: newest first (slot desc); `cursor`
means slot <= cursor; `slot` and `cursor` are mutually exclusive; limit defaults to and is capped
at 200, as mev-boost-relay's handleDataProposerPayloadDelivered does. The same block is delivered
by 1-3 relays (same block hash): consumers must dedupe.

Faults: api "relay_<name>" targets one relay; api "relay" every relay (or one, with
match={"relay": "<name>"}).
"""

from __future__ import annotations

import re
from typing import Any

from simnet.ethereum.model import EthereumModel
from simnet.http import Api, ApiError, Reply, Request, Route

MAX_LIMIT = 200
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")


def _bad(message: str) -> ApiError:
    return ApiError(400, {"code": 400, "message": message})


def _uint(request: Request, name: str) -> int | None:
    value = request.arg(name)
    if value is None or value == "":
        return None
    if not value.isdigit():
        raise _bad(f"invalid {name} argument")
    return int(value)


class ApiName(str):
    """The relay's fault `api` name: "relay_<name>" (as SimNetwork keys the servers), and it also
    equals plain "relay" so Fault(api="relay", match={"relay": name}) works too."""

    def __new__(cls, relay: str) -> "ApiName":
        name = super().__new__(cls, f"relay_{relay}")
        name.aliases = frozenset({str(name), "relay"})
        return name

    def __eq__(self, other: object) -> bool:
        return other in self.aliases if isinstance(other, str) else NotImplemented

    def __ne__(self, other: object) -> bool:
        return other not in self.aliases if isinstance(other, str) else NotImplemented

    __hash__ = str.__hash__


class RelayApi(Api):
    def __init__(self, model: EthereumModel, relay: str):
        if relay not in model.params.relays:
            raise ValueError(f"unknown relay {relay!r}; configured: {model.params.relays}")
        self.model = model
        self.relay = relay
        self.name = ApiName(relay)

    def routes(self) -> list[Route]:
        return [Route("GET", "/relay/v1/data/bidtraces/proposer_payload_delivered", "proposer_payload_delivered",
                      self.proposer_payload_delivered)]

    def describe(self, request: Request, route: Route | None) -> list[tuple[str, dict[str, Any]]]:
        # faults can target one relay: match={"relay": "ultrasound"}
        return [(endpoint, {**params, "relay": self.relay}) for endpoint, params in super().describe(request, route)]

    def delivered(self, slot: int) -> bool:
        return self.relay in self.model.relays_for(slot)

    def proposer_payload_delivered(self, request: Request) -> Reply:
        m = self.model
        slot = _uint(request, "slot")
        cursor = _uint(request, "cursor")
        if slot is not None and cursor is not None:
            raise _bad("cannot specify both slot and cursor")
        limit = _uint(request, "limit")
        if limit is not None and limit > MAX_LIMIT:
            raise _bad(f"maximum limit is {MAX_LIMIT}")
        limit = MAX_LIMIT if limit is None or limit == 0 else limit
        block_number = _uint(request, "block_number")
        block_hash = (request.arg("block_hash") or "").lower() or None
        proposer = (request.arg("proposer_pubkey") or "").lower() or None
        builder = (request.arg("builder_pubkey") or "").lower() or None
        for name, value in (("block_hash", block_hash), ("proposer_pubkey", proposer), ("builder_pubkey", builder)):
            if value is not None and not _HEX.match(value):
                raise _bad(f"invalid {name} argument")
        order_by = request.arg("order_by")
        if order_by not in (None, "", "value", "-value"):
            raise _bad("invalid order_by argument")

        head = m.head_slot
        if slot is not None:
            candidates = [slot] if slot <= head else []
        elif block_number is not None:
            found = m.slot_of_block_number(block_number)
            candidates = [found] if found and found <= head else []
        elif block_hash is not None:
            found = m.slot_of_root("el", block_hash)
            candidates = [found] if found else []
        else:
            top = head if cursor is None else min(cursor, head)
            candidates = range(top, 0, -1)

        out: list[dict[str, str]] = []
        for s in candidates:
            if not self.delivered(s):
                continue
            trace = m.payloads.bid_trace(s, self.relay)
            if block_number is not None and trace["block_number"] != str(block_number):
                continue
            if block_hash is not None and trace["block_hash"] != block_hash:
                continue
            if proposer is not None and trace["proposer_pubkey"] != proposer:
                continue
            if builder is not None and trace["builder_pubkey"] != builder:
                continue
            out.append(trace)
            if len(out) >= limit and not order_by:
                break
        if order_by:
            out.sort(key=lambda t: (int(t["value"]), int(t["slot"])), reverse=order_by == "-value")
            out = out[:limit]
        return Reply(out)
