"""The ground-truth ledger: expected P&L per (chain, validator, period), from model state.

Amounts are integers in the chain's base unit (lamports, wei). The components and formulas are
those of ../shared/reference/pnl.md; each chain model computes them from its own state (the
blocks, votes, rewards and payments it simulated), never by reading its HTTP answers.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path


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
            record["gross_revenue"] = row.gross_revenue
            record["net_pnl"] = row.net_pnl
            writer.writerow(record)


def write_exceptions(rows: list[ExceptionRow], path: Path) -> None:
    with Path(path).open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=[f.name for f in fields(ExceptionRow)])
        writer.writeheader()
        for row in sorted(rows, key=lambda r: (r.chain, r.period_id, r.validator_key, r.kind)):
            writer.writerow(asdict(row))
