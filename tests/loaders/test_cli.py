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
    assert "providers.yaml: providers.jito_kobe.requests_per_second: must be greater than 0" in result.stderr


def test_environment_variables_choose_the_files(config_files, monkeypatch, tmp_path):
    data = yaml.safe_load(config_files["chains"].read_text())
    data["chains"]["solana"]["finality_lag"] = -1
    config_files["chains"].write_text(yaml.safe_dump(data))
    monkeypatch.setenv("AURORA_CHAINS_FILE", str(config_files["chains"]))
    monkeypatch.setenv("AURORA_PROVIDERS_FILE", str(config_files["providers"]))
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 2
    assert "chains.solana.finality_lag: must be at least 0" in result.stderr
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
