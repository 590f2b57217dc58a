"""Counting what the simulated network answered; a port for a server a test starts."""

from __future__ import annotations

from simnet.network import SimNetwork


def requests(net: SimNetwork) -> dict[str, int]:
    """Requests answered so far, per API and endpoint ('solana_rpc/getBlock')."""
    return {f"{api}/{endpoint}": n for api in net.servers for endpoint, n in net.requests(api).items()}


def requests_since(net: SimNetwork, before: dict[str, int]) -> dict[str, int]:
    now = requests(net)
    return {k: n - before.get(k, 0) for k, n in now.items() if n - before.get(k, 0)}


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range: a port the kernel handed out (bind to
    0) can be handed again to another process (a simulated API, a client's connection) before the
    server binds it; in a run of the whole suite one was, and the server did not start."""
    import random
    import socket
    from pathlib import Path

    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")
