"""Final means complete, end to end: one simulated cluster lived through by scheduled runs, with
every trap of issue 8 on the way (a pause of several epochs, -32004 for one chunk of inflation
rewards, an identity change mid-history, Jito settling after the finality lag, leader schedules
the node no longer keeps, a block whose parts do not add up). After each run the mart must equal
the simulator's ledger: the exact numbers, or the gaps the simulated facts imply, never a wrong
final row. The runs are expensive, so the module lives through them once and each test reads one
recorded step."""

from __future__ import annotations

import re

import pytest

from loaders.solana import settings as solana_settings
from simnet.ledger import Outage
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.model import SolanaParams
from tests.support.db import query
from tests.support.network import requests, requests_since
from tests.support.solana import S, Env, assert_matches_ledger, mart, write_operators

TRACKED = [0, 1, 2, 3, 4, 10, 11]
CHANGED = 3  # changes its identity at epoch 6; does not run Jito, so kobe cannot tell
CHANGE_EPOCH = 6
ADDRESSES_PER_CALL = 4  # two getInflationReward chunks for seven vote accounts
PARAMS = SolanaParams(
    head_slot=3 * S + 30,
    identity_changes=((CHANGED, CHANGE_EPOCH),),
    jito_settle_slots=2 * S + 10,  # epoch E settles 10 slots into E+3: after the finality lag (1)
    leader_schedule_epochs_kept=2,
)


class Story:
    """What each step left: outputs, mart snapshots, ledger comparisons made by the tests."""

    def __init__(self, env: Env, warehouse):
        self.env, self.warehouse = env, warehouse
        self.outputs: dict[str, str] = {}
        self.marts: dict[str, dict] = {}
        self.calls: dict[str, dict[str, int]] = {}
        self.facts: dict[str, object] = {}
        self.problems: dict[str, str] = {}

    def step(self, name: str, *args: str, expect: int = 0, epochs=None, build: bool = True) -> None:
        before = requests(self.env.net)
        result = self.env.run(*args, build=build, expect=expect)
        self.outputs[name] = result.output
        self.calls[name] = requests_since(self.env.net, before)
        if not build:
            return
        self.marts[name] = mart(self.warehouse)
        try:  # compared now: the ledger reads the model at this head
            assert_matches_ledger(self.env, self.warehouse, epochs or range(1, self.env.model.current_epoch))
        except AssertionError as exc:
            self.problems[name] = str(exc)


@pytest.fixture(scope="module")
def story(module_warehouse, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("solana_story")
    with pytest.MonkeyPatch.context() as patch, SimNetwork(NetworkSpec(ethereum=None, solana=PARAMS)) as net:
        patch.setenv("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
        patch.setenv("AURORA_HTTP_MAX_RETRY_AFTER_SECONDS", "0.5")
        patch.setattr(solana_settings, "INFLATION_ADDRESSES_PER_CALL", ADDRESSES_PER_CALL)
        paths = net.write_config(tmp / "config", timeout_seconds=2.0, retries=2)
        paths["operators"] = tmp / "config" / "operators.yaml"
        tracked = [net.solana.validators[i].vote for i in TRACKED]
        env = Env(net, paths, tracked)
        write_operators(env, tracked)
        story = Story(env, module_warehouse)
        m = net.solana

        # A: the first scheduled run (epoch 3): the schedule starts at the finality window.
        story.step("first")
        # B: one epoch later.
        m.advance(S)
        story.step("next")
        # C: a pause of five epochs, then a run while one getInflationReward chunk of epoch 5
        # answers -32004 and one of epoch 8's blocks carries a fee one lamport off its parts.
        m.advance(5 * S)
        chunk = tracked[ADDRESSES_PER_CALL:]
        leader_slot = next(s for s in m.produced_slots(8 * S, 9 * S - 1) if m.leader(s) == TRACKED[0])
        net.faults.add(api="solana_rpc", endpoint="getInflationReward", kind="rpc_error", code=-32004,
                       message="Block not available for slot 576", match={"epoch": 5}, after=1, times=1)
        net.faults.add(api="solana_rpc", endpoint="getBlock", kind="wrong_value", path="transactions.[].meta.fee",
                       match={"slot": leader_slot}, times=None)
        env.outages = [Outage("rewards", frozenset({"5"}), frozenset(chunk)),
                       Outage("fees", frozenset({"8"}), frozenset({tracked[0]}), gap="invariant_failed:fee_split")]
        story.facts["faulty_slot"] = leader_slot
        story.step("paused", expect=1)
        # D: the providers recover: the next run heals what it can.
        net.faults.clear()
        env.outages = []
        story.step("healed")
        # E: again at the same head: nothing settled is fetched again (what it fetches is counted).
        story.step("again", build=False)
        # F: two epochs later, Jito has settled what it owed.
        m.advance(2 * S)
        story.step("settled")
        yield story


def planned(output: str) -> list[int]:
    """The epochs a run loaded, from its summary line."""
    found = re.search(r"loaded \d+ epoch\(s\) \((\d+)\.\.(\d+)\)", output)
    return list(range(int(found.group(1)), int(found.group(2)) + 1)) if found else []


def test_each_run_equals_the_ledger_numbers_gaps_and_finality(story):
    assert not story.problems, "\n".join(f"{step}: {problem[:1500]}" for step, problem in story.problems.items())


def test_the_first_run_starts_the_schedule_and_says_so(story):
    out = story.outputs["first"]
    assert "plan: 2 epoch(s) to load: 2 new" in out
    assert "the schedule starts at epoch 1" in out
    rows = story.marts["first"]
    assert {k[1] for k in rows} == {"1", "2"}
    # Epoch 1 is past the finality lag and Jito has not settled: a gap, not a final 0.
    jito_validator = story.env.tracked[0]
    row = rows[(jito_validator, "1")]
    assert not row["is_final"] and row["mev_native"] == 0 and row["data_gaps"] == "mev_unsettled"
    non_jito = story.env.tracked[TRACKED.index(3)]
    assert rows[(non_jito, "1")]["is_final"]  # a validator without Jito has no MEV to wait for


def test_a_pause_is_caught_up_with_the_cost_of_scans_stated_first(story):
    out = story.outputs["paused"]
    assert "plan: 7 epoch(s) to load: 5 new, 2 healing open gaps" in out
    # The node keeps two epochs of schedules: epochs 5 (stored by the run in epoch 4) and 7, 8 are
    # matched by schedule; 6 was never stored and is scanned, its cost printed before loading.
    m = story.env.model
    blocks = len(m.produced_slots(6 * S, 7 * S - 1))
    assert f"plan: block scan of epochs 6 (no leader schedule stored and the node no longer keeps it): {blocks} getBlock calls" in out
    assert out.index("plan: block scan") < out.index("rows loaded")
    rows = story.marts["paused"]
    assert {k[1] for k in rows} == {str(e) for e in range(1, 9)}
    # Credits of epoch 4 were never seen whole: no run happened in epochs 5..8.
    assert all("vote_credits_unobserved" in rows[(v, "4")]["data_gaps"] for v in story.env.tracked)


def test_minus_32004_for_one_chunk_flags_only_that_chunk(story):
    rows = story.marts["paused"]
    out = story.outputs["paused"]
    for k, vote in enumerate(story.env.tracked):
        row = rows[(vote, "5")]
        if k >= ADDRESSES_PER_CALL:
            assert not row["is_final"] and row["issuance_native"] == 0
            assert row["data_gaps"] == "issuance_unavailable, provider_failed:rewards"
            assert f"getInflationReward:epoch=5:vote={vote} [provider_failed:rewards]" in out
        else:
            assert row["issuance_native"] > 0 and "issuance_unavailable" not in (row["data_gaps"] or "")
    healed = story.marts["healed"]
    assert all(healed[(v, "5")]["is_final"] for v in story.env.tracked)


def test_an_identity_change_keeps_the_earlier_epochs_fees(story):
    m = story.env.model
    vote = m.validators[CHANGED].vote
    rows = story.marts["healed"]
    fees = {e: rows[(vote, str(e))]["block_fees_native"] for e in range(1, 9)}
    state = {e: m.epoch(e).fee_rewards[CHANGED] for e in range(1, 9)}
    assert {e: int(f * 10**9) for e, f in fees.items()} == state
    assert any(state[e] for e in range(1, CHANGE_EPOCH)) and any(state[e] for e in range(CHANGE_EPOCH, 9))
    used = dict(query(story.warehouse, "select epoch, identity_pubkey from raw_solana.vote_identities where vote_pubkey = %s", (vote,)))
    assert {e: used[e] for e in range(1, 9)} == {e: m.identity_at(CHANGED, e) for e in range(1, 9)}


def test_a_block_whose_parts_do_not_add_up_is_flagged_named_and_healed(story):
    vote = story.env.tracked[0]
    out = story.outputs["paused"]
    assert "P&L row(s) broke a row-level invariant" in out and f"solana {vote} 8: invariant_failed:fee_split" in out
    row = story.marts["paused"][(vote, "8")]
    assert not row["is_final"] and "invariant_failed:fee_split" in row["data_gaps"]
    # The rest of the mart built: every other row of the epoch is there, with its numbers.
    assert len([k for k in story.marts["paused"] if k[1] == "8"]) == len(TRACKED)
    # The next run re-fetched the epoch (the provider recovered): exact, no flag.
    assert "invariant_failed" not in (story.marts["healed"][(vote, "8")]["data_gaps"] or "")


def test_jito_settling_after_the_finality_lag_is_waited_for_then_final(story):
    vote = story.env.tracked[0]
    paused, settled = story.marts["paused"][(vote, "7")], story.marts["settled"][(vote, "7")]
    assert paused["mev_native"] == 0 and paused["data_gaps"] == "mev_unsettled" and not paused["is_final"]
    assert settled["mev_native"] > 0 and settled["is_final"]
    assert story.marts["paused"][(vote, "8")]["awaiting"] == "mev_unsettled"  # inside the lag: awaited, no gap


def test_a_second_run_with_nothing_new_fetches_nothing_already_final(story):
    again = story.calls["again"]
    final_epochs = {int(k[1]) for k, r in story.marts["healed"].items() if r["is_final"]}
    loaded = planned(story.outputs["again"])
    assert loaded and not set(loaded) & {e for e in final_epochs if all(
        r["is_final"] for k, r in story.marts["healed"].items() if k[1] == str(e))}
    chunks = -(-len(TRACKED) // ADDRESSES_PER_CALL)
    assert again.get("solana_rpc/getInflationReward", 0) == chunks * len(loaded)
    # Their leader blocks are stored from the healed run, at finalized commitment: none is asked again.
    assert again.get("solana_rpc/getBlock", 0) == 0
    assert again.get("solana_rpc/getLeaderSchedule", 0) == 0  # every schedule it needs is stored
    assert again.get("prices/market_chart_range", 0) == 0  # the close is loaded
