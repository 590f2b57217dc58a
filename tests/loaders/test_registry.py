"""The registry reaches the warehouse through dlt and dbt builds it with enforced contracts."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from tests.support.db import execute, query

runner = CliRunner()


def _aurora(config_files, *args):
    # Tests past the first build only the registry's models: the rest of the project is not theirs.
    result = runner.invoke(
        app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]), *args]
    )
    return result


def _snapshot(warehouse):
    return {
        table: query(warehouse, f"select * from registry.{table} order by 1, 2, 3")
        for table in ("chains", "providers", "chain_provider_mappings")
    }


def test_registry_is_loaded_and_built_with_constraints(warehouse, config_files):
    result = _aurora(config_files, "build")
    assert result.exit_code == 0, result.output
    assert "dbt build succeeded" in result.output

    chains = query(warehouse, "select chain, family, period_type, base_unit, decimals, consensus_unit, finality_lag from registry.chains order by chain")
    assert chains == [
        ("ethereum", "ethereum", "day", "wei", 18, "gwei", 1),
        ("solana", "solana", "epoch", "lamports", 9, None, 2),
    ]
    mev = query(warehouse, "select provider from registry.chain_provider_mappings where chain = 'ethereum' and role = 'mev' order by priority")
    assert mev[0] == ("relay_flashbots",) and len(mev) == 6
    # Only the name of the key's variable is stored.
    assert query(warehouse, "select api_key_env from registry.providers where provider = 'coingecko'") == [("COINGECKO_API_KEY",)]

    kinds = {
        (table, contype)
        for table, contype in query(warehouse, """
            select c.relname, k.contype::text from pg_constraint k join pg_class c on c.oid = k.conrelid
            join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'registry'""")
    }
    assert {("chains", "p"), ("chains", "c"), ("providers", "p"), ("providers", "c")} <= kinds
    assert {("chain_provider_mappings", "p"), ("chain_provider_mappings", "u"), ("chain_provider_mappings", "f")} <= kinds


def test_loading_twice_leaves_the_same_rows(warehouse, config_files):
    assert _aurora(config_files, "build", "--select", "+registry").exit_code == 0
    first = _snapshot(warehouse)
    raw_first = query(warehouse, "select count(*) from raw_registry.chain_provider_mappings")
    assert _aurora(config_files, "build", "--select", "+registry").exit_code == 0
    assert _snapshot(warehouse) == first
    assert query(warehouse, "select count(*) from raw_registry.chain_provider_mappings") == raw_first == [(15,)]


def test_an_entry_removed_from_the_file_leaves_the_warehouse(warehouse, config_files):
    assert _aurora(config_files, "build", "--select", "+registry").exit_code == 0
    data = yaml.safe_load(config_files["providers"].read_text())
    data["mappings"] = [m for m in data["mappings"] if m["provider"] != "relay_titan"]
    del data["providers"]["relay_titan"]
    config_files["providers"].write_text(yaml.safe_dump(data))
    assert _aurora(config_files, "build", "--select", "+registry").exit_code == 0
    assert query(warehouse, "select count(*) from registry.providers where provider = 'relay_titan'") == [(0,)]
    assert query(warehouse, "select count(*) from registry.chain_provider_mappings") == [(14,)]


def test_invalid_config_stops_before_anything_runs(warehouse, config_files):
    data = yaml.safe_load(config_files["providers"].read_text())
    data["mappings"].append({"chain": "solana", "role": "mev", "provider": "jito_kobe", "priority": 1})
    config_files["providers"].write_text(yaml.safe_dump(data))
    result = _aurora(config_files, "build", "--select", "+registry")
    assert result.exit_code == 2
    assert "mappings[15].priority: priority 1 is already used by mappings[" in result.stderr
    assert query(warehouse, "select count(*) from pg_namespace where nspname in ('raw_registry', 'registry')") == [(0,)]


def _raw_row(warehouse, table: str, values: dict):
    load_id = query(warehouse, f"select max(_dlt_load_id) from raw_registry.{table}")[0][0]
    columns = list(values) + ["_dlt_load_id", "_dlt_id"]
    placeholders = ", ".join(["%s"] * len(columns))
    execute(warehouse, f"insert into raw_registry.{table} ({', '.join(columns)}) values ({placeholders})",
            [*values.values(), load_id, "by-hand"])


@pytest.mark.parametrize(
    "table,row,expected",
    [
        ("chain_provider_mappings", {"chain": "solana", "role": "mev", "provider": "coingecko", "priority": 1},
         "duplicate key value violates unique constraint"),
        ("chain_provider_mappings", {"chain": "cosmos", "role": "mev", "provider": "jito_kobe", "priority": 7},
         'violates foreign key constraint'),
    ],
    ids=["duplicate-priority", "unknown-chain"],
)
def test_the_warehouse_enforces_the_rules_on_rows_loaded_by_hand(warehouse, config_files, table, row, expected):
    """Config validation is the first gate; the contracts hold even when raw rows bypass it."""
    from loaders.dbt_runner import run_dbt
    from loaders.warehouse import open_warehouse

    assert _aurora(config_files, "build", "--select", "+registry").exit_code == 0
    _raw_row(warehouse, table, row)
    outcome = run_dbt(open_warehouse(), ["build", "--select", "registry", "--indirect-selection", "cautious"])
    assert not outcome.success
    (problem,) = [n for n in outcome.problems() if n.name == table]
    assert expected in problem.message
    # The previous, valid table is still there: a failed build never half-replaces it.
    assert query(warehouse, "select count(*) from registry.chain_provider_mappings") == [(15,)]


def test_a_check_constraint_rejects_a_zero_rate(warehouse, config_files):
    assert _aurora(config_files, "build", "--select", "+registry").exit_code == 0
    execute(warehouse, "update raw_registry.providers set requests_per_second = 0 where provider = 'jito_kobe'")
    from loaders.dbt_runner import run_dbt
    from loaders.warehouse import open_warehouse

    outcome = run_dbt(open_warehouse(), ["build", "--select", "registry", "--indirect-selection", "cautious"])
    assert not outcome.success
    (problem,) = [n for n in outcome.problems() if n.name == "providers"]
    assert "violates check constraint" in problem.message and "requests_per_second" in problem.message


def test_a_mapping_to_a_provider_of_the_wrong_type_fails_a_data_test(warehouse, config_files):
    assert _aurora(config_files, "build", "--select", "+registry").exit_code == 0
    execute(warehouse, "update raw_registry.chain_provider_mappings set provider = 'local_beacon' where chain = 'solana' and role = 'rewards'")
    from loaders.dbt_runner import run_dbt
    from loaders.warehouse import open_warehouse

    outcome = run_dbt(open_warehouse(), ["build", "--select", "registry", "--indirect-selection", "cautious"])
    assert not outcome.success
    assert [n.name for n in outcome.problems()] == ["assert_mapping_provider_types_fit_roles"]
