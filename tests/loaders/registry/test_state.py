"""The config files are loaded again only when what they give differs from what the warehouse
holds: unchanged files cost no dlt load, and no path (a changed file, a load by hand, a package an
interrupted run left) leaves rows other than the files' in raw_registry."""

from __future__ import annotations

import yaml

from loaders.books.settings import PIPELINE as BOOKS_PIPELINE
from loaders.cli import load_registry
from loaders.config import load_config
from loaders.pipeline import make_pipeline
from loaders.registry import registry_source
from loaders.registry.settings import DATASET, PIPELINE
from tests.support.db import execute, query


def _config(config_files, tmp_path, validators: list[int]):
    operators = tmp_path / "operators.yaml"
    operators.write_text(yaml.safe_dump({"operators": [{"key": "acme", "name": "Acme", "validators": {"ethereum": validators}}]}))
    return load_config(config_files["chains"], config_files["providers"], operators)


def _loads(warehouse) -> tuple[int, int]:
    return tuple(query(warehouse, f"select count(*) from {d}._dlt_loads where status = 0")[0][0] for d in ("raw_registry", "raw_books"))


def _validators(warehouse) -> list[str]:
    return [v for (v,) in query(warehouse, "select validator from raw_registry.operator_validators order by validator")]


def test_unchanged_files_are_not_loaded_again_and_a_change_is(warehouse, config_files, tmp_path, capsys):
    first = _config(config_files, tmp_path, [1, 2])
    load_registry(first, warehouse)
    assert _loads(warehouse) == (1, 1) and _validators(warehouse) == ["1", "2"]
    capsys.readouterr()
    load_registry(first, warehouse)
    assert _loads(warehouse) == (1, 1)
    assert "is as the config files say (2 chains" in capsys.readouterr().out
    # A validator added: loaded (both datasets: they are recorded together).
    load_registry(_config(config_files, tmp_path, [1, 2, 3]), warehouse)
    assert _loads(warehouse) == (2, 2) and _validators(warehouse) == ["1", "2", "3"]
    # `always` (aurora registry load) loads the same rows again.
    load_registry(_config(config_files, tmp_path, [1, 2, 3]), warehouse, always=True)
    assert _loads(warehouse) == (3, 3)


def test_a_load_made_elsewhere_is_replaced_by_the_files(warehouse, config_files, tmp_path):
    files = _config(config_files, tmp_path, [1, 2])
    load_registry(files, warehouse)
    # Another config loaded straight through dlt (not recorded): the files' rows come back.
    make_pipeline(PIPELINE, DATASET, warehouse).run(registry_source(_config(config_files, tmp_path, [7])))
    assert _validators(warehouse) == ["7"]
    load_registry(files, warehouse)
    assert _validators(warehouse) == ["1", "2"]
    # The record names a load that is no longer completed (rows of a failed load are invisible).
    execute(warehouse, "update raw_registry._dlt_loads set status = 1 where load_id = (select max(load_id) from raw_registry._dlt_loads)")
    load_registry(files, warehouse)
    assert _loads(warehouse)[0] == 3


def test_a_package_an_interrupted_run_left_is_finished_then_replaced(warehouse, config_files, tmp_path):
    files = _config(config_files, tmp_path, [1, 2])
    load_registry(files, warehouse)
    # A run with other files extracted and normalized its package, then died before loading it.
    other = make_pipeline(PIPELINE, DATASET, warehouse)
    other.extract(registry_source(_config(config_files, tmp_path, [9])))
    other.normalize()
    assert list(other.list_normalized_load_packages())
    # The files are as recorded, but the package lands first and is then replaced by them.
    load_registry(files, warehouse)
    assert _validators(warehouse) == ["1", "2"]
    assert _loads(warehouse) == (3, 2)


def test_with_nothing_left_by_a_run_no_pipeline_is_attached(warehouse, config_files, tmp_path, monkeypatch):
    import loaders.pipeline

    files = _config(config_files, tmp_path, [1, 2])
    load_registry(files, warehouse)
    attached = []
    monkeypatch.setattr(loaders.pipeline, "make_pipeline", lambda *args: attached.append(args[0]) or make_pipeline(*args))
    load_registry(files, warehouse)
    assert attached == [] and _loads(warehouse) == (1, 1)
    # A package left on disk: that pipeline alone is attached to finish it; the files, no longer
    # the latest load, are then loaded again (both pipelines).
    other = make_pipeline(PIPELINE, DATASET, warehouse)
    other.extract(registry_source(_config(config_files, tmp_path, [9])))
    load_registry(files, warehouse)
    assert attached == [PIPELINE, PIPELINE, BOOKS_PIPELINE] and _loads(warehouse) == (3, 2)
    assert _validators(warehouse) == ["1", "2"]
