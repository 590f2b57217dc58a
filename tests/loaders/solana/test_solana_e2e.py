"""Solana end to end: the simulated network over HTTP -> dlt -> dbt -> marts.fct_validator_pnl,
compared with the simulator's ground-truth ledger (computed from its own model state)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import yaml

from loaders.cli import INVARIANT_ROWS_SQL
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.model import SolanaModel, SolanaParams
from tests.support.db import built_tables, query, view_rules
from tests.support.dbt_results import last_results
from tests.support.solana import S, Env, assert_matches_ledger, lamports, mart, write_operators

# Tracked: Jito with priority-fee sharing and a commission change (0), a raised inflation
# commission (1), Jito without sharing (2), a lowered commission without Jito (3), 100%
# commission (4), one delinquent for an epoch (10) and one delinquent since epoch 6 (11).
TRACKED = [0, 1, 2, 3, 4, 10, 11]


@contextmanager
def simulated(tmp_path, monkeypatch, params: SolanaParams):
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("AURORA_HTTP_MAX_RETRY_AFTER_SECONDS", "0.5")
    with SimNetwork(NetworkSpec(ethereum=None, solana=params)) as net:
        paths = net.write_config(tmp_path / "config", timeout_seconds=1.0, retries=4)
        tracked = [net.solana.validators[i].vote for i in TRACKED]
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        environment = Env(net, paths, tracked)
        write_operators(environment, tracked)
        yield environment


@pytest.fixture
def env(warehouse, tmp_path, monkeypatch):
    # Head: a third into epoch 2; tests move it forward like time passing.
    with simulated(tmp_path, monkeypatch, SolanaParams(head_slot=2 * S + 30)) as environment:
        yield environment


def test_scheduled_runs_reproduce_the_ledger_exactly(env, warehouse):
    """A user running `aurora run` once an epoch: every epoch, every component, to the lamport."""
    env.run()  # first run: the non-final window only
    for _ in range(6):
        env.model.advance(S)
        env.run(build=env.model.current_epoch == 5)  # one build midway: the next one is incremental
    env.build()
    assert_matches_ledger(env, warehouse, range(0, env.model.current_epoch))
    loaded = query(warehouse, "select count(distinct period_id) from marts.fct_validator_pnl where chain = 'solana'")
    assert loaded == [(env.model.current_epoch,)]
    # Incremental builds equal a build from scratch.
    before = mart(warehouse)
    env.build("--full-refresh")
    assert mart(warehouse) == before


def test_a_second_run_adds_nothing(env, warehouse):
    env.model.advance(3 * S)
    env.run("--from-epoch", "2", "--to-epoch", "4", build=True)
    first = mart(warehouse)
    counts = {t: query(warehouse, f"select count(*) from raw_solana.{t}")
              for t in ("inflation_rewards", "blocks", "jito_validators", "epoch_credits", "leader_slots", "epoch_boundaries")}
    env.run("--from-epoch", "2", "--to-epoch", "4", build=True)
    assert mart(warehouse) == first
    for table, n in counts.items():
        assert query(warehouse, f"select count(*) from raw_solana.{table}") == n, table


def test_faults_still_give_the_same_mart(env, warehouse):
    env.model.advance(4 * S)
    faults = env.net.faults
    faults.add(api="solana_rpc", endpoint="getInflationReward", kind="rate_limit", retry_after=0.2, times=2)
    # A batch counts once per call it carries: keep any one request's failures within retries (4).
    faults.add(api="solana_rpc", endpoint="getBlock", kind="server_error", status=503, times=2)
    faults.add(api="solana_rpc", endpoint="getBlock", kind="truncate", times=2, after=60)
    faults.add(api="solana_rpc", endpoint="getBlock", kind="extra_fields", times=None)
    faults.add(api="solana_rpc", endpoint="getVoteAccounts", kind="slow", delay=1.5, times=1)
    faults.add(api="solana_rpc", endpoint="getLeaderSchedule", kind="wrong_type", times=1)
    faults.add(api="jito", endpoint="validators", kind="truncate", times=1)
    faults.add(api="jito", endpoint="validators", kind="rate_limit", retry_after=0.1, times=1, after=2)
    result = env.run("--from-epoch", "2", "--to-epoch", "5", build=True)
    assert "no rejected responses" in result.output
    assert all(f.fired == f.times for f in faults.faults if f.times is not None), [(f.endpoint, f.kind, f.fired) for f in faults.faults]
    assert_matches_ledger(env, warehouse, range(2, 6))
    # Every failed attempt is archived, and each was retried once.
    fired = sum(f.fired for f in faults.faults if f.kind != "extra_fields")
    assert query(warehouse, "select count(*) from raw_solana.http_responses where attempt > 1") == [(fired,)]


def test_a_permanently_malformed_block_is_reported_and_nothing_else_is_lost(env, warehouse):
    env.model.advance(5 * S)  # current epoch 7: any run now stores epoch 6's leader schedule
    env.run("--from-epoch", "5", "--to-epoch", "5")
    env.model.advance(S)  # epoch 6 is now past the finality lag; the node forgot its schedule
    slot, victim = next(
        (s, v) for v in env.tracked for s in env.model.produced_slots(6 * S, 7 * S - 1)
        if env.model.leader(s) == env.model.by_vote[v].index
    )
    # A batch carries 20 blocks, so make every request it is in fail: only the slot's own
    # outcome is malformed (wrong type), the others are fine.
    env.net.faults.add(api="solana_rpc", endpoint="getBlock", kind="wrong_type", path="parentSlot", match={"slot": slot}, times=None)
    result = env.run("--from-epoch", "4", "--to-epoch", "6", build=True, expect=3)
    assert "1 rejected response(s)" in result.output
    assert f"getBlock:slot={slot} [response_rejected]: getBlock: result(slot {slot}).parentSlot: expected an integer" in result.output
    assert "epoch 6: no leader schedule" not in result.output  # the stored schedule was used
    row = mart(warehouse)[(victim, "6")]
    assert row["has_data_gaps"] and not row["is_final"]  # final but for the gap
    assert row["data_gaps"] == "response_rejected"
    lost = env.expected([6])[(victim, "6")]["block_fees"] - lamports(row["block_fees_native"])
    assert lost > 0  # that block's fees, missing, flagged, never silently final
    assert_matches_ledger(env, warehouse, range(4, 7), skip={(victim, "6")})

    env.net.faults.clear()
    env.run(build=True)  # incremental: retries the open rejection's epoch
    assert_matches_ledger(env, warehouse, range(4, 7))
    assert mart(warehouse)[(victim, "6")]["is_final"]
    assert query(warehouse, "select status from raw_solana.rejected_items") == [("resolved",)]


def test_jito_mev_reported_as_zero_then_settled_is_restated_and_becomes_final(env, warehouse):
    env.model.set_head(6 * S + 10)  # epoch 5 complete, its MEV not settled yet
    env.run("--from-epoch", "5", "--to-epoch", "5", build=True)
    jito_validator = env.tracked[0]
    row = mart(warehouse)[(jito_validator, "5")]
    assert row["mev_native"] == 0 and not row["is_final"]
    assert_matches_ledger(env, warehouse, [5])  # 0 is what the provider says for now

    env.model.set_head(7 * S + 10)  # settled, and epoch 5 is now outside the finality lag
    rules = view_rules(warehouse)
    result = env.run(build=True)
    row = mart(warehouse)[(jito_validator, "5")]
    assert row["mev_native"] > 0 and row["is_final"]
    assert_matches_ledger(env, warehouse, [5, 6])

    # That build ran only what raw_solana feeds (loaders/build_state.py); a whole build over the
    # same loads leaves every canonical and mart table as it did.
    assert "building what changed since the last build (source:jito+ source:solana+; its views stand as they are)" in result.output
    # Its views were left out (none rewritten), and the tests over them read the new rows.
    assert view_rules(warehouse) == rules
    ran = set(last_results())
    assert any(uid.startswith("test.aurora.") and "stg_solana__" in uid for uid in ran)
    assert "model.aurora.stake_rewards" in ran and not any(uid.startswith("model.aurora.stg_") for uid in ran)
    # Every node passed and the tests were clean before: the next build still tests by period.
    assert query(warehouse, "select clean from aurora_control.data_tests_clean") == [(True,)]
    built = built_tables(warehouse)
    env.build("--force")
    assert built_tables(warehouse) == built



def test_lineage_traces_a_number_to_the_archived_response(env, warehouse):
    env.model.advance(3 * S)
    env.run("--from-epoch", "3", "--to-epoch", "3", build=True)
    validator = env.tracked[0]
    (issuance,) = query(warehouse, "select issuance_native from marts.fct_validator_pnl where validator_key = %s and period_id = '3'", (validator,))[0]
    lineage = query(warehouse, """
        select l.endpoint, l.http_status, l.body_sha256, b.body, l.has_body, encode(sha256(b.body), 'hex') = l.body_sha256
        from marts.fct_pnl_lineage l join raw_solana.http_bodies b on b.sha256 = l.body_sha256
        where l.validator_key = %s and l.period_id = '3' and l.component = 'issuance'""", (validator,))
    (endpoint, status, sha, body, has_body, checks_in_sql), = lineage
    assert endpoint == "getInflationReward" and status == 200 and has_body and checks_in_sql
    import hashlib

    body = bytes(body)
    assert hashlib.sha256(body).hexdigest() == sha
    assert f'"amount":{lamports(issuance)}' in body.decode()
    components = {r[0] for r in query(warehouse, "select distinct component from marts.fct_pnl_lineage where validator_key = %s and period_id = '3'", (validator,))}
    assert components == {"issuance", "block_fees", "mev", "priority_fee_sharing", "vote_costs"}


def test_a_backfill_beyond_the_nodes_memory_flags_what_it_cannot_know(env, warehouse):
    env.model.set_head(9 * S + 5)  # epoch 9: credits of epochs before 5 are gone from getVoteAccounts
    result = env.run("--from-epoch", "1", "--to-epoch", "2", build=True)
    assert "no leader schedule; scanned all" in result.output
    assert "plan: block scan of epochs 1, 2 (no leader schedule stored and the node no longer keeps it)" in result.output
    rows = mart(warehouse)
    for validator in env.tracked:
        row = rows[(validator, "1")]
        assert row["has_data_gaps"] and not row["is_final"]
        assert row["data_gaps"] == "vote_credits_unobserved"
    # Everything else is still exact.
    expected = env.expected([1, 2])
    for key, want in expected.items():
        assert lamports(rows[key]["issuance_native"]) == want["issuance"]
        assert lamports(rows[key]["block_fees_native"]) == want["block_fees"]
        assert lamports(rows[key]["mev_native"]) == want["mev"]


def test_a_chains_file_that_disagrees_with_the_node_is_refused(env, warehouse):
    data = yaml.safe_load(env.paths["chains"].read_text())
    data["chains"]["solana"]["slots_per_epoch"] = 432000
    env.paths["chains"].write_text(yaml.safe_dump(data))
    result = env.run(expect=2)
    assert "chains.solana.slots_per_epoch is 432000, but the node reports slotsPerEpoch 96" in result.output


def test_a_failed_refetch_of_a_block_already_loaded_is_no_gap(env, warehouse):
    env.model.advance(5 * S)
    env.run("--from-epoch", "6", "--to-epoch", "6")
    slot = next(s for s in env.model.produced_slots(6 * S, 7 * S - 1)
                if env.model.leader(s) in {env.model.by_vote[v].index for v in env.tracked})
    env.net.faults.add(api="solana_rpc", endpoint="getBlock", kind="wrong_type", path="parentSlot", match={"slot": slot}, times=None)
    result = env.run("--from-epoch", "6", "--to-epoch", "6", build=True, expect=3)
    assert "1 rejected response(s)" in result.output  # still reported
    assert_matches_ledger(env, warehouse, [6])  # but the block loaded before stands


def test_network_wide_tracking_and_the_block_scan_setting(env, warehouse):
    """No vote account listed: every validator is tracked; block fees need --scan-all-blocks."""
    env.paths["operators"].write_text(yaml.safe_dump({"operators": []}))
    env.tracked = [v.vote for v in env.model.validators]
    env.model.advance(2 * S)
    env.run("--from-epoch", "2", "--to-epoch", "3", build=True)
    rows = mart(warehouse)
    assert {k[0] for k in rows} == set(env.tracked)
    # Not scanned: block fees are unknown, flagged, never a final 0.
    assert all(r["block_fees_native"] == 0 and "block_fees_not_scanned" in r["data_gaps"] and not r["is_final"]
               for r in rows.values())
    assert any(r["issuance_native"] > 0 for r in rows.values())
    env.block_scan = False
    assert_matches_ledger(env, warehouse, [2, 3], network_wide=True)
    result = env.run("--from-epoch", "2", "--to-epoch", "3", "--scan-all-blocks", build=True)
    assert "plan: block scan of epochs 2, 3 (every block of the network (--scan-all-blocks))" in result.output  # cost first
    env.block_scan = True
    assert_matches_ledger(env, warehouse, [2, 3], network_wide=True)


def test_a_backfill_then_an_incremental_run_plans_from_the_schedule(env, warehouse):
    """A backfill never moves the schedule: the next plain run starts at its finality window and
    names the epochs in between, with the range to load them; `start` widens the schedule."""
    env.model.set_head(12 * S + 30)  # epochs 0..11 complete
    env.run("--from-epoch", "2", "--to-epoch", "3")
    result = env.run()
    out = result.output
    assert "plan: 2 epoch(s) to load: 2 new" in out
    assert "the schedule starts at epoch 10" in out
    assert ("epochs 4..9 are not loaded: they are outside the schedule, which starts at 10; load them with "
            "--from-epoch 4 --to-epoch 9, or set `start` for the chain in chains.yaml") in out
    assert out.index("plan: 2 epoch(s)") < out.index("rows loaded")  # said before loading
    loaded = {r[0] for r in query(warehouse, "select period_seq from raw_solana.period_loads")}
    assert loaded == {2, 3, 10, 11}

    data = yaml.safe_load(env.paths["chains"].read_text())
    data["chains"]["solana"]["start"] = 2
    env.paths["chains"].write_text(yaml.safe_dump(data))
    result = env.run(build=True)
    # 4..9 are new; 11 waits for Jito (settles 48 slots into epoch 12) and is restated.
    assert "plan: 7 epoch(s) to load: 6 new, 1 restated (within the finality lag)" in result.output
    assert_matches_ledger(env, warehouse, range(2, 12))


def test_a_burned_fee_reward_is_flagged_and_the_build_goes_on(warehouse, tmp_path, monkeypatch):
    """A block whose leader cannot receive its Fee reward (the runtime burns it): the block's
    parts no longer add up to its Fee reward. block_fees stays what the chain paid, the epoch's
    split is null, the row is flagged invariant_failed:fee_split and not final, the rest of the
    mart builds, and the run and the build name the row and exit 1 (docs/pnl.md, "Rejections,
    failures and invariants")."""
    probe = SolanaModel(SolanaParams())
    victim_index = TRACKED[0]
    slot = next(s for s in probe.produced_slots(2 * S, 3 * S - 1) if probe.leader(s) == victim_index)
    params = SolanaParams(head_slot=3 * S + 30, fee_burned_slots=frozenset({slot}))
    with simulated(tmp_path, monkeypatch, params) as env:
        result = env.run("--from-epoch", "2", "--to-epoch", "2", build=True, expect=1)
        victim = env.tracked[0]
        assert "1 P&L row(s) broke a row-level invariant" in result.output
        assert f"solana {victim} 2: invariant_failed:fee_split" in result.output
        ((mismatch,),) = query(warehouse, "select fee_split_mismatch from raw_solana.blocks where slot = %s", (slot,))
        assert mismatch.startswith("Fee reward 0 != base ")
        ((flag, mismatched, base, priority, fees),) = query(warehouse, """
            select has_fee_split_mismatch, blocks_fee_split_mismatched, base_fees_base_units, priority_fees_base_units,
                   block_fees_base_units
            from canonical.validator_fees where validator_key = %s and period_id = '2'""", (victim,))
        want = env.expected([2])[(victim, "2")]
        assert (flag, mismatched, base, priority, fees) == (True, 1, None, None, want["block_fees"])
        assert want["base_fees"] is None and want["priority_fees"] is None  # the ledger says the same
        row = mart(warehouse)[(victim, "2")]
        assert lamports(row["block_fees_native"]) == want["block_fees"] and row["base_fees_native"] is None
        assert "invariant_failed:fee_split" in row["data_gaps"].split(", ") and row["has_data_gaps"]
        assert not row["is_final"] and row["row_state"] == "incomplete"
        assert query(warehouse, "select count(*) from canonical.validator_fees where has_fee_split_mismatch") == [(1,)]
        # Every row of the epoch built and equals the ledger (which states the flag from the
        # model's burned slot): amounts, splits, gaps and finality.
        assert len([k for k in mart(warehouse) if k[1] == "2"]) == len(TRACKED)
        assert_matches_ledger(env, warehouse, [2])
        # A build alone names the row and fails the same way.
        built = env.build(expect=1)
        assert f"solana {victim} 2: invariant_failed:fee_split" in built.output
        # It reads the flagged rows through the mart's partial index, not by a scan of every row.
        [(index,)] = query(warehouse, "select indexrelid::regclass::text from pg_index "
                                      "where indrelid = 'marts.fct_validator_pnl'::regclass and indpred is not null")
        with warehouse.connect() as conn, conn.cursor() as cur:
            cur.execute("set enable_seqscan = off")
            cur.execute("explain " + INVARIANT_ROWS_SQL)
            plan = "\n".join(r[0] for r in cur.fetchall())
        assert index.split(".")[-1] in plan, plan
