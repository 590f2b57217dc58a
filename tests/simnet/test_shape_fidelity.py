"""Every simnet endpoint answers in the shape of the provider's published payloads.

One check (simnet/shapes.py) for every endpoint; the registry (shape_registry.py) says which
simnet request answers each payload's question.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import pytest
import requests

from simnet.network import NetworkSpec, SimNetwork
from simnet.shapes import ShapeCase, compare, load_payload, real_shape, shape, simnet_level, strip_jsonc, string_kind
from tests.simnet.shape_registry import CASES, ETHEREUM_TODO, FOUND, SKIPPED, TRIMMED

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
# The published payloads and API reference the fixtures were copied from, where this checkout has them.
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def net():
    with SimNetwork(NetworkSpec()) as network:
        yield network


def answer(net: SimNetwork, case: ShapeCase):
    ask = case.ask(net)
    response = requests.request(ask.method, net.urls[case.api] + ask.path, json=ask.body, params=ask.query, timeout=10)
    assert response.status_code == 200, response.text
    body = response.json()
    assert not (isinstance(body, dict) and "error" in body and "jsonrpc" in body), body
    return body


@cache
def payload(fixture: str):
    return load_payload(FIXTURES / fixture)


def held_to(case: ShapeCase):
    """The real shape a case's answer must fit: its endpoint's payloads merged, at its level."""
    siblings = [payload(c.fixture) for c in CASES if (c.api, c.endpoint) == (case.api, case.endpoint)]
    siblings += [[payload(f)] if level == "entry" else payload(f) for f, level in FOUND.get((case.api, case.endpoint), [])]
    return real_shape(case, payload(case.fixture), siblings)


def drifts(net: SimNetwork, case: ShapeCase, documented=None) -> list[str]:
    sim = shape(simnet_level(payload(case.fixture), answer(net, case)))
    return compare(held_to(case), sim, case.documented if documented is None else documented)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.fixture)
def test_simnet_answer_has_the_shape_of_the_real_payloads(net, case):
    problems = drifts(net, case)
    assert not problems, f"{case.fixture}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("case", [c for c in CASES if c.documented], ids=lambda c: c.fixture)
def test_every_documented_exception_is_needed(net, case):
    """An exception no answer needs hides nothing today but would hide drift tomorrow."""
    for entry in case.documented:
        without = tuple(d for d in case.documented if d is not entry)
        assert any(p.startswith(entry.path + ":") for p in drifts(net, case, without)), f"{entry.path} is never needed"


# ---------------------------------------------------------------- the check fails on drift
def test_a_renamed_key_and_a_quoted_integer_are_reported(net):
    case = next(c for c in CASES if c.fixture == "solana/getVoteAccounts.sava-mainnet-epoch837.json")
    body = answer(net, case)
    assert not compare(held_to(case), shape(body), case.documented)
    broken = copy.deepcopy(body)
    entry = broken["result"]["current"][0]
    entry["vote_pubkey"] = entry.pop("votePubkey")
    entry["activatedStake"] = str(entry["activatedStake"])
    problems = compare(held_to(case), shape(broken), case.documented)
    assert "$.result.current[].vote_pubkey: a key the real payloads never have" in problems
    assert "$.result.current[].votePubkey: missing, though every real payload has it" in problems
    assert "$.result.current[].activatedStake: decimal where the real payloads have int" in problems


def test_a_null_where_the_real_payloads_never_show_one_is_reported(net):
    case = next(c for c in CASES if c.fixture == "jito/mev_rewards.epoch600.json")
    body = answer(net, case)
    body["total_network_mev_lamports"] = None
    assert compare(held_to(case), shape(body)) == ["$.total_network_mev_lamports: null where the real payloads have int"]


def test_a_key_inside_a_map_value_and_a_wrong_encoding_are_reported(net):
    case = next(c for c in CASES if c.fixture == "solana/getBlockProduction.docs.json")
    body = answer(net, case)
    identity = next(iter(body["result"]["value"]["byIdentity"]))
    body["result"]["value"]["byIdentity"][identity] = {"leaderSlots": 4}
    body["result"]["context"]["slot"] = "0x321"
    problems = compare(held_to(case), shape(body))
    assert problems == [
        "$.result.context.slot: hex-quantity where the real payloads have int",
        "$.result.value.byIdentity{}: object where the real payloads have array",
    ]


def test_a_data_only_payload_is_compared_inside_the_beacon_envelope(net):
    case = next(c for c in CASES if c.fixture == "beacon/block_rewards.go-eth2-client-mainnet-slot10760040.json")
    body = answer(net, case)
    assert set(body) == {"execution_optimistic", "finalized", "data"}
    assert simnet_level(payload(case.fixture), body) is body["data"]
    body["data"]["total"] = int(body["data"]["total"])
    assert compare(held_to(case), shape(simnet_level(payload(case.fixture), body))) == [
        "$.total: int where the real payloads have decimal"
    ]


def test_a_key_documented_as_optional_may_be_missing_and_no_other(net):
    case = next(c for c in CASES if c.fixture == "execution/eth_getBlockReceipts.hive-n.json")
    body = answer(net, case)
    assert all("root" not in receipt for receipt in body["result"])  # documented as pre-Byzantium only
    del body["result"][0]["gasUsed"]
    assert compare(held_to(case), shape(body), case.documented) == [
        "$.result[].gasUsed: missing, though every real payload has it"
    ]


def test_a_documented_key_still_holds_to_its_documented_kinds(net):
    case = next(c for c in CASES if c.fixture == "jito/validators.epoch600.jsonc")
    body = answer(net, case)
    body["validators"][0]["identity_account"] = 42
    assert compare(held_to(case), shape(body), case.documented) == [
        "$.validators[].identity_account: int where the reference documents base58|null"
    ]


# ---------------------------------------------------------------- the check's vocabulary
@pytest.mark.parametrize(
    "text, kind",
    [
        ("12345", "decimal"),
        ("-22456", "decimal"),
        ("0x1a3", "hex-quantity"),
        ("0x0", "hex-quantity"),
        ("0x00ab", "hex-data"),
        ("0x", "hex-data"),
        ("0x5208", "hex"),
        ("Vote111111111111111111111111111111111111111", "base58"),
        ("11111111111111111111111111111111", "base58"),
        ("Fee", "string"),
        ("2025-07-29 00:00:00.000 UTC", "string"),
    ],
)
def test_strings_are_told_apart_by_encoding(text, kind):
    assert string_kind(text) == kind


def test_shape_merges_array_items_and_keeps_what_every_item_has():
    merged = shape([{"a": 1, "b": None}, {"a": 2, "b": "0x1", "c": 1.5}])
    item = merged.items
    assert item.required == {"a", "b"} and set(item.fields) == {"a", "b", "c"}
    assert item.fields["b"].kinds == {"null", "hex-quantity"} and item.fields["c"].kinds == {"float"}
    assert shape({"Vote111111111111111111111111111111111111111": [1, 2]}).kinds == {"map"}
    assert shape(True).kinds == {"bool"} and shape(0).kinds == {"int"}


def test_jsonc_comments_and_trailing_commas_are_stripped():
    text = '{"a": "http://x//y", // a comment\n "b": [1, 2,], /* block */ "c": {"d": 1,},\n // …\n}'
    assert strip_jsonc(text).replace(" ", "").replace("\n", "") == '{"a":"http://x//y","b":[1,2],"c":{"d":1}}'


# ---------------------------------------------------------------- the registry is complete
def test_every_published_payload_is_registered_skipped_or_listed_for_ethereum():
    real = SHARED / "fixtures" / "real"
    if not real.is_dir():
        pytest.skip("the published payloads are not in this checkout")
    published = {str(p.relative_to(real)) for p in real.glob("*/*") if p.is_file()}
    registered = {c.source for c in CASES}
    assert registered.isdisjoint(SKIPPED) and registered.isdisjoint(ETHEREUM_TODO)
    assert published == registered | set(SKIPPED) | set(ETHEREUM_TODO)


def test_found_payloads_are_listed_in_the_readme():
    readme = (FIXTURES / "README.md").read_text()
    for fixture, _ in (f for found in FOUND.values() for f in found):
        assert (FIXTURES / fixture).is_file() and fixture in readme, fixture


def test_fixtures_are_verbatim_copies_listed_in_the_readme():
    readme = (FIXTURES / "README.md").read_text()
    real = SHARED / "fixtures" / "real"
    assert set(TRIMMED) <= {c.fixture for c in CASES}
    for case in CASES:
        assert (FIXTURES / case.fixture).is_file(), case.fixture
        assert case.fixture in readme and case.source in readme, case.fixture
        if real.is_dir() and case.fixture not in TRIMMED:
            assert (FIXTURES / case.fixture).read_bytes() == (real / case.source).read_bytes(), case.fixture


def is_selection(part, whole) -> bool:
    """`part` is `whole` with some array entries left out (the rest verbatim, in order)."""
    if isinstance(whole, list):
        if not isinstance(part, list):
            return False
        rest = iter(whole)
        return all(any(is_selection(item, candidate) and item == candidate for candidate in rest) for item in part)
    if isinstance(whole, dict):
        return isinstance(part, dict) and part.keys() == whole.keys() and all(is_selection(part[k], whole[k]) for k in whole)
    return type(part) is type(whole) and part == whole


@pytest.mark.parametrize("fixture", sorted(TRIMMED))
def test_trimmed_fixtures_keep_every_shape_of_the_published_file(fixture):
    """A trimmed copy only leaves array entries out, and keeps every key and value kind."""
    assert fixture in (FIXTURES / "README.md").read_text() and "trimmed" in (FIXTURES / "README.md").read_text()
    real = SHARED / "fixtures" / "real"
    if not real.is_dir():
        pytest.skip("the published payloads are not in this checkout")
    source = next(c.source for c in CASES if c.fixture == fixture)
    trimmed, published = payload(fixture), load_payload(real / source)
    assert is_selection(trimmed, published)
    assert shape(trimmed) == shape(published)


def test_is_selection_tells_a_trim_from_an_edit():
    whole = {"data": [{"a": "1"}, {"a": "2"}, {"a": "3"}], "x": False}
    assert is_selection({"data": [{"a": "1"}, {"a": "3"}], "x": False}, whole)
    assert not is_selection({"data": [{"a": "3"}, {"a": "1"}], "x": False}, whole)  # reordered
    assert not is_selection({"data": [{"a": "4"}], "x": False}, whole)  # invented
    assert not is_selection({"data": [{"a": "1"}]}, whole)  # a key left out


def test_documented_lines_quote_the_reference():
    apis = SHARED / "reference" / "apis.md"
    if not apis.is_file():
        pytest.skip("the API reference is not in this checkout")
    text = apis.read_text()
    for case in CASES:
        for entry in case.documented:
            if not entry.doc.startswith("upstream:"):
                assert entry.doc in text, f"{case.fixture} {entry.path}: {entry.doc!r} is not in apis.md"
