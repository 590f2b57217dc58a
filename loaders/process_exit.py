"""Ending the `aurora` process without the interpreter's teardown.

When a command is done, Python's own exit clears every module and object the process imported
(dbt's and dlt's, thousands of modules) before the process ends: 0.91 s after an `aurora build`
that ran dbt at 100,000 validators, 0.38 s after one that ran none (0.05 and 0.03 s with this;
bench/README.md). `end_process` does what an exit must do, as Python does it: the atexit handlers
(logging's flush and close, dbt's, dlt's), then stdout and stderr flushed; then the process ends
with `os._exit`, skipping only the teardown. While another non-daemon thread still runs, Python's
exit would wait for it: the normal exit is taken then.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import NoReturn


def exit_status(code: object) -> int:
    """The status `sys.exit(code)` ends a process with: None 0, an int itself, anything else 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    return 1


def _other_threads_running() -> bool:
    main = threading.main_thread()
    return any(t is not main and not t.daemon and t.is_alive() for t in threading.enumerate())


def end_process(code: object = 0) -> NoReturn:
    """End the process as `sys.exit(code)` would, without the interpreter's teardown."""
    if _other_threads_running():
        sys.exit(code)
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)  # what sys.exit does with a message
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can be written
            pass
    os._exit(exit_status(code))
