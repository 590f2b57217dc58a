"""The `aurora` command."""

from __future__ import annotations

import os
import shlex
import sys
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Optional

from loaders import dbt_worker as _workers

# `aurora build` run as a command: dbt's worker starts importing dbt now, on the other core,
# before this module's own imports (typer, rich, dlt: 0.6 s). A caller importing this module
# (a test) starts none.
_workers.start_early(sys.argv, as_command=__name__ == "__main__" or os.path.basename(sys.argv[0]) == "aurora")

import typer  # noqa: E402  (after the worker's start, on purpose)
from rich.console import Console
from rich.table import Table

from loaders import registry as registry_loader
from loaders.books.config import BooksConfig, books_path, load_books
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
archive_app = typer.Typer(help="The raw response archive: its size, and pruning bodies past retention.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(archive_app, name="archive")
app.add_typer(registry_app, name="registry")
app.add_typer(config_app, name="config")
app.add_typer(simnet_app, name="simnet")


class Paths:
    chains: Path
    providers: Path
    operators: Path | None
    books: Path | None
    books_config: "BooksConfig | None" = None


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


@app.callback()
def main_options(
    ctx: typer.Context,
    chains: Optional[Path] = typer.Option(None, "--chains", help="chains.yaml to use (env AURORA_CHAINS_FILE)."),
    providers: Optional[Path] = typer.Option(None, "--providers", help="providers.yaml to use (env AURORA_PROVIDERS_FILE)."),
    operators: Optional[Path] = typer.Option(None, "--operators", help="operators.yaml to use (env AURORA_OPERATORS_FILE)."),
    books: Optional[Path] = typer.Option(None, "--books", help="books.yaml to use (env AURORA_BOOKS_FILE): ownership, fees, costs."),
) -> None:
    load_dotenv(Path.cwd() / ".env")
    defaults = default_paths(project_root())
    paths = Paths()
    paths.chains = chains or defaults["chains"]
    paths.providers = providers or defaults["providers"]
    explicit_operators = operators or (Path(os.environ["AURORA_OPERATORS_FILE"]) if os.environ.get("AURORA_OPERATORS_FILE") else None)
    # operators.yaml is optional: without it every validator of a chain is tracked.
    paths.operators = explicit_operators or (defaults["operators"] if defaults["operators"].exists() else None)
    # books.yaml is optional too: without it every listed validator is its operator's own, 100%.
    paths.books = books_path(project_root(), books)
    ctx.obj = paths


def get_config(ctx: typer.Context) -> AuroraConfig:
    """The validated config files; books.yaml is checked too (against them) and kept on ctx.obj."""
    paths: Paths = ctx.obj
    try:
        config = load_config(paths.chains, paths.providers, paths.operators)
        paths.books_config = load_books(paths.books, config)
        return config
    except ConfigError as exc:
        err_console.print(f"[bold red]error:[/] {len(exc.problems)} problem(s) in the config files:", highlight=False)
        for problem in exc.problems:
            # One problem per line, never wrapped: people grep these and paste them into issues.
            err_console.print(f"  {problem}", highlight=False, markup=False, soft_wrap=True)
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
    books: BooksConfig = ctx.obj.books_config
    if books.path is not None:
        console.print(
            f"ok: books: {len(books.terms)} validator terms, {len(books.costs)} cost lines, "
            f"income basis {books.income_basis} ({books.path})",
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
        # shlex.quote: safe for any value under eval, quotes, spaces, $ and backticks included.
        print(f"export {key}={shlex.quote(value)}")


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open a psql shell on the warehouse (extra arguments go to psql)."""
    raise typer.Exit(run_psql(get_warehouse(), list(ctx.args)))


@db_app.command("status")
def db_status() -> None:
    """Say which warehouse is in use and whether the embedded server runs."""
    print(embedded_status())


@db_app.command("start")
def db_start(
    listen: Optional[str] = typer.Option(
        None, "--listen", help="Also listen on TCP, [HOST:]PORT (host 127.0.0.1 by default), passwords only. "
        "Default: AURORA_DB_LISTEN, else socket only."),
    socket_only: bool = typer.Option(False, "--socket-only", help="No TCP, whatever AURORA_DB_LISTEN says."),
) -> None:
    """Start the embedded Postgres (restarting it if it listens otherwise than asked)."""
    from loaders.warehouse import listen_from_env, parse_listen, start_embedded

    if os.environ.get("AURORA_DATABASE_URL"):
        fail("AURORA_DATABASE_URL is set: Aurora uses that server and starts none", 2)
    if listen and socket_only:
        fail("--listen and --socket-only contradict each other", 2)
    try:
        address = None if socket_only else (parse_listen(listen, "--listen") if listen else listen_from_env())
        warehouse, restarted = start_embedded(address)
    except WarehouseError as exc:
        fail(str(exc), 2)
        return
    what = "restarted" if restarted else "running"
    if address is None:
        print(f"the embedded Postgres is {what}: socket only, in {warehouse.host} (no TCP)")
    else:
        print(f"the embedded Postgres is {what}: TCP {address} (password logins only; `aurora db grant-reader NAME` "
              f"makes one) and its socket in {warehouse.host}")


@db_app.command("grant-reader")
def db_grant_reader(
    name: str = typer.Argument(..., help="The login to create (or update), e.g. metabase."),
    password_env: Optional[str] = typer.Option(None, "--password-env", help="Take the password from this environment variable."),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from the first line of standard input."),
    generate: bool = typer.Option(False, "--generate-password", help="Generate a password and print it once."),
) -> None:
    """A read-only login for BI tools: marts and registry only, rebuilt tables included.

    Without an option, asks for the password on a terminal, and generates one otherwise."""
    import secrets

    from loaders.warehouse import READER_GROUP, grant_reader

    if sum((bool(password_env), password_stdin, generate)) > 1:
        fail("choose one of --password-env, --password-stdin and --generate-password", 2)
    shown = None
    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            fail(f"--password-env: the variable {password_env} is not set or empty", 2)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif not generate and sys.stdin.isatty():
        password = typer.prompt(f"password for {name}", hide_input=True, confirmation_prompt=True)
    else:
        password = shown = secrets.token_urlsafe(24)
    warehouse = get_warehouse()
    try:
        grant_reader(warehouse, name, password)
    except WarehouseError as exc:
        fail(str(exc), 2)
    print(f"{name} can read the marts and registry schemas of {warehouse.database} (through the role {READER_GROUP}), "
          "nothing else, and cannot write.")
    if shown:
        print(f"password for {name} (shown once, store it now): {shown}")
    if warehouse.embedded:
        print("BI tools connect over TCP: `aurora db start --listen 127.0.0.1:5433` (see docs/bi.md).")


@db_app.command("revoke-reader")
def db_revoke_reader(name: str = typer.Argument(..., help="A login made by grant-reader.")) -> None:
    """Drop a read-only login made by grant-reader."""
    from loaders.warehouse import revoke_reader

    try:
        dropped = revoke_reader(get_warehouse(), name)
    except WarehouseError as exc:
        fail(str(exc), 2)
        return
    if not dropped:
        fail(f"{name} is not a reader made by `aurora db grant-reader`", 2)
    print(f"dropped the reader {name}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded Postgres."""
    if os.environ.get("AURORA_DATABASE_URL"):
        print("AURORA_DATABASE_URL is set: Aurora did not start that server and will not stop it.")
        return
    print("stopped the embedded Postgres" if stop_embedded() else "the embedded Postgres was not running")


# ---------------------------------------------------------------- registry and build
def load_registry(config: AuroraConfig, warehouse: Warehouse, books: BooksConfig | None = None,
                  always: bool = False) -> None:
    """The config files into raw_registry, and books.yaml into raw_books (None: no books file);
    not loaded again when both are as the last load left them (loaders/registry/state.py) unless
    `always`."""
    from loaders.books import books_source, books_tables
    from loaders.books.config import empty_books
    from loaders.books.settings import DATASET as BOOKS_DATASET, PIPELINE as BOOKS_PIPELINE
    from loaders.locks import holding
    from loaders.pipeline import make_pipeline
    from loaders.raw_schemas import ensure_raw_schemas
    from loaders.registry import registry_tables, state
    from loaders.registry.settings import DATASET, PIPELINE
    from loaders.runs import run_load

    books = books or empty_books()
    datasets = [DATASET, BOOKS_DATASET]
    wanted = state.digest([*registry_tables(config), *books_tables(books)])
    summary = (f"{len(config.chains)} chains, {len(config.providers)} providers, {len(config.mappings)} mappings, "
               f"{len(config.operators)} operators")
    with holding(warehouse, state.LOCK, wait=True, on_wait=notice):
        state.finish_interrupted(warehouse, [(PIPELINE, DATASET), (BOOKS_PIPELINE, BOOKS_DATASET)], say=notice)
        if not always and state.unchanged(warehouse, wanted, datasets):
            ensure_raw_schemas(warehouse)
            console.print(f"the registry in {DATASET} is as the config files say ({summary}): not loaded again", highlight=False)
            return
        run_load(make_pipeline(PIPELINE, DATASET, warehouse), registry_loader.registry_source(config))
        run_load(make_pipeline(BOOKS_PIPELINE, BOOKS_DATASET, warehouse), books_source(books))
        state.record(warehouse, wanted, datasets)
    ensure_raw_schemas(warehouse)
    console.print(f"loaded the registry into {DATASET}: {summary}", highlight=False)


INVARIANT_ROWS_SHOWN = 20
# The mart's condition is its partial index's (macros/invariants_failed.sql, index_invariant_rows):
# the flagged rows are read through it, not by a scan of every validator-period.
INVARIANT_ROWS_SQL = """
    select chain, validator_key, period_id, data_gaps from marts.fct_validator_pnl
    where data_gaps like '%invariant_failed:%' order by chain, period_seq, validator_key"""


def invariant_failures(warehouse: Warehouse) -> list[tuple]:
    """P&L rows that broke a row-level invariant (built, flagged invariant_failed:<test>, not final)."""
    try:
        _, rows = query_table(warehouse, INVARIANT_ROWS_SQL)
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


def notice(message: str) -> None:
    err_console.print(f"note: {message}", highlight=False, markup=False)


# Set by `main`: this process is the `aurora` command itself, not a caller's (a test's CliRunner),
# so dbt may run in a worker process beside it (loaders/dbt_worker.py).
_standalone = False


def dbt_worker():
    """A dbt worker (loaders/dbt_worker.py) for the build to come: the one this command started
    before its imports, else one started now. None: dbt runs in this process (a caller's
    process, a test's CliRunner; or AURORA_DBT_WORKER=0)."""
    early = _workers.take_early()
    if _workers.disabled():  # .env may say so: it is read after the early start
        if early is not None:
            early.close()
        return None
    if early is not None or not _standalone:
        return early
    return _workers.build_worker()


@contextmanager
def prepared_dbt_worker(warehouse: Warehouse, heal: bool = False):
    """`dbt_worker()` given the environment of a build with `heal` on this warehouse (it parses
    the project meanwhile); closed at the end. Yields None where dbt runs in this process."""
    from loaders.dbt_runner import prepare_worker

    worker = dbt_worker()
    try:
        if worker is not None:
            prepare_worker(worker, warehouse, heal=heal)
        yield worker
    finally:
        if worker is not None:
            worker.close()


def build(warehouse: Warehouse, select: list[str] | None = None, extra: list[str] | None = None, quiet: bool = False,
          wait: bool = True, force: bool = False, heal: bool = False, worker=None) -> None:
    """`dbt build` of the selection (every node when None), its outcome printed; `worker` (from
    `dbt_worker`) runs it when given (the caller closes it)."""
    from loaders.dbt_runner import BuildRefused, run_dbt, unit_tests_mode
    from loaders.locks import BUSY_EXIT_CODE, LockBusy

    try:
        unit_tests_mode()
    except ValueError as exc:
        fail(str(exc), 2)
    args = ["build"]
    if select:
        # Only the tests whose every parent is selected: a relationships test from an unbuilt
        # model to a selected one would fail for the wrong reason.
        args += ["--select", *select, "--indirect-selection", "cautious"]
    args += extra or []
    try:
        with _plain_errors():
            outcome = run_dbt(warehouse, args, quiet=quiet, wait=wait, say=notice, force=force, heal=heal, worker=worker)
    except LockBusy as exc:
        fail(f"another dbt build is running: {exc}", BUSY_EXIT_CODE)
    except BuildRefused as exc:
        fail(str(exc), 1)
    if outcome.skipped:
        # The marts are the last whole build's, which succeeded: what the caller reports after a
        # build (the invariant rows, the exit status) reads them as it read that build's.
        console.print(outcome.skipped, highlight=False, markup=False)
        return
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
    load_registry(config, get_warehouse(), ctx.obj.books_config, always=True)


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
    wait: bool = typer.Option(False, "--wait", help="When another build is running, wait for it instead of refusing."),
    force: bool = typer.Option(False, "--force", help="Run dbt even when nothing changed since the last whole build."),
) -> None:
    """Load the registry and run `dbt build` (models, tests, snapshots). A whole build with nothing
    new since the last successful one (no new load, same project, vars and settings) does not run dbt;
    after new loads of some datasets only, it builds what those datasets feed."""
    from loaders.dbt_runner import dbt_lock
    from loaders.locks import BUSY_EXIT_CODE, LockBusy, set_command

    set_command("aurora build")
    config = get_config(ctx)
    warehouse = get_warehouse()
    extra = ["--full-refresh"] if full_refresh else []
    with ExitStack() as held:
        # dbt is imported (from the command's start) and the project parsed beside the
        # registry's load and the build's checks.
        worker = held.enter_context(prepared_dbt_worker(warehouse, heal=heal))
        try:  # the build's lock first: the registry it loads is part of the build
            held.enter_context(dbt_lock(warehouse, wait=wait, say=notice))
        except LockBusy as exc:
            fail(f"another dbt build is running: {exc}", BUSY_EXIT_CODE)
        with _plain_errors():
            load_registry(config, warehouse, ctx.obj.books_config)
        build(warehouse, select, extra, force=force, heal=heal, worker=worker)
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
    wait: bool = typer.Option(False, "--wait", help="When another run of this chain is going, wait for it instead of refusing."),
) -> None:
    """Load a chain's data for a range (incremental when no range is given), then build.

    Exit status: 0 loaded and built; 1 a provider stayed down, dbt failed, or a row broke an
    invariant (the rows are named); 2 a usage or config error; 3 loaded and built, but some
    answers were rejected or failed (the rows say which gap, and later runs heal them)."""
    from loaders.locks import BUSY_EXIT_CODE, LockBusy, WarehouseLock, run_lock_name, set_command

    config = get_config(ctx)
    if heal_budget is not None:
        os.environ["AURORA_HEAL_BUDGET"] = str(heal_budget)
    if chain not in config.chains:
        fail(f"--chain: unknown chain '{chain}' (the chains file has: {', '.join(sorted(config.chains))})", 2)
    set_command(f"aurora run --chain {chain}")
    chain_config = config.chains[chain]
    warehouse = get_warehouse()
    # One run per chain: a second one refuses (or waits), it never races the first.
    run_lock = WarehouseLock(warehouse, run_lock_name(chain))
    try:
        run_lock.acquire(wait=wait, on_wait=notice)
    except LockBusy as exc:
        fail(f"another run of {chain} is going: {exc}", BUSY_EXIT_CODE)
    try:
        with _plain_errors():
            summary = _run_chain(config, ctx.obj.books_config, chain_config, warehouse, from_epoch, to_epoch,
                                 from_date, to_date, no_fee_split, scan_all_blocks, no_block_scan)
        if build_after:
            with prepared_dbt_worker(warehouse) as worker:
                build(warehouse, worker=worker)
        _apply_retention(warehouse)
    finally:
        run_lock.release()
    if build_after and report_invariants(warehouse):
        raise typer.Exit(1)
    if summary.failed:
        fail(f"{summary.failed}. Periods loaded before it are kept and its rows say provider_failed; run again to continue.", 1)
    if summary.rejected:
        raise typer.Exit(3)


@contextmanager
def _plain_errors():
    """A load that cannot complete, or a lost warehouse, ends the command with a sentence."""
    import psycopg2

    from loaders.pipeline import LoadError
    from loaders.providers import Rejected

    try:
        yield
    except LoadError as exc:
        fail(str(exc), 1)
    except Rejected as exc:
        fail(f"every provider's answer stayed malformed: {exc}", 1)
    except OSError as exc:
        import errno

        if exc.errno != errno.ENOSPC:
            raise
        fail(f"a disk is full ({exc}); periods loaded before this one are kept. Free some space and run again.", 1)
    except psycopg2.OperationalError as exc:
        fail(f"lost the connection to the warehouse: {str(exc).strip()}. Periods loaded before it are kept; "
             "a load it interrupted is finished by the next run.", 1)


def _run_chain(config, books, chain_config, warehouse, from_epoch, to_epoch, from_date, to_date, no_fee_split,
               scan_all_blocks, no_block_scan):
    from loaders.pipeline import recover_pipeline

    load_registry(config, warehouse, books)
    # What an interrupted run of this chain left is finished (or discarded, rewinding the cursor)
    # before the run plans its periods from that cursor.
    recover_pipeline(warehouse, chain_config.family, say=notice)
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
    return summary


def _apply_retention(warehouse: Warehouse) -> None:
    """With AURORA_ARCHIVE_KEEP_DAYS set, every run ends by pruning bodies past it."""
    from loaders.providers.archive import keep_days_setting

    try:
        keep = keep_days_setting()
    except ValueError as exc:
        fail(str(exc), 2)
    if keep is not None:
        for result in prune_archive(warehouse, keep, dry_run=False):
            if result.bodies:
                console.print(f"archive: pruned {result.bodies} bodies ({result.body_bytes:,} bytes) of {result.dataset} "
                              f"last fetched over {keep:g} days ago; their hashes stay", highlight=False)


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


@app.command("docs")
def docs_command(
    port: int = typer.Option(8080, "--port", min=1, max=65535, help="Port to serve the site on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on (0.0.0.0: every interface)."),
    generate_only: bool = typer.Option(False, "--generate-only", help="Write the site and stop; do not serve it."),
) -> None:
    """Generate the dbt docs site (models, columns, tests, lineage, exposures) and serve it."""
    from loaders.dbt_runner import run_dbt
    from loaders.warehouse import aurora_home

    warehouse = get_warehouse()
    outcome = run_dbt(warehouse, ["docs", "generate"], quiet=True)
    if not outcome.success:
        fail(f"dbt docs generate failed: {outcome.error or 'see ' + str(aurora_home() / 'dbt' / 'logs')}", 1)
    site = aurora_home() / "dbt" / "target" / "index.html"
    console.print(f"docs site written: {site}", highlight=False)
    if generate_only:
        return
    console.print(f"serving it on http://{host}:{port} (Ctrl-C stops)", highlight=False)
    served = run_dbt(warehouse, ["docs", "serve", "--port", str(port), "--host", host, "--no-browser"], quiet=True)
    if not served.success:
        fail(f"dbt docs serve failed: {served.error}", 1)


@app.command("export")
def export_command(
    ctx: typer.Context,
    operator: str = typer.Option(..., "--operator", help="Operator key (operators.yaml)."),
    from_date: datetime = typer.Option(..., "--from", formats=["%Y-%m-%d"], help="First UTC day (inclusive)."),
    to_date: datetime = typer.Option(..., "--to", formats=["%Y-%m-%d"], help="Last UTC day (inclusive)."),
    fmt: str = typer.Option("csv", "--format", help="csv | koinly | cointracking"),
    basis: Optional[str] = typer.Option(None, "--basis", help="accrual | cash (default: income_basis of books.yaml)."),
    out: Optional[Path] = typer.Option(None, "--out", help="File to write (default: standard output)."),
) -> None:
    """An operator's income events as CSV for an accountant or a tax tool (docs/books.md)."""
    from loaders.books.export import FORMATS, read_events, reporting_basis, write_export

    if fmt not in FORMATS:
        fail(f"--format: must be one of {', '.join(FORMATS)}, got '{fmt}'", 2)
    if basis is not None and basis not in ("accrual", "cash"):
        fail(f"--basis: must be accrual or cash, got '{basis}'", 2)
    if to_date < from_date:
        fail(f"--to: {to_date.date()} is before --from: {from_date.date()}", 2)
    warehouse = get_warehouse()
    _require_operator(warehouse, operator)
    basis = basis or reporting_basis(warehouse)
    events = read_events(warehouse, operator, from_date.date(), to_date.date(), basis)
    if out is None:
        write_export(events, fmt, sys.stdout)
    else:
        with open(out, "w", newline="") as handle:
            write_export(events, fmt, handle)
    provisional = sum(1 for e in events if not e.is_final)
    err_console.print(
        f"{len(events)} {basis} income events of {operator}, {from_date.date()}..{to_date.date()}"
        + (f", written to {out}" if out else "")
        + (f"; {provisional} provisional (not final, restated by later runs)" if provisional else ""),
        highlight=False,
    )


def _require_operator(warehouse: Warehouse, operator: str) -> None:
    try:
        _, rows = query_table(warehouse, "select operator from registry.operators order by 1")
    except Exception:  # noqa: BLE001 - an unbuilt warehouse: say so plainly
        fail("the warehouse has no registry yet: run `aurora build` first", 2)
    known = [row[0] for row in rows]
    if operator not in known:
        fail(f"--operator: unknown operator '{operator}' (the warehouse has: {', '.join(known) or 'none'})", 2)


@app.command("report")
def report_command(
    ctx: typer.Context,
    operator: str = typer.Option(..., "--operator", help="Operator key (operators.yaml)."),
    month: datetime = typer.Option(..., "--month", formats=["%Y-%m"], help="The month, YYYY-MM."),
    out: Optional[Path] = typer.Option(None, "--out", help="HTML file to write (default: report-<operator>-<month>.html)."),
) -> None:
    """One self-contained HTML page of an operator's month: P&L, validators, costs, exceptions, gaps."""
    from loaders.books.report import read_month, render

    warehouse = get_warehouse()
    _require_operator(warehouse, operator)
    data = read_month(warehouse, operator, month.date())
    target = out or Path(f"report-{operator}-{month.strftime('%Y-%m')}.html")
    target.write_text(render(data))
    console.print(f"wrote {target} ({len(data.statement)} chain(s), {len(data.validators)} validator(s))", highlight=False)


@app.command("demo")
def demo(ctx: typer.Context) -> None:
    """The registry, then the whole pipeline against a simulated network, printed."""
    from loaders.demo import run_demo

    config = get_config(ctx)
    warehouse = get_warehouse()
    console.print(f"warehouse: {warehouse.display_url}", highlight=False)
    load_registry(config, warehouse, ctx.obj.books_config)
    # Only what the registry print reads (the registry models and their staging): the pipeline
    # itself is built in the demo's own database below.
    build(warehouse, select=["+path:models/registry"], quiet=True)
    print_registry(warehouse)
    run_demo(warehouse, console, load_registry, build, print_table, query_table)


# ---------------------------------------------------------------- archive
def prune_archive(warehouse: Warehouse, keep_days: float, dry_run: bool):
    """Prune each archive's bodies under its pipeline's lock (after finishing a package an
    interrupted run left): no load is between storing a body and committing the row naming it."""
    from loaders.locks import holding, pipeline_lock_name
    from loaders.pipeline import finish_pending, known_pipelines, make_pipeline, pipelines_dir
    from loaders.providers.archive import prune_bodies

    results = []
    for pipeline_name, dataset in known_pipelines():
        if pipeline_name.endswith("registry"):
            continue  # the registry has no archive
        with holding(warehouse, pipeline_lock_name(pipeline_name), wait=True, on_wait=notice):
            if not dry_run and os.path.isdir(os.path.join(pipelines_dir(), pipeline_name)):
                finish_pending(make_pipeline(pipeline_name, dataset, warehouse), say=notice)
            conn = warehouse.connect()
            try:
                results.append(prune_bodies(conn, dataset, keep_days, dry_run=dry_run))
            finally:
                conn.close()
    return results


@archive_app.command("prune")
def archive_prune(
    keep_days: Optional[float] = typer.Option(None, "--keep-days", min=0, help="Keep bodies fetched within this many days (default: AURORA_ARCHIVE_KEEP_DAYS)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be deleted; delete nothing."),
) -> None:
    """Delete archived bodies no response fetched within the retention has; hashes stay forever."""
    from loaders.locks import set_command
    from loaders.providers.archive import keep_days_setting

    set_command("aurora archive prune")
    if keep_days is None:
        try:
            keep_days = keep_days_setting()
        except ValueError as exc:
            fail(str(exc), 2)
    if keep_days is None:
        fail("no retention set: pass --keep-days N, or set AURORA_ARCHIVE_KEEP_DAYS", 2)
    warehouse = get_warehouse()
    with _plain_errors():
        results = prune_archive(warehouse, keep_days, dry_run)
    verb = "would prune" if dry_run else "pruned"
    for r in results:
        console.print(f"{r.dataset}: {verb} {r.bodies} bodies ({r.body_bytes:,} bytes) last fetched over {keep_days:g} days ago",
                      highlight=False)


@archive_app.command("show")
def archive_show() -> None:
    """Responses, bodies and their size on disk, per raw dataset."""
    from loaders.pipeline import known_pipelines

    warehouse = get_warehouse()
    rows = []
    for pipeline_name, dataset in known_pipelines():
        if pipeline_name.endswith("registry"):
            continue
        with warehouse.connect() as conn, conn.cursor() as cur:
            cur.execute("select to_regclass(%s), to_regclass(%s)", (f'"{dataset}".http_responses', f'"{dataset}".http_bodies'))
            responses, bodies = cur.fetchone()
            if responses is None or bodies is None:
                continue
            cur.execute(f"""
                select (select count(*) from "{dataset}".http_responses),
                       (select count(distinct sha256) from "{dataset}".http_responses),
                       (select count(*) from "{dataset}".http_bodies),
                       (select coalesce(sum(body_bytes), 0) from "{dataset}".http_bodies),
                       pg_total_relation_size(%s::regclass), pg_total_relation_size(%s::regclass),
                       (select min(stored_at) from "{dataset}".http_bodies)""",
                        (f'"{dataset}".http_bodies', f'"{dataset}".http_responses'))
            n, hashes, kept, raw, on_disk, rows_on_disk, oldest = cur.fetchone()
        conn.close()
        rows.append((dataset, f"{n:,}", f"{hashes:,}", f"{kept:,}", f"{raw:,}", f"{on_disk:,}", f"{rows_on_disk:,}",
                     f"{oldest:%Y-%m-%d}" if oldest else ""))
    print_table("response archive", ["dataset", "responses", "distinct bodies", "bodies kept", "body bytes",
                                     "bodies on disk", "responses on disk", "oldest body"], rows)


def main() -> None:
    from loaders.process_exit import end_process

    global _standalone
    _standalone = True
    try:
        app()
    except KeyboardInterrupt:
        err_console.print("interrupted")
        end_process(130)
    except SystemExit as exc:  # typer ends every command with one
        end_process(exc.code)
    end_process(0)


if __name__ == "__main__":
    main()
