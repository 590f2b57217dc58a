"""books.yaml reaches the warehouse through dlt (raw_books) and dbt builds registry.ownership_*
and registry.cost_* from it with enforced contracts; a bad file stops everything before it runs."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from loaders.cli import app
from tests.support.db import execute, query

runner = CliRunner()
VOTE = "CcaHc2L43ZWjwCHART3oZoJvHLAe9hzT2DJNUpBzoTN1"


def _files(tmp_path, config_files, books: dict | None):
    operators = tmp_path / "operators.yaml"
    operators.write_text(yaml.safe_dump({"operators": [
        {"key": "acme", "name": "Acme", "validators": {"solana": [VOTE], "ethereum": [7, 8]}},
    ]}))
    args = ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]), "--operators", str(operators)]
    if books is not None:
        path = tmp_path / "books.yaml"
        path.write_text(yaml.safe_dump(books, sort_keys=False))
        args += ["--books", str(path)]
    return args


BOOKS = {
    "income_basis": "cash",
    "operators": {"acme": {
        "validator_sets": [
            {"name": "co", "chain": "solana", "validators": "all",
             "terms": [{"from": "2025-01-01", "to": "2025-06-30", "share_pct": "33.333333", "co_owners": {"partner": "33.333333"}},
                       {"from": "2025-07-01", "model": "fee", "fee_bps": {"issuance": 800, "block_fees": 0, "mev": 500}}]},
            {"name": "clients", "chain": "ethereum", "validators": [8], "terms": [{"from": "2025-01-01", "model": "fee", "fee_bps": 1000}]},
        ],
        "costs": [{"name": "hosting", "chain": "solana", "kind": "monthly", "amount": "99.99", "currency": "USD", "from": "2025-01-01"}],
    }},
}


def test_books_are_loaded_and_built_with_constraints(warehouse, tmp_path, config_files):
    args = _files(tmp_path, config_files, BOOKS)
    checked = runner.invoke(app, [*args, "config", "check"])
    assert checked.exit_code == 0 and "books: 3 validator terms, 1 cost lines, income basis cash" in checked.output
    result = runner.invoke(app, [*args, "build", "--select", "+registry"])
    assert result.exit_code == 0, result.output

    assert query(warehouse, "select income_basis from registry.books_settings") == [("cash",)]
    terms = query(warehouse, "select chain, validator, effective_from::text, effective_to::text, model, share_pct, mev_fee_bps "
                             "from registry.ownership_terms order by chain, effective_from")
    assert terms == [
        ("ethereum", "8", "2025-01-01", None, "fee", 100, 1000),
        ("solana", VOTE, "2025-01-01", "2025-06-30", "own", __import__("decimal").Decimal("33.333333"), 10000),
        ("solana", VOTE, "2025-07-01", None, "fee", 100, 500),
    ]
    # The unnamed third: 100 - 33.333333 - 33.333333 = 33.333334%, weights summing to 10^12.
    holders = query(warehouse, "select holder, weight from registry.ownership_holders "
                               "where chain = 'solana' and effective_from = '2025-01-01' and component = 'issuance' order by holder")
    assert holders == [("acme", 333333330000), ("others", 333333340000), ("partner", 333333330000)]
    fee = query(warehouse, "select component, holder, weight from registry.ownership_holders "
                           "where chain = 'solana' and effective_from = '2025-07-01' order by component, holder")
    assert ("block_fees", "client", 1000000000000) in fee and ("mev", "acme", 50000000000) in fee
    assert ("vote_costs", "client", 1000000000000) in fee
    assert query(warehouse, "select cost_line, amount, currency from registry.cost_lines") == [("hosting", __import__("decimal").Decimal("99.99"), "USD")]

    # The contract holds rows loaded by hand: a share above 100 is refused by the warehouse too.
    execute(warehouse, "update raw_books.ownership_terms set share_pct = '101' where chain = 'ethereum'")
    from loaders.dbt_runner import run_dbt
    from loaders.warehouse import open_warehouse

    outcome = run_dbt(open_warehouse(), ["build", "--select", "ownership_terms"])
    assert not outcome.success
    assert any("violates check constraint" in n.message for n in outcome.problems())


def test_an_entry_removed_from_books_yaml_leaves_the_warehouse(warehouse, tmp_path, config_files):
    first = runner.invoke(app, [*_files(tmp_path, config_files, BOOKS), "build", "--select", "+registry"])
    assert first.exit_code == 0, first.output
    smaller = yaml.safe_load(yaml.safe_dump(BOOKS))
    smaller["operators"]["acme"]["costs"] = []
    assert runner.invoke(app, [*_files(tmp_path, config_files, smaller), "build", "--select", "+registry"]).exit_code == 0
    assert query(warehouse, "select count(*) from registry.cost_lines") == [(0,)]
    # No books.yaml at all: empty books, every listed validator its operator's own.
    assert runner.invoke(app, [*_files(tmp_path, config_files, None), "build", "--select", "+registry"]).exit_code == 0
    assert query(warehouse, "select count(*) from registry.ownership_terms") == [(0,)]
    assert query(warehouse, "select income_basis from registry.books_settings") == [("accrual",)]


def test_a_bad_books_file_stops_before_anything_is_written(warehouse, tmp_path, config_files):
    bad = yaml.safe_load(yaml.safe_dump(BOOKS))
    bad["operators"]["acme"]["validator_sets"][0]["terms"][0]["share_pct"] = 150
    bad["operators"]["acme"]["costs"][0]["currency"] = "EUR"
    bad["operators"]["ghost"] = {}
    for command in (["build"], ["run", "--chain", "solana"], ["registry", "load"]):
        result = runner.invoke(app, [*_files(tmp_path, config_files, bad), *command])
        assert result.exit_code == 2, result.output
        assert "3 problem(s) in the config files" in result.stderr
        assert "books.yaml: operators.acme.validator_sets[0].terms[0].share_pct: must be at most 100 (line" in result.stderr
        assert "books.yaml: operators.acme.costs[0].currency: unknown currency 'EUR' (expected USD or SOL for solana) (line" in result.stderr
        assert "books.yaml: operators.ghost: unknown operator 'ghost' (operators.yaml has: acme) (line" in result.stderr
    assert query(warehouse, "select count(*) from pg_namespace where nspname in ('raw_registry', 'raw_books', 'registry')") == [(0,)]
