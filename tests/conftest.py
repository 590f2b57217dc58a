"""Shared fixtures: an embedded Postgres for the whole session, a fresh database per test.

Tests never touch AURORA_DATABASE_URL's server: they run on their own embedded Postgres unless
AURORA_TEST_DATABASE_URL names a server they may create and drop databases on.
"""

from __future__ import annotations

import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def aurora_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("aurora_home")


@pytest.fixture(scope="session")
def pg_server(aurora_home):
    """(host, port, user, password) of a server the tests own."""
    url = os.environ.get("AURORA_TEST_DATABASE_URL")
    if url:
        from loaders.warehouse import parse_database_url

        w = parse_database_url(url)
        yield w
        return
    from loaders import warehouse as wh

    saved = {k: os.environ.pop(k, None) for k in ("AURORA_DATABASE_URL", "AURORA_HOME")}
    os.environ["AURORA_HOME"] = str(aurora_home)
    try:
        yield wh.open_warehouse()
    finally:
        wh.stop_embedded()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def _fresh_database(pg_server, home: Path):
    """A new, empty database on the test server, set as AURORA_DATABASE_URL (and AURORA_HOME)."""
    from loaders.warehouse import Warehouse

    name = "t_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(host=pg_server.host, port=pg_server.port, user=pg_server.user,
                             password=pg_server.password, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'create database "{name}"')
    w = Warehouse(host=pg_server.host, port=pg_server.port, user=pg_server.user,
                  password=pg_server.password, database=name, embedded=False)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AURORA_DATABASE_URL", w.url)
            patch.setenv("AURORA_HOME", str(home))
            yield w
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@pytest.fixture
def warehouse(pg_server, tmp_path):
    """A fresh, empty database on the test server; the CLI and loaders see it through AURORA_DATABASE_URL."""
    with _fresh_database(pg_server, tmp_path / "aurora_home") as w:
        yield w


@pytest.fixture(scope="module")
def module_warehouse(pg_server, tmp_path_factory):
    """One database shared by a module's tests (for expensive loads that several tests read)."""
    with _fresh_database(pg_server, tmp_path_factory.mktemp("aurora_home")) as w:
        yield w


@pytest.fixture
def config_files(tmp_path) -> dict[str, Path]:
    """Copies of the repository's config files that a test may edit."""
    out = {}
    for name in ("chains", "providers"):
        target = tmp_path / f"{name}.yaml"
        shutil.copy(ROOT / f"{name}.yaml", target)
        out[name] = target
    return out

