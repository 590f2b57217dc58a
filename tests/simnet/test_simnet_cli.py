"""`aurora simnet serve` and `aurora simnet ledger`."""

from __future__ import annotations

import csv

import json
import queue
import random
import re
import signal
import socket
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
import requests
import yaml
from typer.testing import CliRunner

from loaders.cli import app
from loaders.config import load_config
from simnet import cli as simnet_cli
from simnet.ledger import LEDGER_COLUMNS, write_ledger
from simnet.solana.ledger import solana_ledger
from simnet.solana.model import SolanaModel, SolanaParams

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


# ---------------------------------------------------------------- ledger
def test_ledger_writes_the_ground_truth_csv(tmp_path):
    out = tmp_path / "truth.csv"
    result = runner.invoke(app, ["simnet", "ledger", "--chain", "solana", "--from-epoch", "3", "--to-epoch", "6", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote 48 rows (solana epochs 3-6, 12 validators) to {out}" in result.output
    lines = out.read_text().splitlines()
    assert lines[0].split(",") == LEDGER_COLUMNS and len(lines) == 1 + 4 * 12
    expected = tmp_path / "expected.csv"
    write_ledger(solana_ledger(SolanaModel(SolanaParams()), range(3, 7)), expected)
    assert out.read_text() == expected.read_text()


def test_ledger_follows_the_seed_and_stops_at_the_last_complete_epoch(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert runner.invoke(app, ["simnet", "ledger", "--out", str(a), "--seed", "3", "--validators", "8"]).exit_code == 0
    result = runner.invoke(app, ["simnet", "ledger", "--out", str(b), "--to-epoch", "20"])
    assert result.exit_code == 0 and "epochs after 7 are not complete" in result.output
    assert len(a.read_text().splitlines()) == 1 + 8 * 8  # epochs 0..7, 8 validators
    assert a.read_text() != b.read_text()


def test_ledger_refuses_what_it_cannot_compute(tmp_path):
    out = str(tmp_path / "x.csv")
    assert runner.invoke(app, ["simnet", "ledger", "--chain", "cosmos", "--out", out]).exit_code == 2
    assert runner.invoke(app, ["simnet", "ledger", "--slots-per-epoch", "30", "--out", out]).exit_code == 2
    refused = runner.invoke(app, ["simnet", "ledger", "--finality-lag", "-1", "--out", out])
    assert refused.exit_code == 2 and not Path(out).exists()


# ---------------------------------------------------------------- serve, in-process
def test_ethereum_ledger_and_exceptions(tmp_path):
    from simnet.ethereum.ledger import ethereum_ledger
    from simnet.ethereum.model import EthereumModel
    from simnet.ethereum.params import EthereumParams

    out, exceptions = tmp_path / "eth.csv", tmp_path / "exceptions.csv"
    result = runner.invoke(app, ["simnet", "ledger", "--chain", "ethereum", "--from-date", "2025-01-02", "--to-date", "2025-01-02",
                                 "--out", str(out), "--exceptions", str(exceptions)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open()))
    model = EthereumModel(EthereumParams(seed=7))
    expected = ethereum_ledger(model, ["2025-01-02"])
    assert len(rows) == len(expected) and {r["period_id"] for r in rows} == {"2025-01-02"}
    assert int(rows[0]["issuance"]) == expected[0].issuance
    assert {r["kind"] for r in csv.DictReader(exceptions.open())} <= {"mev_value_mismatch", "mev_payment_missing", "slashing", "unexpected_fee_recipient"}


def test_serve_in_process_writes_valid_config(tmp_path, monkeypatch):
    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(simnet_cli.time, "sleep", interrupt)
    providers, chains = tmp_path / "simnet-providers.yaml", tmp_path / "simnet-chains.yaml"
    result = runner.invoke(app, ["simnet", "serve", "--no-ethereum", "--write-providers", str(providers), "--write-chains", str(chains)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "stopped"
    config = load_config(chains, providers, None)  # Aurora accepts the files as they are
    assert set(config.chains) == {"solana"}
    urls = dict(re.findall(r"^  (\w+) +(http://\S+)$", result.output, re.M))
    assert set(urls) == {"prices", "solana_rpc", "jito"}
    written = yaml.safe_load(providers.read_text())["providers"]
    assert {key.removeprefix("simnet_"): p["base_url"] for key, p in written.items()} == urls


# ---------------------------------------------------------------- serve, as a process
def free_port_run(count: int) -> int:
    """A port such that it and the next count - 1 are free now. Below the range the kernel hands
    out to outgoing connections (the other test workers open hundreds a minute: a port probed free
    in that range can be taken before the server binds it)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    for _ in range(50):
        base = random.randrange(max(1024, low - 12_000), low - count)
        held = []
        try:
            for port in range(base, base + count):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
    raise RuntimeError("no run of free ports")


def serve_on_free_ports(count: int, *args: str) -> tuple[int, subprocess.Popen, queue.Queue, list[str]]:
    """`aurora simnet serve --port P <args>` on a run of `count` free ports, up to its "serving"
    line: (P, process, output queue, lines so far). A port another process took between the probe
    and the server's bind means another run, never a failed test."""
    for _ in range(5):
        port = free_port_run(count)
        process, lines = start_serving("--port", str(port), *args)
        try:
            return port, process, lines, read_until(lines, "serving")
        except AssertionError as exc:
            if "Address already in use" not in str(exc):
                raise
    raise AssertionError("no run of ports stayed free until the server bound it (5 tries)")


def read_until(lines: queue.Queue, marker: str, timeout: float = 30) -> list[str]:
    seen = []
    while True:
        line = lines.get(timeout=timeout)
        if line is None:
            raise AssertionError("the server exited:\n" + "".join(seen))
        seen.append(line)
        if line.startswith(marker):
            return seen


def start_serving(*args: str) -> tuple[subprocess.Popen, queue.Queue]:
    """`aurora simnet serve <args>` as a process, and a queue of its output lines (None at exit)."""
    command = [sys.executable, "-m", "loaders.cli", "simnet", "serve", *args]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return process, lines


def stop_serving(process: subprocess.Popen, lines: queue.Queue) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0
    assert read_until(lines, "stopped")[-1].strip() == "stopped"


def test_serve_answers_on_consecutive_ports_until_terminated(tmp_path):
    providers = tmp_path / "simnet-providers.yaml"
    port, process, lines, output = serve_on_free_ports(3, "--no-ethereum", "--write-providers", str(providers))
    try:
        urls = dict(re.findall(r"^  (\w+) +(http://\S+)$", "".join(output), re.M))
        assert sorted(int(u.rsplit(":", 1)[1]) for u in urls.values()) == [port, port + 1, port + 2]
        rpc = urls["solana_rpc"]
        call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getEpochInfo"})
        curled = subprocess.run(["curl", "-s", "-X", "POST", "-H", "Content-Type: application/json", "-d", call, rpc],
                                capture_output=True, text=True, timeout=10, check=True)
        assert json.loads(curled.stdout)["result"]["epoch"] == 8
        assert requests.post(rpc, data=call, timeout=5).json() == json.loads(curled.stdout)
        written = yaml.safe_load(providers.read_text())
        assert written["providers"]["simnet_solana_rpc"]["base_url"] == rpc
    finally:
        stop_serving(process, lines)
    with pytest.raises(requests.ConnectionError):
        requests.post(rpc, data=call, timeout=2)


def test_serve_answers_the_ethereum_apis_too(tmp_path):
    apis = ["prices", "solana_rpc", "jito", "beacon", "execution", "relay_flashbots", "relay_ultrasound", "relay_agnostic"]
    providers, chains = tmp_path / "simnet-providers.yaml", tmp_path / "simnet-chains.yaml"
    port, process, lines, seen = serve_on_free_ports(len(apis), "--write-providers", str(providers), "--write-chains", str(chains))
    try:
        output = "".join(seen)
        assert "notice" not in output and "  Ethereum epoch 185, slot 1485, 64 validators" in output
        urls = dict(re.findall(r"^  (\w+) +(http://\S+)$", output, re.M))
        assert list(urls) == apis
        assert [int(u.rsplit(":", 1)[1]) for u in urls.values()] == list(range(port, port + len(apis)))
        curled = subprocess.run(["curl", "-s", urls["beacon"] + "/eth/v1/beacon/genesis"],
                                capture_output=True, text=True, timeout=10, check=True)
        genesis = json.loads(curled.stdout)["data"]
        assert set(genesis) == {"genesis_time", "genesis_validators_root", "genesis_fork_version"}
        config = load_config(chains, providers, None)  # Aurora accepts both chains as written
        assert set(config.chains) == {"solana", "ethereum"}
        written_chains = yaml.safe_load(chains.read_text())["chains"]
        assert genesis["genesis_time"] == str(int(datetime.fromisoformat(
            written_chains["ethereum"]["genesis_time"].replace("Z", "+00:00")).timestamp()))
        written = yaml.safe_load(providers.read_text())
        assert {key.removeprefix("simnet_"): p["base_url"] for key, p in written["providers"].items()} == urls
        roles = {(m["role"], m["provider"]) for m in written["mappings"] if m["chain"] == "ethereum"}
        assert {("rewards", "simnet_beacon"), ("fees", "simnet_execution"), ("mev", "simnet_relay_flashbots")} <= roles
        block = requests.post(urls["execution"], json={"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}, timeout=5)
        assert int(block.json()["result"], 16) > 0
        relay = requests.get(urls["relay_ultrasound"] + "/relay/v1/data/bidtraces/proposer_payload_delivered",
                             params={"limit": 2}, timeout=5)
        assert len(relay.json()) == 2
    finally:
        stop_serving(process, lines)
