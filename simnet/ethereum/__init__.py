"""The Ethereum half of the simnet: beacon node, execution JSON-RPC and MEV-Boost relays served
from one deterministic model, plus the ground-truth ledger computed from that model."""

from __future__ import annotations

from simnet.ethereum.beacon import BeaconApi
from simnet.ethereum.execution import ExecutionApi
from simnet.ethereum.model import BlockReward, EthereumModel, PlannedEvents
from simnet.ethereum.params import EthereumParams
from simnet.ethereum.relay import RelayApi
from simnet.ethereum.state import PrincipalEvent, Withdrawal
from simnet.faults import FaultPlan
from simnet.http import SimServer

__all__ = ["BeaconApi", "BlockReward", "EthereumModel", "EthereumParams", "ExecutionApi", "PlannedEvents",
           "PrincipalEvent", "RelayApi", "Withdrawal", "serve_ethereum"]


def serve_ethereum(model: EthereumModel, plan: FaultPlan | None = None) -> dict[str, SimServer]:
    """Start "beacon", "execution" and one server per relay name (faults: api "relay", match
    {"relay": name} to target one); stop each with .stop()."""
    plan = plan or FaultPlan()
    servers = {"beacon": SimServer(BeaconApi(model), plan), "execution": SimServer(ExecutionApi(model), plan)}
    for relay in model.params.relays:
        servers[relay] = SimServer(RelayApi(model, relay), plan)
    return {name: server.start() for name, server in servers.items()}
