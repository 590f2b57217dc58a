"""dbt's debug-level events, built only when something records them.

dbt turns every event it fires into a protobuf message when the event is created (each field
through `ParseDict`), before any logger looks at its level. Most of a build's events are
debug-level: each query's SQL and status, and each connection used, opened, reused and closed,
about five for every query a model or test runs. At Aurora's log levels (stdout at info, or only
errors with `--quiet`; dbt's log file at info) no logger writes them, yet building them was
over a quarter of a build's CPU: forced builds of the demo warehouse took 15.0, 13.2 and 12.8 s of
CPU with them and 10.0, 9.9 and 9.2 s without (alternating, in one process).

While `skipped()` is in force, a debug-level event is created empty: its fields are kept and
turned into a message only if it is fired at a level above debug (dbt may raise an event's
level); fired at debug it is dropped. `run_dbt` keeps debug events whenever a sink at debug level
is configured (`DBT_LOG_LEVEL_FILE=debug` to see the SQL, `--debug`, `DBT_DEBUG`), so no log
line anyone asked for is lost. dbtRunner callbacks see no skipped event; `NodeFinished`, a
debug-level event Aurora's own callback waits for (loaders/faults.py's `dbt` crash point), is
always built.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

_skipping = False  # one dbt invocation at a time per process (run_dbt holds the build's lock)
_installed = False
NODE_FINISHED = "NodeFinished"  # what run_dbt's callback waits for
KEPT = frozenset({NODE_FINISHED})  # the debug-level events a callback of run_dbt reads


def debug_recorded(args: Sequence[str]) -> bool:
    """Whether a dbt invoked with `args` and this environment would write debug-level events."""
    def env(name: str) -> str:
        return os.environ.get(name, "").strip().lower()

    if env("DBT_DEBUG") in ("1", "true", "yes") or "debug" in (env("DBT_LOG_LEVEL"), env("DBT_LOG_LEVEL_FILE")):
        return True
    for i, arg in enumerate(args):
        if arg in ("--debug", "-d"):
            return True
        if arg in ("--log-level", "--log-level-file") and i + 1 < len(args) and args[i + 1].lower() == "debug":
            return True
        if arg.startswith(("--log-level=", "--log-level-file=")) and arg.split("=", 1)[1].lower() == "debug":
            return True
    return False


def _install() -> None:
    global _installed
    if _installed:
        return
    from dbt_common.events.base_types import BaseEvent, DebugLevel, EventLevel
    from dbt_common.events.event_manager import EventManager

    build = BaseEvent.__init__
    fire = EventManager.fire_event

    def __init__(self, *args, **kwargs) -> None:
        if _skipping and isinstance(self, DebugLevel) and type(self).__name__ not in KEPT:
            self.pb_msg = None  # BaseEvent routes every other attribute into pb_msg
            self.__dict__["_deferred"] = (args, kwargs)
            return
        build(self, *args, **kwargs)

    def fire_event(self, e, level=None, node=None, force_warn_or_error_handling=False) -> None:
        deferred = e.__dict__.get("_deferred") if isinstance(e, DebugLevel) else None
        if deferred is not None:
            if level is None or level == EventLevel.DEBUG:
                return
            build(e, *deferred[0], **deferred[1])  # raised above debug: it may be written
        fire(self, e, level=level, node=node, force_warn_or_error_handling=force_warn_or_error_handling)

    BaseEvent.__init__ = __init__
    EventManager.fire_event = fire_event
    _installed = True


@contextmanager
def skipped(skip: bool = True) -> Iterator[None]:
    """Debug-level events are not built while this holds (with `skip`)."""
    global _skipping
    if not skip:
        yield
        return
    _install()
    before, _skipping = _skipping, True
    try:
        yield
    finally:
        _skipping = before
