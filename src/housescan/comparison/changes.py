"""One home over time: a later scan's rooms paired with an earlier scan's (the person's pairs first, then by
label, then room type, then ordinal), and room by room what changed."""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.comparison.models import RoomPair
from housescan.comparison.schemas import (
    AnswerChange,
    Changes,
    EarlierRoom,
    HouseChanges,
    RoomChanges,
    RoomPairsBody,
    RoomPhotos,
)
from housescan.config import Settings
from housescan.errors import Unprocessable
from housescan.houses.models import Room
from housescan.review import report as review_report
from housescan.review.schemas import Answer, FindingOut, Report, ReportRoom
from housescan.scans import service as scans_service
from housescan.scans.models import Scan


class NotAnEarlierScan(Unprocessable):
    """The scan to compare with is this one, or a scan of another house."""


class RoomsNotPairable(Unprocessable):
    """Pairs name rooms not of this scan or of an earlier scan of its house, or a room twice."""


async def _earlier_scan(db_session: AsyncSession, scan: Scan, since: uuid.UUID, param: str) -> Scan:
    """The owner's scan `since` (`ScanNotFound` when not theirs), checked to be another scan of the house."""
    earlier = await scans_service.get_owned_scan(db_session=db_session, user_id=scan.user_id, scan_id=since)
    if earlier.id == scan.id or earlier.house_id != scan.house_id:
        raise NotAnEarlierScan(f"{param}: scan {since} is not an earlier scan of this house")
    return earlier


def _room_kind(room: ReportRoom) -> str | None:
    value = room.room_type.value
    return value if isinstance(value, str) else None


def _pairs(
    now: list[ReportRoom], before: list[ReportRoom], chosen: dict[uuid.UUID, uuid.UUID | None]
) -> dict[uuid.UUID, tuple[uuid.UUID | None, str]]:
    taken: set[uuid.UUID] = {earlier for earlier in chosen.values() if earlier is not None}
    paired: dict[uuid.UUID, tuple[uuid.UUID | None, str]] = {
        room_id: (earlier, "person") for room_id, earlier in chosen.items()
    }
    keys = (
        ("label", lambda room: (room.label or "").strip().lower() or None),
        ("type", _room_kind),
        ("ordinal", lambda room: room.ordinal),
    )
    for name, key in keys:
        for room in now:
            if room.id in paired or key(room) is None:
                continue
            match = next((r for r in before if r.id not in taken and key(r) == key(room)), None)
            if match is not None:
                paired[room.id] = (match.id, name)
                taken.add(match.id)
    return paired


def answer_changes(before: Mapping[str, Answer], now: Mapping[str, Answer]) -> list[AnswerChange]:
    """The items of a room whose answer differs between two scans; one answered then and by no one now is
    marked as not checked again (nothing says the home changed)."""
    return [
        AnswerChange(
            item_id=item_id,
            before=before[item_id],
            after=answer,
            not_checked_again=answer.value is None and before[item_id].value is not None,
        )
        for item_id, answer in now.items()
        if item_id in before and before[item_id].value != answer.value
    ]


def _finding_key(finding: FindingOut) -> str:
    return finding.checklist_item_id or finding.title.strip().lower()


def _room_findings(report: Report, room_id: uuid.UUID | None) -> dict[str, FindingOut]:
    return {_finding_key(f): f for f in report.findings if room_id is not None and f.room_id == room_id}


def _house_answers(report: Report) -> dict[str, Answer]:
    return {"house_type": report.house.house_type, **report.house.checklist}


def house_changes(before: Report, now: Report) -> HouseChanges:
    """The whole home's findings (of no room) new and resolved, and its own answers changed."""
    found_now = {_finding_key(f): f for f in now.findings if f.room_id is None}
    found_before = {_finding_key(f): f for f in before.findings if f.room_id is None}
    return HouseChanges(
        findings_new=[f for key, f in found_now.items() if key not in found_before],
        findings_resolved=[f for key, f in found_before.items() if key not in found_now],
        answers_changed=answer_changes(_house_answers(before), _house_answers(now)),
    )


async def changes_since(
    *,
    db_session: AsyncSession,
    settings: Settings,
    scan: Scan,
    since: uuid.UUID,
    param: str = "since",
) -> Changes:
    """404 when the earlier scan is not the owner's; 422 naming `param` (the caller's name for `since`) when
    it is of another house or is this one."""
    earlier = await _earlier_scan(db_session, scan, since, param)
    now_report, _ = await review_report.report_of_scan(db_session=db_session, settings=settings, scan=scan)
    before_report, _ = await review_report.report_of_scan(db_session=db_session, settings=settings, scan=earlier)
    earlier_ids = {room.id for room in before_report.rooms}
    chosen = {
        pair.room_id: pair.earlier_room_id
        for pair in await db_session.scalars(
            select(RoomPair).where(RoomPair.room_id.in_([room.id for room in now_report.rooms]))
        )
        if pair.earlier_room_id is None or pair.earlier_room_id in earlier_ids
    }
    pairs = _pairs(now_report.rooms, before_report.rooms, chosen)
    before_rooms = {room.id: room for room in before_report.rooms}
    rooms: list[RoomChanges] = []
    for room in now_report.rooms:
        earlier_id, paired_by = pairs.get(room.id, (None, "none"))
        before = before_rooms.get(earlier_id) if earlier_id else None
        found_now = _room_findings(now_report, room.id)
        found_before = _room_findings(before_report, earlier_id)
        changed = answer_changes(before.checklist, room.checklist) if before is not None else []
        rooms.append(
            RoomChanges(
                room_id=room.id,
                earlier_room_id=earlier_id,
                label=room.name,
                earlier_label=before.name if before else None,
                paired_by=paired_by if earlier_id else "none",
                findings_new=[f for key, f in found_now.items() if key not in found_before],
                findings_resolved=[f for key, f in found_before.items() if key not in found_now],
                answers_changed=changed,
                photos=RoomPhotos(now=room.images, before=before.images if before else []),
            )
        )
    return Changes(
        scan_id=scan.id,
        since=earlier.id,
        since_scanned_at=earlier.first_analysed_at or earlier.created_at,
        address=now_report.house.address,
        rooms=rooms,
        earlier_rooms=[EarlierRoom(id=room.id, name=room.name) for room in before_report.rooms],
        house=house_changes(before_report, now_report),
    )


async def put_pairs(*, db_session: AsyncSession, scan: Scan, body: RoomPairsBody) -> RoomPairsBody:
    """Stores the person's pairs for these rooms of the scan (replacing theirs); an earlier room must be of
    another scan of the same house."""
    own_rooms = set(await db_session.scalars(select(Room.id).where(Room.scan_id == scan.id)))
    earlier_rooms = set(
        await db_session.scalars(
            select(Room.id)
            .join(Scan, Scan.id == Room.scan_id)
            .where(Scan.house_id == scan.house_id, Scan.user_id == scan.user_id, Scan.id != scan.id)
        )
    )
    wrong = [str(p.room_id) for p in body.pairs if p.room_id not in own_rooms]
    wrong += [
        str(p.earlier_room_id) for p in body.pairs if p.earlier_room_id and p.earlier_room_id not in earlier_rooms
    ]
    if wrong:
        raise RoomsNotPairable(f"pairs: rooms not of this scan or an earlier scan of its house: {', '.join(wrong)}")
    targets = [p.earlier_room_id for p in body.pairs if p.earlier_room_id]
    if len(set(targets)) != len(targets) or len({p.room_id for p in body.pairs}) != len(body.pairs):
        raise RoomsNotPairable("pairs: a room is paired twice")
    await db_session.execute(delete(RoomPair).where(RoomPair.room_id.in_([p.room_id for p in body.pairs])))
    db_session.add_all(RoomPair(room_id=p.room_id, earlier_room_id=p.earlier_room_id) for p in body.pairs)
    await db_session.commit()
    return body
