"""dbt imported and the project parsed in a worker process beside the build's own checks
(loaders/dbt_worker.py): the same build as in the command's process, and a worker that never
outlives its command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from loaders import dbt_worker
from loaders.dbt_runner import dbt_env, dbt_flags, prepare_worker, run_dbt
from loaders.dbt_worker import DbtWorker, WorkerDied, building
from tests.support.db import query

REGISTRY_BUILD = ["build", "--select", "+registry", "--indirect-selection", "cautious"]


def test_the_command_line_of_a_build_is_recognised():
    assert building(["aurora", "build"])
    assert building(["aurora", "--chains", "c.yaml", "--providers", "p.yaml", "--operators", "o.yaml", "build", "--force"])
    assert building(["aurora", "--chains=c.yaml", "build"])
    assert not building(["aurora", "--chains", "build"])  # `build` is the chains file's name here
    assert not building(["aurora", "run", "--chain", "solana"])
    assert not building(["aurora", "build", "--help"])
    assert not building(["aurora"])


def _registry(config_files):
    from typer.testing import CliRunner

    from loaders.cli import app

    loaded = CliRunner().invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]),
                                      "registry", "load"])
    assert loaded.exit_code == 0, loaded.output


def _summary(outcome) -> list[tuple[str, str, str]]:
    return sorted((n.resource_type, n.name, n.status) for n in outcome.nodes)


def test_a_build_in_the_worker_is_the_build_in_this_process(warehouse, config_files, monkeypatch):
    _registry(config_files)
    here = run_dbt(warehouse, REGISTRY_BUILD, quiet=True, force=True)
    assert here.success and len(here.nodes) > 10

    monkeypatch.setattr(dbt_worker, "peak_rss", 0)
    with DbtWorker("build", dbt_flags(quiet=True)) as worker:
        prepare_worker(worker, warehouse)
        assert worker.takes(REGISTRY_BUILD, dbt_flags(quiet=True))
        there = run_dbt(warehouse, REGISTRY_BUILD, quiet=True, force=True, worker=worker)
        assert worker.process.wait(timeout=10) == 0
    assert there.success and _summary(there) == _summary(here)
    assert dbt_worker.peak_rss > 50 * 2**20  # the worker ran dbt (and said how much memory it took)

    # An environment changed after the worker parsed: the worker takes it over and parses again.
    monkeypatch.setattr(dbt_worker, "peak_rss", 0)
    with DbtWorker("build", dbt_flags(quiet=True)) as worker:
        prepare_worker(worker, warehouse)
        monkeypatch.setenv("AURORA_WORKER_TEST_SETTING", "changed")
        again = run_dbt(warehouse, REGISTRY_BUILD, quiet=True, force=True, worker=worker)
    assert again.success and _summary(again) == _summary(here) and dbt_worker.peak_rss > 0


class _Dying:
    """A worker killed while it runs the build (by the OOM killer, say)."""

    def takes(self, args, flags) -> bool:
        return True

    def run(self, args):
        raise WorkerDied("dbt's worker process ended (killed by SIGKILL) without finishing the build")


def test_a_worker_that_dies_fails_the_build_with_a_sentence_and_one_that_died_before_is_not_used(warehouse, config_files,
                                                                                                  monkeypatch):
    _registry(config_files)
    died = run_dbt(warehouse, REGISTRY_BUILD, quiet=True, force=True, worker=_Dying())
    assert not died.success and died.error == "dbt's worker process ended (killed by SIGKILL) without finishing the build"

    monkeypatch.setattr(dbt_worker, "peak_rss", 0)
    with DbtWorker("build", dbt_flags(quiet=True)) as worker:
        prepare_worker(worker, warehouse)
        worker.process.kill()
        worker.process.wait()
        built = run_dbt(warehouse, REGISTRY_BUILD, quiet=True, force=True, worker=worker)  # in this process
    assert built.success and len(built.nodes) > 10 and dbt_worker.peak_rss == 0


def test_an_interrupted_command_ends_the_build_its_worker_runs(warehouse, config_files, monkeypatch):
    """The command interrupted while its worker builds (a signal to the command alone): closing
    the worker interrupts it; dbt stops and cancels its queries; nothing is left running."""
    _registry(config_files)
    monkeypatch.setattr(dbt_worker, "OWN_END_SECONDS", 0.1)
    worker = DbtWorker("build", dbt_flags(quiet=True))
    prepare_worker(worker, warehouse)
    for name, value in dbt_env(warehouse).items():  # as run_dbt sets them before it sends a build
        monkeypatch.setenv(name, value)
    # A query that runs for a minute unless cancelled: dbt is mid-query when it is interrupted.
    done: list = []
    thread = threading.Thread(target=lambda: done.append(_run_catching(worker)), daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not _sleeping(warehouse) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _sleeping(warehouse), "the build never reached its slow node"
    started = time.monotonic()
    worker.close()
    assert time.monotonic() - started < 30 and worker.process.returncode is not None
    thread.join(timeout=30)
    assert done and not _sleeping(warehouse)


def _run_catching(worker):
    try:
        return worker.run([*SLEEPING_BUILD, *dbt_flags(quiet=True)])
    except WorkerDied as exc:
        return exc


SLEEPING_BUILD = ["show", "--inline", "select pg_sleep(60) as slept", "--limit", "1"]


def _sleeping(warehouse) -> bool:
    return bool(query(warehouse, "select 1 from pg_stat_activity where query like '%pg_sleep(60)%' and state = 'active' "
                                 "and pid <> pg_backend_pid()"))


def test_arguments_that_change_the_parse_stay_in_this_process(warehouse):
    flags = dbt_flags(quiet=True)
    with DbtWorker("build", flags) as worker:
        assert not worker.takes(["build"], flags)  # no environment given yet
        prepare_worker(worker, warehouse)
        assert worker.takes(["build", "--select", "registry", "--full-refresh"], flags)
        assert not worker.takes(["build", "--vars", "{days: 3}"], flags)
        assert not worker.takes(["build", "--target=other"], flags)
        assert not worker.takes(["run"], flags)
        assert not worker.takes(["build"], dbt_flags(quiet=False))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead: only its exit status is left
        return stat.read().rsplit(")", 1)[1].split()[0] != "Z"


def _ended_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


@pytest.mark.parametrize("ending", ["killed", "exits"])
def test_the_worker_never_outlives_its_command(ending):
    # When killed, a fork of the command keeps the worker's stdin open: no end of file tells the
    # worker its command is gone; only the kernel's signal (PR_SET_PDEATHSIG) can.
    code = ("import os, sys, time\n"
            "from loaders.dbt_runner import dbt_flags\n"
            "from loaders.dbt_worker import DbtWorker\n"
            "worker = DbtWorker('build', dbt_flags())\n"
            "holder = os.fork()\n"
            "if holder == 0:\n"
            "    time.sleep(60); os._exit(0)\n"
            "print(worker.process.pid, holder, flush=True)\n"
            + ("time.sleep(60)\n" if ending == "killed" else "os.kill(holder, 9); os._exit(0)\n"))
    command = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    worker_pid, holder = map(int, command.stdout.readline().split())
    try:
        if ending == "killed":
            time.sleep(0.5)
            command.send_signal(signal.SIGKILL)
        command.wait(timeout=30)
        assert _ended_within(worker_pid, 20)
    finally:
        if _alive(holder):
            os.kill(holder, signal.SIGKILL)


def test_without_the_kernels_death_signal_a_thread_watches_the_command():
    # As on a system without PR_SET_PDEATHSIG: the worker's watch ends it when its command ends.
    child = ("import os, sys, time\n"
             "sys.platform = 'darwin'\n"
             "from loaders.dbt_worker import _die_with\n"
             "_die_with(os.getppid())\n"
             "print('watching', flush=True)\n"
             "time.sleep(60)\n")
    code = ("import subprocess, sys, time\n"
            f"worker = subprocess.Popen([sys.executable, '-c', {child!r}], stdout=subprocess.PIPE, text=True)\n"
            "assert worker.stdout.readline() == 'watching\\n'\n"
            "print(worker.pid, flush=True)\n"
            "time.sleep(60)\n")
    command = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    worker_pid = int(command.stdout.readline())
    assert _alive(worker_pid)
    command.send_signal(signal.SIGKILL)
    command.wait(timeout=30)
    assert _ended_within(worker_pid, 10)


def _workers_of(pid: int) -> set[int]:
    """The dbt workers whose parent is `pid`."""
    found = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                command = cmdline.read()
        except OSError:  # ended meanwhile
            continue
        if parent == pid and b"loaders.dbt_worker" in command:
            found.add(int(entry))
    return found


def test_aurora_build_runs_dbt_in_a_worker_it_starts_at_once(warehouse, config_files, tmp_path):
    with open(tmp_path / "out", "w+") as out:
        command = subprocess.Popen([sys.executable, "-m", "loaders.cli", "--chains", str(config_files["chains"]),
                                    "--providers", str(config_files["providers"]), "build", "--select", "+registry"],
                                   stdout=out, stderr=subprocess.STDOUT)
        seen: set[int] = set()
        while command.poll() is None:
            seen |= _workers_of(command.pid)
            time.sleep(0.02)
        out.seek(0)
        output = out.read()
    assert command.returncode == 0, output
    assert len(seen) == 1 and "dbt build succeeded" in output
    assert query(warehouse, "select count(*) from registry.chains") == [(2,)]
    assert not any(_alive(pid) for pid in seen)


class _Early:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_a_worker_turned_off_in_dotenv_is_ended_and_not_used(monkeypatch):
    # The worker starts before .env is read; AURORA_DBT_WORKER=0 read from it still holds.
    from loaders import cli

    early = _Early()
    monkeypatch.setattr(dbt_worker, "_early", early)
    monkeypatch.setattr(cli, "_standalone", True)
    monkeypatch.setenv("AURORA_DBT_WORKER", "0")
    assert cli.dbt_worker() is None and early.closed and dbt_worker.take_early() is None
