"""An epoch's attestation rewards reach the COPY path as columns: the same table, value for
value, as the row-wise reading gave."""

from __future__ import annotations

import pytest

from loaders.beacon import helpers
from loaders.bulk import arrow_batch, arrow_table
from loaders.ethereum.fetch import attestation_table
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
