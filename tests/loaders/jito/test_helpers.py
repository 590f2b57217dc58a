"""Every published kobe /api/v1/validators payload parses; bad ones name the field."""

from __future__ import annotations

import copy

import pytest

from loaders.jito import helpers
from loaders.providers import PayloadError
from tests.support.fixtures import fixture_paths, load


@pytest.mark.parametrize("path", fixture_paths("jito", "validators"), ids=lambda p: p.name)
def test_validators_parse(path):
    rows = helpers.parse_validators(load(path), 600)
    assert rows and all(r["epoch"] == 600 for r in rows)
    first = rows[0]
    assert first["mev_commission_bps"] == 10000 and isinstance(first["mev_rewards"], int)
    # Older answers have no identity_account; newer ones do.
    assert "identity_account" in first


def test_commission_beyond_10000_bps_is_rejected():
    body = copy.deepcopy(load(fixture_paths("jito", "validators")[0]))
    body["validators"][0]["mev_commission_bps"] = 10001
    with pytest.raises(PayloadError, match=r"kobe /api/v1/validators: validators\[0\]\.mev_commission_bps: expected basis points 0-10000, got 10001"):
        helpers.parse_validators(body, 600)


def test_lamports_as_floats_are_rejected():
    body = copy.deepcopy(load(fixture_paths("jito", "validators")[0]))
    body["validators"][0]["mev_rewards"] = 4.4
    with pytest.raises(PayloadError, match=r"validators\[0\]\.mev_rewards: expected an integer, got 4\.4"):
        helpers.parse_validators(body, 600)
