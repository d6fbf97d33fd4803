"""The app as `housescan serve` builds it, with two switches for `bench/phone.py` only (environment):

- `PHONE_BENCH_RENDITIONS=off`: uploads queue no renditions (the baseline the thumbnail cost is measured
  against); `GET /bench/renditions-idle` answers once this process has made every queued rendition.
- `PHONE_BENCH_READ_CACHE=redis://...`: `GET /api/v1/scans/{id}` through a Redis read-through cache of the
  finished answer (key per user and scan, expiring with its image URLs), the variant whose gain decides
  whether such a cache is worth keeping (bench/README.md).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import redis.asyncio as aioredis
from fastapi import Response

from housescan.app import create_app, runtime_of
from housescan.config import Settings
from housescan.scans import service as scans_service
from housescan.scans.urls import url_expiry
from housescan.storage import renditions

settings = Settings()

if os.environ.get("PHONE_BENCH_RENDITIONS") == "off":
    renditions.schedule = lambda store, keys: None  # type: ignore[assignment]

_cache_url = os.environ.get("PHONE_BENCH_READ_CACHE")
if _cache_url:
    _redis = aioredis.Redis.from_url(_cache_url)
    _uncached = scans_service.scan_detail
    _prefix = f"hs-bench-read-{uuid.uuid4().hex[:8]}"

    async def cached_scan_detail(**kwargs: Any) -> Any:
        key = f"{_prefix}:{kwargs['user_id']}:{kwargs['scan_id']}"
        raw = await _redis.get(key)
        if raw is not None:  # the finished answer as it was sent: no database, no serialisation
            return Response(content=raw, media_type="application/json")
        detail = await _uncached(**kwargs)
        body = detail.model_dump_json().encode()
        if detail.status in ("succeeded", "failed"):  # only finished scans are cached
            ttl = max(1, url_expiry(settings) - int(time.time()) - settings.image_url_seconds)
            await _redis.set(key, body, ex=ttl)
        return Response(content=body, media_type="application/json")

    scans_service.scan_detail = cached_scan_detail  # type: ignore[assignment]

app = create_app(settings)
_api = runtime_of(app)
api = app.other_asgi_app  # type: ignore[attr-defined]


@api.get("/bench/renditions-idle", include_in_schema=False)
async def renditions_idle() -> dict[str, str]:
    await renditions.idle()
    return {"status": "idle"}
