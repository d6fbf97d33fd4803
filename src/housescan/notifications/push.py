"""Web push: RFC 8291 message encryption (http-ece, aes128gcm) and RFC 8292 VAPID (py-vapid).

The VAPID key pair is generated on first use and kept in the data dir, like the JWT secret, so every
process of one deployment signs with the same key the browsers subscribed with."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import http_ece
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from housescan import outbound_http
from housescan.config import Settings
from housescan.notifications.mail import public_url

VAPID_KEY_FILE = "vapid_private_key.pem"
PUSH_TTL_SECONDS = 24 * 3600
PUSH_TIMEOUT_SECONDS = 15.0
GONE = (404, 410)  # the subscription expired or was withdrawn: drop it


class InvalidSubscription(ValueError):
    pass


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class VapidKeys:
    private_key: ec.EllipticCurvePrivateKey

    @property
    def public_key(self) -> str:
        """The applicationServerKey a browser subscribes with: the uncompressed P-256 point, base64url."""
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url_encode(point)


def _load_or_create(path: Path) -> ec.EllipticCurvePrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        try:
            with path.open("xb") as file:  # "x": two processes starting at once keep the first key
                file.write(pem)
            path.chmod(0o600)
        except FileExistsError:
            pass
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path} is not an EC private key")
    return key


@cache
def _keys_at(path: Path) -> VapidKeys:
    return VapidKeys(_load_or_create(path))


def vapid_keys(settings: Settings) -> VapidKeys:
    return _keys_at((settings.data_dir / VAPID_KEY_FILE).resolve())


async def check_endpoint(settings: Settings, endpoint: str) -> None:
    """A push endpoint is a push service's https URL whose host resolves to public addresses only: never
    a private address the server would call for anyone who subscribes with it, however it is spelled
    (unless the tests allow their local endpoint). Sending checks the addresses again (`outbound_http`)."""
    url = urlsplit(endpoint)
    if not url.hostname or url.scheme not in ("https", "http"):
        raise InvalidSubscription(f"the endpoint {endpoint} must be an https URL")
    if settings.push_allow_insecure_endpoints:
        return
    if url.scheme != "https":
        raise InvalidSubscription(f"the endpoint {endpoint} must be an https URL")
    try:
        port = url.port or 443
        await outbound_http.checked_addresses(url.hostname, port)
    except (ValueError, outbound_http.UnsafeDestination) as exc:
        raise InvalidSubscription(f"the endpoint {endpoint} must be a public push service: {exc}") from None


def client(settings: Settings) -> httpx.AsyncClient:
    """For the push services: each request goes to the public address its host was checked to have."""
    return outbound_http.public_client(allow_private=settings.push_allow_insecure_endpoints)


def check_keys(p256dh: str, auth: str) -> None:
    try:
        point = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        secret = b64url_decode(auth)
    except (ValueError, TypeError) as exc:
        raise InvalidSubscription("keys.p256dh must be a P-256 public key and keys.auth 16 bytes, base64url") from exc
    if len(secret) != 16:
        raise InvalidSubscription("keys.auth must be 16 bytes, base64url")


def encrypt(payload: bytes, *, p256dh: str, auth: str) -> bytes:
    """RFC 8291: aes128gcm with a fresh ephemeral key; the header carries the salt and that key."""
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    body: bytes = http_ece.encrypt(
        payload,
        private_key=ephemeral,
        dh=b64url_decode(p256dh),
        auth_secret=b64url_decode(auth),
        version="aes128gcm",
    )
    return body


def vapid_headers(settings: Settings, keys: VapidKeys, endpoint: str) -> dict[str, str]:
    url = urlsplit(endpoint)
    audience = f"{url.scheme}://{url.netloc}"
    contact = public_url(settings)
    subject = contact if contact.startswith("https://") else f"mailto:{_mail_address(settings.mail_from)}"
    claims = {"aud": audience, "sub": subject, "exp": int(time.time()) + 12 * 3600}
    headers: dict[str, str] = Vapid02(keys.private_key).sign(claims)
    return headers


def _mail_address(mail_from: str) -> str:
    return mail_from.rsplit("<", 1)[-1].strip(" >") if "<" in mail_from else mail_from.strip()


async def send_push(
    client: httpx.AsyncClient,
    settings: Settings,
    *,
    endpoint: str,
    p256dh: str,
    auth: str,
    message: dict[str, Any],
    topic: str | None = None,
) -> int:
    """POST one encrypted message to a subscription's endpoint; returns the push service's status code."""
    body = encrypt(json.dumps(message).encode(), p256dh=p256dh, auth=auth)
    headers = {
        **vapid_headers(settings, vapid_keys(settings), endpoint),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "TTL": str(PUSH_TTL_SECONDS),
        "Urgency": "normal",
    }
    if topic:
        headers["Topic"] = topic  # a newer message with the same topic replaces one not yet delivered
    # The status is all that is read: the body is never taken in, and the whole exchange has one deadline.
    async with (
        asyncio.timeout(PUSH_TIMEOUT_SECONDS),
        client.stream("POST", endpoint, content=body, headers=headers, timeout=PUSH_TIMEOUT_SECONDS) as response,
    ):
        return response.status_code
