"""The COPY path's arrow batches: typed from the column hints, exact in base units, loud on a
value that does not fit."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from loaders.bulk import BULK_TABLES, ColumnBatches, arrow_batch, arrow_columns, arrow_table
from loaders.ethereum.settings import COLUMNS as ETHEREUM_COLUMNS
from loaders.jito.settings import COLUMNS as JITO_COLUMNS
from loaders.solana.settings import COLUMNS as SOLANA_COLUMNS


def test_base_units_stay_exact_and_every_row_gets_the_chain():
    big = 10**37 + 1  # more digits than a float keeps
    batch = arrow_batch([{"epoch": 5, "vote_pubkey": "V", "rewarded": True, "amount": big, "post_balance": None,
                          "effective_slot": 7, "commission": 3, "commission_bps": None, "response_id": "r"}],
                        SOLANA_COLUMNS["inflation_rewards"], chain="solana", table="inflation_rewards")
    assert batch.schema.field("amount").type == pa.decimal128(38, 0)
    row = batch.to_pylist()[0]
    assert row["amount"] == Decimal(big) and row["post_balance"] is None and row["chain"] == "solana"
    assert batch.schema.field("epoch").type == pa.int64() and batch.schema.field("rewarded").type == pa.bool_()


def test_a_missing_column_is_null_and_an_undeclared_key_is_refused():
    rows = [{"epoch": 1, "validator_index": 2, "head_gwei": -3, "target_gwei": 4, "source_gwei": 5,
             "inclusion_delay_gwei": 0, "inactivity_gwei": 0}]
    batch = arrow_batch(rows, ETHEREUM_COLUMNS["attestation_rewards"], chain="ethereum", table="attestation_rewards")
    assert batch.to_pylist()[0]["response_id"] is None and batch.to_pylist()[0]["head_gwei"] == -3
    with pytest.raises(ValueError, match=r"attestation_rewards: row keys \['typo'\] are not columns"):
        arrow_batch([{**rows[0], "typo": 1}], ETHEREUM_COLUMNS["attestation_rewards"], chain="ethereum", table="attestation_rewards")


def test_a_value_too_big_for_its_column_names_the_table_and_column():
    row = {"epoch": 1, "vote_account": "V", "mev_rewards": 10**40}
    with pytest.raises(ValueError, match=r"jito_validators\.mev_rewards: a value does not fit decimal128\(38, 0\)"):
        arrow_batch([row], JITO_COLUMNS, chain="solana", table="jito_validators")


def test_columns_gathered_as_lists_make_the_table_rows_would():
    columns = ETHEREUM_COLUMNS["sync_committee_rewards"]
    values = {"slot": [7, 7], "validator_index": [3, 9], "reward_gwei": [-22456, 10], "response_id": ["r", "r"]}
    by_columns = arrow_table(arrow_columns(values, columns, table="sync_committee_rewards"), columns, chain="ethereum",
                             table="sync_committee_rewards")
    rows = [dict(zip(values, v)) for v in zip(*values.values())]
    assert by_columns.equals(arrow_batch(rows, columns, chain="ethereum", table="sync_committee_rewards"))
    with pytest.raises(ValueError, match=r"sync_committee_rewards: row keys \['typo'\] are not columns"):
        arrow_columns({**values, "typo": [1, 2]}, columns, table="sync_committee_rewards")
    with pytest.raises(ValueError, match=r"sync_committee_rewards\.reward_gwei: a value does not fit int64"):
        arrow_columns({**values, "reward_gwei": [1, 2**63]}, columns, table="sync_committee_rewards")


WITHDRAWAL_KEYS = ("slot", "withdrawal_index", "validator_index", "address", "amount_gwei", "response_id")


def _withdrawal(i: int) -> dict:
    return {"slot": i // 16, "withdrawal_index": i, "validator_index": 7 * i, "address": f"0x{i:040x}",
            "amount_gwei": 17_000_000 + i, "response_id": f"r{i // 16}"}


def test_rows_gathered_in_column_batches_make_the_table_rows_would():
    columns = ETHEREUM_COLUMNS["withdrawals"]
    gathered = ColumnBatches("withdrawals", columns, WITHDRAWAL_KEYS, size=4)
    rows = [_withdrawal(i) for i in range(10)]
    for row in rows:
        gathered.add(row)
    tables = gathered.tables()
    assert [t.num_rows for t in tables] == [4, 4, 2]  # a table every `size` rows, the rest at the end
    assert gathered.tables() == tables  # asked again: the same tables, nothing added twice
    by_columns = pa.concat_tables([arrow_table(t, columns, chain="ethereum", table="withdrawals") for t in tables])
    assert by_columns.equals(arrow_batch(rows, columns, chain="ethereum", table="withdrawals"))
    assert ColumnBatches("withdrawals", columns, WITHDRAWAL_KEYS).tables() == []


def test_column_batches_hold_columns_not_a_python_object_per_row():
    import tracemalloc

    gathered = ColumnBatches("withdrawals", ETHEREUM_COLUMNS["withdrawals"], WITHDRAWAL_KEYS)
    tracemalloc.start()
    try:
        for i in range(50_000):
            gathered.add(_withdrawal(i))
        python_held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    tables = gathered.tables()
    # At most the batch being filled (10,000 rows) in Python objects: as dicts the rows held ~28 MB.
    assert python_held < 6 * 2**20, f"{python_held / 2**20:.1f} MiB of Python objects"
    assert sum(t.num_rows for t in tables) == 50_000 and sum(t.nbytes for t in tables) < 128 * 50_000  # ~96 bytes a row


def test_a_row_that_does_not_match_the_columns_is_refused_by_name():
    gathered = ColumnBatches("withdrawals", ETHEREUM_COLUMNS["withdrawals"], WITHDRAWAL_KEYS)
    with pytest.raises(ValueError, match=r"withdrawals: a row has keys \['typo'\] that are not columns"):
        gathered.add({**_withdrawal(0), "typo": 1})
    with pytest.raises(ValueError, match=r"withdrawals: a row lacks the columns \['address'\]"):
        gathered.add({k: v for k, v in _withdrawal(0).items() if k != "address"})
    with pytest.raises(ValueError, match=r"withdrawals: row keys \['typo'\] are not columns"):
        ColumnBatches("withdrawals", ETHEREUM_COLUMNS["withdrawals"], (*WITHDRAWAL_KEYS, "typo"))
    gathered.add({**_withdrawal(0), "amount_gwei": 2**63})
    with pytest.raises(ValueError, match=r"withdrawals\.amount_gwei: a value does not fit int64"):
        gathered.tables()


def test_every_bulk_table_has_column_hints_arrow_can_type():
    hints = {**ETHEREUM_COLUMNS, **SOLANA_COLUMNS, "jito_validators": JITO_COLUMNS}
    for table in BULK_TABLES:
        assert arrow_batch([{}], hints[table], chain="c", table=table).num_rows == 1


def test_first_of_each_key_keeps_the_first_row_of_a_key_across_batches():
    from loaders.bulk import KeySet, first_of_each_key

    seen = KeySet(2)
    first = first_of_each_key([{"epoch": 1, "v": 1, "x": "a"}, {"epoch": 1, "v": 2, "x": "b"}, {"epoch": 1, "v": 1, "x": "c"}],
                              ["epoch", "v"], seen)
    second = first_of_each_key([{"epoch": 1, "v": 2, "x": "d"}, {"epoch": 2, "v": 2, "x": "e"}], ["epoch", "v"], seen)
    assert [r["x"] for r in first] == ["a", "b"] and [r["x"] for r in second] == ["e"]


def test_key_set_keeps_what_a_set_keeps():
    """Bitmap keys (a small non-negative int last) and set keys (anything else) answer as one set
    would: values equal to a small int (True, 1.0, Decimal) are that int; negatives, huge
    indices, text and tuples are their own keys."""
    from decimal import Decimal

    from loaders.bulk import KeySet

    pairs = KeySet(2)
    keys = [(1, 0), (1, 7), (1, 8), (2, 7), (1, "7"), (1, -7), (1, KeySet.BITMAP_LIMIT), (1, 2**70), ("a", (1,))]
    assert all(pairs.add(k) for k in keys)
    assert not any(pairs.add(k) for k in keys)
    assert all(k in pairs for k in keys)
    assert (1, 9) not in pairs and (3, 7) not in pairs and (1, 2**26 + 1) not in pairs
    assert not pairs.add((1, 7.0)) and not pairs.add((True, Decimal(8))) and not pairs.add((1.0, True - 1))
    assert pairs.add((1, 7.5)) and pairs.add((1, float("nan")))
    assert len(pairs.others) == 7  # "7", -7, the limit, 2**70, (1,), 7.5, nan

    single = KeySet(1)
    assert single.add(1) and single.add((1,)) and not single.add(True) and not single.add((1,))
    assert single.add("1") and single.add(None)


def test_key_set_keeps_the_rows_a_set_keeps_for_random_keys():
    """Against a plain set, over batches of random keys of 1 to 3 columns mixing small and huge
    ints, negatives, text, None and equal values of other types: the same rows, in order."""
    import random
    from decimal import Decimal

    from loaders.bulk import KeySet, first_of_each_key

    rng = random.Random(11)
    values = [0, 1, 2, 7, 8, 300, KeySet.BITMAP_LIMIT - 1, KeySet.BITMAP_LIMIT, 2**63, -1, "1", "x", None, True, False,
              1.0, Decimal(2), 2.5]
    for _ in range(300):
        columns = rng.randint(1, 3)
        names = ["a", "b", "c"][:columns]
        seen, reference = KeySet(columns), set()
        for _batch in range(rng.randint(1, 4)):
            rows = [{n: rng.choice(values) for n in names} | {"row": i} for i in range(rng.randint(0, 40))]
            expected = []
            for row in rows:
                k = tuple(row[n] for n in names) if columns > 1 else row[names[0]]
                if k not in reference:
                    reference.add(k)
                    expected.append(row)
            assert first_of_each_key(rows, names, seen) == expected


def test_a_key_set_refuses_keys_of_another_width():
    import pytest

    from loaders.bulk import KeySet, first_of_each_key

    with pytest.raises(ValueError, match="2 column"):
        first_of_each_key([{"a": 1}], ["a"], KeySet(2))
    with pytest.raises(ValueError):
        KeySet(0)


def test_key_set_memory_is_bounded_by_the_key_space_not_the_rows():
    """A network-wide epoch-grain day repeats epochs × validators keys: the bitmaps hold one bit a
    validator per epoch, whatever order the indices arrive in."""
    import random

    from loaders.bulk import KeySet, first_of_each_key

    seen = KeySet(2)
    validators, epochs = 100_000, 5
    order = list(range(validators))
    random.Random(7).shuffle(order)
    for epoch in range(epochs):
        rows = [{"epoch": epoch, "validator_index": v} for v in order]
        assert len(first_of_each_key(rows, ["epoch", "validator_index"], seen)) == validators
        assert first_of_each_key(rows[:10], ["epoch", "validator_index"], seen) == []
    assert not seen.others
    assert seen.nbytes() <= epochs * (validators // 8 + 1) * 2  # ~12.5 KB an epoch, at most doubled


def _table_batches(rng, columns):
    """Random batches as arrow tables: ascending int64 indices under one prefix (the fast path)
    or anything else int64 can hold (repeats, descending, negative, beyond the bitmaps, mixed
    prefixes, nulls: the key-by-key path)."""
    from loaders.bulk import KeySet

    names = ["a", "b", "c"][:columns]
    batches = []
    for _batch in range(rng.randint(1, 5)):
        n = rng.randint(0, 40)
        if rng.random() < 0.5:
            last = sorted(rng.sample(range(0, 300), n))
            prefix = [rng.choice([1, 2]) for _ in names[:-1]]
            data = {name: [p] * n for name, p in zip(names[:-1], prefix)} | {names[-1]: last}
        else:
            pool = [0, 1, 2, 7, 8, 299, KeySet.BITMAP_LIMIT - 1, KeySet.BITMAP_LIMIT, 2**62, -1, None]
            data = {name: [rng.choice(pool if name == names[-1] else [1, 2, None]) for _ in range(n)] for name in names}
        data["row"] = list(range(n))
        batches.append(pa.table({k: pa.array(v, pa.int64()) for k, v in data.items()}))
    return names, batches


def test_first_of_each_key_in_table_keeps_the_rows_the_row_path_keeps(monkeypatch):
    """Against first_of_each_key over the same batches as rows, on a key set shared with row
    batches: the same rows, in order, whichever path a table takes."""
    import random

    from loaders.bulk import KeySet, first_of_each_key, first_of_each_key_in_table

    rng = random.Random(5)
    fast_tables = 0
    keep_ascending = KeySet.keep_ascending

    def counted(self, prefix, indices):
        nonlocal fast_tables
        kept = keep_ascending(self, prefix, indices)
        fast_tables += kept is not None
        return kept

    monkeypatch.setattr(KeySet, "keep_ascending", counted)
    for _ in range(300):
        columns = rng.randint(1, 3)
        names, batches = _table_batches(rng, columns)
        in_tables, in_rows = KeySet(columns), KeySet(columns)
        for k, table in enumerate(batches):
            rows = table.to_pylist()
            expected = first_of_each_key(rows, names, in_rows)
            if k % 3 == 2:  # a row batch into the same key set as the tables
                assert first_of_each_key(rows, names, in_tables) == expected
                continue
            assert first_of_each_key_in_table(table, names, in_tables).to_pylist() == expected
        assert in_tables.bitmaps.keys() == in_rows.bitmaps.keys()
        assert all(in_tables.bitmaps[p].rstrip(b"\0") == in_rows.bitmaps[p].rstrip(b"\0") for p in in_rows.bitmaps)
        assert in_tables.others == in_rows.others
    assert fast_tables > 100  # the arrow pass was taken, not only the key-by-key one


def test_keep_ascending_declines_what_it_cannot_check_and_remembers_nothing():
    from loaders.bulk import KeySet

    seen = KeySet(2)
    for indices in ([3, 2], [1, 1], [-1, 2], [1, KeySet.BITMAP_LIMIT], [1, None]):
        assert seen.keep_ascending(7, pa.array(indices, pa.int64())) is None
    assert seen.keep_ascending(7, pa.array([1, 2], pa.int32())) is None
    assert not seen.bitmaps
    assert seen.keep_ascending(7, pa.array([1, 9, 20], pa.int64())).to_pylist() == [0, 1, 2]
    assert seen.keep_ascending(7, pa.array([0, 9, 21], pa.int64())).to_pylist() == [0, 2]
    assert (7, 21) in seen and (7, 8) not in seen and (8, 9) not in seen
    with pytest.raises(ValueError):
        KeySet(1).keep_ascending(7, pa.array([1], pa.int64()))


def test_a_batch_in_columns_becomes_the_table_a_batch_of_rows_becomes():
    from loaders.bulk import arrow_table

    columns = ETHEREUM_COLUMNS["attestation_rewards"]
    rows = [{"epoch": 3, "validator_index": 5, "head_gwei": -2, "target_gwei": 7, "source_gwei": 1, "inclusion_delay_gwei": 0,
             "inactivity_gwei": -9, "response_id": "r1"},
            {"epoch": 3, "validator_index": 6, "head_gwei": 2**62, "target_gwei": 0, "source_gwei": 0, "inclusion_delay_gwei": 0,
             "inactivity_gwei": 0, "response_id": None}]
    in_columns = pa.table({name: pa.array([r[name] for r in rows], pa.string() if name == "response_id" else pa.int64())
                           for name in reversed(list(rows[0]))})
    got = arrow_table(in_columns, columns, chain="ethereum", table="attestation_rewards")
    assert got.equals(arrow_batch(rows, columns, chain="ethereum", table="attestation_rewards"))
    # A declared column the batch lacks is null; an undeclared one is refused; a value that does
    # not fit its column names the table and column.
    partial = arrow_table(in_columns.drop_columns(["response_id"]), columns, chain="ethereum", table="attestation_rewards")
    assert partial.column("response_id").null_count == 2
    with pytest.raises(ValueError, match=r"attestation_rewards: row keys \['extra'\]"):
        arrow_table(in_columns.append_column("extra", pa.array([1, 2])), columns, chain="ethereum", table="attestation_rewards")
    too_big = in_columns.set_column(in_columns.schema.get_field_index("epoch"), "epoch", pa.array([1, 2**63], pa.uint64()))
    with pytest.raises(ValueError, match="attestation_rewards.epoch: a value does not fit int64"):
        arrow_table(too_big, columns, chain="ethereum", table="attestation_rewards")
