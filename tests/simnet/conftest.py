"""A Solana-only simulated network in-process, and a JSON-RPC client bound to it."""

from __future__ import annotations

import pytest

from simnet.network import NetworkSpec, SimNetwork
from tests.simnet.rpc_client import Rpc


@pytest.fixture(scope="module")
def sol_net():
    """The default Solana network: epoch 8 current (head at slot 800, a third in), epoch 7
    complete with its Jito MEV unsettled, epochs up to 6 settled. Tests must not move its head or
    leave faults behind: use `fresh_net` for that."""
    with SimNetwork(NetworkSpec(ethereum=None)) as net:
        yield net


@pytest.fixture
def fresh_net():
    with SimNetwork(NetworkSpec(ethereum=None)) as net:
        yield net


@pytest.fixture
def rpc(sol_net) -> Rpc:
    return Rpc(sol_net.urls["solana_rpc"])


@pytest.fixture
def kobe(sol_net) -> str:
    return sol_net.urls["jito"]
