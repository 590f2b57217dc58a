"""`aurora simnet`: serve the simulated network, or write its ground-truth ledger."""

from __future__ import annotations

import signal
import time
from datetime import datetime
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


def ethereum_params(seed: int):
    from simnet.ethereum.params import EthereumParams

    return EthereumParams(seed=seed)


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
    ethereum = None if no_ethereum else ethereum_params(seed)
    net = SimNetwork(NetworkSpec(seed=seed, solana=solana, ethereum=ethereum, host=host))
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
    chain: str = typer.Option("solana", help="solana or ethereum."),
    from_epoch: int = typer.Option(0, min=0, help="Solana: first epoch."),
    to_epoch: Optional[int] = typer.Option(None, help="Solana: last epoch (default: the last complete one)."),
    from_date: Optional[datetime] = typer.Option(None, formats=["%Y-%m-%d"], help="Ethereum: first UTC day (default: genesis)."),
    to_date: Optional[datetime] = typer.Option(None, formats=["%Y-%m-%d"], help="Ethereum: last UTC day (default: the head's)."),
    exceptions: Optional[Path] = typer.Option(None, help="Ethereum: also write the expected exceptions (slashing, MEV anomalies) here."),
    seed: int = typer.Option(7, help="Seed, as given to `serve`."),
    validators: int = typer.Option(12, help="Solana validators, as given to `serve`."),
    slots_per_epoch: int = typer.Option(96, help="Solana slots per epoch, as given to `serve`."),
    finality_lag: int = typer.Option(1, min=0, help="Solana: epochs a missing input is awaited before it is a gap (the chains file's finality_lag)."),
) -> None:
    """Write the ground-truth P&L the simulated network implies (what Aurora must compute)."""
    if chain == "ethereum":
        _ethereum_ledger(out, exceptions, seed, from_date, to_date)
        return
    if chain != "solana":
        raise typer.BadParameter("must be solana or ethereum", param_hint="--chain")
    try:
        model = SolanaModel(SolanaParams(seed=seed, validators=validators, slots_per_epoch=slots_per_epoch))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    last_complete = model.current_epoch - 1
    last = last_complete if to_epoch is None else to_epoch
    if last > last_complete:
        print(f"note: epochs after {last_complete} are not complete at the simulated head and have no rows")
    rows = solana_ledger(model, range(from_epoch, last + 1), finality_lag=finality_lag)
    write_ledger(rows, out)
    print(f"wrote {len(rows)} rows (solana epochs {from_epoch}-{min(last, last_complete)}, {validators} validators) to {out}")


def _ethereum_ledger(out: Path, exceptions: Optional[Path], seed: int, from_date, to_date) -> None:
    from simnet.ethereum.ledger import ethereum_exceptions, ethereum_ledger
    from simnet.ethereum.model import EthereumModel
    from simnet.ledger import write_exceptions

    model = EthereumModel(ethereum_params(seed))
    days = [d for d in model.days()
            if (from_date is None or d >= from_date.date()) and (to_date is None or d <= to_date.date())]
    rows = ethereum_ledger(model, days)
    write_ledger(rows, out)
    print(f"wrote {len(rows)} rows (ethereum days {days[0]}..{days[-1]}, {model.params.validators} validators) to {out}"
          if days else f"no day in range; wrote the header to {out}")
    if exceptions:
        found = ethereum_exceptions(model, days)
        write_exceptions(found, exceptions)
        print(f"wrote {len(found)} exceptions to {exceptions}")
