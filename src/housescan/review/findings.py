"""Findings: what the person (or a model) found worth acting on, documented: who to call, what it may cost,
the photos that show it (close-ups added to it directly) and the spots marked on them."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.errors import Unprocessable
from housescan.realtime.service import EventPublisher
from housescan.review.context import (
    HOUSE,
    FindingNotFound,
    ScanContext,
    announce_edit,
    check_photos,
    load_context,
    room_of,
)
from housescan.review.finding_list import finding_out, ordered_findings
from housescan.review.item_answers import room_type_answer
from housescan.review.models import Finding
from housescan.review.schemas import (
    FindingCreate,
    FindingList,
    FindingOut,
    FindingPatch,
    Mark,
)
from housescan.review.wording import room_name
from housescan.scans import service as scans_service
from housescan.scans.models import Scan
from housescan.scans.service import UploadedFile
from housescan.storage.base import ObjectStore

PERSON = "person"
MAX_PHOTOS = 50  # a finding's photo_ids, as the schemas bound them


class FieldRejected(Unprocessable):
    """A 422 in the shape of FastAPI's own validation errors, naming the field that is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__([{"loc": ["body", field], "msg": message, "type": "value_error"}])


def room_names_of(context: ScanContext) -> dict[uuid.UUID, str]:
    """Each room's name as the report shows it (its label, else its type, else "Room N")."""
    names = {}
    for room in context.rooms:
        kind = room_type_answer(context, room).value
        names[room.id] = room_name(room.label, kind if isinstance(kind, str) else None, room.ordinal)
    return names


def _shown(finding: Finding, context: ScanContext) -> FindingOut:
    return finding_out(finding, room_names_of(context))


async def list_findings(*, db_session: AsyncSession, scan: Scan) -> FindingList:
    context = await load_context(db_session=db_session, scan=scan)
    return ordered_findings(context.findings, room_names=room_names_of(context))


def _check_finding_refs(context: ScanContext, room_id: uuid.UUID | None, photo_ids: Sequence[uuid.UUID]) -> list[str]:
    if room_id is not None:
        room_of(context, room_id)
    return check_photos(context, HOUSE if room_id is None else str(room_id), photo_ids)


def _checked_marks(marks: Sequence[Mark], photo_ids: Sequence[str]) -> list[dict[str, object]]:
    """Marks as stored; each must be on one of the finding's photos."""
    for index, mark in enumerate(marks):
        if str(mark.photo_id) not in photo_ids:
            raise FieldRejected(
                "marks", f"marks[{index}] is on photo {mark.photo_id}, which is not one of the finding's photos"
            )
    return [mark.model_dump(mode="json", exclude_none=True) for mark in marks]


def _checked_cost(low: float | None, high: float | None, *, changed: str | None = None) -> None:
    """Both ends or neither, low at most high. `changed` names the one end a PATCH sent (the other is stored)."""
    if (low is None) != (high is None):
        missing = "cost_low" if low is None else "cost_high"
        raise FieldRejected(changed or missing, f"a cost range needs both cost_low and cost_high; {missing} is not set")
    if low is not None and high is not None and low > high:
        if changed == "cost_high":
            message = f"cost_high ({high:g}) is below the finding's cost_low ({low:g})"
        elif changed == "cost_low":
            message = f"cost_low ({low:g}) is above the finding's cost_high ({high:g})"
        else:
            message = f"cost_low ({low:g}) is above cost_high ({high:g})"
        raise FieldRejected(changed or "cost_low", message)


def _cost_source(given: str | None, low: float | None) -> str | None:
    """What the web app sent (a cost guide row id when the person took a suggestion); a range typed without a
    source is the person's; no range, no source."""
    if low is None:
        return None
    return given.strip() if given and given.strip() else PERSON


def _note(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


async def create_finding(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    scan: Scan,
    body: FindingCreate,
) -> FindingOut:
    context = await load_context(db_session=db_session, scan=scan)
    photos = _check_finding_refs(context, body.room_id, body.photo_ids)
    marks = _checked_marks(body.marks, photos)
    now = utcnow()
    finding = Finding(
        id=uuid.uuid4(),
        scan_id=scan.id,
        room_id=body.room_id,
        title=body.title.strip(),
        severity=body.severity,
        note=_note(body.note),
        photo_ids=photos,
        source=PERSON,
        checklist_item_id=body.checklist_item_id,
        trade=body.trade,
        cost_low=body.cost_low,
        cost_high=body.cost_high,
        cost_source=_cost_source(body.cost_source, body.cost_low),
        marks=marks,
        created_at=now,
        updated_at=now,
    )
    db_session.add(finding)
    await announce_edit(db_session, events, scan, "finding")
    await db_session.commit()
    return _shown(finding, context)


async def _owned_finding(db_session: AsyncSession, scan: Scan, finding_id: uuid.UUID) -> Finding:
    finding = await db_session.scalar(select(Finding).where(Finding.id == finding_id, Finding.scan_id == scan.id))
    if finding is None:
        raise FindingNotFound()
    return finding


async def get_finding(*, db_session: AsyncSession, scan: Scan, finding_id: uuid.UUID) -> FindingOut:
    finding = await _owned_finding(db_session, scan, finding_id)
    return _shown(finding, await load_context(db_session=db_session, scan=scan))


def _patch_cost(finding: Finding, body: FindingPatch) -> None:
    fields = body.model_fields_set
    low = body.cost_low if "cost_low" in fields else finding.cost_low
    high = body.cost_high if "cost_high" in fields else finding.cost_high
    sent = [end for end in ("cost_low", "cost_high") if end in fields]
    _checked_cost(low, high, changed=sent[0] if len(sent) == 1 else None)
    if sent or "cost_source" in fields:
        given = body.cost_source if "cost_source" in fields else finding.cost_source
        finding.cost_low, finding.cost_high = low, high
        finding.cost_source = _cost_source(given, low)


async def patch_finding(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    scan: Scan,
    finding_id: uuid.UUID,
    body: FindingPatch,
) -> FindingOut:
    """Any field; null clears what can be empty (room, note, item, trade, cost, photos, marks). Marks on a
    photo the PATCH takes out of the finding go with it; marks sent must be on the finding's photos."""
    finding = await _owned_finding(db_session, scan, finding_id)
    fields = body.model_fields_set
    for required in ("title", "severity"):
        if required in fields and getattr(body, required) is None:
            raise FieldRejected(required, f"a finding always has a {required}; it cannot be cleared")
    context = await load_context(db_session=db_session, scan=scan)
    room_id = body.room_id if "room_id" in fields else finding.room_id
    stored = [uuid.UUID(photo) for photo in finding.photo_ids]
    photos = (body.photo_ids or []) if "photo_ids" in fields else stored
    finding.photo_ids = _check_finding_refs(context, room_id, photos)
    if "marks" in fields:
        finding.marks = _checked_marks(body.marks or [], finding.photo_ids)
    else:
        finding.marks = [mark for mark in finding.marks or [] if str(mark.get("photo_id")) in finding.photo_ids]
    _patch_cost(finding, body)
    finding.room_id = room_id
    if body.title is not None:
        finding.title = body.title.strip()
    if body.severity is not None:
        finding.severity = body.severity
    if "note" in fields:
        finding.note = _note(body.note)
    if "checklist_item_id" in fields:
        finding.checklist_item_id = body.checklist_item_id
    if "trade" in fields:
        finding.trade = body.trade
    finding.updated_at = utcnow()
    await announce_edit(db_session, events, scan, "finding")
    await db_session.commit()
    return _shown(finding, context)


async def room_for_photos(*, db_session: AsyncSession, scan: Scan, finding_id: uuid.UUID, count: int = 0) -> int:
    """The ordinal of the room a finding's new photos go to: checked before the photos are read (404 for
    another user's scan or finding, 422 for a finding without a room), with no transaction left open."""
    finding = await _owned_finding(db_session, scan, finding_id)
    if finding.room_id is None:
        raise FieldRejected("room_id", "choose the finding's room before adding photos")
    if len(finding.photo_ids) + count > MAX_PHOTOS:
        raise FieldRejected("images", f"a finding holds at most {MAX_PHOTOS} photos; it has {len(finding.photo_ids)}")
    room = room_of(await load_context(db_session=db_session, scan=scan), finding.room_id)
    await db_session.commit()
    return room.ordinal


async def add_finding_photos(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    events: EventPublisher,
    settings: Settings,
    scan: Scan,
    finding_id: uuid.UUID,
    files: Sequence[UploadedFile],
) -> FindingOut:
    """Close-ups of a finding: stored as photos of its room by the scans' own upload (its rules, its errors,
    all or none), then added to the finding's photos. A photo already in that room is added as it is."""
    ordinal = await room_for_photos(db_session=db_session, scan=scan, finding_id=finding_id, count=len(files))
    uploads = [dataclasses.replace(file, room_ordinal=ordinal) for file in files]
    result = await scans_service.upload_photos(
        db_session=db_session, store=store, events=events, settings=settings, scan=scan, files=uploads
    )
    added = [str(image.id) for image in result.images]
    finding = await _owned_finding(db_session, scan, finding_id)  # again: the upload committed in between
    context = await load_context(db_session=db_session, scan=scan)
    if finding.room_id is None or room_of(context, finding.room_id).ordinal != ordinal:
        raise FieldRejected("room_id", "the finding moved to another room while its photos were uploading")
    in_room = {str(image.id) for image in context.images_by_room.get(finding.room_id, [])}
    for duplicate in result.duplicates:
        if duplicate.existing_image_id is None:
            continue  # sent twice in this request: its first copy is in `added`
        if str(duplicate.existing_image_id) not in in_room:
            raise FieldRejected("images", f"{duplicate.file or 'a file'} is already a photo of another room")
        added.append(str(duplicate.existing_image_id))
    finding.photo_ids = list(dict.fromkeys([*finding.photo_ids, *added]))
    finding.updated_at = utcnow()
    await announce_edit(db_session, events, scan, "finding")
    await db_session.commit()
    return _shown(finding, context)


async def delete_finding(
    *, db_session: AsyncSession, events: EventPublisher, scan: Scan, finding_id: uuid.UUID
) -> None:
    finding = await _owned_finding(db_session, scan, finding_id)
    await db_session.delete(finding)
    await announce_edit(db_session, events, scan, "finding")
    await db_session.commit()
