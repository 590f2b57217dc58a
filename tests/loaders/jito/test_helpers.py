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


def test_the_jitosol_validators_answer_parses_as_validator_entries():
    """kobe /api/v1/jitosol_validators answers the same ValidatorEntry as /validators (the JitoSOL
    pool's subset, with jito_sol_active_lamports): Aurora's parser reads it field for field."""
    (path,) = fixture_paths("jito", "jitosol_validators")
    (row,) = helpers.parse_validators(load(path), 600)
    assert row == {
        "epoch": 600, "vote_account": "CviQXDMPZPVAZ5qgVGN2gSBSD9GqqwRt7VZidoHMpArr", "identity_account": None,
        "running_jito": True, "mev_commission_bps": 10000, "mev_rewards": 3_204_800_942,
        "priority_fee_commission_bps": None, "priority_fee_rewards": None, "active_stake": 47_753_222_427_851,
    }


def test_the_published_validators_answer_to_the_last_lamport():
    (path,) = fixture_paths("jito", "validators")
    (row,) = helpers.parse_validators(load(path), 600)
    assert (row["vote_account"], row["mev_rewards"], row["priority_fee_commission_bps"], row["priority_fee_rewards"],
            row["active_stake"]) == ("GdRKUZKdiXMEATjddQW6q4W8bPgXRBYJKayfeqdQcEPa", 4_438_669_326, 5000, 31_269_273_876,
                                     57_968_373_482_697)
