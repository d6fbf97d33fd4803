"""Findings: what the person (or a model) found worth acting on."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.db.base import utcnow
from housescan.realtime.service import EventPublisher
from housescan.review.context import (
    HOUSE,
    ReviewNotFound,
    ScanContext,
    announce_edit,
    check_photos,
    commit_and_deliver,
    load_context,
    owned_scan,
    room_of,
)
from housescan.review.models import Finding
from housescan.review.report import finding_out, ordered_findings
from housescan.review.schemas import (
    FindingCreate,
    FindingList,
    FindingOut,
    FindingPatch,
)
from housescan.scans.models import Scan


async def list_findings(*, db_session: AsyncSession, user_id: uuid.UUID, scan_id: uuid.UUID) -> FindingList:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    return ordered_findings(await db_session.scalars(select(Finding).where(Finding.scan_id == scan.id)))


def _check_finding_refs(context: ScanContext, room_id: uuid.UUID | None, photo_ids: Sequence[uuid.UUID]) -> list[str]:
    if room_id is not None:
        room_of(context, room_id)
    return check_photos(context, HOUSE if room_id is None else str(room_id), photo_ids)


async def create_finding(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    body: FindingCreate,
) -> FindingOut:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    context = await load_context(db_session=db_session, scan=scan)
    photos = _check_finding_refs(context, body.room_id, body.photo_ids)
    now = utcnow()
    finding = Finding(
        id=uuid.uuid4(),
        scan_id=scan.id,
        room_id=body.room_id,
        title=body.title.strip(),
        severity=body.severity,
        note=body.note.strip() if body.note and body.note.strip() else None,
        photo_ids=photos,
        source="person",
        checklist_item_id=body.checklist_item_id,
        created_at=now,
        updated_at=now,
    )
    db_session.add(finding)
    staged = await announce_edit(db_session, scan, "finding")
    await commit_and_deliver(db_session, events, staged)
    return finding_out(finding)


async def _owned_finding(db_session: AsyncSession, scan: Scan, finding_id: uuid.UUID) -> Finding:
    finding = await db_session.scalar(select(Finding).where(Finding.id == finding_id, Finding.scan_id == scan.id))
    if finding is None:
        raise ReviewNotFound("finding not found")
    return finding


async def patch_finding(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    finding_id: uuid.UUID,
    body: FindingPatch,
) -> FindingOut:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    finding = await _owned_finding(db_session, scan, finding_id)
    fields = body.model_fields_set
    context = await load_context(db_session=db_session, scan=scan)
    room_id = body.room_id if "room_id" in fields else finding.room_id
    photos = body.photo_ids if body.photo_ids is not None else [uuid.UUID(p) for p in finding.photo_ids]
    finding.photo_ids = _check_finding_refs(context, room_id, photos)
    finding.room_id = room_id
    if body.title is not None:
        finding.title = body.title.strip()
    if body.severity is not None:
        finding.severity = body.severity
    if "note" in fields:
        finding.note = body.note.strip() if body.note and body.note.strip() else None
    if "checklist_item_id" in fields:
        finding.checklist_item_id = body.checklist_item_id
    finding.updated_at = utcnow()
    staged = await announce_edit(db_session, scan, "finding")
    await commit_and_deliver(db_session, events, staged)
    return finding_out(finding)


async def delete_finding(
    *, db_session: AsyncSession, events: EventPublisher, user_id: uuid.UUID, scan_id: uuid.UUID, finding_id: uuid.UUID
) -> None:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    finding = await _owned_finding(db_session, scan, finding_id)
    await db_session.delete(finding)
    staged = await announce_edit(db_session, scan, "finding")
    await commit_and_deliver(db_session, events, staged)
