"""Published provider payloads copied into tests/fixtures/<provider>/<endpoint>.<case>.json[c]."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def fixture_paths(provider: str, endpoint: str) -> list[Path]:
    """Every published payload of one endpoint (the part of the name before the first dot)."""
    paths = sorted(p for p in (FIXTURES / provider).glob(f"{endpoint}.*") if p.suffix in (".json", ".jsonc"))
    assert paths, f"no fixtures for {provider}/{endpoint}"
    return paths


def load(path: Path) -> Any:
    text = path.read_text()
    if path.suffix == ".jsonc":
        text = _strip_jsonc(text)
    return json.loads(text)


def result_of(payload: Any) -> Any:
    """A JSON-RPC envelope's result, or the payload itself when only the result was published."""
    if isinstance(payload, dict) and payload.get("jsonrpc") == "2.0" and "result" in payload:
        return payload["result"]
    return payload


def _strip_jsonc(text: str) -> str:
    # Drop // comments outside strings, "// …" elision lines, then trailing commas.
    out, in_string, escaped, i = [], False, False, 0
    while i < len(text):
        ch = text[i]
        if in_string:
            out.append(ch)
            escaped = not escaped and ch == "\\"
            if ch == '"' and not escaped:
                in_string = False
        elif ch == '"':
            in_string = True
            out.append(ch)
        elif text.startswith("//", i):
            while i < len(text) and text[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return re.sub(r",(\s*[}\]])", r"\1", "".join(out))
