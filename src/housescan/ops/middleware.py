"""ASGI middleware around the API: a log context per request, request metrics and one log line; a limit on
the size of request bodies; checked JSON bodies; security headers."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from housescan.errors import BodyTooLarge, InvalidInput, error_body
from housescan.ops import metrics
from housescan.ops.logs import start_log_context

if TYPE_CHECKING:
    from fastapi import FastAPI

    from housescan.config import Settings

logger = logging.getLogger("housescan.http")

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SCAN_IN_PATH = re.compile(rf"/scans?/(?:scan/)?({_UUID})")
UPLOAD_ROUTE = "/api/v1/scans/{scan_id}/images"
QUIET_ROUTES = ("/metrics", "/healthz", "/readyz")


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
        detail = f"request body {size}is over the limit of {self.max_bytes:,} bytes"
        body = json.dumps(error_body(detail, BodyTooLarge.code)).encode()
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


# ---------------------------------------------------------------------------------------------- JSON bodies

_JSON_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class InvalidJSONBody(ValueError):
    pass


def _reject_constant(name: str) -> None:
    raise InvalidJSONBody(f"{name} is not a JSON number (JSON has no NaN or Infinity)")


def check_json_text(body: bytes) -> str | None:
    """Why this JSON body cannot be taken (a reason a person can read), or None when it is fine or is not
    JSON at all (the application names syntax errors itself). Python's parser accepts `NaN`, `Infinity`,
    lone UTF-16 surrogates such as "\\ud800" and the NUL character "\\u0000", none of which is text a server
    can store (PostgreSQL refuses NUL in text and JSONB) or send back."""
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except InvalidJSONBody as exc:
        return f"invalid JSON body: {exc}"
    except RecursionError:
        return "invalid JSON body: nested too deeply"
    except UnicodeDecodeError:
        return "invalid JSON body: not UTF-8 text"
    except ValueError:  # a syntax error: FastAPI answers it with its position
        return None
    stack: list[tuple[str, object]] = [("$", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if problem := _unstorable(key):
                    return f"invalid JSON body: a key in {path} holds {problem}"
                stack.append((f"{path}.{key}", child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{index}]", child) for index, child in enumerate(item))
        elif isinstance(item, str) and (problem := _unstorable(item)):
            return f"invalid JSON body: the string at {path[:200]} holds {problem}"
    return None


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character (\\u0000), which text cannot hold"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (not valid Unicode)"
    return None


def _is_json_request(scope: Scope) -> bool:
    if scope.get("method") not in _JSON_METHODS:
        return False
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            media_type = bytes(value).split(b";", 1)[0].strip().lower()
            return media_type == b"application/json" or (
                media_type.startswith(b"application/") and media_type.endswith(b"+json")
            )
    return True  # FastAPI reads a body without a content type as JSON


class StrictJSONBodies:
    """JSON request bodies are bounded (`max_bytes`, 413) and checked before the application parses them:
    NaN, Infinity, lone surrogates and absurd nesting are a 422 naming the problem instead of a 500."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = 1024 * 1024) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json_request(scope):
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await _answer(send, 413, f"a JSON body of {declared:,} bytes is over the limit of {self.max_bytes:,}")
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(send, 413, f"a JSON body is limited to {self.max_bytes:,} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        problem = check_json_text(body) if body.strip() else None
        if problem is not None:
            await _answer(send, 422, problem)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, detail: str) -> None:
    code = BodyTooLarge.code if status == 413 else InvalidInput.code
    body = json.dumps(error_body(detail, code)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------------------------------- headers

# Paths whose HTML is FastAPI's interactive documentation (scripts from a CDN, inline set-up): no CSP there.
_DOCS_PATHS = ("/docs", "/redoc")
_SAFE_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](?::[0-9]{1,5})?")


def web_app_policy(*, image_origins: tuple[str, ...] = ()) -> str:
    """The web app's Content-Security-Policy: its own scripts, styles, worker and manifest only (no inline
    code, no eval); photos from itself, the camera (blob:, data:) and the object store; API calls and the
    Socket.IO connection to itself."""
    images = " ".join(("'self'", "blob:", "data:", *image_origins))
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; media-src 'self' blob:; font-src 'self'; connect-src 'self'; "
        "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


class SecurityHeaders:
    """Headers on every answer: no MIME sniffing, no framing (clickjacking), referrers kept to this site
    (share links carry their token in the path), a Content-Security-Policy (the web app's for HTML, a
    closed one for JSON), and HSTS when the request came over HTTPS (directly or, with a
    trusted balancer, per its X-Forwarded-Proto)."""

    def __init__(self, app: ASGIApp, *, image_origins: tuple[str, ...] = (), hsts_seconds: int = 63_072_000) -> None:
        self.app = app
        self.html_policy = web_app_policy(image_origins=image_origins)
        self.hsts = f"max-age={hsts_seconds}; includeSubDomains".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        https = scope.get("scheme") == "https"
        docs = path.startswith(_DOCS_PATHS)
        host = _host(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                content_type = next((value.lower() for name, value in headers if name.lower() == b"content-type"), b"")
                html = content_type.startswith(b"text/html")
                added: list[tuple[bytes, bytes]] = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                # A policy for documents: the web app's HTML, and JSON (never to be run as a page). Photos, PDFs,
                # scripts and styles get none (a PDF viewer must not be bound by the API's closed policy).
                if not docs and (html or content_type.startswith(b"application/json")):
                    policy = self.html_policy if html else API_POLICY
                    if html and host:
                        # 'self' covers ws:/wss: to this host in CSP 3; older browsers need it spelled out.
                        policy = policy.replace("connect-src 'self'", f"connect-src 'self' ws://{host} wss://{host}")
                    added.append((b"content-security-policy", policy.encode()))
                if https:
                    added.append((b"strict-transport-security", self.hsts))
                message["headers"] = headers + [(name, value) for name, value in added if name not in present]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _host(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1")
            return host if _SAFE_HOST.fullmatch(host) else None
    return None


def install_hardening(api: FastAPI, settings: Settings) -> None:
    """Checked JSON bodies and the security headers (registered inside the request metrics and logs, so
    their answers are counted and logged like any other)."""
    api.add_middleware(StrictJSONBodies, max_bytes=settings.max_json_body_bytes)
    origins: tuple[str, ...] = ()
    if settings.s3_endpoint_url:
        parts = urlsplit(settings.s3_endpoint_url)
        origins = (f"{parts.scheme}://{parts.netloc}",)
    elif (settings.storage_url or "").startswith("s3://"):
        origins = ("https:",)  # presigned URLs of the provider's own S3 endpoint
    api.add_middleware(SecurityHeaders, image_origins=origins)
