"""A build writes dbt's manifest once, when its run ends (loaders/manifest_once.py); `dbt parse`
writes it as ever, and the manifest a build leaves holds its nodes' compiled SQL."""

from __future__ import annotations

import json

import pytest

from loaders.dbt_runner import run_dbt
from loaders.warehouse import aurora_home


@pytest.fixture
def manifest_writes(monkeypatch):
    from dbt.contracts.graph.manifest import Manifest

    writes: list[str] = []
    write = Manifest.write

    def counted(self, path):
        writes.append(path)
        return write(self, path)

    monkeypatch.setattr(Manifest, "write", counted)
    return writes


def test_a_build_writes_the_manifest_once_with_its_compiled_sql(warehouse, config_files, manifest_writes):
    from typer.testing import CliRunner

    from loaders.cli import app

    loaded = CliRunner().invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]),
                                      "registry", "load"])
    assert loaded.exit_code == 0, loaded.output
    manifest = aurora_home() / "dbt" / "target" / "manifest.json"
    manifest.unlink(missing_ok=True)
    built = run_dbt(warehouse, ["build", "--select", "+registry", "--indirect-selection", "cautious"], quiet=True, force=True)
    assert built.success and len(built.nodes) > 10
    assert manifest_writes == [str(manifest)]
    models = {node["name"]: node for node in json.loads(manifest.read_text())["nodes"].values()
              if node["resource_type"] == "model"}
    built_models = [node.name for node in built.nodes if node.resource_type == "model"]
    assert built_models and all(models[name]["compiled"] and "select" in models[name]["compiled_code"].lower()
                                for name in built_models)

    manifest_writes.clear()
    parsed = run_dbt(warehouse, ["parse"], quiet=True)
    assert parsed.success and manifest_writes == [str(manifest)]
