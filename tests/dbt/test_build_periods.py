"""Builds cost what changed: an incremental model rebuilds the periods of the loads it has not
read yet (aurora_control.build_loads) plus its lookback window, found when it compiles; views and
tables with dependent views are not recreated by a build that changes nothing; unit tests run
until they passed once for the project; data tests of incremental models read the periods the build
rewrote. Correctness is the point: a late load of an old period is rebuilt, the incremental mart
equals a full rebuild's, and a test restricted to periods still fails on a broken row it reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from loaders.warehouse import aurora_home
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.model import SolanaParams
from tests.support.db import execute, query, view_rules
from tests.support.dbt_results import last_results
from tests.support.solana import Env, mart, write_operators

S = 32  # the smallest simulated epoch: cheap history


@pytest.fixture
def env(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    params = SolanaParams(validators=4, slots_per_epoch=S, head_slot=6 * S + S // 3)
    with SimNetwork(NetworkSpec(ethereum=None, solana=params)) as net:
        paths = net.write_config(tmp_path / "config", timeout_seconds=2.0, retries=4)
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        tracked = [v.vote for v in net.solana.validators]
        environment = Env(net, paths, tracked)
        write_operators(environment, tracked)
        yield environment


def compiled_periods(model: str) -> set[int]:
    """The Solana epochs the last build of a canonical model rebuilt (its compiled literal list)."""
    sql = (aurora_home() / "dbt" / "target" / "compiled" / "aurora" / "models" / "canonical" / f"{model}.sql").read_text()
    return {int(n) for n in re.findall(r"\('solana'::text, (\d+)::bigint\)", sql)}


def oids(warehouse) -> dict[str, int]:
    """Every view, and registry.chains (staging views depend on it), by its OID: a new OID is a recreation."""
    return dict(query(warehouse, """
        select n.nspname || '.' || c.relname, c.oid::bigint from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where (n.nspname in ('staging', 'intermediate', 'marts') and c.relkind = 'v')
           or (n.nspname = 'registry' and c.relname = 'chains')"""))


def completed_loads(warehouse) -> str:
    """SQL: the completed loads of every dlt dataset (load_id)."""
    schemas = [r[0] for r in query(warehouse, "select table_schema from information_schema.tables where table_name = '_dlt_loads'")]
    return " union all ".join(f'select load_id from "{s}"._dlt_loads where status = 0' for s in schemas)


def test_builds_rebuild_the_periods_of_new_loads_and_the_lookback_window(env, warehouse, monkeypatch):
    # The suite runs the dbt unit tests here, in one build (tests/conftest.py leaves them out of
    # every other new warehouse's first build); their pass is the build's.
    monkeypatch.setenv("AURORA_DBT_UNIT_TESTS", "once")
    env.run("--from-epoch", "0", "--to-epoch", "5")
    env.build()
    loads = query(warehouse, "select count(*) from raw_solana._dlt_loads where status = 0")[0][0]
    consumed = dict(query(warehouse, "select model, count(*) from aurora_control.build_loads group by model"))
    assert consumed["canonical.stake_rewards"] >= loads  # every raw_solana load (and the registry's, the prices')
    assert query(warehouse, "select count(*) from aurora_control.build_loads_pending") == [(0,)]
    assert any(uid.startswith("unit_test.") for uid in last_results())  # the first build runs the unit tests
    before = oids(warehouse)
    assert len(before) > 60 and "registry.chains" in before
    rules = view_rules(warehouse)
    # A view whose stored hash differs from its SQL's is rebuilt; the others stand untouched.
    execute(warehouse, "comment on view staging.stg_solana__vote_accounts is 'aurora:stale'")

    # Nothing new: dbt is not run at all (loaders/build_state.py).
    skipped = env.build()
    assert "nothing new since the last build" in skipped.output and oids(warehouse) == before
    # The merge (macros/period_merge.sql) leaves a stored row equal to its rebuilt one untouched
    # and restates one that differs; an index duplicating a primary key (tables built before
    # 2026-12-03 had one) is dropped by the next build.
    versions = dict(query(warehouse, "select validator_key || '@' || period_id, xmin::text from canonical.stake_rewards"))
    [(tampered, issuance), (rescaled, _)] = query(warehouse, """
        select validator_key || '@' || period_id, issuance_base_units from canonical.stake_rewards
        where period_seq = 5 order by validator_key limit 2""")
    execute(warehouse, f"update canonical.stake_rewards set issuance_base_units = issuance_base_units + 1 where validator_key || '@' || period_id = '{tampered}'")
    # Equal in value, written differently (a scale of 1): still restated, so a rebuild gives the same text.
    execute(warehouse, f"update canonical.stake_rewards set issuance_base_units = issuance_base_units + 0.0 where validator_key || '@' || period_id = '{rescaled}'")
    rescaled_text = query(warehouse, f"select issuance_base_units::text from canonical.stake_rewards where validator_key || '@' || period_id = '{rescaled}'")[0][0]
    assert rescaled_text.endswith(".0")
    execute(warehouse, "create index stake_rewards_key_again on canonical.stake_rewards (chain, period_id, validator_key)")

    # Forced: only the window (finality lag 1 + margin 1 below the newest epoch, 5) is rebuilt,
    # and of it only what was not final when the build started (epoch 4 is final: 4 + 1 < 6, the
    # head's epoch; macros/lookback_periods.sql); no view or registry table is recreated, and the
    # unit tests, passed for this project, are skipped.
    env.build("--force")
    rewritten = dict(query(warehouse, "select validator_key || '@' || period_id, xmin::text from canonical.stake_rewards"))
    assert rewritten.keys() == versions.keys()
    assert {key for key, xmin in rewritten.items() if versions[key] != xmin} == {tampered, rescaled}
    assert query(warehouse, f"select issuance_base_units from canonical.stake_rewards where validator_key || '@' || period_id = '{tampered}'") == [(issuance,)]
    assert query(warehouse, f"select issuance_base_units::text from canonical.stake_rewards where validator_key || '@' || period_id = '{rescaled}'") == [(rescaled_text.removesuffix(".0"),)]
    assert query(warehouse, "select indexname from pg_indexes where schemaname = 'canonical' and indexname = 'stake_rewards_key_again'") == []
    assert compiled_periods("stake_rewards") == {5}
    assert query(warehouse, "select period_seq from aurora_control.final_periods where chain = 'solana' order by 1") == [(e,) for e in range(5)]
    newest = query(warehouse, "select max(period_seq) from canonical.validator_meta where chain = 'solana'")[0][0]
    assert compiled_periods("validator_meta") == {newest - 1, newest} - set(range(5))
    assert not any(uid.startswith("unit_test.") for uid in last_results())
    assert oids(warehouse) == before
    replaced = {view for view, xmin in view_rules(warehouse).items() if rules[view] != xmin}
    assert replaced == {"staging.stg_solana__vote_accounts"}

    # A new epoch and a late reload of an old one: both rebuilt, besides the window's epoch not
    # final when the build started (5; epoch 4 was final).
    env.model.advance(S)
    env.run("--from-epoch", "6", "--to-epoch", "6")
    env.run("--from-epoch", "1", "--to-epoch", "1")
    monkeypatch.setenv("AURORA_BUILD_LOADS_KEEP_DAYS", "0")  # every load is old enough to prune below
    env.build()
    assert compiled_periods("stake_rewards") == {1, 5, 6}
    assert {1, 6} <= compiled_periods("periods") and not {0, 2, 3} & compiled_periods("periods")

    # The end of that build pruned aurora_control.build_loads: every load each model consumed is
    # at or below the model's floor, and the rows are gone.
    newest = query(warehouse, f"select max(load_id::numeric) from ({completed_loads(warehouse)}) as c")[0][0]
    floors = dict(query(warehouse, "select model, floor_load_id from aurora_control.build_loads_floor"))
    assert floors["canonical.stake_rewards"] == newest and floors["canonical.periods"] == newest
    assert query(warehouse, "select count(*) from aurora_control.build_loads") == [(0,)]
    # What counts as unconsumed is unchanged: a late reload of epoch 2 rebuilds epoch 2 and the
    # window's epoch not final (6; the last build's head, epoch 7, made 5 final).
    env.run("--from-epoch", "2", "--to-epoch", "2")
    env.build()
    assert compiled_periods("stake_rewards") == {2, 6}
    assert query(warehouse, "select count(*) from aurora_control.build_loads") == [(0,)]

    incremental = mart(warehouse)
    rules = view_rules(warehouse)
    env.build("--full-refresh")
    assert mart(warehouse) == incremental
    # Every view too, unchanged or not (one replaced by hand keeps the comment that names its SQL).
    assert not {view for view, xmin in view_rules(warehouse).items() if rules[view] == xmin}
    # Every table it wrote anew was analyzed by the build itself (macros/table_statistics.sql),
    # before its readers were planned: autovacuum sets last_autoanalyze, never last_analyze.
    assert query(warehouse, """
        select s.schemaname || '.' || s.relname from pg_stat_user_tables as s
        where s.schemaname in ('intermediate', 'canonical', 'marts') and s.last_analyze is null""") == []
    env.build("--heal")
    assert mart(warehouse) == incremental

    # Data tests of the incremental canonical models read only the periods this build rewrote,
    # once the last build was whole and clean (macros/tested_periods.sql). A broken row in a
    # rewritten period (6, in the window) fails such a test; one in a period this build did not
    # touch (1) is not read by it, but by the next build, since this one failed.
    fee_test = "expression_is_true_validator_fees_not_has_fee_split_mismatch_or_base_fees_base_units_is_null_and_priority_fees_base_units_is_null"
    execute(warehouse, """
        insert into canonical.validator_fees
        select (jsonb_populate_record(null::canonical.validator_fees,
                to_jsonb(f) || '{"validator_key": "planted", "has_fee_split_mismatch": true, "base_fees_base_units": 1}')).*
        from canonical.validator_fees as f where chain = 'solana' and period_seq = 6 limit 1""")
    execute(warehouse, """
        update canonical.validator_fees set has_fee_split_mismatch = true, base_fees_base_units = 1
        where (chain, validator_key, period_id) in (select chain, validator_key, period_id from canonical.validator_fees
                                                     where chain = 'solana' and period_seq = 1 limit 1)""")

    def fee_test_run() -> tuple[int, str]:
        results = json.loads(Path(aurora_home() / "dbt" / "target" / "run_results.json").read_text())["results"]
        [result] = [r for r in results if fee_test in r["unique_id"]]
        return result["failures"], result["compiled_code"]

    env.build("--select", "validator_fees", expect=1)  # rebuilds the window (5, 6): the planted row stays
    failures, sql = fee_test_run()
    # epoch 6's row only; the periods are a literal list, which the planner reads through the
    # table's (chain, period_seq) index
    assert failures == 1 and "(chain = 'solana' and period_seq = any('{6}'::bigint[]))" in sql, sql
    env.build("--select", "validator_fees", expect=1)  # the last build failed: everything is tested
    failures, sql = fee_test_run()
    assert failures == 2 and "period_seq = any(" not in sql
    execute(warehouse, "delete from canonical.validator_fees where validator_key = 'planted'")
    env.build("--select", "validator_fees", expect=1)
    assert fee_test_run()[0] == 1  # epoch 1's row, still tested in full
    env.build("--heal")  # rebuilds every period (epoch 1 restated): clean again
    execute(warehouse, """
        update canonical.validator_fees set has_fee_split_mismatch = true, base_fees_base_units = 1
        where (chain, validator_key, period_id) in (select chain, validator_key, period_id from canonical.validator_fees
                                                     where chain = 'solana' and period_seq = 1 limit 1)""")
    env.build("--select", "validator_fees")  # epoch 1 is not rewritten, so not read
    assert fee_test_run()[0] == 0
    env.build("--force", "--select", "validator_fees", expect=1)  # --force tests everything
    assert fee_test_run()[0] == 1

    # `relationships` reads every period, by the values of its column, through an index that
    # leads with it (macros/relationships_by_values.sql); a value the parent lacks fails it with
    # each of its rows, as dbt's version does.
    execute(warehouse, """
        insert into canonical.validator_fees
        select (jsonb_populate_record(null::canonical.validator_fees,
                to_jsonb(f) || jsonb_build_object('chain', 'planted', 'validator_key', 'planted' || n))).*
        from (select * from canonical.validator_fees where chain = 'solana' and period_seq = 1 limit 1) as f,
             generate_series(1, 2) as n""")
    env.build("--select", "validator_fees", "--select", "relationships_validator_fees_chain__chain__ref_chains_", expect=1)
    results = json.loads(Path(aurora_home() / "dbt" / "target" / "run_results.json").read_text())["results"]
    [chain_test] = [r for r in results if r["unique_id"].startswith("test.aurora.relationships_validator_fees_chain_")]
    assert chain_test["failures"] == 2 and "child_values" in chain_test["compiled_code"]
    execute(warehouse, "delete from canonical.validator_fees where chain = 'planted'")

    # The lineage's join inputs are tested (not the view): a source row whose archived response is
    # gone fails the build.

    execute(warehouse, "delete from raw_solana.http_responses where response_id = "
                       "(select response_id from raw_solana.inflation_rewards where response_id is not null limit 1)")
    failed = env.build("--select", "assert_lineage_sources_have_archived_responses", expect=1)
    assert "assert_lineage_sources_have_archived_responses" in failed.output


def pnl_rows(warehouse) -> list[tuple]:
    """Every row of the P&L tables rebuilt by period, as text, sorted: what a full rebuild must restate."""
    return query(warehouse, """
        select 'grid', g::text from intermediate.int_pnl_grid as g
        union all select 'gaps', g::text from intermediate.int_pnl_gaps_listed as g
        union all select 'mart', m::text from marts.fct_validator_pnl as m
        union all select 'books', b::text from intermediate.int_books__validator_days_apportioned as b
        union all select 'split', s::text from intermediate.int_books__validator_days_split as s
        union all select 'chain days', c::text from intermediate.int_books__chain_period_days as c
        union all select 'invariants', i::text from intermediate.int_invariants_failed as i
        order by 1, 2""")


def rebuilt(warehouse, model: str) -> set:
    """The periods the last build of a table rebuilt by period took from its queue ('*': all)."""
    rows = query(warehouse, "select chain, period_seq from aurora_control.build_periods where model = %s", (model,))
    return {"*"} if any(chain == "*" for chain, _ in rows) else {seq for _, seq in rows}


def test_the_pnl_tables_rebuild_the_periods_whose_inputs_changed(env, warehouse):
    """int_pnl_grid, int_pnl_gaps_listed, fct_validator_pnl, the books' day pieces, their split
    between holders and the chain's period days are rebuilt by period (macros/period_queue.sql): what an incremental model
    rebuilt, the rows not final yet, the periods whose prices changed, everything when the registry,
    an operator or the holders' terms changed. After each step they hold exactly what a full rebuild
    gives, and a table a build did not reach keeps its queue."""
    env.run("--from-epoch", "0", "--to-epoch", "5")
    env.build()
    models = ["intermediate.int_pnl_grid", "intermediate.int_pnl_gaps_listed", "marts.fct_validator_pnl",
              "intermediate.int_books__validator_days_apportioned", "intermediate.int_books__validator_days_split",
              "intermediate.int_books__chain_period_days"]
    assert {m: rebuilt(warehouse, m) for m in models} == {m: {"*"} for m in models}  # new tables
    assert rebuilt(warehouse, "intermediate.int_invariants_failed") == {"*"}
    assert query(warehouse, "select count(*) from aurora_control.period_queue") == [(0,)]
    first = pnl_rows(warehouse)
    not_final = {int(r[0]) for r in query(warehouse, "select distinct period_id from marts.fct_validator_pnl where not is_final")}

    # Nothing new, forced: what the canonical models rebuilt (their window's epochs not final when
    # the build started: 5; epoch 4 is final) and the rows not final yet, the same in all three.
    env.build("--force")
    window = {5} | not_final
    assert {m: rebuilt(warehouse, m) for m in models} == {m: window for m in models}
    # the failed invariants, from canonical rows only: the periods the canonical models rebuilt
    assert rebuilt(warehouse, "intermediate.int_invariants_failed") == {5}
    assert len(window) < 6 and pnl_rows(warehouse) == first
    assert query(warehouse, "select count(*) from aurora_control.period_queue") == [(0,)]

    # A price restated: the epochs ending on its day are rebuilt, with it (some outside the window).
    [(day, epochs)] = query(warehouse, """
        select price_date, array_agg(distinct period_seq order by period_seq) from marts.fct_validator_pnl
        where chain = 'solana' and price_usd is not null group by price_date order by price_date limit 1""")
    assert set(epochs) - window
    execute(warehouse, "update canonical.daily_prices set price_usd = price_usd + 1 where chain = 'solana' and price_date = %s", (day,))
    env.build("--force")
    assert rebuilt(warehouse, "marts.fct_validator_pnl") == window | set(epochs)
    assert rebuilt(warehouse, "intermediate.int_pnl_grid") == window | set(epochs)
    assert rebuilt(warehouse, "intermediate.int_invariants_failed") == {5}
    prices = query(warehouse, "select distinct m.price_usd = p.price_usd from marts.fct_validator_pnl as m "
                              "join canonical.daily_prices as p on p.chain = m.chain and p.price_date = m.price_date")
    assert prices == [(True,)]
    # (put back: a full rebuild reads the price from staging, and the next step rebuilds every period)
    execute(warehouse, "update canonical.daily_prices set price_usd = price_usd - 1 where chain = 'solana' and price_date = %s", (day,))

    # operators.yaml changed, nothing loaded: a validator no longer tracked and its operator
    # renamed. Every period, without its rows, with the new name (canonical.validator_identities
    # restates a stored validator whose operator changed; before, the old name stayed until a load).
    write_operators(env, env.tracked[:3])
    env.paths["operators"].write_text(env.paths["operators"].read_text().replace("acme", "acme_two"))
    env.build("--force")
    assert {m: rebuilt(warehouse, m) for m in models} == {m: {"*"} for m in models}
    assert {r[0] for r in query(warehouse, "select distinct validator_key from marts.fct_validator_pnl")} == set(env.tracked[:3])
    assert query(warehouse, "select distinct operator from marts.fct_validator_pnl") == [("acme_two",)]
    assert query(warehouse, "select operator, count(*) from canonical.validator_identities group by operator order by 1") == [
        ("acme_two", 3), (None, 1)]

    # A new epoch built up to the grid only: the gaps and the mart keep their queue, and the next
    # build rebuilds it.
    env.model.advance(S)
    env.run("--from-epoch", "6", "--to-epoch", "6")
    env.build("--select", "+int_pnl_grid")
    queued = dict(query(warehouse, "select model, array_agg(period_seq order by period_seq) from aurora_control.period_queue group by model"))
    assert set(queued) == {"int_pnl_gaps_listed", "fct_validator_pnl", "int_books__validator_days_apportioned",
                           "int_books__validator_days_split", "int_books__chain_period_days"}
    assert 6 in queued["fct_validator_pnl"] and queued["int_books__validator_days_apportioned"] == queued["fct_validator_pnl"]
    assert queued["int_books__validator_days_split"] == queued["fct_validator_pnl"]
    assert queued["int_books__chain_period_days"] == queued["fct_validator_pnl"]
    assert query(warehouse, "select count(*) from marts.fct_validator_pnl where period_seq = 6") == [(0,)]
    env.build()
    assert set(queued["fct_validator_pnl"]) <= rebuilt(warehouse, "marts.fct_validator_pnl")
    assert query(warehouse, "select count(*) from aurora_control.period_queue") == [(0,)]
    split_before = query(warehouse, "select distinct holder from intermediate.int_books__validator_days_split")
    assert split_before == [("acme_two",)]

    # A table an older Aurora built holds pieces of validators without an operator: the first build
    # after the change deletes them, whatever periods it rebuilds (once: aurora_control.migrations_done).
    execute(warehouse, """insert into intermediate.int_books__validator_days_apportioned
        (chain, validator_key, operator, period_id, period_seq, day, component, amount_base_units)
        values ('solana', 'nobodys', null, '1000', 1000, '2025-01-01', 'issuance', 5)""")
    execute(warehouse, "delete from aurora_control.migrations_done")
    env.build("--force")
    assert rebuilt(warehouse, "intermediate.int_books__validator_days_apportioned").isdisjoint({"*", 1000})
    assert query(warehouse, "select count(*) from intermediate.int_books__validator_days_apportioned "
                            "where operator is null") == [(0,)]
    assert query(warehouse, "select name from aurora_control.migrations_done") == [("books_pieces_of_operators_validators_only",)]

    # books.yaml gives the validators a co-owner, nothing loaded: every period is rebuilt and the
    # pieces are split between the operator and the partner.
    books = env.paths["operators"].parent / "books.yaml"
    books.write_text(yaml.safe_dump({"operators": {"acme_two": {"validator_sets": [
        {"name": "co", "chain": "solana", "validators": "all",
         "terms": [{"from": "2000-01-01", "share_pct": "50", "co_owners": {"partner": "50"}}]}]}}}))
    env.aurora("--books", str(books), "build")
    assert {m: rebuilt(warehouse, m) for m in models} == {m: {"*"} for m in models}
    assert query(warehouse, "select holder, count(distinct period_seq) from intermediate.int_books__validator_days_split "
                            "group by holder order by 1") == [("acme_two", 7), ("partner", 7)]
    incremental = pnl_rows(warehouse)
    env.aurora("--books", str(books), "build", "--full-refresh")
    assert pnl_rows(warehouse) == incremental
