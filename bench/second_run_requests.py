"""What a second incremental run fetches when nothing is new: calls per endpoint, both chains.

    python bench/second_run_requests.py               # this checkout
    PYTHONPATH=/path/to/other/checkout python bench/second_run_requests.py   # another release

Each chain: a simulated network, a fresh embedded warehouse under a temporary AURORA_HOME, one
incremental `aurora run --no-build`, then a second one at the same head; the simulated APIs
count what the second run asked (JSON-RPC calls inside a batch count one each).
"""

from __future__ import annotations

import os
import sys
import tempfile

import yaml

S = 96  # slots per simulated Solana epoch


def second_run(chain: str) -> dict[str, int]:
    os.environ["AURORA_HOME"] = tempfile.mkdtemp(prefix=f"aurora-bench-{chain}-")
    os.environ.pop("AURORA_DATABASE_URL", None)
    os.environ.setdefault("AURORA_HTTP_BACKOFF_SECONDS", "0.01")
    from typer.testing import CliRunner

    from loaders import warehouse
    from loaders.cli import app
    from simnet.ethereum.params import EthereumParams
    from simnet.network import NetworkSpec, SimNetwork
    from simnet.solana.model import SolanaParams

    spec = (NetworkSpec(ethereum=None, solana=SolanaParams(head_slot=9 * S + 60)) if chain == "solana"
            else NetworkSpec(solana=None, ethereum=EthereumParams(archive=True)))
    try:
        with SimNetwork(spec) as net:
            paths = net.write_config(os.path.join(os.environ["AURORA_HOME"], "config"))
            operators = os.path.join(os.environ["AURORA_HOME"], "config", "operators.yaml")
            tracked = ([net.solana.validators[i].vote for i in (0, 1, 2, 3, 4, 10, 11)] if chain == "solana" else [1, 2, 3, 5])
            with open(operators, "w") as handle:
                yaml.safe_dump({"operators": [{"key": "acme", "name": "Acme", "validators": {chain: tracked}}]}, handle)
            args = ["--chains", str(paths["chains"]), "--providers", str(paths["providers"]), "--operators", operators,
                    "run", "--chain", chain, "--no-build"]
            runner = CliRunner()
            runner.invoke(app, args)
            before = {f"{a}/{e}": n for a in net.servers for e, n in net.requests(a).items()}
            runner.invoke(app, args)
            after = {f"{a}/{e}": n for a in net.servers for e, n in net.requests(a).items()}
            return {k: n - before.get(k, 0) for k, n in sorted(after.items()) if n - before.get(k, 0)}
    finally:
        warehouse.stop_embedded()


if __name__ == "__main__":
    for name in sys.argv[1:] or ["solana", "ethereum"]:
        calls = second_run(name)
        print(f"\n{name}: {sum(calls.values())} calls in the second run")
        for endpoint, n in calls.items():
            print(f"  {endpoint:50} {n:6}")
