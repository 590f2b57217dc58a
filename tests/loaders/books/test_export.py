"""The three export formats, from hand-built income events: the columns each tool documents
(docs/books.md cites them), signs, exact amounts."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from loaders.books.export import IncomeEvent, plain, write_export

EVENTS = [
    IncomeEvent("accrual", "acme", "solana", "Vote111", "issuance", "2025-01-31", datetime(2025, 1, 31, 23, 59, 59, tzinfo=timezone.utc),
                "812, 813", Decimal("1.000000001"), "SOL", Decimal("200.5"), Decimal("200.5000002005"), True, None),
    IncomeEvent("accrual", "acme", "solana", "Vote111", "priority_fee_sharing", "2025-01-31",
                datetime(2025, 1, 31, 23, 59, 59, tzinfo=timezone.utc), "813", Decimal("-0.000009259"), "SOL",
                Decimal("200.5"), Decimal("-0.0018564295"), False, "mev_unsettled"),
    IncomeEvent("cash", "acme", "ethereum", "42", "issuance", "withdrawal 9000 3", datetime(2025, 2, 1, 0, 5, 11, tzinfo=timezone.utc),
                None, Decimal("0.012345678901234567"), "ETH", None, None, True, None),
]


def rows(fmt: str) -> list[list[str]]:
    out = io.StringIO()
    write_export(EVENTS, fmt, out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_csv_keeps_every_digit_and_the_state():
    header, first, second, third = rows("csv")
    assert header[:10] == ["event_time_utc", "operator", "chain", "validator", "component", "basis", "event_key", "earned_in", "amount", "token"]
    assert first[0] == "2025-01-31T23:59:59Z" and first[8:12] == ["1.000000001", "SOL", "200.5", "200.5000002005"]
    assert second[8] == "-0.000009259" and second[12:14] == ["false", "mev_unsettled"]
    assert third[8] == "0.012345678901234567" and third[10:12] == ["", ""]
    assert len({r[-1] for r in (first, second, third)}) == 3


def test_koinly_simple_template():
    header, income, outgoing, cash = rows("koinly")
    assert header == ["Koinly Date", "Amount", "Currency", "Net Worth Amount", "Net Worth Currency", "Label", "Description", "TxHash"]
    assert income[:6] == ["2025-01-31 23:59 UTC", "1.000000001", "SOL", "200.50", "USD", "reward"]
    # Outgoing: a negative amount, labelled as a cost (it is an expense, not a disposal for nothing).
    assert outgoing[:6] == ["2025-01-31 23:59 UTC", "-0.000009259", "SOL", "0.00", "USD", "cost"]
    assert "provisional: mev_unsettled" in outgoing[6]
    assert cash[:6] == ["2025-02-01 00:05 UTC", "0.012345678901234567", "ETH", "", "", "reward"]


def test_cointracking_import_columns():
    header, income, outgoing, cash = rows("cointracking")
    assert header == ["Type", "Buy", "Cur.", "Sell", "Cur.", "Fee", "Cur.", "Exchange", "Trade-Group", "Comment", "Date",
                      "Tx-ID", "Buy Value in your Account Currency", "Sell Value in your Account Currency"]
    assert income[:5] == ["Staking", "1.000000001", "SOL", "", ""] and income[10] == "2025-01-31 23:59:59"
    assert income[12:] == ["200.50", ""]
    assert outgoing[:5] == ["Other Expense", "", "", "0.000009259", "SOL"] and outgoing[12:] == ["", "0.00"]
    assert income[7] == "Aurora acme solana" and income[8] == "issuance"
    assert cash[11] == "aurora:cash:acme:ethereum:42:issuance:withdrawal 9000 3"


def test_plain_numbers_and_unknown_format():
    assert plain(Decimal("1E-9")) == "0.000000001" and plain(Decimal("12.3400")) == "12.34" and plain(Decimal("-0E-9")) == "0"
    with pytest.raises(ValueError, match="unknown format 'xlsx'"):
        write_export(EVENTS, "xlsx", io.StringIO())
