"""The ground-truth ledger: expected P&L per (chain, validator, period), from model state.

Amounts are integers in the chain's base unit (lamports, wei). The components and formulas are
those of ../shared/reference/pnl.md; each chain model computes them from its own state (the
blocks, votes, rewards and payments it simulated), never by reading its HTTP answers.

Each row also states what a correct warehouse says about it (the gap vocabulary of docs/pnl.md):
`data_gaps`, the inputs it cannot have (a provider failed, history is gone, a component was never
fetched, or an input still missing after the finality lag), `awaiting`, inputs that may still
arrive within the lag, and `is_final` (neither). They follow from the simulated facts: the chain
models, the heads at which the warehouse ran (what a node only keeps for a while) and the
provider outages at its latest run (`Facts`), with the providers' documented retention rules.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Outage:
    """Answers a provider could not give (or gave inconsistent) at the warehouse's latest run."""

    role: str  # rewards | fees | meta | mev | prices (providers.yaml roles)
    periods: frozenset[str]  # period ids; for prices, the ISO dates of the missing closes
    validators: frozenset[str] | None = None  # None: every row that needs the provider there
    # The code it leaves: provider_failed:<role> by default; an answer that is well-formed but
    # does not add up (a wrong_value fault) leaves the invariant it breaks, e.g.
    # invariant_failed:fee_split, and no input is missing then.
    gap: str | None = None

    @property
    def code(self) -> str:
        return self.gap or f"provider_failed:{self.role}"


@dataclass(frozen=True)
class Facts:
    """What happened around the chain: when the warehouse ran and what failed at its last run."""

    runs: tuple[int, ...] = ()  # head slots at which a run snapshotted the network
    outages: tuple[Outage, ...] = ()
    block_scan: bool = True  # solana network-wide: whether every block was fetched (--scan-all-blocks)

    def matching(self, period: str, validator: str | None = None) -> list[Outage]:
        return [o for o in self.outages if period in o.periods and (o.validators is None or validator in o.validators)]

    def failed(self, role: str, period: str, validator: str | None = None) -> bool:
        """Whether the role's provider gave no answer there (an inconsistent answer is an answer)."""
        return any(o.role == role and o.gap is None for o in self.matching(period, validator))


def settle(row_gaps: set[str], missing: set[str], past_lag: bool) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    """(data_gaps, awaiting, is_final): a missing input waits within the finality lag and is a
    gap after it; a row is final when nothing is missing or wrong."""
    gaps = set(row_gaps) | (missing if past_lag else set())
    awaiting = set() if past_lag else set(missing)
    return tuple(sorted(gaps)), tuple(sorted(awaiting - gaps)), not gaps and not awaiting


@dataclass(frozen=True)
class LedgerRow:
    chain: str
    validator_key: str
    period_type: str  # epoch | day
    period_id: str  # epoch number as text (solana) or ISO date (ethereum)
    period_start: datetime
    period_end: datetime
    is_final: bool
    issuance: int
    block_fees: int
    block_fees_base: int | None  # the split, where the chain has one
    block_fees_priority: int | None
    mev: int
    priority_fee_sharing: int
    vote_costs: int
    penalties: int  # already netted inside issuance (ethereum); shown as a positive amount
    data_gaps: tuple[str, ...] = ()  # gap codes, sorted (docs/pnl.md)
    awaiting: tuple[str, ...] = ()  # inputs still expected within the finality lag

    @property
    def gross_revenue(self) -> int:
        return self.issuance + self.block_fees + self.mev - self.priority_fee_sharing

    @property
    def net_pnl(self) -> int:
        return self.gross_revenue - self.vote_costs


@dataclass(frozen=True)
class ExceptionRow:
    """Something the warehouse must flag rather than book as income (ethereum)."""

    chain: str
    validator_key: str
    period_id: str
    kind: str  # slashing | mev_value_mismatch | mev_payment_missing | unexpected_fee_recipient
    slot: int | None
    expected: int | None  # wei
    actual: int | None  # wei


LEDGER_COLUMNS = [f.name for f in fields(LedgerRow)] + ["gross_revenue", "net_pnl"]


def write_ledger(rows: list[LedgerRow], path: Path) -> None:
    with Path(path).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=LEDGER_COLUMNS)
        writer.writeheader()
        for row in sorted(rows, key=lambda r: (r.chain, r.period_id, r.validator_key)):
            record = asdict(row)
            record["period_start"] = row.period_start.isoformat()
            record["period_end"] = row.period_end.isoformat()
            record["data_gaps"] = ", ".join(row.data_gaps)
            record["awaiting"] = ", ".join(row.awaiting)
            record["gross_revenue"] = row.gross_revenue
            record["net_pnl"] = row.net_pnl
            writer.writerow(record)


def write_exceptions(rows: list[ExceptionRow], path: Path) -> None:
    with Path(path).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(ExceptionRow)])
        writer.writeheader()
        for row in sorted(rows, key=lambda r: (r.chain, r.period_id, r.validator_key, r.kind)):
            writer.writerow(asdict(row))
