"""`aurora simnet`: serve the simulated network, or write its ground-truth ledger."""

from __future__ import annotations

import dataclasses
import signal
import time
from pathlib import Path
from typing import Any, Optional

import typer
import yaml

from simnet.ledger import write_ledger
from simnet.network import NetworkSpec, SimNetwork
from simnet.solana.ledger import solana_ledger
from simnet.solana.model import SolanaModel, SolanaParams

app = typer.Typer(help="The simulated Solana + Ethereum mainnet, for tests, demos and benchmarks.", no_args_is_help=True)

HEADER = "# Written by `aurora simnet serve`: points Aurora at the simulated network.\n"
ETHEREUM_MODULES = ("model", "params", "beacon", "execution", "relay")


def ethereum_unavailable() -> str | None:
    """Why the Ethereum side cannot be served, or None when it can."""
    import importlib

    try:
        for name in ETHEREUM_MODULES:
            importlib.import_module(f"simnet.ethereum.{name}")
    except ImportError as exc:
        return str(exc)
    return None


def ethereum_params(seed: int) -> Any:
    from simnet.ethereum.params import EthereumParams

    params = EthereumParams()
    if dataclasses.is_dataclass(params) and "seed" in {f.name for f in dataclasses.fields(params)}:
        params = dataclasses.replace(params, seed=seed)
    return params


def write_yaml(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + yaml.safe_dump(data, sort_keys=False))


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: Optional[int] = typer.Option(None, help="First port: the APIs take consecutive ports from it (default: ephemeral ports)."),
    seed: int = typer.Option(7, help="Seed of every simulated value."),
    validators: int = typer.Option(12, help="Solana validators."),
    slots_per_epoch: int = typer.Option(96, help="Solana slots per epoch (a multiple of 4, at least 32)."),
    no_ethereum: bool = typer.Option(False, "--no-ethereum", help="Serve Solana, Jito and prices only."),
    write_providers: Optional[Path] = typer.Option(None, help="Write a providers.yaml pointing at the served APIs."),
    write_chains: Optional[Path] = typer.Option(None, help="Write a chains.yaml describing the simulated chains."),
) -> None:
    """Serve every simulated API until interrupted (Ctrl-C)."""
    try:
        solana = SolanaParams(seed=seed, validators=validators, slots_per_epoch=slots_per_epoch)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    net = None
    if not no_ethereum:
        reason = ethereum_unavailable()
        if reason is None:
            try:
                net = SimNetwork(NetworkSpec(seed=seed, solana=solana, ethereum=ethereum_params(seed), host=host))
                net.api_names()
            except Exception as exc:  # noqa: BLE001 - a broken Ethereum side must not keep Solana from serving
                reason, net = f"{type(exc).__name__}: {exc}", None
        if reason:
            print(f"notice: serving without Ethereum (simnet.ethereum cannot be used: {reason})", flush=True)
    if net is None:
        net = SimNetwork(NetworkSpec(seed=seed, solana=solana, ethereum=None, host=host))
    if port is not None:
        net.ports = {name: port + k for k, name in enumerate(net.api_names())}
    try:
        net.start()
    except OSError as exc:
        net.stop()
        raise typer.BadParameter(f"cannot listen: {exc}", param_hint="--port") from None
    # `kill` (SIGTERM) stops the servers as cleanly as Ctrl-C.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if write_providers:
            write_yaml(write_providers, net.providers_config())
        if write_chains:
            write_yaml(write_chains, net.chains_config())
        m = net.solana
        print(f"simnet (seed {seed}): Solana epoch {m.current_epoch}, slot {m.head_slot}, {validators} validators", flush=True)
        if net.ethereum is not None:
            e = net.ethereum
            print(f"  Ethereum epoch {e.head_epoch}, slot {e.head_slot}, {e.params.validators} validators, "
                  f"relays {', '.join(e.params.relays)}", flush=True)
        width = max([12, *map(len, net.urls)])
        for name, url in net.urls.items():
            print(f"  {name:<{width}} {url}", flush=True)
        for what, path in (("providers", write_providers), ("chains", write_chains)):
            if path:
                print(f"wrote {what}: {path}", flush=True)
        print("serving; Ctrl-C stops", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        net.stop()
    print("stopped", flush=True)


@app.command("ledger")
def ledger(
    out: Path = typer.Option(..., help="CSV to write."),
    chain: str = typer.Option("solana", help="solana (the Ethereum ledger comes with simnet.ethereum)."),
    from_epoch: int = typer.Option(0, min=0, help="First epoch."),
    to_epoch: Optional[int] = typer.Option(None, help="Last epoch (default: the last complete one)."),
    seed: int = typer.Option(7, help="Seed, as given to `serve`."),
    validators: int = typer.Option(12, help="Solana validators, as given to `serve`."),
    slots_per_epoch: int = typer.Option(96, help="Solana slots per epoch, as given to `serve`."),
    finality_lag: int = typer.Option(1, min=0, help="Epochs after which a row is final (the chains file's finality_lag)."),
) -> None:
    """Write the ground-truth P&L the simulated network implies (what Aurora must compute)."""
    if chain != "solana":
        # TODO(ethereum): call the Ethereum ledger here once simnet/ethereum provides it.
        raise typer.BadParameter("only solana is available for now", param_hint="--chain")
    try:
        model = SolanaModel(SolanaParams(seed=seed, validators=validators, slots_per_epoch=slots_per_epoch))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    last_complete = model.current_epoch - 1
    last = last_complete if to_epoch is None else to_epoch
    if last > last_complete:
        print(f"note: epochs after {last_complete} are not complete at the simulated head and have no rows")
    try:
        rows = solana_ledger(model, range(from_epoch, last + 1), finality_lag=finality_lag)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--finality-lag") from None
    write_ledger(rows, out)
    print(f"wrote {len(rows)} rows (solana epochs {from_epoch}-{min(last, last_complete)}, {validators} validators) to {out}")
