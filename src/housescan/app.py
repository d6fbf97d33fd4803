"""The ASGI application: FastAPI for the REST API and the web app, Socket.IO beside it on /socket.io/."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import socketio
from fastapi import FastAPI, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.types import ASGIApp

from housescan import __version__
from housescan.account.router import router as account_router
from housescan.admin.router import router as admin_router
from housescan.agents.client import AgentsClient
from housescan.auth.router import router as auth_router
from housescan.checklists.router import router as checklists_router
from housescan.comparison.router import router as comparison_router
from housescan.config import Settings
from housescan.db.migrate import upgrade_database
from housescan.errors import ERROR_RESPONSES, NotFound, error_body, install_error_handler
from housescan.http_cache import ConditionalGet
from housescan.notifications.router import router as notifications_router
from housescan.ops.middleware import RequestSizeLimit, install_hardening
from housescan.ops.router import instrument_app
from housescan.realtime.server import register_handlers, start_client_manager
from housescan.repairs.router import router as repairs_router
from housescan.reports.router import router as reports_router
from housescan.reports.share_router import router as shares_router
from housescan.review.router import router as review_router
from housescan.runtime import Runtime, create_runtime
from housescan.scans.router import images_router, summaries_router
from housescan.scans.router import router as scans_router
from housescan.scans.worker import consuming

logger = logging.getLogger(__name__)


def _spa(app: FastAPI, web_dir: Path) -> None:
    """Serve the built web app; any other path that is not the API answers index.html (client routing)."""
    index = web_dir / "index.html"
    root = web_dir.resolve()

    @app.get("/{path:path}", include_in_schema=False)
    async def web_app(path: str) -> Response:
        if path.startswith(("api/", "socket.io")):
            return JSONResponse(error_body("not found", NotFound.code), status_code=404)
        candidate = (web_dir / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            # The service worker must be re-checked on every load so that updates reach people.
            no_cache = candidate.name in ("sw.js", "index.html", "manifest.webmanifest")
            return FileResponse(candidate, headers={"Cache-Control": "no-cache"} if no_cache else None)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})


def create_app(settings: Settings | None = None, *, agents: AgentsClient | None = None) -> ASGIApp:
    settings = settings or Settings()
    runtime = create_runtime(settings, agents=agents)
    register_handlers(runtime.sio, settings=settings, sessionmaker=runtime.sessionmaker)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await upgrade_database(runtime.engine)
        await start_client_manager(runtime.sio)
        # Scaled out, scans run (and are swept) in `housescan worker` processes, never inside `serve`.
        in_process = settings.run_worker and not runtime.scaled_out
        try:
            async with consuming(runtime) if in_process else contextlib.nullcontext():
                yield
        finally:
            await runtime.close()

    api = FastAPI(title="HouseScan", version=__version__, lifespan=lifespan, responses=ERROR_RESPONSES)
    api.state.runtime = runtime
    install_error_handler(api)

    api.add_middleware(ConditionalGet)  # ETags on the JSON API's GETs, 304 when unchanged (http_cache.py)
    api.add_middleware(RequestSizeLimit, max_bytes=settings.max_upload_request_bytes)
    install_hardening(api, settings)  # checked JSON bodies, security headers
    instrument_app(api)  # outermost middleware: sees every request, the 413s of the limit included
    for router in (
        scans_router,
        summaries_router,
        images_router,
        review_router,
        auth_router,
        checklists_router,
        admin_router,
        reports_router,
        notifications_router,
        shares_router,
        account_router,
        repairs_router,
        comparison_router,
    ):
        api.include_router(router)  # each route declares the errors it may answer
    web_dir = settings.resolved_web_dir
    if web_dir is not None:
        _spa(api, web_dir)
    app: ASGIApp = socketio.ASGIApp(runtime.sio, other_asgi_app=api, socketio_path="socket.io")
    return app


def runtime_of(app: ASGIApp) -> Runtime:
    assert isinstance(app, socketio.ASGIApp)
    runtime: Runtime = app.other_asgi_app.state.runtime
    return runtime
