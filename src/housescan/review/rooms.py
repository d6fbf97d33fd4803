"""Room edits: rename, correct the type, add and remove rooms."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.errors import Conflict
from housescan.houses import service as houses_service
from housescan.houses.models import Room
from housescan.realtime.service import EventPublisher
from housescan.review.answers import normalise_value
from housescan.review.context import (
    ROOM_TYPE,
    RoomNotFound,
    announce_edit,
    load_context,
    room_of,
)
from housescan.review.item_answers import room_type_answer
from housescan.review.models import Finding, PersonAnswer
from housescan.review.schemas import (
    Answer,
    RoomAdd,
    RoomOut,
    RoomPatch,
)
from housescan.scans.models import Image, Scan, ScanStatus
from housescan.storage.base import ObjectStore


async def patch_room(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    scan: Scan,
    room_id: uuid.UUID,
    body: RoomPatch,
) -> RoomOut:
    context = await load_context(db_session=db_session, scan=scan)
    room = room_of(context, room_id)
    fields = body.model_fields_set
    if "label" in fields:
        room.label = body.label.strip() if body.label and body.label.strip() else None
    if "room_type" in fields:
        scope = str(room.id)
        if body.room_type is None:
            await db_session.execute(
                delete(PersonAnswer).where(
                    PersonAnswer.scan_id == scan.id, PersonAnswer.scope == scope, PersonAnswer.item_id == ROOM_TYPE
                )
            )
            context.answers.pop((scope, ROOM_TYPE), None)
        else:
            value = normalise_value(context, scope, ROOM_TYPE, body.room_type)
            answer = context.answers.get((scope, ROOM_TYPE))
            if answer is None:
                answer = PersonAnswer(scan_id=scan.id, scope=scope, item_id=ROOM_TYPE, note=None, photo_ids=[])
                db_session.add(answer)
                context.answers[(scope, ROOM_TYPE)] = answer
            answer.value, answer.answered_at = value, utcnow()
    await announce_edit(db_session, events, scan, "room")
    await db_session.commit()
    return RoomOut(id=room.id, ordinal=room.ordinal, label=room.label, room_type=room_type_answer(context, room))


class RoomsLocked(Conflict):
    """Rooms cannot be added or removed while the scan is being analysed."""


class RoomLimitReached(Conflict):
    """The scan has as many rooms as a scan may have."""


class LastRoom(Conflict):
    """A scan keeps at least one room."""


def _not_while_analysing(scan: Scan) -> None:
    """Rooms change on a draft and on a finished scan (a room added later is analysed by a re-analysis),
    never under a running analysis, whose save names the rooms it was given."""
    if scan.status in (ScanStatus.queued, ScanStatus.running):
        raise RoomsLocked(f"rooms cannot be added or removed while the scan is {scan.status}; wait for the analysis")


async def add_room(
    *,
    db_session: AsyncSession,
    settings: Settings,
    events: EventPublisher,
    scan: Scan,
    body: RoomAdd,
) -> RoomOut:
    _not_while_analysing(scan)
    count = await db_session.scalar(select(func.count()).select_from(Room).where(Room.scan_id == scan.id)) or 0
    if count >= settings.max_rooms_per_scan:
        raise RoomLimitReached(f"a scan has at most {settings.max_rooms_per_scan} rooms")
    last = await db_session.scalar(select(func.max(Room.ordinal)).where(Room.scan_id == scan.id))
    label = body.label.strip() if body.label and body.label.strip() else None
    room = houses_service.new_rooms(scan_id=scan.id, labels=[label])[0]
    room.ordinal = (last if last is not None else -1) + 1
    db_session.add(room)
    await announce_edit(db_session, events, scan, "room")
    await db_session.commit()
    return RoomOut(
        id=room.id, ordinal=room.ordinal, label=room.label, room_type=Answer(title="Room type", kind="room_type")
    )


async def _detach_findings(db_session: AsyncSession, room: Room, photo_ids: set[str]) -> None:
    """Findings outlive a removed room: they become the home's, without its photos and their marks."""
    for finding in await db_session.scalars(select(Finding).where(Finding.scan_id == room.scan_id)):
        if finding.room_id == room.id:
            finding.room_id = None
        if photo_ids.intersection(finding.photo_ids):
            finding.photo_ids = [photo for photo in finding.photo_ids if photo not in photo_ids]
            finding.marks = [mark for mark in finding.marks or [] if str(mark.get("photo_id")) not in photo_ids]


async def remove_room(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    events: EventPublisher,
    scan: Scan,
    room_id: uuid.UUID,
) -> None:
    room = await db_session.scalar(select(Room).where(Room.id == room_id, Room.scan_id == scan.id))
    if room is None:
        raise RoomNotFound()
    _not_while_analysing(scan)
    remaining = await db_session.scalar(select(func.count()).select_from(Room).where(Room.scan_id == scan.id)) or 0
    if remaining <= 1:
        raise LastRoom("a scan keeps at least one room")
    photos = (await db_session.execute(select(Image.id, Image.object_key).where(Image.room_id == room.id))).all()
    image_ids, keys = [photo.id for photo in photos], [photo.object_key for photo in photos]
    await db_session.execute(delete(Image).where(Image.room_id == room.id))
    await db_session.execute(
        delete(PersonAnswer).where(PersonAnswer.scan_id == scan.id, PersonAnswer.scope == str(room.id))
    )
    await _detach_findings(db_session, room, {str(image_id) for image_id in image_ids})
    await db_session.delete(room)
    await announce_edit(db_session, events, scan, "room")
    await db_session.commit()
    # Files go after the rows: a crash in between leaves orphan files, never rows pointing at nothing.
    await store.delete(keys)
