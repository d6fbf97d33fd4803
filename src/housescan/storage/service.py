from __future__ import annotations

from pathlib import Path

from housescan.config import Settings
from housescan.storage.base import ObjectStore
from housescan.storage.local import LocalFolderStore


def create_store(settings: Settings) -> ObjectStore:
    url = settings.storage_url
    if url is None:
        return LocalFolderStore(settings.photos_dir)
    if url.startswith("file://"):
        return LocalFolderStore(Path(url.removeprefix("file://")))
    if url.startswith("s3://"):
        from housescan.storage.s3 import S3ObjectStore, parse_s3_url

        bucket, prefix = parse_s3_url(url)
        secret = settings.s3_secret_access_key
        return S3ObjectStore(
            bucket=bucket,
            prefix=prefix,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            url_seconds=settings.image_url_seconds,
        )
    raise ValueError(f"unsupported HOUSESCAN_STORAGE_URL {url!r} (supported: file://PATH, s3://BUCKET/PREFIX)")
