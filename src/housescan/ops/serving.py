"""How `housescan serve` protects itself from clients that hold connections open: uvicorn's HTTP protocol
(httptools) with a header-read timeout and bounds on connections.

uvicorn times out idle keep-alive connections but not a request whose headers never end: a client that
sends half a request line and then nothing (or a byte now and then) keeps its connection, and its file
descriptor, forever. Here:

- a request's headers must be complete within `header_timeout` seconds of its first byte (of the
  connection, for the first request); otherwise the answer is 408 and the connection is closed;
- at most `max_pending` connections may be waiting for headers at once; one more closes the one that has
  waited longest, so a flood of slow clients cannot keep out a client that sends its headers at once;
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
    max_connections: ClassVar[int] = 4096
    max_pending: ClassVar[int] = 1024
    # The connections waiting for their headers, oldest first (one server per class: see `guarded_protocol`).
    pending: ClassVar[OrderedDict[GuardedHttpProtocol, None]] = OrderedDict()
    headers_timed_out: ClassVar[int] = 0
    refused: ClassVar[int] = 0

    _header_timer: asyncio.TimerHandle | None = None

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

    def connection_lost(self, exc: Exception | None) -> None:
        self._headers_done()
        super().connection_lost(exc)

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
            if self.cycle is None or self.cycle.response_complete:  # no answer of an earlier request under way
                self.transport.write(_TIMEOUT_RESPONSE)
            self.transport.close()


def guarded_protocol(*, header_timeout: float, max_connections: int, max_pending: int) -> type[GuardedHttpProtocol]:
    """A protocol class for one server with these bounds (uvicorn's `http=`). The connection bound is
    lowered to what the process's file limit allows."""
    limit = raise_file_limit()
    if limit is not None and limit - _RESERVED_FDS < max_connections:
        logger.warning("at most %d connections: the open-file limit is %d", max(limit - _RESERVED_FDS, 64), limit)
        max_connections = max(limit - _RESERVED_FDS, 64)
    attributes: dict[str, Any] = {
        "header_timeout": header_timeout,
        "max_connections": max_connections,
        "max_pending": max(1, min(max_pending, max_connections)),
        "pending": OrderedDict(),
        "headers_timed_out": 0,
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
