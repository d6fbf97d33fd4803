from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.houses.models import House, Room


class HouseNotFound(Exception):
    pass


async def get_owned_house(*, db_session: AsyncSession, user_id: uuid.UUID, house_id: uuid.UUID) -> House:
    house = await db_session.scalar(select(House).where(House.id == house_id, House.user_id == user_id))
    if house is None:
        raise HouseNotFound(house_id)
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
