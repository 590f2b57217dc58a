"""The merge key is the grain, checked exactly. Every model merged by period (the canonical ones,
int_ethereum__proposals_classified, int_ethereum__block_rewards_summed) merges on its enforced
primary key: Postgres refuses a duplicate or a null key on every write of the model, so the
build fails at the model itself, before any test runs. A grain test
(`unique_combination_of_columns`) on the columns of an enforced primary key could never fail, and
the project has none; a model without one (a staging view, a snapshot) keeps its grain test."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
# The folders whose models carry an enforced contract (dbt_project.yml, `+contract`).
ENFORCED_FOLDERS = ("canonical", "marts", "registry")


def models() -> dict[str, tuple[Path, dict]]:
    out = {}
    for path in sorted((PROJECT / "models").rglob("_*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            out[model["name"]] = (path, model)
    return out


def primary_key(model: dict) -> list[str] | None:
    keys = [c["columns"] for c in model.get("constraints") or [] if c.get("type") == "primary_key"]
    keys += [[column["name"]] for column in model.get("columns") or []
             for c in column.get("constraints") or [] if c.get("type") == "primary_key"]
    assert len(keys) <= 1, f"{model['name']}: more than one primary key"
    return keys[0] if keys else None


def enforced(path: Path, model: dict) -> bool:
    declared = ((model.get("config") or {}).get("contract") or {}).get("enforced")
    folder = path.relative_to(PROJECT / "models").parts[0]
    return declared if declared is not None else folder in ENFORCED_FOLDERS


def grain_tests(model: dict) -> list[list[str]]:
    return [test["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
            for test in model.get("data_tests") or []
            if isinstance(test, dict) and "unique_combination_of_columns" in test]


def incremental_models() -> list[Path]:
    """The canonical folder's models (merged by period: dbt_project.yml) and any other model whose
    config merges it so (the tables rebuilt by period through the queue append instead)."""
    canonical = sorted((PROJECT / "models" / "canonical").glob("*.sql"))
    others = [sql for sql in sorted((PROJECT / "models").rglob("*.sql"))
              if sql.parent.name != "canonical" and re.search(r"incremental_strategy\s*=\s*'period_merge'", sql.read_text())]
    return canonical + others


def test_every_incremental_model_merges_on_its_enforced_primary_key():
    declared = models()
    incremental = incremental_models()
    assert len(incremental) >= 16
    assert {"int_ethereum__proposals_classified", "int_ethereum__block_rewards_summed"} <= {sql.stem for sql in incremental}
    for sql in incremental:
        match = re.search(r"unique_key=\[([^\]]*)\]", sql.read_text())
        assert match, f"{sql.name}: no unique_key"
        unique_key = re.findall(r"'([^']+)'", match.group(1))
        path, model = declared[sql.stem]
        assert enforced(path, model), f"{sql.stem}: contract not enforced"
        assert primary_key(model) == unique_key, f"{sql.stem}: unique_key {unique_key} is not the primary key {primary_key(model)}"


def test_no_grain_test_repeats_an_enforced_primary_key():
    repeated = [name for name, (path, model) in models().items()
                if enforced(path, model) and primary_key(model)
                and any(sorted(columns) == sorted(primary_key(model)) for columns in grain_tests(model))]
    assert repeated == []



def test_a_key_of_validator_and_period_puts_the_period_first():
    """A new period's keys then sort after every stored one: its merge fills new index pages at one
    end of the primary key instead of dirtying a page in every part of the history's
    (macros/table_keys.sql)."""
    declared = models()
    checked = []
    for sql in incremental_models():
        key = primary_key(declared[sql.stem][1]) or []
        period = next((column for column in ("period_id", "epoch", "day") if column in key), None)
        if "validator_key" in key and period and sql.parent.name == "canonical" and "slot" not in key:
            checked.append(sql.stem)
            assert key.index(period) < key.index("validator_key"), f"{sql.stem}: {key}"
    assert {"stake_rewards", "validator_meta", "balance_reconciliations", "validator_epoch_rewards"} <= set(checked)
