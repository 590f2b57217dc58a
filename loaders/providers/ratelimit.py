"""A token bucket per provider: requests_per_second from providers.yaml, shared by threads."""

from __future__ import annotations

import threading
import time


class RateLimiter:
    def __init__(self, per_second: float, burst: float | None = None):
        self.rate = float(per_second)
        self.capacity = max(1.0, burst if burst is not None else self.rate)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def wait(self) -> float:
        """Block until a request may go out; returns the seconds waited."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            delay = (1 - self.tokens) / self.rate
            self.tokens = 0.0
            self.updated = now + delay
        time.sleep(delay)
        return delay
