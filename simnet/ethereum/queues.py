"""Electra's churn and pending deposit queue, as ethereum/consensus-specs
`specs/electra/beacon-chain.md` defines them, over the model's planted requests.

- `Churn` is `compute_exit_epoch_and_update_churn` (per-epoch limit = the activation/exit churn)
  and `compute_consolidation_epoch_and_update_churn` (per-epoch limit = the consolidation churn):
  the epoch an exit, a partial withdrawal request or a consolidation gets, in request order.
- `deposit_schedule` runs `process_pending_deposits` at every epoch transition: a deposit is
  applied once its slot is at or before the finalized checkpoint's first slot, at most
  MAX_PENDING_DEPOSITS_PER_EPOCH per epoch, within the activation churn (what is left over
  carries to the next epoch in `deposit_balance_to_consume` only when the churn was hit).

The simulated network's total stake is tiny, so its churn limits are scaled (params.py): what
matters to the warehouse is that deposits wait for finality and churn, and that a deposit larger
than one epoch's churn waits for the next.
"""

from __future__ import annotations

from dataclasses import dataclass

from simnet.ethereum import params as P


class Churn:
    """One churn queue: `earliest_*_epoch` and `*_balance_to_consume` of the state."""

    def __init__(self, per_epoch: int):
        self.per_epoch = per_epoch
        self.earliest = 0
        self.to_consume = 0

    def epoch_for(self, current_epoch: int, balance: int) -> int:
        earliest = max(self.earliest, current_epoch + 1 + P.MAX_SEED_LOOKAHEAD)  # compute_activation_exit_epoch
        to_consume = self.per_epoch if self.earliest < earliest else self.to_consume
        if balance > to_consume:
            extra = (balance - to_consume - 1) // self.per_epoch + 1
            earliest += extra
            to_consume += extra * self.per_epoch
        self.to_consume = to_consume - balance
        self.earliest = earliest
        return earliest


@dataclass(frozen=True)
class QueuedDeposit:
    """A deposit request (`process_deposit_request` appends it with slot = the block's slot)."""

    slot: int
    validator: int
    amount: int  # gwei


def deposit_schedule(requests: list[QueuedDeposit], slots_per_epoch: int, finality_lag: int,
                     churn: int = P.ACTIVATION_EXIT_CHURN_LIMIT) -> list[int]:
    """The epoch whose transition applies each request (`process_pending_deposits` at the end of
    the epoch before it), in the order given. The finalized checkpoint at the transition into E
    is E - finality_lag (the model's finality). No deposit goes to an exiting validator here, so
    none is postponed."""
    S = slots_per_epoch
    order = sorted(range(len(requests)), key=lambda i: requests[i].slot)
    applied: list[int | None] = [None] * len(requests)
    if not requests:
        return []
    queue: list[int] = []
    to_consume = 0
    arrived = 0
    epoch = requests[order[0]].slot // S + 1
    while any(a is None for a in applied):
        while arrived < len(order) and requests[order[arrived]].slot < epoch * S:
            queue.append(order[arrived])
            arrived += 1
        available = to_consume + churn
        processed = count = 0
        reached = False
        finalized_slot = max(0, epoch - finality_lag) * S
        for i in queue:
            if requests[i].slot > finalized_slot or count >= P.MAX_PENDING_DEPOSITS_PER_EPOCH:
                break
            if processed + requests[i].amount > available:
                reached = True
                break
            processed += requests[i].amount
            applied[i] = epoch
            count += 1
        queue = queue[count:]
        to_consume = available - processed if reached else 0
        epoch += 1
    return [a for a in applied if a is not None]
