"""The PDF report of a finished scan: gathered here (database and object store), drawn in `render`."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

from PIL import Image as PILImage
from PIL import ImageOps
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.checklists import service as checklists_service
from housescan.houses import service as houses_service
from housescan.houses.models import House
from housescan.reports.render import ReportData, RoomSection, Thumbnail, render_pdf
from housescan.scans import service as scans_service
from housescan.scans.models import Image, ScanStatus
from housescan.scans.service import ScanNotFound
from housescan.storage.base import ObjectNotFound, ObjectStore

THUMBNAILS_PER_ROOM = 6
THUMBNAIL_PIXELS = 360


class ReportNotReady(Exception):
    """The scan exists (and is the user's) but has no analysis to report yet."""


async def scan_report_pdf(
    *, db_session: AsyncSession, store: ObjectStore, user_id: uuid.UUID, scan_id: uuid.UUID
) -> tuple[bytes, str]:
    """The report as PDF bytes and a file name. ScanNotFound for another user's scan; ReportNotReady
    while there is no summary."""
    scan = await scans_service.get_owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    try:
        summary = await scans_service.get_summary(db_session=db_session, user_id=user_id, scan_id=scan_id)
    except ScanNotFound:
        state = {
            ScanStatus.draft: "still a draft: upload the photos and start the analysis",
            ScanStatus.queued: "queued for analysis",
            ScanStatus.running: "being analysed",
            ScanStatus.failed: f"failed ({scan.error or 'no reason recorded'}); process it again",
        }.get(scan.status, str(scan.status))
        raise ReportNotReady(f"no report yet: the scan is {state}") from None
    house = await db_session.get_one(House, scan.house_id)
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan_id)
    images = await db_session.scalars(
        select(Image).where(Image.scan_id == scan_id).order_by(Image.created_at, Image.id)
    )
    keys_by_room: dict[uuid.UUID, list[str]] = {}
    for image in images:
        keys_by_room.setdefault(image.room_id, []).append(image.object_key)
    checklists = await checklists_service.merged_checklists(db_session=db_session, user_id=user_id)
    titles = {item.id: item.title for item in (*checklists.house, *checklists.room, *checklists.product)}

    summary_json: dict[str, Any] = summary.summary_json
    result: dict[str, Any] = summary_json.get("result") or {}
    results_by_room = {str(room.get("room_id")): room for room in result.get("rooms") or []}
    sections = []
    for room in rooms:
        keys = keys_by_room.get(room.id, [])
        thumbnails = [await _thumbnail(store, key) for key in keys[:THUMBNAILS_PER_ROOM]]
        sections.append(
            RoomSection(
                title=room.label or f"Room {room.ordinal + 1}",
                ordinal=room.ordinal,
                photos=len(keys),
                thumbnails=[thumb for thumb in thumbnails if thumb is not None],
                result=results_by_room.get(str(room.id), {}),
            )
        )
    data = ReportData(
        scan_id=str(scan.id),
        address=house.address,
        created_at=scan.created_at,
        finished_at=scan.finished_at,
        derived_at=summary.derived_at,
        status=str(scan.status),
        error=scan.error,
        result=result,
        client_summary=str(summary_json.get("client_summary") or ""),
        cost=summary.cost_summary or summary_json.get("cost_info") or {},
        metadata=summary_json.get("metadata") or {},
        rooms=sections,
        titles=titles,
    )
    pdf = await asyncio.to_thread(render_pdf, data)
    return pdf, f"housescan-report-{str(scan.id)[:8]}.pdf"


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
