"""The arrow reading of an attestation-rewards answer: taken only where json.loads and the column
parse give the same columns; everything else is left (None) to the orjson and ordinary readings."""

from __future__ import annotations

import json

import pytest

from loaders.beacon import helpers
from loaders.beacon.attestations_arrow import read_attestation_columns_arrow
from tests.loaders.beacon.test_helpers import _answer, _entry, _ordinary, _pylists
from tests.support.fixtures import fixture_paths
from tests.support.mutations import mutated

INT64_MAX, INT64_MIN = str(2**63 - 1), str(-(2**63))


@pytest.mark.parametrize("body", [
    _answer([_entry(v) for v in range(5)]),
    _answer([_entry(v, inclusion_delay=str(v)) for v in range(5)]),  # before Altair: in every entry
    _answer([_entry(v, inclusion_delay=None) for v in range(3)]),  # null in every entry: 0
    _answer([]),
    _answer([_entry(1)], finalized=True),
    _answer([_entry(1, head="-0", target="007", source=INT64_MAX, inactivity=INT64_MIN)]),
    json.dumps({"data": {"ideal_rewards": [], "total_rewards": [_entry(7)]}}, indent=2).encode(),  # newlines between members
    _answer([_entry(1)]).replace(b'"head": "2"', b'"head": "\\u0032"'),  # an escaped digit is a digit
    _answer([_entry(1)]).replace(b'"validator_index"', b'"validator\\u005findex"'),  # and an escaped key the key
    _answer([_entry(1)]) + b"\n",
], ids=["plain", "inclusion_delay", "null-delays", "empty", "finalized", "edges", "indented", "escaped-value",
        "escaped-key", "trailing-newline"])
def test_the_arrow_reading_takes_plain_answers_and_gives_what_json_gives(body):
    got = read_attestation_columns_arrow(body)
    assert got is not None and list(got) == list(helpers.ATTESTATION_COLUMNS)
    assert _pylists(got) == _ordinary(body)
    assert helpers.read_attestation_columns(body) is got or _pylists(helpers.read_attestation_columns(body)) == _pylists(got)


def test_the_arrow_reading_of_a_published_answer_equals_the_ordinary_one():
    read = 0
    for path in fixture_paths("beacon", "attestation_rewards"):
        body = path.read_bytes()
        if b'"execution_optimistic"' in body:  # a whole answer, not only its data member
            got = read_attestation_columns_arrow(body)
            assert got is not None and _pylists(got) == _ordinary(body), path.name
            read += 1
    assert read


@pytest.mark.parametrize("body", [
    _answer([_entry(1, head=2)]),  # a number where beacon-APIs gives a decimal string
    _answer([_entry(1, head="+2")]),
    _answer([_entry(1, head=" 2")]),
    _answer([_entry(1, head="")]),
    _answer([_entry(1, head="2\n")]),  # an escaped newline after the digits
    _answer([_entry(1, head="1-2")]),
    _answer([_entry(1, head="0x10")]),  # arrow's cast reads hex
    _answer([_entry(1, head="9223372036854775808")]),  # beyond 64 bits
    _answer([_entry(-1)]),  # a signed index
    _answer([_entry(1, head="٣")]),  # a non-ASCII digit
    _answer([_entry(1, head=None)]),
    _answer([_entry(1, inclusion_delay="4"), _entry(2)]),  # inclusion_delay in some entries only
    _answer([_entry(1, extra="5")]),  # a member not in the schema
    _answer([_entry(1)], extra="x"),
    _answer([_entry(1)], ideal=[{"effective_balance": "32000000000", "bonus": "1"}]),
    _answer([_entry(1)], ideal=[{"effective_balance": 32000000000}]),
    _answer([_entry(1)], ideal=[{"effective_balance": "é"}]).replace(b"\\u00e9", "é".encode()),  # non-ASCII, unread
    _answer([_entry(1)], ideal=[{"effective_balance": "\xff"}]).replace("\\u00ff".encode(), b"\xff"),  # invalid UTF-8
    b"\xef\xbb\xbf" + _answer([_entry(1)]),
    _answer([_entry(1)]).decode().encode("utf-16"),
    _answer([_entry(1)]).replace(b'"head": "2"', b'"head": "9", "head": "2"'),  # json.loads keeps the last
    _answer([_entry(1)]) + _answer([_entry(2)]),  # a second document: json.loads refuses "Extra data"
    _answer([_entry(1)]).replace(b'"execution_optimistic": false', b'"execution_optimistic": NaN'),
    _answer([_entry(1)]).replace(b'"2"', b'"\\ud800"'),
    _answer([_entry(1), None]),
    _answer([_entry(1), [1]]),
    b'{"execution_optimistic": false, "data": null}',
    b'{"execution_optimistic": false, "data": {"total_rewards": []}}',
    b'{"execution_optimistic": false, "data": {"ideal_rewards": []}}',
    b'{"execution_optimistic": false}',
    b"[]",
    b"",
], ids=["number", "plus", "space", "empty-string", "newline", "inner-minus", "hex", "beyond-64-bits", "signed-index",
        "arabic-digit", "null-head", "some-delays", "entry-member", "envelope-member", "ideal-member", "ideal-number",
        "non-ascii", "invalid-utf8", "bom", "utf-16", "duplicate-member", "second-document", "nan", "lone-surrogate",
        "null-entry", "array-entry", "null-data", "no-ideal", "no-totals", "no-data", "array", "empty-body"])
def test_what_the_arrow_reading_cannot_vouch_for_is_left_to_the_other_readings(body):
    assert read_attestation_columns_arrow(body) is None
    later = helpers.read_attestation_columns(body)  # orjson's reading, or None: json.loads and the ordinary parse
    assert later is None or _pylists(later) == _ordinary(body)


def test_a_mutated_answer_is_read_as_json_reads_it_or_not_at_all():
    """Random edits of a small answer (characters that matter to JSON and to the values): wherever
    the arrow reading takes one, json.loads and the column parse give the same columns."""
    base = _answer([_entry(1, inclusion_delay="3"), _entry(2, head="-5", inclusion_delay="0")], finalized=True)
    alphabet = [bytes([c]) for c in b'{}[],:"-+ 0123456789.eE\\unlx'] + [b"\xc3\xa9", b"\xff", b"\x00", b"\n"]
    taken = refused = 0
    for body in mutated(base, alphabet, 6000, seed=20251203):
        got = read_attestation_columns_arrow(body)
        if got is None:
            refused += 1
            continue
        taken += 1
        assert _pylists(got) == _ordinary(body), body
    assert taken > 150 and refused > 2000  # both sides were exercised
