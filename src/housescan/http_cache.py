"""Conditional GETs for the JSON API: every 200 JSON answer to a GET under /api/ carries an ETag derived from
its body, and a request whose If-None-Match names it is answered 304 with no body.

The tag is a hash of exactly what would be sent, so it changes whenever the answer does (a person's edit to
a report, a scan that moves on, a new time bucket of its image URLs) and never otherwise; no route has to
know when its data changed. The server still builds the answer (the saving is the transfer, which is what
a phone on mobile data pays for); `Cache-Control: private, no-cache` lets the browser keep the answer and
revalidate it on every use, which `fetch()` does by itself.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BUFFERED_BYTES = 4 * 1024 * 1024  # a larger JSON answer is passed through untagged


def body_etag(body: bytes) -> str:
    return f'W/"{hashlib.sha256(body).hexdigest()[:32]}"'


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): `W/` is ignored, `*` matches anything."""
    wanted = etag.removeprefix("W/")
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == wanted:
            return True
    return False


class ConditionalGet:
    def __init__(self, app: ASGIApp, *, prefix: str = "/api/") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope.get("path", "").startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        if_none_match = next(
            (value.decode("latin-1") for name, value in scope.get("headers", []) if name == b"if-none-match"), None
        )
        start: Message | None = None
        chunks: list[bytes] = []
        size = 0
        passing = False

        async def tagging_send(message: Message) -> None:
            nonlocal start, size, passing
            if passing:
                await send(message)
                return
            if message["type"] == "http.response.start":
                sent = {name.lower(): value for name, value in message.get("headers", [])}
                media_type = sent.get(b"content-type", b"").split(b";")[0].strip()
                if message["status"] != 200 or media_type != b"application/json" or b"etag" in sent:
                    passing = True
                    await send(message)
                    return
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_BUFFERED_BYTES:  # too large to hold: sent as it is
                passing = True
                await send(start)
                await send({"type": "http.response.body", "body": b"".join(chunks), "more_body": True})
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            etag = body_etag(body)
            headers = [(name, value) for name, value in start.get("headers", []) if name.lower() != b"content-length"]
            names = {name.lower() for name, _ in headers}
            headers.append((b"etag", etag.encode()))
            if b"cache-control" not in names:
                headers.append((b"cache-control", b"private, no-cache"))
            headers.append((b"vary", b"Authorization"))
            if if_none_match is not None and etag_matches(if_none_match, etag):
                headers = [(name, value) for name, value in headers if name.lower() != b"content-type"]
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await self.app(scope, receive, tagging_send)
