"""The kept JSON text of a request body sent many times: the same text the archive always made, so
a request's archived parameters and its response id do not change."""

from __future__ import annotations

import json

import pytest

from loaders.ethereum.fetch import range_ids
from loaders.providers import json_text


def _archive_text(params):  # what archive.record made before json_text
    return json.dumps(params, sort_keys=True, default=str)


@pytest.mark.parametrize("params", [
    {"query": None, "body": range_ids(0, 10_000)},
    {"query": {"b": 2, "a": [1, {"z": None, "y": "é"}]}, "body": ("1", "2", "\u2028", '"')},
    {"query": None, "body": ()},
    {"query": None, "body": ["1", "2"]},  # a list: encoded every time
    {"query": None, "body": {"ids": ("3", "4")}},
    {"query": {"x": 1}},
    {"body": ("1",)},
    ("1", "2"),
], ids=["range", "query-and-odd-strings", "empty", "list", "dict-body", "query-only", "body-only", "bare-tuple"])
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
