"""Printing a load run: progress while it loads, a summary when it ends."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


def progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )


def print_summary(console: Console, summary, period_word: str) -> None:
    console.print(
        f"[bold]{summary.chain}[/]: loaded {len(summary.periods)} {period_word}(s)"
        + (f" ({summary.periods[0]}..{summary.periods[-1]})" if summary.periods else ""),
        highlight=False,
    )
    table = Table(title="rows loaded", title_justify="left", header_style="bold")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in sorted(summary.rows.items()):
        table.add_row(name, str(n))
    console.print(table)
    usage = Table(title="provider requests", title_justify="left", header_style="bold")
    for column in ("provider", "requests", "retries", "waited (s)"):
        usage.add_column(column, justify="right" if column != "provider" else "left")
    for key, stats in sorted(summary.providers.items()):
        usage.add_row(key, str(stats["requests"]), str(stats["retries"]), f"{stats['waited_seconds']:.1f}")
    console.print(usage)
    if summary.non_final:
        console.print(f"non-final {period_word}s (restated on later runs): {', '.join(summary.non_final)}", highlight=False)
    for note in summary.notes:
        console.print(f"note: {note}", highlight=False, markup=False)
    if summary.rejected:
        gaps: dict[str, int] = {}
        for r in summary.rejected:
            gaps[r.gap or "response_rejected"] = gaps.get(r.gap or "response_rejected", 0) + 1
        console.print(
            f"[bold yellow]{len(summary.rejected)} rejected response(s)[/] (stored in rejected_items; retried on the next run): "
            + ", ".join(f"{n} {gap}" for gap, n in sorted(gaps.items())), highlight=False)
        for r in summary.rejected:
            console.print(f"  {r.period_id} {r.item_key} [{r.gap or 'response_rejected'}]: {r.reason}", highlight=False, markup=False)
    else:
        console.print("no rejected responses")
    if summary.failed:
        console.print(f"[bold red]stopped:[/] {summary.failed}", highlight=False)
