"""The `aurora` command: config paths, plain errors, the demo."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from loaders.cli import app

runner = CliRunner()


def test_config_check_reports_what_it_read(config_files):
    result = runner.invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]), "config", "check"])
    assert result.exit_code == 0
    assert "ok: 2 chains, 11 providers, 15 mappings, 0 operators" in result.output


def test_a_bad_file_fails_before_anything_runs_with_the_key_path(config_files, monkeypatch, tmp_path):
    data = yaml.safe_load(config_files["providers"].read_text())
    data["providers"]["jito_kobe"]["requests_per_second"] = 0
    config_files["providers"].write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["--providers", "providers.yaml", "--chains", "chains.yaml", "demo"])
    assert result.exit_code == 2
    assert "providers.yaml: providers.jito_kobe.requests_per_second: must be a number from 0.001 to 10000, got 0" in result.stderr


def test_environment_variables_choose_the_files(config_files, monkeypatch, tmp_path):
    data = yaml.safe_load(config_files["chains"].read_text())
    data["chains"]["solana"]["finality_lag"] = -1
    config_files["chains"].write_text(yaml.safe_dump(data))
    monkeypatch.setenv("AURORA_CHAINS_FILE", str(config_files["chains"]))
    monkeypatch.setenv("AURORA_PROVIDERS_FILE", str(config_files["providers"]))
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert "chains.solana.finality_lag: must be an integer from 0 to 100, got -1" in result.stderr
    # --chains beats the environment
    good = tmp_path / "good.yaml"
    data["chains"]["solana"]["finality_lag"] = 2
    good.write_text(yaml.safe_dump(data))
    assert runner.invoke(app, ["--chains", str(good), "config", "check"]).exit_code == 0


def test_demo_prints_the_registry_from_the_warehouse(warehouse, config_files):
    result = runner.invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]), "demo"])
    assert result.exit_code == 0, result.output
    assert "registry.chain_provider_mappings" in result.output
    assert "relay_ultrasound" in result.output and "lamports (9)" in result.output


def test_dotenv_sets_what_the_shell_did_not(tmp_path, monkeypatch):
    from loaders.dotenv import load_dotenv

    env = tmp_path / ".env"
    env.write_text("# comment\nAURORA_DATABASE_URL='postgresql://a:b@h:1/d'\nexport COINGECKO_API_KEY=abc\nKEEP=from-file\n")
    monkeypatch.delenv("AURORA_DATABASE_URL", raising=False)
    monkeypatch.delenv("COINGECKO_API_KEY", raising=False)
    monkeypatch.setenv("KEEP", "from-shell")
    load_dotenv(env)
    import os

    assert os.environ["AURORA_DATABASE_URL"] == "postgresql://a:b@h:1/d"
    assert os.environ["COINGECKO_API_KEY"] == "abc"
    assert os.environ["KEEP"] == "from-shell"


def test_a_failed_registry_load_does_not_poison_the_next_one(warehouse, config_files):
    """A registry load that fails in the warehouse leaves no package that later loads retry."""
    import dataclasses

    import pytest

    from loaders.cli import load_registry
    from loaders.config import load_config
    from tests.support.db import query

    good = load_config(config_files["chains"], config_files["providers"])
    # Bypassing validation is the only way left to hand the warehouse a value its column refuses.
    broken_chain = good.chains["solana"].model_copy(update={"slot_seconds": 1e30})
    broken = dataclasses.replace(good, chains={**good.chains, "solana": broken_chain})
    with pytest.raises(Exception) as caught:
        load_registry(broken, warehouse)
    assert "step=load" in str(caught.value), caught.value
    load_registry(good, warehouse)
    assert query(warehouse, "select chain, slots_per_epoch from raw_registry.chains order by chain") == [
        ("ethereum", 32), ("solana", 432000)]
    load_registry(good, warehouse)  # and again: nothing pending is left behind
    assert query(warehouse, "select count(*) from raw_registry.chains") == [(2,)]


def test_the_extremes_config_check_accepts_fit_the_warehouse(warehouse, config_files, tmp_path):
    """Every number at the edge of its documented range loads and passes the registry contracts."""
    from tests.support.db import query

    chains = yaml.safe_load(config_files["chains"].read_text())
    chains["chains"]["solana"].update(slots_per_epoch=10_000_000, slot_seconds=0.001, finality_lag=100,
                                      vote_credits_per_vote=1000, lamports_per_signature=1_000_000, decimals=30)
    chains["chains"]["ethereum"].update(slots_per_epoch=1, slot_seconds=3600, finality_lag=0, decimals=30,
                                        consensus_decimals=30, genesis_time="2099-12-31T23:59:59Z")
    providers = yaml.safe_load(config_files["providers"].read_text())
    providers["providers"]["jito_kobe"].update(requests_per_second=10_000, timeout_seconds=3600, retries=100)
    providers["providers"]["coingecko"].update(requests_per_second=0.001, timeout_seconds=0.1, retries=0)
    providers["mappings"][-1]["priority"] = 1000
    operators = {"operators": [{"key": "edge", "name": "E" * 200, "validators": {"ethereum": [0, 2**31 - 1, str(2**31 - 2)]}}]}
    for name, data in (("chains", chains), ("providers", providers)):
        config_files[name].write_text(yaml.safe_dump(data))
    (tmp_path / "operators.yaml").write_text(yaml.safe_dump(operators))
    options = ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]),
               "--operators", str(tmp_path / "operators.yaml")]
    assert runner.invoke(app, [*options, "config", "check"]).exit_code == 0
    result = runner.invoke(app, [*options, "build", "--select", "+registry"])
    assert result.exit_code == 0, result.output
    assert query(warehouse, "select chain, slots_per_epoch, slot_seconds::text, finality_lag, decimals from registry.chains order by chain") == [
        ("ethereum", 1, "3600.000000", 0, 30), ("solana", 10_000_000, "0.001000", 100, 30)]
    assert query(warehouse, "select requests_per_second::text, timeout_seconds::text, retries from registry.providers where provider in ('coingecko', 'jito_kobe') order by provider") == [
        ("0.0010", "0.1000", 0), ("10000.0000", "3600.0000", 100)]
    assert query(warehouse, "select max(priority) from registry.chain_provider_mappings") == [(1000,)]
    assert query(warehouse, "select validator from registry.operator_validators order by validator::bigint") == [
        ("0",), (str(2**31 - 2),), (str(2**31 - 1),)]
