"""Ethereum end to end: beacon, execution and relay APIs of the simulated network -> dlt -> dbt,
compared with the simulator's ledger, exceptions and principal events (from its model state)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from contextlib import contextmanager
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from loaders.warehouse import aurora_home
from simnet.ethereum.ledger import ethereum_exceptions, ethereum_ledger, principal_flows, proposer_duties, queued_principal
from simnet.ethereum.params import EthereumParams
from simnet.network import NetworkSpec, SimNetwork
from tests.support.db import built_tables, execute, query

runner = CliRunner()
WEI_PER_GWEI = 10**9
DAYS = [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)]
LAST_DAY = date(2025, 1, 4)  # the planted events run to here


class Env:
    def __init__(self, net: SimNetwork, paths: dict, tracked: list[int]):
        self.net, self.paths, self.tracked = net, paths, tracked

    @property
    def model(self):
        return self.net.ethereum

    def run(self, *args: str, build: bool = True, expect: int = 0):
        result = runner.invoke(app, [
            "--chains", str(self.paths["chains"]), "--providers", str(self.paths["providers"]),
            "--operators", str(self.paths["operators"]), "run", "--chain", "ethereum", *args,
            *([] if build else ["--no-build"]),
        ])
        assert result.exit_code == expect, result.output
        return result


def days_args(first: date, last: date) -> list[str]:
    return ["--from-date", first.isoformat(), "--to-date", last.isoformat()]


@contextmanager
def simulated(tmp_path):
    # An archive node: the genesis day's states are older than a pruned node keeps.
    with pytest.MonkeyPatch.context() as patch, SimNetwork(NetworkSpec(solana=None, ethereum=EthereumParams(archive=True))) as net:
        patch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
        patch.setenv("AURORA_HTTP_MAX_RETRY_AFTER_SECONDS", "0.5")
        m = net.ethereum
        m.set_head((m.epochs_of_day(LAST_DAY)[-1] + 3) * m.S)  # 2025-01-04 complete too
        ev = m.events
        tracked = sorted({
            ev.topup_validator, *(v for pair in ev.consolidations for v in pair), ev.exit_validator, ev.slashed_validator,
            ev.offline_validator, ev.deposit_validator, *(m.proposer(slot) for slot in m.mev_anomalies.values()),
            *(m.proposer(slot) for slots in m.relay_anomalies.values() for slot in slots),
            *m.sync_committee(0)[:3], 1, 2, 3, 4, 5,
        })
        paths = net.write_config(tmp_path / "config", timeout_seconds=2.0, retries=4)
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        recipients = sorted({m.expected_fee_recipient(v) for v in tracked})
        paths["operators"].write_text(yaml.safe_dump({"operators": [
            {"key": "acme", "name": "Acme Staking", "validators": {"ethereum": tracked[: len(tracked) // 2]},
             "fee_recipients": {"ethereum": recipients}},
            # the second operator lists pubkeys: matched to indices through the beacon node (the
            # new validator's too, before its deposit has created it)
            {"key": "beta", "name": "Beta Validators",
             "validators": {"ethereum": [m.pubkey(v) for v in tracked[len(tracked) // 2 :]]},
             "fee_recipients": {"ethereum": recipients}},
        ]}))
        yield Env(net, paths, tracked)


@pytest.fixture
def env(warehouse, tmp_path):
    with simulated(tmp_path) as environment:
        yield environment


@pytest.fixture(scope="module")
def loaded(module_warehouse, tmp_path_factory):
    """Every planted event's day loaded once (2025-01-01..04), read by several tests."""
    with simulated(tmp_path_factory.mktemp("ethereum")) as environment:
        environment.run(*days_args(DAYS[0], LAST_DAY))
        yield environment, module_warehouse


def mart(warehouse) -> dict[tuple[str, str], dict]:
    columns = ["validator_key", "period_id", "issuance_base_units", "block_fees_base_units", "mev_base_units",
               "penalties_base_units", "is_final", "period_start", "period_end", "has_data_gaps", "operator",
               "issuance_native", "gross_revenue_native", "net_pnl_native", "native_symbol", "price_usd", "net_pnl_usd"]
    rows = query(warehouse, f"select {', '.join(columns)} from marts.fct_validator_pnl where chain = 'ethereum'")
    return {(r[0], r[1]): dict(zip(columns, r)) for r in rows}


def assert_matches_ledger(env: Env, warehouse, days: list[date]):
    expected = {(r.validator_key, r.period_id): r for r in ethereum_ledger(env.model, days, env.tracked)}
    got = mart(warehouse)
    assert set(expected) == {k for k in got if k[1] in {d.isoformat() for d in days}}
    for key, want in expected.items():
        row = got[key]
        have = (int(row["issuance_base_units"]), int(row["block_fees_base_units"]), int(row["mev_base_units"]),
                int(row["penalties_base_units"]), row["is_final"], row["period_start"], row["period_end"])
        assert have == (want.issuance, want.block_fees, want.mev, want.penalties, want.is_final, want.period_start, want.period_end), key
        assert row["issuance_native"] == Decimal(want.issuance) / 10**18
        assert row["net_pnl_native"] == Decimal(want.issuance + want.block_fees + want.mev) / 10**18
        assert row["native_symbol"] == "ETH" and not row["has_data_gaps"] and row["operator"] in ("acme", "beta")
        close = Decimal(repr(env.net.prices.daily_price("ethereum", date.fromisoformat(key[1]) + timedelta(days=1))))
        assert row["price_usd"] == close
        assert row["net_pnl_usd"] == Decimal(want.issuance + want.block_fees + want.mev) / 10**18 * close


def test_the_mart_equals_the_ledger_and_principal_is_never_income(loaded):
    env, warehouse = loaded
    assert_matches_ledger(env, warehouse, DAYS + [LAST_DAY])

    # Every deposit, top-up, withdrawal and consolidation is a principal flow, to the wei, on the
    # day the state moved it: the deposits when the queue applied them, the consolidations at the
    # transition that processed them (min(balance, effective balance): one source's 32 ETH
    # effective balance, the other's lower balance).
    tracked = {str(v) for v in env.tracked}
    expected_flows = sorted(f for f in principal_flows(env.model, DAYS + [LAST_DAY]) if f[0] in tracked)
    flows = sorted((r[0], r[1], r[2], r[3], int(r[4])) for r in query(
        warehouse, "select validator_key, kind, period_id, slot, amount_base_units from canonical.principal_flows"))
    assert flows == expected_flows
    assert {f[1] for f in flows} == {"deposit", "top_up", "withdrawal", "consolidation_out", "consolidation_in"}
    ev = env.model.events
    assert ev.topup_slot < env.model.epochs_of_day(DAYS[2]).start * 8  # requested a day before it is booked
    assert [f[2] for f in flows if f[1] == "top_up"] == [DAYS[2].isoformat()]
    moved = sorted(-f[4] for f in flows if f[1] == "consolidation_out")
    assert moved == sorted(v * WEI_PER_GWEI for v in env.model.sim.consolidated.values()) and moved[1] == 32 * 10**18 > moved[0]

    # The balances reconcile to the rewards for every validator and day, but for the slashing: an
    # ordinary consolidation or top-up leaves no residual.
    reconciliations = query(warehouse, "select validator_key, period_id, residual_base_units, is_checkable from canonical.balance_reconciliations")
    assert reconciliations and all(r[3] for r in reconciliations)
    residuals = {(r[0], r[1]): int(r[2]) for r in reconciliations if r[2] != 0}
    slashing = [e for e in ethereum_exceptions(env.model, DAYS + [LAST_DAY]) if e.kind == "slashing"]
    assert residuals == {(e.validator_key, e.period_id): e.actual for e in slashing}


def test_queued_principal_is_shown_at_each_day_end(loaded):
    """What the queues hold at each day's end state: the top-up requested late on 2025-01-02, the
    partial withdrawal waiting for its epoch, the consolidations waiting for the sources to become
    withdrawable; all known, and nothing else."""
    env, warehouse = loaded
    tracked = {str(v) for v in env.tracked}
    names = {"deposits": "deposits_queued_base_units", "withdrawals": "withdrawals_queued_base_units",
             "consolidation_out": "consolidation_out_queued_base_units", "consolidation_in": "consolidation_in_queued_base_units"}
    rows = query(warehouse, f"select validator_key, period_id, is_known, {', '.join(names.values())} from canonical.principal_queued")
    assert rows and all(r[2] for r in rows)
    got = {(r[0], r[1]): dict(zip(names, map(int, r[3:]))) for r in rows if any(r[3:])}
    expected = {(v, day.isoformat()): amounts for day in DAYS + [LAST_DAY]
                for v, amounts in queued_principal(env.model, day).items() if v in tracked}
    assert got == expected
    assert {k[1] for k in got} == {DAYS[1].isoformat(), DAYS[2].isoformat()}  # queued across both midnights


def test_slashing_and_mev_anomalies_are_exceptions_not_income(loaded):
    env, warehouse = loaded
    days = DAYS + [LAST_DAY]
    expected = sorted(
        (e.validator_key, e.period_id, e.kind, e.expected, e.actual)
        for e in ethereum_exceptions(env.model, days) if int(e.validator_key) in env.tracked
    )
    got = sorted(
        (r[0], r[1], r[2], None if r[3] is None else int(r[3]), int(r[4]))
        for r in query(warehouse, "select validator_key, period_id, kind, expected_base_units, actual_base_units from marts.fct_validator_exceptions")
    )
    assert got == expected
    assert {g[2] for g in got} == {"slashing", "mev_value_mismatch", "mev_payment_missing", "unexpected_fee_recipient",
                                   "relay_value_disagreement", "relay_not_configured"}
    # relays that disagree: one row per claim, each with its own amount (the lower one too)
    claims = [g for g in got if g[2] == "relay_value_disagreement"]
    assert len(claims) == len(env.model.relays_for(env.model.events.relay_disagreement_slot)) and len({c[3] for c in claims}) == 2
    # a block only an unconfigured relay delivered: its payment is MEV, its priority fees are not income
    paid = env.model.events.unconfigured_relay_slot
    (row,) = query(warehouse, "select is_relayed, has_relay_claim, mev_paid_base_units, priority_fees_base_units "
                              "from canonical.proposals where slot = %s", (paid,))
    assert (row[0], row[1], int(row[2]), int(row[3])) == (True, False, env.model.payloads.block(paid).paid, 0) and row[2] > 0
    # The P&L books what was actually paid: the underpaid block's payment, nothing for the missing one.
    underpaid = env.model.mev_anomalies["mev_value_mismatch"]
    (paid,) = query(warehouse, "select mev_paid_base_units from canonical.proposals where slot = %s", (underpaid,))[0]
    assert int(paid) == env.model.payloads.block(underpaid).paid < env.model.payloads.block(underpaid).relay_value


def test_faults_still_give_the_same_mart(env, warehouse):
    faults = env.net.faults
    faults.add(api="beacon", endpoint="attestation_rewards", kind="rate_limit", retry_after=0.2, times=3)
    faults.add(api="beacon", endpoint="block", kind="server_error", status=502, times=4, after=40)
    faults.add(api="beacon", endpoint="block", kind="truncate", times=2, after=200)
    faults.add(api="beacon", endpoint="validators", kind="slow", delay=2.5, times=1)
    faults.add(api="beacon", endpoint="block_rewards", kind="wrong_type", times=2)
    faults.add(api="beacon", endpoint="attestation_rewards", kind="extra_fields", times=None)
    faults.add(api="execution", endpoint="eth_getBlockReceipts", kind="truncate", times=1)
    faults.add(api="relay_flashbots", endpoint="proposer_payload_delivered", kind="server_error", status=503, times=2)
    faults.add(api="relay_ultrasound", endpoint="proposer_payload_delivered", kind="rate_limit", retry_after=0.1, times=2)
    result = env.run(*days_args(DAYS[1], DAYS[1]))
    assert "no rejected responses" in result.output
    assert all(f.fired == f.times for f in faults.faults if f.times is not None), [(f.api, f.endpoint, f.kind, f.fired) for f in faults.faults]
    assert_matches_ledger(env, warehouse, [DAYS[1]])


def test_an_execution_node_failing_inside_the_days_load_lands_nothing_of_the_day(env, warehouse):
    """The day's execution blocks are fetched while its package is extracted (they stream to the
    COPY path): a node that stops answering there ends the run naming the fees provider, and
    nothing of the day is visible (its package never completes); the next run, the node back,
    lands the day as the ledger says."""
    faults = env.net.faults
    faults.add(api="execution", endpoint="eth_getBlockReceipts", kind="server_error", times=None)
    result = env.run(*days_args(DAYS[1], DAYS[1]), expect=1)
    assert "stopped: ethereum/fees: every provider failed" in result.output
    assert query(warehouse, "select count(*) from raw_ethereum.period_loads where period_id = %s", (DAYS[1].isoformat(),)) == [(0,)]
    epochs = env.model.epochs_of_day(DAYS[1])
    for table in ("beacon_blocks", "sync_committee_rewards"):
        assert query(warehouse, f"select count(*) from raw_ethereum.{table} where slot between %s and %s",
                     (epochs.start * env.model.S, (epochs[-1] + 1) * env.model.S - 1)) == [(0,)], table
    assert query(warehouse, "select status from raw_ethereum.rejected_items where period_id = %s and gap = 'provider_failed:fees'",
                 (DAYS[1].isoformat(),)) == [("rejected",)]
    faults.clear()
    env.run(*days_args(DAYS[1], DAYS[1]))
    assert_matches_ledger(env, warehouse, [DAYS[1]])


def test_a_second_run_adds_nothing(loaded):
    env, warehouse = loaded
    first = mart(warehouse)
    tables = ("attestation_rewards", "beacon_blocks", "withdrawals", "relay_payloads", "validator_states", "execution_transactions")
    counts = {t: query(warehouse, f"select count(*) from raw_ethereum.{t}") for t in tables}
    env.run(*days_args(DAYS[1], DAYS[2]))
    assert mart(warehouse) == first
    for table, n in counts.items():
        assert query(warehouse, f"select count(*) from raw_ethereum.{table}") == n, table


def test_each_validator_days_proposal_duties_are_the_simulators(loaded):
    """canonical.validator_fees counts each tracked validator's duties in a day: due, produced,
    missed (leader_slots_fetched, blocks_produced, blocks_skipped); a validator-day without one has
    zeros. The offline validator's missed blocks are among them."""
    env, warehouse = loaded
    days = [d.isoformat() for d in DAYS + [LAST_DAY]]
    want = proposer_duties(env.model, days, env.tracked)
    rows = query(warehouse, """
        select validator_key, period_id, leader_slots_fetched, blocks_produced, blocks_skipped from canonical.validator_fees
        where chain = 'ethereum' and period_id = any(%s)""", (days,))
    got = {(key, day): counts for key, day, *counts in rows}
    assert {k: tuple(v) for k, v in got.items() if v != [0, 0, 0]} == want
    assert any(missed for _, _, missed in want.values()) and any(made for _, made, _ in want.values())


RESTRICTED_MODELS = ("stake_rewards", "balance_reconciliations", "validator_fees", "validator_meta", "validator_mev",
                     "principal_queued", "principal_flows")
DAY_VIEWS = ("int_ethereum__attestation_rewards_summed", "int_ethereum__validator_days_listed",
             "int_ethereum__validator_meta_joined", "int_ethereum__balances_reconciled", "int_ethereum__principal_queued",
             "int_ethereum__principal_flows_listed", "int_ethereum__deposits_applied", "int_ethereum__proposer_duties_summed")
# The raw columns a build of a few days reads those days' rows by (macros/build_state.sql).
DAY_INDEXES = {"validator_states": "state_slot", "sync_committee_rewards": "slot"}


def test_an_incremental_build_restricts_the_day_views_to_its_periods_and_loses_nothing(loaded):
    """The canonical models that join per-day intermediate views to their build's periods have
    those views compute only those periods (macros/build_period_restriction.sql): each model's
    restriction is the periods it recorded, a restricted view gives exactly the unrestricted
    view's rows of those periods, and the mart still equals the ledger."""
    env, warehouse = loaded
    result = runner.invoke(app, ["--chains", str(env.paths["chains"]), "--providers", str(env.paths["providers"]),
                                 "--operators", str(env.paths["operators"]), "build", "--force"])
    assert result.exit_code == 0, result.output
    restricted = dict(query(warehouse, "select model, build_periods from aurora_control.build_restrictions"))
    recorded = dict(query(warehouse, """
        select model, string_agg(chain || ':' || period_seq, ',' order by chain, period_seq) from aurora_control.build_periods
        group by model"""))
    for model in RESTRICTED_MODELS:
        key = f"canonical.{model}"
        assert restricted[key] == recorded[key] and restricted[key].startswith("ethereum:"), (model, restricted.get(key))
    assert_matches_ledger(env, warehouse, DAYS + [LAST_DAY])

    # One day kept, by the setting the pre-hook sets: the view's rows of that day, no others.
    seqs = dict(query(warehouse, "select day::text, period_seq from intermediate.int_ethereum__days_listed"))
    kept = seqs[DAYS[1].isoformat()]
    for view in DAY_VIEWS:
        everything = query(warehouse, f"select v::text, v.period_seq from intermediate.{view} as v")
        rows = query(warehouse, f"""
            select set_config('aurora.build_periods', 'ethereum:{kept},solana:{kept}', true);
            select v::text, v.period_seq from intermediate.{view} as v""")
        assert rows and sorted(rows) == sorted(r for r in everything if r[1] == kept), view
        assert {r[1] for r in everything} > {kept}, view  # the view holds other days: the restriction removed them
    indexed = set(query(warehouse, "select tablename, indexdef from pg_indexes where schemaname = 'raw_ethereum'"))
    for table, column in DAY_INDEXES.items():
        assert (table, f"CREATE INDEX {table}__{column} ON raw_ethereum.{table} USING btree ({column})") in indexed, table


@pytest.mark.parametrize("table, order", [("validator_states", "state_slot, validator_index"),
                                          ("sync_committee_rewards", "slot, validator_index")])
def test_a_grain_test_reads_new_loads_keys_and_still_fails_on_a_duplicate(loaded, table, order):
    """The grain tests of stg_ethereum__validator_states and stg_ethereum__sync_committee_rewards
    read, after a whole clean build, only the rows of loads no such build has tested and the rows
    sharing their keys (macros/tested_periods.sql, staging_new_rows_scope): a copy of an old row
    in a new load still fails the test, and the build stops before any model reads it."""
    env, warehouse = loaded
    args = ["--chains", str(env.paths["chains"]), "--providers", str(env.paths["providers"]), "--operators", str(env.paths["operators"])]
    test_id = f"unique_combination_of_columns_stg_ethereum__{table}"
    assert query(warehouse, f"select count(*) from raw_ethereum.{table}")[0][0] > 0

    def grain_test() -> dict:
        results = json.loads((aurora_home() / "dbt" / "target" / "run_results.json").read_text())["results"]
        [result] = [r for r in results if test_id in r["unique_id"]]
        return result

    forced = runner.invoke(app, [*args, "build", "--force"])  # tests everything, and records every load tested
    assert forced.exit_code == 0, forced.output
    assert "tested_loads" not in grain_test()["compiled_code"]
    completed = {r[0] for r in query(warehouse, "select load_id from raw_ethereum._dlt_loads where status = 0")}
    assert completed <= {r[0] for r in query(warehouse, "select load_id from aurora_control.tested_loads")}

    def plant_load(load_id: str) -> None:
        execute(warehouse, f"""
            insert into raw_ethereum._dlt_loads (load_id, schema_name, status, inserted_at, schema_version_hash)
            select '{load_id}', schema_name, 0, now(), schema_version_hash from raw_ethereum._dlt_loads order by load_id desc limit 1""")

    # A build of what changed records the loads it tested too: on a daily schedule the test then
    # reads one day's load, not every load since the last whole build.
    plant_load(empty := "9999999998.123456")
    try:
        changed = runner.invoke(app, [*args, "build"])
        assert changed.exit_code == 0 and "building what changed" in changed.output, changed.output
        assert "tested_loads" in grain_test()["compiled_code"]
        assert (empty,) in query(warehouse, "select load_id from aurora_control.tested_loads")
    finally:
        execute(warehouse, f"delete from raw_ethereum._dlt_loads where load_id = '{empty}'")

    planted = "9999999999.123456"
    plant_load(planted)
    execute(warehouse, f"""
        insert into raw_ethereum.{table}
        select (jsonb_populate_record(null::raw_ethereum.{table},
                to_jsonb(s) || '{{"_dlt_load_id": "{planted}", "_dlt_id": "planted"}}')).*
        from raw_ethereum.{table} as s order by {order} limit 1""")
    try:
        failed = runner.invoke(app, [*args, "build"])
        assert failed.exit_code != 0
        result = grain_test()
        assert result["status"] == "fail" and result["failures"] == 1
        assert "tested_loads" in result["compiled_code"]  # scoped to the new load's keys
    finally:
        execute(warehouse, f"delete from raw_ethereum.{table} where _dlt_load_id = '{planted}'")
        execute(warehouse, f"delete from raw_ethereum._dlt_loads where load_id = '{planted}'")
    restored = runner.invoke(app, [*args, "build", "--force"])
    assert restored.exit_code == 0, restored.output
    assert_matches_ledger(env, warehouse, DAYS + [LAST_DAY])


def test_blocks_a_reorg_orphaned_leave_no_stale_rows(loaded):
    """int_ethereum__proposals_classified, int_ethereum__block_rewards_summed and
    canonical.proposals are tables merged by day whose keys come with the data
    (macros/period_merge.sql, period_merge_deletes). When a rebuilt day's blocks are no longer
    produced (reorgs orphaned every block a validator outside the sync committee proposed that
    day), their proposals and the proposer's reward row of that day go, as a view of the same
    select would no longer show them, and it earns no proposer reward that day; the blocks put
    back, all return."""
    env, warehouse = loaded
    args = ["--chains", str(env.paths["chains"]), "--providers", str(env.paths["providers"]), "--operators", str(env.paths["operators"])]
    # The newest day is inside the finality lag: every forced build rebuilds it.
    [(day, proposer)] = query(warehouse, """
        select k.day::text, k.validator_index from intermediate.int_ethereum__block_rewards_summed as k
        where k.day = (select max(day) from intermediate.int_ethereum__days_listed)
          and k.blocks_rewarded > 0 and k.sync_wei = 0 and k.sync_penalties_wei = 0
          and k.validator_index in (select validator_index from intermediate.int_ethereum__proposals_classified)
        order by k.blocks_rewarded, k.validator_index limit 1""")
    slots = [r[0] for r in query(warehouse, f"""
        select slot from intermediate.int_ethereum__proposals_classified where validator_index = {proposer} and day = '{day}'""")]
    listed = ", ".join(map(str, slots))
    stake = f"select proposer_base_units from canonical.stake_rewards where chain = 'ethereum' and validator_key = '{proposer}' and period_id = '{day}'"
    assert slots and query(warehouse, stake)[0][0] > 0
    execute(warehouse, f"create table public.orphaned_rewards as select * from raw_ethereum.block_rewards where slot in ({listed})")
    try:
        execute(warehouse, f"update raw_ethereum.beacon_blocks set produced = false where slot in ({listed})")
        execute(warehouse, f"delete from raw_ethereum.block_rewards where slot in ({listed})")
        orphaned = runner.invoke(app, [*args, "build", "--force"])
        assert orphaned.exit_code == 0, orphaned.output
        assert query(warehouse, f"select count(*) from intermediate.int_ethereum__proposals_classified where slot in ({listed})") == [(0,)]
        assert query(warehouse, f"select count(*) from canonical.proposals where slot in ({listed})") == [(0,)]
        assert query(warehouse, f"""
            select count(*) from intermediate.int_ethereum__block_rewards_summed
            where validator_index = {proposer} and day = '{day}'""") == [(0,)]
        assert query(warehouse, stake) == [(0,)]
    finally:
        execute(warehouse, f"update raw_ethereum.beacon_blocks set produced = true where slot in ({listed})")
        execute(warehouse, "insert into raw_ethereum.block_rewards select * from public.orphaned_rewards")
        execute(warehouse, "drop table public.orphaned_rewards")
    restored = runner.invoke(app, [*args, "build", "--force"])
    assert restored.exit_code == 0, restored.output
    assert query(warehouse, f"select count(*) from intermediate.int_ethereum__proposals_classified where slot in ({listed})") == [(len(slots),)]
    assert query(warehouse, stake)[0][0] > 0
    assert_matches_ledger(env, warehouse, DAYS + [LAST_DAY])

    # Without a record of the loads it consumed (a warehouse built before that record existed),
    # the lookback falls back: it rebuilds the newest days and records '*' for its tests. The
    # delete then keeps to the days of the new rows; every older day's proposals stay.
    proposals = query(warehouse, "select period_seq, count(*) from canonical.proposals group by 1 order by 1")
    assert len(proposals) > 2
    for table in ("build_loads", "build_loads_floor"):
        execute(warehouse, f"delete from aurora_control.{table} where model = 'canonical.proposals'")
    fallback = runner.invoke(app, [*args, "build", "--force"])
    assert fallback.exit_code == 0, fallback.output
    assert ("*",) in query(warehouse, "select chain from aurora_control.build_periods where model = 'canonical.proposals'")
    assert query(warehouse, "select period_seq, count(*) from canonical.proposals group by 1 order by 1") == proposals


def test_a_rebuilt_day_keeps_no_queued_principal_its_queues_no_longer_hold(loaded):
    """canonical.principal_queued lists only the keys with principal in a queue at the day's end
    state, so its keys come and go with the data (period_merge_deletes): a stored row of a rebuilt
    day that the day's queues no longer produce (a reload whose state no longer queues it) goes."""
    env, warehouse = loaded
    args = ["--chains", str(env.paths["chains"]), "--providers", str(env.paths["providers"]), "--operators", str(env.paths["operators"])]
    [(day,)] = query(warehouse, "select max(period_id) from canonical.principal_queued where chain = 'ethereum'")
    open_days = [r[0] for r in query(warehouse, "select period_id from canonical.periods where chain = 'ethereum' and not is_final")]
    assert day in open_days  # inside the window: every forced build rebuilds it
    kept = query(warehouse, "select validator_key, period_id from canonical.principal_queued order by 1, 2")
    execute(warehouse, f"""
        insert into canonical.principal_queued
        select (jsonb_populate_record(q, to_jsonb(q) || '{{"validator_key": "0xplanted"}}')).*
        from canonical.principal_queued as q where chain = 'ethereum' and period_id = '{day}' limit 1""")
    forced = runner.invoke(app, [*args, "build", "--force"])
    assert forced.exit_code == 0, forced.output
    assert query(warehouse, "select validator_key, period_id from canonical.principal_queued order by 1, 2") == kept


def test_the_pnl_mart_is_planned_from_its_true_row_count(loaded):
    """The planner's estimate of fct_validator_pnl's rows decides its joins. The open rejections
    were once summed by a join of the rows with themselves, which the planner estimated at a
    handful of rows whatever the truth. On that estimate it merged the gap codes on the chain
    alone: at 100,000 validators with two days to build, it ran for minutes until stopped. The estimate
    now follows the grid's rows (measured: 1 before, the true count after)."""
    env, warehouse = loaded
    args = ["--chains", str(env.paths["chains"]), "--providers", str(env.paths["providers"]), "--operators", str(env.paths["operators"])]
    forced = runner.invoke(app, [*args, "build", "--force"])
    assert forced.exit_code == 0, forced.output
    sql = (aurora_home() / "dbt" / "target" / "compiled" / "aurora" / "models" / "marts" / "fct_validator_pnl.sql").read_text()
    [(rows,)] = query(warehouse, f"select count(*) from ({sql}) as q")
    [(plan,)] = query(warehouse, f"set local enable_nestloop = off; explain (format json) {sql}")
    estimate = plan[0]["Plan"]["Plan Rows"]
    assert rows > 10 and rows / 2 <= estimate <= rows * 2, (rows, estimate)


def test_a_key_stored_in_an_older_column_order_is_rebuilt_by_the_next_build(loaded):
    """The canonical keys put the period before the validator (macros/table_keys.sql). dbt
    makes a table's constraints and indexes only when it creates the table, so a warehouse built
    before the change keeps the validator first until the model's next build rebuilds the key,
    under its name; an index the config lists and the table lacks is created then too."""
    env, warehouse = loaded
    args = ["--chains", str(env.paths["chains"]), "--providers", str(env.paths["providers"]), "--operators", str(env.paths["operators"])]
    key = "select conname, pg_get_constraintdef(oid) from pg_constraint where conrelid = 'canonical.stake_rewards'::regclass and contype = 'p'"
    [(name, definition)] = query(warehouse, key)
    assert definition == "PRIMARY KEY (chain, period_id, validator_key)"
    rows = query(warehouse, "select * from canonical.stake_rewards order by chain, validator_key, period_id")
    execute(warehouse, f'alter table canonical.stake_rewards drop constraint "{name}", '
                       f'add constraint "{name}" primary key (chain, validator_key, period_id)')
    indexes = "select indexdef from pg_indexes where schemaname = 'canonical' and tablename = 'validator_meta' and indexdef like '%(source_load_id)'"
    [(index,)] = query(warehouse, indexes)
    execute(warehouse, f"drop index canonical.{index.split()[2]}")
    forced = runner.invoke(app, [*args, "build", "--force"])
    assert forced.exit_code == 0, forced.output
    assert query(warehouse, key) == [(name, "PRIMARY KEY (chain, period_id, validator_key)")]
    assert len(query(warehouse, indexes)) == 1
    assert query(warehouse, "select * from canonical.stake_rewards order by chain, validator_key, period_id") == rows


def test_fee_recipients_changed_in_operators_yaml_restate_every_day(loaded):
    """The operators' fee recipients classify every proposal, on every day, and no load names a
    day when operators.yaml changes them: each model that reads them rebuilds every period once
    (macros/fee_recipients_changed.sql), final days too, and holds what a full rebuild gives; the
    list put back, everything is as the ledger says again."""
    env, warehouse = loaded
    args = ["--chains", str(env.paths["chains"]), "--providers", str(env.paths["providers"]), "--operators", str(env.paths["operators"])]
    original = env.paths["operators"].read_text()
    first = DAYS[0].isoformat()
    assert query(warehouse, f"select is_final from canonical.periods where chain = 'ethereum' and period_id = '{first}'") == [(True,)]
    # A block of the first day (final, outside every window) its proposer built and paid to a
    # listed recipient: with that recipient no longer listed, it is a builder's block.
    operators = yaml.safe_load(original)
    listed = operators["operators"][0]["fee_recipients"]["ethereum"]
    [(slot, recipient)] = query(warehouse, f"""
        select slot, fee_recipient from canonical.proposals
        where chain = 'ethereum' and period_id = '{first}' and not is_relayed and lower(fee_recipient) = any(%s)
        order by slot limit 1""", ([r.lower() for r in listed],))
    for operator in operators["operators"]:
        operator["fee_recipients"]["ethereum"] = [r for r in listed if r.lower() != recipient.lower()]
    env.paths["operators"].write_text(yaml.safe_dump(operators))
    try:
        changed = runner.invoke(app, [*args, "build"])
        assert changed.exit_code == 0, changed.output
        assert query(warehouse, f"select is_relayed from canonical.proposals where slot = {slot}") == [(True,)]
        assert query(warehouse, "select chain from aurora_control.build_periods where model = 'canonical.proposals'") == [("*",)]
        incremental = built_tables(warehouse)
        rebuilt = runner.invoke(app, [*args, "build", "--full-refresh"])
        assert rebuilt.exit_code == 0, rebuilt.output
        assert built_tables(warehouse) == incremental
    finally:
        env.paths["operators"].write_text(original)
    restored = runner.invoke(app, [*args, "build"])
    assert restored.exit_code == 0, restored.output
    assert query(warehouse, f"select is_relayed from canonical.proposals where slot = {slot}") == [(False,)]
    assert_matches_ledger(env, warehouse, DAYS + [LAST_DAY])
    # Nothing changed since: the next build rebuilds only the days of its window not final when
    # it started (macros/lookback_periods.sql), the final days before the newest no longer.
    again = runner.invoke(app, [*args, "build", "--force"])
    assert again.exit_code == 0, again.output
    open_days = {r[0] for r in query(warehouse, "select period_seq from canonical.periods where chain = 'ethereum' and not is_final")}
    for model in ("proposals", "stake_rewards", "validator_meta", "balance_reconciliations"):
        recorded = query(warehouse, "select chain, period_seq from aurora_control.build_periods where model = %s", (f"canonical.{model}",))
        assert open_days and {seq for _, seq in recorded} == open_days and {c for c, _ in recorded} == {"ethereum"}, model


def test_the_marts_row_rules_name_the_rule_a_row_breaks(loaded):
    """fct_validator_pnl's row rules are one test, one read of the rows
    (tests/generic/expressions_are_true.sql): a row that breaks one fails it, and the failing row
    names the rule; put right, the test passes."""
    from loaders.dbt_runner import run_dbt

    _, warehouse = loaded
    [(key, period)] = query(warehouse, """
        select validator_key, period_id from marts.fct_validator_pnl where chain = 'ethereum'
        order by period_seq, validator_key limit 1""")
    where = f"chain = 'ethereum' and validator_key = '{key}' and period_id = '{period}'"

    def row_rules() -> tuple[str, int | None, str]:
        outcome = run_dbt(warehouse, ["test", "--select", "fct_validator_pnl_row_rules"], quiet=True)
        [node] = [n for n in outcome.nodes if n.resource_type == "test"]
        [result] = [r for r in json.loads((aurora_home() / "dbt" / "target" / "run_results.json").read_text())["results"]
                    if r["unique_id"].startswith("test.")]
        return node.status, node.failures, result["compiled_code"]

    assert row_rules()[:2] == ("pass", 0)
    execute(warehouse, f"update marts.fct_validator_pnl set net_pnl_base_units = net_pnl_base_units + 1 where {where}")
    try:
        status, failures, sql = row_rules()
        assert (status, failures) == ("fail", 1)
        failing = query(warehouse, f"select validator_key, period_id, failed_expressions from ({sql}) as failing")
        assert failing == [(key, period, "net_pnl")]
    finally:
        execute(warehouse, f"update marts.fct_validator_pnl set net_pnl_base_units = net_pnl_base_units - 1 where {where}")
    assert row_rules()[:2] == ("pass", 0)


def test_a_day_becomes_final_when_its_last_epoch_is_finalized(warehouse, tmp_path, monkeypatch):
    """Finality stalls (8 epochs behind the head): a complete day is loaded but not final, then
    restated by a later incremental run once finality catches up."""
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    spec = NetworkSpec(solana=None, ethereum=EthereumParams(finality_lag_epochs=8))
    with SimNetwork(spec) as net:
        m = net.ethereum
        paths = net.write_config(tmp_path / "config")
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        tracked = [1, 2, 3, m.events.slashed_validator]
        paths["operators"].write_text(yaml.safe_dump({"operators": [{"key": "acme", "name": "Acme", "validators": {"ethereum": tracked}}]}))
        env = Env(net, paths, tracked)
        last_epoch = m.epochs_of_day(DAYS[2])[-1]
        m.set_head((last_epoch + 2) * m.S + 1)  # the day's rewards are served; its last epoch is not finalized
        env.run(*days_args(DAYS[2], DAYS[2]))
        rows = {k: r for k, r in mart(warehouse).items() if k[1] == DAYS[2].isoformat()}
        assert rows and not any(r["is_final"] for r in rows.values())
        assert_matches_ledger(env, warehouse, [DAYS[2]])
        m.set_head((last_epoch + 11) * m.S)  # finalized = last epoch + 3
        result = env.run()  # incremental: restates the non-final day
        assert "2025-01-03" in result.output
        rows = {k: r for k, r in mart(warehouse).items() if k[1] == DAYS[2].isoformat()}
        assert all(r["is_final"] for r in rows.values())
        assert_matches_ledger(env, warehouse, [DAYS[2]])
        # That build ran only what the Ethereum loads feed (loaders/build_state.py); a whole build
        # over the same loads leaves every canonical and mart table as it did.
        assert "building what changed since the last build (source:ethereum+" in result.output
        built = built_tables(warehouse)
        forced = runner.invoke(app, ["--chains", str(paths["chains"]), "--providers", str(paths["providers"]),
                                     "--operators", str(paths["operators"]), "build", "--force"])
        assert forced.exit_code == 0, forced.output
        assert built_tables(warehouse) == built


def test_a_pruned_node_names_the_days_that_need_an_archive_node(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    spec = NetworkSpec(solana=None, ethereum=EthereumParams(archive=False, retention_epochs=110))
    with SimNetwork(spec) as net:
        paths = net.write_config(tmp_path / "config", retries=1)
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump({"operators": [{"key": "acme", "name": "Acme", "validators": {"ethereum": [1, 2, 3]}}]}))
        result = Env(net, paths, [1, 2, 3]).run(*days_args(DAYS[0], DAYS[2]), expect=3)
    assert "need an archive node" in result.output
    assert "2025-01-01" in result.output and "2025-01-02" in result.output
    rows = query(warehouse, "select period_id, validator_key, data_gaps, is_final from marts.fct_validator_pnl where chain = 'ethereum'")
    # The days a pruned node no longer serves keep their rows, flagged; the rest of the range loads.
    by_day = {}
    for day, validator, gaps, final in rows:
        by_day.setdefault(day, []).append((validator, gaps, final))
    assert sorted(by_day) == ["2025-01-01", "2025-01-02", "2025-01-03"]
    for day in ("2025-01-01", "2025-01-02"):
        assert sorted(by_day[day]) == [(v, "history_unavailable", False) for v in ("1", "2", "3")]
    assert all(gaps is None or "history_unavailable" not in gaps for _, gaps, _ in by_day["2025-01-03"])


def test_a_chains_file_that_disagrees_with_the_node_is_refused(env, warehouse):
    data = yaml.safe_load(env.paths["chains"].read_text())
    data["chains"]["ethereum"]["slots_per_epoch"] = 32
    env.paths["chains"].write_text(yaml.safe_dump(data))
    result = env.run(expect=2)
    assert "chains.ethereum: slots_per_epoch is 32, the node's SLOTS_PER_EPOCH is 8" in result.output
