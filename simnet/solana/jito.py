"""Jito's kobe API (https://kobe.mainnet.jito.network) over the Solana model.

MEV and priority-fee rewards of an epoch read 0 until they settle, some slots into the next epoch
(kobe reports the current epoch as 0 too), as the real API does.
"""

from __future__ import annotations

from typing import Any

from simnet.http import Api, ApiError, Reply, Request, Route
from simnet.jsonstream import Lazy
from simnet.keys import solana_pubkey
from simnet.solana.model import SolanaModel

MAX_LIMIT = 10_000


class JitoKobeApi(Api):
    name = "jito"

    def __init__(self, model: SolanaModel):
        self.m = model

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/v1/validators", "validators", self.validators),
            Route("POST", "/api/v1/validators", "validators", self.validators),
            Route("GET", "/api/v1/validators/{vote_account}", "validator_history", self.validator_history),
            Route("GET", "/api/v1/validator_rewards", "validator_rewards", self.validator_rewards),
            Route("POST", "/api/v1/validator_rewards", "validator_rewards", self.validator_rewards),
            Route("GET", "/api/v1/mev_rewards", "mev_rewards", self.mev_rewards),
            Route("POST", "/api/v1/mev_rewards", "mev_rewards", self.mev_rewards),
        ]

    def describe(self, request: Request, route: Route | None) -> list[tuple[str, dict[str, Any]]]:
        described = super().describe(request, route)
        try:
            body = request.json()
        except ApiError:  # the handler answers 400; describing must not fail first
            body = None
        if described and isinstance(body, dict) and "epoch" in body:
            described[0][1]["epoch"] = body["epoch"]
        return described

    # ------------------------------------------------------------ helpers
    def _epoch(self, request: Request) -> int:
        body = request.json() if request.method == "POST" else None
        epoch = (body or {}).get("epoch") if isinstance(body, dict) else None
        if epoch is None and request.arg("epoch") is not None:
            try:
                epoch = int(request.arg("epoch"))
            except ValueError:
                raise ApiError(400, {"error": "epoch must be an integer"}) from None
        if epoch is None:
            return self.m.current_epoch
        if not isinstance(epoch, int) or isinstance(epoch, bool) or epoch < 0:
            raise ApiError(400, {"error": "epoch must be a non-negative integer"})
        return epoch

    def _settled(self, epoch: int) -> bool:
        return epoch < self.m.current_epoch and self.m.mev_settled(epoch)

    def _entry(self, i: int, epoch: int) -> dict[str, Any]:
        m = self.m
        v = m.validators[i]
        jito = m.runs_jito(i)
        settled = self._settled(epoch)
        pf_bps = m.priority_fee_commission_bps(i)
        pf_rewards = m.priority_fee_rewards(i, epoch)
        return {
            "identity_account": m.identity_at(i, epoch),
            "vote_account": v.vote,
            "mev_commission_bps": m.mev_commission_bps(i, epoch),
            "mev_rewards": (m.epoch(epoch).mev[i] if settled else 0) if jito else None,
            "priority_fee_commission_bps": pf_bps,
            "priority_fee_rewards": (pf_rewards if settled else 0) if pf_rewards is not None else None,
            "running_jito": jito,
            "running_bam": False,
            "active_stake": m.epoch(epoch).stake[i],
            "jito_directed_stake_target": None,
            "jito_directed_stake_lamports": None,
        }

    # ------------------------------------------------------------ routes
    def validators(self, request: Request) -> Reply:
        epoch = self._epoch(request)
        if epoch > self.m.current_epoch:
            return Reply({"validators": []})
        return Reply({"validators": Lazy(lambda: (self._entry(i, epoch) for i in range(self.m.p.validators)))})

    def validator_history(self, request: Request) -> Reply:
        # Kobe builds this from its validator_rewards rows (settled epochs only, newest first) and
        # fills a missing priority-fee commission or revenue with 0: the fields are never null.
        v = self.m.by_vote.get(request.path_params["vote_account"])
        if v is None or not self.m.runs_jito(v.index):
            return Reply([])
        history = []
        for epoch in range(self.m.current_epoch - 1, -1, -1):
            if not self._settled(epoch):
                continue
            entry = self._entry(v.index, epoch)
            history.append({
                "epoch": epoch,
                "mev_commission_bps": entry["mev_commission_bps"],
                "mev_rewards": entry["mev_rewards"],
                "priority_fee_commission_bps": entry["priority_fee_commission_bps"] or 0,
                "priority_fee_rewards": entry["priority_fee_rewards"] or 0,
            })
        return Reply(history)

    def validator_rewards(self, request: Request) -> Reply:
        params = dict(request.json() or {}) if request.method == "POST" and request.body.strip() else {}
        for key in ("vote_account", "epoch", "page", "limit", "sort_order"):
            if request.arg(key) is not None:
                params[key] = request.arg(key)
        try:
            page = int(params.get("page", 1))
            limit = int(params.get("limit", 100))
            epoch = int(params["epoch"]) if params.get("epoch") is not None else None
        except (TypeError, ValueError):
            raise ApiError(400, {"error": "page, limit and epoch must be integers"}) from None
        if limit > MAX_LIMIT or limit < 1 or page < 1:
            raise ApiError(400, {"error": f"limit must be between 1 and {MAX_LIMIT}, page at least 1"})
        vote = params.get("vote_account")
        rows = []
        epochs = [epoch] if epoch is not None else range(self.m.current_epoch - 1, -1, -1)
        for e in epochs:
            if not self._settled(e):
                continue
            for v in self.m.validators:
                if (vote and v.vote != vote) or not self.m.runs_jito(v.index):
                    continue
                entry = self._entry(v.index, e)
                rows.append({
                    "vote_account": v.vote,
                    "mev_revenue": entry["mev_rewards"],
                    "mev_commission": entry["mev_commission_bps"],
                    "priority_fee_revenue": entry["priority_fee_rewards"] or 0,
                    "priority_fee_commission": entry["priority_fee_commission_bps"],
                    "num_stakers": 10 + self.m.epoch(e).stake[v.index] // 10**13,
                    "epoch": e,
                    "claim_status_account": solana_pubkey("claim-status", self.m.p.seed, v.index, e),
                })
        # Kobe sorts by epoch, then mev_revenue, both in the requested direction.
        rows.sort(key=lambda r: (r["epoch"], r["mev_revenue"]), reverse=str(params.get("sort_order", "desc")).lower() != "asc")
        start = (page - 1) * limit
        return Reply({"rewards": rows[start : start + limit], "total_count": len(rows)})

    def mev_rewards(self, request: Request) -> Reply:
        epoch = self._epoch(request)
        if epoch >= self.m.current_epoch:
            epoch = self.m.current_epoch - 1
        state = self.m.epoch(epoch)
        total = sum(state.mev) if self._settled(epoch) else 0
        weight = sum(state.stake[i] for i in range(self.m.p.validators) if self.m.runs_jito(i))
        return Reply({
            "epoch": epoch,
            "total_network_mev_lamports": total,
            "jito_stake_weight_lamports": weight,
            "mev_reward_per_lamport": total / weight if weight else 0.0,
        })
