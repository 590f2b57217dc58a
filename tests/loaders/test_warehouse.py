"""One warehouse connection: the embedded Postgres by default, AURORA_DATABASE_URL when set."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from loaders import warehouse as wh
from loaders.cli import app
from tests.support.network import free_port

runner = CliRunner()


@pytest.mark.parametrize(
    "url,expected",
    [
        ("postgresql://aurora:s3cret@db.example.com:6543/warehouse", ("db.example.com", 6543, "aurora", "s3cret", "warehouse")),
        ("postgres://aurora@localhost/warehouse", ("localhost", 5432, "aurora", "", "warehouse")),
        ("postgresql://postgres@/aurora?host=/run/pg&port=5433", ("/run/pg", 5433, "postgres", "", "aurora")),
        ("postgresql://u:p%40ss@h/d", ("h", 5432, "u", "p@ss", "d")),
    ],
)
def test_database_urls_are_parsed(url, expected):
    w = wh.parse_database_url(url)
    assert (w.host, w.port, w.user, w.password, w.database) == expected
    assert not w.embedded
    assert wh.parse_database_url(w.url) == w  # the URL we print round-trips


@pytest.mark.parametrize(
    "url,message",
    [
        ("mysql://x@h/d", "AURORA_DATABASE_URL: scheme must be postgresql://"),
        ("postgresql://x@h", "AURORA_DATABASE_URL: no database name"),
    ],
)
def test_bad_database_urls_are_named(url, message):
    with pytest.raises(wh.WarehouseError, match=message):
        wh.parse_database_url(url)


def test_password_is_masked_when_printed():
    w = wh.parse_database_url("postgresql://aurora:s3cret@db:5432/warehouse")
    assert "s3cret" not in w.display_url and "***" in w.display_url


def test_embedded_server_starts_once_survives_commands_and_stops(tmp_path, monkeypatch):
    monkeypatch.delenv("AURORA_DATABASE_URL", raising=False)
    monkeypatch.setenv("AURORA_HOME", str(tmp_path / "home"))
    try:
        first = wh.open_warehouse()
        # Root runs the server as another account, whose socket gets a private directory of its own.
        assert first.embedded and (first.host.startswith(str(tmp_path)) or os.geteuid() == 0)
        with first.connect() as conn, conn.cursor() as cur:
            cur.execute("create table kept (x int); insert into kept values (42)")
        pid = wh._running_info().pid
        # A second command finds the same server running.
        result = runner.invoke(app, ["db", "url"])
        assert result.exit_code == 0 and result.output.strip() == first.url
        assert wh._running_info().pid == pid
        assert "running as pid" in runner.invoke(app, ["db", "status"]).output

        assert "stopped the embedded Postgres" in runner.invoke(app, ["db", "stop"]).output
        assert "stopped" in runner.invoke(app, ["db", "status"]).output
        assert "was not running" in runner.invoke(app, ["db", "stop"]).output

        again = wh.open_warehouse()
        with again.connect() as conn, conn.cursor() as cur:
            cur.execute("select x from kept")
            assert cur.fetchall() == [(42,)]
        # The same connection after a restart, so dbt's saved parse stays valid: as root the socket
        # is in a new private directory at each start, reached through $AURORA_HOME/socket.
        assert again.url == first.url
        info = wh._running_info()
        if info.socket_dir != wh.pgdata_dir():
            assert first.host == str(tmp_path / "home" / wh.SOCKET_LINK)
            assert os.path.realpath(first.host) == str(info.socket_dir)
        assert wh.stop_embedded() and not (tmp_path / "home" / wh.SOCKET_LINK).is_symlink()
    finally:
        wh.stop_embedded()


def test_database_url_wins_and_no_server_is_started(tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AURORA_DATABASE_URL", "postgresql://aurora:pw@db.internal:5432/warehouse")
    result = runner.invoke(app, ["db", "url"])
    assert result.exit_code == 0
    assert result.output.strip() == "postgresql://aurora:***@db.internal:5432/warehouse"
    assert not (tmp_path / "home" / "pgdata").exists()
    assert "external" in runner.invoke(app, ["db", "status"]).output
    assert "will not stop it" in runner.invoke(app, ["db", "stop"]).output


def test_db_env_drives_a_hand_run_dbt(warehouse, config_files):
    """`eval "$(aurora db env)"` then plain `dbt` works against the same server."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    result = runner.invoke(app, ["db", "env"])
    assert result.exit_code == 0
    env = dict(os.environ)
    for line in result.output.splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = value.strip("'")
    assert env["AURORA_PG_DATABASE"] == warehouse.database
    loaded = runner.invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]), "registry", "load"])
    assert loaded.exit_code == 0, loaded.output
    dbt = Path(sys.executable).with_name("dbt")
    project = Path(__file__).resolve().parents[2] / "dbt_project"
    env["DBT_TARGET_PATH"] = str(Path(env["AURORA_HOME"]) / "target")
    env["DBT_LOG_PATH"] = str(Path(env["AURORA_HOME"]) / "logs")
    done = subprocess.run([str(dbt), "build", "--select", "+registry", "--indirect-selection", "cautious"], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    from tests.support.db import query

    assert query(warehouse, "select count(*) from registry.chains") == [(2,)]


# ---------------------------------------------------------------- credentials
HOSTILE_PASSWORDS = [
    "x'$(touch {marker})'",
    'a "quoted" pass with spaces',
    "$HOME and `touch {marker}` and $(touch {marker})",
    "slash/and:colon@at?q#h%25\\back",
    "tab\tnew\nline",
]


@pytest.mark.parametrize("template", HOSTILE_PASSWORDS)
def test_db_env_is_safe_to_eval_for_any_password(template, tmp_path, monkeypatch):
    """`eval "$(aurora db env)"` sets exactly the password, whatever it holds, and runs nothing."""
    import subprocess

    marker = tmp_path / "ran"
    password = template.format(marker=marker)
    w = wh.Warehouse("db.internal", 5432, "aurora", password, "warehouse", embedded=False)
    assert wh.parse_database_url(w.url) == w  # the URL round-trips ('/' included)
    monkeypatch.setenv("AURORA_DATABASE_URL", w.url)
    result = runner.invoke(app, ["db", "env"])
    assert result.exit_code == 0, result.output
    shown = subprocess.run(["bash", "-c", 'eval "$1" && printf %s "$AURORA_PG_PASSWORD"', "_", result.output],
                           capture_output=True, text=True, check=True)
    assert shown.stdout == password
    assert not marker.exists()
    assert password not in runner.invoke(app, ["db", "url"]).output


def test_psql_gets_the_password_from_a_private_passfile_never_argv(monkeypatch):
    import stat
    from pathlib import Path

    password = "pa:ss\\word/with'quotes"
    w = wh.Warehouse("db.internal", 6543, "reader", password, "warehouse", embedded=False)
    seen = {}

    def fake_call(args, env):
        passfile = Path(env["PGPASSFILE"])
        seen.update(args=args, env=env, passfile=passfile.read_text(),
                    mode=stat.S_IMODE(passfile.stat().st_mode), dir_mode=stat.S_IMODE(passfile.parent.stat().st_mode))
        return 0

    monkeypatch.setattr(wh.subprocess, "call", fake_call)
    assert wh.run_psql(w, ["-c", "select 1"]) == 0
    assert all(password not in arg and "pa%3Ass" not in arg for arg in seen["args"])
    assert seen["args"][1:] == ["-c", "select 1"]
    assert "PGPASSWORD" not in seen["env"]
    assert (seen["env"]["PGHOST"], seen["env"]["PGPORT"], seen["env"]["PGUSER"], seen["env"]["PGDATABASE"]) == (
        "db.internal", "6543", "reader", "warehouse")
    assert seen["passfile"] == "*:*:*:reader:pa\\:ss\\\\word/with'quotes\n"
    assert seen["mode"] == 0o600 and seen["dir_mode"] == 0o700
    assert not Path(seen["env"]["PGPASSFILE"]).exists()  # removed once psql is done


# ---------------------------------------------------------------- a warehouse nobody else enters
def _modes(path):
    from pathlib import Path

    return {str(p): oct(p.stat().st_mode & 0o7777) for p in [Path(path), *Path(path).parents]}


@pytest.fixture
def long_home(tmp_path, monkeypatch):
    """An AURORA_HOME whose socket path would not fit a Unix socket, under 0700 parents."""
    parent = tmp_path / "private"
    parent.mkdir(mode=0o700)
    home = parent / ("a-very-long-directory-name-" * 4) / "aurora"
    home.parent.mkdir(mode=0o700)
    assert len(str(home / "pgdata" / ".s.PGSQL.5432")) > 107
    monkeypatch.delenv("AURORA_DATABASE_URL", raising=False)
    monkeypatch.setenv("AURORA_HOME", str(home))
    yield home
    wh.stop_embedded()


def test_a_long_home_gets_a_private_socket_and_parents_keep_their_modes(long_home):
    import stat

    before = _modes(long_home.parent)
    w = wh.open_warehouse()
    info = wh._running_info()
    socket_dir = info.socket_dir
    st = socket_dir.stat()
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_uid == (long_home / "pgdata" / "PG_VERSION").stat().st_uid  # the server's own account
    socket = socket_dir / f".s.PGSQL.{info.port}"
    assert stat.S_ISSOCK(socket.stat().st_mode) and stat.S_IMODE(socket.stat().st_mode) == 0o700
    assert stat.S_IMODE(long_home.stat().st_mode) == 0o700
    assert stat.S_IMODE((long_home / "pgdata").stat().st_mode) == 0o700
    assert _modes(long_home.parent) == before
    with w.connect() as conn, conn.cursor() as cur:
        cur.execute("show listen_addresses")
        assert cur.fetchone() == ("",)  # socket only unless asked
    assert w.host == str(socket_dir)  # a link in this home would not fit a socket's path either
    assert wh.stop_embedded()
    assert not socket_dir.exists()  # the private socket directory goes with the server
    assert _modes(long_home.parent) == before


def test_a_server_with_a_shared_socket_directory_is_restarted_private(long_home):
    """A server left by an older Aurora (socket in a 0777 directory) is replaced on next use."""
    import stat

    wh.open_warehouse()
    shared = wh._running_info().socket_dir
    shared.chmod(0o777)
    old_pid = wh._running_info().pid
    wh.open_warehouse()
    info = wh._running_info()
    assert info.pid != old_pid and stat.S_IMODE(info.socket_dir.stat().st_mode) == 0o700


def _probe_user():
    """A throwaway unprivileged account (root only; CI runs as root)."""
    import os
    import pwd
    import shutil
    import subprocess
    import uuid

    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("needs root to create a second local user")
    name = "aurprobe" + uuid.uuid4().hex[:6]
    subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name], check=True, capture_output=True)
    return name, pwd.getpwnam(name)


def _as_user(entry, fn):
    """Run fn() in a forked child that has become `entry` (setgid/setuid); return its result."""
    import os
    import pickle

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(entry.pw_gid)
            os.setuid(entry.pw_uid)
            try:
                outcome = ("ok", fn())
            except BaseException as exc:  # noqa: BLE001 - reported to the parent
                outcome = ("error", f"{type(exc).__name__}: {exc}")
            with os.fdopen(write, "wb") as handle:
                pickle.dump(outcome, handle)
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        data = handle.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def _connect_as_postgres(host: str, port: int):
    import psycopg2

    def attempt():
        conn = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres", connect_timeout=5)
        conn.close()
        return "connected"

    return attempt


@pytest.mark.parametrize("home_kind", ["short", "long"])
def test_another_local_user_cannot_connect(home_kind, tmp_path, monkeypatch, request):
    import subprocess

    name, entry = _probe_user()
    try:
        if home_kind == "long":
            home = request.getfixturevalue("long_home")
        else:
            home = tmp_path / "h"
            monkeypatch.delenv("AURORA_DATABASE_URL", raising=False)
            monkeypatch.setenv("AURORA_HOME", str(home))
        w = wh.open_warehouse()
        # The owner (root here) connects; the other user is refused at the socket, by psycopg2...
        with w.connect() as conn:
            pass
        status, detail = _as_user(entry, _connect_as_postgres(w.host, w.port))
        assert status == "error" and "Permission denied" in detail, detail
        # ...and by psql, run through runuser as that user.
        psql = wh.psql_binary()
        reachable = subprocess.run(["runuser", "-u", name, "--", psql, "--version"], capture_output=True, text=True)
        if reachable.returncode == 0:
            tried = subprocess.run(["runuser", "-u", name, "--", psql, "-h", w.host, "-p", str(w.port), "-U", "postgres",
                                    "-d", "postgres", "-c", "select 1"], capture_output=True, text=True, timeout=30)
            assert tried.returncode != 0 and "Permission denied" in tried.stderr, tried.stderr
    finally:
        wh.stop_embedded()
        subprocess.run(["userdel", name], capture_output=True)


def test_run_by_a_regular_user_the_socket_stays_in_its_private_data_directory(tmp_path):
    """The path real users take: the server runs as them, socket in the 0700 data directory, and
    a second local user is refused. Forked children become two throwaway users (root only)."""
    import os
    import stat
    import subprocess

    import psutil  # noqa: F401 - imported before the fork: the child may not read site-packages

    owner_name, owner = _probe_user()
    other_name, other = _probe_user()
    import shutil
    import tempfile
    from pathlib import Path

    base = Path(tempfile.mkdtemp(prefix="aurora-regular-", dir="/tmp"))  # pytest's tmp dirs are root's, 0700
    os.chown(base, owner.pw_uid, owner.pw_gid)
    home = base / "home"

    def start():
        if not os.access(wh.psql_binary(), os.X_OK):
            return None
        os.environ.pop("AURORA_DATABASE_URL", None)
        os.environ["AURORA_HOME"] = str(home)
        w = wh.open_warehouse()
        with w.connect() as conn, conn.cursor() as cur:
            cur.execute("select current_user")
            user = cur.fetchone()[0]
        info = wh._running_info()
        return str(info.socket_dir), info.port, user, os.getuid()

    try:
        status, outcome = _as_user(owner, start)
        assert status == "ok", outcome
        if outcome is None:
            pytest.skip("the Postgres binaries are not readable by other accounts here")
        socket_dir, port, user, uid = outcome
        assert socket_dir == str(home / "pgdata") and user == "postgres"
        assert (home / "pgdata").stat().st_uid == owner.pw_uid == uid
        assert stat.S_IMODE(home.stat().st_mode) == 0o700 and stat.S_IMODE((home / "pgdata").stat().st_mode) == 0o700
        status, detail = _as_user(other, _connect_as_postgres(socket_dir, port))
        assert status == "error" and "Permission denied" in detail, detail
    finally:
        status, _ = _as_user(owner, lambda: (os.environ.__setitem__("AURORA_HOME", str(home)), wh.stop_embedded())[1])
        shutil.rmtree(base, ignore_errors=True)
        for name in (owner_name, other_name):
            subprocess.run(["userdel", name], capture_output=True)


# ---------------------------------------------------------------- TCP for BI tools, passwords only
def test_tcp_when_asked_takes_the_readers_password_and_nothing_else(tmp_path, monkeypatch):
    import subprocess

    import psycopg2

    monkeypatch.delenv("AURORA_DATABASE_URL", raising=False)
    monkeypatch.delenv("AURORA_DB_LISTEN", raising=False)
    monkeypatch.setenv("AURORA_HOME", str(tmp_path / "home"))
    port = free_port()
    password = "pw with 'quotes', spaces, $dollar/slash:colon"
    try:
        started = runner.invoke(app, ["db", "start", "--listen", f"127.0.0.1:{port}"])
        assert started.exit_code == 0, started.output
        assert f"TCP 127.0.0.1:{port}" in started.output
        assert f"TCP 127.0.0.1:{port} (passwords only)" in runner.invoke(app, ["db", "status"]).output
        monkeypatch.setenv("READER_PW", password)
        granted = runner.invoke(app, ["db", "grant-reader", "grafana", "--password-env", "READER_PW"])
        assert granted.exit_code == 0, granted.output

        def tcp(user, secret):
            return psycopg2.connect(host="127.0.0.1", port=port, user=user, password=secret, dbname="aurora", connect_timeout=5)

        with tcp("grafana", password) as conn, conn.cursor() as cur:
            cur.execute("select current_user, current_setting('default_transaction_read_only')")
            assert cur.fetchone() == ("grafana", "on")
        conn.close()
        for user, secret, expected in (("grafana", password + "x", "password authentication failed"),
                                       ("grafana", None, "no password supplied"),
                                       ("postgres", None, "pg_hba.conf rejects connection"),
                                       ("postgres", password, "pg_hba.conf rejects connection")):
            with pytest.raises(psycopg2.OperationalError, match=expected):
                tcp(user, secret)
        # aurora db psql: the password travels in a passfile, and it works.
        url = wh.Warehouse("127.0.0.1", port, "grafana", password, "aurora", embedded=False).url
        monkeypatch.setenv("AURORA_DATABASE_URL", url)
        shown = subprocess.run([str(__import__("sys").executable), "-m", "loaders.cli", "db", "psql", "-At", "-c", "select current_user"],
                               capture_output=True, text=True, timeout=60, env=dict(__import__("os").environ))
        assert shown.returncode == 0 and shown.stdout.strip() == "grafana", shown.stderr
        monkeypatch.delenv("AURORA_DATABASE_URL")
        # Back to socket only: the server restarts and TCP is closed.
        again = runner.invoke(app, ["db", "start", "--socket-only"])
        assert again.exit_code == 0 and "restarted: socket only" in again.output
        with pytest.raises(psycopg2.OperationalError, match="Connection refused|could not connect"):
            tcp("grafana", password)
    finally:
        wh.stop_embedded()


def test_listen_addresses_are_checked():
    assert wh.parse_listen("5433") == wh.Listen("127.0.0.1", 5433)
    assert wh.parse_listen("0.0.0.0:6000") == wh.Listen("0.0.0.0", 6000)
    assert wh.parse_listen("[::1]:7000") == wh.Listen("::1", 7000)
    for bad in ("", "70000", "host:", "a b:5432", "127.0.0.1:0"):
        with pytest.raises(wh.WarehouseError, match="AURORA_DB_LISTEN"):
            wh.parse_listen(bad)


def test_dlt_working_files_are_the_owners_only(warehouse, tmp_path, monkeypatch):
    """$AURORA_HOME (created 0700) and dlt's directory, including files an older Aurora left open."""
    import stat

    from loaders.pipeline import make_pipeline, pipelines_dir

    home = tmp_path / "fresh-home"
    monkeypatch.setenv("AURORA_HOME", str(home))
    monkeypatch.delenv("AURORA_PIPELINES_DIR", raising=False)  # the user's setting must not matter
    wh.open_warehouse()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    old = home / "dlt" / "aurora_solana" / "load" / "loaded" / "1"
    old.mkdir(parents=True)
    (old / "rows.jsonl").write_text('{"secret": "row"}')
    for path in (home / "dlt", *(home / "dlt").rglob("*")):
        path.chmod(0o755 if path.is_dir() else 0o644)
    make_pipeline("aurora_registry", "raw_registry", warehouse)
    assert pipelines_dir() == str(home / "dlt")
    # The directory is the lock (what dlt creates inside has its usual modes, behind it)...
    assert stat.S_IMODE((home / "dlt").stat().st_mode) == 0o700
    # ...and what an older Aurora left readable inside is closed too.
    assert stat.S_IMODE((old / "rows.jsonl").stat().st_mode) == 0o600
    assert stat.S_IMODE(old.stat().st_mode) == 0o700


def test_as_root_unreachable_binaries_are_copied_not_reopened(tmp_path, monkeypatch):
    """Postgres binaries under a directory the server's account cannot enter (a virtualenv in
    /root) are copied to a cache it can read; the original directory keeps its mode."""
    import os
    import shutil
    import stat

    if os.geteuid() != 0:
        pytest.skip("only root runs the server as another account")
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    shutil.copytree(wh._bin_path().parent, closed / "pginstall", symlinks=True)
    monkeypatch.setattr(wh, "_bin_path", lambda: closed / "pginstall" / "bin")
    import tempfile
    from pathlib import Path

    cache = Path(tempfile.mkdtemp(prefix="aurora-bin-cache-", dir="/tmp"))  # pytest's tmp is root's 0700
    cache.chmod(0o755)
    monkeypatch.setenv("AURORA_PG_BIN_CACHE", str(cache))
    try:
        account = wh._server_account()
        assert not wh._can_traverse(closed / "pginstall" / "bin" / "postgres", account)
        served = wh._server_bin(account)
        assert served.parent.parent == cache and wh._can_traverse(served / "postgres", account)
        assert stat.S_IMODE(closed.stat().st_mode) == 0o700
        assert wh._server_bin(account) == served  # copied once
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def test_servers_started_at_once_as_root_share_one_account(tmp_path):
    """Concurrent `useradd`s of one name can each succeed with a uid of its own; a server started
    as a uid read in between fails (initdb: "could not look up effective user ID"). Processes
    making the server's account at once all end with the account that stands (root only)."""
    import os
    import pwd
    import shutil
    import subprocess
    import sys
    import uuid

    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("needs root to create the server's account")
    name = "aurrace" + uuid.uuid4().hex[:6]
    code = ("import loaders.warehouse as w; w.SERVER_ACCOUNT = %r; a = w._server_account(); print(a.uid, a.gid)" % name)
    try:
        children = [subprocess.Popen([sys.executable, "-c", code], cwd=wh.project_root(), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True) for _ in range(6)]
        seen = [child.communicate(timeout=60) for child in children]
        entry = pwd.getpwnam(name)
        assert all(child.returncode == 0 for child in children), seen
        assert {out.strip() for out, _ in seen} == {f"{entry.pw_uid} {entry.pw_gid}"}, seen
    finally:
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)
