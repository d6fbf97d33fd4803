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
    if settings.agents_provider == "null":
        from housescan.agents.providers.null import NullProvider

        return NullProvider()
    if settings.agents_provider == "llm":
        from housescan.agents.providers.llm import LLMProvider

        return LLMProvider(settings)
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


def create_image_loader(settings: Settings, store: ObjectStore) -> ImageLoader:
    """Photos are read from the local store's folder, or fetched from the allowed hosts only."""
    local_roots = [store.root] if isinstance(store, LocalFolderStore) else []
    return ImageLoader(
        local_roots=local_roots,
        allowed_hosts=settings.agents_allowed_image_hosts,
        max_bytes=settings.max_image_bytes,
    )


def create_agents_client(settings: Settings, store: ObjectStore) -> AgentsClient:
    if settings.agents_url:
        from housescan.agents.remote import RemoteAgentsClient

        return RemoteAgentsClient(
            settings.agents_url,
            token=settings.agents_token.get_secret_value() if settings.agents_token else None,
            timeout_seconds=settings.agents_timeout_seconds,
        )
    endpoint_host = getattr(store, "endpoint_host", None)
    if isinstance(endpoint_host, str) and endpoint_host not in settings.agents_allowed_image_hosts:
        # An S3 store hands the pipeline presigned URLs on its own endpoint: that host is trusted.
        settings = settings.model_copy(
            update={"agents_allowed_image_hosts": [*settings.agents_allowed_image_hosts, endpoint_host]}
        )
    return InProcessAgentsClient(create_provider(settings), create_image_loader(settings, store))
