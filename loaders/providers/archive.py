"""The raw response archive: every HTTP response (and every failed attempt) with its lineage.

Rows land in the `http_responses` table of the chain's raw dataset, in the same dlt load as the
rows parsed from them, which carry the `response_id`. Secrets never reach a row: URLs are stored
without their query string, parameters without the API key, errors redacted (every encoding).
Bodies are stored as received: they are the lineage of every number (their sha256 is of the bytes
received), so they are not rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any

import dlt

# Bodies above this size keep their hash and size but not their text (a mainnet getBlock with
# transactions runs to megabytes); override with AURORA_ARCHIVE_MAX_BODY_BYTES.
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024

ARCHIVE_TABLE = "http_responses"
REJECTION_TABLE = "rejected_items"

ARCHIVE_COLUMNS = {
    "response_id": {"data_type": "text", "nullable": False},
    "provider": {"data_type": "text", "nullable": False},
    "provider_type": {"data_type": "text", "nullable": False},
    "endpoint": {"data_type": "text", "nullable": False},
    "url": {"data_type": "text", "nullable": False},
    "params": {"data_type": "text", "nullable": True},
    "fetched_at": {"data_type": "timestamp", "nullable": False},
    "attempt": {"data_type": "bigint", "nullable": False},
    "http_status": {"data_type": "bigint", "nullable": True},
    "error": {"data_type": "text", "nullable": True},
    "sha256": {"data_type": "text", "nullable": True},
    "body_bytes": {"data_type": "bigint", "nullable": True},
    "body": {"data_type": "text", "nullable": True},
    "run_id": {"data_type": "text", "nullable": False},
}
REJECTION_COLUMNS = {
    "item_key": {"data_type": "text", "nullable": False},
    "chain": {"data_type": "text", "nullable": False},
    "period_id": {"data_type": "text", "nullable": False},
    "validator_key": {"data_type": "text", "nullable": True},  # null: the whole period is affected
    "endpoint": {"data_type": "text", "nullable": False},
    "status": {"data_type": "text", "nullable": False},  # rejected | resolved
    "reason": {"data_type": "text", "nullable": True},
    # The gap it leaves (docs/pnl.md): response_rejected, provider_failed:<role>, history_unavailable.
    "gap": {"data_type": "text", "nullable": True},
    "response_id": {"data_type": "text", "nullable": True},
    "recorded_at": {"data_type": "timestamp", "nullable": False},
    "run_id": {"data_type": "text", "nullable": False},
}


@dataclass
class ArchivedResponse:
    response_id: str
    provider: str
    provider_type: str
    endpoint: str
    url: str
    params: str | None
    fetched_at: datetime
    attempt: int
    http_status: int | None
    error: str | None
    sha256: str | None
    body_bytes: int | None
    body: str | None
    run_id: str


@dataclass
class Rejection:
    item_key: str  # what could not be loaded, e.g. "getBlock:slot=123"
    chain: str
    period_id: str
    validator_key: str | None
    endpoint: str
    status: str
    reason: str | None
    response_id: str | None
    recorded_at: datetime
    run_id: str
    gap: str | None = None


class ResponseArchive:
    """Collects archive rows (thread-safe) until a resource hands them to dlt."""

    def __init__(self, run_id: str | None = None, max_body_bytes: int | None = None):
        self.run_id = run_id or uuid.uuid4().hex
        if max_body_bytes is None:
            max_body_bytes = int(os.environ.get("AURORA_ARCHIVE_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))
        self.max_body_bytes = max_body_bytes
        self._rows: list[ArchivedResponse] = []
        self._pending: list[Rejection] = []  # not yet handed to dlt
        self._rejected: list[Rejection] = []  # everything rejected in this run, for the report
        self._lock = threading.Lock()
        self.counts = {"responses": 0, "failed_attempts": 0}

    def record(
        self,
        *,
        provider: str,
        provider_type: str,
        endpoint: str,
        url: str,
        params: Any,
        attempt: int,
        http_status: int | None,
        body: bytes | None,
        error: str | None = None,
    ) -> str:
        response_id = uuid.uuid4().hex
        if error:
            # Second net: callers redact, but no error text reaches a row with a live key in it.
            from loaders.providers.client import LOG_REDACTION

            error = LOG_REDACTION.redact(error)
        text = None
        if body is not None and len(body) <= self.max_body_bytes:
            text = body.decode("utf-8", errors="replace")
        row = ArchivedResponse(
            response_id=response_id,
            provider=provider,
            provider_type=provider_type,
            endpoint=endpoint,
            url=url,
            params=json.dumps(params, sort_keys=True, default=str) if params is not None else None,
            fetched_at=datetime.now(timezone.utc),
            attempt=attempt,
            http_status=http_status,
            error=error,
            sha256=hashlib.sha256(body).hexdigest() if body is not None else None,
            body_bytes=len(body) if body is not None else None,
            body=text,
            run_id=self.run_id,
        )
        with self._lock:
            self._rows.append(row)
            self.counts["responses" if http_status == 200 and error is None else "failed_attempts"] += 1
        return response_id

    def reject(
        self, *, item_key: str, chain: str, period_id: str, endpoint: str, reason: str, response_id: str | None,
        validator_key: str | None = None, gap: str = "response_rejected",
    ) -> None:
        row = Rejection(item_key, chain, period_id, validator_key, endpoint, "rejected", reason, response_id,
                        datetime.now(timezone.utc), self.run_id, gap)
        with self._lock:
            self._pending.append(row)
            self._rejected.append(row)

    def resolve(
        self, *, item_key: str, chain: str, period_id: str, endpoint: str, response_id: str | None,
        validator_key: str | None = None,
    ) -> None:
        row = Rejection(item_key, chain, period_id, validator_key, endpoint, "resolved", None, response_id, datetime.now(timezone.utc), self.run_id)
        with self._lock:
            self._pending.append(row)

    @property
    def rejections(self) -> list[Rejection]:
        with self._lock:
            return list(self._rejected)

    def drain_responses(self) -> list[dict[str, Any]]:
        with self._lock:
            rows, self._rows = self._rows, []
        return [asdict(r) for r in rows]

    def drain_rejections(self) -> list[dict[str, Any]]:
        with self._lock:
            pending, self._pending = self._pending, []
        return [asdict(r) for r in pending]


def archive_resources(archive: ResponseArchive, done: set[str], expected: set[str]) -> list[Any]:
    """The archive and rejection rows of every response the source's other resources used.

    They must come last: the pipeline extracts resources in order (EXTRACT__NEXT_ITEM_MODE=fifo,
    set in loaders/__init__.py); a check makes a mistake there fail loudly, not lose lineage."""

    def check() -> None:
        missing = expected - done
        if missing:
            raise RuntimeError(f"archive resources ran before {sorted(missing)} finished: extract must run in fifo order")

    def responses() -> Any:
        check()
        rows = archive.drain_responses()
        yield rows if rows else dlt.mark.materialize_table_schema()

    def rejections() -> Any:
        check()
        rows = archive.drain_rejections()
        yield rows if rows else dlt.mark.materialize_table_schema()

    return [
        dlt.resource(responses, name=ARCHIVE_TABLE, write_disposition="merge", primary_key="response_id", columns=ARCHIVE_COLUMNS),
        # The latest word on an item wins: a later success marks an earlier rejection resolved.
        dlt.resource(rejections, name=REJECTION_TABLE, write_disposition="merge", primary_key="item_key", columns=REJECTION_COLUMNS),
    ]
