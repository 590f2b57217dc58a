"""One provider over HTTP, and a chain of providers tried by priority.

Retries follow dlt's request helpers (429 and 5xx, connection errors, timeouts, exponential
backoff honouring Retry-After) and add one case they cannot see: a 200 whose body does not parse,
or fails the endpoint's validation, is retried too, because endpoint-specific validation only
exists here. Each attempt is archived.

Keys are added at send time and redacted everywhere, in every form they can take on the way out
(literal, percent-encoded either way, JSON- or repr-escaped, base64): in errors, archived rows,
exceptions, and every log record (a record factory, so urllib3's debug lines too). Redirects are
followed here, not by requests: a key never follows a redirect to another host (requests would
drop an Authorization header but send a custom header such as x-api-key along).
"""

from __future__ import annotations

import base64
import html
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, quote_plus, urljoin, urlsplit

import requests
from requests.utils import requote_uri

from loaders.config import ProviderConfig
from loaders.providers.archive import ResponseArchive
from loaders.providers.http_session import OriginSession
from loaders.providers.json_text import body_text, kept
from loaders.providers.ratelimit import RateLimiter

log = logging.getLogger("aurora.http")

RETRY_STATUS = {429, *range(500, 600)}
MAX_REDIRECTS = 5
MASK = "***"


# ---------------------------------------------------------------- secrets, in every form
def secret_forms(secret: str) -> list[str]:
    """Every spelling of `secret` that can end up in a message, longest first."""
    forms = {secret, requote_uri(secret), html.escape(secret), json.dumps(secret)[1:-1], repr(secret)[1:-1],
             repr(secret.encode())[2:-1], secret.encode("unicode_escape").decode("ascii")}
    for encoded in (quote(secret, safe=""), quote(secret), quote(secret, safe="/:@"), quote_plus(secret), quote_plus(secret, safe="/")):
        forms.add(encoded)
        forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), encoded))
    raw = secret.encode()
    forms.update({base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")})
    return sorted((f for f in forms if f), key=len, reverse=True)


def redact_secret(text: str, secret: str | None) -> str:
    if not secret or not text:
        return text
    for form in secret_forms(secret):
        text = text.replace(form, MASK)
    return text


class _LogRedaction:
    """Masks the keys of every live ProviderClient in every log record, whoever logs it."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.lock = threading.Lock()
        self.installed = False

    def add(self, secret: str) -> None:
        with self.lock:
            self.secrets.add(secret)
            if not self.installed:
                previous = logging.getLogRecordFactory()

                def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
                    return self.redact_record(previous(*args, **kwargs))

                logging.setLogRecordFactory(factory)
                self.installed = True

    def redact(self, text: str) -> str:
        for secret in list(self.secrets):
            text = redact_secret(text, secret)
        return text

    def redact_record(self, record: logging.LogRecord) -> logging.LogRecord:
        if not self.secrets:
            return record
        try:
            message = record.getMessage()
        except Exception:
            return record
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        return record


LOG_REDACTION = _LogRedaction()


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
    """No provider could answer (after retries and fallback). `what` is "<chain>/<role>"."""

    def __init__(self, message: str, what: str | None = None):
        super().__init__(message)
        self.what = what

    @property
    def role(self) -> str | None:
        return self.what.rsplit("/", 1)[-1] if self.what else None


class RedirectRefused(ClientError):
    """A redirect that would carry the API key to another host (or down to plain http)."""


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
        self.session = OriginSession(pool_maxsize=16)
        self.session.headers["User-Agent"] = "aurora-pnl"
        self.stats = {"requests": 0, "retries": 0, "waited_seconds": 0.0, "quick_read_fallbacks": 0}
        secret = self._secret()
        if secret:
            LOG_REDACTION.add(secret)

    @property
    def key(self) -> str:
        return self.provider.key

    # ------------------------------------------------------------ secrets
    def _secret(self) -> str | None:
        return self.provider.api_key()

    def redact(self, text: str) -> str:
        """`text` without this provider's key, in any of the forms it can take."""
        return redact_secret(text, self._secret())

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
        read: Callable[[bytes], Any] | None = None,
    ) -> Fetched:
        """Send with retries; return the parsed value. `accept(value)` False asks for a retry but
        keeps the value if attempts run out (a batch with one bad call keeps its good calls).
        `read(body)`, for a large answer of a known shape: a quicker reading of a 2xx body than
        json.loads then `parse`, giving exactly what they would give, or None to read the body
        that way (anything it is not sure of: the ordinary path accepts, refuses and names)."""
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
                response = self._send(method, url, send_params, json_body, headers, endpoint)
                body = _read_body(response, max_response_bytes())
            except RedirectRefused as exc:
                self.archive.record(
                    provider=self.key, provider_type=self.provider.type, endpoint=endpoint, url=stored_url,
                    params=archived_params, attempt=attempt, http_status=None, body=None, error=str(exc),
                )
                raise
            except ResponseTooLarge as exc:
                reason = f"{self.key} {endpoint}: {exc}"
                last_id = self.archive.record(
                    provider=self.key, provider_type=self.provider.type, endpoint=endpoint, url=stored_url,
                    params=archived_params, attempt=attempt, http_status=response.status_code, body=None, error=str(exc),
                )
                # The same request would be as large again: no retry; the next provider may page smaller.
                raise AttemptsExhausted(self.key, endpoint, str(exc), True, last_id) from None
            except requests.RequestException as exc:
                transient = isinstance(exc, (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError))
                reason = self.redact(f"{type(exc).__name__}: {exc}")
                if not transient:  # an invalid URL or the like: retrying cannot help
                    self.archive.record(
                        provider=self.key, provider_type=self.provider.type, endpoint=endpoint, url=stored_url,
                        params=archived_params, attempt=attempt, http_status=None, body=None, error=reason,
                    )
                    raise ClientError(f"{self.key} {endpoint}: {reason}") from None
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
            value = self._quick_read(read, body) if read is not None else None
            if value is None:
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

    def _quick_read(self, read: Callable[[bytes], Any], body: bytes) -> Any:
        """`read(body)`, or None when it raises: a quick reader is only a shortcut, so a body it
        trips on goes the ordinary way (json.loads, then parse), which accepts it or refuses it
        naming the provider, endpoint and field, instead of ending the run with a traceback."""
        try:
            return read(body)
        except Exception:  # noqa: BLE001 - any surprise of the shortcut: the ordinary path decides
            self.stats["quick_read_fallbacks"] += 1
            return None

    def _send(self, method: str, url: str, params: dict[str, Any] | None, json_body: Any,
              headers: dict[str, str], endpoint: str) -> requests.Response:
        """One request, its redirects followed by hand: the key goes only where it was meant to."""
        origin = urlsplit(url)
        hop_params, hop_method, hop_body = params, method, json_body
        for _ in range(MAX_REDIRECTS + 1):
            response = self.session.request(
                hop_method, url, params=hop_params, **_body_kwargs(hop_body, headers),
                timeout=self.provider.timeout_seconds, allow_redirects=False, stream=True,
            )
            if not response.is_redirect:
                return response
            target = urljoin(response.url, response.headers["Location"])
            response.close()
            same = _same_origin(origin, urlsplit(target))
            if not same:
                if self._secret():
                    where = urlsplit(target)
                    raise RedirectRefused(self.redact(
                        f"{self.key} {endpoint}: HTTP {response.status_code} redirects to another host "
                        f"({where.scheme}://{where.netloc}); the API key is not sent there: point base_url at the final address"
                    ))
                headers = {}
            if response.status_code in (301, 302, 303) and hop_method not in ("GET", "HEAD"):
                hop_method, hop_body = "GET", None  # what requests (and browsers) do
            # The Location carries the query the server wants; only the key is added back, same host only.
            key_param = self.provider.api_key_param
            secret = self._secret()
            hop_params = {key_param: secret} if same and key_param and secret and "{api_key}" not in self.provider.base_url else None
            url = target
        raise requests.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")

    def _backoff(self, attempt: int, attempts: int, retry_after: float | None) -> None:
        if attempt >= attempts:
            return
        if retry_after is not None:
            delay = min(retry_after, self.settings.max_retry_after_seconds)
        else:
            delay = min(self.settings.backoff_seconds * 2 ** (attempt - 1), self.settings.max_backoff_seconds)
        self.stats["waited_seconds"] += delay
        time.sleep(delay)


def _same_origin(origin: Any, target: Any) -> bool:
    """Same scheme, host and port, or the same host moving from http up to https."""
    if origin.hostname != target.hostname:
        return False
    if origin.scheme == target.scheme:
        return (origin.port or _default_port(origin.scheme)) == (target.port or _default_port(target.scheme))
    return origin.scheme == "http" and target.scheme == "https"


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _body_kwargs(body: Any, headers: dict[str, str]) -> dict[str, Any]:
    """requests' keyword arguments for a JSON body and the headers: a tuple or an IdRange (a body
    sent many times: json_text) goes as its kept text, anything else as requests encodes it (`json=`)."""
    if kept(body):
        return {"data": body_text(body).encode(), "headers": {**headers, "Content-Type": "application/json"}}
    return {"json": body, "headers": headers}


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
            raise ProviderUnavailable(f"no provider is mapped for {what} in the providers file", what)
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
        raise ProviderUnavailable(f"{self.what}: every provider failed: " + "; ".join(str(f) for f in failures), self.what)
