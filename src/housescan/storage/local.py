"""The embedded object store: a folder on the local disk."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from housescan.storage import renditions
from housescan.storage.base import ObjectNotFound, StorageFull, StorageUnavailable, check_key

logger = logging.getLogger(__name__)


class LocalFolderStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, key: str) -> Path:
        return self.root / check_key(key)

    def _write(self, key: str, data: bytes) -> None:
        path = self.path_of(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so that a reader never sees half a photo; synced before the rename and the
        # folder after it, so that a photo whose row is committed survives a power cut too.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def _read(self, key: str) -> bytes:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def _delete(self, keys: Sequence[str]) -> None:
        """Delete the objects, and the folders they leave empty (a deleted scan leaves no trace)."""
        folders: set[Path] = set()
        for key in keys:
            path = self.path_of(key)
            path.unlink(missing_ok=True)
            folders.update(
                parent for parent in path.parents if parent.is_relative_to(self.root) and parent != self.root
            )
        for folder in sorted(folders, key=lambda folder: len(folder.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty (other objects, or an upload writing now): kept
                folder.rmdir()

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            await asyncio.to_thread(self._write, key, data)
        except OSError as exc:
            if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                raise
            logger.error("no room left in the photo folder %s: uploads are refused (507) until there is", self.root)
            raise StorageFull from exc

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._read, key)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def probe(self) -> None:
        if not await asyncio.to_thread(os.access, self.root, os.W_OK | os.X_OK):
            logger.error("the photo folder %s is missing or not writable", self.root)
            raise StorageUnavailable

    async def delete(self, keys: Sequence[str]) -> None:
        await renditions.settle(keys)
        await asyncio.to_thread(self._delete, renditions.with_renditions(keys))

    def internal_url(self, key: str) -> str:
        return self.path_of(key).as_uri()
