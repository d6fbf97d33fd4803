"""Fetching a scan's photos by URL, for the pipeline: local files only under the object store's folder,
remote ones only from allowed hosts, with size and time limits (no SSRF to arbitrary addresses).

A local path is read only when it resolves (links followed) to a file under an allowed folder: the agents
service takes its URLs over HTTP, and the store never holds links, so a link out of it is refused. The folder
scan (`housescan scan FOLDER`) reads the person's own folder, chosen by them on their own machine: there a
photo may be a link to a file elsewhere (`follow_links`), as long as the link itself lies in the folder."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from housescan import outbound_http
from housescan.agents.client import AgentsError


class ImageLoader:
    def __init__(
        self,
        *,
        local_roots: Sequence[Path] = (),
        allowed_hosts: Collection[str] = (),
        max_bytes: int = 25 * 1024 * 1024,
        timeout_seconds: float = 20.0,
        follow_links: bool = False,
    ) -> None:
        self._local_roots = [root.resolve() for root in local_roots]
        self._follow_links = follow_links
        self._allowed_hosts = {host.lower() for host in allowed_hosts}
        self._max_bytes = max_bytes
        self._timeout = timeout_seconds

    async def load(self, url: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme == "file":
            return await asyncio.to_thread(self._read_local, Path(unquote(parts.path)))
        if parts.scheme in ("http", "https"):
            return await self._fetch(url, (parts.hostname or "").lower())
        raise AgentsError(f"unsupported image URL scheme {parts.scheme!r}", retryable=False)

    def _read_local(self, path: Path) -> bytes:
        resolved = path.resolve()
        if not (self._is_under_a_root(resolved) or self._is_followed_link(path, resolved)):
            raise AgentsError("image path is outside the allowed folders", retryable=False)
        try:
            if resolved.stat().st_size > self._max_bytes:
                raise AgentsError("image is larger than the limit", retryable=False)
            return resolved.read_bytes()
        except FileNotFoundError as exc:
            raise AgentsError(f"image {resolved.name} is missing from the store", retryable=False) from exc

    def _is_under_a_root(self, path: Path) -> bool:
        return any(path.is_relative_to(root) for root in self._local_roots)

    def _is_followed_link(self, path: Path, resolved: Path) -> bool:
        """A link (or a path through a linked folder) named inside an allowed folder, to a regular file
        (never a device or a pipe), when links are followed. The path as named must lie in the folder
        without any `..`."""
        return (
            self._follow_links
            and path.is_absolute()
            and ".." not in path.parts
            and self._is_under_a_root(path)
            and resolved.is_file()
        )

    async def _fetch(self, url: str, host: str) -> bytes:
        if host not in self._allowed_hosts:
            raise AgentsError(f"image host {host!r} is not allowed", retryable=False)
        try:
            async with (
                outbound_http.client(timeout=self._timeout, follow_redirects=False) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise AgentsError(
                        f"fetching an image answered HTTP {response.status_code}",
                        retryable=response.status_code >= 500,
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise AgentsError("image is larger than the limit", retryable=False)
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise AgentsError(f"fetching an image failed: {type(exc).__name__}", retryable=True) from exc
