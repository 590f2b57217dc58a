"""The arrow reading of a validators answer: taken only where json.loads and parse_validators give
the same records; everything else is left (None) to the ordinary reading."""

from __future__ import annotations

import json

import pytest

from loaders.beacon import helpers
from loaders.beacon.validators_arrow import COLUMNS, read_validator_columns_arrow
from loaders.ethereum.fetch import _data
from loaders.providers.client import PayloadError
from tests.support.fixtures import fixture_paths
from tests.support.mutations import mutated

FAR = str(2**64 - 1)
INT64_MAX = str(2**63 - 1)


def _validator(v, **changes):
    record = {
        "index": str(v), "balance": "32000001234", "status": "active_ongoing",
        "validator": {
            "pubkey": "0xAB" + "cd" * 47, "withdrawal_credentials": "0x01" + "00" * 11 + "Ef" * 20,
            "effective_balance": "32000000000", "slashed": False, "activation_eligibility_epoch": "0",
            "activation_epoch": "10", "exit_epoch": FAR, "withdrawable_epoch": FAR,
        },
    }
    for key, value in changes.items():
        target = record if key in ("index", "balance", "status") else record["validator"]
        if value is _DROP:
            del target[key]
        else:
            target[key] = value
    return record


_DROP = object()


def _answer(data, **envelope) -> bytes:
    return json.dumps({"execution_optimistic": False, "finalized": True, **envelope, "data": data}).encode()


def _ordinary(body: bytes):
    """What the client does without `read`: json.loads, then parse_validators (rows or refusal), as columns."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        return ("not JSON", type(exc).__name__, str(exc))
    try:
        rows = helpers.parse_validators(_data(doc, "validators"))
    except PayloadError as exc:
        return ("refused", str(exc))
    return {name: [row[name] for row in rows] for name in COLUMNS}


def _pylists(columns):
    return {name: values.to_pylist() for name, values in columns.items()}


@pytest.mark.parametrize("body", [
    _answer([_validator(v) for v in range(5)]),
    _answer([]),
    _answer([_validator(1, exit_epoch="200", withdrawable_epoch="456", slashed=True, status="exited_slashed")]),
    _answer([_validator(1, balance=INT64_MAX, activation_epoch="007")]),
    _answer([_validator(1, activation_eligibility_epoch=_DROP)]),  # not read by parse_validators
    json.dumps({"data": [_validator(7)]}, indent=2).encode(),  # no envelope flags, newlines between members
    _answer([_validator(1)]).replace(b'"index": "1"', b'"index": "\\u0031"'),  # an escaped digit is a digit
    _answer([_validator(1)]) + b"\n",
], ids=["plain", "empty", "exited", "edges", "no-eligibility", "indented", "escaped-value", "trailing-newline"])
def test_the_arrow_reading_takes_plain_answers_and_gives_what_json_gives(body):
    got = read_validator_columns_arrow(body)
    assert got is not None and tuple(got) == COLUMNS
    assert _pylists(got) == _ordinary(body)


def test_the_arrow_reading_of_a_published_answer_equals_the_ordinary_one():
    [path] = fixture_paths("beacon", "validators")
    body = path.read_bytes()
    got = read_validator_columns_arrow(body)
    assert got is not None and _pylists(got) == _ordinary(body)
    assert len(got["validator_index"]) > 1 and None in got["exit_epoch"].to_pylist()  # far-future epochs read as null


@pytest.mark.parametrize("body", [
    _answer([_validator(1, balance=32)]),  # a number where beacon-APIs gives a decimal string
    _answer([_validator(1, balance="+2")]),
    _answer([_validator(1, balance=" 2")]),
    _answer([_validator(1, balance="")]),
    _answer([_validator(1, balance="2\n")]),
    _answer([_validator(1, balance="0x10")]),
    _answer([_validator(1, balance="-1")]),
    _answer([_validator(1, balance="9223372036854775808")]),  # beyond 64 bits
    _answer([_validator(1, exit_epoch="018446744073709551615")]),  # the far-future epoch, written otherwise
    _answer([_validator(1, balance="٣")]),
    _answer([_validator(1, balance=None)]),
    _answer([_validator(1, status=None)]),
    _answer([_validator(1, status=3)]),
    _answer([_validator(1, pubkey=None)]),
    _answer([_validator(1, slashed="false")]),
    _answer([_validator(1, slashed=None)]),
    _answer([_validator(1, exit_epoch=_DROP)]),
    _answer([_validator(1, validator=None)]),
    _answer([_validator(1, pubkey="0xé")]).replace(b"\\u00e9", "é".encode()),  # non-ASCII
    _answer([_validator(1, extra="5")]),  # a member not in the schema (parse_validators ignores it)
    _answer([_validator(1)], extra="x"),
    _answer([_validator(1)]).replace(b'"balance": "32000001234"', b'"balance": "9", "balance": "32000001234"'),
    _answer([_validator(1)]) + _answer([_validator(2)]),  # a second document
    _answer([_validator(1)]).replace(b'"execution_optimistic": false', b'"execution_optimistic": NaN'),
    _answer([_validator(1)]).replace(b'"active_ongoing"', b'"\\ud800"'),
    _answer([_validator(1), None]),
    _answer([_validator(1), [1]]),
    b'{"execution_optimistic": false, "data": null}',
    b'{"execution_optimistic": false, "data": {}}',
    b'{"execution_optimistic": false}',
    b"[]",
    b"",
], ids=["number", "plus", "space", "empty-string", "newline", "hex", "signed", "beyond-64-bits", "far-future-padded",
        "arabic-digit", "null-balance", "null-status", "number-status", "null-pubkey", "string-slashed", "null-slashed",
        "no-exit-epoch", "null-validator", "non-ascii", "entry-member", "envelope-member", "duplicate-member",
        "second-document", "nan", "lone-surrogate", "null-entry", "array-entry", "null-data", "object-data", "no-data",
        "array", "empty-body"])
def test_what_the_arrow_reading_cannot_vouch_for_is_left_to_the_ordinary_reading(body):
    assert read_validator_columns_arrow(body) is None


def test_a_mutated_answer_is_read_as_json_reads_it_or_not_at_all():
    """Random edits of a small answer (characters that matter to JSON and to the values): wherever
    the arrow reading takes one, json.loads and parse_validators give the same records."""
    base = _answer([_validator(1), _validator(2, exit_epoch="99", slashed=True)])
    alphabet = [bytes([c]) for c in b'{}[],:"-+ 0123456789.eEABxfalsetrunul\\'] + [b"\xc3\xa9", b"\xff", b"\x00", b"\n"]
    taken = refused = 0
    for body in mutated(base, alphabet, 4000, seed=20261203):
        got = read_validator_columns_arrow(body)
        if got is None:
            refused += 1
            continue
        taken += 1
        assert _pylists(got) == _ordinary(body), body
    assert taken > 150 and refused > 1000  # both sides were exercised
