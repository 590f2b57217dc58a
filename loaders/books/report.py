"""`aurora report`: one operator's month on one self-contained HTML page.

Everything the page shows comes from the finance marts (fct_operator_statement_monthly,
fct_operator_pnl, fct_operator_validator_pnl, fct_operator_costs) and fct_validator_exceptions.
Charts are plotly figures; plotly.js is inlined once, so the page needs no network when opened.
Every number says whether it is final: provisional ones carry the class `provisional` and a dagger.
Table cells of the statement carry `data-chain` and `data-field` so a test can compare them with
the mart.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal

COMPONENTS = (
    ("issuance", "Issuance", 1),
    ("block_fees", "Block fees", 1),
    ("mev", "MEV", 1),
    ("priority_fee_sharing", "Priority-fee sharing", -1),
    ("vote_costs", "Vote costs", -1),
    ("operating_costs", "Operating costs", -1),
)
STATEMENT_FIELDS = (
    ("issuance", "Issuance"),
    ("block_fees", "Block fees"),
    ("mev", "MEV"),
    ("priority_fee_sharing", "− Priority-fee sharing"),
    ("gross_revenue", "Gross revenue"),
    ("vote_costs", "− Vote costs"),
    ("operating_costs", "− Operating costs"),
    ("net_pnl", "Net P&L"),
)
COLOURS = {
    "issuance": "#4C78A8", "block_fees": "#72B7B2", "mev": "#F58518",
    "priority_fee_sharing": "#B279A2", "vote_costs": "#E45756", "operating_costs": "#9D755D",
}


class ReportError(Exception):
    pass


@dataclass
class MonthData:
    operator: str
    operator_name: str
    month: date
    statement: list[dict]
    days: list[dict]
    validators: list[dict]
    costs: list[dict]
    exceptions: list[dict]
    gaps: list[dict]


def _rows(cur, sql: str, params) -> list[dict]:
    cur.execute(sql, params)
    names = [d.name for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def read_month(warehouse, operator: str, month: date) -> MonthData:
    with warehouse.connect() as conn, conn.cursor() as cur:
        found = _rows(cur, "select operator, display_name from registry.operators where operator = %s", (operator,))
        if not found:
            known = [r["operator"] for r in _rows(cur, "select operator from registry.operators order by 1", ())]
            raise ReportError(f"--operator: unknown operator '{operator}' (the warehouse has: {', '.join(known) or 'none'})")
        statement = _rows(cur, "select * from marts.fct_operator_statement_monthly where operator = %s and month = %s order by chain",
                          (operator, month))
        days = _rows(cur, "select * from marts.fct_operator_pnl where operator = %s and month = %s order by day, chain",
                     (operator, month))
        validators = _rows(cur, """
            select chain, validator_key, max(native_symbol) as native_symbol,
                   string_agg(distinct holder_kind || ' / ' || model, ', ') as terms,
                   count(*) as days, count(*) filter (where is_final) as final_days,
                   sum(gross_revenue_native) as gross_revenue_native, sum(vote_costs_native) as vote_costs_native,
                   case when bool_and(operating_costs_native is not null) then sum(operating_costs_native) end as operating_costs_native,
                   case when bool_and(net_pnl_native is not null) then sum(net_pnl_native) end as net_pnl_native,
                   case when bool_and(net_pnl_usd is not null) then sum(net_pnl_usd) end as net_pnl_usd,
                   bool_and(is_final) as is_final
            from marts.fct_operator_validator_pnl
            where operator = %s and month = %s
            group by chain, validator_key
            order by chain, net_pnl_usd desc nulls last, validator_key""", (operator, month))
        costs = _rows(cur, """
            select chain, cost_line, max(kind) as kind, max(currency) as currency, sum(amount) as amount,
                   sum(unallocated_amount) as unallocated_amount,
                   case when bool_and(amount_usd is not null) then sum(amount_usd) end as amount_usd,
                   count(*) as days
            from marts.fct_operator_costs
            where operator = %s and month = %s
            group by chain, cost_line
            order by chain, cost_line""", (operator, month))
        exceptions = _rows(cur, """
            select e.chain, e.validator_key, e.period_id, e.kind, e.slot, e.expected_native, e.actual_native,
                   e.native_symbol, e.reason
            from marts.fct_validator_exceptions as e
            join canonical.periods as p on p.chain = e.chain and p.period_id = e.period_id
            where e.operator = %s
              and p.period_start < (%s::date + interval '1 month')
              and p.period_end > %s::date
            order by e.chain, e.period_id, e.validator_key, e.kind""", (operator, month, month))
        gaps = _rows(cur, """
            select chain, validator_key, data_gaps, min(day) as first_day, max(day) as last_day, count(*) as days
            from marts.fct_operator_validator_pnl
            where operator = %s and month = %s and data_gaps is not null
            group by chain, validator_key, data_gaps
            order by chain, validator_key, first_day""", (operator, month))
    return MonthData(operator, found[0]["display_name"], month, statement, days, validators, costs, exceptions, gaps)


# ---------------------------------------------------------------- formatting
def _num(value: Decimal | None, places: int | None = None) -> str:
    if value is None:
        return "n/a"
    if places is not None:
        return f"{value.quantize(Decimal(1).scaleb(-places)):,f}"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _cell(value: Decimal | None, final: bool, places: int | None = None, attrs: str = "") -> str:
    state = "final" if final else "provisional"
    mark = "" if final else '<sup title="provisional: restated by later runs">†</sup>'
    exact = "" if value is None else f' data-value="{html.escape(format(value, "f"))}"'
    return f'<td class="num {state}"{attrs}{exact}>{_num(value, places)}{mark}</td>'


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------- charts
def _daily_chart(data: MonthData) -> str:
    import plotly.graph_objects as go

    days = sorted({row["day"] for row in data.days})
    fig = go.Figure()
    for key, label, sign in COMPONENTS:
        by_day: dict[date, Decimal | None] = {}
        for row in data.days:
            value = row[f"{key}_usd"]
            prior = by_day.get(row["day"], Decimal(0))
            by_day[row["day"]] = None if value is None or prior is None else prior + value
        fig.add_bar(name=label, x=[d.isoformat() for d in days],
                    y=[None if by_day.get(d) is None else sign * float(by_day[d]) for d in days],
                    marker_color=COLOURS[key])
    net: dict[date, Decimal | None] = {}
    for row in data.days:
        value, prior = row["net_pnl_usd"], net.get(row["day"], Decimal(0))
        net[row["day"]] = None if value is None or prior is None else prior + value
    fig.add_scatter(name="Net P&L", x=[d.isoformat() for d in days], y=[_float(net.get(d)) for d in days],
                    mode="lines+markers", line={"color": "#222222"})
    fig.update_layout(barmode="relative", title="Net P&L per day (USD), by component, all chains",
                      yaxis_title="USD", xaxis_type="category", height=420, margin={"l": 60, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.15})
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-daily",
                       config={"displayModeBar": False, "responsive": True})


def _validator_chart(data: MonthData) -> str:
    import plotly.graph_objects as go

    rows = [r for r in data.validators if r["net_pnl_usd"] is not None]
    labels = [f"{r['chain']} {r['validator_key'][:10]}" for r in rows]
    fig = go.Figure(go.Bar(x=[float(r["net_pnl_usd"]) for r in rows], y=labels, orientation="h",
                           marker_color=["#4C78A8" if r["is_final"] else "#BAB0AC" for r in rows]))
    fig.update_layout(title="Net P&L per validator for the month (USD; grey: provisional)", xaxis_title="USD",
                      height=max(260, 28 * len(rows) + 120), margin={"l": 160, "r": 20, "t": 50, "b": 40})
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id="chart-validators",
                       config={"displayModeBar": False, "responsive": True})


# ---------------------------------------------------------------- page
STYLE = """
body { font-family: -apple-system, 'Segoe UI', Roboto, sans-serif; margin: 2em auto; max-width: 1400px; padding: 0 1em; color: #222; }
.scroll { overflow-x: auto; }
h1 { margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.provisional { color: #8a5a00; background: #fff8e6; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 4px; font-size: 0.85em; }
.badge.final { background: #e3f4e3; color: #1b5e20; } .badge.provisional { background: #fff3cd; color: #8a5a00; }
.note { color: #666; font-size: 0.85em; }
"""


def render(data: MonthData, generated_at: datetime | None = None) -> str:
    import plotly.offline

    generated_at = generated_at or datetime.now(timezone.utc)
    month_label = data.month.strftime("%Y-%m")
    all_final = bool(data.statement) and all(row["is_final"] for row in data.statement)
    state = "final" if all_final else "provisional"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(data.operator_name)}: {month_label}</title>",
        f"<style>{STYLE}</style>",
        # plotly.js, inlined: the page opens without a network.
        f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>',
        "</head><body>",
        f'<h1>{_e(data.operator_name)} <span class="note">({_e(data.operator)})</span></h1>',
        f'<p>Operator P&amp;L for <strong>{month_label}</strong> '
        f'<span class="badge {state}" id="month-state">{state}</span> '
        f'<span class="note">generated {generated_at.strftime("%Y-%m-%d %H:%M UTC")} from marts.fct_operator_statement_monthly; '
        '† marks a provisional number (not final: restated by later runs, or with a data gap).</span></p>',
    ]
    if not data.statement:
        parts.append(f"<p>No rows for {_e(data.operator)} in {month_label}.</p></body></html>")
        return "\n".join(parts)

    parts.append("<h2>Statement</h2>")
    parts.append('<div class="scroll"><table id="statement"><tr><th>chain</th><th>unit</th>'
                 + "".join(f"<th>{_e(label)}</th>" for _, label in STATEMENT_FIELDS) + "<th>state</th><th>gaps</th></tr>")
    for row in data.statement:
        final = bool(row["is_final"])
        for unit, suffix, places in ((row["native_symbol"], "native", None), ("USD", "usd", 2)):
            cells = "".join(
                _cell(row[f"{field}_{suffix}"], final, places,
                      f' data-chain="{_e(row["chain"])}" data-field="{field}_{suffix}"')
                for field, _ in STATEMENT_FIELDS
            )
            parts.append(f"<tr><td>{_e(row['chain'])}</td><td>{_e(unit)}</td>{cells}"
                         f'<td><span class="badge {"final" if final else "provisional"}">{"final" if final else "provisional"}</span>'
                         f" {row['final_days']}/{row['days']} days final</td><td>{_e(row['data_gaps'] or '')}</td></tr>")
    parts.append("</table></div>")

    parts.append("<h2>Net P&amp;L per day</h2>")
    parts.append(_daily_chart(data))
    parts.append('<p class="note">Solana epochs are apportioned to UTC days by time; each day is valued at its own USD close.</p>')

    parts.append("<h2>Validators</h2>")
    parts.append(_validator_chart(data))
    parts.append('<div class="scroll"><table id="validators"><tr><th>chain</th><th>validator</th><th>terms</th><th>days (final)</th>'
                 "<th>gross revenue</th><th>vote costs</th><th>operating costs</th><th>net P&amp;L</th><th>net P&amp;L (USD)</th></tr>")
    for row in data.validators:
        final = bool(row["is_final"])
        parts.append(
            f"<tr><td>{_e(row['chain'])}</td><td><code>{_e(row['validator_key'])}</code></td><td>{_e(row['terms'])}</td>"
            f"<td>{row['days']} ({row['final_days']})</td>"
            + _cell(row["gross_revenue_native"], final) + _cell(row["vote_costs_native"], final)
            + _cell(row["operating_costs_native"], final) + _cell(row["net_pnl_native"], final)
            + _cell(row["net_pnl_usd"], final, 2) + "</tr>"
        )
    parts.append("</table></div>")

    parts.append("<h2>Costs</h2>")
    if data.costs:
        parts.append('<div class="scroll"><table id="costs"><tr><th>chain</th><th>cost line</th><th>kind</th><th>days</th>'
                     "<th>amount</th><th>currency</th><th>unallocated</th><th>USD</th></tr>")
        for row in data.costs:
            parts.append(f"<tr><td>{_e(row['chain'])}</td><td>{_e(row['cost_line'])}</td><td>{_e(row['kind'])}</td>"
                         f"<td>{row['days']}</td>" + _cell(row["amount"], True) + f"<td>{_e(row['currency'])}</td>"
                         + _cell(row["unallocated_amount"], True) + _cell(row["amount_usd"], row["amount_usd"] is not None, 2) + "</tr>")
        parts.append("</table></div>")
    else:
        parts.append("<p>No cost lines in books.yaml for this month.</p>")
    vote = [row for row in data.statement if row["vote_costs_base_units"]]
    if vote:
        parts.append('<p class="note">Vote costs (estimated from vote credits, docs/pnl.md): '
                     + ", ".join(f"{_num(r['vote_costs_native'])} {_e(r['native_symbol'])}" for r in vote) + ".</p>")

    parts.append("<h2>Exceptions</h2>")
    if data.exceptions:
        parts.append('<div class="scroll"><table id="exceptions"><tr><th>chain</th><th>period</th><th>validator</th><th>kind</th><th>slot</th>'
                     "<th>expected</th><th>actual</th><th>reason</th></tr>")
        for row in data.exceptions:
            parts.append(f"<tr><td>{_e(row['chain'])}</td><td>{_e(row['period_id'])}</td><td><code>{_e(row['validator_key'])}</code></td>"
                         f"<td>{_e(row['kind'])}</td><td>{_e(row['slot'] or '')}</td>"
                         f'<td class="num">{_num(row["expected_native"])}</td><td class="num">{_num(row["actual_native"])}</td>'
                         f"<td>{_e(row['reason'])}</td></tr>")
        parts.append("</table></div>")
    else:
        parts.append("<p>No exceptions for this operator's validators in the month.</p>")

    parts.append("<h2>Data gaps</h2>")
    if data.gaps:
        parts.append('<div class="scroll"><table id="gaps"><tr><th>chain</th><th>validator</th><th>gaps</th><th>days</th><th>from</th><th>to</th></tr>')
        for row in data.gaps:
            parts.append(f"<tr><td>{_e(row['chain'])}</td><td><code>{_e(row['validator_key'])}</code></td><td>{_e(row['data_gaps'])}</td>"
                         f"<td>{row['days']}</td><td>{row['first_day']}</td><td>{row['last_day']}</td></tr>")
        parts.append("</table></div>")
    else:
        parts.append("<p>No data gaps.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def summary_line(row: dict) -> str:
    """One line per operator, chain and month, for the terminal."""
    usd = row["net_pnl_usd"]
    return (f"{row['operator']} {row['chain']} {row['month_label']}: gross {_num(row['gross_revenue_native'])} "
            f"{row['native_symbol']}, costs {_num(row['vote_costs_native'])} vote + "
            f"{_num(row['operating_costs_native'])} operating, net {_num(row['net_pnl_native'])} {row['native_symbol']}"
            f" = {_num(usd, 2) if usd is not None else 'n/a'} USD ({'final' if row['is_final'] else 'provisional'})")
