"""An epoch's attestation rewards, and a network-wide state's validators, reach the COPY path as
columns: the same table, value for value, as the row-wise reading gave."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace

import pyarrow as pa
import pytest

from loaders.beacon import helpers
from loaders.bulk import arrow_batch, arrow_table
from loaders.ethereum.fetch import EthereumFetcher, attestation_table, in_order, index_ranges
from loaders.providers import Fetched
from loaders.providers.client import PayloadError
from loaders.ethereum.settings import COLUMNS
from tests.loaders.beacon.test_helpers import data_of
from tests.support.fixtures import fixture_paths, load

HINTS = COLUMNS["attestation_rewards"]


def _by_rows(data, epoch, response_id):
    rows = [{**row, "response_id": response_id} for row in helpers.parse_attestation_rewards(data, epoch)]
    return arrow_batch(rows, HINTS, chain="ethereum", table="attestation_rewards")


def _by_columns(data, epoch, response_id):
    batch = attestation_table(epoch, helpers.parse_attestation_columns(data, epoch), response_id)
    return arrow_table(batch, HINTS, chain="ethereum", table="attestation_rewards")


@pytest.mark.parametrize("path", fixture_paths("beacon", "attestation_rewards"), ids=lambda p: p.name)
def test_a_published_answer_in_columns_is_the_table_its_rows_make(path):
    data = data_of(load(path))
    assert _by_columns(data, 240247, "resp-1").equals(_by_rows(data, 240247, "resp-1"))


def test_an_answer_the_reader_reads_field_by_field_makes_the_same_table():
    # Some inclusion delays absent, one null, one index at the top of 64 bits: the column reader's
    # fast path declines mixed widths, so the values come as lists of ints.
    data = {"ideal_rewards": [], "total_rewards": [
        {"validator_index": "4", "head": "-2", "target": "3", "source": "1", "inactivity": "0", "inclusion_delay": None},
        {"validator_index": "5", "head": "2", "target": "-3", "source": "1", "inactivity": "-7", "inclusion_delay": "-9"},
        {"validator_index": "9223372036854775807", "head": "0", "target": "0", "source": "0", "inactivity": "0"},
    ]}
    assert _by_columns(data, 3, None).equals(_by_rows(data, 3, None))
    assert _by_columns({"ideal_rewards": [], "total_rewards": []}, 3, "r").num_rows == 0


def test_a_value_beyond_64_bits_stops_the_load_naming_the_column():
    data = {"ideal_rewards": [], "total_rewards": [
        {"validator_index": "4", "head": "18446744073709551616", "target": "3", "source": "1", "inactivity": "0"}]}
    with pytest.raises(ValueError, match="attestation_rewards.head_gwei: a value does not fit int64"):
        attestation_table(3, helpers.parse_attestation_columns(data, 3), "r")


STATE_HINTS = COLUMNS["validator_states"]


def _state_batches(body: bytes) -> list:
    """iter_state_tables over one answer, `body`, read as the client reads it: `read` first, the
    ordinary parse when it declines."""

    def beacon(method, path, endpoint, parse, body=None, read=None):
        value = read(answer_body) if read is not None else None
        return Fetched(parse(json.loads(answer_body)["data"]) if value is None else value, "resp-1", "node")

    answer_body = body
    fetcher = SimpleNamespace(_beacon=beacon, _index_ranges=lambda answer, entries: iter([(0, 9, answer(("0",)))]))
    return list(EthereumFetcher.iter_state_tables(fetcher, 77))


def _state_rows_table(data) -> pa.Table:
    rows = [{**row, "state_slot": 77, "response_id": "resp-1"} for row in helpers.parse_validators(data)]
    return arrow_batch(rows, STATE_HINTS, chain="ethereum", table="validator_states")


def test_a_network_wide_state_reaches_the_copy_path_as_the_table_its_rows_make():
    [path] = fixture_paths("beacon", "validators")
    [batch] = _state_batches(path.read_bytes())
    assert isinstance(batch, pa.Table)  # read column-wise (loaders/beacon/validators_arrow.py)
    table = arrow_table(batch, STATE_HINTS, chain="ethereum", table="validator_states")
    assert table.num_rows > 1 and table.equals(_state_rows_table(data_of(load(path))))


def test_a_state_answer_the_arrow_reading_declines_comes_as_rows():
    # A member beacon-APIs does not list (parse_validators ignores it; the arrow reading declines)
    [path] = fixture_paths("beacon", "validators")
    doc = load(path)
    doc["data"][0]["validator"]["extra"] = "1"
    [batch] = _state_batches(json.dumps(doc).encode())
    assert isinstance(batch, list)
    assert arrow_batch(batch, STATE_HINTS, chain="ethereum", table="validator_states").equals(_state_rows_table(doc["data"]))


# ---------------------------------------------------------------- network-wide index ranges read ahead
class _Node:
    """A beacon node of `validators` answering index ranges, each after a delay that makes later
    ranges finish first; it records what was asked and how many answers it computed at once."""

    def __init__(self, validators: int, fail_at: int | None = None):
        self.validators, self.fail_at = validators, fail_at
        self.asked: list[int] = []
        self.running = self.most_at_once = 0
        self.lock = threading.Lock()

    def answer(self, ids: list[str]) -> Fetched:
        first = int(ids[0])
        with self.lock:
            self.asked.append(first)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(0.02 if first % 20 == 0 else 0.001)
            if first == self.fail_at:
                raise PayloadError(f"range {first}: malformed")
            return Fetched([i for i in map(int, ids) if i < self.validators], f"r{first}", "beacon")
        finally:
            with self.lock:
                self.running -= 1


def _ranges(node: _Node, *, known: int | None, depth: int = 3) -> tuple[list[tuple[int, int, list[int]]], list[int]]:
    ended: list[int] = []
    got = [(first, last, fetched.value) for first, last, fetched in
           index_ranges(node.answer, len, known=known, depth=depth, ended=ended.append)]
    return got, ended


def test_index_ranges_read_ahead_yield_every_answer_in_order_and_stop_at_the_short_one(monkeypatch):
    monkeypatch.setattr("loaders.ethereum.fetch.NETWORK_WIDE_BATCH", 10)
    node = _Node(validators=45)
    got, ended = _ranges(node, known=None)
    assert [(first, last) for first, last, _ in got] == [(0, 9), (10, 19), (20, 29), (30, 39), (40, 49)]
    assert [i for _, _, value in got for i in value] == list(range(45)) and ended == [45]
    assert node.most_at_once == 3  # read ahead: three ranges computed at once, never more
    # Nothing known yet: up to two ranges past the end were asked, and their answers dropped.
    assert set(node.asked) - {0, 10, 20, 30, 40} <= {50, 60}


def test_index_ranges_ask_nothing_past_a_count_already_known(monkeypatch):
    monkeypatch.setattr("loaders.ethereum.fetch.NETWORK_WIDE_BATCH", 10)
    for known, validators, asked in [(45, 45, [0, 10, 20, 30, 40]),
                                     (40, 40, [0, 10, 20, 30, 40]),   # 30..39 full: 40 is asked after it, once
                                     (30, 47, [0, 10, 20, 30, 40])]:  # the registry grew since: read on, one at a time
        node = _Node(validators)
        got, ended = _ranges(node, known=known)
        assert sorted(node.asked) == asked and ended == [validators]
        assert [i for _, _, value in got for i in value] == list(range(validators))


def test_index_ranges_raise_a_failed_range_in_its_place_after_the_answers_in_flight_end(monkeypatch):
    monkeypatch.setattr("loaders.ethereum.fetch.NETWORK_WIDE_BATCH", 10)
    node = _Node(validators=100, fail_at=20)
    got: list[int] = []
    with pytest.raises(PayloadError, match="range 20"):
        for first, _last, _fetched in index_ranges(node.answer, len, known=None, depth=3):
            got.append(first)
    assert got == [0, 10] and node.running == 0
    # A reader that stops early leaves nothing running either.
    node = _Node(validators=100)
    ranges = index_ranges(node.answer, len, known=None, depth=3)
    assert next(ranges)[0] == 0
    ranges.close()
    assert node.running == 0 and len(node.asked) <= 4


def test_a_fetcher_asks_ahead_blindly_only_for_its_first_sequence(monkeypatch):
    """A day's end state is read first (nothing known: up to two ranges asked past its end); its
    start state and the rewards, with at most as many validators, ask nothing past what it found."""
    monkeypatch.setattr("loaders.ethereum.fetch.NETWORK_WIDE_BATCH", 10)
    monkeypatch.setattr("loaders.ethereum.fetch._read_ahead", lambda: 3)
    fetcher = SimpleNamespace(_registry_count=None)
    end_state, start_state, rewards = _Node(validators=47), _Node(validators=45), _Node(validators=46)
    for node in (end_state, start_state, rewards):
        got = [i for _, _, fetched in EthereumFetcher._index_ranges(fetcher, node.answer, len) for i in fetched.value]
        assert got == list(range(node.validators))
    assert set(end_state.asked) - {0, 10, 20, 30, 40} <= {50, 60}
    assert sorted(start_state.asked) == sorted(rewards.asked) == [0, 10, 20, 30, 40]
    assert fetcher._registry_count == 47


# ---------------------------------------------------------------- answers in order, a few in flight
def test_in_order_yields_every_answer_in_input_order_with_at_most_depth_in_flight():
    running = most = 0
    lock = threading.Lock()

    def slow(item: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.02 if item % 3 == 0 else 0.001)  # later items finish first
            if item == 7:
                raise PayloadError("item 7: malformed")
            return item * 10
        finally:
            with lock:
                running -= 1

    got = list(in_order(slow, range(12), 3))
    assert [item for item, _ in got] == list(range(12))
    assert [r for item, r in got if item != 7] == [i * 10 for i in range(12) if i != 7]
    assert isinstance(got[7][1], PayloadError)  # handed back in its place, not raised
    assert most == 3 and running == 0


def test_in_order_asks_nothing_more_once_its_reader_stops():
    asked: list[int] = []

    def answer(item: int) -> int:
        asked.append(item)
        time.sleep(0.005)
        return item

    answers = in_order(answer, range(1000), 4)
    assert next(answers) == (0, 0)
    answers.close()
    assert len(asked) <= 5  # the first, and at most the depth in flight when it stopped
