"""Every rule of books.yaml (loaders/books/config.py), good and bad, with the message a user reads:
the file, the key path and the line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from loaders.books.config import ConfigError, books_path, load_books
from loaders.config import load_config

ROOT = Path(__file__).resolve().parents[3]
VOTE_A = "CcaHc2L43ZWjwCHART3oZoJvHLAe9hzT2DJNUpBzoTN1"
VOTE_B = "DdaHc2L43ZWjwCHART3oZoJvHLAe9hzT2DJNUpBzoTN1"
ETH_PUBKEY = "0x" + "ab" * 48


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def config(tmp_path):
    operators = tmp_path / "operators.yaml"
    operators.write_text(yaml.safe_dump({"operators": [
        {"key": "acme", "name": "Acme", "validators": {"solana": [VOTE_A, VOTE_B], "ethereum": [12, ETH_PUBKEY]}},
        {"key": "beta", "name": "Beta", "validators": {"solana": []}},
    ]}))
    return load_config(ROOT / "chains.yaml", ROOT / "providers.yaml", operators)


def books(tmp_path, config, text: str):
    path = tmp_path / "books.yaml"
    path.write_text(text)
    return load_books(path, config)


def problems(tmp_path, config, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        books(tmp_path, config, text)
    return caught.value.problems


GOOD = f"""\
income_basis: cash
operators:
  acme:
    validator_sets:
      - name: co_owned
        chain: solana
        validators: [{VOTE_A}]
        terms:
          - from: 2025-01-01
            to: 2025-03-31
            share_pct: 60
            co_owners: {{beta: 25.5}}
          - from: 2025-04-01
            model: fee
            fee_bps: {{issuance: 1000, block_fees: 500, mev: 0}}
            pays_vote_costs: true
      - name: clients
        chain: ethereum
        validators: all
        terms:
          - from: "2025-01-01"
            model: fee
            fee_bps: 1000
    costs:
      - name: hosting
        chain: solana
        kind: monthly
        amount: 1200.50
        currency: usd
        from: 2025-01-01
      - name: hsm
        chain: ethereum
        kind: one_off
        amount: "0.123456789012345678"
        currency: ETH
        date: 2025-02-01
        validators: [12]
"""


def test_a_good_file(tmp_path, config):
    parsed = books(tmp_path, config, GOOD)
    assert parsed.income_basis == "cash"
    terms = {(t.chain, t.validator, t.starts): t for t in parsed.terms}
    assert len(terms) == 4  # one Solana validator x 2 terms, two Ethereum validators x 1
    co_owned = terms[("solana", VOTE_A, date(2025, 1, 1))]
    assert co_owned.share_pct == 60 and co_owned.co_owners == (("beta", Decimal("25.5")),)
    assert co_owned.fee_bps == {"issuance": 10000, "block_fees": 10000, "mev": 10000} and co_owned.pays_vote_costs
    fee = terms[("solana", VOTE_A, date(2025, 4, 1))]
    assert fee.model == "fee" and fee.fee_bps == {"issuance": 1000, "block_fees": 500, "mev": 0} and fee.pays_vote_costs
    # 'all' is the operator's validators in operators.yaml; pubkeys are compared in lower case.
    assert {v for (c, v, _) in terms if c == "ethereum"} == {"12", ETH_PUBKEY}
    assert not terms[("ethereum", "12", date(2025, 1, 1))].pays_vote_costs  # the client pays under fee
    hosting, hsm = parsed.costs
    assert hosting.amount == Decimal("1200.5") and hosting.currency == "USD" and hosting.ends is None
    assert hosting.validators == (VOTE_A, VOTE_B)
    assert hsm.amount == Decimal("0.123456789012345678") and hsm.starts == hsm.ends == date(2025, 2, 1)


def test_no_file_means_own_100_percent_and_no_costs(config, tmp_path, monkeypatch):
    assert load_books(None, config).terms == () and load_books(None, config).income_basis == "accrual"
    assert books_path(tmp_path) is None
    (tmp_path / "books.yaml").write_text("operators: {}\n")
    assert books_path(tmp_path) == tmp_path / "books.yaml"
    monkeypatch.setenv("AURORA_BOOKS_FILE", "/elsewhere/books.yaml")
    assert books_path(tmp_path) == Path("/elsewhere/books.yaml")
    assert books_path(tmp_path, Path("given.yaml")) == Path("given.yaml")


def _one_term(term: str, chain: str = "solana", validators: str = f"[{VOTE_A}]") -> str:
    return f"""\
operators:
  acme:
    validator_sets:
      - name: s
        chain: {chain}
        validators: {validators}
        terms:
          - from: 2025-01-01
{term}
"""


@pytest.mark.parametrize(
    "term,message",
    [
        ("            share_pct: 120", "terms[0].share_pct: must be at most 100 (line 9)"),
        ("            share_pct: -1", "terms[0].share_pct: must be at least 0 (line 9)"),
        ("            share_pct: 33.3333333", "terms[0].share_pct: must have at most 6 decimals (line 9)"),
        ("            share_pct: 80\n            co_owners: {partner: 30}",
         "terms[0].co_owners: shares add up to 110% with the operator's 80%; they must not exceed 100 (line 10)"),
        ("            co_owners: {partner: 1}",
         "terms[0].co_owners: shares add up to 101% with the operator's 100%; they must not exceed 100 (line 9)"),
        ("            share_pct: 50\n            co_owners: {others: 10}", "terms[0].co_owners.others: 'others' is reserved"),
        ("            model: fee", "terms[0].fee_bps: is required for model: fee"),
        ("            model: fee\n            fee_bps: 10001", "terms[0].fee_bps: must be between 0 and 10000 basis points (line 10)"),
        ("            model: fee\n            fee_bps: {issuance: 100, mev: 0}", "terms[0].fee_bps: must give block_fees too"),
        ("            model: fee\n            fee_bps: {issuance: 100, block_fees: 0, mev: 0, tips: 5}",
         "terms[0].fee_bps.tips: is not a component (expected issuance, block_fees, mev)"),
        ("            fee_bps: 100", "terms[0].fee_bps: is for model: fee"),
        ("            model: shared", "terms[0].model: must be own or fee (line 9)"),
        ("            to: 2024-12-31", "terms[0].to: 2024-12-31 is before from: 2025-01-01 (line 9)"),
        ("            to: 2025-01-31 10:00:00", "terms[0].to: must be a date such as 2025-01-31 (no time) (line 9)"),
        ("            until: 2025-02-01", "terms[0].until: is not a known key (line 9)"),
    ],
)
def test_term_rules(tmp_path, config, term, message):
    found = problems(tmp_path, config, _one_term(term))
    assert any(p == f"books.yaml: operators.acme.validator_sets[0].{message}" or
               p.startswith(f"books.yaml: operators.acme.validator_sets[0].{message}") for p in found), found


def test_overlapping_effective_dates_name_both_terms(tmp_path, config):
    text = f"""\
operators:
  acme:
    validator_sets:
      - name: first
        chain: solana
        validators: all
        terms:
          - from: 2025-01-01
            to: 2025-03-31
      - name: second
        chain: solana
        validators: [{VOTE_B}]
        terms:
          - from: 2025-03-31
"""
    (found,) = problems(tmp_path, config, text)
    assert found == (
        "books.yaml: operators.acme.validator_sets[1].terms[0]: 2025-03-31..open overlaps "
        "operators.acme.validator_sets[0].terms[0] (line 8), 2025-01-01..2025-03-31, for solana validator(s) "
        f"{VOTE_B}; effective dates must not overlap (line 14)"
    )


def test_unknown_operator_validator_and_chain(tmp_path, config):
    text = f"""\
operators:
  zeta:
    costs: []
  acme:
    validator_sets:
      - name: s
        chain: solana
        validators: [{VOTE_A}, 9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin]
        terms: [{{from: 2025-01-01}}]
      - name: e
        chain: ethereum
        validators: [13]
        terms: [{{from: 2025-01-01}}]
      - name: c
        chain: cosmos
        validators: all
        terms: [{{from: 2025-01-01}}]
"""
    found = problems(tmp_path, config, text)
    assert "books.yaml: operators.zeta: unknown operator 'zeta' (operators.yaml has: acme, beta) (line 2)" in found
    assert ("books.yaml: operators.acme.validator_sets[0].validators[1]: unknown validator "
            "'9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin': not one of acme's solana validators in operators.yaml (line 8)") in found
    assert ("books.yaml: operators.acme.validator_sets[1].validators[0]: unknown validator '13': "
            "not one of acme's ethereum validators in operators.yaml (line 12)") in found
    assert any(p.startswith("books.yaml: operators.acme.validator_sets[2].chain: unknown chain 'cosmos'") for p in found)


def test_all_needs_listed_validators(tmp_path, config):
    text = "operators:\n  beta:\n    validator_sets:\n      - {name: s, chain: solana, validators: all, terms: [{from: 2025-01-01}]}\n"
    (found,) = problems(tmp_path, config, text)
    assert "'all' needs validators: operator 'beta' lists no solana validators in operators.yaml" in found


@pytest.mark.parametrize(
    "cost,message",
    [
        ("{name: h, chain: solana, kind: monthly, amount: 10, currency: EUR, from: 2025-01-01}",
         "costs[0].currency: unknown currency 'EUR' (expected USD or SOL for solana) (line 4)"),
        ("{name: h, chain: solana, kind: monthly, amount: 10, currency: ETH, from: 2025-01-01}",
         "costs[0].currency: unknown currency 'ETH' (expected USD or SOL for solana)"),
        ("{name: h, chain: solana, kind: monthly, amount: -10, currency: USD, from: 2025-01-01}",
         "costs[0].amount: must be at least 0 (a cost is entered as a positive amount)"),
        ("{name: h, chain: solana, kind: monthly, amount: '0.0000001', currency: USD, from: 2025-01-01}",
         "costs[0].amount: has more than 6 decimals, the precision of USD"),
        ("{name: h, chain: solana, kind: monthly, amount: '0.0000000001', currency: SOL, from: 2025-01-01}",
         "costs[0].amount: has more than 9 decimals, the precision of SOL"),
        ("{name: h, chain: solana, kind: monthly, amount: ten, currency: USD, from: 2025-01-01}",
         "costs[0].amount: must be an amount, got 'ten'"),
        ("{name: h, chain: solana, kind: yearly, amount: 1, currency: USD, from: 2025-01-01}",
         "costs[0].kind: must be one of monthly, per_validator_day, per_epoch or one_off"),
        ("{name: h, chain: solana, kind: one_off, amount: 1, currency: USD}", "costs[0].date: is required for a one_off cost"),
        ("{name: h, chain: solana, kind: monthly, amount: 1, currency: USD}", "costs[0].from: is required for a monthly cost"),
        ("{name: h, chain: solana, kind: monthly, amount: 1, currency: USD, from: 2025-02-01, to: 2025-01-01}",
         "costs[0].to: 2025-01-01 is before from: 2025-02-01"),
        ("{name: h, chain: solana, kind: monthly, amount: 1, currency: USD, from: 2025-01-01, validators: [nope]}",
         "costs[0].validators[0]: unknown validator 'nope': not one of acme's solana validators in operators.yaml"),
    ],
)
def test_cost_rules(tmp_path, config, cost, message):
    found = problems(tmp_path, config, f"operators:\n  acme:\n    costs:\n      - {cost}\n")
    assert any(p.startswith(f"books.yaml: operators.acme.{message}") for p in found), found


def test_every_problem_at_once_and_yaml_errors_name_the_line(tmp_path, config):
    text = "income_basis: daily\noperators:\n  zeta: {}\n  acme:\n    costs: [{name: h, chain: solana, kind: monthly, amount: 1, currency: XYZ, from: 2025-01-01}]\nextra: 1\n"
    found = problems(tmp_path, config, text)
    assert len(found) == 4, found
    assert found[0].startswith("books.yaml: extra: is not a known section")
    assert "books.yaml: income_basis: must be one of accrual, cash, got 'daily' (line 1)" in found
    broken = problems(tmp_path, config, "operators:\n  acme: [unclosed\n")
    assert broken[0].startswith("books.yaml: invalid YAML") and "(line 3" in broken[0]


def test_the_example_in_the_repository_books_yaml_is_valid(tmp_path):
    """books.yaml ships empty with its example commented out; uncommented, the example loads."""
    text = (ROOT / "books.yaml").read_text()
    assert load_books(ROOT / "books.yaml", load_config(ROOT / "chains.yaml", ROOT / "providers.yaml")).terms == ()
    example = "\n".join(line[2:] for line in text.splitlines() if line.startswith("#   ") or line.startswith("# operators:")
                        or line.startswith("# income_basis"))
    operators = tmp_path / "operators.yaml"
    operators.write_text(yaml.safe_dump({"operators": [
        {"key": "acme", "name": "Acme", "validators": {"solana": [VOTE_A], "ethereum": [1515282, 1515283]}}]}))
    config = load_config(ROOT / "chains.yaml", ROOT / "providers.yaml", operators)
    parsed = books(tmp_path, config, example)
    assert len(parsed.terms) == 4 and [c.name for c in parsed.costs] == ["servers", "nodes", "hsm"]
