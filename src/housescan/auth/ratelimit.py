"""Brute-force protection for login: failed attempts per account and per client address in a window."""

from __future__ import annotations

import time
from collections import defaultdict, deque


class LoginRateLimiter:
    """In-process sliding window. Counts failures only, so a person who types the password right is
    never slowed down; an attacker spraying one account or from one address is stopped."""

    def __init__(self, *, max_failures: int, window_seconds: float) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def retry_after(self, *keys: str) -> int | None:
        """Seconds until another attempt is allowed, or None when it is allowed now."""
        now = time.monotonic()
        waits = [
            failures[0] + self.window - now
            for key in keys
            if len(failures := self._recent(key, now)) >= self.max_failures
        ]
        return max(1, int(max(waits)) + 1) if waits else None

    def record_failure(self, *keys: str) -> None:
        now = time.monotonic()
        for key in keys:
            self._recent(key, now).append(now)

    def reset(self, key: str) -> None:
        self._failures.pop(key, None)
