"""HTTP access to providers: rate limits, retries, fallback by priority, and the response archive."""

from loaders.providers.archive import BodyWriter, ResponseArchive
from loaders.providers.client import (
    Fetched,
    NotFound,
    PayloadError,
    ProviderChain,
    ProviderClient,
    ProviderUnavailable,
    Rejected,
)

__all__ = [
    "BodyWriter",
    "Fetched",
    "NotFound",
    "PayloadError",
    "ProviderChain",
    "ProviderClient",
    "ProviderUnavailable",
    "Rejected",
    "ResponseArchive",
]
