"""Typed models of chains.yaml, providers.yaml and operators.yaml.

Everything is checked before anything runs. Each problem names the file, the key path and what
is wrong, e.g. ``providers.yaml: providers.jito.requests_per_second: must be greater than 0``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from loaders.yaml_source import ConfigError, YamlSource, read_yaml

__all__ = [
    "AuroraConfig",
    "ChainConfig",
    "ConfigError",
    "MappingConfig",
    "OperatorConfig",
    "ProviderConfig",
    "load_config",
]

KEY_PATTERN = r"^[a-z][a-z0-9_]*$"
ENV_VAR_PATTERN = r"^[A-Z_][A-Z0-9_]*$"
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
# This release computes Solana per epoch and Ethereum per UTC day (see docs/pnl.md).
FAMILY_PERIOD = {"solana": "epoch", "ethereum": "day"}

Key = Annotated[str, Field(pattern=KEY_PATTERN, max_length=63)]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveNumber = Annotated[float, Field(gt=0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ChainConfig(_Strict):
    key: Key
    family: Literal["solana", "ethereum"]
    name: Annotated[str, Field(min_length=1)]
    period_type: Literal["epoch", "day"]
    native_symbol: Annotated[str, Field(pattern=r"^[A-Z0-9]{2,10}$")]
    base_unit: Annotated[str, Field(min_length=1)]
    decimals: Annotated[int, Field(ge=0, le=30)]
    # Units some providers report in, converted to the base unit in staging (gwei for beacon).
    consensus_unit: Annotated[str, Field(min_length=1)] | None = None
    consensus_decimals: Annotated[int, Field(ge=0, le=30)] | None = None
    slots_per_epoch: PositiveInt
    slot_seconds: PositiveNumber
    genesis_time: datetime
    finality_lag: NonNegativeInt
    price_id: Annotated[str, Field(min_length=1)] | None = None
    vote_credits_per_vote: PositiveInt | None = None
    lamports_per_signature: PositiveInt | None = None
    # Where the operator's load schedule starts: the first epoch (epoch chains) or UTC day (day
    # chains) incremental runs must hold. Unset: the first incremental run's finality window.
    start: int | date | None = None

    @field_validator("start", mode="before")
    @classmethod
    def _parse_start(cls, value: Any, info: ValidationInfo) -> Any:
        period = info.data.get("period_type")
        if value is None:
            return None
        if period == "day":
            if isinstance(value, datetime):
                return value.date()
            if isinstance(value, date):
                return value
            try:
                return date.fromisoformat(str(value))
            except ValueError:
                raise ValueError("must be a UTC day such as 2025-06-01 for a day chain") from None
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError("must be an epoch number (an integer >= 0) for an epoch chain")
        return value

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
            return value.astimezone(timezone.utc)
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
    base_url: str
    api_key_env: Annotated[str, Field(pattern=ENV_VAR_PATTERN)] | None = None
    # Where the key goes: an HTTP header (the default) or a query parameter.
    api_key_header: Annotated[str, Field(min_length=1)] | None = None
    api_key_param: Annotated[str, Field(min_length=1)] | None = None
    requests_per_second: PositiveNumber
    timeout_seconds: PositiveNumber
    retries: NonNegativeInt

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
    priority: PositiveInt


class OperatorConfig(_Strict):
    key: Key
    name: Annotated[str, Field(min_length=1)]
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
        seen: list[str] = []
        for operator in self.operators:
            for validator in operator.validators.get(chain, []):
                if str(validator) not in seen:
                    seen.append(str(validator))
        return seen


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


def _validate(
    model: type[BaseModel], data: Any, source: YamlSource, path: tuple, problems: list[str]
) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
            # Union members (`int | None`) add the member type to the location: drop it.
            loc = tuple(p for p in loc if p not in ("int", "str", "float", "none", "constrained-int"))
            problems.append(source.problem(path + loc, _describe(error)))
        return None


def declared_keys(source: YamlSource | None, section: str) -> set[str]:
    """Keys a section declares, valid or not: references to them are not reported twice."""
    data = source.data if source else None
    entries = data.get(section) if isinstance(data, dict) else None
    return set(entries) if isinstance(entries, dict) else set()


def _keyed_section(
    source: YamlSource, section: str, model: type[BaseModel], problems: list[str]
) -> dict[str, Any]:
    """A top-level mapping of key -> fields, validated entry by entry."""
    data = source.data
    if not isinstance(data, dict) or section not in data:
        problems.append(source.problem((), f"must have a top-level '{section}:' mapping"))
        return {}
    entries = data[section]
    if not isinstance(entries, dict) or not entries:
        problems.append(source.problem((section,), "must be a non-empty mapping of key -> settings"))
        return {}
    out = {}
    for key, fields in entries.items():
        if not isinstance(fields, dict):
            problems.append(source.problem((section, key), "must be a mapping of settings"))
            continue
        if "key" in fields:
            problems.append(source.problem((section, key, "key"), "is taken from the entry's name; remove it"))
            continue
        item = _validate(model, {"key": key, **fields}, source, (section, key), problems)
        if item is not None:
            out[key] = item
    return out


def _unknown_top_level(source: YamlSource, allowed: set[str], problems: list[str]) -> None:
    if isinstance(source.data, dict):
        for key in source.data:
            if key not in allowed:
                problems.append(source.problem((key,), f"is not a known section (expected {', '.join(sorted(allowed))})"))


# ---------------------------------------------------------------- files
def _parse_chains(source: YamlSource, problems: list[str]) -> dict[str, ChainConfig]:
    _unknown_top_level(source, {"chains"}, problems)
    chains = _keyed_section(source, "chains", ChainConfig, problems)
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
    return chains


def _parse_providers(
    source: YamlSource, chains: dict[str, ChainConfig], chain_keys: set[str], problems: list[str]
) -> tuple[dict[str, ProviderConfig], tuple[MappingConfig, ...]]:
    _unknown_top_level(source, {"providers", "mappings"}, problems)
    providers = _keyed_section(source, "providers", ProviderConfig, problems)
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

    mappings: list[MappingConfig] = []
    taken: dict[tuple[str, str, int], int] = {}
    paired: dict[tuple[str, str, str], int] = {}
    for index, entry in enumerate(raw):
        at = ("mappings", index)
        mapping = _validate(MappingConfig, entry, source, at, problems)
        if mapping is None:
            continue
        chain = chains.get(mapping.chain)
        if mapping.chain not in chain_keys:
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
    return providers, tuple(mappings)


BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")
ETH_PUBKEY = re.compile(r"^0x[0-9a-fA-F]{96}$")
ETH_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def _parse_operators(
    source: YamlSource, chains: dict[str, ChainConfig], chain_keys: set[str], problems: list[str]
) -> tuple[OperatorConfig, ...]:
    _unknown_top_level(source, {"operators"}, problems)
    raw = source.data.get("operators") if isinstance(source.data, dict) else None
    if raw is None:
        problems.append(source.problem((), "must have a top-level 'operators:' list"))
        return ()
    if not isinstance(raw, list):
        problems.append(source.problem(("operators",), "must be a list"))
        return ()
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
            if chain_key not in chain_keys:
                problems.append(source.problem(vat, f"unknown chain '{chain_key}' (the chains file has: {', '.join(sorted(chain_keys)) or 'none'})"))
                continue
            if chain is None:
                continue  # the chain itself is invalid and already reported
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
            if chain_key not in chain_keys:
                problems.append(source.problem(fat, f"unknown chain '{chain_key}' (the chains file has: {', '.join(sorted(chain_keys)) or 'none'})"))
                continue
            if chain is not None and chain.family != "ethereum":
                problems.append(source.problem(fat, f"fee recipients apply to the ethereum family, not {chain.family}"))
                continue
            for position, address in enumerate(addresses):
                if not isinstance(address, str) or not ETH_ADDRESS.match(address):
                    problems.append(source.problem(fat + (position,), f"must be a 0x-prefixed 20-byte address, got {address!r}"))
        operators.append(operator)
    return tuple(operators)


def _validator_problem(family: str, validator: str | int) -> str | None:
    if family == "solana":
        if not isinstance(validator, str) or not BASE58.match(validator):
            return f"must be a base58 vote account pubkey, got {validator!r}"
        return None
    if isinstance(validator, bool):
        return f"must be a validator index or a 0x-prefixed 48-byte pubkey, got {validator!r}"
    if isinstance(validator, int):
        return None if validator >= 0 else "a validator index must be >= 0"
    if isinstance(validator, str) and (validator.isdigit() or ETH_PUBKEY.match(validator)):
        return None
    return f"must be a validator index or a 0x-prefixed 48-byte pubkey, got {validator!r}"


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

    sources: dict[str, YamlSource] = {}
    for name, path in (("chains", chains_path), ("providers", providers_path), ("operators", operators_path)):
        if path is None:
            continue
        try:
            sources[name] = read_yaml(Path(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if "chains" in sources:
        chains = _parse_chains(sources["chains"], problems)
    chain_keys = declared_keys(sources.get("chains"), "chains")
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
