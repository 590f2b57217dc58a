"""Typed model of books.yaml: who owns each validator, what the operator earns from it, and what
running it costs (docs/books.md).

Checked completely before anything runs, against the chains and operators already validated by
loaders/config.py; every problem names the file, the key path and the line, e.g.
``books.yaml: operators.acme.validator_sets[0].terms[0].co_owners: shares add up to 120% ...``.
The primitives (reading YAML with line numbers, pydantic messages, validator ids) are the ones
loaders/config.py and loaders/yaml_source.py use for the other files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from loaders.config import (
    KEY_PATTERN,
    AuroraConfig,
    _normalise_validator,
    _unknown_top_level,
    _validate,
)
from loaders.yaml_source import ConfigError, YamlSource, read_yaml

__all__ = ["BooksConfig", "CostLine", "Term", "books_path", "empty_books", "load_books"]

# Every share and fee becomes an integer weight over one common denominator, 10^12:
# share_pct carries at most 6 decimals (x 10^6 over 100 = 10^8) and fee_bps is over 10^4.
SHARE_DECIMALS = 6
USD_DECIMALS = 6
FEE_COMPONENTS = ("issuance", "block_fees", "mev")
# Holder names the books use for the parts nobody named: a co-owner may not take them.
RESERVED_HOLDERS = ("others", "client")
MODELS = ("own", "fee")
COST_KINDS = ("monthly", "per_validator_day", "per_epoch", "one_off")
BASES = ("accrual", "cash")

Key = Annotated[str, Field(pattern=KEY_PATTERN, max_length=63)]


def _decimal(value: Any, what: str = "a number") -> Decimal:
    """A decimal from YAML: an integer, a quoted string, or a float read back through its shortest
    repr (the digits the user typed). Never a binary float's expansion."""
    if isinstance(value, bool):
        raise ValueError(f"must be {what}, got {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"must be {what}, got {value!r}") from None
        if not parsed.is_finite():
            raise ValueError(f"must be {what}, got {value!r}")
        return parsed
    raise ValueError(f"must be {what}, got {value!r}")


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _share(value: Any) -> Decimal:
    share = _decimal(value, "a percentage")
    if share < 0:
        raise ValueError("must be at least 0")
    if share > 100:
        raise ValueError("must be at most 100")
    if _places(share) > SHARE_DECIMALS:
        raise ValueError(f"must have at most {SHARE_DECIMALS} decimals")
    return share


def _date(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, datetime):
        raise ValueError("must be a date such as 2025-01-31 (no time)")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"must be a date such as 2025-01-31, got {value!r}")


class _Books(BaseModel):
    # Not strict: YAML gives dates as date objects or strings, amounts as ints, floats or strings.
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TermConfig(_Books):
    starts: date = Field(alias="from")
    ends: date | None = Field(default=None, alias="to")
    model: Literal["own", "fee"] = "own"
    share_pct: Decimal = Decimal(100)
    co_owners: dict[str, Any] = Field(default_factory=dict)
    fee_bps: Any = None
    pays_vote_costs: bool | None = None

    @field_validator("starts", "ends", mode="before")
    @classmethod
    def _check_dates(cls, value: Any) -> Any:
        return _date(value)

    @field_validator("share_pct", mode="before")
    @classmethod
    def _check_share(cls, value: Any) -> Decimal:
        return _share(value)


class ValidatorSetConfig(_Books):
    name: Key
    chain: Key
    validators: Any = "all"
    terms: list[Any]


class CostConfig(_Books):
    name: Key
    chain: Key
    kind: Literal["monthly", "per_validator_day", "per_epoch", "one_off"]
    amount: Decimal
    currency: Annotated[str, Field(min_length=1)]
    starts: date | None = Field(default=None, alias="from")
    ends: date | None = Field(default=None, alias="to")
    on: date | None = Field(default=None, alias="date")
    validators: Any = "all"
    description: str | None = None

    @field_validator("starts", "ends", "on", mode="before")
    @classmethod
    def _check_dates(cls, value: Any) -> Any:
        return _date(value)

    @field_validator("amount", mode="before")
    @classmethod
    def _check_amount(cls, value: Any) -> Decimal:
        amount = _decimal(value, "an amount")
        if amount < 0:
            raise ValueError("must be at least 0 (a cost is entered as a positive amount)")
        return amount


class OperatorBooksConfig(_Books):
    validator_sets: list[Any] = Field(default_factory=list)
    costs: list[Any] = Field(default_factory=list)


# ---------------------------------------------------------------- what the loader writes
@dataclass(frozen=True)
class Term:
    """One validator's terms over [starts, ends] (inclusive; ends None = open)."""

    operator: str
    chain: str
    validator: str
    validator_set: str
    term_index: int
    starts: date
    ends: date | None
    model: str
    share_pct: Decimal
    co_owners: tuple[tuple[str, Decimal], ...]
    fee_bps: dict[str, int]
    pays_vote_costs: bool


@dataclass(frozen=True)
class CostLine:
    operator: str
    name: str
    chain: str
    kind: str
    amount: Decimal
    currency: str
    starts: date
    ends: date | None
    validators: tuple[str, ...]
    description: str | None


@dataclass(frozen=True)
class BooksConfig:
    income_basis: str = "accrual"
    terms: tuple[Term, ...] = ()
    costs: tuple[CostLine, ...] = ()
    path: Path | None = None


def empty_books() -> BooksConfig:
    """No books.yaml: every listed validator is its operator's own, 100%, with no costs."""
    return BooksConfig()


def books_path(root: Path, option: Path | None = None) -> Path | None:
    """--books, else AURORA_BOOKS_FILE, else books.yaml in the project root when it exists."""
    if option:
        return option
    if os.environ.get("AURORA_BOOKS_FILE"):
        return Path(os.environ["AURORA_BOOKS_FILE"])
    default = root / "books.yaml"
    return default if default.exists() else None


# ---------------------------------------------------------------- checks
def _span(starts: date, ends: date | None) -> str:
    return f"{starts.isoformat()}..{ends.isoformat() if ends else 'open'}"


def _overlaps(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    a_end, b_end = a[1] or date.max, b[1] or date.max
    return a[0] <= b_end and b[0] <= a_end


def _listed_validators(config: AuroraConfig) -> dict[tuple[str, str], dict[str, str]]:
    """(operator, chain) -> {normalised id: the spelling in operators.yaml}."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for operator in config.operators:
        for chain_key, validators in operator.validators.items():
            chain = config.chains.get(chain_key)
            if chain is None:
                continue
            out.setdefault((operator.key, chain_key), {}).update(
                {_normalise_validator(chain.family, v): _normalise_validator(chain.family, v) for v in validators}
            )
    return out


def _validators(
    source: YamlSource, at: tuple, raw: Any, operator: str, chain_key: str, config: AuroraConfig,
    listed: dict[tuple[str, str], dict[str, str]], problems: list[str],
) -> list[str]:
    chain = config.chains[chain_key]
    mine = listed.get((operator, chain_key), {})
    if raw == "all":
        if not mine:
            problems.append(source.problem(at, f"'all' needs validators: operator '{operator}' lists no {chain_key} validators in {_operators_label(config)}"))
        return list(mine)
    if not isinstance(raw, list) or not raw:
        problems.append(source.problem(at, "must be 'all' or a non-empty list of validators"))
        return []
    out: list[str] = []
    for position, validator in enumerate(raw):
        if isinstance(validator, bool) or not isinstance(validator, (str, int)):
            problems.append(source.problem(at + (position,), f"must be a validator id, got {validator!r}"))
            continue
        ident = _normalise_validator(chain.family, validator)
        if ident not in mine:
            problems.append(source.problem(
                at + (position,),
                f"unknown validator {ident!r}: not one of {operator}'s {chain_key} validators in {_operators_label(config)}",
            ))
            continue
        if ident in out:
            problems.append(source.problem(at + (position,), f"{ident} is listed twice"))
            continue
        out.append(ident)
    return out


def _operators_label(config: AuroraConfig) -> str:
    return config.operators_path.name if config.operators_path else "operators.yaml (not found)"


def _fee_bps(source: YamlSource, at: tuple, term: TermConfig, problems: list[str]) -> dict[str, int]:
    if term.model == "own":
        if term.fee_bps is not None:
            problems.append(source.problem(at + ("fee_bps",), "is for model: fee; an own validator's rewards are all its owners'"))
        if term.pays_vote_costs is False:
            problems.append(source.problem(at + ("pays_vote_costs",), "must be true for model: own (the owners pay their validator's vote costs)"))
        return {component: 10_000 for component in FEE_COMPONENTS}
    raw = term.fee_bps
    if raw is None:
        problems.append(source.problem(at + ("fee_bps",), "is required for model: fee (basis points of the rewards, or one per component)"))
        return {}
    values = {component: raw for component in FEE_COMPONENTS} if not isinstance(raw, dict) else raw
    if isinstance(raw, dict):
        for key in raw:
            if key not in FEE_COMPONENTS:
                problems.append(source.problem(at + ("fee_bps", key), f"is not a component (expected {', '.join(FEE_COMPONENTS)})"))
        for component in FEE_COMPONENTS:
            if component not in raw:
                problems.append(source.problem(at + ("fee_bps",), f"must give {component} too (0 when the operator earns no fee on it)"))
    out: dict[str, int] = {}
    for component in FEE_COMPONENTS:
        value = values.get(component)
        if value is None:
            continue
        where = at + (("fee_bps", component) if isinstance(raw, dict) else ("fee_bps",))
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(source.problem(where, f"must be an integer number of basis points, got {value!r}"))
        elif not 0 <= value <= 10_000:
            problems.append(source.problem(where, "must be between 0 and 10000 basis points"))
        else:
            out[component] = value
    return out


def _co_owners(source: YamlSource, at: tuple, term: TermConfig, operator: str, problems: list[str]) -> tuple[tuple[str, Decimal], ...]:
    import re

    owners: list[tuple[str, Decimal]] = []
    for name, raw in term.co_owners.items():
        where = at + ("co_owners", name)
        if not isinstance(name, str) or not re.match(KEY_PATTERN, name):
            problems.append(source.problem(where, "must be lower_snake_case (a-z, 0-9, _), starting with a letter"))
            continue
        if name in RESERVED_HOLDERS or name == operator:
            problems.append(source.problem(where, f"'{name}' is reserved ({', '.join(RESERVED_HOLDERS)} and the operator itself)"))
            continue
        try:
            owners.append((name, _share(raw)))
        except ValueError as exc:
            problems.append(source.problem(where, str(exc)))
    total = term.share_pct + sum((share for _, share in owners), Decimal(0))
    if total > 100:
        problems.append(source.problem(
            at + ("co_owners",) if owners else at + ("share_pct",),
            f"shares add up to {total.normalize():f}% with the operator's {term.share_pct.normalize():f}%; they must not exceed 100",
        ))
    return tuple(sorted(owners))


def _parse_terms(
    source: YamlSource, at: tuple, operator: str, config: AuroraConfig,
    listed: dict[tuple[str, str], dict[str, str]], seen: dict[tuple[str, str], list[tuple[tuple, date, date | None]]],
    problems: list[str],
) -> list[Term]:
    vset = _validate(ValidatorSetConfig, source.data_at(at), source, at, problems)
    if vset is None:
        return []
    if vset.chain not in config.chains:
        problems.append(source.problem(at + ("chain",), f"unknown chain '{vset.chain}' (the chains file has: {', '.join(sorted(config.chains))})"))
        return []
    validators = _validators(source, at + ("validators",), vset.validators, operator, vset.chain, config, listed, problems)
    if not vset.terms:
        problems.append(source.problem(at + ("terms",), "must list at least one term"))
    out: list[Term] = []
    for index, _raw in enumerate(vset.terms):
        tat = at + ("terms", index)
        term = _validate(TermConfig, source.data_at(tat), source, tat, problems)
        if term is None:
            continue
        if term.ends is not None and term.ends < term.starts:
            problems.append(source.problem(tat + ("to",), f"{term.ends} is before from: {term.starts}"))
            continue
        fee_bps = _fee_bps(source, tat, term, problems)
        co_owners = _co_owners(source, tat, term, operator, problems)
        pays = term.pays_vote_costs if term.pays_vote_costs is not None else term.model == "own"
        clashes: dict[tuple, list[str]] = {}
        for validator in validators:
            key = (vset.chain, validator)
            for other_at, other_start, other_end in seen.get(key, []):
                if _overlaps((term.starts, term.ends), (other_start, other_end)):
                    clashes.setdefault((other_at, other_start, other_end), []).append(validator)
            seen.setdefault(key, []).append((tat, term.starts, term.ends))
        for (other_at, other_start, other_end), clashing in clashes.items():
            named = ", ".join(clashing[:3]) + (f" and {len(clashing) - 3} more" if len(clashing) > 3 else "")
            problems.append(source.problem(
                tat,
                f"{_span(term.starts, term.ends)} overlaps {source.describe(other_at)}, "
                f"{_span(other_start, other_end)}, for {vset.chain} validator(s) {named}; "
                "effective dates must not overlap",
            ))
        for validator in validators:
            out.append(Term(
                operator=operator, chain=vset.chain, validator=validator, validator_set=vset.name,
                term_index=index, starts=term.starts, ends=term.ends, model=term.model,
                share_pct=term.share_pct, co_owners=co_owners, fee_bps=fee_bps, pays_vote_costs=pays,
            ))
    return out


def _parse_cost(
    source: YamlSource, at: tuple, operator: str, config: AuroraConfig,
    listed: dict[tuple[str, str], dict[str, str]], problems: list[str],
) -> CostLine | None:
    cost = _validate(CostConfig, source.data_at(at), source, at, problems)
    if cost is None:
        return None
    chain = config.chains.get(cost.chain)
    if chain is None:
        problems.append(source.problem(at + ("chain",), f"unknown chain '{cost.chain}' (the chains file has: {', '.join(sorted(config.chains))})"))
        return None
    currency = cost.currency.upper()
    if currency not in ("USD", chain.native_symbol):
        problems.append(source.problem(at + ("currency",), f"unknown currency '{cost.currency}' (expected USD or {chain.native_symbol} for {cost.chain})"))
        return None
    limit = USD_DECIMALS if currency == "USD" else chain.decimals
    if _places(cost.amount) > limit:
        problems.append(source.problem(at + ("amount",), f"has more than {limit} decimals, the precision of {currency}"))
    if cost.kind == "one_off":
        if cost.on is None:
            problems.append(source.problem(at + ("date",), "is required for a one_off cost"))
            return None
        if cost.starts is not None or cost.ends is not None:
            problems.append(source.problem(at, "a one_off cost has a date, not from/to"))
        starts, ends = cost.on, cost.on
    else:
        if cost.on is not None:
            problems.append(source.problem(at + ("date",), f"is for one_off costs; a {cost.kind} cost runs from/to"))
        if cost.starts is None:
            problems.append(source.problem(at + ("from",), f"is required for a {cost.kind} cost"))
            return None
        if cost.ends is not None and cost.ends < cost.starts:
            problems.append(source.problem(at + ("to",), f"{cost.ends} is before from: {cost.starts}"))
            return None
        starts, ends = cost.starts, cost.ends
    validators = _validators(source, at + ("validators",), cost.validators, operator, cost.chain, config, listed, problems)
    return CostLine(
        operator=operator, name=cost.name, chain=cost.chain, kind=cost.kind, amount=cost.amount,
        currency=currency, starts=starts, ends=ends, validators=tuple(validators), description=cost.description,
    )


def _parse_books(source: YamlSource, config: AuroraConfig, problems: list[str]) -> BooksConfig:
    data = source.data
    if data is None:
        return BooksConfig(path=source.path)
    if not isinstance(data, dict):
        problems.append(source.problem((), "must be a mapping with 'operators:' (and optionally 'income_basis:')"))
        return BooksConfig(path=source.path)
    _unknown_top_level(source, {"income_basis", "operators"}, problems)
    basis = data.get("income_basis", "accrual")
    if basis not in BASES:
        problems.append(source.problem(("income_basis",), f"must be one of {', '.join(BASES)}, got {basis!r}"))
    operators = data.get("operators") or {}
    if not isinstance(operators, dict):
        problems.append(source.problem(("operators",), "must be a mapping of operator key -> books"))
        return BooksConfig(path=source.path)
    known = {operator.key for operator in config.operators}
    listed = _listed_validators(config)
    seen: dict[tuple[str, str], list[tuple[tuple, date, date | None]]] = {}
    terms: list[Term] = []
    costs: list[CostLine] = []
    for operator, raw in operators.items():
        at = ("operators", operator)
        if operator not in known:
            problems.append(source.problem(at, f"unknown operator '{operator}' ({_operators_label(config)} has: {', '.join(sorted(known)) or 'none'})"))
            continue
        books = _validate(OperatorBooksConfig, raw if raw is not None else {}, source, at, problems)
        if books is None:
            continue
        names: dict[str, int] = {}
        for index, _ in enumerate(books.validator_sets):
            sat = at + ("validator_sets", index)
            name = source.data_at(sat).get("name") if isinstance(source.data_at(sat), dict) else None
            if isinstance(name, str) and name in names:
                problems.append(source.problem(sat + ("name",), f"'{name}' is already used by validator_sets[{names[name]}]"))
            elif isinstance(name, str):
                names[name] = index
            terms.extend(_parse_terms(source, sat, operator, config, listed, seen, problems))
        cost_names: dict[str, int] = {}
        for index, _ in enumerate(books.costs):
            cat = at + ("costs", index)
            cost = _parse_cost(source, cat, operator, config, listed, problems)
            if cost is None:
                continue
            if cost.name in cost_names:
                problems.append(source.problem(cat + ("name",), f"'{cost.name}' is already used by costs[{cost_names[cost.name]}]"))
                continue
            cost_names[cost.name] = index
            costs.append(cost)
    return BooksConfig(income_basis=basis if basis in BASES else "accrual", terms=tuple(terms), costs=tuple(costs), path=source.path)


class _BooksSource(YamlSource):
    """A YamlSource that can also hand back the value at a key path and name a path in words."""

    def data_at(self, key_path: tuple) -> Any:
        node = self.data
        for part in key_path:
            node = node[part]
        return node

    def describe(self, key_path: tuple) -> str:
        from loaders.yaml_source import format_key_path

        line = self.line_of(key_path)
        return format_key_path(key_path) + (f" (line {line})" if line else "")


def load_books(path: Path | None, config: AuroraConfig) -> BooksConfig:
    """Read and check books.yaml against the validated chains and operators; raise ConfigError
    listing every problem found. No file: the empty books (own, 100%, no costs)."""
    if path is None:
        return empty_books()
    plain = read_yaml(Path(path))
    source = _BooksSource(path=plain.path, data=plain.data, lines=plain.lines)
    problems: list[str] = []
    books = _parse_books(source, config, problems)
    if problems:
        raise ConfigError(problems)
    return books
