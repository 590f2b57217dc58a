"""Answers of the simulated network recorded once and replayed from disk.

Every load in pipeline_bench runs with the simulator on the same two cores, and at network scale
the simulator generating the answers is the largest CPU of the run (859 s of a 1,106 s load of a
mainnet-shaped day of 1,000,000 validators). A beacon node on another machine would not share
the cores. Replaying stands in for that: the first run with `--replay DIR` records every answer
the simulator gives (status, headers and the whole body, one file per request), the next runs
with the same DIR and the same network serve each request from its file and only ask the
simulator what was never recorded. What is left on the bench's cores is reading a file and
writing it to the socket; its CPU is measured and reported as the simulator's, as before.

A request is known by its API, method, path, query (sorted) and body: the loader's requests are
the same from run to run (index ranges, epochs, slots, JSON-RPC batches numbered from 0). Each
network's answers are kept in a subdirectory named by a digest of what they depend on (the
simulated parameters and head, written beside them as `network.json`), so one directory serves
several sizes and never hands one network's answers to another. A network with faults in force is
never recorded or replayed: an answer would stand for a fault that may not apply to the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

NETWORK_FILE = "network.json"


def request_key(api: str, method: str, path: str, query: dict[str, list[str]], body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (api, method, path, urlencode(sorted(query.items()), doseq=True)):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


class AnswerStore:
    """One file per request under `directory/<2 hex>/<key>`: a JSON line (status, headers), then
    the body as sent."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.counts: Counter[str] = Counter()  # "replayed", "recorded"
        self._lock = threading.Lock()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / key

    def get(self, key: str) -> tuple[int, dict[str, str], bytes] | None:
        try:
            data = self._path(key).read_bytes()
        except FileNotFoundError:
            return None
        head, _, body = data.partition(b"\n")
        meta = json.loads(head)
        return meta["status"], meta["headers"], body

    def put(self, key: str, status: int, headers: dict[str, str], body: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written under another name and renamed: two threads recording one request, or a run
        # stopped mid-write, never leave half an answer to replay.
        tmp = path.with_name(f"{key}.{os.getpid()}.{threading.get_ident()}.tmp")
        with open(tmp, "wb") as out:
            out.write(json.dumps({"status": status, "headers": headers}).encode() + b"\n")
            out.write(body)
        os.replace(tmp, path)

    def count(self, what: str) -> None:
        with self._lock:
            self.counts[what] += 1


def network_description(net: Any) -> dict[str, Any]:
    """What the answers depend on: each chain's simulated parameters and head."""
    out: dict[str, Any] = {}
    for chain in ("solana", "ethereum"):
        model = getattr(net, chain, None)
        if model is not None:
            out[chain] = {"params": repr(model.p), "head_slot": model.head_slot}
    return out


@contextmanager
def replaying(net: Any, directory: Path) -> Iterator[AnswerStore]:
    """Serve `net`'s requests from its recording under `directory`, recording what it does not
    hold yet. Call it once the network is configured (its head set): the network is described on
    entry, and each network has a subdirectory of its own."""
    if any(server.plan.faults for server in net.servers.values()):
        raise ValueError("a network with faults in force is not recorded or replayed")
    described = json.dumps(network_description(net), indent=2, sort_keys=True)
    directory = directory / hashlib.sha256(described.encode()).hexdigest()[:16]
    directory.mkdir(parents=True, exist_ok=True)
    (directory / NETWORK_FILE).write_text(described)
    store = AnswerStore(directory)
    originals = {}
    for server in net.servers.values():
        originals[server] = server.handle
        server.handle = _replaying_handle(server, server.handle, store)
    try:
        yield store
    finally:
        for server, handle in originals.items():
            server.handle = handle


def _replaying_handle(server: Any, live: Any, store: AnswerStore) -> Any:
    def handle(request: Any) -> tuple[int, dict[str, str], bytes, None]:
        key = request_key(server.api.name, request.method, request.path, request.query, request.body)
        found = store.get(key)
        if found is not None:
            route, request.path_params = server._route(request.method, request.path)
            for endpoint, _ in server.api.describe(request, route):
                server.requests[endpoint] += 1  # counted as the live server counts
            store.count("replayed")
            return (*found, None)
        status, headers, chunks, _ = live(request)  # no faults here (checked on entry): nothing truncated
        body = chunks if isinstance(chunks, bytes) else b"".join(chunks)
        store.put(key, status, headers, body)
        store.count("recorded")
        return status, headers, body, None

    return handle
