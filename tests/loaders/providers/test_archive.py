"""The response archive: memory flat in the number of responses, each body stored once per
sha256, a rerun that adds nothing, retention that prunes bodies and keeps hashes, the bodies
an older Aurora kept in http_responses moved, and oversized answers refused by name and size."""

from __future__ import annotations

import hashlib
import json
import time
import tracemalloc
from datetime import date

import pytest
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from loaders.providers.archive import (
    BODY_BATCH_BYTES,
    BodyWriter,
    ResponseArchive,
    ensure_archive_tables,
    response_id_of,
    store_bodies,
)
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.model import SolanaParams
from tests.support.db import execute, query

runner = CliRunner()


RESULT = json.dumps({f"validator_{k}": {"epoch": 800 + k, "amount": k * 7919 % 10**9} for k in range(100)}).encode()


def body(i: int) -> bytes:
    """A distinct JSON body of about 5 KB, compressible like a real one."""
    return b'{"jsonrpc": "2.0", "id": %d, "result": %s}' % (i, RESULT)


def archive_peak(warehouse, responses: int) -> tuple[int, int]:
    """Peak traced memory (bytes) while recording `responses` responses with distinct bodies and
    handing them over as a load does (bodies to the warehouse, rows in batches); rows seen."""
    archive = ResponseArchive()
    conn = warehouse.connect()
    tracemalloc.start()
    try:
        for i in range(responses):
            archive.record(provider="node", provider_type="solana_rpc", endpoint="getBlock", url="http://node/",
                           params={"slot": i}, attempt=1, http_status=200, body=body(i))
        store_bodies(conn, "raw_solana", archive.drain_bodies())
        seen = sum(len(batch) for batch in archive.response_batches())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        conn.close()
    return peak, seen


def test_memory_stays_flat_in_the_number_of_archived_responses(warehouse):
    small, seen_small = archive_peak(warehouse, 3_000)
    large, seen_large = archive_peak(warehouse, 15_000)  # 75 MB of bodies
    assert (seen_small, seen_large) == (3_000, 15_000)
    assert query(warehouse, "select count(*) from raw_solana.http_bodies") == [(15_000,)]  # 3,000 shared: stored once
    # Five times the responses, the same memory: spools, batches and buffers, never the archive
    # (which held every row and body until the load ended: ~5 KB a response here).
    assert large < 32 * 2**20, f"peak {large / 2**20:.1f} MiB"
    assert large - small < 2 * 2**20, f"{small / 2**20:.1f} MiB -> {large / 2**20:.1f} MiB"


def stored_bodies(warehouse) -> int:
    return query(warehouse, "select count(*) from raw_solana.http_bodies")[0][0] if query(
        warehouse, "select to_regclass('raw_solana.http_bodies') is not null")[0][0] else 0


def test_with_a_writer_bodies_reach_the_warehouse_as_they_come_in_flat_memory(warehouse, monkeypatch):
    """A run's archive writes its bodies in batches while the load fetches (none wait in a
    temporary file for the load's end): 15,000 bodies of 5 KB, most stored before the last
    response is recorded, each once, in the memory of 3,000."""
    from loaders.providers import archive as archive_module

    # The rows' spool moves to its file early in both (its 4 MiB in memory is not measured here).
    monkeypatch.setattr(archive_module, "SPOOL_MEMORY_BYTES", 256 * 1024)

    def record(responses: int) -> tuple[int, int]:
        archive = ResponseArchive(bodies_to=BodyWriter(warehouse, "raw_solana"))
        tracemalloc.start()
        try:
            for i in range(responses):
                archive.record(provider="node", provider_type="solana_rpc", endpoint="getBlock", url="http://node/",
                               params={"slot": i}, attempt=1, http_status=200, body=body(i))
            before_end = stored_bodies(warehouse)
            assert archive.write_pending_bodies()
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert list(archive.drain_bodies()) == []  # nothing left behind for the load's end
        return peak, before_end

    small, stored_small = record(3_000)
    large, stored_large = record(15_000)
    # Not yet written at the end: the batch being filled, one waiting and one being written.
    behind = 3 * (BODY_BATCH_BYTES // len(body(0)) + 1)
    assert 3_000 - behind <= stored_small < 3_000
    assert 15_000 - behind <= stored_large < 15_000  # written as they came, not at the end
    assert query(warehouse, "select count(*), bool_and(encode(sha256(body), 'hex') = sha256) from raw_solana.http_bodies") == [(15_000, True)]
    # At most a batch filling, one queued and one being written with its COPY buffer, however
    # far the writer's thread falls behind (which varies run to run): not the 75 MB of bodies.
    assert large < 5 * BODY_BATCH_BYTES, f"peak {large / 2**20:.1f} MiB"
    assert large - small < BODY_BATCH_BYTES, f"{small / 2**20:.1f} MiB -> {large / 2**20:.1f} MiB"
    # The writer's connection closed with the load's last bodies: only the test's own is left
    # (a backend ends just after its client closes; autovacuum's workers, which the 75 MB just
    # written can wake on this database, are not clients).
    sessions = ("select count(*) from pg_stat_activity where datname = current_database() "
                "and backend_type = 'client backend'")
    for _ in range(50):
        if query(warehouse, sessions) == [(1,)]:
            break
        time.sleep(0.1)
    assert query(warehouse, sessions) == [(1,)]


class Batches:
    """A writer that keeps what it is given."""

    def __init__(self):
        self.batches: list[list[tuple[str, bytes]]] = []
        self.closed = 0

    def put(self, bodies):
        self.batches.append(list(bodies))

    def close(self):
        self.closed += 1


def test_threads_recording_at_once_write_each_body_once_in_bounded_batches(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    from loaders.providers import archive as archive_module

    monkeypatch.setattr(archive_module, "BODY_BATCH_BYTES", 20_000)
    writer = Batches()
    archive = ResponseArchive(bodies_to=writer)
    size = len(body(7_399))  # the largest

    def fetch(thread: int) -> None:
        for i in range(400):
            n = thread * 1_000 + i if i % 4 else i  # every fourth body: the same in all threads
            archive.record(provider="node", provider_type="solana_rpc", endpoint="getBlock", url="http://node/",
                           params={"slot": n}, attempt=1, http_status=200, body=body(n))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fetch, range(8)))
    written = [sha for batch in writer.batches for sha, _ in batch]
    assert len(writer.batches) > 50 and writer.closed == 0
    # A batch holds what came while the one before it was written: one body a thread at most.
    assert max(sum(len(b) for _, b in batch) for batch in writer.batches) < 20_000 + 8 * size
    before_end = len(writer.batches)
    assert archive.write_pending_bodies() and writer.closed == 1
    written += [sha for batch in writer.batches[before_end:] for sha, _ in batch]
    expected = {hashlib.sha256(body(n)).hexdigest() for t in range(8) for i in range(400) for n in [t * 1_000 + i if i % 4 else i]}
    assert len(expected) == 8 * 300 + 100
    assert sorted(set(written)) == sorted(expected) and len(written) == len(expected)  # each once


def test_a_writer_that_loses_its_connection_stops_the_fetch_with_the_error(warehouse, monkeypatch):
    """The server drops the writer's connection mid-load: the failed write is raised in the
    fetching threads, by the next hand-over or at the load's end at the latest (the load ends
    with its message, loaders/runs.py and the CLI), never swallowed into a load that goes on
    without its bodies; the batches written before stay, whole."""
    import psycopg2

    from loaders.providers import archive as archive_module

    monkeypatch.setattr(archive_module, "BODY_BATCH_BYTES", 50_000)
    archive = ResponseArchive(bodies_to=BodyWriter(warehouse, "raw_solana"))

    def fetch(i: int) -> str:
        return archive.record(provider="node", provider_type="solana_rpc", endpoint="getBlock", url="http://node/",
                              params={"slot": i}, attempt=1, http_status=200, body=body(i))

    for i in range(25):
        fetch(i)
    for _ in range(50):  # the writer's thread has written the two full batches
        if stored_bodies(warehouse) >= 20:
            break
        time.sleep(0.1)
    stored = stored_bodies(warehouse)
    assert stored >= 20
    execute(warehouse, "select pg_terminate_backend(pid) from pg_stat_activity "
                       "where datname = current_database() and pid <> pg_backend_pid()")
    lost = (psycopg2.OperationalError, psycopg2.InterfaceError)
    with pytest.raises(lost):
        for i in range(25, 50):
            fetch(i)
        archive.write_pending_bodies()
    with pytest.raises(lost):  # and again: nothing of this run is written after it
        for i in range(50, 75):
            fetch(i)
        archive.write_pending_bodies()
    assert stored_bodies(warehouse) == stored


def test_each_body_is_stored_once_and_the_id_says_what_the_row_says(warehouse):
    archive = ResponseArchive(max_body_bytes=100)
    same = b'{"result": 1}'
    ids = [archive.record(provider="p", provider_type="solana_rpc", endpoint="e", url="u", params={"n": n}, attempt=1,
                          http_status=200, body=same) for n in (1, 2, 1)]
    big = archive.record(provider="p", provider_type="solana_rpc", endpoint="e", url="u", params=None, attempt=1,
                         http_status=200, body=b"x" * 101)
    failed = archive.record(provider="p", provider_type="solana_rpc", endpoint="e", url="u", params={"n": 1}, attempt=2,
                            http_status=503, body=b"busy")
    assert ids[0] == ids[2] != ids[1]  # the same request and answer: the same row
    assert len({ids[0], big, failed}) == 3
    assert ids[0] == response_id_of("p", "e", "u", '{"n": 1}', 1, 200, None, hashlib.sha256(same).hexdigest())
    bodies = dict(archive.drain_bodies())
    assert bodies == {hashlib.sha256(same).hexdigest(): same, hashlib.sha256(b"busy").hexdigest(): b"busy"}  # big: hash only
    assert [r["sha256"] for r in archive.drain_responses()][3] == hashlib.sha256(b"x" * 101).hexdigest()
    conn = warehouse.connect()
    try:
        assert store_bodies(conn, "raw_solana", iter(bodies.items())) == (2, len(same) + 4)
        assert store_bodies(conn, "raw_solana", iter(bodies.items())) == (0, 0)  # stored: nothing sent again
    finally:
        conn.close()
    (check,), = query(warehouse, "select bool_and(encode(sha256(body), 'hex') = sha256) from raw_solana.http_bodies")
    assert check  # the lineage check, in plain SQL


def test_long_parameters_are_stored_once_like_bodies():
    """A validator-sized POST sends the same 10,000 ids every epoch: the rows name them by hash."""
    archive = ResponseArchive()
    ids = {"query": None, "body": [str(i) for i in range(10_000)]}
    for epoch in range(3):
        archive.record(provider="beacon", provider_type="beacon", endpoint="attestation_rewards", url=f"u/{epoch}",
                       params=ids, attempt=1, http_status=200, body=b'{"data": %d}' % epoch)
    rows = archive.drain_responses()
    text = json.dumps(ids, sort_keys=True).encode()
    assert {(r["params"], r["params_sha256"]) for r in rows} == {(None, hashlib.sha256(text).hexdigest())}
    bodies = dict(archive.drain_bodies())
    assert bodies[hashlib.sha256(text).hexdigest()] == text and len(bodies) == 4  # 3 answers, 1 id list
    short = ResponseArchive()
    short.record(provider="p", provider_type="solana_rpc", endpoint="e", url="u", params={"slot": 1}, attempt=1,
                 http_status=200, body=b"{}")
    assert [(r["params"], r["params_sha256"]) for r in short.drain_responses()] == [('{"slot": 1}', None)]


def test_bodies_an_older_aurora_kept_in_http_responses_move_to_http_bodies(warehouse):
    from loaders.raw_schemas import ensure_raw_schemas
    from loaders.warehouse import open_warehouse

    ensure_raw_schemas(open_warehouse())
    text = '{"result": {"amount": 42}}'
    sha = hashlib.sha256(text.encode()).hexdigest()
    execute(warehouse, """insert into raw_solana.http_responses
        (response_id, provider, provider_type, endpoint, url, fetched_at, attempt, http_status, sha256, body_bytes, body, run_id, _dlt_load_id, _dlt_id)
        values ('old', 'node', 'solana_rpc', 'getInflationReward', 'u', now(), 1, 200, %s, %s, %s, 'r', '1', 'x')""",
            (sha, len(text), text))
    execute(warehouse, "delete from aurora_control.migrations")
    conn = warehouse.connect()
    try:
        ensure_archive_tables(conn, "raw_solana")
    finally:
        conn.close()
    assert query(warehouse, "select body from raw_solana.http_responses") == [(None,)]
    assert query(warehouse, "select sha256, convert_from(body, 'UTF8') from raw_solana.http_bodies") == [(sha, text)]


@pytest.fixture
def solana(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    with SimNetwork(NetworkSpec(ethereum=None, solana=SolanaParams(slots_per_epoch=32, head_slot=4 * 32 + 10))) as net:
        paths = net.write_config(tmp_path / "config", timeout_seconds=2.0, retries=2)
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump({"operators": [
            {"key": "acme", "name": "Acme", "validators": {"solana": [v.vote for v in net.solana.validators[:3]]}}]}))

        def aurora(*args: str, expect: int = 0):
            result = runner.invoke(app, ["--chains", str(paths["chains"]), "--providers", str(paths["providers"]),
                                         "--operators", str(paths["operators"]), *args])
            assert result.exit_code == expect, result.output
            return result

        yield aurora


def archive_size(warehouse) -> tuple:
    return query(warehouse, """select (select count(*) from raw_solana.http_responses), (select count(*) from raw_solana.http_bodies),
                                      (select sum(body_bytes) from raw_solana.http_bodies)""")[0]


def test_a_rerun_adds_nothing_and_retention_prunes_bodies_not_hashes(solana, warehouse, monkeypatch):
    solana("run", "--chain", "solana", "--from-epoch", "2", "--to-epoch", "3", "--no-build")
    first = archive_size(warehouse)
    assert first[0] > 0 and first[1] > 0
    solana("run", "--chain", "solana", "--from-epoch", "2", "--to-epoch", "3", "--no-build")
    assert archive_size(warehouse) == first  # the same requests, the same answers: nothing new

    # Retention: bodies nobody fetched within the window go, every hash stays.
    execute(warehouse, "update raw_solana.http_bodies set stored_at = now() - interval '40 days'")
    execute(warehouse, "update raw_solana.http_responses set fetched_at = now() - interval '40 days' where endpoint = 'getBlock'")
    (old,), = query(warehouse, """select count(*) from raw_solana.http_bodies b where not exists (select 1 from raw_solana.http_responses r
        where r.sha256 = b.sha256 and r.endpoint <> 'getBlock')""")
    assert old > 0
    assert "no retention set" in solana("archive", "prune", expect=2).output
    dry = solana("archive", "prune", "--keep-days", "30", "--dry-run").output
    assert f"raw_solana: would prune {old} bodies" in dry
    assert archive_size(warehouse)[1] == first[1]
    monkeypatch.setenv("AURORA_ARCHIVE_KEEP_DAYS", "30")
    assert f"raw_solana: pruned {old} bodies" in solana("archive", "prune").output
    assert archive_size(warehouse)[:2] == (first[0], first[1] - old)
    (kept,), = query(warehouse, "select count(*) from raw_solana.http_responses where endpoint = 'getBlock' and sha256 is not null")
    assert kept > 0  # the hashes of the pruned bodies are all still there
    shown = solana("archive", "show").output
    assert "raw_solana" in shown and f"{first[1] - old:,}" in shown


def test_a_response_too_large_is_refused_by_endpoint_and_size(monkeypatch):
    from loaders.config import ProviderConfig
    from loaders.providers import ProviderChain, ProviderClient, Rejected
    from loaders.providers.client import HttpSettings

    monkeypatch.setenv("AURORA_HTTP_MAX_RESPONSE_BYTES", "300")
    with SimNetwork(NetworkSpec(ethereum=None)) as net:
        archive = ResponseArchive()
        provider = ProviderConfig(key="node", type="solana_rpc", base_url=net.urls["solana_rpc"], requests_per_second=1000,
                                  timeout_seconds=2, retries=3)
        client = ProviderClient(provider, archive, HttpSettings(backoff_seconds=0.01))
        chain = ProviderChain([client], "solana/meta")
        with pytest.raises(Rejected) as refused:
            chain.call(lambda c: c.request("POST", "", endpoint="getVoteAccounts",
                                           json_body={"jsonrpc": "2.0", "id": 1, "method": "getVoteAccounts", "params": []}))
    message = str(refused.value)
    assert message.startswith("node getVoteAccounts: the response is ") and "bytes, over the 300-byte limit" in message
    assert client.stats["requests"] == 1  # not retried: it would be as large again
    (row,) = archive.drain_responses()
    assert row["http_status"] == 200 and "over the 300-byte limit" in row["error"] and row["sha256"] is None


def test_a_body_without_a_length_is_cut_off_at_the_limit():
    from loaders.providers.client import ResponseTooLarge, _read_body

    class Streamed:
        headers: dict = {}
        closed = False

        def iter_content(self, chunk_size):
            while True:  # an endless answer: only the limit stops the read
                yield b"x" * 1000

        def close(self):
            self.closed = True

    streamed = Streamed()
    with pytest.raises(ResponseTooLarge, match="more than 10,000 bytes"):
        _read_body(streamed, 10_000)
    assert streamed.closed


def test_a_body_stored_by_another_load_meanwhile_is_not_stored_twice(warehouse, monkeypatch):
    # Bodies are copied in (binary COPY, no ON CONFLICT): should another load store one of them
    # between the check and the copy, the batch is inserted again with `on conflict do nothing`.
    from loaders.providers import archive as archive_module

    # 250 of mine: the insert runs in pages of 100, and every page's rows are counted.
    mine = [b'{"result": "mine %d"}' % i for i in range(250)]
    theirs = b'{"result": "theirs"}'
    bodies = {hashlib.sha256(b).hexdigest(): b for b in (*mine, theirs)}
    conn, other = warehouse.connect(), warehouse.connect()
    copy = archive_module._binary_copy

    def meanwhile(rows):
        with other.cursor() as cur:
            archive_module.ensure_bodies_table(cur, "raw_solana")
            cur.execute("insert into raw_solana.http_bodies (sha256, body_bytes, body) values (%s, %s, %s)",
                        (hashlib.sha256(theirs).hexdigest(), len(theirs), theirs))
        other.commit()
        return copy(rows)

    monkeypatch.setattr(archive_module, "_binary_copy", meanwhile)
    try:
        # Counted: what this load wrote, not the body the other load stored.
        assert store_bodies(conn, "raw_solana", iter(bodies.items())) == (250, sum(map(len, mine)))
    finally:
        conn.close()
        other.close()
    rows = query(warehouse, "select body, body_bytes, encode(sha256(body), 'hex') = sha256 from raw_solana.http_bodies")
    assert sorted((bytes(b), n, ok) for b, n, ok in rows) == sorted((b, len(b), True) for b in (*mine, theirs))


def test_archived_rows_land_by_copy_exactly_as_recorded(warehouse, monkeypatch):
    """http_responses goes by COPY (CSV): text that CSV must quote, nulls against empty text, and
    fetched_at to the microsecond arrive as recorded; long parameters by their hash. An error
    without text is said to be one (COPY would read empty text as null: no error at all)."""
    from datetime import datetime, timezone

    import dlt

    from loaders.pipeline import make_pipeline
    from loaders.providers import archive as archive_module
    from loaders.providers.archive import archive_resources

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return at

    at = Clock(2026, 12, 3, 9, 1, 2, 345678, tzinfo=timezone.utc)

    monkeypatch.setattr(archive_module, "datetime", Clock)
    archive = ResponseArchive(run_id="run-1")
    hostile = 'HTTP 502 "bad gateway", twice;\nthen\tnothing \\N'
    ids = [
        archive.record(provider="node", provider_type="beacon", endpoint="blocks", url="http://node/eth/v2/beacon/blocks/1",
                       params={"q": 'a,"b"'}, attempt=1, http_status=502, body=b"", error=hostile),
        archive.record(provider="node", provider_type="beacon", endpoint="rewards", url="http://node/rewards",
                       params=[str(i) for i in range(400)], attempt=2, http_status=200, body=b'{"data": []}'),
        archive.record(provider="node", provider_type="beacon", endpoint="spec", url="http://node/spec",
                       params=None, attempt=1, http_status=None, body=None, error=""),
    ]

    @dlt.source(name="archive_copy")
    def source():
        return archive_resources(archive, set(), set())

    make_pipeline("archive_copy", "raw_archive_copy", warehouse).run(source())
    rows = query(warehouse, "select response_id, endpoint, params, params_sha256 is not null, fetched_at, attempt, http_status, "
                            "error, sha256 is not null, body_bytes, body, run_id from raw_archive_copy.http_responses order by attempt, endpoint")
    assert rows == [
        (ids[0], "blocks", '{"q": "a,\\"b\\""}', False, at, 1, 502, hostile, True, 0, None, "run-1"),
        (ids[2], "spec", None, False, at, 1, None, "(no message)", False, None, None, "run-1"),
        (ids[1], "rewards", None, True, at, 2, 200, None, True, 12, None, "run-1"),
    ]
