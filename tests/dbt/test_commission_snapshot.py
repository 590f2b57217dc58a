"""snapshots.validator_commissions keeps commission history across builds.

Built against the simulated network as in tests/loaders/solana/test_solana_e2e.py: `aurora run`
once an epoch, `aurora build` twice. Between the builds the Solana model changes validator 1's
inflation commission (500 -> 1000 bps at epoch 5), validator 3's (700 -> 0 bps at epoch 6) and
validator 0's Jito MEV commission (800 -> 1000 bps at epoch 6); see simnet/solana/model.py. Every
commission is in basis points.
"""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.model import SolanaParams
from tests.support.db import query

runner = CliRunner()
S = 96  # slots per epoch in the simulated cluster
# 0: Jito with priority-fee sharing, MEV commission changes; 1: inflation commission raised;
# 2: unchanged; 3: commission lowered to 0%, no Jito; 11: unchanged, delinquent from epoch 6.
TRACKED = [0, 1, 2, 3, 11]

HISTORY = """
    select validator_key, commission_bps, mev_commission_bps, priority_fee_commission_bps,
           observed_period_id, dbt_valid_from, dbt_valid_to
    from snapshots.validator_commissions
    where chain = 'solana'
    order by validator_key, dbt_valid_from
"""


@pytest.fixture
def env(warehouse, tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    spec = NetworkSpec(ethereum=None, solana=SolanaParams(head_slot=4 * S + 30))  # a third into epoch 4
    with SimNetwork(spec) as net:
        paths = net.write_config(tmp_path / "config", timeout_seconds=1.0, retries=4)
        votes = [net.solana.validators[i].vote for i in TRACKED]
        paths["operators"] = tmp_path / "config" / "operators.yaml"
        paths["operators"].write_text(yaml.safe_dump({"operators": [
            {"key": "acme", "name": "Acme Staking", "validators": {"solana": votes}},
        ]}))

        def aurora(*args: str) -> None:
            result = runner.invoke(app, [
                "--chains", str(paths["chains"]), "--providers", str(paths["providers"]),
                "--operators", str(paths["operators"]), *args,
            ])
            assert result.exit_code == 0, result.output

        yield net.solana, aurora, dict(zip(TRACKED, votes))


def history(warehouse) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for key, bps, mev, pf, period, valid_from, valid_to in query(warehouse, HISTORY):
        out.setdefault(key, []).append({
            "commission_bps": bps, "mev_commission_bps": mev, "priority_fee_commission_bps": pf,
            "observed_period_id": period, "valid_from": valid_from, "valid_to": valid_to,
        })
    return out


def settings(version: dict) -> tuple:
    return version["commission_bps"], version["mev_commission_bps"], version["priority_fee_commission_bps"], version["observed_period_id"]


def test_commission_changes_between_builds_become_history_rows(env, warehouse):
    model, aurora, vote = env
    aurora("run", "--chain", "solana")  # epochs 2..3 (the non-final window of a first run)
    aurora("build")
    first = history(warehouse)
    assert {v: [settings(x) for x in rows] for v, rows in first.items()} == {
        vote[0]: [(500, 800, 5000, "3")],
        vote[1]: [(500, 800, None, "3")],
        vote[2]: [(1000, 1000, None, "3")],
        vote[3]: [(700, None, None, "3")],
        vote[11]: [(800, None, None, "3")],
    }
    assert all(rows[0]["valid_to"] is None for rows in first.values())

    for _ in range(3):  # scheduled runs during epochs 5, 6 and 7 load epochs 4, 5 and 6
        model.advance(S)
        aurora("run", "--chain", "solana", "--no-build")
    assert model.current_epoch == 7
    aurora("build")
    second = history(warehouse)

    # Changed: the first version is closed exactly when the second opens, and the second is current.
    changed = {
        vote[0]: (500, 1000, 5000, "6"),  # Jito MEV commission 800 -> 1000 bps at epoch 6
        vote[1]: (1000, 800, None, "6"),  # inflation commission 5% -> 10% at epoch 5
        vote[3]: (0, None, None, "6"),  # 7% -> 0% at epoch 6: no inflation reward, read from getVoteAccounts
    }
    for key, new in changed.items():
        old_version, new_version = second[key]
        assert settings(old_version) == settings(first[key][0])
        assert old_version["valid_from"] == first[key][0]["valid_from"]
        assert old_version["valid_to"] == new_version["valid_from"] > old_version["valid_from"]
        assert settings(new_version) == new
        assert new_version["valid_to"] is None
    # Unchanged (delinquency included): still the one version of the first build.
    for key in (vote[2], vote[11]):
        assert second[key] == first[key]

    # A build that sees no change adds nothing (forced: a whole build with nothing new since the
    # last one would not run dbt at all, and so never reach the snapshot).
    aurora("build", "--force")
    assert history(warehouse) == second

    # Upgrading a warehouse whose history kept the inflation commission in percent: the next build
    # converts it in place (the snapshot's pre-hook) and opens no version.
    with warehouse.connect() as conn, conn.cursor() as cur:
        cur.execute("alter table snapshots.validator_commissions add column commission_pct numeric")
        cur.execute("update snapshots.validator_commissions set commission_pct = commission_bps / 100.0")
        cur.execute("alter table snapshots.validator_commissions drop column commission_bps")
        conn.commit()
    aurora("build", "--select", "validator_commissions")
    assert history(warehouse) == second
