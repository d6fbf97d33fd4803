"""Realtime events: every event is appended to `scan_events`, then pushed to the owner's sockets."""

from __future__ import annotations

import uuid
from typing import Any, Literal, Protocol

import socketio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.db.engine import SessionMaker
from housescan.realtime.models import ScanEvent

NAMESPACE = "/scans"
EventName = Literal["scan:uploaded", "scan:processing", "scan:progress", "scan:completed", "scan:failed"]
REPLAY_LIMIT = 1000


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


class Emitter(Protocol):
    async def emit(
        self,
        event: str,
        data: Any = None,
        *,
        to: str | None = None,
        room: str | None = None,
        namespace: str | None = None,
    ) -> None: ...


class EventPublisher:
    """Publishes scan events; the server (API process) or a write-only Redis emitter (worker) delivers them."""

    def __init__(self, sessionmaker: SessionMaker, emitter: Emitter) -> None:
        self._sessionmaker = sessionmaker
        self._emitter = emitter

    async def publish(
        self, *, user_id: uuid.UUID, scan_id: uuid.UUID, event: EventName, payload: dict[str, Any]
    ) -> int:
        async with self._sessionmaker() as db_session:
            row = ScanEvent(user_id=user_id, scan_id=scan_id, event=event, payload=payload)
            db_session.add(row)
            await db_session.commit()
        await self._emitter.emit(event, {**payload, "eventId": row.id}, room=user_room(user_id), namespace=NAMESPACE)
        return row.id


async def events_after(
    *, db_session: AsyncSession, user_id: uuid.UUID, last_event_id: int, limit: int = REPLAY_LIMIT
) -> list[ScanEvent]:
    rows = await db_session.scalars(
        select(ScanEvent)
        .where(ScanEvent.user_id == user_id, ScanEvent.id > last_event_id)
        .order_by(ScanEvent.id)
        .limit(limit)
    )
    return list(rows)


async def replay(
    *, db_session: AsyncSession, sio: socketio.AsyncServer, sid: str, user_id: uuid.UUID, last_event_id: int
) -> int:
    """Send one socket what its user missed since `last_event_id`, in order; returns how many."""
    missed = await events_after(db_session=db_session, user_id=user_id, last_event_id=last_event_id)
    for row in missed:
        await sio.emit(row.event, {**row.payload, "eventId": row.id}, to=sid, namespace=NAMESPACE)
    return len(missed)
