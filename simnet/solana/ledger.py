"""Solana ground truth per (vote account, epoch), from the model's blocks, votes and rewards."""

from __future__ import annotations

from datetime import datetime, timezone

from simnet.ledger import Facts, LedgerRow, settle
from simnet.solana.model import LAMPORTS_PER_SIGNATURE, SolanaModel

# getVoteAccounts reports epochCredits for the latest five epochs (the current one included):
# a completed epoch e is seen whole by a snapshot taken in epochs e+1..e+4 (anza-xyz/kit).
CREDIT_EPOCHS_AFTER = 4


def _time(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=timezone.utc)


def solana_ledger(
    model: SolanaModel, epochs: range | list[int], validators: list[str] | None = None, finality_lag: int = 1,
    facts: Facts | None = None,
) -> list[LedgerRow]:
    """Rows for completed epochs; `validators` are vote accounts (all, network-wide, when None).

    Finality from evidence: a row is final once its inflation reward is credited, its Jito
    figures are settled (validators running Jito), its vote credits were seen complete by some
    run and its price is published. Within `finality_lag` epochs a missing input is awaited;
    after it, a gap. `facts` default: one run at the model's head, nothing failing.
    """
    facts = facts or Facts(runs=(model.head_slot,))
    run_epochs = sorted({head // model.S for head in facts.runs})
    wanted = [model.by_vote[v].index for v in validators] if validators else range(model.p.validators)
    rows = []
    for epoch in epochs:
        if epoch >= model.current_epoch:
            continue
        state = model.epoch(epoch)
        produced = model.produced_slots(model.first_slot(epoch), model.last_slot(epoch))
        inflation = model.inflation(epoch)
        # A block whose Fee reward the runtime burned: its fees are nobody's income, and the
        # leader's base/priority split for the epoch cannot be confirmed against its rewards.
        burned = {model.leader(s) for s in produced if s in model.p.fee_burned_slots}
        period_end = _time(model.slot_time(produced[-1]))
        credited = model.reward_slot(epoch) is not None
        credits_seen = any(epoch < c <= epoch + CREDIT_EPOCHS_AFTER for c in run_epochs)
        past_lag = epoch + finality_lag < model.current_epoch
        for i in wanted:
            vote = model.validators[i].vote
            mev_bps = model.mev_commission_bps(i, epoch)
            mev = state.mev[i] * mev_bps // 10_000 if mev_bps is not None else 0
            pf_bps = model.priority_fee_commission_bps(i)
            shared = model.priority_fee_rewards(i, epoch)
            # The distribution program pays the validator floor(total * bps / 10000); stakers the rest.
            sharing = shared - shared * pf_bps // 10_000 if pf_bps is not None and shared else 0
            gaps, missing = set(), set()
            period = str(epoch)
            gaps |= {o.code for o in facts.matching(period, vote) if o.role != "prices"}
            if facts.failed("prices", period_end.date().isoformat()):
                gaps.add("provider_failed:prices")
                missing.add("price_missing")
            if not credited or facts.failed("rewards", period, vote):
                missing.add("issuance_unavailable")
            if validators is None and not facts.block_scan:
                gaps.add("block_fees_not_scanned")
            if i in burned:
                # The block's parts cannot match a Fee reward that was never paid: the row breaks
                # the fee_split invariant (flagged, not final) until a person looks at it.
                gaps.add("invariant_failed:fee_split")
            # A row whose parts do not add up (a burned Fee reward, or an answer that was wrong)
            # keeps its Fee rewards as the total and states no base/priority split.
            split_void = "invariant_failed:fee_split" in gaps
            if not credits_seen:
                missing.add("vote_credits_unobserved")
            # kobe reports a Jito validator's MEV as 0 until the epoch's tips are settled.
            if (model.runs_jito(i) and not model.mev_settled(epoch)) or facts.failed("mev", period, vote):
                missing.add("mev_unsettled")
            data_gaps, awaiting, final = settle(gaps, missing, past_lag)
            rows.append(
                LedgerRow(
                    chain="solana",
                    validator_key=vote,
                    period_type="epoch",
                    period_id=period,
                    period_start=_time(model.slot_time(produced[0])),
                    period_end=period_end,
                    is_final=final,
                    issuance=inflation[i][1],
                    block_fees=state.fee_rewards[i],
                    block_fees_base=None if split_void else state.base_fees[i],
                    block_fees_priority=None if split_void else state.priority_fees[i],
                    mev=mev,
                    priority_fee_sharing=sharing,
                    vote_costs=state.votes[i] * LAMPORTS_PER_SIGNATURE,
                    penalties=0,
                    data_gaps=data_gaps,
                    awaiting=awaiting,
                )
            )
    return rows
