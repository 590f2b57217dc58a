"""Solana end to end: the simulated network over HTTP -> dlt -> dbt -> marts.fct_validator_pnl,
compared with the simulator's ground-truth ledger (computed from its own model state)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.ledger import solana_ledger
from simnet.solana.model import SolanaParams
from tests.support.db import query

runner = CliRunner()
S = 96  # slots per epoch in the simulated cluster
# Tracked: Jito with priority-fee sharing and a commission change (0), a raised inflation
# commission (1), Jito without sharing (2), a lowered commission without Jito (3), 100%
# commission (4), one delinquent for an epoch (10) and one delinquent since epoch 6 (11).
TRACKED = [0, 1, 2, 3, 4, 10, 11]


class Env:
    def __init__(self, net: SimNetwork, paths: dict, tracked: list[str]):
        self.net = net
        self.paths = paths
        self.tracked = tracked

    @property
    def model(self):
        return self.net.solana

    def aurora(self, *args: str, expect: int = 0):
        result = runner.invoke(app, [
            "--chains", str(self.paths["chains"]), "--providers", str(self.paths["providers"]),
            "--operators", str(self.paths["operators"]), *args,
        ])
        assert result.exit_code == expect, result.output
        return result

    def run(self, *args: str, build: bool = False, expect: int = 0):
        return self.aurora("run", "--chain", "solana", *args, *([] if build else ["--no-build"]), expect=expect)

    def build(self, *args: str):
        return self.aurora("build", *args)

    def expected(self, epochs) -> dict[tuple[str, str], dict]:
        """The ledger as the providers can report it at the current head: Jito MEV reads 0 until
        it settles (the ledger itself holds the settled truth)."""
        out = {}
        for row in solana_ledger(self.model, epochs, self.tracked, finality_lag=1):
            settled = self.model.mev_settled(int(row.period_id))
            out[(row.validator_key, row.period_id)] = {
                "issuance": row.issuance,
                "block_fees": row.block_fees,
                "base_fees": row.block_fees_base,
                "priority_fees": row.block_fees_priority,
                "mev": row.mev if settled else 0,
                "priority_fee_sharing": row.priority_fee_sharing if settled else 0,
                "vote_costs": row.vote_costs,
                "is_final": row.is_final,
                "period_start": row.period_start,
                "period_end": row.period_end,
            }
        return out


MART_COLUMNS = """validator_key, period_id, issuance_native, block_fees_native, base_fees_native, priority_fees_native,
    mev_native, priority_fee_sharing_native, vote_costs_native, penalties_native, gross_revenue_native, net_pnl_native,
    is_final, period_start, period_end, has_data_gaps, data_gaps, period_type, native_symbol, price_date, price_usd,
    net_pnl_usd"""


def mart(warehouse) -> dict[tuple[str, str], dict]:
    rows = query(warehouse, f"select {MART_COLUMNS} from marts.fct_validator_pnl where chain = 'solana'")
    names = [n.strip() for n in MART_COLUMNS.split(",")]
    return {(r[0], r[1]): dict(zip(names, r)) for r in rows}


def lamports(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 10**9)


def assert_matches_ledger(env: Env, warehouse, epochs, skip: set[tuple[str, str]] = frozenset()):
    expected = env.expected(epochs)
    got = mart(warehouse)
    assert set(expected) <= set(got), f"missing rows: {sorted(set(expected) - set(got))[:5]}"
    for key, want in expected.items():
        if key in skip:
            continue
        row = got[key]
        have = {
            "issuance": lamports(row["issuance_native"]),
            "block_fees": lamports(row["block_fees_native"]),
            "base_fees": lamports(row["base_fees_native"]),
            "priority_fees": lamports(row["priority_fees_native"]),
            "mev": lamports(row["mev_native"]),
            "priority_fee_sharing": lamports(row["priority_fee_sharing_native"]),
            "vote_costs": lamports(row["vote_costs_native"]),
            "is_final": row["is_final"],
            "period_start": row["period_start"],
            "period_end": row["period_end"],
        }
        assert have == want, f"{key}: warehouse {have} != ledger {want}"
        gross = want["issuance"] + want["block_fees"] + want["mev"] - want["priority_fee_sharing"]
        assert row["gross_revenue_native"] == Decimal(gross) / 10**9
        assert row["net_pnl_native"] == Decimal(gross - want["vote_costs"]) / 10**9
        assert row["penalties_native"] == 0 and row["period_type"] == "epoch" and row["native_symbol"] == "SOL"
        # USD at the close of the day the epoch ended on: the simnet's price at the next midnight.
        close = Decimal(repr(env.net.prices.daily_price("solana", want["period_end"].date() + timedelta(days=1))))
        assert row["price_date"] == want["period_end"].date() and row["price_usd"] == close
        assert row["net_pnl_usd"] == Decimal(gross - want["vote_costs"]) / 10**9 * close
        assert not row["has_data_gaps"], (key, row["data_gaps"])


@pytest.fixture
def env(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    monkeypatch.setenv("AURORA_HTTP_MAX_RETRY_AFTER_SECONDS", "0.5")
    # Head: a third into epoch 2; tests move it forward like time passing.
    spec = NetworkSpec(ethereum=None, solana=SolanaParams(head_slot=2 * S + 30))
    with SimNetwork(spec) as net:
        paths = net.write_config(tmp_path / "config", timeout_seconds=1.0, retries=4)
        tracked = [net.solana.validators[i].vote for i in TRACKED]
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump({"operators": [
            {"key": "acme", "name": "Acme Staking", "validators": {"solana": tracked[:4]}},
            {"key": "beta", "name": "Beta Validators", "validators": {"solana": tracked[4:]}},
        ]}))
        yield Env(net, paths, tracked)


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
    result = env.run("--from-epoch", "4", "--to-epoch", "6", build=True)
    assert "1 rejected response(s)" in result.output
    assert f"getBlock:slot={slot}: getBlock: result(slot {slot}).parentSlot: expected an integer" in result.output
    assert "epoch 6: no stored leader schedule" not in result.output  # the stored schedule was used
    row = mart(warehouse)[(victim, "6")]
    assert row["has_data_gaps"] and not row["is_final"]  # final but for the gap
    assert row["data_gaps"] == "1 rejected response(s), retried on the next run"
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
    env.run(build=True)
    row = mart(warehouse)[(jito_validator, "5")]
    assert row["mev_native"] > 0 and row["is_final"]
    assert_matches_ledger(env, warehouse, [5, 6])


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
    assert "no stored leader schedule; scanned all" in result.output
    rows = mart(warehouse)
    for validator in env.tracked:
        row = rows[(validator, "1")]
        assert row["has_data_gaps"] and not row["is_final"]
        assert row["data_gaps"] == "vote credits never observed (load at least every four epochs)"
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
    result = env.run("--from-epoch", "6", "--to-epoch", "6", build=True)
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
    assert all(r["block_fees_native"] == 0 for r in rows.values())  # not scanned: the setting is off
    assert any(r["issuance_native"] > 0 for r in rows.values())
    result = env.run("--from-epoch", "2", "--to-epoch", "3", "--scan-all-blocks", build=True)
    assert "scanned all" in result.output  # the cost is stated
    assert_matches_ledger(env, warehouse, [2, 3])
