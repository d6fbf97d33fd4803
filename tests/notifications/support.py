"""A real SMTP server (aiosmtpd) and a real web-push endpoint for the notification tests.

The SMTP server runs aiosmtpd's controller (its own thread and event loop) on a free port and keeps every
message it accepted. The push endpoint is an aiohttp server in the test's loop that plays a push service:
it records each POST, and the browser side (`BrowserSubscription`) holds the subscription's private keys to
decrypt what arrived (RFC 8291) and checks the VAPID signature (RFC 8292)."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import json
import os
import re
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

import asyncpg
import http_ece
from aiohttp import web
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from tests.conftest import free_port


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Handler:
    def __init__(self, catcher: MailCatcher) -> None:
        self.catcher = catcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.catcher.accept(envelope.rcpt_tos, message)
        return "250 Message accepted for delivery"


class MailCatcher:
    """aiosmtpd on 127.0.0.1: `url` is what HOUSESCAN_SMTP_URL should be."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def accept(self, recipients: list[str], message: EmailMessage) -> None:
        with self._lock:
            self.messages.append((list(recipients), message))
            waiters = list(self._waiters)
            self._arrived.notify_all()
        for loop, event in waiters:
            loop.call_soon_threadsafe(event.set)

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [message for recipients, message in self.messages if address in recipients]

    async def wait_for(self, address: str, count: int = 1, timeout: float = 60) -> list[EmailMessage]:
        """Wait until `count` messages to `address` have arrived (woken by each arrival)."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        with self._lock:
            self._waiters.append((loop, event))
        try:
            async with asyncio.timeout(timeout):
                while len(self.to(address)) < count:
                    await event.wait()
                    event.clear()
        finally:
            with self._lock:
                self._waiters.remove((loop, event))
        return self.to(address)

    def wait_for_blocking(self, address: str, count: int = 1, timeout: float = 60) -> list[EmailMessage]:
        """`wait_for` for synchronous tests (the browser suite)."""
        with self._arrived:
            if not self._arrived.wait_for(
                lambda: len([m for r, m in self.messages if address in r]) >= count, timeout=timeout
            ):
                raise TimeoutError(f"no e-mail to {address} in {timeout} s")
        return self.to(address)


def text_and_html(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "both a plain-text and an HTML part"
    return text.get_content(), html.get_content()


@dataclass
class BrowserSubscription:
    """What a browser holds for one push subscription: its ECDH key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth_secret: bytes = field(default_factory=lambda: os.urandom(16))

    def to_json(self) -> dict[str, Any]:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": b64url(point), "auth": b64url(self.auth_secret)},
        }

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret, version="aes128gcm")
        message: dict[str, Any] = json.loads(plain)
        return message


@dataclass
class PushReceived:
    path: str
    headers: dict[str, str]
    body: bytes


class PushService:
    """A push service on 127.0.0.1: answers 201 to a POST on a live subscription, 410 on one marked gone."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[PushReceived] = []
        self.gone: set[str] = set()
        self._arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None

    def subscription(self, name: str) -> BrowserSubscription:
        return BrowserSubscription(endpoint=f"http://127.0.0.1:{self.port}/push/{name}")

    async def _receive(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.received.append(PushReceived(request.path, dict(request.headers), body))
        self._arrived.set()
        return web.Response(status=410 if request.path in self.gone else 201)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/push/{name}", self._receive)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def to(self, subscription: BrowserSubscription) -> list[PushReceived]:
        path = subscription.endpoint.split(str(self.port), 1)[1]
        return [item for item in self.received if item.path == path]

    async def wait_for(
        self, subscription: BrowserSubscription, count: int = 1, timeout: float = 60
    ) -> list[PushReceived]:
        async with asyncio.timeout(timeout):
            while len(self.to(subscription)) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.to(subscription)


def open_push(subscription: BrowserSubscription, received: PushReceived, vapid_public_key: str) -> dict[str, Any]:
    """Check the VAPID signature against the server's public key, then decrypt the message."""
    authorization = received.headers["Authorization"]
    assert authorization.startswith("vapid t="), authorization
    assert f"k={vapid_public_key}" in authorization, "signed with the key the browser subscribed with"
    assert Vapid02.verify(authorization), "the VAPID JWT verifies"
    assert received.headers["Content-Encoding"] == "aes128gcm"
    assert int(received.headers["TTL"]) > 0
    return subscription.decrypt(received.body)


class OutcomeNotifications:
    """Counts, per scan, the e-mails a person received and the pushes their browser could decrypt, for
    suites that run `housescan` processes (`env()` points them at this SMTP server and push endpoint)."""

    def __init__(self, mail: MailCatcher, push: PushService) -> None:
        self.mail = mail
        self.push = push
        self.browser = push.subscription("crash-suite-phone")

    def env(self) -> dict[str, str]:
        return {
            "HOUSESCAN_SMTP_URL": self.mail.url,
            "HOUSESCAN_PUBLIC_URL": "https://housescan.test",
            "HOUSESCAN_PUSH_ALLOW_INSECURE_ENDPOINTS": "true",
        }

    async def subscribe(self, client: Any, token: str) -> None:
        response = await client.post(
            "/api/v1/me/push-subscriptions", json=self.browser.to_json(), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 201, response.text

    def counts(self, address: str) -> tuple[Counter[str], Counter[str]]:
        """Per scan: the distinct e-mails (by Message-ID) and the pushes received. No transport can promise
        an e-mail exactly once: a process killed after the SMTP server accepted a message and before the
        outbox row recorded it sends it again, with the same Message-ID, which mail programs show once (a
        push sent again carries the same tag, which the device shows once). `redelivered` counts those."""
        mails: Counter[str] = Counter()
        for message in self._distinct_mails(address):
            text, _ = text_and_html(message)
            mails.update(re.findall(r"https://housescan\.test/scans/([0-9a-f-]{36})", text)[:1])
        opened = [self.browser.decrypt(item.body) for item in self.push.to(self.browser)]
        pushes = Counter(str(scan_id) for scan_id, _ in {(m["scanId"], m["notificationId"]) for m in opened})
        return mails, pushes

    def _distinct_mails(self, address: str) -> list[EmailMessage]:
        return list({str(message["Message-ID"]): message for message in self.mail.to(address)}.values())

    def redelivered(self, address: str) -> int:
        pushes = [self.browser.decrypt(item.body)["notificationId"] for item in self.push.to(self.browser)]
        mails = len(self.mail.to(address)) - len(self._distinct_mails(address))
        return mails + len(pushes) - len(set(pushes))

    async def settle(
        self, database_url: str, address: str, scan_ids: list[str], timeout: float = 120
    ) -> tuple[Counter[str], Counter[str]]:
        """Wait until every outbox row of these scans is settled (nothing left to send, by any process,
        sweep included) and every message sent has arrived; then count."""
        ids = [uuid.UUID(scan_id) for scan_id in scan_ids]
        connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        try:
            async with asyncio.timeout(timeout):
                while True:
                    rows = await connection.fetch(
                        "SELECT channel, state FROM notification_outbox WHERE scan_id = ANY($1)", ids
                    )
                    unsettled = [row for row in rows if row["state"] in ("pending", "sending")]
                    sent = Counter(row["channel"] for row in rows if row["state"] == "sent")
                    mails, pushes = self.counts(address)
                    if (
                        len(rows) >= 2 * len(ids)
                        and not unsettled
                        and sum(mails.values()) >= sent["email"]
                        and sum(pushes.values()) >= sent["push"]
                    ):
                        return mails, pushes
                    await asyncio.sleep(0.2)
        finally:
            await connection.close()


def point_names(monkeypatch: Any, names: dict[str, str]) -> list[str]:
    """Make `outbound_http.resolve` answer each name with the address given (numeric spellings still go
    to the system's resolver, which reads them without asking DNS); returns the names asked, in order."""
    import ipaddress

    from housescan import outbound_http

    asked: list[str] = []
    system_resolve = outbound_http.resolve

    async def resolve(host: str, port: int) -> list[outbound_http.IPAddress]:
        asked.append(host)
        if host in names:
            return [ipaddress.ip_address(names[host])]
        return await system_resolve(host, port)

    monkeypatch.setattr(outbound_http, "resolve", resolve)
    return asked
