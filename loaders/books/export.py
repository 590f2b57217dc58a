"""`aurora export`: an operator's income events (marts.fct_income_events) as a CSV file for an
accountant or a tax tool.

Formats (docs/books.md, "Tax export", cites the tools' own documentation):
  csv           every column of the income event, amounts exact;
  koinly        Koinly's simple custom template: Koinly Date, Amount, Currency, Net Worth Amount,
                Net Worth Currency, Label, Description, TxHash; income labelled `reward`, an
                outgoing amount negative and labelled `cost`;
  cointracking  CoinTracking's CSV import: Type, Buy, Cur., Sell, Cur., Fee, Cur., Exchange,
                Trade-Group, Comment, Date, Tx-ID and the values in the account currency (USD);
                income typed `Staking`, an outgoing amount `Other Expense`.
One row per income event, so the amounts of an export add up to the statement's revenue for the
same days (`tests/loaders/books/test_books_e2e.py`).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TextIO

FORMATS = ("csv", "koinly", "cointracking")
COMPONENT_NAMES = {
    "issuance": "issuance",
    "block_fees": "block fees",
    "mev": "MEV",
    "priority_fee_sharing": "priority-fee sharing paid to stakers",
}


@dataclass(frozen=True)
class IncomeEvent:
    basis: str
    operator: str
    chain: str
    validator_key: str
    component: str
    event_key: str
    event_time: datetime
    earned_in: str | None
    amount: Decimal
    token: str
    price_usd: Decimal | None
    value_usd: Decimal | None
    is_final: bool
    data_gaps: str | None

    @property
    def tx_id(self) -> str:
        """A stable id, the same on every export, so a tool that deduplicates on it can re-import."""
        return f"aurora:{self.basis}:{self.operator}:{self.chain}:{self.validator_key}:{self.component}:{self.event_key}"

    @property
    def description(self) -> str:
        what = COMPONENT_NAMES[self.component]
        earned = f", earned in {self.earned_in}" if self.earned_in else ""
        state = "" if self.is_final else f" (provisional{': ' + self.data_gaps if self.data_gaps else ''})"
        return f"{self.chain} validator {self.validator_key}: {what} ({self.basis}, {self.event_key}{earned}){state}"


def read_events(warehouse, operator: str, first: date, last: date, basis: str) -> list[IncomeEvent]:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute(
            """
            select basis, operator, chain, validator_key, component, event_key, event_time, earned_in,
                   amount_native, token, price_usd, value_usd, is_final, data_gaps
            from marts.fct_income_events
            where operator = %s and basis = %s and event_date between %s and %s
            order by event_time, chain, validator_key, component, event_key
            """,
            (operator, basis, first, last),
        )
        return [IncomeEvent(*row) for row in cur.fetchall()]


def reporting_basis(warehouse) -> str:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("select income_basis from registry.books_settings")
        row = cur.fetchone()
    return row[0] if row else "accrual"


def plain(value: Decimal | None) -> str:
    """A decimal as digits, never in exponent form, without trailing zeros."""
    if value is None:
        return ""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def cents(value: Decimal | None) -> str:
    return "" if value is None else format(value.quantize(Decimal("0.01")), "f")


def write_export(events: list[IncomeEvent], fmt: str, out: TextIO) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (expected {', '.join(FORMATS)})")
    writer = csv.writer(out, lineterminator="\n")
    if fmt == "csv":
        writer.writerow(["event_time_utc", "operator", "chain", "validator", "component", "basis", "event_key",
                         "earned_in", "amount", "token", "price_usd", "value_usd", "is_final", "data_gaps", "id"])
        for e in events:
            writer.writerow([_utc(e.event_time).strftime("%Y-%m-%dT%H:%M:%SZ"), e.operator, e.chain, e.validator_key,
                             e.component, e.basis, e.event_key, e.earned_in or "", plain(e.amount), e.token,
                             plain(e.price_usd), plain(e.value_usd), "true" if e.is_final else "false",
                             e.data_gaps or "", e.tx_id])
    elif fmt == "koinly":
        writer.writerow(["Koinly Date", "Amount", "Currency", "Net Worth Amount", "Net Worth Currency", "Label",
                         "Description", "TxHash"])
        for e in events:
            writer.writerow([_utc(e.event_time).strftime("%Y-%m-%d %H:%M UTC"), plain(e.amount), e.token,
                             cents(abs(e.value_usd)) if e.value_usd is not None else "", "USD" if e.value_usd is not None else "",
                             "reward" if e.amount > 0 else "cost", e.description, ""])
    else:
        writer.writerow(["Type", "Buy", "Cur.", "Sell", "Cur.", "Fee", "Cur.", "Exchange", "Trade-Group", "Comment",
                         "Date", "Tx-ID", "Buy Value in your Account Currency", "Sell Value in your Account Currency"])
        for e in events:
            income = e.amount > 0
            value = cents(abs(e.value_usd)) if e.value_usd is not None else ""
            writer.writerow([
                "Staking" if income else "Other Expense",
                plain(e.amount) if income else "", e.token if income else "",
                "" if income else plain(-e.amount), "" if income else e.token,
                "", "",
                f"Aurora {e.operator} {e.chain}", e.component, e.description,
                _utc(e.event_time).strftime("%Y-%m-%d %H:%M:%S"), e.tx_id,
                value if income else "", "" if income else value,
            ])


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)
