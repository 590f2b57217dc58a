"""dbt imported, and the project parsed, in a second process while `aurora build` does its own
checks first.

Before dbt runs, a build loads the registry, finishes interrupted loads, takes its locks and
picks what changed (about 1.0-1.3 s of this process's CPU on the dev machine); then dbt's import
(1.4 s) and its parse of the project (1.0 s) came one after the other, on one core of two. A
worker started when the command starts does the import and the parse on the other core
meanwhile, then waits for the build's arguments, runs dbt with the parsed manifest and sends
back what the run left (dbt_runner.Invoked).

The parse depends only on the project, the profile and the environment, which the command knows
when it starts (dbt_runner.dbt_env); the arguments only select what to run. Arguments that
change the parse (vars, target, profile, log levels) are not given to a worker
(`DbtWorker.takes`): dbt runs in the command's own process then, as it does for every command
but `build`. An environment that differs when the arguments come (nothing in Aurora changes it
between) is taken over by the worker, and dbt parses again from it.

The worker's output is the command's own: dbt writes to the same stdout and stderr. It never
outlives the command: the kernel kills it when the command ends, however it ends
(PR_SET_PDEATHSIG; where there is none, a thread of the worker watches), and a crash point that kills the worker kills the command with it
(faults.companions), as if dbt had run inside it. The command's locks are the command's
sessions: the worker holds none. Its parse comes before the command holds the build's lock; it
writes nothing a running build reads, but dbt's partial-parse file, which dbt rewrites only
after the project changed (two builds starting together after a change may both write it; a
file dbt cannot read makes the next parse a full one).
"""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from loaders.warehouse import project_root

# Arguments with which dbt's parse would not be the worker's (dbt_runner passes the project and
# profiles directories itself, the same for both).
PARSE_ARGS = frozenset({"--vars", "--target", "-t", "--profile", "--debug", "-d", "--log-level", "--log-level-file",
                        "--project-dir", "--profiles-dir"})
_PR_SET_PDEATHSIG = 1
# When the command is interrupted while its worker builds: how long the worker gets to end on its
# own (a Ctrl-C reached both), then, interrupted, to cancel its queries before it is killed.
OWN_END_SECONDS = 5
INTERRUPT_SECONDS = 30

# The last worker's own peak resident set, bytes (bench/own_peak.py adds it to the command's).
peak_rss: int = 0


# The worker `start_early` started for this command, until `take_early` hands it to the build.
_early: DbtWorker | None = None
# The global options of `aurora` that take a value (loaders/cli.py main_options).
_VALUED_OPTIONS = frozenset({"--chains", "--providers", "--operators", "--books"})


def disabled() -> bool:
    """AURORA_DBT_WORKER=0: dbt runs in the command's own process (a debugger, a profiler)."""
    return os.environ.get("AURORA_DBT_WORKER", "").strip().lower() in ("0", "false", "no", "off")


def building(argv: Sequence[str]) -> bool:
    """Whether these command-line arguments are an `aurora build` (help aside)."""
    args = list(argv[1:])
    if {"--help", "-h"} & set(args):
        return False
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in _VALUED_OPTIONS else 1
    return i < len(args) and args[i] == "build"


def start_early(argv: Sequence[str], as_command: bool) -> None:
    """Start the worker of an `aurora build` before the command imports anything else (its own
    imports take 0.6 s); only when this process is the command (`as_command`), not a caller that
    imports the CLI."""
    global _early
    if as_command and _early is None and building(argv) and not disabled():
        _early = build_worker()


def build_worker() -> DbtWorker:
    """A worker for the `aurora build` command's dbt build (dbt's output not quieted)."""
    from loaders.dbt_runner import dbt_flags

    return DbtWorker("build", dbt_flags())


def take_early() -> DbtWorker | None:
    """The worker `start_early` started, once."""
    global _early
    worker, _early = _early, None
    return worker


class WorkerDied(RuntimeError):
    """The worker ended without sending what the run left."""


class DbtWorker:
    """Parent side: `environment(env)` once (the worker parses under it), `run(args)` once, then
    `close()` (or use it as a context manager). The worker imports dbt from the moment it starts."""

    def __init__(self, command: str, flags: Sequence[str]):
        self.command = command
        self.flags = list(flags)
        self.env: dict[str, str] | None = None
        self._running = False
        read, write = os.pipe()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "loaders.dbt_worker", str(write), str(os.getpid()), command, *self.flags],
                cwd=project_root(), stdin=subprocess.PIPE, pass_fds=(write,))
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self._results = os.fdopen(read, "rb")

    def environment(self, env: dict[str, str]) -> None:
        """The environment dbt will run under: the worker parses the project under it now."""
        self.env = dict(env)
        self._send(self.env)

    def _send(self, message) -> None:
        try:
            pickle.dump(message, self.process.stdin)
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it ended already: `run` says so

    def takes(self, args: Sequence[str], flags: Sequence[str]) -> bool:
        """Whether dbt with `args` and `flags` parses as the worker did (else run it in-process)."""
        if (self.env is None or not args or args[0] != self.command or list(flags) != self.flags
                or self.process.poll() is not None):
            return False
        return not any(arg.split("=", 1)[0] in PARSE_ARGS for arg in args[1:])

    def run(self, args: list[str]):
        """dbt with `args` (flags included) in the worker, under this process's environment;
        returns dbt_runner.Invoked."""
        global peak_rss
        self._running = True
        self._send({"args": args, "env": dict(os.environ)})
        data = self._results.read()
        status = self.process.wait()
        if not data:
            raise WorkerDied(f"dbt's worker process ended ({_status(status)}) without finishing the build")
        invoked, peak_rss = pickle.loads(data)
        return invoked

    def close(self) -> None:
        """End the worker if it is still there, and wait for it: killed when it was never given
        a build (one that did not run dbt). One that runs a build (this command was interrupted)
        gets a moment to end on its own (a Ctrl-C reached it too), then is interrupted, so that
        dbt cancels its queries as it does on Ctrl-C, then killed if it has not ended."""
        if self._running:
            for interrupt in (False, True):
                if self.process.poll() is not None:
                    break
                if interrupt:
                    self.process.send_signal(signal.SIGINT)
                try:
                    self.process.wait(timeout=INTERRUPT_SECONDS if interrupt else OWN_END_SECONDS)
                except subprocess.TimeoutExpired:
                    pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self._results):
            try:
                stream.close()
            except OSError:
                pass

    def __enter__(self) -> DbtWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _status(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit status {code}"


def _die_with(parent: int) -> None:
    """SIGKILL this process when `parent` ends (Linux's PR_SET_PDEATHSIG; elsewhere a thread
    that looks every half second); end now if it ended already."""
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None) if sys.platform.startswith("linux") else None
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    else:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGKILL)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()
    if os.getppid() != parent:
        os._exit(1)


def own_peak_rss() -> int:
    """This process's own peak resident set since exec, bytes (VmHWM; 0 without /proc)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # no /proc (macOS): the outcome still goes back
        pass
    return 0


def main() -> None:
    # No cyclic collection while dbt is imported: in a build, the four full passes during the
    # import freed 0-24 objects each. What the import and the parse leave lives as long as the
    # worker, so it is frozen out of every later pass (gc.freeze). In a new day's build at 20,000
    # validators the user CPU (the worker's included) was 4.5-5.1 s against 5.1-5.7 s; the same
    # freezes in the command's own process had cut the full passes from 0.77 s to 0.27 s.
    gc.disable()
    result_fd, parent, command, *flags = sys.argv[1:]
    _die_with(int(parent))
    from loaders import dbt_runner, faults, type_testers
    from loaders.process_exit import end_process

    faults.companions.append(int(parent))
    from dbt.cli.main import dbtRunner

    type_testers.install()
    gc.freeze()
    gc.enable()
    messages = sys.stdin.buffer
    try:
        env = pickle.load(messages)
    except EOFError:  # the command ended before it knew its warehouse
        end_process(0)
    os.environ.clear()
    os.environ.update(env)
    with dbt_runner.invoking([command, *flags]):
        quiet = [] if "--quiet" in flags else ["--quiet"]  # the build's own lines say what dbt found
        parsed = dbtRunner().invoke(["parse", "--no-write-json", *quiet, *flags])
        gc.freeze()
        try:
            job = pickle.load(messages)
        except EOFError:  # the build did not run dbt
            end_process(0)
        manifest = parsed.result if parsed.success else None
        if job["env"] != env:
            os.environ.clear()
            os.environ.update(job["env"])
            manifest = None
        invoked = dbt_runner.invoke(job["args"], manifest=manifest)
    with os.fdopen(int(result_fd), "wb") as out:
        pickle.dump((invoked, own_peak_rss()), out)
    end_process(0)


if __name__ == "__main__":
    main()
