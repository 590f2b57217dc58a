"""Shared fixtures: an embedded Postgres for the whole session, a fresh database per test.

Tests never touch AURORA_DATABASE_URL's server: they run on their own embedded Postgres unless
AURORA_TEST_DATABASE_URL names a server they may create and drop databases on.
"""

from __future__ import annotations

import gc
import os
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest

from tests.support.dbt_parse import save_parse

ROOT = Path(__file__).resolve().parent.parent

# dbt unit tests depend on the project and the server only, never on a warehouse's data: they run
# once in the suite (tests/dbt/test_build_periods.py), not in the first build of every test's new
# database (loaders/dbt_runner.py: AURORA_DBT_UNIT_TESTS).
os.environ.setdefault("AURORA_DBT_UNIT_TESTS", "never")
# No test reads dbt's log file: writing it (info level, Aurora's default for users) cost a forced
# build of the demo warehouse 0.7 s of its 16.9 s of CPU, in every build of the suite.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# A test worker lives for the whole suite and holds many objects (dbt's parsed projects, dlt's
# schemas); at Python's default thresholds (700, 10, 10) the collector took 1.8 s of a 16 s dbt
# build's CPU, 0.8 s at these (a forced build of the demo warehouse, measured). The cycles it
# frees are the same, freed later; subprocesses (the crash tests, the bench) keep the defaults.
gc.set_threshold(50_000, 10, 10)


@pytest.fixture(autouse=True)
def _environment_restored():
    """Each test leaves os.environ as it found it. Code under test writes it directly (the CLI's
    .env loader, `--heal-budget`, dbt's variables), and a test worker runs many files: a URL one
    test's .env set was inherited by another file's subprocess, which connected to it."""
    before = dict(os.environ)
    yield
    for key in set(os.environ) - set(before):
        del os.environ[key]
    for key, value in before.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


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
        server = wh.open_warehouse()
        # The tests' own throwaway server: no test survives a crash of it, so its commits need not
        # reach the disk (a build commits each of its ~280 nodes; a test database is created and
        # dropped per test). Aurora's embedded server for users keeps Postgres' defaults.
        conn = server.connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            for setting in ("fsync", "synchronous_commit", "full_page_writes"):
                cur.execute(f"alter system set {setting} = off")
            cur.execute("select pg_reload_conf()")
        conn.close()
        yield server
    finally:
        wh.stop_embedded()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# A test database's name is the same for every test of a worker that takes the same slot, so dbt's
# saved parse of one test seeds the next (tests/support/dbt_parse.py). The token keeps two sessions
# sharing an AURORA_TEST_DATABASE_URL server apart.
_SESSION_TOKEN = uuid.uuid4().hex[:8]
_slots_in_use: set[int] = set()


def _take_slot() -> int:
    slot = 0
    while slot in _slots_in_use:
        slot += 1
    _slots_in_use.add(slot)
    return slot


def _admin(pg_server):
    admin = psycopg2.connect(host=pg_server.host, port=pg_server.port, user=pg_server.user,
                             password=pg_server.password, dbname="postgres")
    admin.autocommit = True
    return admin


@contextmanager
def _fresh_database(pg_server, home: Path, seeds: Path, template: str | None = None):
    """A new database on the test server, set as AURORA_DATABASE_URL (and AURORA_HOME): empty,
    or a copy of `template`."""
    from loaders.warehouse import Warehouse

    slot = _take_slot()
    name = f"t_{_SESSION_TOKEN}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{slot}"
    seed = seeds / f"{name}.msgpack"
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
        cur.execute(f'create database "{name}"' + (f' template "{template}"' if template else ""))
    w = Warehouse(host=pg_server.host, port=pg_server.port, user=pg_server.user,
                  password=pg_server.password, database=name, embedded=False)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AURORA_DATABASE_URL", w.url)
            patch.setenv("AURORA_HOME", str(home))
            if seed.exists():  # dbt refuses a path that does not exist
                patch.setenv("DBT_PARTIAL_PARSE_FILE_PATH", str(seed))
            yield w
    finally:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
        admin.close()
        _slots_in_use.discard(slot)
        save_parse(home, seed)


@pytest.fixture(scope="session")
def dbt_parse_seeds(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dbt_parse_seeds")


# Every `aurora run`, `aurora build` and registry load first creates the raw datasets a new
# warehouse lacks (loaders/raw_schemas.py: three empty dlt loads, about 3 s of CPU and 4 s of wall
# on a quiet machine). A test's database is a copy of one where that was done once per worker (a
# copy takes 0.2 s): the warehouse as any earlier Aurora command left it. A test about a new
# warehouse itself says so (`@pytest.mark.new_warehouse`) and gets an empty database.
@pytest.fixture(scope="session")
def raw_template(pg_server, tmp_path_factory) -> str:
    from loaders.raw_schemas import ensure_raw_schemas
    from loaders.warehouse import Warehouse

    name = f"t_{_SESSION_TOKEN}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_raw"
    admin = _admin(pg_server)
    try:
        with admin.cursor() as cur:
            cur.execute(f'drop database if exists "{name}" with (force)')
            cur.execute(f'create database "{name}"')
        w = Warehouse(host=pg_server.host, port=pg_server.port, user=pg_server.user,
                      password=pg_server.password, database=name, embedded=False)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AURORA_HOME", str(tmp_path_factory.mktemp("raw_template_home")))
            patch.delenv("AURORA_PIPELINES_DIR", raising=False)
            ensure_raw_schemas(w)
        with admin.cursor() as cur:  # a template takes no copy while anyone is connected to it
            cur.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s", (name,))
    finally:
        admin.close()
    yield name
    admin = _admin(pg_server)
    with admin.cursor() as cur:
        cur.execute(f'drop database if exists "{name}" with (force)')
    admin.close()


def _template_for(request) -> str | None:
    return None if request.node.get_closest_marker("new_warehouse") else request.getfixturevalue("raw_template")


@pytest.fixture
def warehouse(pg_server, tmp_path, dbt_parse_seeds, request):
    """A fresh database on the test server, its raw datasets created (empty with
    `@pytest.mark.new_warehouse`); the CLI and loaders see it through AURORA_DATABASE_URL."""
    with _fresh_database(pg_server, tmp_path / "aurora_home", dbt_parse_seeds, _template_for(request)) as w:
        yield w


@pytest.fixture(scope="module")
def module_warehouse(pg_server, tmp_path_factory, dbt_parse_seeds, request):
    """One database shared by a module's tests (for expensive loads that several tests read)."""
    with _fresh_database(pg_server, tmp_path_factory.mktemp("aurora_home"), dbt_parse_seeds, _template_for(request)) as w:
        yield w


def pytest_configure(config):
    config.addinivalue_line("markers", "new_warehouse: the test's database is empty, as a new warehouse is "
                                       "(by default its raw datasets exist: tests/conftest.py raw_template)")


@pytest.fixture
def config_files(tmp_path) -> dict[str, Path]:
    """Copies of the repository's config files that a test may edit."""
    out = {}
    for name in ("chains", "providers"):
        target = tmp_path / f"{name}.yaml"
        shutil.copy(ROOT / f"{name}.yaml", target)
        out[name] = target
    return out



# Test files measured slowest (pytest --durations, summed per file), longest first. `make test`
# hands the workers these first so that no long file starts last and runs alone at the end; a file
# not listed runs after them (its order only matters for the run's length, never for its result).
SLOWEST_FIRST = (
    "tests/loaders/ethereum/test_ethereum_e2e.py",
    "tests/loaders/test_crash_safety.py",
    "tests/dbt/test_build_periods.py",
    "tests/bench/test_pipeline_bench.py",
    "tests/loaders/test_cli.py",
    "tests/loaders/solana/test_solana_finality.py",
    "tests/loaders/solana/test_solana_e2e.py",
    "tests/loaders/books/test_books_e2e.py",
    "tests/dbt/test_commission_snapshot.py",
    "tests/loaders/ethereum/test_ethereum_finality.py",
    "tests/loaders/ethereum/test_network_wide.py",
    "tests/loaders/test_registry.py",
)

# Long files of independent tests (no module-scoped fixture): their tests are spread over the
# workers one by one. Every other file runs whole on one worker, so a module-scoped load is made
# once. (xdist's own `loadgroup` marks do not reach its scheduler under pytest 9: it rewrites a
# node id attribute pytest no longer reads.)
SPREAD_FILES = frozenset({
    "tests/loaders/solana/test_solana_e2e.py",
    "tests/loaders/test_registry.py",
    "tests/loaders/test_warehouse.py",
})


def pytest_collection_modifyitems(config, items):
    rank = {path: i for i, path in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class FileOrTestScheduling(LoadScopeScheduling):
        """A file is the unit of work, but a test of SPREAD_FILES is one on its own; units go out
        in collection order (`--no-loadscope-reorder`: SLOWEST_FIRST leads)."""

        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if path in SPREAD_FILES else path

    return FileOrTestScheduling(config, log)
