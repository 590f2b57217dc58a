"""Typed models of chains.yaml, providers.yaml and operators.yaml.

Everything is checked before anything runs. Each problem names the file, the key path, what is
wrong and the line, e.g. ``providers.yaml: providers.jito_kobe.requests_per_second: must be a
number from 0.001 to 10000, got 0 (line 18)``.

Building blocks for other config files (reuse them; the ranges are documented in
docs/configuration.md):

- ``loaders.yaml_source.read_yaml``: the strict reader (size, UTF-8, duplicate keys, no aliases,
  line numbers) returning a ``YamlSource`` whose ``problem(key_path, message)`` formats a message;
- ``int_between(low, high)``, ``number_between(low, high, places=...)``, ``text(max_length)``:
  pydantic field types that refuse booleans, non-finite numbers, values outside the range and
  numbers with more decimal places than the warehouse column keeps;
- ``validate_model`` (a pydantic model against a YAML node, problems with key paths and lines),
  ``keyed_section`` (a top-level mapping of key -> settings), ``check_count`` (too many entries).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from loaders.yaml_source import ConfigError, YamlLimits, YamlSource, read_yaml

__all__ = [
    "AuroraConfig",
    "ChainConfig",
    "ConfigError",
    "MappingConfig",
    "OperatorConfig",
    "ProviderConfig",
    "YamlLimits",
    "YamlSource",
    "check_count",
    "day_between",
    "int_between",
    "keyed_section",
    "load_config",
    "number_between",
    "read_yaml",
    "text",
    "validate_model",
]

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
ENV_VAR_PATTERN = r"^[A-Z_][A-Z0-9_]*$"
# An HTTP header name (RFC 9110 token).
HEADER_PATTERN = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
PROVIDER_TYPES = ("solana_rpc", "jito", "beacon", "execution_rpc", "relay", "prices")
ROLES = ("rewards", "fees", "mev", "meta", "prices")
PERIOD_TYPES = ("epoch", "day")
FAMILIES = ("solana", "ethereum")

# Which provider type can serve a role, per chain family. Loaders rely on it.
ROLE_TYPES: dict[str, dict[str, tuple[str, ...]]] = {
    "solana": {
        "rewards": ("solana_rpc",),
        "fees": ("solana_rpc",),
        "meta": ("solana_rpc",),
        "mev": ("jito",),
        "prices": ("prices",),
    },
    "ethereum": {
        "rewards": ("beacon",),
        "meta": ("beacon",),
        "fees": ("execution_rpc",),
        "mev": ("relay",),
        "prices": ("prices",),
    },
}
# Roles a run of the family cannot start without (loaders/solana/run.py, loaders/ethereum/run.py).
# The others are optional: without them the run says what it could not check and the rows carry
# the gap (no mev provider: MEV unknown; no prices provider: no USD; Ethereum without an execution
# node: fee recipients and MEV payments are not checked).
REQUIRED_ROLES: dict[str, tuple[str, ...]] = {
    "solana": ("rewards", "fees", "meta"),
    "ethereum": ("rewards",),
}
# This release computes Solana per epoch and Ethereum per UTC day (see docs/pnl.md).
FAMILY_PERIOD = {"solana": "epoch", "ethereum": "day"}

# How many entries a file may hold (docs/configuration.md, "Limits").
MAX_CHAINS = 64
MAX_PROVIDERS = 256
MAX_MAPPINGS = 4096
MAX_OPERATORS = 1024
MAX_VALIDATORS_PER_CHAIN = 250_000
MAX_FEE_RECIPIENTS = 1000
# Ethereum validator indices: one per deposit of at least 1 ETH, so fewer than the ETH supply
# (~120 million); mainnet is at ~2.2 million. Anything above 2^31 - 1 is a typo.
MAX_VALIDATOR_INDEX = 2**31 - 1
GENESIS_RANGE = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
# `start` in chains.yaml: an epoch number (mainnet Solana is near 900 after five years; 10 million
# epochs of two days are 55,000 years) or a UTC day inside the genesis range.
MAX_START_EPOCH = 10_000_000
START_DAYS = (date(1970, 1, 1), date(2099, 12, 31))


# ---------------------------------------------------------------- reusable field types
def _plain(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _check_int(low: int, high: int, what: str = "an integer", note: str = "") -> Any:
    def check(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"must be {what} from {low} to {high}{note}, got {_plain(value)}")
        if not low <= value <= high:
            raise ValueError(f"must be {what} from {low} to {high}{note}, got {value}")
        return value

    return check


def int_between(low: int, high: int) -> Any:
    """An integer field from `low` to `high` inclusive. Refuses booleans, floats (3.0 too) and
    strings, so a value that passes always fits the bigint column it is stored in."""
    return Annotated[int, BeforeValidator(_check_int(low, high))]


def _check_day(low: date, high: date, what: str = "a day", note: str = "") -> Any:
    def check(value: Any) -> date:
        if isinstance(value, datetime):  # YAML reads 2025-06-01T00:00:00Z as a time: a day has none
            raise ValueError(f"must be {what} (no time of day) from {low} to {high}{note}, got {value.isoformat()}")
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"must be {what} from {low} to {high}{note}, got {value!r}") from None
        if not isinstance(value, date):
            raise ValueError(f"must be {what} from {low} to {high}{note}, got {_plain(value)}")
        if not low <= value <= high:
            raise ValueError(f"must be {what} from {low} to {high}{note}, got {value}")
        return value

    return check


def day_between(low: date, high: date) -> Any:
    """A calendar day (YAML `2025-06-01`, quoted or not) from `low` to `high` inclusive."""
    return Annotated[date, BeforeValidator(_check_day(low, high))]


def number_between(low: float, high: float, *, places: int | None = None) -> Any:
    """A finite number field (an integer or a decimal) from `low` to `high` inclusive, with at
    most `places` decimal places (the scale of its numeric column: more would be rounded away)."""

    def check(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be a number from {low:g} to {high:g}, got {_plain(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"must be a finite number from {low:g} to {high:g}, got {value}")
        if not low <= value <= high:  # exact for integers of any size, no float conversion
            shown = value if isinstance(value, float) or abs(value) < 10**15 else f"a {len(str(abs(value)))}-digit integer"
            raise ValueError(f"must be a number from {low:g} to {high:g}, got {shown}")
        if places is not None and isinstance(value, float):
            exponent = Decimal(repr(value)).normalize().as_tuple().exponent
            if isinstance(exponent, int) and -exponent > places:
                raise ValueError(f"must have at most {places} decimal places (what the warehouse keeps), got {value!r}")
        return float(value)

    return Annotated[float, BeforeValidator(check)]


def text(max_length: int, min_length: int = 1, pattern: str | None = None) -> Any:
    """A string field of bounded length (and optionally a pattern)."""
    return Annotated[str, Field(min_length=min_length, max_length=max_length, pattern=pattern)]


Key = Annotated[str, Field(pattern=KEY_PATTERN, max_length=63)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChainConfig(_Strict):
    key: Key
    family: Literal["solana", "ethereum"]
    name: text(100)
    period_type: Literal["epoch", "day"]
    native_symbol: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,10}$")]
    base_unit: text(32)
    decimals: int_between(0, 30)
    # Units some providers report in, converted to the base unit in staging (gwei for beacon).
    consensus_unit: text(32) | None = None
    consensus_decimals: int_between(0, 30) | None = None
    slots_per_epoch: int_between(1, 10_000_000)
    slot_seconds: number_between(0.001, 3600, places=6)
    genesis_time: datetime
    finality_lag: int_between(0, 100)
    price_id: text(100) | None = None
    vote_credits_per_vote: int_between(1, 1000) | None = None
    lamports_per_signature: int_between(1, 1_000_000) | None = None
    # Where the operator's load schedule starts: the first epoch (epoch chains) or UTC day (day
    # chains) incremental runs must hold. Unset: the first incremental run's finality window.
    start: int | date | None = None
    # Ethereum, network-wide (no validator listed in operators.yaml): the grain attestation
    # rewards land at. `day` (the default): per validator and day, the sums the marts need
    # (raw_ethereum.attestation_rewards_daily), except the indices in `epoch_grain_validators`,
    # kept at epoch grain. `epoch`: every validator's every epoch (docs/scale.md).
    network_wide_grain: Literal["epoch", "day"] | None = None
    epoch_grain_validators: list[int_between(0, MAX_VALIDATOR_INDEX)] | None = None

    @property
    def day_grain(self) -> bool:
        return self.network_wide_grain != "epoch"

    @field_validator("start", mode="before")
    @classmethod
    def _parse_start(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None:
            return None
        if info.data.get("period_type") == "day":
            return _check_day(*START_DAYS, what="a UTC day", note=" (a day chain starts on a day, e.g. 2025-06-01)")(value)
        return _check_int(0, MAX_START_EPOCH, what="an epoch number", note=" (an epoch chain starts at an epoch)")(value)

    @field_validator("genesis_time", mode="before")
    @classmethod
    def _parse_time(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise ValueError("must be an ISO 8601 time such as 2020-12-01T12:00:23Z") from None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValueError("must carry a time zone (end it with Z for UTC)")
            value = value.astimezone(timezone.utc)
            low, high = GENESIS_RANGE
            if not low <= value < high:
                raise ValueError(f"must be from {low:%Y-%m-%d} to {high:%Y-%m-%d}, got {value.isoformat()}")
        return value

    @property
    def consensus_factor(self) -> int:
        """Multiplier from the consensus unit to the base unit (10**9 for gwei to wei)."""
        if self.consensus_decimals is None:
            return 1
        return 10 ** (self.decimals - self.consensus_decimals)


class ProviderConfig(_Strict):
    key: Key
    type: Literal["solana_rpc", "jito", "beacon", "execution_rpc", "relay", "prices"]
    base_url: text(2048)
    api_key_env: Annotated[str, Field(pattern=ENV_VAR_PATTERN, max_length=128)] | None = None
    # Where the key goes: an HTTP header (the default) or a query parameter.
    api_key_header: text(128, pattern=HEADER_PATTERN) | None = None
    api_key_param: text(128) | None = None
    requests_per_second: number_between(0.001, 10_000, places=4)
    timeout_seconds: number_between(0.1, 3600, places=4)
    retries: int_between(0, 100)

    @field_validator("base_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s?#]+(/[^\s?#]*)?$", value):
            raise ValueError("must be an http(s) URL without query string, e.g. https://host/path")
        return value.rstrip("/")

    def api_key(self) -> str | None:
        """The secret, read from the environment at call time; never stored or logged."""
        return os.environ.get(self.api_key_env) if self.api_key_env else None


class MappingConfig(_Strict):
    chain: Key
    provider: Key
    role: Literal["rewards", "fees", "mev", "meta", "prices"]
    priority: int_between(1, 1000)


class OperatorConfig(_Strict):
    key: Key
    name: text(200)
    # Checked per chain family in _parse_operators, which knows what a valid id looks like.
    validators: dict[str, list[Any]] = Field(default_factory=dict)
    # Ethereum: the execution addresses this operator's validators should be paid to. A proposal
    # paying anywhere else is an exception. Empty: not checked.
    fee_recipients: dict[str, list[Any]] = Field(default_factory=dict)


@dataclass(frozen=True)
class AuroraConfig:
    chains: dict[str, ChainConfig]
    providers: dict[str, ProviderConfig]
    mappings: tuple[MappingConfig, ...]
    operators: tuple[OperatorConfig, ...]
    chains_path: Path
    providers_path: Path
    operators_path: Path | None

    def providers_for(self, chain: str, role: str) -> list[ProviderConfig]:
        """Providers for a chain and role, in fallback order (lowest priority number first)."""
        mapped = sorted(
            (m for m in self.mappings if m.chain == chain and m.role == role),
            key=lambda m: m.priority,
        )
        return [self.providers[m.provider] for m in mapped]

    def tracked_validators(self, chain: str) -> list[str]:
        """Validators listed for a chain across operators; empty means 'track every validator'."""
        seen: dict[str, None] = {}  # ordered and O(1): operators may list 250,000 validators
        for operator in self.operators:
            for validator in operator.validators.get(chain, []):
                seen.setdefault(str(validator), None)
        return list(seen)


# ---------------------------------------------------------------- pydantic messages, reworded
def _describe(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known key"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": "greater than",
            "greater_than_equal": "at least",
            "less_than": "less than",
            "less_than_equal": "at most",
        }[kind]
        bound = next(iter(ctx.values()))
        if isinstance(bound, float) and bound.is_integer():
            bound = int(bound)
        return f"must be {words} {bound}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of {expected}" if "," in expected else f"must be {expected}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"must be an integer, got {error['input']!r}"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number, got {error['input']!r}"
    if kind in ("string_type", "string_sub_type"):
        return f"must be a string, got {error['input']!r}"
    if kind == "string_pattern_mismatch":
        pattern = ctx.get("pattern", "")
        if pattern == KEY_PATTERN:
            return "must be lower_snake_case (a-z, 0-9, _), starting with a letter"
        if pattern == ENV_VAR_PATTERN:
            return "must be an environment variable name (A-Z, 0-9, _)"
        return f"must match {pattern}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "must be a mapping of keys to values"
    if kind == "list_type":
        return "must be a list"
    if kind in ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"):
        return "must be an ISO 8601 time such as 2020-12-01T12:00:23Z"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"][0].lower() + error["msg"][1:]


def validate_model(
    model: type[BaseModel], data: Any, source: YamlSource, path: tuple, problems: list[str]
) -> Any:
    """`model` validated against the YAML node at `path`; None (and problems appended) if invalid."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
            # Union members (`int | None`) add the member type to the location: drop it.
            loc = tuple(p for p in loc if p not in ("int", "str", "float", "none", "constrained-int", "constrained-str"))
            problems.append(source.problem(path + loc, _describe(error)))
        return None


_validate = validate_model  # the name used before it was public


def check_count(source: YamlSource, path: tuple, entries: Any, limit: int, what: str, problems: list[str]) -> bool:
    """False (and a problem) when a mapping or list holds more than `limit` entries."""
    if isinstance(entries, (dict, list)) and len(entries) > limit:
        problems.append(source.problem(path, f"has {len(entries)} {what}; at most {limit} are allowed"))
        return False
    return True


def declared_keys(source: YamlSource | None, section: str) -> set[str]:
    """Keys a section declares, valid or not: references to them are not reported twice."""
    data = source.data if source else None
    entries = data.get(section) if isinstance(data, dict) else None
    return set(entries) if isinstance(entries, dict) else set()


def keyed_section(
    source: YamlSource, section: str, model: type[BaseModel], problems: list[str], limit: int = 1000
) -> dict[str, Any]:
    """A top-level mapping of key -> fields, validated entry by entry (at most `limit` entries)."""
    data = source.data
    if not isinstance(data, dict) or section not in data:
        problems.append(source.problem((), f"must have a top-level '{section}:' mapping"))
        return {}
    entries = data[section]
    if not isinstance(entries, dict) or not entries:
        problems.append(source.problem((section,), "must be a non-empty mapping of key -> settings"))
        return {}
    if not check_count(source, (section,), entries, limit, "entries", problems):
        return {}
    out = {}
    for key, fields in entries.items():
        if not isinstance(fields, dict):
            problems.append(source.problem((section, key), "must be a mapping of settings"))
            continue
        if "key" in fields:
            problems.append(source.problem((section, key, "key"), "is taken from the entry's name; remove it"))
            continue
        item = validate_model(model, {"key": key, **fields}, source, (section, key), problems)
        if item is not None:
            out[key] = item
    return out


_keyed_section = keyed_section


def _unknown_top_level(source: YamlSource, allowed: set[str], problems: list[str]) -> None:
    if isinstance(source.data, dict):
        for key in source.data:
            if key not in allowed:
                problems.append(source.problem((key,), f"is not a known section (expected {', '.join(sorted(allowed))})"))


# ---------------------------------------------------------------- files
def _parse_chains(source: YamlSource, problems: list[str]) -> dict[str, ChainConfig]:
    _unknown_top_level(source, {"chains"}, problems)
    chains = keyed_section(source, "chains", ChainConfig, problems, limit=MAX_CHAINS)
    for key, chain in chains.items():
        at = ("chains", key)
        if chain.period_type != FAMILY_PERIOD[chain.family]:
            problems.append(source.problem(
                at + ("period_type",),
                f"must be {FAMILY_PERIOD[chain.family]} for the {chain.family} family in this release",
            ))
        if (chain.consensus_unit is None) != (chain.consensus_decimals is None):
            problems.append(source.problem(at, "consensus_unit and consensus_decimals go together"))
        if chain.consensus_decimals is not None and chain.consensus_decimals > chain.decimals:
            problems.append(source.problem(at + ("consensus_decimals",), "must not exceed decimals"))
        if chain.family == "solana":
            for needed in ("vote_credits_per_vote", "lamports_per_signature"):
                if getattr(chain, needed) is None:
                    problems.append(source.problem(at + (needed,), "is required for the solana family"))
        if chain.family == "ethereum" and chain.consensus_unit is None:
            problems.append(source.problem(at + ("consensus_unit",), "is required for the ethereum family (gwei)"))
        for key_name in ("network_wide_grain", "epoch_grain_validators"):
            if chain.family != "ethereum" and getattr(chain, key_name) is not None:
                problems.append(source.problem(at + (key_name,), "is for the ethereum family only"))
        kept = chain.epoch_grain_validators
        if kept is not None and chain.family == "ethereum":
            if not chain.day_grain:
                problems.append(source.problem(at + ("epoch_grain_validators",),
                                               "is for network_wide_grain: day (at epoch grain every validator is kept)"))
            if len(kept) > MAX_VALIDATORS_PER_CHAIN:
                problems.append(source.problem(at + ("epoch_grain_validators",),
                                               f"more than {MAX_VALIDATORS_PER_CHAIN} validators; that is the most Aurora tracks"))
            seen: set[int] = set()
            repeated = sorted({v for v in kept if v in seen or seen.add(v)})
            if repeated:
                problems.append(source.problem(at + ("epoch_grain_validators",), f"lists {repeated[0]} more than once"))
    return chains


def _parse_providers(
    source: YamlSource, chains: dict[str, ChainConfig], chain_keys: set[str] | None, problems: list[str]
) -> tuple[dict[str, ProviderConfig], tuple[MappingConfig, ...]]:
    _unknown_top_level(source, {"providers", "mappings"}, problems)
    providers = keyed_section(source, "providers", ProviderConfig, problems, limit=MAX_PROVIDERS)
    for key, provider in providers.items():
        if provider.api_key_header and provider.api_key_param:
            problems.append(source.problem(("providers", key), "set api_key_header or api_key_param, not both"))
        if (provider.api_key_header or provider.api_key_param) and not provider.api_key_env:
            problems.append(source.problem(("providers", key, "api_key_env"), "is required when the key has a header or parameter"))

    raw = source.data.get("mappings") if isinstance(source.data, dict) else None
    if raw is None:
        problems.append(source.problem((), "must have a top-level 'mappings:' list"))
        return providers, ()
    if not isinstance(raw, list):
        problems.append(source.problem(("mappings",), "must be a list"))
        return providers, ()
    if not check_count(source, ("mappings",), raw, MAX_MAPPINGS, "mappings", problems):
        return providers, ()

    mappings: list[MappingConfig] = []
    taken: dict[tuple[str, str, int], int] = {}
    paired: dict[tuple[str, str, str], int] = {}
    for index, entry in enumerate(raw):
        at = ("mappings", index)
        mapping = _validate(MappingConfig, entry, source, at, problems)
        if mapping is None:
            continue
        chain = chains.get(mapping.chain)
        if chain_keys is not None and mapping.chain not in chain_keys:
            known = ", ".join(sorted(chain_keys)) or "none"
            problems.append(source.problem(at + ("chain",), f"unknown chain '{mapping.chain}' (the chains file has: {known})"))
        provider = providers.get(mapping.provider)
        provider_keys = declared_keys(source, "providers")
        if mapping.provider not in provider_keys:
            known = ", ".join(sorted(provider_keys)) or "none"
            problems.append(source.problem(at + ("provider",), f"unknown provider '{mapping.provider}' (defined: {known})"))
        if chain is not None and provider is not None:
            allowed = ROLE_TYPES[chain.family][mapping.role]
            if provider.type not in allowed:
                problems.append(source.problem(
                    at + ("provider",),
                    f"'{mapping.provider}' is a {provider.type} provider; the {mapping.role} role on "
                    f"{chain.family} needs {' or '.join(allowed)}",
                ))
        slot = (mapping.chain, mapping.role, mapping.priority)
        if slot in taken:
            problems.append(source.problem(
                at + ("priority",),
                f"priority {mapping.priority} is already used by mappings[{taken[slot]}] for "
                f"{mapping.chain}/{mapping.role}; each (chain, role) needs distinct priorities",
            ))
        else:
            taken[slot] = index
        pair = (mapping.chain, mapping.role, mapping.provider)
        if pair in paired:
            problems.append(source.problem(
                at + ("provider",), f"'{mapping.provider}' is already mapped to {mapping.chain}/{mapping.role} at mappings[{paired[pair]}]"
            ))
        else:
            paired[pair] = index
        mappings.append(mapping)
    _check_required_roles(source, chains, providers, mappings, problems)
    return providers, tuple(mappings)


def _check_required_roles(
    source: YamlSource, chains: dict[str, ChainConfig], providers: dict[str, ProviderConfig],
    mappings: list[MappingConfig], problems: list[str],
) -> None:
    """Every configured chain has a provider for each role its runs cannot start without."""
    served = {(m.chain, m.role) for m in mappings}
    if not isinstance(source.data, dict) or not isinstance(source.data.get("mappings"), list):
        return
    for key, chain in chains.items():
        for role in REQUIRED_ROLES[chain.family]:
            if (key, role) not in served:
                allowed = " or ".join(ROLE_TYPES[chain.family][role])
                problems.append(source.problem(
                    ("mappings",),
                    f"chain '{key}' has no provider for the {role} role; add a mapping "
                    f"{{chain: {key}, role: {role}, provider: <a {allowed} provider>, priority: 1}} "
                    f"({chain.family} runs need {', '.join(REQUIRED_ROLES[chain.family])})",
                ))


BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")
ETH_PUBKEY = re.compile(r"^0x[0-9a-fA-F]{96}$")
ETH_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def _parse_operators(
    source: YamlSource, chains: dict[str, ChainConfig], chain_keys: set[str] | None, problems: list[str]
) -> tuple[OperatorConfig, ...]:
    _unknown_top_level(source, {"operators"}, problems)
    raw = source.data.get("operators") if isinstance(source.data, dict) else None
    if raw is None:
        problems.append(source.problem((), "must have a top-level 'operators:' list"))
        return ()
    if not isinstance(raw, list):
        problems.append(source.problem(("operators",), "must be a list"))
        return ()
    if not check_count(source, ("operators",), raw, MAX_OPERATORS, "operators", problems):
        return ()
    listed: dict[str, int] = {}
    operators: list[OperatorConfig] = []
    keys: dict[str, int] = {}
    owner: dict[tuple[str, str], str] = {}
    for index, entry in enumerate(raw):
        at = ("operators", index)
        operator = _validate(OperatorConfig, entry, source, at, problems)
        if operator is None:
            continue
        if operator.key in keys:
            problems.append(source.problem(at + ("key",), f"'{operator.key}' is already used by operators[{keys[operator.key]}]"))
        keys.setdefault(operator.key, index)
        for chain_key, validators in operator.validators.items():
            vat = at + ("validators", chain_key)
            chain = chains.get(chain_key)
            if chain_keys is not None and chain_key not in chain_keys:
                problems.append(source.problem(vat, f"unknown chain '{chain_key}' (the chains file has: {', '.join(sorted(chain_keys)) or 'none'})"))
                continue
            if chain is None:
                continue  # the chain itself is invalid and already reported
            listed[chain_key] = listed.get(chain_key, 0) + len(validators)
            if listed[chain_key] > MAX_VALIDATORS_PER_CHAIN:
                problems.append(source.problem(vat, f"more than {MAX_VALIDATORS_PER_CHAIN} validators are listed for {chain_key}; that is the most Aurora tracks"))
                return tuple(operators)
            for position, validator in enumerate(validators):
                problem = _validator_problem(chain.family, validator)
                if problem:
                    problems.append(source.problem(vat + (position,), problem))
                    continue
                ident = _normalise_validator(chain.family, validator)
                if (chain_key, ident) in owner:
                    problems.append(source.problem(vat + (position,), f"{ident} is already listed under operator '{owner[(chain_key, ident)]}'"))
                owner[(chain_key, ident)] = operator.key
        for chain_key, addresses in operator.fee_recipients.items():
            fat = at + ("fee_recipients", chain_key)
            chain = chains.get(chain_key)
            if chain_keys is not None and chain_key not in chain_keys:
                problems.append(source.problem(fat, f"unknown chain '{chain_key}' (the chains file has: {', '.join(sorted(chain_keys)) or 'none'})"))
                continue
            if chain is not None and chain.family != "ethereum":
                problems.append(source.problem(fat, f"fee recipients apply to the ethereum family, not {chain.family}"))
                continue
            if not check_count(source, fat, addresses, MAX_FEE_RECIPIENTS, "addresses", problems):
                continue
            for position, address in enumerate(addresses):
                if not isinstance(address, str) or not ETH_ADDRESS.match(address):
                    problems.append(source.problem(fat + (position,), f"must be a 0x-prefixed 20-byte address, got {address!r}"))
        operators.append(operator)
    return tuple(operators)


def _validator_problem(family: str, validator: str | int) -> str | None:
    if family == "solana":
        if not isinstance(validator, str) or not BASE58.match(validator) or len(_b58decode(validator)) != 32:
            return f"must be a base58 vote account pubkey (32 bytes), got {_plain(validator)}"
        return None
    wanted = f"a validator index (0 to {MAX_VALIDATOR_INDEX}) or a 0x-prefixed 48-byte pubkey"
    if isinstance(validator, bool):
        return f"must be {wanted}, got {validator!r}"
    if isinstance(validator, int):
        return None if 0 <= validator <= MAX_VALIDATOR_INDEX else f"must be {wanted}, got {validator}"
    if isinstance(validator, str) and ETH_PUBKEY.match(validator):
        return None
    if isinstance(validator, str) and validator.isascii() and validator.isdigit():
        if len(validator) > 1 and validator.startswith("0"):
            return f"a validator index has no leading zeros, got {validator!r}"
        if int(validator) <= MAX_VALIDATOR_INDEX:
            return None
    return f"must be {wanted}, got {_plain(validator)}"


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _b58decode(value: str) -> bytes:
    number = 0
    for char in value:
        number = number * 58 + _B58.index(char)
    zeros = len(value) - len(value.lstrip("1"))
    return b"\0" * zeros + (number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b"")


def _normalise_validator(family: str, validator: str | int) -> str:
    if family == "ethereum" and isinstance(validator, str) and validator.startswith("0x"):
        return validator.lower()
    return str(validator)


# ---------------------------------------------------------------- entry point
def default_paths(root: Path) -> dict[str, Path]:
    return {
        "chains": Path(os.environ.get("AURORA_CHAINS_FILE") or root / "chains.yaml"),
        "providers": Path(os.environ.get("AURORA_PROVIDERS_FILE") or root / "providers.yaml"),
        "operators": Path(os.environ.get("AURORA_OPERATORS_FILE") or root / "operators.yaml"),
    }


def load_config(
    chains_path: Path, providers_path: Path, operators_path: Path | None = None
) -> AuroraConfig:
    """Read and check all config files; raise ConfigError listing every problem found."""
    problems: list[str] = []
    chains: dict[str, ChainConfig] = {}
    providers: dict[str, ProviderConfig] = {}
    mappings: tuple[MappingConfig, ...] = ()
    operators: tuple[OperatorConfig, ...] = ()

    limits = YamlLimits.from_env()
    sources: dict[str, YamlSource] = {}
    for name, path in (("chains", chains_path), ("providers", providers_path), ("operators", operators_path)):
        if path is None:
            continue
        try:
            sources[name] = read_yaml(Path(path), limits)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if "chains" in sources:
        chains = _parse_chains(sources["chains"], problems)
    # An unreadable chains file is reported once: references to its chains are not checked.
    chain_keys = declared_keys(sources["chains"], "chains") if "chains" in sources else None
    if "providers" in sources:
        providers, mappings = _parse_providers(sources["providers"], chains, chain_keys, problems)
    if "operators" in sources:
        operators = _parse_operators(sources["operators"], chains, chain_keys, problems)
    if problems:
        raise ConfigError(problems)
    return AuroraConfig(
        chains=chains,
        providers=providers,
        mappings=mappings,
        operators=operators,
        chains_path=Path(chains_path),
        providers_path=Path(providers_path),
        operators_path=Path(operators_path) if operators_path else None,
    )
