"""Solana ground truth per (vote account, epoch), from the model's blocks, votes and rewards."""

from __future__ import annotations

from datetime import datetime, timezone

from simnet.ledger import LedgerRow
from simnet.solana.model import LAMPORTS_PER_SIGNATURE, SolanaModel


def _time(unix: int) -> datetime:
    return datetime.fromtimestamp(unix, tz=timezone.utc)


def solana_ledger(
    model: SolanaModel, epochs: range | list[int], validators: list[str] | None = None, finality_lag: int = 1
) -> list[LedgerRow]:
    """Rows for completed epochs; `validators` are vote accounts (all when None).

    An epoch is final once `finality_lag` further epochs have completed: the warehouse's policy,
    mirrored here so rows compare. The model checks that Jito settles within that lag.
    """
    if model.jito_settle_slots > finality_lag * model.S:
        raise ValueError("Jito MEV would settle after the finality lag: raise finality_lag")
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
        for i in wanted:
            mev_bps = model.mev_commission_bps(i, epoch)
            mev = state.mev[i] * mev_bps // 10_000 if mev_bps is not None else 0
            pf_bps = model.priority_fee_commission_bps(i)
            shared = model.priority_fee_rewards(i, epoch)
            # The distribution program pays the validator floor(total * bps / 10000); stakers the rest.
            sharing = shared - shared * pf_bps // 10_000 if pf_bps is not None and shared else 0
            rows.append(
                LedgerRow(
                    chain="solana",
                    validator_key=model.validators[i].vote,
                    period_type="epoch",
                    period_id=str(epoch),
                    period_start=_time(model.slot_time(produced[0])),
                    period_end=_time(model.slot_time(produced[-1])),
                    is_final=epoch + finality_lag < model.current_epoch,
                    issuance=inflation[i][1],
                    block_fees=state.fee_rewards[i],
                    block_fees_base=None if i in burned else state.base_fees[i],
                    block_fees_priority=None if i in burned else state.priority_fees[i],
                    mev=mev,
                    priority_fee_sharing=sharing,
                    vote_costs=state.votes[i] * LAMPORTS_PER_SIGNATURE,
                    penalties=0,
                )
            )
    return rows
