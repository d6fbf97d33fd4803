"""Throttles for sign-in and sign-up, shared by every API process through Redis when it is configured,
kept in this process (in bounded memory) otherwise.

Login: failures are counted per account *and* client address, and per address alone (one address trying
many accounts). A few failures are free; after that each failure makes the next attempt wait longer
(1 s, 2 s, 4 s ... up to a ceiling), and a success clears the account-and-address count. There is no
lock of an account as such: an attacker's failures from one address never slow the owner down from
another. Sign-up: attempts per client address in a fixed window, which also bounds how fast anyone can
learn which e-mails have accounts.
"""

from __future__ import annotations

import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from housescan.config import Settings
from housescan.errors import ServiceUnavailable, TooManyRequests

logger = logging.getLogger(__name__)
T = TypeVar("T")


class TooManySignInFailures(TooManyRequests):
    """Too many failed sign-ins from this address (for this account or any); it waits `Retry-After` seconds."""


class TooManySignUps(TooManyRequests):
    """Too many sign-ups from this address; it waits `Retry-After` seconds."""


class SignInUnavailable(ServiceUnavailable):
    """The store that counts sign-in and sign-up attempts (Redis) did not answer; nothing was changed."""

    message = "signing in and signing up are unavailable for a moment; try again shortly"
    retry_after = 5


@dataclass(frozen=True)
class Backoff:
    """`free` failures cost nothing; failure n > free makes the next attempt wait
    min(ceiling, first * 2 ** (n - free - 1)) seconds. Counts are forgotten `forget_after` seconds after
    the last failure."""

    free: int
    first: float
    ceiling: float
    forget_after: float

    def delay(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return min(self.ceiling, self.first * 2.0 ** min(failures - self.free - 1, 60))


class ThrottleStore(Protocol):
    async def wait(self, keys: list[str]) -> float:
        """Seconds until an attempt under every key is allowed (0: now)."""

    async def fail(self, key: str, backoff: Backoff) -> float:
        """Count one failure; the seconds the next attempt under this key must wait."""

    async def clear(self, key: str) -> None: ...

    async def hit(self, key: str, *, limit: int, window: float) -> float:
        """Count one attempt in a fixed window; 0 when it is allowed, else seconds until the window ends."""

    async def close(self) -> None: ...


class MemoryThrottleStore:
    """In this process. Least recently touched entries are dropped beyond `max_keys`, so memory is bounded
    however many e-mails or addresses are tried (an address that keeps failing stays the most recent)."""

    def __init__(self, *, max_keys: int = 20_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_keys = max_keys
        self.clock = clock
        # key -> [count, blocked_until (backoff) or window_end (hit), forget_at]
        self._entries: OrderedDict[str, list[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def _get(self, key: str, now: float) -> list[float] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[2] <= now:
            del self._entries[key]
            return None
        return entry

    def _put(self, key: str, entry: list[float]) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_keys:
            self._entries.popitem(last=False)

    async def wait(self, keys: list[str]) -> float:
        now = self.clock()
        waits = [entry[1] - now for key in keys if (entry := self._get(key, now)) is not None]
        return max([0.0, *waits])

    async def fail(self, key: str, backoff: Backoff) -> float:
        now = self.clock()
        entry = self._get(key, now)
        count = (entry[0] if entry else 0) + 1
        delay = backoff.delay(int(count))
        self._put(key, [count, now + delay, now + max(backoff.forget_after, delay)])
        return delay

    async def clear(self, key: str) -> None:
        self._entries.pop(key, None)

    async def hit(self, key: str, *, limit: int, window: float) -> float:
        now = self.clock()
        entry = self._get(key, now)
        if entry is None:
            entry = [0, now + window, now + window]
        entry[0] += 1
        self._put(key, entry)
        return 0.0 if entry[0] <= limit else entry[1] - now

    async def close(self) -> None:
        return None


# Redis: the server's clock for every process. A hash per key: n (count) and until (ms, blocked until).
_FAIL = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local n = redis.call('HINCRBY', KEYS[1], 'n', 1)
local free, first, ceiling, forget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local delay = 0
if n > free then delay = math.min(ceiling, first * 2 ^ math.min(n - free - 1, 60)) end
redis.call('HSET', KEYS[1], 'until', now + delay)
redis.call('PEXPIRE', KEYS[1], math.max(forget, delay))
return delay
"""
_WAIT = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local wait = 0
for _, key in ipairs(KEYS) do
  local until_ms = tonumber(redis.call('HGET', key, 'until') or '0')
  if until_ms - now > wait then wait = until_ms - now end
end
return wait
"""
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n <= tonumber(ARGV[1]) then return 0 end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
return ttl
"""


class RedisThrottleStore:
    """Shared by every API process; each operation is one atomic script on the Redis server."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        import redis.asyncio as aioredis

        from housescan.jobs.bullmq import REDIS_COMMAND_TIMEOUT_SECONDS, REDIS_CONNECT_TIMEOUT_SECONDS, quick_retry

        self.prefix = prefix
        self._redis: Any = aioredis.Redis.from_url(
            redis_url,
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT_SECONDS,
            socket_timeout=REDIS_COMMAND_TIMEOUT_SECONDS,
            retry=quick_retry(),
        )
        self._fail = self._redis.register_script(_FAIL)
        self._wait = self._redis.register_script(_WAIT)
        self._hit = self._redis.register_script(_HIT)

    def _key(self, key: str) -> str:
        return f"{self.prefix}{key}"

    @staticmethod
    async def _answer(call: Awaitable[T]) -> T:
        try:
            return await call
        except (RedisConnectionError, RedisTimeoutError) as exc:
            logger.warning("sign-in throttle: Redis did not answer (%s); the request is refused with 503", exc)
            raise SignInUnavailable() from exc

    async def wait(self, keys: list[str]) -> float:
        return int(await self._answer(self._wait(keys=[self._key(key) for key in keys]))) / 1000

    async def fail(self, key: str, backoff: Backoff) -> float:
        args = [backoff.free, int(backoff.first * 1000), int(backoff.ceiling * 1000), int(backoff.forget_after * 1000)]
        return int(await self._answer(self._fail(keys=[self._key(key)], args=args))) / 1000

    async def clear(self, key: str) -> None:
        await self._answer(self._redis.delete(self._key(key)))

    async def hit(self, key: str, *, limit: int, window: float) -> float:
        return int(await self._answer(self._hit(keys=[self._key(key)], args=[limit, int(window * 1000)]))) / 1000

    async def close(self) -> None:
        await self._redis.aclose()


# An account tried from one address: 5 free failures, then 1 s, 2 s, 4 s ... at most 5 minutes between
# tries. One address trying many accounts: 30 free failures, then the same growth.
ACCOUNT_AT_ADDRESS = Backoff(free=5, first=1.0, ceiling=300.0, forget_after=3600.0)
ADDRESS = Backoff(free=30, first=1.0, ceiling=300.0, forget_after=3600.0)


def _seconds(wait: float) -> int:
    return max(1, math.ceil(wait))


class AuthThrottles:
    """The sign-in and sign-up policies over one store."""

    def __init__(self, store: ThrottleStore, *, signup_limit: int = 20, signup_window: float = 3600.0) -> None:
        self.store = store
        self.signup_limit = signup_limit
        self.signup_window = signup_window

    @classmethod
    def in_process(cls) -> AuthThrottles:
        return cls(MemoryThrottleStore())

    @staticmethod
    def _login_keys(email: str, address: str) -> tuple[str, str]:
        return f"login:{email}|{address}", f"login-address:{address}"

    async def check_login(self, *, email: str, address: str) -> None:
        wait = await self.store.wait(list(self._login_keys(email, address)))
        if wait > 0:
            seconds = _seconds(wait)
            raise TooManySignInFailures(
                f"too many failed sign-in attempts from this address; try again in {seconds} seconds",
                retry_after=seconds,
            )

    async def login_failed(self, *, email: str, address: str) -> None:
        account_key, address_key = self._login_keys(email, address)
        await self.store.fail(account_key, ACCOUNT_AT_ADDRESS)
        await self.store.fail(address_key, ADDRESS)

    async def login_succeeded(self, *, email: str, address: str) -> None:
        await self.store.clear(self._login_keys(email, address)[0])

    async def check_signup(self, *, address: str) -> None:
        wait = await self.store.hit(f"signup:{address}", limit=self.signup_limit, window=self.signup_window)
        if wait > 0:
            seconds = _seconds(wait)
            raise TooManySignUps(
                f"too many sign-ups from this address; try again in {seconds} seconds", retry_after=seconds
            )

    async def close(self) -> None:
        await self.store.close()


def create_throttles(settings: Settings) -> AuthThrottles:
    """Shared through Redis when `HOUSESCAN_REDIS_URL` is set, in this process otherwise."""
    store: ThrottleStore
    if settings.redis_url:
        from housescan.jobs.bullmq import RedisOptions

        store = RedisThrottleStore(settings.redis_url, f"{RedisOptions().prefix}:throttle:")
    else:
        store = MemoryThrottleStore()
    return AuthThrottles(
        store, signup_limit=settings.signup_limit_per_address, signup_window=settings.signup_window_seconds
    )
