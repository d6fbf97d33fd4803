"""The scaled-out object store: any S3-compatible service (MinIO, AWS S3), `HOUSESCAN_STORAGE_URL=s3://bucket/prefix`.

Objects are written and read with obstore (the Rust `object_store` crate); the analysis reads them through
short-lived presigned GET URLs, so a remote agents service needs no credentials. The bucket must exist.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import BaseError as ObstoreError
from obstore.store import S3Store

from housescan.storage import renditions
from housescan.storage.base import ObjectNotFound, StorageUnavailable, check_key

logger = logging.getLogger(__name__)


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` → (bucket, "some/prefix")."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"expected s3://bucket[/prefix], got {url!r}")
    return parts.netloc, parts.path.strip("/")


class S3ObjectStore:
    def __init__(
        self,
        *,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        url_seconds: int = 600,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.url_seconds = url_seconds
        config: dict[str, Any] = {"region": region}
        if endpoint_url:
            config["endpoint"] = endpoint_url.rstrip("/")
        if access_key_id and secret_access_key:
            config["access_key_id"] = access_key_id
            config["secret_access_key"] = secret_access_key
        self._store = S3Store(
            bucket,
            prefix=self.prefix or None,
            config=config,  # type: ignore[arg-type]
            client_options={
                "allow_http": bool(endpoint_url and endpoint_url.startswith("http://")),
                "connect_timeout": timedelta(seconds=5),
            },
            # A person is waiting on an upload: a store that does not answer is named within seconds (503),
            # not after obstore's default of ten retries over three minutes.
            retry_config={"max_retries": 4, "retry_timeout": timedelta(seconds=20)},
        )
        # The host the presigned URLs point at: the only host the in-process pipeline needs to fetch from.
        self.endpoint_host = urlsplit(endpoint_url).hostname if endpoint_url else f"s3.{region}.amazonaws.com"

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await obstore.put_async(self._store, check_key(key), data, attributes={"Content-Type": content_type})
        except (ObstoreError, OSError) as exc:  # obstore raises a missing bucket as FileNotFoundError
            logger.error("the S3 store refused a write to %s: %s", self.bucket, exc)
            raise StorageUnavailable from exc

    async def get(self, key: str) -> bytes:
        try:
            result = await obstore.get_async(self._store, check_key(key))
            return bytes(await result.bytes_async())
        except FileNotFoundError as exc:  # obstore's NotFoundError
            raise ObjectNotFound(key) from exc

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self._store, check_key(key))
        except FileNotFoundError:
            return False
        return True

    async def probe(self) -> None:
        # A listing, not a HEAD: S3 answers a HEAD in a missing bucket as a missing object, a listing with
        # NoSuchBucket. One entry is enough.
        try:
            async for _first in obstore.list(self._store, chunk_size=1):
                break
        except (ObstoreError, OSError) as exc:
            logger.error("the S3 bucket %s cannot be listed: %s", self.bucket, exc)
            raise StorageUnavailable from exc

    async def delete(self, keys: Sequence[str]) -> None:
        checked = [check_key(key) for key in renditions.with_renditions(keys)]
        await renditions.settle(checked)
        if checked:
            await obstore.delete_async(self._store, checked)

    def internal_url(self, key: str) -> str:
        """A presigned GET URL valid for `url_seconds` (the analysis, local or remote, fetches it)."""
        return obstore.sign(self._store, "GET", check_key(key), timedelta(seconds=self.url_seconds))
