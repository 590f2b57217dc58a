"""Solana end-to-end helpers: the simulated network, the `aurora` CLI pointed at it, and the
comparison of marts.fct_validator_pnl with the simulator's ledger (numbers, gaps, finality)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import yaml
from typer.testing import CliRunner

from loaders.cli import app
from simnet.ledger import Facts, Outage
from simnet.network import SimNetwork
from simnet.solana.ledger import solana_ledger
from tests.support.db import query

runner = CliRunner()
S = 96  # slots per epoch in the simulated cluster

MART_COLUMNS = """validator_key, period_id, issuance_native, block_fees_native, base_fees_native, priority_fees_native,
    mev_native, priority_fee_sharing_native, vote_costs_native, penalties_native, gross_revenue_native, net_pnl_native,
    is_final, period_start, period_end, has_data_gaps, data_gaps, period_type, native_symbol, price_date, price_usd,
    net_pnl_usd, awaiting, row_state"""

# What a component shows while a gap or a wait touches it: what was loaded so far (docs/pnl.md):
# nothing (0, or no split), or, for vote costs, the credits a snapshot saw before the epoch ended
# (PARTIAL: not compared).
PARTIAL = {"vote_credits_unobserved": ("vote_costs",)}
UNKNOWN = {
    "issuance_unavailable": ("issuance",),
    "block_fees_not_scanned": ("block_fees", "base_fees", "priority_fees"),
    "leader_schedule_unknown": ("block_fees", "base_fees", "priority_fees"),
    "not_loaded": ("issuance", "block_fees", "base_fees", "priority_fees", "mev", "priority_fee_sharing", "vote_costs"),
}
EMPTY = {"issuance": 0, "block_fees": 0, "base_fees": None, "priority_fees": None, "mev": 0, "priority_fee_sharing": 0,
         "vote_costs": 0}


class Env:
    """One simulated network, a config pointing at it, and the runs made against it (their heads
    and the outages in force: the facts the ledger derives gaps and finality from)."""

    def __init__(self, net: SimNetwork, paths: dict, tracked: list[str]):
        self.net = net
        self.paths = paths
        self.tracked = tracked
        self.runs: list[int] = []
        self.outages: list[Outage] = []
        self.block_scan = True

    @property
    def model(self):
        return self.net.solana

    def aurora(self, *args: str, expect: int | None = 0):
        result = runner.invoke(app, [
            "--chains", str(self.paths["chains"]), "--providers", str(self.paths["providers"]),
            "--operators", str(self.paths["operators"]), *args,
        ])
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    def run(self, *args: str, build: bool = False, expect: int | None = 0):
        result = self.aurora("run", "--chain", "solana", *args, *([] if build else ["--no-build"]), expect=None)
        if "plan:" in result.output:  # the run snapshotted the network (a config error would not)
            self.runs.append(self.model.head_slot)
        if expect is not None:
            assert result.exit_code == expect, result.output
        return result

    def build(self, *args: str, expect: int = 0):
        return self.aurora("build", *args, expect=expect)

    def facts(self) -> Facts:
        return Facts(runs=tuple(self.runs), outages=tuple(self.outages), block_scan=self.block_scan)

    def ledger(self, epochs, network_wide: bool = False):
        return solana_ledger(self.model, epochs, None if network_wide else self.tracked, finality_lag=1, facts=self.facts())

    def expected(self, epochs, network_wide: bool = False) -> dict[tuple[str, str], dict]:
        """The ledger as the providers can report it at the current head: Jito MEV reads 0 until
        it settles, and a component a gap or a wait touches counts what was loaded (0)."""
        out = {}
        for row in self.ledger(epochs, network_wide):
            settled = self.model.mev_settled(int(row.period_id))
            want = {
                "issuance": row.issuance,
                "block_fees": row.block_fees,
                "base_fees": row.block_fees_base,
                "priority_fees": row.block_fees_priority,
                "mev": row.mev if settled else 0,
                "priority_fee_sharing": row.priority_fee_sharing if settled else 0,
                "vote_costs": row.vote_costs,
                "is_final": row.is_final,
                "data_gaps": ", ".join(row.data_gaps) or None,
                "awaiting": ", ".join(row.awaiting) or None,
                "period_start": row.period_start,
                "period_end": row.period_end,
            }
            for code in row.data_gaps + row.awaiting:
                for component in UNKNOWN.get(code, ()):
                    want[component] = EMPTY[component]
            out[(row.validator_key, row.period_id)] = want
        return out


def write_operators(env: Env, tracked: list[str]) -> None:
    env.paths["operators"].write_text(yaml.safe_dump({"operators": [
        {"key": "acme", "name": "Acme Staking", "validators": {"solana": tracked[:4]}},
        {"key": "beta", "name": "Beta Validators", "validators": {"solana": tracked[4:]}},
    ]} if tracked else {"operators": []}))


def mart(warehouse) -> dict[tuple[str, str], dict]:
    rows = query(warehouse, f"select {MART_COLUMNS} from marts.fct_validator_pnl where chain = 'solana'")
    names = [n.strip() for n in MART_COLUMNS.split(",")]
    return {(r[0], r[1]): dict(zip(names, r)) for r in rows}


def lamports(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 10**9)


def assert_matches_ledger(env: Env, warehouse, epochs, skip: set[tuple[str, str]] = frozenset(), network_wide: bool = False,
                          compare: tuple[str, ...] = ()):
    """Every expected row exists and equals the ledger: amounts, gaps, awaited inputs, finality."""
    expected = env.expected(epochs, network_wide)
    got = mart(warehouse)
    assert set(expected) <= set(got), f"missing rows: {sorted(set(expected) - set(got))[:5]}"
    for key, want in expected.items():
        if key in skip:
            continue
        row = got[key]
        have = {
            "issuance": lamports(row["issuance_native"]),
            "block_fees": lamports(row["block_fees_native"]),
            "base_fees": lamports(row["base_fees_native"]),
            "priority_fees": lamports(row["priority_fees_native"]),
            "mev": lamports(row["mev_native"]),
            "priority_fee_sharing": lamports(row["priority_fee_sharing_native"]),
            "vote_costs": lamports(row["vote_costs_native"]),
            "is_final": row["is_final"],
            "data_gaps": row["data_gaps"],
            "awaiting": row["awaiting"],
            "period_start": row["period_start"],
            "period_end": row["period_end"],
        }
        if want["data_gaps"] and "not_loaded" in want["data_gaps"]:
            have["period_start"], have["period_end"] = want["period_start"], want["period_end"]  # unknown until loaded
        for code in (want["data_gaps"] or "").split(", ") + (want["awaiting"] or "").split(", "):
            for component in PARTIAL.get(code, ()):
                want = {**want, component: have[component]}
        assert have == want, f"{key}: warehouse {have} != ledger {want}"
        assert row["row_state"] == ("final" if want["is_final"] else "incomplete" if want["data_gaps"] else "pending")
        gross = want["issuance"] + want["block_fees"] + want["mev"] - want["priority_fee_sharing"]
        assert row["gross_revenue_native"] == Decimal(gross) / 10**9
        assert row["net_pnl_native"] == Decimal(gross - want["vote_costs"]) / 10**9
        assert row["penalties_native"] == 0 and row["period_type"] == "epoch" and row["native_symbol"] == "SOL"
        if want["data_gaps"] and "price_missing" in want["data_gaps"]:
            assert row["price_usd"] is None
            continue
        if want["data_gaps"] and "not_loaded" in want["data_gaps"]:
            continue
        # USD at the close of the day the epoch ended on: the simnet's price at the next midnight.
        close = Decimal(repr(env.net.prices.daily_price("solana", want["period_end"].date() + timedelta(days=1))))
        assert row["price_date"] == want["period_end"].date() and row["price_usd"] == close
        assert row["net_pnl_usd"] == Decimal(gross - want["vote_costs"]) / 10**9 * close
