"""How `housescan serve` protects itself from clients that hold connections open: uvicorn's HTTP protocol
(httptools) with a header-read timeout and bounds on connections.

uvicorn times out idle keep-alive connections but not a request whose headers never end: a client that
sends half a request line and then nothing (or a byte now and then) keeps its connection, and its file
descriptor, forever. Here:

- a request's headers must be complete within `header_timeout` seconds of its first byte (of the
  connection, for the first request); otherwise the answer is 408 and the connection is closed;
- at most `max_pending` connections may be waiting for headers at once; one more closes the one that has
  waited longest, so a flood of slow clients cannot keep out a client that sends its headers at once;
- a request's body must keep coming: at most `body_idle_timeout` seconds between two of its parts (while
  the server is reading; not while the app holds reading back or a client waits for `100 Continue`);
  otherwise the answer is 408 (when no response has begun) and the connection is closed;
- at most `max_connections` connections are open at once, before the process runs out of file
  descriptors (the soft limit is raised to the hard one at start): one more closes the connection that
  has waited longest for its headers, or, when every connection is busy with a request, itself.

Chosen over Granian 2.8.7 and Hypercorn 0.18.0, measured on this 2-core machine (2026-11-27, shared with
other work, so figures swing 2x between runs of the same server):

- 1,000 connections that never finish their headers, then /healthz: uvicorn as it was closed none of them
  in 12 s; this protocol, Granian (--http1-header-read-timeout 5 s) and Hypercorn (read_timeout 5 s) all
  closed every one after 5 s. The first /healthz during the flood took 128 ms here, 3.0 s on Granian (its
  backpressure permits, one per connection, were all held by the flood) and 283 ms on Hypercorn. Hypercorn's
  timeout is per read, so a client sending a byte every few seconds is never closed; it also has no bound on
  connections, and in bench/scaleout.py's scans section no scan:completed reached the bench's sockets.
- bench/scaleout.py --only scans upload --deployments embedded, two runs each, interleaved: scans/s 2.6 and
  2.6 (this), 2.0 and 2.6 (Granian), 2.1 and 1.6 (uvicorn as it was); upload 30.6 and 28.4 MB/s, 30.1 and
  42.8, 35.5 and 41.8: no difference beyond the noise.

So: the same server everywhere (the test suite runs uvicorn in-process), the balancer's X-Forwarded-For
trusted as before (FORWARDED_ALLOW_IPS), one process as before, and the bounds where they are needed.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import OrderedDict
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger(__name__)

_TIMEOUT_RESPONSE = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
# File descriptors kept for everything but client connections: database, Redis, photos, logs.
_RESERVED_FDS = 256


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a header-read timeout and connection bounds (see the module)."""

    header_timeout: ClassVar[float] = 5.0
    body_idle_timeout: ClassVar[float] = 10.0
    max_connections: ClassVar[int] = 4096
    max_pending: ClassVar[int] = 1024
    # The connections waiting for their headers, oldest first (one server per class: see `guarded_protocol`).
    pending: ClassVar[OrderedDict[GuardedHttpProtocol, None]] = OrderedDict()
    headers_timed_out: ClassVar[int] = 0
    bodies_timed_out: ClassVar[int] = 0
    refused: ClassVar[int] = 0

    _header_timer: asyncio.TimerHandle | None = None
    _body_timer: asyncio.TimerHandle | None = None
    _body_seen_at: float = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            if not self.pending:  # every connection is busy with a request: no room for this one
                type(self).refused += 1
                transport.close()
                return
            next(iter(self.pending))._headers_too_slow()  # the one that has waited longest for its headers
        self._await_headers()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_headers()  # the next request of a kept-alive connection: its headers are timed too

    def on_headers_complete(self) -> None:
        self._headers_done()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self._await_body()  # a request without a body completes at once, in the same parse

    def on_body(self, body: bytes) -> None:
        self._body_seen_at = self.loop.time()
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._body_done()
        super().on_message_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_done()
        self._body_done()
        super().connection_lost(exc)

    def _await_body(self) -> None:
        self._body_done()
        self._body_seen_at = self.loop.time()
        self._body_timer = self.loop.call_later(self.body_idle_timeout, self._check_body)

    def _body_done(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _check_body(self) -> None:
        """One timer per request, moved on rather than re-made for every part of a long upload."""
        self._body_timer = None
        if self.transport.is_closing():
            return
        cycle = self.cycle
        waiting_on_us = self.flow.read_paused or (cycle is not None and cycle.waiting_for_100_continue)
        idle = self.loop.time() - self._body_seen_at
        if waiting_on_us or idle < self.body_idle_timeout:
            if waiting_on_us:
                self._body_seen_at = self.loop.time()
            self._body_timer = self.loop.call_later(
                self.body_idle_timeout - (0 if waiting_on_us else idle), self._check_body
            )
            return
        type(self).bodies_timed_out += 1
        self._close_timed_out(answer=cycle is None or not cycle.response_started)

    def _await_headers(self) -> None:
        if self._header_timer is not None or self.transport.is_closing():
            return
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_too_slow)
        pending = self.pending
        pending[self] = None
        if len(pending) > self.max_pending:
            oldest = next(iter(pending))
            oldest._headers_too_slow()

    def _headers_done(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        self.pending.pop(self, None)

    def _headers_too_slow(self) -> None:
        self._headers_done()
        if not self.transport.is_closing():
            type(self).headers_timed_out += 1
            # No answer of an earlier request under way: a 408 cannot cut into it.
            self._close_timed_out(answer=self.cycle is None or self.cycle.response_complete)

    def _close_timed_out(self, *, answer: bool) -> None:
        """408 (when `answer`), then close: an app reading the request's body is told the client left."""
        if answer:
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def guarded_protocol(
    *, header_timeout: float, max_connections: int, max_pending: int, body_idle_timeout: float | None = None
) -> type[GuardedHttpProtocol]:
    """A protocol class for one server with these bounds (uvicorn's `http=`). The connection bound is
    lowered to what the process's file limit allows. `body_idle_timeout` None: the setting
    HOUSESCAN_HTTP_BODY_IDLE_SECONDS."""
    if body_idle_timeout is None:
        from housescan.config import Settings

        body_idle_timeout = Settings().http_body_idle_seconds
    limit = raise_file_limit()
    if limit is not None and limit - _RESERVED_FDS < max_connections:
        logger.warning("at most %d connections: the open-file limit is %d", max(limit - _RESERVED_FDS, 64), limit)
        max_connections = max(limit - _RESERVED_FDS, 64)
    attributes: dict[str, Any] = {
        "header_timeout": header_timeout,
        "body_idle_timeout": body_idle_timeout,
        "max_connections": max_connections,
        "max_pending": max(1, min(max_pending, max_connections)),
        "pending": OrderedDict(),
        "headers_timed_out": 0,
        "bodies_timed_out": 0,
        "refused": 0,
    }
    return type("ServeHttpProtocol", (GuardedHttpProtocol,), attributes)


def raise_file_limit() -> int | None:
    """Raise this process's soft open-file limit to its hard limit; the limit in force (None if unknown)."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard == resource.RLIM_INFINITY or soft < hard:
            target = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        return int(soft)
    except (ValueError, OSError):
        return None
