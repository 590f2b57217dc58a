"""The `aurora` process ends as `sys.exit` would (atexit handlers, buffered output, status),
without the interpreter's teardown, and waits for a thread that still runs."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={"PYTHONPATH": str(ROOT), "MARK": str(tmp_path / "mark"), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize("code, status, stderr", [(None, 0, ""), (0, 0, ""), (3, 3, ""), ("no such table", 1, "no such table\n")])
def test_the_process_ends_with_sys_exits_status_after_its_atexit_handlers(tmp_path, code, status, stderr):
    result = run_python(f"""
        import atexit, logging, os, sys
        from loaders.process_exit import end_process
        handler = logging.FileHandler(os.environ["MARK"] + ".log", delay=False)
        logging.getLogger("t").addHandler(handler)
        logging.getLogger("t").warning("logged before the end")
        atexit.register(lambda: open(os.environ["MARK"], "w").write("atexit ran"))
        sys.stdout.write("buffered, no newline")
        end_process({code!r})
        print("never reached")
    """, tmp_path)
    assert result.returncode == status, result.stderr
    assert result.stdout == "buffered, no newline"
    assert result.stderr == stderr
    assert (tmp_path / "mark").read_text() == "atexit ran"
    assert (tmp_path / "mark.log").read_text() == "logged before the end\n"


def test_a_thread_still_running_is_waited_for(tmp_path):
    result = run_python("""
        import os, threading, time
        from loaders.process_exit import end_process
        def late():
            time.sleep(0.5)
            open(os.environ["MARK"], "w").write("thread finished")
        threading.Thread(target=late).start()
        end_process(4)
    """, tmp_path)
    assert result.returncode == 4, result.stderr
    assert (tmp_path / "mark").read_text() == "thread finished"


@pytest.mark.parametrize("args, status, said", [(["--help"], 0, "what your Solana and Ethereum validators really earned"),
                                                (["no-such-command"], 2, "No such command")])
def test_the_aurora_command_ends_through_it_with_typers_status(tmp_path, args, status, said):
    # os._exit recorded: the command took the quick end, with the status typer gave
    result = run_python(f"""
        import os, sys
        real_exit = os._exit
        def recorded(status):
            open(os.environ["MARK"], "w").write(str(status))
            real_exit(status)
        os._exit = recorded
        from loaders import cli
        sys.argv = ["aurora", *{args!r}]
        cli.main()
    """, tmp_path)
    assert result.returncode == status, result.stderr
    assert said in result.stdout + result.stderr
    assert (tmp_path / "mark").read_text() == str(status)
