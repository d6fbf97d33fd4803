"""Short-lived signed image URLs: an <img src> works without a bearer header, and a URL stops working
when it expires."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid

from housescan.config import Settings


def _signature(secret: str, image_id: uuid.UUID, expires: int) -> str:
    key = hashlib.sha256(b"housescan-image-url:" + secret.encode()).digest()
    return hmac.new(key, f"{image_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def signed_image_url(settings: Settings, image_id: uuid.UUID, *, now: float | None = None) -> str:
    expires = int((time.time() if now is None else now) + settings.image_url_seconds)
    signature = _signature(settings.resolved_jwt_secret, image_id, expires)
    return f"/api/v1/images/{image_id}/content?expires={expires}&signature={signature}"


def signature_is_valid(settings: Settings, image_id: uuid.UUID, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    expected = _signature(settings.resolved_jwt_secret, image_id, expires)
    return hmac.compare_digest(expected, signature)
