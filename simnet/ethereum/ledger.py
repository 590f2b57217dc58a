"""Ground-truth Ethereum P&L per (validator, UTC day), from model state (never from the APIs).

A day holds the epochs whose start time falls in it, and the slots of those epochs. In wei:
- issuance  = attestation rewards (head+target+source+inactivity) of the day's epochs
              + proposer block totals + signed sync rewards of the day's slots
- penalties = the negative attestation components and negative sync rewards, as a positive number
              (already netted inside issuance)
- block_fees = priority fees of the locally built blocks the validator proposed
- mev       = wei the MEV-Boost blocks it proposed actually paid to their proposer_fee_recipient
              (a block only an unconfigured relay delivered is still a builder's block: what it
              paid, never its priority fees)
Deposits, top-ups, consolidations, withdrawals and the slashing penalty are never income; the
slashing and the MEV and relay anomalies are exceptions. A day that is not complete at the head
holds what is known at the head (epochs whose rewards are computable, slots up to the head) and
is not final.

Principal is booked when the state moves it (`principal_flows`): withdrawals in their block,
consolidations at the epoch transition that processes them, deposits on the day the deposit
queue applies them (a state shows whether a deposit is still queued, not the epoch that took it,
so the day's last slot, whose state first shows it applied, is where they are booked); what is
still queued at a day's end is `queued_principal`.

Finality from evidence: a day's rows are final once its last epoch is finalized (awaited, never
a gap: the chain has not decided yet), every configured relay answered for its blocks and its
price is published. A day whose states and rewards a pruned node no longer serves is
`history_unavailable`: nothing can be computed until an archive node answers.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Iterable

from simnet.ethereum.model import EthereumModel, as_date
from simnet.ethereum.params import WEI_PER_GWEI
from simnet.ethereum.state import PrincipalEvent
from simnet.ledger import ExceptionRow, Facts, LedgerRow, settle

CHAIN = "ethereum"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    return start, start + timedelta(days=1)


def _day_window(model: EthereumModel, day: date) -> tuple[range, range] | None:
    """(attestation epochs, slots) of the day known at the head; None if the day has not begun."""
    epochs = model.epochs_of_day(day)
    if not epochs or epochs.start > model.head_epoch:
        return None
    att = range(epochs.start, min(epochs[-1], model.last_rewarded_epoch) + 1)
    slots = range(epochs.start * model.S, min(epochs.stop * model.S - 1, model.head_slot) + 1)
    return att, slots


def history_served(model: EthereumModel, day: date) -> bool:
    """Whether the beacon node still serves what the day's reconciliation needs: the state at its
    first slot - 1 and the attestation rewards from two epochs before its first (credited at e+2)."""
    epochs = model.epochs_of_day(day)
    return max(epochs.start - 2, 0) >= model.oldest_state_epoch


def ethereum_ledger(model: EthereumModel, days: Iterable[date | str],
                    validators: Iterable[int] | None = None, facts: Facts | None = None,
                    finality_lag: int = 1) -> list[LedgerRow]:
    """`finality_lag` in days: past it a missing price is a gap rather than awaited."""
    facts = facts or Facts(runs=(model.head_slot,))
    head_day = model.day_of_epoch(model.head_epoch)
    rows: list[LedgerRow] = []
    for day in map(as_date, days):
        window = _day_window(model, day)
        if window is None:
            continue
        att_epochs, slots = window
        size = model.registry_size(slots[-1])
        members = list(range(size)) if validators is None else [v for v in validators if 0 <= v < size]
        # per validator: issuance, penalties (gwei), block fees, mev (wei)
        acc = {v: [0, 0, 0, 0] for v in members}
        for e in att_epochs:
            for v in members:
                parts = model.attestation_reward(e, v)
                a = acc[v]
                a[0] += sum(parts)
                a[1] -= sum(x for x in parts if x < 0)
        for s in model.produced_slots(slots.start, slots[-1]):
            reward = model.block_reward(s)
            a = acc.get(reward.proposer_index)
            if a is not None:
                a[0] += reward.total
                a[2] += model.payloads.local_priority_fees(s)
                a[3] += model.payloads.mev_paid(s)
            for v, r in model.sync_rewards(s):
                a = acc.get(v)
                if a is not None:
                    a[0] += r
                    a[1] += -r if r < 0 else 0
        start, end = day_bounds(day)
        proposers = {model.proposer(s) for s in model.produced_slots(slots.start, slots[-1])}
        served = history_served(model, day)
        past_lag = (head_day - day).days > finality_lag
        for v in members:
            issuance, penalties, fees, mev = acc[v]
            gaps, missing = set(), set()
            key = str(v)
            if not served:
                gaps.add("history_unavailable")
            # Relays are asked about the validator's own blocks: a relay down matters to proposers.
            for outage in facts.matching(day.isoformat(), key):
                if outage.role == "mev" and v not in proposers:
                    continue
                if outage.role != "prices":
                    gaps.add(outage.code)
            if facts.failed("prices", day.isoformat()):
                gaps.add("provider_failed:prices")
                missing.add("price_missing")
            data_gaps, awaiting, final = settle(gaps, missing, past_lag)
            if not model.is_day_final(day):
                awaiting = tuple(sorted({*awaiting, "not_finalized"}))
                final = False
            rows.append(LedgerRow(
                chain=CHAIN, validator_key=key, period_type="day", period_id=day.isoformat(),
                period_start=start, period_end=end, is_final=final,
                issuance=issuance * WEI_PER_GWEI, block_fees=fees, block_fees_base=None, block_fees_priority=None,
                mev=mev, priority_fee_sharing=0, vote_costs=0, penalties=penalties * WEI_PER_GWEI,
                data_gaps=data_gaps, awaiting=awaiting,
            ))
    return rows


def proposer_duties(model: EthereumModel, days: Iterable[date | str],
                    validators: Iterable[int] | None = None) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(validator, day) -> (proposals due, blocks produced, proposals missed), for every validator
    with a duty in the day's slots known at the head: every slot but genesis has one proposer, and
    its block exists or it does not."""
    wanted = None if validators is None else set(validators)
    counts: dict[tuple[str, str], tuple[int, int, int]] = {}
    for day in map(as_date, days):
        window = _day_window(model, day)
        if window is None:
            continue
        _, slots = window
        produced = set(model.produced_slots(slots.start, slots[-1]))
        for slot in slots:
            if slot <= 0:
                continue
            v = model.proposer(slot)
            if wanted is not None and v not in wanted:
                continue
            key = (str(v), day.isoformat())
            due, made, missed = counts.get(key, (0, 0, 0))
            counts[key] = (due + 1, made + (slot in produced), missed + (slot not in produced))
    return counts


def ethereum_exceptions(model: EthereumModel, days: Iterable[date | str]) -> list[ExceptionRow]:
    """The slashing (expected 0, actual = -penalty), the three planted MEV anomalies:
    mev_value_mismatch (expected = relay value, actual = paid), mev_payment_missing (expected =
    relay value, actual = 0), unexpected_fee_recipient (expected None, actual = paid to it), and
    the relay cases: relay_value_disagreement, one row per relay claim (expected = that relay's
    value, actual = paid), relay_not_configured (expected None, actual = what the block paid the
    proposer: the end-of-block payment, or 0). Consolidations and deposits are no exception: the
    queues explain them."""
    out: list[ExceptionRow] = []
    ev = model.events
    for day in map(as_date, days):
        window = _day_window(model, day)
        if window is None:
            continue
        slots = window[1]
        if ev.slashing_slot in slots:
            out.append(ExceptionRow(CHAIN, str(ev.slashed_validator), day.isoformat(), "slashing", ev.slashing_slot,
                                    0, -model.slashing_penalty() * WEI_PER_GWEI))
        for kind, slot in model.mev_anomalies.items():
            if slot not in slots:
                continue
            block = model.payloads.block(slot)
            expected = None if kind == "unexpected_fee_recipient" else block.relay_value
            out.append(ExceptionRow(CHAIN, str(model.proposer(slot)), day.isoformat(), kind, slot, expected,
                                    block.paid))
        for kind, planted in model.relay_anomalies.items():
            for slot in planted:
                if slot not in slots:
                    continue
                block = model.payloads.block(slot)
                proposer = str(model.proposer(slot))
                if kind == "relay_value_disagreement":
                    out.extend(ExceptionRow(CHAIN, proposer, day.isoformat(), kind, slot,
                                            model.payloads.relay_value(slot, relay), block.paid)
                               for relay in model.relays_for(slot))
                else:
                    out.append(ExceptionRow(CHAIN, proposer, day.isoformat(), kind, slot, None, block.paid))
    return out


def principal_events(model: EthereumModel, days: Iterable[date | str] | None = None) -> list[PrincipalEvent]:
    """Principal moves (and the slashing penalty) in the given days' slots, or up to the head."""
    if days is None:
        return model.principal_events()
    out: list[PrincipalEvent] = []
    for day in map(as_date, days):
        window = _day_window(model, day)
        if window is not None:
            out.extend(model.principal_events(window[1].start, window[1][-1]))
    return out


# Warehouse booking of each principal move: block moves at their slot, epoch-transition moves at
# the first slot of the epoch they are processed into, queue-applied deposits at the last slot of
# the day (the state that first shows them applied).
FLOW_KINDS = {"deposit": "deposit", "top_up": "top_up", "partial_withdrawal": "withdrawal",
              "full_withdrawal": "withdrawal", "consolidation_out": "consolidation_out",
              "consolidation_in": "consolidation_in"}


def principal_flows(model: EthereumModel, days: Iterable[date | str]) -> list[tuple[str, str, str, int, int]]:
    """(validator, kind, day, slot, signed wei) as a correct warehouse books them."""
    out = []
    for day in map(as_date, days):
        window = _day_window(model, day)
        if window is None:
            continue
        last = window[1][-1]
        for e in model.principal_events(window[1].start, last):
            if e.kind not in FLOW_KINDS:
                continue
            slot = last if e.kind in ("deposit", "top_up") else e.slot
            out.append((str(e.validator_index), FLOW_KINDS[e.kind], day.isoformat(), slot, e.signed_gwei * WEI_PER_GWEI))
    return out


def queued_principal(model: EthereumModel, day: date | str) -> dict[str, dict[str, int]]:
    """What the queues hold for each validator at the day's last slot (its end state), in wei:
    deposits (by the validator the pubkey belongs to, or the pubkey), partial withdrawals requested and
    not yet paid, and consolidations not yet processed, valued at min(balance, effective balance)
    of the source in that state, for the source (out) and the target (in)."""
    window = _day_window(model, as_date(day))
    if window is None:
        return {}
    slot = window[1][-1]
    out: dict[str, dict[str, int]] = {}

    def add(v: int, key: str, gwei: int) -> None:
        # a validator its deposit has not created yet is known by its pubkey only
        name = str(v) if v < model.registry_size(slot) else model.pubkey(v)
        row = out.setdefault(name, {"deposits": 0, "withdrawals": 0, "consolidation_out": 0, "consolidation_in": 0})
        row[key] += gwei * WEI_PER_GWEI

    for v, amount, _ in model.sim.pending_deposits(slot):
        add(v, "deposits", amount)
    for v, amount, _ in model.sim.pending_partial_withdrawals(slot):
        add(v, "withdrawals", amount)
    for source, target in model.sim.pending_consolidations(slot):
        value = min(model.balance(source, slot), model.effective_balance(source, slot // model.S))
        add(source, "consolidation_out", value)
        add(target, "consolidation_in", value)
    return out
