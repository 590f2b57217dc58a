"""The published proposer_payload_delivered payload parses; relays' extra fields are ignored."""

from __future__ import annotations

import copy

import pytest

from loaders.providers import PayloadError
from loaders.relays import helpers
from tests.support.fixtures import fixture_paths, load


@pytest.mark.parametrize("path", fixture_paths("relay", "proposer_payload_delivered"), ids=lambda p: p.name)
def test_bid_traces_parse(path):
    (row,) = helpers.parse_delivered(load(path), "flashbots")
    assert row["value_wei"] == 93419853708036150 and row["slot"] == 6516479
    assert row["proposer_fee_recipient"] == "0x388c818ca8b9251b393131c08a736a67ccb19297"


def test_extra_fields_are_ignored_and_a_float_value_is_not():
    body = copy.deepcopy(load(fixture_paths("relay", "proposer_payload_delivered")[0]))
    body[0]["num_blobs"] = "3"
    assert helpers.parse_delivered(body, "ultrasound")[0]["relay"] == "ultrasound"
    body[0]["value"] = 0.0934
    with pytest.raises(PayloadError, match=r"relay ultrasound proposer_payload_delivered: \[0\]\.value: expected an unsigned decimal string"):
        helpers.parse_delivered(body, "ultrasound")
