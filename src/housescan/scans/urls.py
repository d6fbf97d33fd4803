"""Signed image URLs: an <img src> works without a bearer header, and a URL stops working when it expires.

A URL is the same for every read within one time bucket (`image_url_seconds` long): it is signed over the
end of the bucket after next, not over "now + lifetime", so the browser and the service worker can cache
the photo under it. Each URL lives between one and two buckets; the image answers say how long the browser
may keep it (`cache_seconds`). One signature covers the photo and its renditions (`variant` in the path).
"""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from typing import Literal

from housescan.config import Settings

ImageVariant = Literal["content", "thumbnail", "medium"]  # content: the original


def _signature(secret: str, image_id: uuid.UUID, expires: int) -> str:
    key = hashlib.sha256(b"housescan-image-url:" + secret.encode()).digest()
    return hmac.new(key, f"{image_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def url_expiry(settings: Settings, *, now: float | None = None) -> int:
    """The end of the bucket after the current one: the same for every read within a bucket."""
    bucket = max(settings.image_url_seconds, 1)
    current = int(time.time() if now is None else now) // bucket
    return (current + 2) * bucket


def signed_image_url(
    settings: Settings, image_id: uuid.UUID, *, variant: ImageVariant = "content", now: float | None = None
) -> str:
    expires = url_expiry(settings, now=now)
    signature = _signature(settings.resolved_jwt_secret, image_id, expires)
    return f"/api/v1/images/{image_id}/{variant}?expires={expires}&signature={signature}"


def signature_is_valid(settings: Settings, image_id: uuid.UUID, expires: int, signature: str) -> bool:
    if expires < time.time():
        return False
    expected = _signature(settings.resolved_jwt_secret, image_id, expires)
    return hmac.compare_digest(expected, signature)


def cache_seconds(expires: int, *, now: float | None = None) -> int:
    """How long a browser may reuse what it fetched under a URL that expires at `expires`."""
    return max(0, expires - int(time.time() if now is None else now))
