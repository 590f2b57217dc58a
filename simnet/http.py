"""A small threaded HTTP server for the simulated APIs, with streaming and fault injection."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from simnet.faults import CONTENT_KINDS, Fault, FaultPlan, apply_content_fault
from simnet.jsonstream import iter_chunks

HTTP_KINDS = ("rate_limit", "server_error", "slow", "truncate")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    path_params: dict[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def json(self) -> Any:
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise ApiError(400, {"code": 400, "message": "request body is not valid JSON"}) from None


class ApiError(Exception):
    """An error answer: status and JSON body, as the real API shapes it."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


@dataclass
class Reply:
    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


@dataclass
class Route:
    method: str
    pattern: str  # e.g. /eth/v1/beacon/rewards/blocks/{block_id}
    name: str  # the endpoint name faults match on
    handler: Callable[[Request], Reply]

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern)
        self._regex = re.compile("^" + regex + "$")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        if method != self.method:
            return None
        found = self._regex.match(path)
        return found.groupdict() if found else None


class Api:
    """One simulated provider API, served by one SimServer."""

    name: str = "api"
    plan: FaultPlan | None = None  # set by the SimServer serving it; None: no faults (direct use)
    # JSON-RPC applies content faults per call inside a batch, not to the whole body.
    faults_content_per_call: bool = False

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def describe(self, request: Request, route: Route | None) -> list[tuple[str, dict[str, Any]]]:
        """(endpoint, params) pairs a request stands for, for fault matching."""
        if route is None:
            return []
        params: dict[str, Any] = {k: v[-1] for k, v in request.query.items()}
        params.update(request.path_params)
        return [(route.name, params)]

    def content_fault(self, endpoint: str, params: dict[str, Any]) -> Fault | None:
        return self.plan.pick(self.name, endpoint, params, CONTENT_KINDS) if self.plan else None


class SimServer:
    """Serves one Api on 127.0.0.1 (an ephemeral port by default) in a background thread."""

    def __init__(self, api: Api, plan: FaultPlan, host: str = "127.0.0.1", port: int = 0):
        self.api = api
        self.plan = plan
        api.plan = plan
        self.requests: Counter[str] = Counter()
        self._routes = api.routes()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "SimServer":
        # A short poll interval: stop() waits up to one interval, and tests start many networks.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"simnet-{self.api.name}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # ------------------------------------------------------------ request handling
    def _route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self._routes:
            params = route.match(method, path)
            if params is not None:
                return route, params
        return None, {}

    def handle(self, request: Request) -> tuple[int, dict[str, str], Iterator[bytes] | bytes, Fault | None]:
        route, request.path_params = self._route(request.method, request.path)
        described = self.api.describe(request, route)
        for endpoint, _ in described:
            self.requests[endpoint] += 1
        fault = None
        for endpoint, params in described:
            fault = self.plan.pick(self.api.name, endpoint, params, HTTP_KINDS)
            if fault:
                break
        if fault and fault.kind == "rate_limit":
            body = json.dumps({"code": 429, "message": "Too many requests"}).encode()
            return 429, {"Retry-After": _seconds(fault.retry_after), "Content-Type": "application/json"}, body, None
        if fault and fault.kind == "server_error":
            return fault.status, {"Content-Type": "text/plain"}, f"{fault.status} simulated upstream error".encode(), None
        if fault and fault.kind == "slow":
            time.sleep(fault.delay)
        if route is None:
            body = json.dumps({"code": 404, "message": f"no route for {request.method} {request.path}"}).encode()
            return 404, {"Content-Type": "application/json"}, body, None
        try:
            reply = route.handler(request)
        except ApiError as exc:
            return exc.status, {"Content-Type": "application/json", **exc.headers}, json.dumps(exc.body).encode(), None
        except Exception as exc:  # a simulator bug: answer like a broken server, keep serving
            body = json.dumps({"code": 500, "message": f"simnet internal error: {type(exc).__name__}: {exc}"})
            return 500, {"Content-Type": "application/json"}, body.encode(), None
        body = reply.body
        if isinstance(body, (bytes, str)):
            chunks: Iterator[bytes] | bytes = body.encode() if isinstance(body, str) else body
        else:
            for endpoint, params in ([] if self.api.faults_content_per_call else described[:1]):
                content = self.api.content_fault(endpoint, params)
                if content:
                    body = apply_content_fault(body, content)
            chunks = iter_chunks(body)
        headers = {"Content-Type": reply.content_type, **reply.headers}
        return reply.status, headers, chunks, fault if fault and fault.kind == "truncate" else None

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle on, a keep-alive client
            # waits ~40 ms for each answer.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet: tests and `serve` print their own
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=parts.path.rstrip("/") or "/",
                    query=parse_qs(parts.query, keep_blank_values=True),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                status, headers, chunks, truncate = server.handle(request)
                try:
                    self._send(status, headers, chunks, truncate)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (a timeout): fine

            def _send(self, status: int, headers: dict[str, str], chunks, truncate: Fault | None) -> None:
                if isinstance(chunks, bytes):
                    first, rest = chunks, iter(())
                else:
                    first = next(chunks, b"")
                    rest = chunks
                if truncate is not None:
                    whole = first + b"".join(rest)
                    first, rest = whole[: max(1, len(whole) // 2)], iter(())
                second = next(rest, None)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if second is None:
                    self.send_header("Content-Length", str(len(first)))
                    self.end_headers()
                    self.wfile.write(first)
                    return
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for chunk in (first, second):
                    self._chunk(chunk)
                for chunk in rest:
                    self._chunk(chunk)
                self.wfile.write(b"0\r\n\r\n")

            def _chunk(self, data: bytes) -> None:
                if data:
                    self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")

            do_GET = _serve
            do_POST = _serve

        return Handler


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
