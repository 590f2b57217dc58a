"""The `aurora` command."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from loaders import registry as registry_loader
from loaders.config import AuroraConfig, ConfigError, default_paths, load_config
from loaders.dotenv import load_dotenv
from loaders.run_report import print_summary, progress_bar
from loaders.warehouse import (
    Warehouse,
    WarehouseError,
    embedded_status,
    open_warehouse,
    project_root,
    run_psql,
    stop_embedded,
)
from simnet.cli import app as simnet_app

# Tables stay whole when output goes to a pipe or a file (CI logs), where rich assumes 80 columns.
_PIPE_WIDTH = None if sys.stdout.isatty() else 200
console = Console(width=_PIPE_WIDTH)
err_console = Console(stderr=True, width=_PIPE_WIDTH)

app = typer.Typer(
    help="Aurora: what your Solana and Ethereum validators really earned.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
db_app = typer.Typer(help="The warehouse connection (embedded Postgres unless AURORA_DATABASE_URL is set).", no_args_is_help=True)
registry_app = typer.Typer(help="Chains, providers, mappings and operators in the warehouse.", no_args_is_help=True)
config_app = typer.Typer(help="The config files.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(registry_app, name="registry")
app.add_typer(config_app, name="config")
app.add_typer(simnet_app, name="simnet")


class Paths:
    chains: Path
    providers: Path
    operators: Path | None


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


@app.callback()
def main_options(
    ctx: typer.Context,
    chains: Optional[Path] = typer.Option(None, "--chains", help="chains.yaml to use (env AURORA_CHAINS_FILE)."),
    providers: Optional[Path] = typer.Option(None, "--providers", help="providers.yaml to use (env AURORA_PROVIDERS_FILE)."),
    operators: Optional[Path] = typer.Option(None, "--operators", help="operators.yaml to use (env AURORA_OPERATORS_FILE)."),
) -> None:
    load_dotenv(Path.cwd() / ".env")
    defaults = default_paths(project_root())
    paths = Paths()
    paths.chains = chains or defaults["chains"]
    paths.providers = providers or defaults["providers"]
    explicit_operators = operators or (Path(os.environ["AURORA_OPERATORS_FILE"]) if os.environ.get("AURORA_OPERATORS_FILE") else None)
    # operators.yaml is optional: without it every validator of a chain is tracked.
    paths.operators = explicit_operators or (defaults["operators"] if defaults["operators"].exists() else None)
    ctx.obj = paths


def get_config(ctx: typer.Context) -> AuroraConfig:
    paths: Paths = ctx.obj
    try:
        return load_config(paths.chains, paths.providers, paths.operators)
    except ConfigError as exc:
        err_console.print(f"[bold red]error:[/] {len(exc.problems)} problem(s) in the config files:", highlight=False)
        for problem in exc.problems:
            err_console.print(f"  {problem}", highlight=False, markup=False)
        raise typer.Exit(2)


def get_warehouse() -> Warehouse:
    try:
        return open_warehouse()
    except WarehouseError as exc:
        fail(str(exc), 2)
    raise AssertionError  # unreachable


# ---------------------------------------------------------------- config
@config_app.command("check")
def config_check(ctx: typer.Context) -> None:
    """Validate chains.yaml, providers.yaml and operators.yaml; print what they define."""
    config = get_config(ctx)
    console.print(
        f"ok: {len(config.chains)} chains, {len(config.providers)} providers, "
        f"{len(config.mappings)} mappings, {len(config.operators)} operators "
        f"({config.chains_path}, {config.providers_path}"
        + (f", {config.operators_path})" if config.operators_path else ")"),
        highlight=False,
    )


# ---------------------------------------------------------------- db
@db_app.command("url")
def db_url() -> None:
    """Print the URL of the warehouse in use (starting the embedded server if needed)."""
    print(get_warehouse().display_url)


@db_app.command("env")
def db_env() -> None:
    """Print shell exports for running dbt by hand: eval "$(aurora db env)"."""
    warehouse = get_warehouse()
    for key, value in warehouse.env().items():
        print(f"export {key}='{value}'")


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open a psql shell on the warehouse (extra arguments go to psql)."""
    raise typer.Exit(run_psql(get_warehouse(), list(ctx.args)))


@db_app.command("status")
def db_status() -> None:
    """Say which warehouse is in use and whether the embedded server runs."""
    print(embedded_status())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded Postgres."""
    if os.environ.get("AURORA_DATABASE_URL"):
        print("AURORA_DATABASE_URL is set: Aurora did not start that server and will not stop it.")
        return
    print("stopped the embedded Postgres" if stop_embedded() else "the embedded Postgres was not running")


# ---------------------------------------------------------------- registry and build
def load_registry(config: AuroraConfig, warehouse: Warehouse) -> None:
    from loaders.pipeline import make_pipeline
    from loaders.registry.settings import DATASET, PIPELINE

    from loaders.raw_schemas import ensure_raw_schemas

    pipeline = make_pipeline(PIPELINE, DATASET, warehouse)
    pipeline.run(registry_loader.registry_source(config))
    ensure_raw_schemas(warehouse)
    console.print(
        f"loaded the registry into {DATASET}: {len(config.chains)} chains, {len(config.providers)} providers, "
        f"{len(config.mappings)} mappings, {len(config.operators)} operators",
        highlight=False,
    )


INVARIANT_ROWS_SHOWN = 20


def invariant_failures(warehouse: Warehouse) -> list[tuple]:
    """P&L rows that broke a row-level invariant (built, flagged invariant_failed:<test>, not final)."""
    try:
        _, rows = query_table(warehouse, """
            select chain, validator_key, period_id, data_gaps from marts.fct_validator_pnl
            where data_gaps like '%invariant_failed:%' order by chain, period_seq, validator_key""")
    except Exception:  # no mart yet (a partial --select): nothing to report
        return []
    return rows


def report_invariants(warehouse: Warehouse) -> bool:
    """Name the rows that broke an invariant; True when there are any (the command then fails)."""
    rows = invariant_failures(warehouse)
    if not rows:
        return False
    err_console.print(f"[bold red]{len(rows)} P&L row(s) broke a row-level invariant[/] (built, flagged, not final):", highlight=False)
    for chain, validator, period, gaps in rows[:INVARIANT_ROWS_SHOWN]:
        codes = ", ".join(c for c in gaps.split(", ") if c.startswith("invariant_failed:"))
        err_console.print(f"  {chain} {validator} {period}: {codes}", highlight=False, markup=False)
    if len(rows) > INVARIANT_ROWS_SHOWN:
        err_console.print(f"  ... and {len(rows) - INVARIANT_ROWS_SHOWN} more (marts.fct_validator_pnl, data_gaps)", highlight=False)
    return True


def build(warehouse: Warehouse, select: list[str] | None = None, extra: list[str] | None = None, quiet: bool = False) -> None:
    from loaders.dbt_runner import run_dbt

    args = ["build"]
    if select:
        # Only the tests whose every parent is selected: a relationships test from an unbuilt
        # model to a selected one would fail for the wrong reason.
        args += ["--select", *select, "--indirect-selection", "cautious"]
    args += extra or []
    outcome = run_dbt(warehouse, args, quiet=quiet)
    counts = outcome.counts()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing ran"
    if outcome.success:
        console.print(f"[green]dbt build succeeded[/] in {outcome.seconds:.1f}s: {summary}", highlight=False)
        return
    err_console.print(f"[bold red]dbt build failed[/] in {outcome.seconds:.1f}s: {summary}", highlight=False)
    for node in outcome.problems():
        err_console.print(f"  {node.status.upper()} {node.name}: {node.message}", highlight=False, markup=False)
    if outcome.error:
        err_console.print(f"  {outcome.error}", highlight=False, markup=False)
    raise typer.Exit(1)


@registry_app.command("load")
def registry_load(ctx: typer.Context) -> None:
    """Load the config files into raw_registry (replacing what was there)."""
    config = get_config(ctx)
    load_registry(config, get_warehouse())


@registry_app.command("show")
def registry_show() -> None:
    """Print the registry tables as dbt built them."""
    print_registry(get_warehouse())


@app.command("build")
def build_command(
    ctx: typer.Context,
    select: Optional[list[str]] = typer.Option(None, "--select", "-s", help="dbt selection."),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Rebuild incremental models from scratch."),
    heal: bool = typer.Option(False, "--heal", help="Re-process every period, not only the lookback window."),
) -> None:
    """Load the registry and run `dbt build` (models, tests, snapshots)."""
    config = get_config(ctx)
    warehouse = get_warehouse()
    load_registry(config, warehouse)
    extra = (["--full-refresh"] if full_refresh else []) + (["--vars", "{heal: true}"] if heal else [])
    build(warehouse, select, extra)
    if report_invariants(warehouse):
        raise typer.Exit(1)


def query_table(warehouse: Warehouse, sql: str) -> tuple[list[str], list[tuple]]:
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute(sql)
        return [d.name for d in cur.description], cur.fetchall()


def print_table(title: str, columns: list[str], rows: list[tuple]) -> None:
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def print_registry(warehouse: Warehouse) -> None:
    print_table("registry.chains", *query_table(warehouse, """
        select chain, display_name, family, period_type, native_symbol,
               base_unit || ' (' || decimals || ')' as base_unit,
               coalesce(consensus_unit || ' (' || consensus_decimals || ')', '') as consensus_unit,
               slots_per_epoch, slot_seconds::float8 as slot_seconds,
               to_char(genesis_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as genesis_time,
               finality_lag
        from registry.chains order by chain"""))
    print_table("registry.providers", *query_table(warehouse, """
        select provider, provider_type, base_url, coalesce(api_key_env, '') as api_key_env,
               requests_per_second::float8 as rps, timeout_seconds::float8 as timeout_s, retries
        from registry.providers order by provider_type, provider"""))
    print_table("registry.chain_provider_mappings", *query_table(warehouse, """
        select chain, role, priority, provider
        from registry.chain_provider_mappings order by chain, role, priority"""))


@app.command("run")
def run_command(
    ctx: typer.Context,
    chain: str = typer.Option(..., "--chain", help="Chain key from the chains file (solana, ethereum)."),
    from_epoch: Optional[int] = typer.Option(None, "--from-epoch", help="First epoch to load (Solana)."),
    to_epoch: Optional[int] = typer.Option(None, "--to-epoch", help="Last epoch to load (Solana)."),
    from_date: Optional[datetime] = typer.Option(None, "--from-date", formats=["%Y-%m-%d"], help="First UTC day to load (Ethereum)."),
    to_date: Optional[datetime] = typer.Option(None, "--to-date", formats=["%Y-%m-%d"], help="Last UTC day to load (Ethereum)."),
    no_fee_split: bool = typer.Option(False, "--no-fee-split", help="Fetch blocks without transactions: total block fees only, lighter."),
    scan_all_blocks: bool = typer.Option(False, "--scan-all-blocks", help="With no validators listed, fetch every block of the network (costly)."),
    no_block_scan: bool = typer.Option(False, "--no-block-scan", help="Never scan an epoch's blocks when no leader schedule was kept (rows say leader_schedule_unknown)."),
    heal_budget: Optional[int] = typer.Option(None, "--heal-budget", min=0, help="Periods with open gaps re-fetched by this run (default 10, env AURORA_HEAL_BUDGET)."),
    build_after: bool = typer.Option(True, "--build/--no-build", help="Run dbt build after loading."),
) -> None:
    """Load a chain's data for a range (incremental when no range is given), then build.

    Exit status: 0 loaded and built; 1 a provider stayed down, dbt failed, or a row broke an
    invariant (the rows are named); 2 a usage or config error; 3 loaded and built, but some
    answers were rejected or failed (the rows say which gap, and later runs heal them)."""
    config = get_config(ctx)
    if heal_budget is not None:
        os.environ["AURORA_HEAL_BUDGET"] = str(heal_budget)
    if chain not in config.chains:
        fail(f"--chain: unknown chain '{chain}' (the chains file has: {', '.join(sorted(config.chains))})", 2)
    chain_config = config.chains[chain]
    warehouse = get_warehouse()
    load_registry(config, warehouse)
    if chain_config.family == "solana":
        if from_date or to_date:
            fail("--from-date/--to-date are for day-based chains (ethereum); use --from-epoch/--to-epoch", 2)
        summary = _run_solana(config, chain_config, warehouse, from_epoch, to_epoch, no_fee_split, scan_all_blocks, no_block_scan)
        print_summary(console, summary, "epoch")
    else:
        if from_epoch is not None or to_epoch is not None:
            fail("--from-epoch/--to-epoch are for epoch-based chains (solana); use --from-date/--to-date", 2)
        summary = _run_ethereum(config, chain_config, warehouse,
                                from_date.date() if from_date else None, to_date.date() if to_date else None)
        print_summary(console, summary, "day")
    if build_after:
        build(warehouse)
        if report_invariants(warehouse):
            raise typer.Exit(1)
    if summary.failed:
        fail(f"{summary.failed}. Periods loaded before it are kept and its rows say provider_failed; run again to continue.", 1)
    if summary.rejected:
        raise typer.Exit(3)


def _print_plan(lines: list[str]) -> None:
    for line in lines:
        console.print(f"plan: {line}", highlight=False, markup=False)


def _run_solana(config, chain, warehouse, from_epoch, to_epoch, no_fee_split, scan_all_blocks, no_block_scan=False):
    from loaders.providers import ProviderUnavailable
    from loaders.solana.fetch import ConfigMismatch, SolanaOptions
    from loaders.runs import PlanError
    from loaders.solana.run import run_solana

    options = SolanaOptions(split_fees=not no_fee_split, scan_all_blocks=scan_all_blocks, block_scan=not no_block_scan)
    with progress_bar(console) as progress:
        epochs_task = progress.add_task("epochs", total=None)
        blocks_task = progress.add_task("blocks", total=None, visible=False)

        def on_epoch(position: int, total: int, epoch: int) -> None:
            progress.update(epochs_task, total=total, completed=position - 1, description=f"epoch {epoch}")
            progress.update(blocks_task, visible=False)

        def on_blocks(done: int, total: int) -> None:
            progress.update(blocks_task, total=total, completed=done, visible=True)

        try:
            summary = run_solana(config, chain, warehouse, from_epoch=from_epoch, to_epoch=to_epoch,
                                 options=options, on_epoch=on_epoch, on_blocks=on_blocks, on_plan=_print_plan)
        except (ConfigMismatch, PlanError) as exc:
            fail(str(exc), 2)
        except ProviderUnavailable as exc:
            fail(f"{exc}. Epochs loaded before this one are kept; run again to continue.", 1)
        progress.update(epochs_task, completed=len(summary.periods))
    return summary


def _run_ethereum(config, chain, warehouse, from_date, to_date):
    from loaders.ethereum.fetch import ConfigMismatch
    from loaders.ethereum.run import run_ethereum
    from loaders.providers import ProviderUnavailable
    from loaders.runs import PlanError

    with progress_bar(console) as progress:
        days_task = progress.add_task("days", total=None)
        step_task = progress.add_task("", total=None, visible=False)

        def on_day(position: int, total: int, day: str) -> None:
            progress.update(days_task, total=total, completed=position - 1, description=f"day {day}")

        def on_step(what: str, done: int, total: int) -> None:
            progress.update(step_task, description=what, total=total, completed=done, visible=True)

        try:
            summary = run_ethereum(config, chain, warehouse, from_date=from_date, to_date=to_date, on_day=on_day, on_step=on_step,
                                   on_plan=_print_plan)
        except (ConfigMismatch, PlanError) as exc:
            fail(str(exc), 2)
        except ProviderUnavailable as exc:
            fail(f"{exc}. Days loaded before this one are kept; run again to continue.", 1)
        progress.update(days_task, completed=len(summary.periods))
    return summary


@app.command("demo")
def demo(ctx: typer.Context) -> None:
    """The registry, then the whole pipeline against a simulated network, printed."""
    from loaders.demo import run_demo

    config = get_config(ctx)
    warehouse = get_warehouse()
    console.print(f"warehouse: {warehouse.display_url}", highlight=False)
    load_registry(config, warehouse)
    build(warehouse, quiet=True)
    print_registry(warehouse)
    run_demo(warehouse, console, load_registry, build, print_table, query_table)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
