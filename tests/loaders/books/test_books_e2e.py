"""The operator's books end to end: `aurora demo` (both simulated chains, the demo operators'
books.yaml with a co-owned Solana validator, Ethereum client validators under a 10% fee and cost
lines of every kind) loaded once for the module, then the splits, the exports, the report in a
real browser and the demo's own summary, each checked against the marts to the last unit."""

from __future__ import annotations

import csv
import io
import os
import re
from collections import defaultdict
from datetime import date, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import psycopg2
import pytest
from typer.testing import CliRunner

from loaders.cli import app
from tests.support.browser import CHROMIUM, render_in_chromium
from tests.support.db import query

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()
MONTH = date(2025, 1, 1)
WHOLE = Decimal(10) ** 12


@pytest.fixture(scope="module")
def demo(module_warehouse, tmp_path_factory):
    """`aurora demo`, the command a user runs (the suite's only run of it): the registry printed from
    the warehouse, then the whole pipeline in the demo's own database."""
    from loaders.demo import DEMO_DATABASE

    users_pipelines = str(tmp_path_factory.mktemp("users_pipelines"))
    with pytest.MonkeyPatch.context() as patch:
        # The registry load before the demo uses the user's dlt directory; the demo points dlt at
        # its own while it runs, then puts the variable back.
        patch.setenv("AURORA_PIPELINES_DIR", users_pipelines)
        patch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
        result = runner.invoke(app, ["--chains", str(ROOT / "chains.yaml"), "--providers", str(ROOT / "providers.yaml"),
                                     "--operators", str(ROOT / "operators.yaml"), "--books", str(ROOT / "books.yaml"), "demo"])
        assert result.exit_code == 0, result.output
        assert os.environ["AURORA_PIPELINES_DIR"] == users_pipelines
        assert (Path(users_pipelines) / "aurora_registry").is_dir()  # the registry load's, not the demo's
    demo_warehouse = module_warehouse.with_database(DEMO_DATABASE)
    yield demo_warehouse, result.output
    admin = psycopg2.connect(host=module_warehouse.host, port=module_warehouse.port, user=module_warehouse.user,
                             password=module_warehouse.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{DEMO_DATABASE}" with (force)')
    admin.close()


def aurora(demo_warehouse, *args, expect=0):
    result = runner.invoke(app, list(args), env={"AURORA_DATABASE_URL": demo_warehouse.url})
    assert result.exit_code == expect, result.output
    return result


def statement(demo_warehouse, operator: str) -> dict[str, dict]:
    columns = ["chain", "gross_revenue_native", "gross_revenue_usd", "net_pnl_native", "net_pnl_usd", "is_final",
               "native_symbol", "issuance_native", "block_fees_native", "mev_native", "priority_fee_sharing_native",
               "vote_costs_native", "operating_costs_native", "issuance_usd", "block_fees_usd", "mev_usd",
               "priority_fee_sharing_usd", "vote_costs_usd", "operating_costs_usd"]
    rows = query(demo_warehouse, f"select {', '.join(columns)} from marts.fct_operator_statement_monthly "
                                 "where operator = %s and month = %s", (operator, MONTH))
    return {row[0]: dict(zip(columns, row)) for row in rows}


def test_the_demo_first_prints_the_registry_from_the_warehouse(demo):
    _, output = demo
    assert "registry.chain_provider_mappings" in output
    assert "relay_ultrasound" in output and "lamports (9)" in output
    assert output.index("registry.chain_provider_mappings") < output.index("report: ")  # before the pipeline


def test_every_split_adds_up_and_follows_the_terms(demo):
    warehouse, _ = demo
    # Every component of every validator row reaches its holders whole: nothing created or lost.
    mismatched = query(warehouse, """
        with split as (
            select chain, validator_key, period_id, component, sum(amount_base_units) as amount
            from intermediate.int_books__validator_days_split group by 1, 2, 3, 4),
        mart as (
            select chain, validator_key, period_id, c.component, c.amount
            from marts.fct_validator_pnl
            cross join lateral (values ('issuance', issuance_base_units), ('block_fees', block_fees_base_units),
                ('mev', mev_base_units), ('priority_fee_sharing', priority_fee_sharing_base_units),
                ('vote_costs', vote_costs_base_units), ('penalties', penalties_base_units)) as c(component, amount)
            where operator is not null)
        select count(*), count(*) filter (where split.amount is distinct from mart.amount)
        from mart left join split using (chain, validator_key, period_id, component)""")
    assert mismatched[0][0] > 100 and mismatched[0][1] == 0

    # Each holder's part is its weight's share of the piece, within the one unit the rounding moves.
    parts = query(warehouse, """
        select s.chain, s.holder, s.holder_kind, s.amount_base_units, s.piece_base_units, h.weight
        from intermediate.int_books__validator_days_split as s
        join intermediate.int_books__holder_weights_resolved as h
          on h.chain = s.chain and h.validator_key = s.validator_key and h.effective_from = s.term_from
         and h.component = s.component and h.holder = s.holder""")
    holders = {(chain, holder, kind) for chain, holder, kind, *_ in parts}
    # The co-owned Solana validator: acme 60%, beta 25% (an operator itself), the rest unnamed.
    assert {("solana", "acme", "operator"), ("solana", "beta", "co_owner"), ("solana", "others", "others")} <= holders
    # beta's Ethereum clients: beta keeps 10%, the client the rest.
    assert {("ethereum", "beta", "operator"), ("ethereum", "client", "client")} <= holders
    for _, _, _, amount, piece, weight in parts:
        exact = piece * weight / WHOLE
        assert abs(amount - exact) < 1, (amount, piece, weight)
    nonzero = [(h, k, a, p) for _, h, k, a, p, _ in parts if p != 0 and k == "client"]
    assert nonzero and all(a != 0 for *_, a, p in nonzero)

    # beta's books hold its 25% of acme's co-owned validator, next to its own validators.
    kinds = query(warehouse, "select distinct holder_kind from marts.fct_operator_validator_pnl "
                             "where operator = 'beta' and chain = 'solana'")
    assert sorted(k for (k,) in kinds) == ["co_owner", "operator"]


def test_the_operator_day_adds_up_its_validators_and_the_statement_its_days(demo):
    warehouse, _ = demo
    days = query(warehouse, """
        select count(*) filter (where d.net_pnl_base_units is distinct from v.net + coalesce(d.unallocated_costs_base_units, 0)
                                   or d.gross_revenue_base_units <> v.gross)
        from marts.fct_operator_pnl as d
        join (select operator, chain, day, sum(net_pnl_base_units) as net, sum(gross_revenue_base_units) as gross
              from marts.fct_operator_validator_pnl group by 1, 2, 3) as v using (operator, chain, day)""")
    assert days == [(0,)]
    months = query(warehouse, """
        select count(*) filter (where m.gross_revenue_base_units <> d.gross or m.net_pnl_base_units is distinct from d.net)
        from marts.fct_operator_statement_monthly as m
        join (select operator, chain, month, sum(gross_revenue_base_units) as gross, sum(net_pnl_base_units) as net
              from marts.fct_operator_pnl group by 1, 2, 3) as d using (operator, chain, month)""")
    assert months == [(0,)]
    # Cost lines reach the books: 2.50 USD per Ethereum validator-day and the one-off HSM for acme.
    costs = dict(query(warehouse, "select cost_line, sum(amount) from marts.fct_operator_costs where operator = 'acme' group by 1"))
    validator_days = query(warehouse, "select count(*) from marts.fct_operator_validator_pnl "
                                      "where operator = 'acme' and chain = 'ethereum' and holder_kind = 'operator'")[0][0]
    assert costs["ethereum_nodes"] == Decimal("2.50") * validator_days and costs["hsm_purchase"] == Decimal("0.05")


def test_the_chains_days_are_what_every_validator_row_says(demo):
    """int_books__chain_period_days (a costs-only day's finality, the chain's loaded range) holds
    per period and UTC day what all the mart's validator rows of that period say: worked out here
    from the rows themselves. The day pieces are cut for operators' validators only."""
    warehouse, _ = demo
    rows = query(warehouse, "select chain, period_seq, period_start, period_end, is_final, data_gaps from marts.fct_validator_pnl")
    assert rows and all(start is not None and end is not None for _, _, start, end, _, _ in rows)
    expected: dict[tuple, list] = {}
    for chain, seq, start, end, final, gaps in rows:
        start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
        last = start.date() if end <= start else (end - timedelta(microseconds=1)).date()
        day = start.date()
        while day <= last:
            seen = expected.setdefault((chain, seq, day), [start, end, True, set()])
            seen[0], seen[1] = min(seen[0], start), max(seen[1], end)
            seen[2] = seen[2] and final
            seen[3] |= set(gaps.split(", ")) if gaps else set()
            day += timedelta(days=1)
    got = {(chain, seq, day): [start, end, final, set(gaps.split(", ")) if gaps else set()]
           for chain, seq, day, start, end, final, gaps in query(warehouse, """
               select chain, period_seq, day, period_start, period_end, is_final, data_gaps
               from intermediate.int_books__chain_period_days""")}
    assert got == expected
    assert any(not final for _, _, final, _ in expected.values())  # and a day not final
    unbooked = query(warehouse, "select count(*) from intermediate.int_books__validator_days_apportioned where operator is null")
    assert unbooked == [(0,)]


@pytest.mark.parametrize("operator", ["acme", "beta"])
def test_export_totals_equal_the_statement(demo, operator):
    warehouse, _ = demo
    want = statement(warehouse, operator)
    assert set(want) == {"solana", "ethereum"}
    window = ["--operator", operator, "--from", "2025-01-01", "--to", "2025-01-31", "--basis", "accrual"]
    plain = list(csv.DictReader(io.StringIO(aurora(warehouse, "export", *window, "--format", "csv").stdout)))
    koinly = list(csv.DictReader(io.StringIO(aurora(warehouse, "export", *window, "--format", "koinly").stdout)))
    cointracking = list(csv.reader(io.StringIO(aurora(warehouse, "export", *window, "--format", "cointracking").stdout)))
    assert len(plain) == len(koinly) == len(cointracking) - 1 > 10

    native, usd = defaultdict(Decimal), defaultdict(Decimal)
    for row in plain:
        native[row["chain"]] += Decimal(row["amount"])
        usd[row["chain"]] += Decimal(row["value_usd"])
    for chain, row in want.items():
        assert native[chain] == row["gross_revenue_native"], chain
        assert usd[chain] == row["gross_revenue_usd"], chain

    by_token = defaultdict(Decimal)
    for row in koinly:
        by_token[row["Currency"]] += Decimal(row["Amount"])
        assert row["Label"] == ("reward" if Decimal(row["Amount"]) > 0 else "cost")
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", row["Koinly Date"])
    assert by_token == {want[c]["native_symbol"]: want[c]["gross_revenue_native"] for c in want}

    header, *rows = cointracking
    assert header[:11] == ["Type", "Buy", "Cur.", "Sell", "Cur.", "Fee", "Cur.", "Exchange", "Trade-Group", "Comment", "Date"]
    by_token = defaultdict(Decimal)
    for row in rows:
        if row[0] == "Staking":
            by_token[row[2]] += Decimal(row[1])
        else:
            assert row[0] == "Other Expense"
            by_token[row[4]] -= Decimal(row[3])
    assert by_token == {want[c]["native_symbol"]: want[c]["gross_revenue_native"] for c in want}
    assert len({row[11] for row in rows}) == len(rows)  # Tx-IDs are unique


def test_cash_basis_regroups_solana_income_and_never_pays_more_than_earned(demo):
    warehouse, _ = demo
    # Solana: the same held amounts, booked when paid: totals per operator equal the accrual basis.
    totals = query(warehouse, """
        select operator, component, sum(amount_base_units) filter (where basis = 'accrual'),
               sum(amount_base_units) filter (where basis = 'cash')
        from marts.fct_income_events where chain = 'solana' group by 1, 2""")
    assert totals and all(row[2] == row[3] for row in totals), totals
    # Ethereum issuance in cash: withdrawals, as income only up to what was accrued (plus the
    # opening balance above 32 ETH); never more than the withdrawals themselves.
    withdrawn = query(warehouse, """
        select coalesce(sum(-amount_base_units), 0) from canonical.principal_flows where kind = 'withdrawal'""")[0][0]
    cash = query(warehouse, """
        select coalesce(sum(amount_base_units), 0) from marts.fct_income_events
        where chain = 'ethereum' and basis = 'cash' and component = 'issuance'""")[0][0]
    assert 0 < cash <= withdrawn
    # Block income reaches the fee recipient in its block: the same in both bases.
    same = query(warehouse, """
        select count(*) from (
            select operator, validator_key, component, event_key, amount_base_units from marts.fct_income_events
            where chain = 'ethereum' and component in ('block_fees', 'mev') and basis = 'accrual'
            except
            select operator, validator_key, component, event_key, amount_base_units from marts.fct_income_events
            where chain = 'ethereum' and component in ('block_fees', 'mev') and basis = 'cash') as missing""")
    assert same == [(0,)]


def test_each_withdrawal_is_income_up_to_what_was_accrued_and_not_yet_paid(demo):
    """docs/books.md, rewards first: withdrawal n of a validator (in slot order) is income up to
    its accrual by the withdrawal's day, that day included (the opening balance above 32 ETH plus
    the issuance of every day up to it), less what earlier withdrawals paid out. Worked out here
    from the canonical flows and the P&L mart, for the validators whose issuance only operators
    and co-owners hold (the cash events list no other holder), against the events summed over
    holders."""
    warehouse, _ = demo
    opening = {key: max(balance - 32 * 10**18, 0) for key, balance in query(warehouse, """
        select distinct on (validator_key) validator_key, coalesce(balance_start_base_units, 0)
        from canonical.balance_reconciliations where chain = 'ethereum' order by validator_key, period_seq""")}
    issuance = defaultdict(list)
    for key, day, amount in query(warehouse, """
            select validator_key, period_id::date, issuance_base_units from marts.fct_validator_pnl
            where chain = 'ethereum'"""):
        issuance[key].append((day, amount or 0))
    expected, paid = {}, defaultdict(int)
    for key, day, slot, position, amount in query(warehouse, """
            select validator_key, period_id::date, slot, position, -amount_base_units from canonical.principal_flows
            where chain = 'ethereum' and kind = 'withdrawal' and amount_base_units is not null
            order by validator_key, slot, position"""):
        accrued = opening.get(key, 0) + sum(a for d, a in issuance[key] if d <= day)
        income = max(0, min(amount, accrued - paid[key]))
        paid[key] += income
        if income > 0:
            expected[(key, f"withdrawal {slot} {position}")] = income
    others = {key for (key,) in query(warehouse, """
        select distinct validator_key from intermediate.int_books__holder_weights_resolved
        where chain = 'ethereum' and component = 'issuance' and holder_kind not in ('operator', 'co_owner')""")}
    booked = {(key, event): amount for key, event, amount in query(warehouse, """
        select validator_key, event_key, sum(amount_base_units) from marts.fct_income_events
        where chain = 'ethereum' and basis = 'cash' and component = 'issuance' group by 1, 2""")}
    expected = {k: v for k, v in expected.items() if k[0] not in others}
    booked = {k: v for k, v in booked.items() if k[0] not in others}
    assert len(expected) >= 3
    assert booked == expected


def test_export_and_report_refuse_bad_input(demo, tmp_path):
    warehouse, _ = demo
    window = ["--from", "2025-01-01", "--to", "2025-01-31"]
    result = aurora(warehouse, "export", "--operator", "zeta", *window, expect=2)
    assert "unknown operator 'zeta' (the warehouse has: acme, beta)" in result.output
    result = aurora(warehouse, "export", "--operator", "acme", *window, "--format", "xlsx", expect=2)
    assert "--format: must be one of csv, koinly, cointracking" in result.output
    result = aurora(warehouse, "export", "--operator", "acme", "--from", "2025-02-01", "--to", "2025-01-01", expect=2)
    assert "--to: 2025-01-01 is before --from: 2025-02-01" in result.output
    result = aurora(warehouse, "report", "--operator", "zeta", "--month", "2025-01", "--out", str(tmp_path / "r.html"), expect=2)
    assert "unknown operator 'zeta'" in result.output and not (tmp_path / "r.html").exists()


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_the_report_renders_in_chromium_and_shows_the_statement(demo, tmp_path):
    warehouse, _ = demo
    page = tmp_path / "acme.html"
    aurora(warehouse, "report", "--operator", "acme", "--month", "2025-01", "--out", str(page))
    text = page.read_text()
    # Self-contained: no script, stylesheet or image fetched from anywhere.
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", text)

    probe, dom, stderr = render_in_chromium(page, tmp_path)
    assert probe["errors"] == [], probe["errors"]
    assert not [line for line in stderr.splitlines() if "CONSOLE" in line and ("Uncaught" in line or "Error" in line)]
    charts = {chart["id"]: chart for chart in probe["charts"]}
    assert set(charts) == {"chart-daily", "chart-validators"}
    for chart in charts.values():
        assert chart["main_svgs"] > 0 and chart["marks"] > 0 and chart["width"] > 0 and chart["height"] > 0, chart

    # The daily chart: one stacked bar per component and the net line, each day summed over chains.
    days = query(warehouse, "select day, issuance_usd, net_pnl_usd from marts.fct_operator_pnl where operator = 'acme' and month = %s", (MONTH,))
    issuance, net = defaultdict(Decimal), defaultdict(Decimal)
    for day, issuance_usd, net_usd in days:
        issuance[day.isoformat()] += issuance_usd
        net[day.isoformat()] += net_usd
    traces = {trace["name"]: trace for trace in charts["chart-daily"]["traces"]}
    assert dict(zip(traces["Issuance"]["x"], traces["Issuance"]["y"])) == pytest.approx({d: float(v) for d, v in issuance.items()})
    assert dict(zip(traces["Net P&L"]["x"], traces["Net P&L"]["y"])) == pytest.approx({d: float(v) for d, v in net.items()})

    # Every number of the statement table, as the browser shows it, equals the mart, exactly.
    want = statement(warehouse, "acme")
    cells = re.findall(r'<td class="num (final|provisional)" data-chain="(\w+)" data-field="(\w+)" data-value="([-0-9.]+)">([^<]*)', dom)
    assert len(cells) == len(want) * 16
    for state, chain, field, value, shown in cells:
        row = want[chain]
        assert Decimal(value) == row[field], (chain, field)
        assert state == ("final" if row["is_final"] else "provisional")
        if field.endswith("_usd"):
            assert shown == f"{row[field].quantize(Decimal('0.01')):,f}"
        else:
            assert Decimal(shown) == row[field]


def test_make_demo_ends_with_the_reports_and_a_line_per_operator(demo):
    warehouse, output = demo
    from loaders.books.report import read_month
    from loaders.demo import monthly_summary

    paths = re.findall(r"^report: (\S+\.html)$", output, re.M)
    assert [p.rsplit("/", 1)[1] for p in paths] == ["report-acme-2025-01.html", "report-beta-2025-01.html"]
    for path, operator in zip(paths, ["acme", "beta"]):
        assert "<html" in open(path).read(200)
        line = monthly_summary(operator, MONTH, read_month(warehouse, operator, MONTH).statement)
        assert line in output.splitlines()
        assert re.match(rf"{operator} 2025-01: ethereum net -?[0-9.]+ ETH, solana net -?[0-9.]+ SOL; net -?[0-9,.]+ USD \((final|provisional)\)$", line)
