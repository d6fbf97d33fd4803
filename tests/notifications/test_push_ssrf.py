"""No server-side request to a private address through a push subscription: every spelling of a loopback
address and every name resolving privately is refused at subscription, a name that resolves privately by
the time of sending is not sent to, and the connection goes to the address that was checked."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from housescan import outbound_http
from housescan.config import Settings
from housescan.notifications import service as notifications_service
from housescan.notifications.models import NotificationOutbox
from housescan.scans.models import Scan
from tests.conftest import LiveServer, free_port, start_server
from tests.helpers import auth, create_scan, register
from tests.notifications.support import PushService, point_names

LOOPBACK_SPELLINGS = [
    "https://2130706433/push",
    "https://0x7f000001/push",
    "https://127.1/push",
    "https://0177.0.0.1/push",
    "https://[::ffff:127.0.0.1]/push",
    "https://[::1]/push",
    "https://0.0.0.0/push",
    "https://169.254.169.254/latest/meta-data",
]


@pytest.fixture
async def strict_server(settings: Settings) -> AsyncIterator[LiveServer]:
    server = await start_server(settings.model_copy(update={"push_allow_insecure_endpoints": False}))
    yield server
    await server.stop()


async def _subscribe(server: LiveServer, endpoint: str, token: str | None = None) -> tuple[int, str, str]:
    body = PushService().subscription("x").to_json() | {"endpoint": endpoint}
    async with server.client() as client:
        token = token or await register(client)
        response = await client.post("/api/v1/me/push-subscriptions", json=body, headers=auth(token))
    return response.status_code, response.text, token


@pytest.mark.parametrize("endpoint", LOOPBACK_SPELLINGS)
async def test_every_spelling_of_a_private_address_is_refused(strict_server: LiveServer, endpoint: str) -> None:
    status, text, _ = await _subscribe(strict_server, endpoint)
    assert status == 422, text
    assert endpoint in text and "not a public address" in text


async def test_a_name_resolving_to_a_private_address_is_refused(
    strict_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_names(monkeypatch, {"push.inside.example": "10.1.2.3", "push.outside.example": "8.8.8.8"})
    for endpoint in ("https://localhost/push", "https://push.inside.example/push"):
        status, text, _ = await _subscribe(strict_server, endpoint)
        assert status == 422 and endpoint in text, text
    status, text, _ = await _subscribe(strict_server, "https://push.nowhere.invalid/push")
    assert status == 422 and "does not resolve" in text, text
    status, text, _ = await _subscribe(strict_server, "https://push.outside.example/push")
    assert status == 201, text


async def test_a_name_that_resolves_privately_by_sending_time_is_not_sent_to(
    strict_server: LiveServer, monkeypatch: pytest.MonkeyPatch, push_service: PushService
) -> None:
    """DNS rebinding: public when subscribed, the push service's own address (127.0.0.1) when sent."""
    name = "push.rebinding.example"
    point_names(monkeypatch, {name: "8.8.8.8"})
    endpoint = f"https://{name}:{push_service.port}/push/phone"
    status, text, token = await _subscribe(strict_server, endpoint)
    assert status == 201, text
    point_names(monkeypatch, {name: "127.0.0.1"})
    async with strict_server.client() as client:
        scan = await create_scan(client, token, rooms=1)
    scan_id = uuid.UUID(scan["id"])
    runtime = strict_server.runtime
    async with runtime.sessionmaker() as session:
        owner = (await session.get_one(Scan, scan_id)).user_id
        await notifications_service.stage_outcome(
            db_session=session,
            sessionmaker=runtime.sessionmaker,
            settings=runtime.settings,
            scan_id=scan_id,
            user_id=owner,
            outcome="succeeded",
        )
        await session.commit()  # sends the push
    async with runtime.sessionmaker() as session:
        [error] = await session.scalars(
            select(NotificationOutbox.error).where(
                NotificationOutbox.scan_id == scan_id, NotificationOutbox.channel == "push"
            )
        )
    assert push_service.received == []
    assert error is not None and "resolves to 127.0.0.1, not a public address" in error


def test_addresses_carrying_a_private_one_are_not_public() -> None:
    for text in ("::ffff:10.0.0.1", "2002:7f00:1::", "100.64.0.1", "224.0.0.1", "fe80::1", "fc00::1"):
        assert not outbound_http.is_public(ipaddress.ip_address(text)), text
    for text in ("8.8.8.8", "2606:4700:4700::1111"):
        assert outbound_http.is_public(ipaddress.ip_address(text)), text


async def _serve(app: web.Application, context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, int]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()
    return runner, port


async def _echo_host(request: web.Request) -> web.Response:
    if request.path == "/away":
        raise web.HTTPFound("/elsewhere")
    return web.Response(text=request.host)


async def test_the_connection_goes_to_the_checked_address_once_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is known to the test's resolver only: reaching the server proves the connection went to
    the checked address; the resolver is asked once per request, and a redirect is not followed."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", _echo_host)
    runner, port = await _serve(app)
    asked = point_names(monkeypatch, {"push.pinned.example": "127.0.0.1"})
    try:
        async with outbound_http.public_client(allow_private=True) as client:
            response = await client.get(f"http://push.pinned.example:{port}/hello")
            redirected = await client.get(f"http://push.pinned.example:{port}/away")
        async with outbound_http.public_client() as client:
            with pytest.raises(outbound_http.UnsafeDestination, match="not a public address"):
                await client.get(f"http://push.pinned.example:{port}/hello")
    finally:
        await runner.cleanup()
    assert response.status_code == 200 and response.text == f"push.pinned.example:{port}"
    assert redirected.status_code == 302
    assert asked == ["push.pinned.example"] * 3


def _certificate_for(name: str, directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


async def test_tls_names_and_verifies_the_host_while_connecting_to_the_pinned_address(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The server's certificate is valid for the name only: the handshake succeeds because SNI and the
    check use the name, not the address connected to."""
    cert_path, key_path = _certificate_for("push.tls.example", tmp_path)
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert_path, key_path)
    names_seen: list[str | None] = []
    server_context.sni_callback = lambda _socket, name, _context: names_seen.append(name)  # type: ignore[func-returns-value]
    app = web.Application()
    app.router.add_get("/{tail:.*}", _echo_host)
    runner, port = await _serve(app, server_context)
    point_names(monkeypatch, {"push.tls.example": "127.0.0.1", "push.other.example": "127.0.0.1"})
    trust = ssl.create_default_context(cafile=str(cert_path))
    try:
        async with outbound_http.public_client(allow_private=True, verify=trust) as client:
            response = await client.get(f"https://push.tls.example:{port}/")
            with pytest.raises(httpx.ConnectError, match=r"(?i)certificate|hostname"):
                await client.get(f"https://push.other.example:{port}/")
    finally:
        await runner.cleanup()
    assert response.status_code == 200
    assert names_seen[0] == "push.tls.example"
