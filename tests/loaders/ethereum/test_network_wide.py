"""Network-wide Ethereum: every validator, fetched in index ranges and streamed to dlt."""

from __future__ import annotations

import time
import tracemalloc
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa
import pytest
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from loaders.config import ChainConfig, ProviderConfig
from loaders.ethereum.fetch import EthereumFetcher
from loaders.providers import ProviderChain, ProviderClient, ResponseArchive
from loaders.providers.client import HttpSettings
from simnet.ethereum.ledger import ethereum_ledger
from simnet.ethereum.params import EthereumParams
from simnet.network import NetworkSpec, SimNetwork
from tests.support.db import query


def test_one_epoch_of_rewards_for_every_validator_streams_in_bounded_memory(monkeypatch):
    validators, batch_size = 60_000, 5_000
    monkeypatch.setattr("loaders.ethereum.fetch.NETWORK_WIDE_BATCH", batch_size)
    # One answer at a time: tracemalloc also counts the simulator's threads, in this process, which
    # build as many answers at once as are asked (read-ahead is tested in test_fetch.py).
    monkeypatch.setattr("loaders.ethereum.fetch._read_ahead", lambda: 1)
    spec = NetworkSpec(solana=None, ethereum=EthereumParams(validators=validators))
    with SimNetwork(spec) as net:
        m = net.ethereum
        chain = ChainConfig.model_validate(net.chains_config()["chains"]["ethereum"] | {"key": "ethereum"})
        beacon = ProviderConfig(key="beacon", type="beacon", base_url=net.urls["beacon"], requests_per_second=1000,
                                timeout_seconds=60, retries=1)
        archive = ResponseArchive(max_body_bytes=0)  # bodies are hashed, not kept: this measures the rows
        fetcher = EthereumFetcher(chain, beacon_chain=ProviderChain([ProviderClient(beacon, archive, HttpSettings())], "beacon"),
                                  execution_chain=None, relay_clients=[], archive=archive, tracked=[])
        epoch = m.head_epoch - 5
        tracemalloc.start()
        started = time.monotonic()
        seen = batches = largest = 0
        # The batches are arrow tables, whose buffers tracemalloc does not see: arrow's own count
        # of the bytes it holds, taken with each batch in hand.
        arrow_before, arrow_held = pa.total_allocated_bytes(), 0
        for batch in fetcher.iter_attestation_rewards(epoch, None):
            seen += len(batch)
            batches += 1
            largest = max(largest, len(batch))
            arrow_held = max(arrow_held, pa.total_allocated_bytes() - arrow_before)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    existing = m.registry_size((epoch + 1) * m.S)  # the planted deposit adds one validator
    assert seen == existing and batches == existing // batch_size + 1 and largest == batch_size
    # Holding every row at once peaks at ~46 MiB here (measured); a batch at a time stays near one
    # response and its parsed rows, whatever the validator count.
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB for {validators} validators in {time.monotonic() - started:.1f}s"
    # Every batch held at once: 60,000 rows of eight columns, 5.3 MiB (measured); one batch is 5,000 rows.
    assert 0 < arrow_held < 2 * 1024 * 1024, f"arrow held {arrow_held / 2**20:.1f} MiB"



def test_a_days_block_sized_tables_stream_in_bounded_memory():
    """Mainnet's sync committees are 512 validators and its blocks carry ~150-250 transactions:
    3.7M rewards and ~1.3M transactions a day (7,200 blocks). Network-wide, both reach dlt in
    batches while the answers come, a few answers in flight, never all held at once."""
    size = 512
    spec = NetworkSpec(solana=None, ethereum=EthereumParams(validators=640, sync_committee_size=size,
                                                            transactions_per_block=(100, 200)))
    with SimNetwork(spec) as net:
        m = net.ethereum
        m.set_head((m.epochs_of_day(DAY)[-1] + 5) * m.S)
        chain = ChainConfig.model_validate(net.chains_config()["chains"]["ethereum"] | {"key": "ethereum"})
        archive = ResponseArchive(max_body_bytes=0)  # bodies are hashed, not kept: this measures the rows

        def provider(key: str, kind: str) -> ProviderChain:
            config = ProviderConfig(key=key, type=kind, base_url=net.urls[key], requests_per_second=1000, timeout_seconds=60, retries=1)
            return ProviderChain([ProviderClient(config, archive, HttpSettings())], key)

        fetcher = EthereumFetcher(chain, beacon_chain=provider("beacon", "beacon"), execution_chain=provider("execution", "execution_rpc"),
                                  relay_clients=[], archive=archive, tracked=[])
        plan = fetcher.plan(DAY)
        for slot in range(plan.first_slot, plan.last_slot + 1):
            m.payloads.block(slot)  # the simulator (in this process) keeps its payloads: made before measuring
        tracemalloc.start()
        data = fetcher.fetch_day(plan)
        produced = sum(1 for b in data.tables["beacon_blocks"] if b["produced"])
        with pytest.raises(RuntimeError, match="execution_blocks were read before the transactions streamed"):
            data.rows("execution_blocks")
        counts = {}
        for table, key in (("sync_committee_rewards", ("slot", "validator_index")), ("execution_transactions", ("transaction_hash",))):
            rows, batches, blocks = 0, 0, set()
            block_of = "slot" if table == "sync_committee_rewards" else "block_number"
            for batch in data.rows(table):
                if table == "sync_committee_rewards":  # gathered a column at a time, never a dict per row
                    assert isinstance(batch, pa.Table)
                    batch = batch.to_pylist()
                batches += 1
                rows += len(batch)
                # A block's answer is never split across batches: each batch's keys, and its blocks, are new.
                in_batch = {r[block_of] for r in batch}
                assert len({tuple(r[k] for k in key) for r in batch}) == len(batch) and not in_batch & blocks
                blocks |= in_batch
            counts[table] = rows, batches, len(blocks)
        execution_blocks = data.rows("execution_blocks")
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert produced > 400 and counts["sync_committee_rewards"][2] == produced and counts["sync_committee_rewards"][0] == produced * size
    rows, batches, blocks = counts["execution_transactions"]
    assert len(execution_blocks) == blocks == produced and rows == sum(b["transaction_count"] for b in execution_blocks) > 100 * produced
    assert batches >= produced // 50
    # The day's fetch and its two streams: 42 MiB measured (16 of them the simulator's state, in
    # this process; a chunk of 50 full blocks and their receipts is most of the rest); the
    # version that listed every row peaked at 131 MiB here, and grows with the blocks of the day.
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB for {counts}"

# ---------------------------------------------------------------- day grain
DAY = date(2025, 1, 2)
KEPT = [1, 2]  # kept at epoch grain (chains.yaml epoch_grain_validators)


def _run(net_paths: dict, *args: str) -> None:
    result = CliRunner().invoke(app, ["--chains", str(net_paths["chains"]), "--providers", str(net_paths["providers"]),
                                      "--operators", str(net_paths["operators"]), "run", "--chain", "ethereum",
                                      "--from-date", DAY.isoformat(), "--to-date", DAY.isoformat(), *args])
    assert result.exit_code == 0, result.output


def _grain(paths: dict, **settings) -> None:
    chains = yaml.safe_load(paths["chains"].read_text())
    ethereum = chains["chains"]["ethereum"]
    for key in ("network_wide_grain", "epoch_grain_validators"):
        ethereum.pop(key, None)
    ethereum.update(settings)
    paths["chains"].write_text(yaml.safe_dump(chains, sort_keys=False))


def _columns(warehouse, schema: str, table: str) -> list[str]:
    """The table's columns but the load ids and response ids, which name the load, not the number."""
    return [r[0] for r in query(warehouse, "select column_name from information_schema.columns where table_schema = %s "
                                           "and table_name = %s and column_name not in ('source_load_id', 'response_id') "
                                           "order by ordinal_position", (schema, table))]


def _snapshot(warehouse) -> dict[str, list]:
    """Every column of the Ethereum mart rows, their rewards and their balance check, in a stable order."""
    out = {}
    for name, table in (("pnl", "marts.fct_validator_pnl"), ("rewards", "canonical.stake_rewards"),
                        ("reconciliations", "canonical.balance_reconciliations")):
        columns = _columns(warehouse, *table.split("."))
        out[name] = [dict(zip(columns, r)) for r in query(
            warehouse, f"select {', '.join(columns)} from {table} where chain = 'ethereum' order by validator_key, period_id")]
    # The books: no operator listed, so no validator's day is cut into pieces; the chain's day is.
    out["pieces"] = query(warehouse, "select count(*) from intermediate.int_books__validator_days_apportioned")
    out["chain_days"] = query(warehouse, "select period_id, day, period_start, period_end, is_final, data_gaps "
                                         "from intermediate.int_books__chain_period_days where chain = 'ethereum'")
    return out


@pytest.fixture(scope="module")
def both_grains(module_warehouse, tmp_path_factory):
    """One network-wide simulated day loaded at day grain (two validators kept at epoch grain),
    then reloaded at epoch grain, the warehouse read after each."""
    with pytest.MonkeyPatch.context() as patch, \
            SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(archive=True))) as net:
        patch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
        m = net.ethereum
        m.set_head((m.epochs_of_day(DAY)[-1] + 5) * m.S)  # the day complete and finalized
        paths = net.write_config(tmp_path_factory.mktemp("config"), timeout_seconds=5.0, retries=2)
        paths["operators"] = paths["chains"].parent / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump({"operators": []}))  # network-wide
        _grain(paths, epoch_grain_validators=KEPT)  # network-wide lands day grain by default
        _run(paths)
        day = _snapshot(module_warehouse)
        raw = {
            "daily": query(module_warehouse, "select validator_index, count(*) from raw_ethereum.attestation_rewards_daily "
                                             "group by validator_index order by validator_index"),
            "epoch_validators": [r[0] for r in query(module_warehouse, "select distinct validator_index "
                                                                       "from raw_ethereum.attestation_rewards order by 1")],
            "epoch_rewards": [r[0] for r in query(module_warehouse, "select distinct validator_key from "
                                                                    "canonical.validator_epoch_rewards order by 1")],
            "batches": query(module_warehouse, "select epoch, first_index, last_index, entries "
                                               "from raw_ethereum.attestation_rewards_daily_batches order by epoch, first_index"),
            "lineage": query(module_warehouse, "select component, count(distinct response_id) from marts.fct_pnl_lineage "
                                               f"where chain = 'ethereum' and validator_key = '9' and period_id = '{DAY}' "
                                               "and component in ('issuance', 'penalties') group by component order by 1"),
        }
        _grain(paths, network_wide_grain="epoch")
        _run(paths)
        epoch = _snapshot(module_warehouse)
        yield m, day, epoch, raw


def test_day_grain_lands_a_row_per_validator_day_and_equals_the_ledger(both_grains):
    m, day, _epoch, raw = both_grains
    epochs = m.epochs_of_day(DAY)
    size = m.registry_size((epochs[-1] + 1) * m.S)
    # One row per validator and day (not one per epoch); epoch rows only for the validators kept.
    assert [v for v, n in raw["daily"]] == [v for v in range(size) if v not in KEPT] and {n for _, n in raw["daily"]} == {1}
    assert raw["epoch_validators"] == KEPT and raw["epoch_rewards"] == [str(v) for v in KEPT]
    # Every answer of epochs a-2..b was summed: one index range each (fewer validators than a range).
    assert [(e, first) for e, first, _, _ in raw["batches"]] == [(e, 0) for e in range(epochs[0] - 2, epochs[-1] + 1)]
    # Lineage: validator 9's issuance leads to the day's answers (epochs a..b), its penalties too
    # when it has any.
    lineage = dict(raw["lineage"])
    assert lineage["issuance"] >= len(epochs)
    expected = {(r.validator_key, r.period_id): r for r in ethereum_ledger(m, [DAY], None)}
    got = {(r["validator_key"], r["period_id"]): r for r in day["pnl"]}
    assert set(got) == set(expected)
    for key, want in expected.items():
        row = got[key]
        assert (int(row["issuance_base_units"]), int(row["penalties_base_units"]), int(row["block_fees_base_units"]),
                int(row["mev_base_units"]), row["is_final"], row["has_data_gaps"]) == \
            (want.issuance, want.penalties, want.block_fees, want.mev, want.is_final, False), key
    assert any(r["penalties_base_units"] > 0 for r in day["pnl"])  # the day has penalties to sum
    # Nobody's books hold these validators: no day pieces; the chain's day is final, as all its rows are.
    start = datetime(DAY.year, DAY.month, DAY.day, tzinfo=timezone.utc)
    assert day["pieces"] == [(0,)]
    assert day["chain_days"] == [(DAY.isoformat(), DAY, start, start + timedelta(days=1), True, None)]
    assert ("penalties" in lineage) == (got[("9", DAY.isoformat())]["penalties_base_units"] > 0)


def test_the_marts_are_identical_at_day_and_epoch_grain(both_grains):
    _m, day, epoch, _raw = both_grains
    assert day["pnl"] and day["reconciliations"]
    assert day == epoch


def test_the_day_grain_rows_of_a_day_are_read_by_index(both_grains, module_warehouse):
    # The grain test of a build reads the days of new loads through the staging view's `day`: the
    # index the build creates must serve that expression (macros/iso_date.sql), or the test reads
    # every day's rows. Seq scans off: the plan shows whether the index applies, not its cost.
    conn = module_warehouse.connect()
    try:
        with conn.cursor() as cur:
            cur.execute("set local enable_seqscan = off")
            cur.execute("explain select validator_index from staging.stg_ethereum__attestation_rewards_daily "
                        "where day = any(array[%s::date])", (DAY,))
            plan = "\n".join(r[0] for r in cur.fetchall())
            cur.execute("select day, count(*) from staging.stg_ethereum__attestation_rewards_daily group by day")
            days = cur.fetchall()
    finally:
        conn.rollback()
        conn.close()
    assert "attestation_rewards_daily__day" in plan, plan
    assert days and {d for d, _ in days} == {DAY}
