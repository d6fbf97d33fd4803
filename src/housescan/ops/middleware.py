"""ASGI middleware around the API: a log context per request, request metrics and one log line; a limit on
the size of request bodies."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from housescan.ops import metrics
from housescan.ops.logs import start_log_context

logger = logging.getLogger("housescan.http")

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SCAN_IN_PATH = re.compile(rf"/scans?/(?:scan/)?({_UUID})")
UPLOAD_ROUTE = "/api/v1/scans/{scan_id}/images"
QUIET_ROUTES = ("/metrics", "/healthz")


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        match = _SCAN_IN_PATH.search(path)
        request_id = _request_id(scope)
        fields = start_log_context(request_id=request_id, scan_id=match.group(1) if match else None)
        started = time.perf_counter()
        status = 500
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, counting_receive, send_with_status)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            metrics.HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
            metrics.HTTP_DURATION.labels(route=route, method=method).observe(elapsed)
            if route == UPLOAD_ROUTE and method == "POST":
                metrics.UPLOAD_BYTES.inc(received)
                metrics.UPLOAD_REQUESTS.labels(status=str(status)).inc()
            extra: dict[str, object] = {
                "http_method": method,
                "route": route,
                "path": path,  # the path only: a query string may hold a signature
                "status": status,
                "duration_ms": round(elapsed * 1000, 1),
                "request_bytes": received,
            }
            if "user_id" in fields:  # bound deeper, by the auth dependency, possibly in a copied context
                extra["user_id"] = fields["user_id"]
            level = logging.DEBUG if route in QUIET_ROUTES else logging.INFO
            logger.log(level, "%s %s %d", method, route, status, extra=extra)


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            candidate = str(value.decode("latin-1"))[:64]
            if re.fullmatch(r"[A-Za-z0-9._-]{1,64}", candidate):
                return candidate
    return uuid.uuid4().hex


class RequestSizeLimit:
    """Refuse a request body over `max_bytes` with a 413: at once when its Content-Length says so, and
    as soon as it streams past the limit when it has none (chunked) or sends more than it declared; the
    application then sees the client disconnect and whatever it answers is dropped.

    Pure ASGI on purpose: a `BaseHTTPMiddleware` would pass every chunk of a 30 MB upload through a
    memory stream and a task switch.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send, declared)
            return
        received = 0
        response_started = refused = False

        async def limited_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes and not response_started:
                    refused = True
                    await self._refuse(send, None)
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if refused:
                return
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send, declared: int | None) -> None:
        size = f"of {declared:,} bytes " if declared is not None else ""
        body = json.dumps({"detail": f"request body {size}is over the limit of {self.max_bytes:,} bytes"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None
