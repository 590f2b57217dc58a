"""Every published beacon payload parses; the chain clock attributes epochs to UTC days."""

from __future__ import annotations

import copy
from datetime import date

import pytest

from loaders.beacon import helpers
from loaders.providers import PayloadError
from tests.support.fixtures import fixture_paths, load


def data_of(payload):
    return payload["data"] if isinstance(payload, dict) and "data" in payload and "execution_optimistic" in payload or (
        isinstance(payload, dict) and set(payload) == {"data"}) else payload


@pytest.mark.parametrize("path", fixture_paths("beacon", "attestation_rewards"), ids=lambda p: p.name)
def test_attestation_rewards_parse(path):
    rows = helpers.parse_attestation_rewards(data_of(load(path)), 240247)
    assert rows and all(set(r) >= {"head_gwei", "target_gwei", "source_gwei", "inclusion_delay_gwei", "inactivity_gwei"} for r in rows)


def test_negative_attestation_rewards_stay_negative():
    (path,) = [p for p in fixture_paths("beacon", "attestation_rewards") if "negative" in p.name]
    (row,) = helpers.parse_attestation_rewards(data_of(load(path)), 335909)
    assert row["target_gwei"] < 0 and row["source_gwei"] < 0


def _slow_attestation_rows(data, epoch):
    """The field-by-field reader alone (the fast path switched off)."""
    original = helpers._attestation_rows_fast
    helpers._attestation_rows_fast = lambda totals, epoch: None
    try:
        return helpers.parse_attestation_rewards(data, epoch)
    finally:
        helpers._attestation_rows_fast = original


@pytest.mark.parametrize("path", fixture_paths("beacon", "attestation_rewards"), ids=lambda p: p.name)
def test_the_fast_attestation_parse_equals_the_field_by_field_reader(path):
    data = data_of(load(path))
    assert helpers._attestation_rows_fast(data["total_rewards"], 9) is not None  # real payloads take the fast path
    assert helpers.parse_attestation_rewards(data, 9) == _slow_attestation_rows(data, 9)


@pytest.mark.parametrize("entry, problem", [
    ({"validator_index": "-1", "head": "1", "target": "1", "source": "1", "inactivity": "0"}, "validator_index: expected an unsigned"),
    ({"validator_index": "1", "head": 1, "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": "1", "target": "1", "source": "1"}, "inactivity: missing"),
    ({"validator_index": "1", "head": "١", "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": "1", "target": "1", "source": "1", "inactivity": "0", "inclusion_delay": "x"},
     "inclusion_delay: expected a decimal string"),
])
def test_a_bad_attestation_entry_is_refused_as_before(entry, problem):
    data = {"ideal_rewards": [], "total_rewards": [{"validator_index": "0", "head": "2", "target": "2", "source": "2",
                                                     "inactivity": "0"}, entry]}
    with pytest.raises(PayloadError, match=f"beacon rewards/attestations/3: data.total_rewards\\[1\\].{problem}"):
        helpers.parse_attestation_rewards(data, 3)


def test_what_only_the_strict_reader_accepts_reads_the_same():
    # `^-?[0-9]+$` lets a trailing newline through; the fast path leaves such an answer to the reader.
    data = {"ideal_rewards": [], "total_rewards": [{"validator_index": "4\n", "head": "-2", "target": "3", "source": "1",
                                                     "inactivity": "0", "inclusion_delay": None}]}
    assert helpers.parse_attestation_rewards(data, 3) == _slow_attestation_rows(data, 3) == [
        {"epoch": 3, "validator_index": 4, "head_gwei": -2, "target_gwei": 3, "source_gwei": 1, "inclusion_delay_gwei": 0,
         "inactivity_gwei": 0}]


def _as_columns(rows):
    return {name: [r[name] for r in rows] for name in helpers.ATTESTATION_COLUMNS}


def _pylists(columns):
    """The columns as lists (the fast path gives int64 arrow arrays, the reader lists)."""
    return {name: v if isinstance(v, list) else v.to_pylist() for name, v in columns.items()}


@pytest.mark.parametrize("path", fixture_paths("beacon", "attestation_rewards"), ids=lambda p: p.name)
def test_the_column_parse_equals_the_field_by_field_reader(path):
    # The day-grain sums read columns (helpers.parse_attestation_columns): the same values.
    data = data_of(load(path))
    assert helpers._attestation_columns_fast(data["total_rewards"]) is not None  # real payloads take the fast path
    assert _pylists(helpers.parse_attestation_columns(data, 9)) == _as_columns(_slow_attestation_rows(data, 9))


@pytest.mark.parametrize("entry, problem", [
    ({"validator_index": "-1", "head": "1", "target": "1", "source": "1", "inactivity": "0"}, "validator_index: expected an unsigned"),
    ({"validator_index": "1", "head": 1, "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": "1", "target": "1", "source": "1"}, "inactivity: missing"),
    ({"validator_index": "1", "head": "١", "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": "1,2", "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": "+1", "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": "1_0", "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": " 1", "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    ({"validator_index": "1", "head": "", "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string"),
    # only digits, commas and minus signs pass the column's character check; arrow's cast refuses the rest
    *(({"validator_index": "1", "head": bad, "target": "1", "source": "1", "inactivity": "0"}, "head: expected a decimal string")
      for bad in ("1-2", "--1", "-", "1-", "0x1", "1e3", "0-")),
    ({"validator_index": "-0", "head": "1", "target": "1", "source": "1", "inactivity": "0"}, "validator_index: expected an unsigned"),
    ({"validator_index": "1", "head": "1", "target": "1", "source": "1", "inactivity": "0", "inclusion_delay": "x"},
     "inclusion_delay: expected a decimal string"),
    ({"validator_index": "1", "head": "1", "target": "1", "source": "1", "inactivity": "0", "inclusion_delay": "1-"},
     "inclusion_delay: expected a decimal string"),
])
def test_a_bad_attestation_entry_is_refused_by_the_column_parse_as_before(entry, problem):
    data = {"ideal_rewards": [], "total_rewards": [{"validator_index": "0", "head": "2", "target": "2", "source": "2",
                                                     "inactivity": "0"}, entry]}
    with pytest.raises(PayloadError, match=f"beacon rewards/attestations/3: data.total_rewards\\[1\\].{problem}"):
        helpers.parse_attestation_columns(data, 3)


def test_the_column_parse_takes_the_fast_path_with_some_inclusion_delays_null():
    data = {"ideal_rewards": [], "total_rewards": [
        {"validator_index": "4", "head": "-2", "target": "3", "source": "1", "inactivity": "0", "inclusion_delay": None},
        {"validator_index": "5", "head": "2", "target": "-3", "source": "1", "inactivity": "-7", "inclusion_delay": "-9"},
        {"validator_index": "9223372036854775807", "head": "0", "target": "0", "source": "0", "inactivity": "0"},
    ]}
    assert helpers._attestation_columns_fast(data["total_rewards"]) is not None
    assert _pylists(helpers.parse_attestation_columns(data, 3)) == _as_columns(_slow_attestation_rows(data, 3))
    # beyond 64 bits the cast fails: the reader reads it (the sums then stop, naming it)
    data["total_rewards"][2]["validator_index"] = "9223372036854775808"
    assert helpers._attestation_columns_fast(data["total_rewards"]) is None
    assert _pylists(helpers.parse_attestation_columns(data, 3)) == _as_columns(_slow_attestation_rows(data, 3))


def test_the_column_parse_reads_absent_and_null_inclusion_delays_as_zero():
    # and what only the strict reader accepts (a trailing newline) reads the same through it
    data = {"ideal_rewards": [], "total_rewards": [
        {"validator_index": "4\n", "head": "-2", "target": "3", "source": "1", "inactivity": "0", "inclusion_delay": None},
        {"validator_index": "5", "head": "2", "target": "-3", "source": "1", "inactivity": "-7", "inclusion_delay": "-9"},
        {"validator_index": "6", "head": "0", "target": "0", "source": "0", "inactivity": "0"},
    ]}
    assert _pylists(helpers.parse_attestation_columns(data, 3)) == _as_columns(_slow_attestation_rows(data, 3)) == {
        "validator_index": [4, 5, 6], "head_gwei": [-2, 2, 0], "target_gwei": [3, -3, 0], "source_gwei": [1, 1, 0],
        "inclusion_delay_gwei": [0, -9, 0], "inactivity_gwei": [0, -7, 0]}
    assert _pylists(helpers.parse_attestation_columns({"ideal_rewards": [], "total_rewards": []}, 3)) == {
        name: [] for name in helpers.ATTESTATION_COLUMNS}


@pytest.mark.parametrize("path", fixture_paths("beacon", "block_rewards"), ids=lambda p: p.name)
def test_block_rewards_parse_and_add_up(path):
    row = helpers.parse_block_rewards(data_of(load(path)), 1)
    assert row["total_gwei"] == row["attestations_gwei"] + row["sync_aggregate_gwei"] + row["proposer_slashings_gwei"] + row["attester_slashings_gwei"]


def test_block_rewards_that_do_not_add_up_are_rejected():
    data = copy.deepcopy(data_of(load(fixture_paths("beacon", "block_rewards")[0])))
    data["total"] = str(int(data["total"]) + 1)
    with pytest.raises(PayloadError, match=r"beacon rewards/blocks/9: data\.total: \d+ is not the sum of its parts"):
        helpers.parse_block_rewards(data, 9)


@pytest.mark.parametrize("path", fixture_paths("beacon", "sync_committee_rewards"), ids=lambda p: p.name)
def test_sync_committee_rewards_parse(path):
    rows = helpers.parse_sync_committee_rewards(data_of(load(path)), 1)
    assert rows


@pytest.mark.parametrize("entry,problem", [
    ({"validator_index": "-4", "reward": "1"}, r"data\[1\]\.validator_index: expected an unsigned decimal string, got '-4'"),
    ({"validator_index": "4", "reward": 1}, r"data\[1\]\.reward: expected a decimal string, got 1"),
    ({"validator_index": "4", "reward": "1.5"}, r"data\[1\]\.reward: expected a decimal string, got '1\.5'"),
    ({"validator_index": "4"}, r"data\[1\]\.reward: missing"),
])
def test_sync_reward_columns_refuse_what_the_row_reader_refuses(entry, problem):
    data = [{"validator_index": "3", "reward": "-7"}, entry]
    with pytest.raises(PayloadError) as by_rows:
        helpers.parse_sync_committee_rewards(data, 9)
    with pytest.raises(PayloadError, match=problem) as by_columns:
        helpers.sync_committee_reward_columns(data, 9)
    assert str(by_columns.value) == str(by_rows.value)


def test_sync_reward_columns_read_what_only_the_row_reader_reads_as_it_does():
    # A trailing newline passes Reader.decimal_string's pattern; the plain check leaves it to it.
    data = [{"validator_index": "3", "reward": "-7"}, {"validator_index": "12\n", "reward": "05", "extra": True}]
    assert helpers.sync_committee_reward_columns(data, 9) == ([3, 12], [-7, 5])
    assert helpers.sync_committee_reward_columns([], 9) == ([], [])


def test_negative_sync_rewards():
    (path,) = [p for p in fixture_paths("beacon", "sync_committee_rewards") if "negative" in p.name]
    assert helpers.parse_sync_committee_rewards(data_of(load(path)), 1)[0]["reward_gwei"] == -22456


@pytest.mark.parametrize("path", fixture_paths("beacon", "validators"), ids=lambda p: p.name)
def test_validator_states_parse(path):
    rows = helpers.parse_validators(data_of(load(path)))
    assert rows and all(r["balance_gwei"] >= 0 for r in rows)
    assert any(r["exit_epoch"] is None for r in rows)  # FAR_FUTURE_EPOCH reads as "not scheduled"


def test_withdrawal_address_of_credentials():
    assert helpers.withdrawal_address("0x01" + "00" * 11 + "ab" * 20) == "0x" + "ab" * 20
    assert helpers.withdrawal_address("0x02" + "00" * 11 + "cd" * 20) == "0x" + "cd" * 20
    assert helpers.withdrawal_address("0x00" + "12" * 31) is None


@pytest.mark.parametrize("path", fixture_paths("beacon", "proposer_duties"), ids=lambda p: p.name)
def test_proposer_duties_parse(path):
    rows = helpers.parse_proposer_duties(data_of(load(path)), 240249)
    assert rows and all(r["pubkey"].startswith("0x") for r in rows)


def test_genesis_and_spec_parse():
    genesis = helpers.parse_genesis(data_of(load(fixture_paths("beacon", "genesis")[0])))
    spec = helpers.parse_spec(data_of(load(fixture_paths("beacon", "spec")[0])))
    assert genesis == 1655733600
    assert spec["SECONDS_PER_SLOT"] == 12 and spec["SLOTS_PER_EPOCH"] == 32


def test_wrong_types_name_the_field():
    data = copy.deepcopy(data_of(load(fixture_paths("beacon", "validators")[0])))
    data[0]["balance"] = 32000000000
    with pytest.raises(PayloadError, match=r"beacon states/\{state_id\}/validators: data\[0\]\.balance: expected an unsigned decimal string, got 32000000000"):
        helpers.parse_validators(data)


def test_mainnet_clock_days():
    clock = helpers.BeaconClock(1606824023, 12, 32)  # mainnet genesis 2020-12-01T12:00:23Z
    epochs = clock.epochs_of_day(date(2024, 1, 1))
    # 225 epochs a day; the first starts at or after midnight, the last starts before the next.
    assert len(epochs) in (225, 226)
    assert clock.day_of_epoch(epochs.start) == date(2024, 1, 1)
    assert clock.day_of_epoch(epochs.start - 1) == date(2023, 12, 31)
    assert clock.day_of_epoch(epochs[-1]) == date(2024, 1, 1) and clock.day_of_epoch(epochs.stop) == date(2024, 1, 2)
    # Genesis day: only the epochs after genesis.
    assert clock.epochs_of_day(date(2020, 12, 1)).start == 0


# ---------------------------------------------------------------- the orjson reading of a whole answer
def _ordinary(body: bytes):
    """What the client does without `read`: json.loads, then the column parse (value or refusal)."""
    import json

    from loaders.ethereum.fetch import _data

    try:
        data = json.loads(body)
    except ValueError as exc:
        return ("not JSON", type(exc).__name__, str(exc))
    try:
        return _pylists(helpers.parse_attestation_columns(_data(data, "attestation_rewards"), 3))
    except PayloadError as exc:
        return ("refused", str(exc))


def _entry(v, **extra):
    return {"validator_index": str(v), "head": "2", "target": "-3", "source": "1", "inactivity": "0", **extra}


def _answer(totals, ideal=None, **envelope) -> bytes:
    import json

    ideal = [{"effective_balance": "32000000000", "head": "10", "target": "20", "source": "10", "inactivity": "0"}] if ideal is None else ideal
    return json.dumps({"execution_optimistic": False, **envelope, "data": {"ideal_rewards": ideal, "total_rewards": totals}}).encode()


@pytest.mark.parametrize("body", [
    _answer([_entry(v) for v in range(5)]),
    _answer([_entry(v, inclusion_delay=str(v)) for v in range(5)]),  # before Altair: in every entry
    _answer([_entry(1, inclusion_delay=None), _entry(2, inclusion_delay="4")]),  # null reads as 0
    _answer([]),
    _answer([_entry(1)], finalized=True),
    # numbers where nothing reads them: orjson makes a float of the 65-bit one, json an int; nobody looks
    _answer([_entry(1)], ideal=[{"effective_balance": 18446744073709551616, "head": 1.5}], extra=-9223372036854775809),
], ids=["plain", "inclusion_delay", "null-delay", "empty", "finalized", "unread-numbers"])
def test_the_orjson_reading_gives_what_json_and_the_column_parse_give(body):
    fast = helpers.read_attestation_columns(body)
    assert fast is not None and _pylists(fast) == _ordinary(body)


def test_the_orjson_reading_of_a_published_answer_equals_the_ordinary_one():
    for path in fixture_paths("beacon", "attestation_rewards"):
        body = path.read_bytes()
        if b'"execution_optimistic"' in body:  # a whole answer, not only its data member
            fast = helpers.read_attestation_columns(body)
            assert fast is not None and _pylists(fast) == _ordinary(body), path.name


@pytest.mark.parametrize("body, ordinary", [
    # orjson reads a number beyond 64 bits as a float: never taken, the ordinary reader names it
    (_answer([_entry(1, head=18446744073709551616)]), ("refused", "head: expected a decimal string, got 18446744073709551616")),
    (b'{"execution_optimistic":false,"data":{"ideal_rewards":[],"total_rewards":[{"validator_index":"1","head":'
     b'123456789012345678901234567890,"target":"1","source":"1","inactivity":"0"}]}}',
     ("refused", "123456789012345678901234567890")),
    # what orjson refuses and json.loads accepts: read the ordinary way, accepted as today
    (_answer([_entry(1)]).replace(b'"execution_optimistic": false', b'"execution_optimistic": NaN'), "accepted"),
    (_answer([_entry(1)]).replace(b'"execution_optimistic": false', b'"x": "\\ud800"'), "accepted"),
    (b"\xef\xbb\xbf" + _answer([_entry(1)]), "accepted"),
    (_answer([_entry(1)]).decode().encode("utf-16"), "accepted"),
    # what both refuse: the ordinary refusal, with json's message
    (_answer([_entry(1)]).replace(b'"2"', b'"\xff"'), ("not JSON", "UnicodeDecodeError")),
    (_answer([_entry(1)])[:-1], ("not JSON", "JSONDecodeError")),
    # shapes the orjson reading leaves to the ordinary path
    (_answer([_entry(1, extra=5)]), "accepted"),  # a field beyond the ones read
    (_answer([_entry(1, inclusion_delay="4"), _entry(2)]), "accepted"),  # inclusion_delay in some entries only
    (_answer([_entry(1)], ideal=[[1]]), "accepted"),
    (_answer([_entry(1)], ideal=[{"head": [1]}]), "accepted"),
    (_answer([_entry(1)], extra={"a": 1}), "accepted"),
    (_answer([_entry(1)], extra=[[[[1]]]]), "accepted"),
    (_answer([_entry(1), [1]]), ("refused", "data.total_rewards[1]")),
    (_answer([_entry(1, head="+2")]), ("refused", "head: expected a decimal string")),
    (b'{"execution_optimistic":false,"data":{"total_rewards":[]}}', ("refused", "ideal_rewards")),
    (b'{"data":[]}', ("refused", "data")),
    (b"[]", ("refused", "expected an object with `data`")),
], ids=["bigint-field", "huge-int-field", "nan", "lone-surrogate", "bom", "utf-16", "invalid-utf8", "truncated",
        "extra-field", "some-delays", "ideal-not-object", "ideal-nested", "envelope-object",
        "envelope-deep", "entry-not-object", "plus-sign", "no-ideal", "data-not-object", "not-object"])
def test_what_the_orjson_reading_cannot_vouch_for_is_read_the_ordinary_way(body, ordinary):
    assert helpers.read_attestation_columns(body) is None
    got = _ordinary(body)
    if ordinary == "accepted":
        assert isinstance(got, dict) and got["validator_index"]
    else:
        assert got[0] == ordinary[0] and all(part in " ".join(map(str, got[1:])) for part in ordinary[1:]), got


def test_nesting_json_loads_cannot_read_is_never_accepted_by_the_orjson_reading():
    # json.loads gives up (RecursionError) before orjson's 1024 levels; the reading must not accept it
    import json

    import orjson

    nested = b"[" * 1000 + b"]" * 1000
    orjson.loads(nested)
    with pytest.raises(RecursionError):
        json.loads(nested)
    body = _answer([_entry(1)]).replace(b'"execution_optimistic": false', b'"x": ' + nested)
    assert helpers.read_attestation_columns(body) is None
