"""dbt's manifest.json written once per build, when the run ends, not also after parsing.

A `dbt build` (or run, test, seed, snapshot) writes target/manifest.json and
semantic_manifest.json twice: once when the project is parsed (`parse_manifest`), and again when
the run ends (`GraphRunnableTask.run`), from the same manifest with each node's compiled SQL added.
The first is overwritten before anything reads it. Without it, dbt loaded the project in
0.96-1.02 s instead of 1.30-1.31 s in a new day's build at 100,000 validators; the serializers
that first write built (mashumaro's, once per process) are now built by the second, about 0.1 s
more at the run's end.

While `at_run_end()` is in force, the write after parsing is skipped for those commands; the one
at the run's end stays. A run reaches it whether its nodes pass or fail; only when dbt itself
stops with an error (a selection it cannot read, an interrupt) is the last build's manifest left
as it was. `dbt parse`, `dbt docs generate` and `dbt compile` write theirs as ever.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The commands whose task writes the manifest again when the run ends (dbt/task/runnable.py).
RUN_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot"})

_lock = threading.Lock()
_skipping = 0
_parsing = threading.local()
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    from dbt.cli import requires
    from dbt.parser import manifest as parser_manifest

    parse, written = requires.parse_manifest, parser_manifest.write_manifest

    def parse_manifest(*args, **kwargs):
        _parsing.active = True
        try:
            return parse(*args, **kwargs)
        finally:
            _parsing.active = False

    def write_manifest(manifest, target_path, which=None):
        # Skipped only inside parse_manifest: a task module imported after this binds this
        # function too, and its write at the run's end must happen.
        if not (_skipping and getattr(_parsing, "active", False)):
            written(manifest, target_path, which)

    requires.parse_manifest = parse_manifest  # setup_manifest's own binding
    parser_manifest.write_manifest = write_manifest
    _installed = True


@contextmanager
def at_run_end(command: str | None) -> Iterator[None]:
    """Within, for a run command: the manifest is written only when the run ends."""
    global _skipping
    if command not in RUN_COMMANDS:
        yield
        return
    with _lock:
        _install()
        _skipping += 1
    try:
        yield
    finally:
        with _lock:
            _skipping -= 1
