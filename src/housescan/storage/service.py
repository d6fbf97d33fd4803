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
    raise ValueError(f"unsupported HOUSESCAN_STORAGE_URL {url!r} (supported: file://PATH)")
