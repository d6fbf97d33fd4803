"""Asking for a re-analysis of some rooms of a finished scan: which rooms run again (the run itself narrows
its request and keeps the other rooms' results: scans/reanalysis.py)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.errors import Conflict
from housescan.jobs.base import JobQueue
from housescan.review.context import load_context, room_of
from housescan.review.report import rooms_with_new_photos
from housescan.scans import service as scans_service
from housescan.scans.models import Scan, ScanStatus


class NotAnalysedYet(Conflict):
    """Only an analysed scan (succeeded or failed) can be re-analysed."""


class NoNewPhotos(Conflict):
    """No room has new photos since the last analysis, and none was named."""


class RoomsWithoutPhotos(Conflict):
    """A room named for re-analysis has no photos."""


async def reanalyse(
    *,
    db_session: AsyncSession,
    settings: Settings,
    queue: JobQueue,
    scan: Scan,
    room_ids: Sequence[uuid.UUID] | None,
) -> list[uuid.UUID]:
    """Queue a finished scan again for some of its rooms (default: those whose photos changed). The person's
    answers and findings are untouched (they live in their own tables); the spend is checked and recorded as
    for any run. Returns the rooms that will run again."""
    context = await load_context(db_session=db_session, scan=scan)
    if scan.status not in (ScanStatus.succeeded, ScanStatus.failed) or context.summary is None:
        raise NotAnalysedYet(f"only an analysed scan can be re-analysed; this one is {scan.status}")
    if room_ids:
        chosen = [room_of(context, room_id).id for room_id in dict.fromkeys(room_ids)]
    else:
        changed = rooms_with_new_photos(context)
        chosen = [room.id for room in context.rooms if room.id in changed]
        if not chosen:
            raise NoNewPhotos("no room has new photos since the last analysis; name the rooms to analyse again")
    empty = [room_of(context, room_id).ordinal for room_id in chosen if not context.images_by_room.get(room_id)]
    if empty:
        raise RoomsWithoutPhotos(f"rooms {empty} have no photos")
    await costs_service.ensure_within_monthly_budget(db_session=db_session, settings=settings, user_id=scan.user_id)
    scans_service.queue_scan(db_session=db_session, queue=queue, scan=scan, reanalyse_room_ids=chosen)
    await db_session.commit()
    return chosen
