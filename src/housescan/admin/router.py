from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import text

from housescan import __version__
from housescan.admin import service as admin_service
from housescan.admin.schemas import AdminAnalytics, FailedScanPage, Readiness, RetryAccepted
from housescan.auth.dependencies import AdminOnly, AdminUser
from housescan.costs import service as costs_service
from housescan.costs.schemas import CostReport
from housescan.costs.service import InvalidPeriod
from housescan.dependencies import RuntimeDep, SessionDep
from housescan.errors import HouseScanError, NotAuthenticated, responses
from housescan.jobs.base import QueueHealth
from housescan.scans.service import ScanNotFound, ScanStateConflict

logger = logging.getLogger(__name__)

router = APIRouter(tags=["admin"])
_ADMIN = (NotAuthenticated, AdminOnly)


@router.get("/healthz")
async def healthz(runtime: RuntimeDep, db_session: SessionDep) -> dict[str, str]:
    await db_session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": runtime.engine.dialect.name}


READY_TIMEOUT_SECONDS = 3.0


class NotReady(HouseScanError):
    status_code = 503
    message = "not ready"


@router.get("/readyz", responses=responses(NotReady))
async def readyz(runtime: RuntimeDep) -> Readiness:
    """Whether this process can serve: its database, its queue (Redis when scaled out) and its photo store each
    answer within a few seconds. 503 `not_ready` names what did not; /healthz stays the cheap liveness check."""
    checks: dict[str, str] = {}
    workers: int | None = None

    async def database() -> None:
        async with runtime.sessionmaker() as db_session:
            await db_session.execute(text("SELECT 1"))

    async def queue() -> None:
        nonlocal workers
        workers = (await runtime.queue.health()).workers

    async def storage() -> None:
        await runtime.store.probe()

    for name, probe in (("database", database), ("queue", queue), ("storage", storage)):
        try:
            await asyncio.wait_for(probe(), READY_TIMEOUT_SECONDS)
            checks[name] = "ok"
        except Exception as error:  # anything at all: the probe's answer is that this dependency failed
            checks[name] = "no answer in time" if isinstance(error, TimeoutError) else type(error).__name__
            logger.warning("not ready: the %s check failed (%s)", name, checks[name])
    failed = [f"{name} ({result})" for name, result in checks.items() if result != "ok"]
    if failed:
        detail = {"message": f"not ready: {', '.join(failed)}", "checks": checks, "workers": workers}
        raise NotReady(detail, headers={"Retry-After": "5"})
    return Readiness(status="ready", checks=checks, workers=workers)


@router.get("/api/v1/admin/queue/health", responses=responses(*_ADMIN))
@router.get(
    "/api/admin/queue/health",
    summary="Queue Health (the seed's path, an alias of /api/v1/admin/queue/health)",
    responses=responses(*_ADMIN),
)
async def queue_health(_admin: AdminUser, runtime: RuntimeDep) -> QueueHealth:
    return await runtime.queue.health()


@router.get("/api/v1/admin/scans/failed", responses=responses(*_ADMIN))
async def list_failed_scans(
    _admin: AdminUser,
    db_session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FailedScanPage:
    return await admin_service.failed_scans(db_session=db_session, limit=limit, offset=offset)


@router.post(
    "/api/v1/admin/scans/{scan_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(*_ADMIN, ScanNotFound, ScanStateConflict),
)
async def retry_scan(
    scan_id: uuid.UUID, admin: AdminUser, runtime: RuntimeDep, db_session: SessionDep
) -> RetryAccepted:
    """Queue a failed scan again (any user's); the user's monthly budget is not checked: an operator decides."""
    scan, previous_error = await admin_service.retry_failed_scan(
        db_session=db_session, queue=runtime.queue, scan_id=scan_id
    )
    logger.info("admin %s re-queued failed scan %s", admin.id, scan.id, extra={"scan_id": str(scan.id)})
    return RetryAccepted(id=scan.id, status=scan.status, previous_error=previous_error)


@router.get("/api/v1/admin/costs", responses=responses(*_ADMIN, InvalidPeriod))
async def costs_by_user(
    _admin: AdminUser,
    db_session: SessionDep,
    since: Annotated[datetime | None, Query(description="start (inclusive); default: this month's start, UTC")] = None,
    until: Annotated[datetime | None, Query(description="end (exclusive); default: now")] = None,
) -> CostReport:
    """Model spend per user over a period, from the agents' runs."""
    return await costs_service.costs_by_user(db_session=db_session, since=since, until=until)


@router.get("/api/v1/admin/analytics", responses=responses(*_ADMIN))
async def analytics(
    _admin: AdminUser,
    db_session: SessionDep,
    days: Annotated[
        int,
        Query(ge=1, le=admin_service.ANALYTICS_MAX_DAYS, description="the last N UTC days, today included"),
    ] = admin_service.ANALYTICS_DEFAULT_DAYS,
) -> AdminAnalytics:
    """Scan success rate, outcomes, processing times (p50/p95, overall and per agent), failures by reason and
    spend per day, over a period."""
    return await admin_service.analytics(db_session=db_session, days=days)
