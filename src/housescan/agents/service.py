"""Choosing and running the analysis: in this process, or on a remote agents service."""

from __future__ import annotations

from housescan.agents.budget import AgentMemo
from housescan.agents.client import AgentsClient, ProgressCallback
from housescan.agents.contract import ScanRequest, ScanResponse
from housescan.agents.images import ImageLoader
from housescan.agents.pipeline import run_pipeline
from housescan.agents.providers.base import Provider
from housescan.config import Settings
from housescan.storage.base import ObjectStore
from housescan.storage.local import LocalFolderStore


def create_provider(settings: Settings) -> Provider:
    if settings.agents_provider == "local":
        from housescan.agents.providers.local import LocalProvider

        return LocalProvider()
    raise ValueError(f"agents provider {settings.agents_provider!r} is not available yet")


class InProcessAgentsClient:
    def __init__(self, provider: Provider, loader: ImageLoader) -> None:
        self.provider = provider
        self.loader = loader

    async def run(
        self, request: ScanRequest, *, on_progress: ProgressCallback | None = None, memo: AgentMemo | None = None
    ) -> ScanResponse:
        return await run_pipeline(
            request, provider=self.provider, loader=self.loader, on_progress=on_progress, memo=memo
        )


def create_agents_client(settings: Settings, store: ObjectStore) -> AgentsClient:
    local_roots = [store.root] if isinstance(store, LocalFolderStore) else []
    loader = ImageLoader(local_roots=local_roots, max_bytes=settings.max_image_bytes)
    return InProcessAgentsClient(create_provider(settings), loader)
