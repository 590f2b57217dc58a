"""A requests session that reads the environment once per origin, not once per request.

requests looks at the environment on every request: ~/.netrc (a stat of two paths, and a parse
when one exists), the proxy variables, and REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE, whose path its
adapter stats again (os.path.isdir) to build the connection pool's key: ~9 µs of CPU a request
here, ~0.4 s of a network-wide day's ~45,000 requests, and a file read a request that a slow
home directory would make slower. Within a run their answers depend only on the request's
origin, so each origin's are read once, by requests' own functions, and passed to every request
explicitly: proxies (with no_proxy), the CA bundle, and netrc credentials, as before.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import get_netrc_auth


@dataclass(frozen=True)
class OriginEnvironment:
    """What requests would take from the environment for a request to one origin."""

    proxies: dict[str, str]
    verify: bool | str
    cert: Any
    auth: tuple[str, str] | None


def origin_environment(url: str) -> OriginEnvironment:
    """requests' own reading of the environment for `url` (a session that trusts it)."""
    probe = requests.Session()
    try:
        settings = probe.merge_environment_settings(url, {}, None, None, None)
    finally:
        probe.close()
    return OriginEnvironment(settings["proxies"], settings["verify"], settings["cert"], get_netrc_auth(url))


class PoolKeyAdapter(HTTPAdapter):
    """An adapter that builds a pool key once per origin, CA bundle and client certificate:
    requests' builds it on every request, statting the bundle's path each time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keys: dict[tuple, tuple[dict[str, Any], dict[str, Any]]] = {}

    def build_connection_pool_key_attributes(self, request: requests.PreparedRequest, verify: Any, cert: Any = None):
        parts = urlsplit(request.url)
        key = (parts.scheme.lower(), parts.hostname, parts.port, verify, tuple(cert) if isinstance(cert, list) else cert)
        built = self._keys.get(key)
        if built is None:
            built = self._keys[key] = super().build_connection_pool_key_attributes(request, verify, cert)
        host, pool = built
        return dict(host), dict(pool)  # copies: the pool manager may add to them


class OriginSession(requests.Session):
    """A session for one provider: the environment read once per origin (OriginEnvironment),
    connections pooled by PoolKeyAdapter. Explicit arguments win over the environment, as in
    requests."""

    def __init__(self, pool_maxsize: int = 16) -> None:
        super().__init__()
        self.trust_env = False  # read here, once per origin, instead
        adapter = PoolKeyAdapter(pool_maxsize=pool_maxsize)
        self.mount("http://", adapter)
        self.mount("https://", adapter)
        self._origins: dict[tuple[str, str], OriginEnvironment] = {}
        self._origins_lock = threading.Lock()

    def environment(self, url: str) -> OriginEnvironment:
        parts = urlsplit(url)
        origin = (parts.scheme.lower(), parts.netloc.lower())
        found = self._origins.get(origin)
        if found is None:
            with self._origins_lock:
                found = self._origins.get(origin) or self._origins.setdefault(origin, origin_environment(url))
        return found

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        env = self.environment(url)
        if not kwargs.get("proxies"):
            kwargs["proxies"] = env.proxies
        if kwargs.get("verify") is None:
            kwargs["verify"] = env.verify
        if kwargs.get("cert") is None and env.cert is not None:
            kwargs["cert"] = env.cert
        if kwargs.get("auth") is None and self.auth is None and env.auth is not None:
            kwargs["auth"] = env.auth
        return super().request(method, url, **kwargs)
