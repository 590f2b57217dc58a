"""`aurora demo`: the whole pipeline against the simulated network, in a database of its own.

It starts the simnet in-process, points Aurora at it, loads a few Solana epochs the way a
scheduled job would (one run per epoch as time passes) and the latest complete Ethereum days,
builds, and prints the P&L of both chains and the exceptions. The user's
warehouse is untouched: the demo writes to the database `aurora_demo` on the same server and
keeps its dlt state apart.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import yaml
from rich.console import Console

from loaders.books.config import load_books
from loaders.config import load_config
from loaders.warehouse import Warehouse, aurora_home, recreate_database

DEMO_DATABASE = "aurora_demo"
EPOCHS = 4


def demo_directory() -> Path:
    return aurora_home() / "demo"


def run_demo(warehouse: Warehouse, console: Console, load_registry, build, print_table, query_table) -> None:
    directory = demo_directory()
    shutil.rmtree(directory, ignore_errors=True)
    # The demo keeps its dlt state apart; the variable is put back afterwards so whatever runs
    # next in this process (the tests, a caller) sees the user's setting, not the demo's.
    before = os.environ.get("AURORA_PIPELINES_DIR")
    os.environ["AURORA_PIPELINES_DIR"] = str(directory / "dlt")
    try:
        _run_demo(warehouse, directory, console, load_registry, build, print_table, query_table)
    finally:
        if before is None:
            os.environ.pop("AURORA_PIPELINES_DIR", None)
        else:
            os.environ["AURORA_PIPELINES_DIR"] = before


def _run_demo(warehouse: Warehouse, directory: Path, console: Console, load_registry, build, print_table,
              query_table) -> None:
    from loaders.ethereum.run import run_ethereum
    from loaders.solana.run import run_solana
    from simnet.network import NetworkSpec, SimNetwork
    from simnet.solana.model import SolanaParams

    demo_warehouse = recreate_database(warehouse, DEMO_DATABASE)
    console.print(f"demo warehouse: {demo_warehouse.display_url}", highlight=False)

    slots = SolanaParams().slots_per_epoch
    spec = NetworkSpec(solana=SolanaParams(head_slot=2 * slots + slots // 3))
    with SimNetwork(spec) as net:
        for key, url in sorted(net.urls.items()):
            console.print(f"simulated {key}: {url}", highlight=False)
        paths = net.write_config(directory / "config")
        paths["operators"] = directory / "config" / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump({"operators": _demo_operators(net)}))
        config = load_config(paths["chains"], paths["providers"], paths["operators"])
        paths["books"] = directory / "config" / "books.yaml"
        paths["books"].write_text(yaml.safe_dump(_demo_books(config), sort_keys=False))
        books = load_books(paths["books"], config)
        load_registry(config, demo_warehouse, books)
        for step in range(EPOCHS):
            summary = run_solana(config, config.chains["solana"], demo_warehouse)
            console.print(
                f"solana run {step + 1}/{EPOCHS} at epoch {net.solana.current_epoch}: loaded epochs "
                f"{', '.join(summary.periods)}; {sum(summary.rows.values())} rows; {len(summary.rejected)} rejected",
                highlight=False,
            )
            net.solana.advance(slots)
        summary = run_ethereum(config, config.chains["ethereum"], demo_warehouse)
        console.print(
            f"ethereum run at epoch {net.ethereum.head_epoch}: loaded days {', '.join(summary.periods)}; "
            f"{sum(summary.rows.values())} rows; {len(summary.rejected)} rejected",
            highlight=False,
        )
        build(demo_warehouse, quiet=True)

    print_table("marts.fct_validator_pnl (SOL)", *query_table(demo_warehouse, """
        select period_id as epoch, operator, left(validator_key, 8) || '…' as validator,
               issuance_native as issuance, block_fees_native as block_fees, mev_native as mev,
               priority_fee_sharing_native as pf_sharing, vote_costs_native as vote_costs,
               net_pnl_native as net_pnl, row_state as status
        from marts.fct_validator_pnl
        where chain = 'solana'
        order by period_seq, operator, validator_key"""))
    print_table("net P&L per validator (SOL)", *query_table(demo_warehouse, """
        select operator, validator_key as vote_account, count(*) as epochs, sum(net_pnl_native) as net_pnl,
               sum(mev_native) as mev, sum(vote_costs_native) as vote_costs
        from marts.fct_validator_pnl where chain = 'solana'
        group by operator, validator_key order by operator, net_pnl desc"""))
    print_table("marts.fct_validator_pnl (ETH)", *query_table(demo_warehouse, """
        select period_id as day, operator, validator_key as validator, issuance_native as issuance,
               penalties_native as penalties, block_fees_native as block_fees, mev_native as mev,
               net_pnl_native as net_pnl, row_state as status
        from marts.fct_validator_pnl
        where chain = 'ethereum'
        order by period_seq, operator, validator_key::int"""))
    print_table("marts.fct_validator_exceptions (flagged, never booked as income)", *query_table(demo_warehouse, """
        select chain, period_id, validator_key as validator, kind, slot, expected_native as expected,
               actual_native as actual, native_symbol as unit
        from marts.fct_validator_exceptions order by chain, period_id, kind"""))
    console.print(
        f"explore it: psql '{demo_warehouse.url}'  (the mart: marts.fct_validator_pnl; lineage: marts.fct_pnl_lineage)",
        highlight=False, markup=False,
    )
    write_reports(demo_warehouse, directory, console)


def write_reports(warehouse: Warehouse, directory: Path, console: Console) -> list[Path]:
    """The demo operators' books: one HTML report per operator and month, and one line each."""
    from loaders.books.report import read_month, render

    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("select distinct operator, month from marts.fct_operator_statement_monthly order by month, operator")
        months = cur.fetchall()
    written = []
    for operator, month in months:
        data = read_month(warehouse, operator, month)
        path = directory / f"report-{operator}-{month:%Y-%m}.html"
        path.write_text(render(data))
        written.append(path)
        console.print(f"report: {path}", highlight=False, markup=False, soft_wrap=True)
        console.print(monthly_summary(operator, month, data.statement), highlight=False, markup=False, soft_wrap=True)
    return written


def monthly_summary(operator: str, month, statement: list[dict]) -> str:
    """`acme 2025-01: solana net 16.7 SOL, ethereum net 0.21 ETH; net 3,111.93 USD (provisional)`."""
    chains = ", ".join(f"{row['chain']} net {row['net_pnl_native']:.6f} {row['native_symbol']}" for row in statement)
    usd = [row["net_pnl_usd"] for row in statement]
    total = f"{sum(usd):,.2f} USD" if usd and all(v is not None for v in usd) else "USD n/a (a price is missing)"
    state = "final" if statement and all(row["is_final"] for row in statement) else "provisional"
    return f"{operator} {month:%Y-%m}: {chains}; net {total} ({state})"


def _demo_operators(net) -> list[dict]:
    """Two operators on each chain; the Ethereum set includes the planted slashing, principal
    moves and MEV anomalies, so the exceptions table has something to show."""
    sol = [v.vote for v in net.solana.validators[:6]]
    m = net.ethereum
    ev = m.events
    eth = sorted({ev.slashed_validator, ev.consolidation_source, ev.consolidation_target, ev.topup_validator,
                  *(m.proposer(slot) for slot in m.mev_anomalies.values()), 1, 2})
    recipients = sorted({m.expected_fee_recipient(v) for v in eth})
    return [
        {"key": "acme", "name": "Acme Staking", "validators": {"solana": sol[:3], "ethereum": eth[: len(eth) // 2]},
         "fee_recipients": {"ethereum": recipients}},
        {"key": "beta", "name": "Beta Validators", "validators": {"solana": sol[3:], "ethereum": eth[len(eth) // 2 :]},
         "fee_recipients": {"ethereum": recipients}},
    ]


def _demo_books(config) -> dict:
    """The demo operators' books: a Solana validator co-owned with a partner (and 25% held by the
    other demo operator), Ethereum client validators under a 10% fee, and cost lines of every kind
    (docs/books.md)."""
    listed = {op.key: op.validators for op in config.operators}
    acme_sol, beta_eth = listed["acme"]["solana"], listed["beta"]["ethereum"]
    return {
        "income_basis": "accrual",
        "operators": {
            "acme": {
                "validator_sets": [
                    {"name": "co_owned", "chain": "solana", "validators": acme_sol[:1],
                     "terms": [{"from": "2024-01-01", "share_pct": 60, "co_owners": {"beta": 25}}]},
                ],
                "costs": [
                    {"name": "solana_servers", "chain": "solana", "kind": "monthly", "amount": "1500", "currency": "USD", "from": "2024-12-01"},
                    {"name": "ethereum_nodes", "chain": "ethereum", "kind": "per_validator_day", "amount": "2.50", "currency": "USD", "from": "2024-12-01"},
                    {"name": "hsm_purchase", "chain": "ethereum", "kind": "one_off", "amount": "0.05", "currency": "ETH", "date": "2025-01-02"},
                ],
            },
            "beta": {
                "validator_sets": [
                    {"name": "clients", "chain": "ethereum", "validators": beta_eth,
                     "terms": [{"from": "2024-01-01", "model": "fee", "fee_bps": 1000}]},
                ],
                "costs": [
                    {"name": "rpc", "chain": "solana", "kind": "per_epoch", "amount": "0.001", "currency": "SOL", "from": "2024-12-01"},
                    {"name": "ethereum_servers", "chain": "ethereum", "kind": "monthly", "amount": "900", "currency": "USD", "from": "2024-12-01"},
                ],
            },
        },
    }
