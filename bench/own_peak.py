"""Run a module as `python -m` would, then write this process's own peak resident set to a file.

    python bench/own_peak.py PEAK_FILE MODULE [ARGS...]

Why not the kernel's ru_maxrss (wait4, getrusage): on Linux a process's maxrss starts from the
high-water mark of the memory it was forked from, and exec keeps it, so a 13 MiB child of a
600 MiB bench reported 610 MiB here. VmHWM (/proc/self/status) is the high-water mark of the process's
own memory since exec. It is written at exit (atexit), in bytes. A build's dbt runs in a worker
process (loaders/dbt_worker.py), which sends its own VmHWM back: it is added, so the figure is
an upper bound of the two processes' peak together.
"""

from __future__ import annotations

import atexit
import runpy
import sys

from loaders import dbt_worker
from loaders.dbt_worker import own_peak_rss  # the one VmHWM reader; pipeline_bench imports it from here


def main() -> None:
    peak_file, module, *args = sys.argv[1:]
    atexit.register(lambda: open(peak_file, "w").write(str(own_peak_rss() + dbt_worker.peak_rss)))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
