"""Operators' views: failed scans (with their reasons and attempts) and retrying one."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.admin.schemas import FailedScan, FailedScanPage
from housescan.auth.models import User
from housescan.houses.models import House
from housescan.jobs.base import JobQueue
from housescan.pagination import offset_page
from housescan.scans import service as scans_service
from housescan.scans.models import Scan, ScanStatus
from housescan.scans.service import ScanNotFound, ScanStateConflict


async def failed_scans(*, db_session: AsyncSession, limit: int, offset: int) -> FailedScanPage:
    """Failed scans of every user, the most recent failure first."""
    rows, total = await offset_page(
        db_session,
        select(Scan, User.email, House.address)
        .join(User, User.id == Scan.user_id)
        .join(House, House.id == Scan.house_id)
        .where(Scan.status == ScanStatus.failed)
        .order_by(Scan.finished_at.desc(), Scan.id),
        limit=limit,
        offset=offset,
    )
    return FailedScanPage(
        items=[
            FailedScan(
                id=scan.id,
                user_id=scan.user_id,
                user_email=email,
                house_id=scan.house_id,
                address=address,
                error=scan.error,
                attempts=scan.attempts,
                created_at=scan.created_at,
                started_at=scan.started_at,
                finished_at=scan.finished_at,
            )
            for scan, email, address in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


async def retry_failed_scan(
    *, db_session: AsyncSession, queue: JobQueue, scan_id: uuid.UUID
) -> tuple[Scan, str | None]:
    """Queue any user's failed scan again, through the scans service; the user's monthly budget is not checked
    (an operator decides). Returns the scan and the error it had."""
    scan = await db_session.scalar(select(Scan).where(Scan.id == scan_id))
    if scan is None:
        raise ScanNotFound()
    if scan.status is not ScanStatus.failed:
        raise ScanStateConflict(f"only a failed scan can be retried; this one is {scan.status}")
    previous_error = scan.error
    scan = await scans_service.queue_for_processing(db_session=db_session, scan=scan)
    await queue.enqueue(scan.id)  # after the commit, as for the owner's own request
    return scan, previous_error
