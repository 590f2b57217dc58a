"""How fast the simnet generates its big answers, and how little memory that takes.

    python bench/simnet_bench.py                    # every case at every size
    python bench/simnet_bench.py --case kobe --sizes 2000,10000

Each (case, size) runs in a fresh subprocess so its peak RSS is its own. A run builds the model
and warms it (the epochs the answer reads), then streams the answer through
simnet.jsonstream.iter_chunks, as the HTTP server does, twice: once timed, once under
tracemalloc. One extra run per case goes through the real HTTP server (2,000 validators;
10,000 for the Ethereum attestation rewards).

Columns: entries/s and MB/s of generation; tracemalloc peak of the generation pass (Python
allocations while streaming, the model excluded); RSS growth while streaming, and the process's
peak RSS (model included). A streaming answer keeps the first two flat as the size grows.

To add a case, write a function `size -> Prepared` and register it in CASES; nothing else
changes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from own_peak import own_peak_rss  # noqa: E402  (bench/ is the script's directory: on sys.path)
from simnet.http import Request, SimServer  # noqa: E402
from simnet.jsonstream import iter_chunks  # noqa: E402
from simnet.solana.jito import JitoKobeApi  # noqa: E402
from simnet.solana.model import SolanaModel, SolanaParams  # noqa: E402
from simnet.solana.rpc import SolanaRpcApi  # noqa: E402


@dataclass
class Prepared:
    """A warmed model's answer: `body()` builds it afresh (lazily) each call."""

    body: Callable[[], Any]
    entries: int
    http: Callable[[str], Iterable[bytes]] | None = None  # stream the answer from a served API
    api: Any = None


@dataclass(frozen=True)
class Case:
    name: str
    sizes: tuple[int, ...]
    prepare: Callable[[int], Prepared]


# ---------------------------------------------------------------- Solana cases
def _solana_model(validators: int) -> SolanaModel:
    model = SolanaModel(SolanaParams(validators=validators))
    for epoch in range(model.current_epoch + 1):
        model.epoch(epoch)
    return model


def vote_accounts(validators: int) -> Prepared:
    import requests

    api = SolanaRpcApi(_solana_model(validators))
    call = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getVoteAccounts"}).encode()
    route = api.routes()[0]

    def over_http(url: str) -> Iterable[bytes]:
        with requests.post(url, data=call, headers={"Content-Type": "application/json"}, stream=True, timeout=600) as response:
            yield from response.iter_content(65536)

    prepared = Prepared(lambda: route.handler(Request("POST", "/", {}, {}, call)).body, validators, over_http, api)
    sum(len(c) for c in iter_chunks(prepared.body()))  # warm: current-epoch credits are cached per head
    return prepared


def kobe_validators(validators: int) -> Prepared:
    import requests

    api = JitoKobeApi(_solana_model(validators))

    def over_http(url: str) -> Iterable[bytes]:
        with requests.get(url + "/api/v1/validators", stream=True, timeout=600) as response:
            yield from response.iter_content(65536)

    return Prepared(lambda: api.validators(Request("GET", "/api/v1/validators", {}, {}, b"")).body, validators, over_http, api)


# ---------------------------------------------------------------- Ethereum cases
def attestation_rewards(validators: int) -> Prepared:
    """POST /eth/v1/beacon/rewards/attestations/{epoch} with body [] (every validator), for the
    latest epoch whose rewards are known; entries = total_rewards rows (2,048 ideal_rewards too)."""
    import requests

    from simnet.ethereum.beacon import BeaconApi
    from simnet.ethereum.model import EthereumModel

    model = EthereumModel(validators=validators)
    epoch = model.last_rewarded_epoch
    api = BeaconApi(model)
    path = f"/eth/v1/beacon/rewards/attestations/{epoch}"

    def body() -> Any:
        request = Request("POST", path, {}, {"Content-Type": "application/json"}, b"[]", {"epoch": str(epoch)})
        return api.attestation_rewards(request).body

    def over_http(url: str) -> Iterable[bytes]:
        with requests.post(url + path, json=[], stream=True, timeout=600) as response:
            yield from response.iter_content(65536)

    next(model.iter_attestation_rows(epoch, [0]))  # warm: the epoch's reward table
    return Prepared(body, model.attestation_validators(epoch), over_http, api)


CASES: dict[str, Case] = {
    "solana-getVoteAccounts": Case("solana-getVoteAccounts", (2_000, 10_000, 100_000), vote_accounts),
    "kobe-validators": Case("kobe-validators", (2_000, 10_000, 100_000), kobe_validators),
    "ethereum-attestation-rewards": Case("ethereum-attestation-rewards", (10_000, 100_000, 1_000_000), attestation_rewards),
}
HTTP_RUNS = [("solana-getVoteAccounts", 2_000), ("kobe-validators", 2_000), ("ethereum-attestation-rewards", 10_000)]


# ---------------------------------------------------------------- one measurement (in a child process)
def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure(case: Case, size: int, over_http: bool) -> dict[str, Any]:
    started = time.perf_counter()
    prepared = case.prepare(size)
    setup = time.perf_counter() - started
    server = None
    if over_http:
        from simnet.faults import FaultPlan

        server = SimServer(prepared.api, FaultPlan()).start()
        stream = lambda: prepared.http(server.url)  # noqa: E731
    else:
        stream = lambda: iter_chunks(prepared.body())  # noqa: E731
    try:
        rss_before, rss_peak = rss_bytes(), 0
        started = time.perf_counter()
        size_bytes = 0
        for k, chunk in enumerate(stream()):
            size_bytes += len(chunk)
            if k % 8 == 0:
                rss_peak = max(rss_peak, rss_bytes())
        seconds = time.perf_counter() - started
        rss_peak = max(rss_peak, rss_bytes())
        tracemalloc.start()
        for _ in stream():
            pass
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        if server:
            server.stop()
    return {
        "case": case.name + (" (HTTP)" if over_http else ""),
        "size": size,
        "setup_s": setup,
        "seconds": seconds,
        "bytes": size_bytes,
        "entries_per_s": prepared.entries / seconds,
        "mb_per_s": size_bytes / seconds / 1e6,
        "traced_peak": traced_peak,
        "rss_growth": max(rss_peak - rss_before, 0),
        "rss_max": own_peak_rss(),  # not ru_maxrss: that starts from the parent's high-water mark
    }


# ---------------------------------------------------------------- the table
def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"


def print_table(rows: list[dict[str, Any]]) -> None:
    header = ["case", "validators", "body", "setup", "generate", "entries/s", "MB/s", "traced peak", "peak/body", "RSS growth", "RSS max"]
    table = [header]
    for r in rows:
        table.append([
            r["case"], f"{r['size']:,}", mib(r["bytes"]), f"{r['setup_s']:.1f}s", f"{r['seconds']:.2f}s",
            f"{r['entries_per_s']:,.0f}", f"{r['mb_per_s']:.1f}", mib(r["traced_peak"]),
            f"{r['traced_peak'] / r['bytes']:.3f}", mib(r["rss_growth"]), mib(r["rss_max"]),
        ])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for k, row in enumerate(table):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))
        if k == 0:
            print("  ".join("-" * w for w in widths))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", action="append", help="case name (substring); repeatable; default: all")
    parser.add_argument("--sizes", help="comma-separated validator counts, overriding each case's sizes")
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP runs")
    parser.add_argument("--one", nargs=3, metavar=("CASE", "SIZE", "HTTP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # the child: one measurement, as JSON
        name, size, http = args.one
        print(json.dumps(measure(CASES[name], int(size), http == "1")))
        return
    runs = []
    for name, case in CASES.items():
        if args.case and not any(c in name for c in args.case):
            continue
        sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else case.sizes
        runs += [(name, size, False) for size in sizes]
    if not args.no_http:
        runs += [(name, size, True) for name, size in HTTP_RUNS if not args.case or any(c in name for c in args.case)]
    rows = []
    for name, size, http in runs:
        print(f"running {name} at {size:,}{' over HTTP' if http else ''} ...", file=sys.stderr, flush=True)
        out = subprocess.run([sys.executable, __file__, "--one", name, str(size), "1" if http else "0"],
                             capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print_table(rows)


if __name__ == "__main__":
    main()
