"""The kept JSON text of a request body sent many times: the same text the archive always made, so
a request's archived parameters and its response id do not change."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from loaders.ethereum.fetch import range_ids
from loaders.providers import json_text


def _archive_text(params):  # what archive.record made before json_text (an index range was a tuple of its ids)
    def before(value):
        if isinstance(value, json_text.IdRange):
            return tuple(str(i) for i in range(value.start, value.start + value.size))
        return {k: before(v) for k, v in value.items()} if isinstance(value, dict) else value
    return json.dumps(before(params), sort_keys=True, default=str)


@pytest.mark.parametrize("params", [
    {"query": None, "body": range_ids(0, 10_000)},
    {"query": None, "body": json_text.IdRange(990_000, 10_000)},
    {"query": None, "body": json_text.IdRange(7, 0)},
    {"query": None, "body": {"ids": json_text.IdRange(5, 3)}},  # inside a larger body: its list
    {"query": {"b": 2, "a": [1, {"z": None, "y": "é"}]}, "body": ("1", "2", "\u2028", '"')},
    {"query": None, "body": ()},
    {"query": None, "body": ["1", "2"]},  # a list: encoded every time
    {"query": None, "body": {"ids": ("3", "4")}},
    {"query": {"x": 1}},
    {"body": ("1",)},
    ("1", "2"),
], ids=["range", "last-range", "empty-range", "range-in-a-dict", "query-and-odd-strings", "empty", "list", "dict-body", "query-only", "body-only", "bare-tuple"])
def test_the_params_text_is_the_archives_text(params):
    assert json_text.params_text(params) == _archive_text(params)
    assert json_text.params_text(params) == _archive_text(params)  # and again, from what was kept


def test_a_tuple_body_is_encoded_once_and_its_entry_names_the_object(monkeypatch):
    calls = []
    real = json.dumps
    monkeypatch.setattr(json_text.json, "dumps", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    body = tuple(str(i) for i in range(5))
    assert json_text.body_text(body) == json_text.body_text(body) == real(list(body))
    assert calls.count(body) == 1
    other = tuple(str(i) for i in range(5))  # equal, not the same object: its own entry
    assert json_text.body_text(other) == json_text.body_text(body)
    assert calls.count(other) == 2  # counted by equality: the second object was encoded once more


def test_what_is_kept_is_bounded(monkeypatch):
    monkeypatch.setattr(json_text, "MAX_KEPT", 3)
    bodies = [(str(i),) for i in range(10)]
    for body in bodies:
        assert json_text.body_text(body) == json.dumps([body[0]])
    assert len(json_text._kept) <= 3


def test_range_ids_are_one_tuple_per_range():
    assert range_ids(20_000, 10_000) is range_ids(20_000, 10_000)
    assert range_ids(20_000, 10_000)[0] == "20000" and len(range_ids(20_000, 10_000)) == 10_000 and range_ids(20_000, 10_000)[-1] == "29999"
    assert len(range_ids(20_000, 5_000)) == 5_000  # a batch size of its own (tests change it): its own tuple


def test_an_id_range_is_the_sequence_of_its_ids():
    ids = json_text.IdRange(20_000, 5)
    assert list(ids) == ["20000", "20001", "20002", "20003", "20004"] and len(ids) == 5
    assert (ids[0], ids[-1], ids[1:3]) == ("20000", "20004", ("20001", "20002"))
    assert json.loads(json_text.body_text(ids)) == list(ids)
    with pytest.raises(IndexError):
        ids[5]
    with pytest.raises(ValueError, match="start=-1"):
        json_text.IdRange(-1, 5)


def test_an_id_range_holds_its_text_not_its_ids():
    tracemalloc.start()
    try:
        body = json_text.IdRange(1_000_000, 100_000)
        text = json_text.body_text(body)
        held, _peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert json_text.body_text(body) is text
    # The kept text is 1.1 MB (11 characters an id of 7 digits); a tuple of the 100,000 strings held ~6 MB more.
    assert len(text) == 11 * 100_000 and held < 1.5 * len(text)
