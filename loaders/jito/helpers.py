"""Pure functions over kobe /api/v1/validators answers."""

from __future__ import annotations

from typing import Any

from loaders.payload import Reader


def parse_validators(body: Any, epoch: int) -> list[dict[str, Any]]:
    """Rows of ValidatorEntry (kobe api/src/schemas/validator.rs); lamports stay integers.

    mev_rewards is what the validator's tip distribution account collected (after Jito's fee);
    kobe reports it as 0 until the epoch settles."""
    r = Reader("kobe /api/v1/validators")
    entries = r.list(body, "validators", "")
    rows = []
    for position, entry in enumerate(entries):
        at = f"validators[{position}]"
        mev_bps = r.int(entry, "mev_commission_bps", at, optional=True, nullable=True, minimum=0)
        pf_bps = r.int(entry, "priority_fee_commission_bps", at, optional=True, nullable=True, minimum=0)
        for name, bps in (("mev_commission_bps", mev_bps), ("priority_fee_commission_bps", pf_bps)):
            if bps is not None and bps > 10_000:
                raise r.fail(f"{at}.{name}", f"expected basis points 0-10000, got {bps}")
        rows.append({
            "epoch": epoch,
            "vote_account": r.pubkey(entry, "vote_account", at),
            "identity_account": r.pubkey(entry, "identity_account", at, optional=True, nullable=True),
            "running_jito": r.bool(entry, "running_jito", at),
            "mev_commission_bps": mev_bps,
            "mev_rewards": r.int(entry, "mev_rewards", at, optional=True, nullable=True, minimum=0),
            "priority_fee_commission_bps": pf_bps,
            "priority_fee_rewards": r.int(entry, "priority_fee_rewards", at, optional=True, nullable=True, minimum=0),
            "active_stake": r.int(entry, "active_stake", at, optional=True, nullable=True, minimum=0),
        })
    return rows
