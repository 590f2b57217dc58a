"""The whole simulated network: models, one HTTP server per API, config files pointing at them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from simnet.faults import FaultPlan
from simnet.http import SimServer
from simnet.prices import CoinGeckoApi, PriceModel
from simnet.solana.jito import JitoKobeApi
from simnet.solana.model import SolanaModel, SolanaParams
from simnet.solana.rpc import SolanaRpcApi


@dataclass
class NetworkSpec:
    seed: int = 7
    solana: SolanaParams | None = field(default_factory=SolanaParams)
    ethereum: Any = "default"  # EthereumParams, "default", or None for a Solana-only network
    host: str = "127.0.0.1"
    # Finality lag written to the chains file (periods); the ledgers mark rows final with it.
    solana_finality_lag: int = 1
    ethereum_finality_lag: int = 1


class SimNetwork:
    """Start with `with SimNetwork(spec) as net:`; `net.urls` lists each API's base URL."""

    def __init__(self, spec: NetworkSpec | None = None, faults: FaultPlan | None = None, ports: dict[str, int] | None = None):
        self.spec = spec or NetworkSpec()
        self.faults = faults or FaultPlan()
        self.ports = ports or {}
        self.solana: SolanaModel | None = SolanaModel(self.spec.solana) if self.spec.solana else None
        self.ethereum = None
        self.prices = PriceModel(self.spec.seed)
        if self.spec.ethereum is not None:
            from simnet.ethereum.model import EthereumModel
            from simnet.ethereum.params import EthereumParams

            params = EthereumParams() if self.spec.ethereum == "default" else self.spec.ethereum
            self.ethereum = EthereumModel(params)
        self.servers: dict[str, SimServer] = {}

    # ------------------------------------------------------------ lifecycle
    def _apis(self) -> dict[str, Any]:
        apis: dict[str, Any] = {"prices": CoinGeckoApi(self.prices)}
        if self.solana:
            apis["solana_rpc"] = SolanaRpcApi(self.solana)
            apis["jito"] = JitoKobeApi(self.solana)
        if self.ethereum:
            from simnet.ethereum.beacon import BeaconApi
            from simnet.ethereum.execution import ExecutionApi
            from simnet.ethereum.relay import RelayApi

            apis["beacon"] = BeaconApi(self.ethereum)
            apis["execution"] = ExecutionApi(self.ethereum)
            for relay in self.ethereum.p.relays:
                apis[f"relay_{relay}"] = RelayApi(self.ethereum, relay)
        return apis

    def api_names(self) -> list[str]:
        """The APIs this network serves, in the order `start` starts them (keys of `urls`)."""
        return list(self._apis())

    def start(self) -> "SimNetwork":
        for key, api in self._apis().items():
            self.servers[key] = SimServer(api, self.faults, self.spec.host, self.ports.get(key, 0)).start()
        return self

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()
        self.servers.clear()

    def __enter__(self) -> "SimNetwork":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def urls(self) -> dict[str, str]:
        return {key: server.url for key, server in self.servers.items()}

    def requests(self, key: str) -> dict[str, int]:
        """How many requests each endpoint of one API has answered."""
        return dict(self.servers[key].requests)

    # ------------------------------------------------------------ config files for Aurora
    def chains_config(self) -> dict[str, Any]:
        chains: dict[str, Any] = {}
        if self.solana:
            p = self.solana.p
            chains["solana"] = {
                "family": "solana",
                "name": "Solana (simnet)",
                "period_type": "epoch",
                "native_symbol": "SOL",
                "base_unit": "lamports",
                "decimals": 9,
                "slots_per_epoch": p.slots_per_epoch,
                "slot_seconds": p.slot_ms / 1000,
                "genesis_time": _iso(p.genesis_time),
                "finality_lag": self.spec.solana_finality_lag,
                "price_id": "solana",
                "vote_credits_per_vote": 16,
                "lamports_per_signature": 5000,
            }
        if self.ethereum:
            p = self.ethereum.p
            chains["ethereum"] = {
                "family": "ethereum",
                "name": "Ethereum (simnet)",
                "period_type": "day",
                "native_symbol": "ETH",
                "base_unit": "wei",
                "decimals": 18,
                "consensus_unit": "gwei",
                "consensus_decimals": 9,
                "slots_per_epoch": p.slots_per_epoch,
                "slot_seconds": p.seconds_per_slot,
                "genesis_time": _iso(p.genesis_time),
                "finality_lag": self.spec.ethereum_finality_lag,
                "price_id": "ethereum",
            }
        return {"chains": chains}

    def providers_config(self, requests_per_second: float = 500, timeout_seconds: float = 5, retries: int = 3) -> dict[str, Any]:
        types = {"solana_rpc": "solana_rpc", "jito": "jito", "beacon": "beacon", "execution": "execution_rpc", "prices": "prices"}
        providers: dict[str, Any] = {}
        for key, url in self.urls.items():
            providers[f"simnet_{key}"] = {
                "type": "relay" if key.startswith("relay_") else types[key],
                "base_url": url,
                "requests_per_second": requests_per_second,
                "timeout_seconds": timeout_seconds,
                "retries": retries,
            }
        mappings = []

        def add(chain: str, role: str, key: str, priority: int = 1) -> None:
            if key in self.servers:
                mappings.append({"chain": chain, "role": role, "provider": f"simnet_{key}", "priority": priority})

        if self.solana:
            for role in ("rewards", "fees", "meta"):
                add("solana", role, "solana_rpc")
            add("solana", "mev", "jito")
            add("solana", "prices", "prices")
        if self.ethereum:
            add("ethereum", "rewards", "beacon")
            add("ethereum", "meta", "beacon")
            add("ethereum", "fees", "execution")
            for priority, relay in enumerate(self.ethereum.p.relays, start=1):
                add("ethereum", "mev", f"relay_{relay}", priority)
            add("ethereum", "prices", "prices")
        return {"providers": providers, "mappings": mappings}

    def write_config(self, directory: Path, **provider_settings: Any) -> dict[str, Path]:
        """Write chains.yaml and providers.yaml for this network into `directory`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = {"chains": directory / "chains.yaml", "providers": directory / "providers.yaml"}
        header = "# Written by `aurora simnet serve`: points Aurora at the simulated network.\n"
        paths["chains"].write_text(header + yaml.safe_dump(self.chains_config(), sort_keys=False))
        paths["providers"].write_text(header + yaml.safe_dump(self.providers_config(**provider_settings), sort_keys=False))
        return paths


def _iso(unix: int) -> str:
    return datetime.fromtimestamp(unix, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
