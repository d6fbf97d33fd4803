"""The object store seam: photos go in under a key the server chooses; the analysis reads them by URL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from housescan.errors import HouseScanError, ServiceUnavailable

_KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9/_.-]{0,400}$")


class ObjectNotFound(Exception):
    pass


class StorageFull(HouseScanError):
    """The store's disk (or quota) has no room for the photos."""

    status_code = 507
    message = "the server has no room left to store photos: nothing of this upload was kept; try again later"


class StorageUnavailable(ServiceUnavailable):
    """The object store refused or did not answer a write."""

    message = "the photo storage did not answer: nothing of this upload was kept; try again in a moment"
    retry_after = 5


def check_key(key: str) -> str:
    if not _KEY_PATTERN.fullmatch(key) or ".." in key or "//" in key:
        raise ValueError(f"invalid object key {key!r}")
    return key


class ObjectStore(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def exists(self, key: str) -> bool: ...

    async def probe(self) -> None:
        """Raise unless the store can take photos now: its folder is there and writable, its bucket exists."""
        ...

    async def delete(self, keys: Sequence[str]) -> None:
        """Delete the objects and their renditions (`renditions.py`); missing ones are no error."""
        ...

    def internal_url(self, key: str) -> str:
        """A URL the analysis pipeline (in this process or a trusted agents service) can read the object at."""
        ...
