"""Crash points for the crash tests: inert unless AURORA_FAULT names one.

`AURORA_FAULT=<point>:<n>` kills this process with SIGKILL (as the OOM killer or a power cut
would: no cleanup, no exception handler) the n-th time it reaches <point> (n defaults to 1):

    fetch      a response was archived (mid-extract: the period is half fetched)
    normalize  a package was extracted and is about to be normalized
    commit     a package's load step holds its locks and is about to write
    merge      a raw table of a package was merged (the package is half merged)
    append     a file was COPYed straight into a raw table (an appended table: loaders/bulk.py)
    dbt        a dbt node finished (the build is half done)

Only the tests set it; the points cost a dictionary lookup when it is unset.
"""

from __future__ import annotations

import os
import signal
import threading

_counts: dict[str, int] = {}
_lock = threading.Lock()
_merge_hook_installed = False
scope = ""  # the load package being made (set by loaders/pipeline.py)
# Processes killed with this one: a dbt worker's command (loaders/dbt_worker.py), so a crash
# point in the worker ends the command as it would if dbt ran inside it.
companions: list[int] = []


def _target() -> tuple[str, int, str | None] | None:
    spec = os.environ.get("AURORA_FAULT")
    if not spec:
        return None
    point, nth, where = (spec.split(":", 2) + ["", ""])[:3]
    return point, int(nth or 1), where or None


def reached(point: str) -> None:
    target = _target()
    if target is None or target[0] != point or (target[2] is not None and target[2] != scope):
        return
    with _lock:
        _counts[point] = _counts.get(point, 0) + 1
        if _counts[point] == target[1]:
            for pid in companions:
                os.kill(pid, signal.SIGKILL)
            os.kill(os.getpid(), signal.SIGKILL)


def install_merge_hook() -> None:
    """Count raw tables merged by dlt's load step (its SQL jobs), for the `merge` point, and
    files COPYed into an appended raw table (not a staging table), for the `append` point."""
    global _merge_hook_installed
    target = _target()
    if target is None or target[0] not in ("merge", "append") or _merge_hook_installed:
        return
    from dlt.common.storages.load_package import ParsedLoadJobFileName
    from dlt.destinations.impl.postgres.postgres import PostgresCsvCopyJob
    from dlt.destinations.job_client_impl import SqlLoadJob

    def counting(job_class, point: str, wanted) -> None:
        original = job_class.run

        def run(self) -> None:
            original(self)
            table = ParsedLoadJobFileName.parse(os.path.basename(self._file_path)).table_name
            if not table.startswith("_dlt") and wanted(self, table):
                reached(point)

        job_class.run = run

    counting(SqlLoadJob, "merge", lambda job, table: True)
    counting(PostgresCsvCopyJob, "append",
             lambda job, table: job._load_table.get("write_disposition") == "append")
    _merge_hook_installed = True
