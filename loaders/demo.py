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

from loaders.config import load_config
from loaders.warehouse import Warehouse, aurora_home, recreate_database

DEMO_DATABASE = "aurora_demo"
EPOCHS = 4


def demo_directory() -> Path:
    return aurora_home() / "demo"


def run_demo(warehouse: Warehouse, console: Console, load_registry, build, print_table, query_table) -> None:
    from loaders.ethereum.run import run_ethereum
    from loaders.solana.run import run_solana
    from simnet.network import NetworkSpec, SimNetwork
    from simnet.solana.model import SolanaParams

    directory = demo_directory()
    shutil.rmtree(directory, ignore_errors=True)
    os.environ["AURORA_PIPELINES_DIR"] = str(directory / "dlt")
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
        load_registry(config, demo_warehouse)
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
               net_pnl_native as net_pnl, case when is_final then 'final' else 'restated later' end as status
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
               net_pnl_native as net_pnl, case when is_final then 'final' else 'restated later' end as status
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
