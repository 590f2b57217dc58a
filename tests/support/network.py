"""Counting what the simulated network answered."""

from __future__ import annotations

from simnet.network import SimNetwork


def requests(net: SimNetwork) -> dict[str, int]:
    """Requests answered so far, per API and endpoint ('solana_rpc/getBlock')."""
    return {f"{api}/{endpoint}": n for api in net.servers for endpoint, n in net.requests(api).items()}


def requests_since(net: SimNetwork, before: dict[str, int]) -> dict[str, int]:
    now = requests(net)
    return {k: n - before.get(k, 0) for k, n in now.items() if n - before.get(k, 0)}
