"""One schema check for every simulated endpoint: does the simnet answer look like the real API's?

`shape(value)` reduces JSON to its structure: the keys of objects, the merged shape of array items,
and for every value its kind. Kinds tell apart int, float, bool and null, and strings by encoding,
because that is where providers differ and parsers break:

    decimal       "12345"            beacon and relay numbers (quoted integers)
    hex-quantity  "0x1a3"            execution JSON-RPC quantities (no leading zeros)
    hex-data      "0x00ab", "0x"     execution JSON-RPC bytes (even length)
    hex           "0x5208"           either of the two (even length, no leading zero)
    base58        32 to 88 chars     Solana pubkeys, hashes, signatures
    string        anything else

Objects whose keys are data rather than names (pubkeys, epochs: getLeaderSchedule,
byIdentity) are maps: their values merge into one shape, like array items.

`compare(real, simnet, documented)` lists the drifts of a simnet shape from the shape of the real
payloads: a key they never have, a key they all have that is missing, a value of a kind they never
use for that key (null counts as a kind: allowed only where a real payload shows null). A
`Documented` entry lets a key or kind through that the published payloads happen not to show but
the API reference documents, or lets a key be absent that they all show but the reference
documents as optional; it quotes the reference line that says so.

Payloads are compared at their own level: a whole response (a JSON-RPC envelope, a beacon
`{execution_optimistic, finalized, data}` envelope) or what it wraps (`result`, `data`) alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_DECIMAL = re.compile(r"-?[0-9]+")
_HEX = re.compile(r"0x[0-9a-fA-F]*")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]{32,88}")
HEX_KINDS = {"hex", "hex-quantity", "hex-data"}


def string_kind(text: str) -> str:
    if _HEX.fullmatch(text):
        digits = text[2:]
        if digits == "" or (len(digits) > 1 and digits[0] == "0"):
            return "hex-data"  # empty or zero-padded: never a quantity
        if len(digits) % 2 or digits == "0":
            return "hex-quantity"  # odd length: never bytes
        return "hex"
    # "1111…1" (32 ones, the system program) is a pubkey; other digit strings are numbers.
    if _DECIMAL.fullmatch(text) and not _BASE58.fullmatch(text):
        return "decimal"
    if _BASE58.fullmatch(text):
        return "base58"
    return "string"


def _is_map(obj: dict[str, Any]) -> bool:
    return bool(obj) and all(string_kind(key) in ("base58", "decimal") for key in obj)


@dataclass
class Shape:
    kinds: set[str] = field(default_factory=set)  # value kinds, plus "object", "map", "array"
    fields: dict[str, Shape] = field(default_factory=dict)  # objects: shape per key
    required: set[str] | None = None  # keys present in every object seen; None: no object seen
    items: Shape | None = None  # arrays: merged item shape; None: only empty arrays seen
    values: Shape | None = None  # maps: merged value shape
    key_kinds: set[str] = field(default_factory=set)  # maps: kinds of their keys

    def describe(self) -> str:
        return "|".join(sorted(self.kinds)) or "nothing"


def shape(value: Any) -> Shape:
    if value is None:
        return Shape({"null"})
    if isinstance(value, bool):
        return Shape({"bool"})
    if isinstance(value, int):
        return Shape({"int"})
    if isinstance(value, float):
        return Shape({"float"})
    if isinstance(value, str):
        return Shape({string_kind(value)})
    if isinstance(value, (list, tuple)):
        return Shape({"array"}, items=merge_all(shape(item) for item in value))
    if isinstance(value, dict):
        if _is_map(value):
            return Shape({"map"}, values=merge_all(shape(v) for v in value.values()), key_kinds={string_kind(k) for k in value})
        return Shape({"object"}, fields={k: shape(v) for k, v in value.items()}, required=set(value))
    raise TypeError(f"not JSON: {type(value).__name__}")


def merge(a: Shape | None, b: Shape | None) -> Shape | None:
    """The shape that admits both (the union of kinds and keys; required keys intersect)."""
    if a is None or b is None:
        return a or b
    fields = dict(a.fields)
    for key, sub in b.fields.items():
        fields[key] = merge(fields.get(key), sub)
    if a.required is None or b.required is None:
        required = a.required if b.required is None else b.required
    else:
        required = a.required & b.required
    return Shape(
        kinds=a.kinds | b.kinds,
        fields=fields,
        required=None if required is None else set(required),
        items=merge(a.items, b.items),
        values=merge(a.values, b.values),
        key_kinds=a.key_kinds | b.key_kinds,
    )


def merge_all(shapes: Iterable[Shape]) -> Shape | None:
    out = None
    for one in shapes:
        out = merge(out, one)
    return out


@dataclass(frozen=True)
class Documented:
    """A key (or extra kinds of a key) the reference documents but no published payload shows;
    or a key every published payload shows that the reference documents as optional (the
    simnet may leave it out).

    `path` uses compare's notation ($.result.current[].rootSlot, {} for map values); `kinds` are
    the kinds the reference allows (None: whatever the simnet sends); `doc` quotes the line of
    the reference (../shared/reference/apis.md unless it names another source) that documents it.
    """

    path: str
    doc: str
    kinds: frozenset[str] | None = None


def documented(path: str, doc: str, *kinds: str) -> Documented:
    return Documented(path, doc, frozenset(kinds) if kinds else None)


def _kinds_fit(kinds: set[str], allowed: set[str]) -> set[str]:
    """The kinds not allowed (the ambiguous "hex" fits either hex kind, and the other way round)."""
    bad = set()
    for kind in kinds:
        if kind in allowed:
            continue
        if kind in HEX_KINDS and (allowed & HEX_KINDS) and ("hex" in allowed or kind == "hex"):
            continue
        bad.add(kind)
    return bad


def compare(real: Shape, simnet: Shape, documented: Iterable[Documented] = (), path: str = "$") -> list[str]:
    """The drifts of `simnet` from `real`, one line each; empty when the simnet answer fits."""
    docs = {d.path: d for d in documented}
    problems: list[str] = []
    _compare(real, simnet, docs, path, problems)
    return problems


def _compare(real: Shape, sim: Shape, docs: dict[str, Documented], path: str, out: list[str]) -> None:
    allowed = set(real.kinds)
    if path in docs and docs[path].kinds:
        allowed |= docs[path].kinds
    if "map" in allowed and "object" in sim.kinds and not sim.fields:
        allowed.add("object")  # an empty map (an identity filter that matched nothing) is {}
    if "object" in allowed and "map" in sim.kinds and not real.fields:
        allowed.add("map")  # a real payload that only shows {} cannot tell object from map
    bad = _kinds_fit(sim.kinds, allowed)
    if bad:
        out.append(f"{path}: {'|'.join(sorted(bad))} where the real payloads have {real.describe()}")
    if "object" in sim.kinds and "object" in real.kinds:
        for key, sub in sim.fields.items():
            child = f"{path}.{key}"
            if key in real.fields:
                _compare(real.fields[key], sub, docs, child, out)
            elif child in docs:
                doc = docs[child]
                extra = _kinds_fit(sub.kinds, set(doc.kinds)) if doc.kinds else set()
                if extra:
                    out.append(f"{child}: {'|'.join(sorted(extra))} where the reference documents {'|'.join(sorted(doc.kinds))}")
            else:
                out.append(f"{child}: a key the real payloads never have")
        if sim.required is not None:
            for key in sorted((real.required or set()) - sim.required):
                if f"{path}.{key}" not in docs:  # documented as optional
                    out.append(f"{path}.{key}: missing, though every real payload has it")
    if "map" in sim.kinds and "map" in real.kinds:
        bad = _kinds_fit(sim.key_kinds, real.key_kinds)
        if bad:
            out.append(f"{path}: map keys of kind {'|'.join(sorted(bad))} where the real payloads use {'|'.join(sorted(real.key_kinds))}")
        if sim.values is not None and real.values is not None:
            _compare(real.values, sim.values, docs, f"{path}{{}}", out)
    if "array" in sim.kinds and "array" in real.kinds and sim.items is not None and real.items is not None:
        _compare(real.items, sim.items, docs, f"{path}[]", out)


# ---------------------------------------------------------------- published payloads
def strip_jsonc(text: str) -> str:
    """JSON from JSON-with-comments: drop // and /* */ comments and trailing commas."""
    out: list[str] = []
    i, n = 0, len(text)
    in_string = False
    while i < n:
        char = text[i]
        if in_string:
            out.append(char)
            if char == "\\":
                out.append(text[i + 1])
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
            continue
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
            continue
        elif char in "}]":
            while out and out[-1].isspace():
                out.pop()
            if out and out[-1] == ",":
                out.pop()
            out.append(char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def load_payload(path: Path) -> Any:
    text = Path(path).read_text()
    return json.loads(strip_jsonc(text) if str(path).endswith(".jsonc") else text)


# The keys a beacon node puts next to `data` (ethereum/beacon-APIs response envelopes).
BEACON_ENVELOPE_KEYS = frozenset({"execution_optimistic", "finalized", "version", "dependent_root"})


def envelope_key(payload: Any) -> str | None:
    """"result" for a whole JSON-RPC response, "data" for a whole beacon response, else None
    (a payload that is what such a response wraps)."""
    if not isinstance(payload, dict):
        return None
    if "jsonrpc" in payload and ("result" in payload or "error" in payload):
        return "result"
    if "data" in payload and set(payload) - {"data"} <= BEACON_ENVELOPE_KEYS:
        return "data"
    return None


def is_envelope(payload: Any) -> bool:
    """A whole response (JSON-RPC or beacon), rather than its result or data alone."""
    return envelope_key(payload) is not None


# ---------------------------------------------------------------- fixture registry entries
@dataclass(frozen=True)
class Ask:
    """An HTTP request to one simnet API."""

    method: str
    path: str
    body: Any = None
    query: dict[str, Any] | None = None


@dataclass(frozen=True)
class ShapeCase:
    """A published payload and the simnet request that answers the same question.

    `endpoint` groups the payloads of one endpoint: an answer is held to their merged shape (what
    any real payload of that endpoint shows), at the level of this payload (a whole JSON-RPC or
    beacon envelope, or its result or data alone). `ask` builds the request from the running
    network, so it can name a simnet validator, slot or epoch.
    """

    fixture: str  # path under tests/fixtures/
    source: str  # the original published file (see tests/fixtures/README.md)
    api: str  # SimNetwork server key: solana_rpc, jito, beacon, execution, relay_<name>, prices
    endpoint: str
    ask: Callable[[Any], Ask]
    documented: tuple[Documented, ...] = ()


def rpc(method: str, params: Callable[[Any], list[Any]] | None = None) -> Callable[[Any], Ask]:
    """A JSON-RPC 2.0 call; `params(net)` gives its parameters."""
    return lambda net: Ask("POST", "/", {"jsonrpc": "2.0", "id": 1, "method": method, "params": params(net) if params else []})


def get(path: str | Callable[[Any], str], query: dict[str, Any] | None = None) -> Callable[[Any], Ask]:
    return lambda net: Ask("GET", path(net) if callable(path) else path, None, query)


def post(path: str | Callable[[Any], str], body: Callable[[Any], Any] | Any = None) -> Callable[[Any], Ask]:
    return lambda net: Ask("POST", path(net) if callable(path) else path, body(net) if callable(body) else body)


def result_level(payload: Any) -> Any:
    key = envelope_key(payload)
    return payload if key is None else payload[key]


def real_shape(case: ShapeCase, payload: Any, endpoint_payloads: Iterable[Any]) -> Shape:
    """The shape an answer to `case` is held to: the endpoint's merged result (or data) shape,
    wrapped in this payload's envelope when the payload is a whole response."""
    merged = merge_all(shape(result_level(p)) for p in endpoint_payloads)
    assert merged is not None
    key = envelope_key(payload)
    if key is None:
        return merged
    envelope = shape(payload)
    envelope.fields[key] = merged
    return envelope


def simnet_level(payload: Any, answer: Any) -> Any:
    """The part of a simnet answer to compare with `payload`: the same level."""
    return answer if is_envelope(payload) else result_level(answer)
