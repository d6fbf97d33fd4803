"""The PDF report of a finished scan: the same merged report as the web app (review service), with the
photos it shows shrunk from the object store, drawn in `render`."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from PIL import Image as PILImage
from PIL import ImageOps
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.auth.models import User
from housescan.comparison import changes as comparison_changes
from housescan.comparison.schemas import Changes
from housescan.config import Settings
from housescan.errors import Conflict, Unprocessable
from housescan.reports.render import ReportData, Thumbnail, render_pdf
from housescan.review import report as review_report
from housescan.scans.models import Image, Scan, ScanStatus
from housescan.storage.base import ObjectNotFound, ObjectStore

THUMBNAILS_PER_ROOM = 6
THUMBNAIL_PIXELS = 360


UTC = ZoneInfo("UTC")


class ReportNotReady(Conflict):
    """The scan exists (and is the user's) but has no analysis to report yet."""


class UnknownTimeZone(Unprocessable):
    """`tz` is not a time zone name."""

    def __init__(self, name: str) -> None:
        super().__init__(
            [
                {
                    "loc": ["query", "tz"],
                    "msg": f"{name[:64]!r} is not a time zone (an IANA name such as Europe/Paris)",
                    "type": "value_error",
                }
            ]
        )


def time_zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; UnknownTimeZone (422) for any other text."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UnknownTimeZone(name) from None


async def zone_of_account(db_session: AsyncSession, user_id: uuid.UUID) -> ZoneInfo:
    """The account's time zone (set by the web app from the browser), else UTC."""
    name = await db_session.scalar(select(User.time_zone).where(User.id == user_id))
    try:
        return time_zone(name) if name else UTC
    except UnknownTimeZone:
        return UTC  # a zone this machine no longer knows: the PDF still renders, in UTC, and says so


async def scan_report_pdf(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    scan: Scan,
    tz: str | None = None,
    changes_since: uuid.UUID | None = None,
) -> tuple[bytes, str]:
    """The owner's report of their scan as PDF bytes and a file name (with the cost line), its times in `tz`
    (an IANA name; 422 when unknown), else the account's time zone, else UTC; with an appendix of the changes
    since the earlier scan `changes_since` (422 when of another house). 409 while there is no analysis."""
    zone = time_zone(tz) if tz else None
    changes = None
    if changes_since is not None:
        changes = await comparison_changes.changes_since(
            db_session=db_session, settings=settings, scan=scan, since=changes_since, param="changes_since"
        )
    zone = zone or await zone_of_account(db_session, scan.user_id)
    return await report_pdf_of_scan(
        db_session=db_session, store=store, settings=settings, scan=scan, owner=True, zone=zone, changes=changes
    )


async def report_pdf_of_scan(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    scan: Scan,
    owner: bool,
    zone: ZoneInfo = UTC,
    changes: Changes | None = None,
) -> tuple[bytes, str]:
    """The PDF of a scan the caller may read; `owner=False` (a shared view) speaks to its reader and leaves
    the analysis cost out."""
    report, context = await review_report.report_of_scan(
        db_session=db_session, settings=settings, scan=scan, audience="owner" if owner else "reader"
    )
    if context.summary is None:
        state = {
            ScanStatus.draft: "still a draft: upload the photos and start the analysis",
            ScanStatus.queued: "queued for analysis",
            ScanStatus.running: "being analysed",
            ScanStatus.failed: f"failed ({scan.error or 'no reason recorded'}); process it again",
        }.get(scan.status, str(scan.status))
        raise ReportNotReady(f"no report yet: the scan is {state}")
    wanted: list[uuid.UUID] = [image.id for room in report.rooms for image in room.images[:THUMBNAILS_PER_ROOM]]
    wanted += [photo for finding in report.findings for photo in finding.photo_ids]
    thumbnails = await thumbnails_of(store, context.images, wanted)
    data = ReportData(
        report=report,
        created_at=scan.created_at,
        thumbnails=thumbnails,
        cost=(context.summary.cost_summary or context.summary.summary_json.get("cost_info") or {}) if owner else None,
        photos_per_room=THUMBNAILS_PER_ROOM,
        time_zone=zone,
        changes=changes,
    )
    pdf = await asyncio.to_thread(render_pdf, data)
    return pdf, f"housescan-report-{str(scan.id)[:8]}.pdf"


async def thumbnails_of(
    store: ObjectStore, images: Iterable[Image], wanted: Iterable[uuid.UUID]
) -> dict[uuid.UUID, Thumbnail]:
    """Small renditions of the `wanted` photos among `images` (a scan's), by id; missing ones are left out."""
    keys = {image.id: image.object_key for image in images}
    chosen = [image_id for image_id in dict.fromkeys(wanted) if image_id in keys]
    shrunk = await asyncio.gather(*(_thumbnail(store, keys[image_id]) for image_id in chosen))
    return {image_id: thumb for image_id, thumb in zip(chosen, shrunk, strict=True) if thumb is not None}


async def _thumbnail(store: ObjectStore, key: str) -> Thumbnail | None:
    try:
        data = await store.get(key)
    except ObjectNotFound:
        return None
    return await asyncio.to_thread(_shrink, data)


def _shrink(data: bytes) -> Thumbnail | None:
    """A small JPEG of a stored photo (already validated and normalised at upload)."""
    try:
        with PILImage.open(io.BytesIO(data)) as image:
            picture = ImageOps.exif_transpose(image).convert("RGB")
            picture.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
            out = io.BytesIO()
            picture.save(out, format="JPEG", quality=80)
            return Thumbnail(jpeg=out.getvalue(), width=picture.width, height=picture.height)
    except (OSError, ValueError, PILImage.DecompressionBombError):
        return None
