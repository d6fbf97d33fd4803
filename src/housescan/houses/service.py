from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.errors import NotFound
from housescan.houses.models import House, HouseStatus, Room

_HOUSES = cast("Table", House.__table__)
_ROOMS = cast("Table", Room.__table__)
# record_detections runs in every scan's result transaction: its statements are built once.
_SET_HOUSE_TYPE = (
    update(_HOUSES)
    .where(_HOUSES.c.id == bindparam("house_id"))
    .values(house_type=bindparam("house_type"), status=HouseStatus.active)
)
_SET_ROOM_TYPES = (
    update(_ROOMS)
    .where(_ROOMS.c.id == bindparam("room"), _ROOMS.c.scan_id == bindparam("scan"))
    .values(detected_room_types=bindparam("types"))
)


# A model's house type is shown only at this confidence or above (bench/README-models.md gives its precision).
HOUSE_TYPE_MIN_CONFIDENCE = 0.75


def house_type_to_show(*, person: str | None, model: str | None, model_confidence: float | None) -> str | None:
    """The house's type as the report and the scans list show it: the person's once given; else the model's
    only when it is confident enough; else not determined."""
    if person:
        return person
    if model and model_confidence is not None and model_confidence >= HOUSE_TYPE_MIN_CONFIDENCE:
        return model
    return None


class HouseNotFound(NotFound):
    message = "house not found"


async def get_owned_house(*, db_session: AsyncSession, user_id: uuid.UUID, house_id: uuid.UUID) -> House:
    house = await db_session.scalar(select(House).where(House.id == house_id, House.user_id == user_id))
    if house is None:
        raise HouseNotFound()
    return house


def new_house(*, user_id: uuid.UUID, address: str | None) -> House:
    return House(id=uuid.uuid4(), user_id=user_id, address=address)


def new_rooms(*, scan_id: uuid.UUID, labels: Sequence[str | None]) -> list[Room]:
    return [
        Room(id=uuid.uuid4(), scan_id=scan_id, ordinal=ordinal, label=label, detected_room_types=[])
        for ordinal, label in enumerate(labels)
    ]


async def rooms_of_scan(*, db_session: AsyncSession, scan_id: uuid.UUID) -> list[Room]:
    return list(await db_session.scalars(select(Room).where(Room.scan_id == scan_id).order_by(Room.ordinal)))


async def rooms_of_scans(*, db_session: AsyncSession, scan_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Room]]:
    """Each scan's rooms in order, read at once; a scan without rooms has an empty list."""
    rooms: dict[uuid.UUID, list[Room]] = {scan_id: [] for scan_id in scan_ids}
    for room in await db_session.scalars(select(Room).where(Room.scan_id.in_(scan_ids)).order_by(Room.ordinal)):
        rooms[room.scan_id].append(room)
    return rooms


async def record_detections(
    *,
    db_session: AsyncSession,
    house_id: uuid.UUID,
    scan_id: uuid.UUID,
    house_type: str | None,
    room_types: Mapping[str, list[str]],
) -> None:
    """A finished scan's findings, in the caller's transaction: the house's type, and each of the scan's
    rooms' detected types (room ids that are not the scan's are ignored)."""
    connection = await db_session.connection()
    await connection.execute(_SET_HOUSE_TYPE, {"house_id": house_id, "house_type": house_type})
    rows = [
        {"room": room_id, "scan": scan_id, "types": types}
        for room_id, types in ((_as_uuid(key), value) for key, value in room_types.items())
        if room_id is not None
    ]
    if rows:
        # One statement run for every room (a Core executemany): the ORM would load each room first.
        await connection.execute(_SET_ROOM_TYPES, rows)


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
