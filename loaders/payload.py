"""Reading provider JSON strictly, with errors that name the endpoint and the field.

    r = Reader("getVoteAccounts")
    stake = r.int(entry, "activatedStake", at="result.current[3]")
    -> PayloadError("getVoteAccounts: result.current[3].activatedStake: expected an integer, got '12.5e'")

Unknown extra fields are ignored (providers add fields); missing or mistyped known ones are not.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from loaders.providers.client import PayloadError

_DECIMAL = re.compile(r"^-?[0-9]+$")
_HEX = re.compile(r"^0x[0-9a-fA-F]*$")
_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")

_MISSING = object()


class Reader:
    def __init__(self, endpoint: str):
        self.endpoint = endpoint

    def fail(self, at: str, problem: str) -> PayloadError:
        return PayloadError(f"{self.endpoint}: {at}: {problem}" if at else f"{self.endpoint}: {problem}")

    def get(self, obj: Any, key: str, at: str, *, optional: bool = False) -> Any:
        if not isinstance(obj, dict):
            raise self.fail(at, f"expected an object, got {_show(obj)}")
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            if optional:
                return None
            raise self.fail(_join(at, key), "missing")
        return value

    def dict(self, obj: Any, key: str, at: str, *, optional: bool = False, nullable: bool = False) -> Any:
        value = self.get(obj, key, at, optional=optional)
        if value is None and (optional or nullable):
            return None
        if not isinstance(value, dict):
            raise self.fail(_join(at, key), f"expected an object, got {_show(value)}")
        return value

    def list(self, obj: Any, key: str, at: str, *, optional: bool = False, nullable: bool = False) -> Any:
        value = self.get(obj, key, at, optional=optional)
        if value is None and (optional or nullable):
            return None
        if not isinstance(value, list):
            raise self.fail(_join(at, key), f"expected an array, got {_show(value)}")
        return value

    def int(self, obj: Any, key: str, at: str, *, optional: bool = False, nullable: bool = False, minimum: int | None = None) -> Any:
        value = self.get(obj, key, at, optional=optional)
        if value is None and (optional or nullable):
            return None
        return self.as_int(value, _join(at, key), minimum=minimum)

    def as_int(self, value: Any, at: str, *, minimum: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(at, f"expected an integer, got {_show(value)}")
        if minimum is not None and value < minimum:
            raise self.fail(at, f"expected at least {minimum}, got {value}")
        return value

    def str(self, obj: Any, key: str, at: str, *, optional: bool = False, nullable: bool = False) -> Any:
        value = self.get(obj, key, at, optional=optional)
        if value is None and (optional or nullable):
            return None
        if not isinstance(value, str):
            raise self.fail(_join(at, key), f"expected a string, got {_show(value)}")
        return value

    def bool(self, obj: Any, key: str, at: str, *, optional: bool = False, nullable: bool = False) -> Any:
        value = self.get(obj, key, at, optional=optional)
        if value is None and (optional or nullable):
            return None
        if not isinstance(value, bool):
            raise self.fail(_join(at, key), f"expected true or false, got {_show(value)}")
        return value

    def pubkey(self, obj: Any, key: str, at: str, *, optional: bool = False, nullable: bool = False) -> Any:
        value = self.str(obj, key, at, optional=optional, nullable=nullable)
        if value is not None and not _BASE58.match(value):
            raise self.fail(_join(at, key), f"expected a base58 public key, got {_show(value)}")
        return value

    def decimal_string(self, obj: Any, key: str, at: str, *, optional: bool = False, signed: bool = True) -> Any:
        """Beacon and relay numbers: integers written as decimal strings."""
        value = self.get(obj, key, at, optional=optional)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not _DECIMAL.match(value) or (not signed and value.startswith("-")):
            raise self.fail(_join(at, key), f"expected {'a' if signed else 'an unsigned'} decimal string, got {_show(value)}")
        return int(value)

    def hex_quantity(self, obj: Any, key: str, at: str, *, optional: bool = False) -> Any:
        """Execution JSON-RPC quantities: 0x-prefixed hex."""
        value = self.get(obj, key, at, optional=optional)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not _HEX.match(value) or value == "0x":
            raise self.fail(_join(at, key), f"expected a 0x hex quantity, got {_show(value)}")
        return int(value, 16)

    def number(self, obj: Any, key: str, at: str) -> Decimal:
        """A JSON number (float or int) kept exact as Decimal from its text."""
        value = self.get(obj, key, at)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(_join(at, key), f"expected a number, got {_show(value)}")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
