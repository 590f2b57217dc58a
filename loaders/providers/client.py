"""One provider over HTTP, and a chain of providers tried by priority.

Retries follow dlt's request helpers (429 and 5xx, connection errors, timeouts, exponential
backoff honouring Retry-After) and add one case they cannot see: a 200 whose body does not parse,
or fails the endpoint's validation, is retried too, because endpoint-specific validation only
exists here. Each attempt is archived. Keys are added at send time and redacted everywhere.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from loaders.config import ProviderConfig
from loaders.providers.archive import ResponseArchive
from loaders.providers.ratelimit import RateLimiter

log = logging.getLogger("aurora.http")

RETRY_STATUS = {429, *range(500, 600)}
# A body is read whole and parsed in memory: refuse one larger than this rather than run out of
# memory (AURORA_HTTP_MAX_RESPONSE_BYTES; a parsed JSON body takes several times its size).
DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024


def max_response_bytes() -> int:
    return int(os.environ.get("AURORA_HTTP_MAX_RESPONSE_BYTES", DEFAULT_MAX_RESPONSE_BYTES))


class ResponseTooLarge(Exception):
    def __init__(self, size: str, limit: int):
        super().__init__(f"the response is {size} bytes, over the {limit:,}-byte limit (AURORA_HTTP_MAX_RESPONSE_BYTES); "
                         "not read: ask for less (a smaller batch or range) or raise the limit")


class PayloadError(ValueError):
    """A response that parsed as JSON but is not what the endpoint promises; names the field."""


class NotFound(Exception):
    """The provider answered 404: the data is not there (pruned, unknown, not yet produced)."""

    def __init__(self, message: str, response_id: str | None = None):
        super().__init__(message)
        self.response_id = response_id


class ClientError(Exception):
    """A 4xx other than 404 and 429: the request itself is wrong; retrying will not help."""


class AttemptsExhausted(Exception):
    def __init__(self, provider: str, endpoint: str, reason: str, malformed: bool, response_id: str | None):
        super().__init__(f"{provider} {endpoint}: {reason}")
        self.provider = provider
        self.endpoint = endpoint
        self.reason = reason
        self.malformed = malformed
        self.response_id = response_id


class Rejected(Exception):
    """Every provider answered, and every answer stayed malformed: store as rejected, go on."""

    def __init__(self, reason: str, response_id: str | None):
        super().__init__(reason)
        self.reason = reason
        self.response_id = response_id


class ProviderUnavailable(Exception):
    """No provider could answer (after retries and fallback)."""


@dataclass
class Fetched:
    value: Any
    response_id: str
    provider: str


@dataclass(frozen=True)
class HttpSettings:
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0
    max_retry_after_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> "HttpSettings":
        return cls(
            backoff_seconds=float(os.environ.get("AURORA_HTTP_BACKOFF_SECONDS", cls.backoff_seconds)),
            max_backoff_seconds=float(os.environ.get("AURORA_HTTP_MAX_BACKOFF_SECONDS", cls.max_backoff_seconds)),
            max_retry_after_seconds=float(os.environ.get("AURORA_HTTP_MAX_RETRY_AFTER_SECONDS", cls.max_retry_after_seconds)),
        )


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: an integer, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class ProviderClient:
    """HTTP to one provider with its rate limit, timeout, retries and API key."""

    def __init__(self, provider: ProviderConfig, archive: ResponseArchive, settings: HttpSettings | None = None):
        self.provider = provider
        self.archive = archive
        self.settings = settings or HttpSettings.from_env()
        self.limiter = RateLimiter(provider.requests_per_second)
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "aurora-pnl"
        self.stats = {"requests": 0, "retries": 0, "waited_seconds": 0.0}

    @property
    def key(self) -> str:
        return self.provider.key

    # ------------------------------------------------------------ secrets
    def _secret(self) -> str | None:
        return self.provider.api_key()

    def redact(self, text: str) -> str:
        secret = self._secret()
        return text.replace(secret, "***") if secret else text

    def _url(self, path: str) -> tuple[str, str]:
        """(the URL to call, the URL to store): a {api_key} placeholder is filled only in the first."""
        base = self.provider.base_url
        stored = base + path
        secret = self._secret()
        return (base.replace("{api_key}", secret) if secret else base) + path, stored

    def _auth(self, params: dict[str, Any] | None) -> tuple[dict[str, Any] | None, dict[str, str]]:
        secret = self._secret()
        if not secret or "{api_key}" in self.provider.base_url:
            return params, {}
        if self.provider.api_key_param:
            return {**(params or {}), self.provider.api_key_param: secret}, {}
        return params, {self.provider.api_key_header or "x-api-key": secret}

    # ------------------------------------------------------------ requests
    def request(
        self,
        method: str,
        path: str,
        *,
        endpoint: str,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        parse: Callable[[Any], Any] | None = None,
        accept: Callable[[Any], bool] | None = None,
        not_found_ok: bool = False,
    ) -> Fetched:
        """Send with retries; return the parsed value. `accept(value)` False asks for a retry but
        keeps the value if attempts run out (a batch with one bad call keeps its good calls)."""
        url, stored_url = self._url(path)
        send_params, headers = self._auth(params)
        archived_params = {"query": params, "body": json_body} if json_body is not None else params
        attempts = self.provider.retries + 1
        reason, malformed, last_id, kept = "no attempt made", False, None, None
        for attempt in range(1, attempts + 1):
            self.stats["waited_seconds"] += self.limiter.wait()
            self.stats["requests"] += 1
            if attempt > 1:
                self.stats["retries"] += 1
            try:
                response = self.session.request(
                    method, url, params=send_params, json=json_body, headers=headers, timeout=self.provider.timeout_seconds,
                    stream=True,
                )
                body = _read_body(response, max_response_bytes())
            except ResponseTooLarge as exc:
                reason = f"{self.key} {endpoint}: {exc}"
                last_id = self.archive.record(
                    provider=self.key, provider_type=self.provider.type, endpoint=endpoint, url=stored_url,
                    params=archived_params, attempt=attempt, http_status=response.status_code, body=None, error=str(exc),
                )
                # The same request would be as large again: no retry; the next provider may page smaller.
                raise AttemptsExhausted(self.key, endpoint, str(exc), True, last_id) from None
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                reason = self.redact(f"{type(exc).__name__}: {exc}")
                malformed = False
                last_id = self.archive.record(
                    provider=self.key, provider_type=self.provider.type, endpoint=endpoint, url=stored_url,
                    params=archived_params, attempt=attempt, http_status=None, body=None, error=reason,
                )
                self._backoff(attempt, attempts, None)
                continue
            status = response.status_code
            last_id = self.archive.record(
                provider=self.key, provider_type=self.provider.type, endpoint=endpoint, url=stored_url,
                params=archived_params, attempt=attempt, http_status=status, body=body,
            )
            if status in RETRY_STATUS:
                reason, malformed = f"HTTP {status}", False
                self._backoff(attempt, attempts, retry_after_seconds(response.headers.get("Retry-After")))
                continue
            if status == 404:
                raise NotFound(f"{self.key} {endpoint}: HTTP 404 {self.redact(_snippet(body))}", last_id)
            if status >= 400:
                raise ClientError(f"{self.key} {endpoint}: HTTP {status} {self.redact(_snippet(body))}")
            try:
                data = json.loads(body)
            except ValueError as exc:
                reason, malformed = f"the body is not valid JSON ({exc}; {len(body)} bytes)", True
                self._backoff(attempt, attempts, None)
                continue
            try:
                value = parse(data) if parse else data
            except PayloadError as exc:
                reason, malformed = str(exc), True
                self._backoff(attempt, attempts, None)
                continue
            if accept is not None and not accept(value):
                kept = Fetched(value, last_id, self.key)
                reason, malformed = "part of the answer is malformed", True
                self._backoff(attempt, attempts, None)
                continue
            return Fetched(value, last_id, self.key)
        if kept is not None:
            return kept
        raise AttemptsExhausted(self.key, endpoint, f"{reason} (after {attempts} attempts)", malformed, last_id)

    def _backoff(self, attempt: int, attempts: int, retry_after: float | None) -> None:
        if attempt >= attempts:
            return
        if retry_after is not None:
            delay = min(retry_after, self.settings.max_retry_after_seconds)
        else:
            delay = min(self.settings.backoff_seconds * 2 ** (attempt - 1), self.settings.max_backoff_seconds)
        self.stats["waited_seconds"] += delay
        time.sleep(delay)


def _read_body(response: requests.Response, limit: int) -> bytes:
    """The body, read in chunks and given up on as soon as it passes `limit` (or when its
    Content-Length says it will), so an oversized answer never sits in memory."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > limit:
        response.close()
        raise ResponseTooLarge(f"{int(declared):,}", limit)
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=1024 * 1024):
        size += len(chunk)
        if size > limit:
            response.close()
            raise ResponseTooLarge(f"more than {limit:,}", limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _snippet(body: bytes, limit: int = 200) -> str:
    return body[:limit].decode("utf-8", errors="replace")


class ProviderChain:
    """Providers for one (chain, role) in priority order; the next takes over when one fails."""

    def __init__(self, clients: list[ProviderClient], what: str):
        if not clients:
            raise ProviderUnavailable(f"no provider is mapped for {what} in the providers file")
        self.clients = clients
        self.what = what
        self.fallbacks = 0

    def call(self, op: Callable[[ProviderClient], Fetched]) -> Fetched:
        failures: list[Exception] = []
        for position, client in enumerate(self.clients):
            try:
                return op(client)
            except (AttemptsExhausted, ClientError, NotFound) as exc:
                # A 404 falls back too: the next provider may be an archive node.
                failures.append(exc)
                if position + 1 < len(self.clients):
                    self.fallbacks += 1
                    log.warning("%s: %s; falling back to %s", self.what, exc, self.clients[position + 1].key)
        if all(isinstance(f, NotFound) for f in failures):
            raise failures[-1]
        if all(isinstance(f, AttemptsExhausted) and f.malformed for f in failures):
            last = failures[-1]
            assert isinstance(last, AttemptsExhausted)
            raise Rejected("; ".join(str(f) for f in failures), last.response_id)
        raise ProviderUnavailable(f"{self.what}: every provider failed: " + "; ".join(str(f) for f in failures))
