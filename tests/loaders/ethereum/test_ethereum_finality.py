"""Final means complete, Ethereum end to end: a backfill of three days against a pruned beacon
node while a relay and the prices provider are down and one beacon block answers malformed, then
recovery (an archive node, the providers back) and a plain incremental run that heals every gap,
then one more run that fetches nothing. After each run the mart equals the simulator's ledger:
exact numbers, or the gaps the simulated facts imply, never a wrong final row. The loads are
expensive, so the module lives through them once and each test reads one recorded step."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from simnet.ethereum.ledger import ethereum_exceptions, ethereum_ledger
from simnet.ethereum.params import EthereumParams
from simnet.ledger import Facts, Outage
from simnet.network import NetworkSpec, SimNetwork
from tests.support.db import query
from tests.support.network import requests, requests_since

runner = CliRunner()
DAYS = [date(2025, 1, 1), date(2025, 1, 2), date(2025, 1, 3)]
TRACKED = [1, 2, 3, 5]
DOWN_RELAY = "ultrasound"
MART = ["validator_key", "period_id", "issuance_base_units", "block_fees_base_units", "mev_base_units", "penalties_base_units",
        "is_final", "data_gaps", "awaiting", "row_state", "price_usd", "period_start", "period_end"]


class Story:
    def __init__(self, net: SimNetwork, paths: dict, warehouse):
        self.net, self.paths, self.warehouse = net, paths, warehouse
        self.outputs: dict[str, str] = {}
        self.marts: dict[str, dict] = {}
        self.exceptions: dict[str, list] = {}
        self.calls: dict[str, dict[str, int]] = {}
        self.expected: dict[str, dict] = {}
        self.runs: list[int] = []

    @property
    def model(self):
        return self.net.ethereum

    def step(self, name: str, *args: str, expect: int, outages=(), build: bool = True) -> None:
        before = requests(self.net)
        result = runner.invoke(app, ["--chains", str(self.paths["chains"]), "--providers", str(self.paths["providers"]),
                                     "--operators", str(self.paths["operators"]), "run", "--chain", "ethereum", *args,
                                     *([] if build else ["--no-build"])])
        assert result.exit_code == expect, result.output
        self.runs.append(self.model.head_slot)
        self.outputs[name] = result.output
        self.calls[name] = requests_since(self.net, before)
        if not build:
            return
        rows = query(self.warehouse, f"select {', '.join(MART)} from marts.fct_validator_pnl where chain = 'ethereum'")
        self.marts[name] = {(r[0], r[1]): dict(zip(MART, r)) for r in rows}
        self.exceptions[name] = sorted((r[0], r[1], r[2]) for r in query(
            self.warehouse, "select validator_key, period_id, kind from marts.fct_validator_exceptions"))
        facts = Facts(runs=tuple(self.runs), outages=tuple(outages))
        self.expected[name] = {(r.validator_key, r.period_id): r
                               for r in ethereum_ledger(self.model, DAYS, TRACKED, facts=facts)}


@pytest.fixture(scope="module")
def story(module_warehouse, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ethereum_story")
    # A pruned node keeping 120 epochs: the first day's states are gone, the others served.
    spec = NetworkSpec(solana=None, ethereum=EthereumParams(archive=False, retention_epochs=120))
    with pytest.MonkeyPatch.context() as patch, SimNetwork(spec) as net:
        patch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
        patch.setenv("AURORA_HTTP_MAX_RETRY_AFTER_SECONDS", "0.5")
        m = net.ethereum
        m.set_head((m.epochs_of_day(DAYS[-1])[-1] + 4) * m.S)  # the last day complete and finalized
        paths = net.write_config(tmp / "config", timeout_seconds=2.0, retries=2)
        paths["operators"] = tmp / "config" / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump({"operators": [{"key": "acme", "name": "Acme", "validators": {"ethereum": TRACKED}}]}))
        story = Story(net, paths, module_warehouse)

        # One block of the second day carries a tracked validator's withdrawal and answers
        # malformed: the day's balance check sees the balance drop without the withdrawal.
        day2 = m.epochs_of_day(DAYS[1])
        withdrawal = next(e for e in m.principal_events(day2.start * m.S, (day2[-1] + 1) * m.S - 1)
                          if e.kind == "partial_withdrawal" and e.validator_index in TRACKED
                          and m.proposer(e.slot) not in TRACKED)
        story.withdrawal = withdrawal
        net.faults.add(api="beacon", endpoint="block", kind="wrong_type", path="data.message.body.execution_payload.withdrawals",
                       match={"block_id": withdrawal.slot}, times=None)
        net.faults.add(api=f"relay_{DOWN_RELAY}", endpoint="proposer_payload_delivered", kind="server_error", times=None)
        net.faults.add(api="prices", endpoint="market_chart_range", kind="server_error", times=None)
        outages = [
            Outage("mev", frozenset(d.isoformat() for d in DAYS[1:])),
            Outage("prices", frozenset(d.isoformat() for d in DAYS)),
            Outage("rewards", frozenset({DAYS[1].isoformat()}), gap="response_rejected"),
        ]
        story.step("backfill", "--from-date", DAYS[0].isoformat(), "--to-date", DAYS[-1].isoformat(), expect=3, outages=outages)

        # The providers recover and the beacon role now points at an archive node.
        net.faults.clear()
        m.set_archive(True)
        story.step("healed", expect=0)
        story.step("again", expect=0, build=False)
        yield story


def assert_equals_ledger(story: Story, name: str) -> None:
    got, want = story.marts[name], story.expected[name]
    assert set(want) <= set(got), sorted(set(want) - set(got))[:5]
    for key, row in want.items():
        have = got[key]
        codes = (have["data_gaps"], have["awaiting"], have["is_final"])
        assert codes == (", ".join(row.data_gaps) or None, ", ".join(row.awaiting) or None, row.is_final), (key, have, row)
        if row.data_gaps:
            continue  # a row with a gap counts what was loaded; only its flags are compared
        amounts = tuple(int(have[c]) for c in ("issuance_base_units", "block_fees_base_units", "mev_base_units", "penalties_base_units"))
        assert amounts == (row.issuance, row.block_fees, row.mev, row.penalties), key
        close = Decimal(repr(story.net.prices.daily_price("ethereum", date.fromisoformat(key[1]) + timedelta(days=1))))
        assert have["price_usd"] == close


def test_the_backfill_names_every_gap_and_finalizes_nothing_wrong(story):
    assert_equals_ledger(story, "backfill")
    rows = story.marts["backfill"]
    # History pruned on a non-archive node: the day is there, flagged, not skipped.
    day1 = [r for k, r in rows.items() if k[1] == DAYS[0].isoformat()]
    assert len(day1) == len(TRACKED) and all("history_unavailable" in r["data_gaps"] for r in day1)
    # The relay down for the day: its proposers' rows say so; the prices outage: every row.
    m = story.model
    for (validator, day), row in rows.items():
        assert "provider_failed:prices" in row["data_gaps"] and row["price_usd"] is None
        if day != DAYS[0].isoformat():
            epochs = m.epochs_of_day(date.fromisoformat(day))
            proposers = {str(m.proposer(s)) for s in m.produced_slots(epochs.start * m.S, (epochs[-1] + 1) * m.S - 1)}
            assert ("provider_failed:mev" in row["data_gaps"]) == (validator in proposers)
        assert not row["is_final"]
    out = story.outputs["backfill"]
    assert f"history:day={DAYS[0]} [history_unavailable]" in out
    assert "[provider_failed:prices]" in out and "[provider_failed:mev]" in out
    assert "[response_rejected]" in out
    # The provider table counts the prices provider's attempts, failed ones included.
    assert "simnet_prices" in out


def test_the_restatement_removes_the_residual_it_explains(story):
    w = story.withdrawal
    day = DAYS[1].isoformat()
    assert (str(w.validator_index), day, "balance_residual") in story.exceptions["backfill"]
    residual = query(story.warehouse, "select residual_base_units from canonical.balance_reconciliations "
                                      "where validator_key = %s and period_id = %s", (str(w.validator_index), day))
    assert residual == [(0,)] or residual == [(Decimal(0),)]  # healed
    assert (str(w.validator_index), day, "balance_residual") not in story.exceptions["healed"]
    real = sorted((e.validator_key, e.period_id, e.kind) for e in ethereum_exceptions(story.model, DAYS)
                  if int(e.validator_key) in TRACKED)
    assert story.exceptions["healed"] == real


def test_the_next_incremental_run_heals_every_gap(story):
    assert_equals_ledger(story, "healed")
    assert all(r["is_final"] for r in story.marts["healed"].values())
    out = story.outputs["healed"]
    assert "healing open gaps" in out


def test_a_second_run_with_nothing_new_fetches_nothing_already_final(story):
    calls = story.calls["again"]
    assert "plan: 0 day(s) to load" in story.outputs["again"]
    fetched = {k: n for k, n in calls.items() if not k.startswith("beacon/") or k.split("/")[1] not in
               ("genesis", "spec", "finality_checkpoints", "headers")}
    assert fetched == {}, fetched
