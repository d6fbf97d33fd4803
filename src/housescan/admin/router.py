from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from housescan import __version__
from housescan.auth.dependencies import AdminUser
from housescan.dependencies import RuntimeDep, SessionDep
from housescan.jobs.base import QueueHealth

router = APIRouter(tags=["admin"])


@router.get("/healthz")
async def healthz(runtime: RuntimeDep, db_session: SessionDep) -> dict[str, str]:
    await db_session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": runtime.engine.dialect.name}


@router.get("/api/v1/admin/queue/health")
async def queue_health(_admin: AdminUser, runtime: RuntimeDep) -> QueueHealth:
    return await runtime.queue.health()
