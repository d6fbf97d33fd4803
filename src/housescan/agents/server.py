"""The agents service as its own ASGI app (`housescan agents`)."""

from __future__ import annotations

from fastapi import FastAPI

from housescan import __version__
from housescan.agents.client import AgentsClient
from housescan.agents.router import router
from housescan.agents.service import InProcessAgentsClient, create_image_loader, create_provider
from housescan.config import Settings
from housescan.errors import ERROR_RESPONSES, install_error_handler
from housescan.storage.service import create_store


def create_agents_app(settings: Settings | None = None, *, agents: AgentsClient | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(title="HouseScan agents", version=__version__, responses=ERROR_RESPONSES)
    app.state.settings = settings
    install_error_handler(app)
    app.state.agents = agents or InProcessAgentsClient(
        create_provider(settings), create_image_loader(settings, create_store(settings))
    )
    app.include_router(router)
    return app
