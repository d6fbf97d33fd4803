"""Realtime events: every event is appended to `scan_events`, then pushed to the owner's sockets."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, Protocol, cast

import socketio
from sqlalchemy import Table, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.db.base import utcnow
from housescan.db.engine import SessionMaker
from housescan.db.unit_of_work import after_commit
from housescan.realtime.models import ScanEvent
from housescan.realtime.schemas import EventPayload

logger = logging.getLogger(__name__)

NAMESPACE = "/scans"
REPLAY_LIMIT = 1000
# Covers a commit that lags its id, a slow emit, and a stranded event re-sent by the sweep (10 s + its
# 60 s interval by default).
REPLAY_LOOKBACK = timedelta(seconds=120)
_EVENTS = cast("Table", ScanEvent.__table__)  # Core inserts: the ORM's per-row bookkeeping buys nothing here
_STAGE_EVENT = insert(_EVENTS).values(undelivered=True).returning(_EVENTS.c.id)


def user_room(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


def sign_in_room(family_id: uuid.UUID) -> str:
    """The sockets opened with the access tokens of one sign-in (its refresh-token family)."""
    return f"sign-in:{family_id}"


class RoomCloser(Protocol):
    async def close_room(self, room: str, namespace: str | None = None) -> None: ...


def disconnect_sign_ins_after_commit(
    db_session: AsyncSession, sockets: RoomCloser | None, family_ids: Iterable[uuid.UUID]
) -> None:
    """Once the transaction that ended these sign-ins commits, their open sockets are disconnected, in every
    API process (`server.ClosingManager`): a signed-out tab stops receiving the account's events. None: no
    Socket.IO server in this process (the command line), so open sockets keep what they had until they drop."""
    if sockets is None:
        return
    for family_id in family_ids:
        after_commit(db_session, partial(sockets.close_room, sign_in_room(family_id), namespace=NAMESPACE))


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


@dataclass(frozen=True)
class StagedEvent:
    """An event written in the caller's transaction, emitted (`EventPublisher.deliver`) once it commits."""

    id: int
    user_id: uuid.UUID
    event: str
    payload: dict[str, Any]


async def stage_event(
    *, db_session: AsyncSession, events: EventPublisher, user_id: uuid.UUID, event: EventPayload
) -> StagedEvent:
    """Append an event inside the caller's transaction (a transactional outbox), and have `events` deliver it
    once that transaction commits (db/unit_of_work.py): it commits or rolls back with the change it
    announces, so a crash between the two can neither lose it nor announce what did not happen."""
    connection = await db_session.connection()
    payload = event.wire()
    row = {"user_id": user_id, "scan_id": event.scan_id, "event": event.name, "payload": payload}
    event_id = (await connection.execute(_STAGE_EVENT, row)).scalar_one()
    staged = StagedEvent(int(event_id), user_id, event.name, payload)
    after_commit(db_session, partial(events.deliver, staged))
    return staged


@dataclass
class _Pending:
    user_id: uuid.UUID
    scan_id: uuid.UUID
    event: str
    payload: dict[str, Any]
    done: asyncio.Future[int]


class EventPublisher:
    """Publishes scan events; the server (API process) or a write-only Redis emitter (worker) delivers them.

    Group commit: events published while an earlier batch is being written wait for it and are then
    appended together, in call order, in ONE transaction (one multi-row INSERT ... RETURNING), then emitted
    in id order by the one writer task. Each `publish` still returns only once its own row is committed
    and its event emitted, so "stored before delivered" and "ids increase in delivery order" both hold,
    while many scans (or a fan-out to many users) no longer pay one transaction per event.
    """

    MAX_BATCH = 500

    def __init__(self, sessionmaker: SessionMaker, emitter: Emitter) -> None:
        self._sessionmaker = sessionmaker
        self._emitter = emitter
        self._pending: list[_Pending] = []
        self._writer: asyncio.Task[None] | None = None

    async def publish(self, *, user_id: uuid.UUID, event: EventPayload) -> int:
        """Store the event, then emit it to the user's sockets; returns its id once both are done."""
        loop = asyncio.get_running_loop()
        item = _Pending(user_id, event.scan_id, event.name, event.wire(), loop.create_future())
        self._pending.append(item)
        if self._writer is None or self._writer.done() or self._writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_pending(), name="scan-events-writer")
        # A caller that stops waiting cancels only its own future: its event is still written and emitted.
        return await item.done

    async def deliver(self, staged: StagedEvent) -> bool:
        """Emit a committed staged event, then mark it delivered. On failure it stays undelivered and
        `redeliver_stranded` sends it later: delivery is at least once, and clients drop repeats by eventId."""
        try:
            await self._emit(staged.event, staged.payload, event_id=staged.id, user_id=staged.user_id)
            async with self._sessionmaker() as db_session:
                await db_session.execute(update(_EVENTS).where(_EVENTS.c.id == staged.id).values(undelivered=False))
                await db_session.commit()
        except Exception:
            logger.warning("event %d (%s) not delivered yet; the sweep will send it", staged.id, staged.event)
            return False
        return True

    async def redeliver_stranded(self, *, older_than_seconds: float, limit: int = 500) -> int:
        """Deliver staged events their process did not get to emit (it died after the commit). Only events
        older than `older_than_seconds` are taken, so one whose writer is alive is normally left to it."""
        async with self._sessionmaker() as db_session:
            rows = await db_session.execute(
                select(_EVENTS.c.id, _EVENTS.c.user_id, _EVENTS.c.event, _EVENTS.c.payload)
                .where(
                    _EVENTS.c.undelivered,
                    _EVENTS.c.created_at < utcnow() - timedelta(seconds=older_than_seconds),
                )
                .order_by(_EVENTS.c.id)
                .limit(limit)
            )
            stranded = [StagedEvent(row.id, row.user_id, row.event, row.payload) for row in rows]
        delivered = 0
        for staged in stranded:
            delivered += await self.deliver(staged)
        if stranded:
            logger.info("redelivered %d of %d stranded events", delivered, len(stranded))
        return delivered

    def stream(self, *, user_id: uuid.UUID, scan_id: uuid.UUID) -> ScanEventStream:
        """An ordered, non-blocking stream of one scan's events (see `ScanEventStream`)."""
        return ScanEventStream(self, user_id=user_id, scan_id=scan_id)

    async def _write_pending(self) -> None:
        batch: list[_Pending] = []
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.MAX_BATCH], self._pending[self.MAX_BATCH :]
                await self._write_batch(batch)
        except asyncio.CancelledError:  # shutting down: nobody waits for ever
            for item in batch + self._pending:
                item.done.cancel()
            self._pending = []
            raise

    async def _write_batch(self, batch: list[_Pending]) -> None:
        try:
            ids = await self._append(batch)
        except Exception as exc:
            for item in batch:
                if not item.done.done():
                    item.done.set_exception(exc)
            return
        for item, event_id in zip(batch, ids, strict=True):
            try:
                await self._emit(item.event, item.payload, event_id=event_id, user_id=item.user_id)
            except Exception as exc:
                if not item.done.done():
                    item.done.set_exception(exc)
                continue
            if not item.done.done():
                item.done.set_result(event_id)

    async def _emit(self, event: str, payload: dict[str, Any], *, event_id: int, user_id: uuid.UUID) -> None:
        await self._emitter.emit(event, {**payload, "eventId": event_id}, room=user_room(user_id), namespace=NAMESPACE)

    async def _append(self, batch: list[_Pending]) -> list[int]:
        rows = [
            {"user_id": item.user_id, "scan_id": item.scan_id, "event": item.event, "payload": item.payload}
            for item in batch
        ]
        async with self._sessionmaker() as db_session:
            if len(rows) == 1:
                event_id = await db_session.scalar(insert(_EVENTS).values(rows[0]).returning(_EVENTS.c.id))
                ids = [int(event_id or 0)]
            elif db_session.get_bind().dialect.name == "sqlite":
                # Multi-row INSERTs (SQLAlchemy's insertmanyvalues), run in parameter order: SQLite numbers
                # the rows in that order but does not promise the order of RETURNING (asking SQLAlchemy to
                # sort makes it insert row by row), so the ids are sorted here.
                connection = await db_session.connection()
                result = await connection.execute(insert(_EVENTS).returning(_EVENTS.c.id), rows)
                ids = sorted(int(event_id) for event_id in result.scalars())
            else:
                connection = await db_session.connection()
                result = await connection.execute(
                    insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True), rows
                )
                ids = [int(event_id) for event_id in result.scalars()]
            await db_session.commit()
        return ids


class ScanEventStream:
    """One scan's events, in order, without making the scan wait for each write.

    `send` queues an event and returns at once; one task per stream publishes the queue in order. A
    `scan:progress` that arrives while the previous progress event is still queued replaces it (the
    newest value wins), so a fast pipeline sends a few real steps instead of one transaction per agent,
    and a slow one (real models) still reports every step. `drain` waits until everything sent so far is
    stored and emitted, and raises the first failure.
    """

    def __init__(self, publisher: EventPublisher, *, user_id: uuid.UUID, scan_id: uuid.UUID) -> None:
        self._publisher = publisher
        self._user_id = user_id
        self._scan_id = scan_id
        self._queue: list[EventPayload] = []
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    def send(self, event: EventPayload) -> None:
        if event.name == "scan:progress" and self._queue and self._queue[-1].name == "scan:progress":
            self._queue[-1] = event
        else:
            self._queue.append(event)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name=f"scan-events-{self._scan_id}")

    async def _run(self) -> None:
        while self._queue:
            event = self._queue.pop(0)
            try:
                await self._publisher.publish(user_id=self._user_id, event=event)
            except Exception as exc:
                self._error = self._error or exc

    async def drain(self) -> None:
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    async def close(self) -> None:
        """Drain, logging failures instead of raising them: for events whose loss must not stop the scan."""
        try:
            await self.drain()
        except Exception as exc:
            logger.warning("scan %s: some events could not be stored or sent: %s", self._scan_id, exc)


async def events_after(
    *, db_session: AsyncSession, user_id: uuid.UUID, last_event_id: int, limit: int = REPLAY_LIMIT
) -> list[ScanEvent]:
    """What a tab that last saw `last_event_id` may have missed: every later event, and the events written
    in the `REPLAY_LOOKBACK` before it, that one included. Ids are not delivered in order when several
    processes write: on PostgreSQL an id is taken before its transaction commits, each process emits after
    its own commit, and the sweep re-sends a stranded event a minute later. So a tab can see id 11 before
    id 10 and lose its connection in between; a cursor alone would skip 10 for good. The tab drops by
    eventId what it already has; a reloaded page, which has only a REST snapshot, gets each recent scan's
    events in id order up to its latest, so it ends in that scan's latest state."""
    cursor_written = await db_session.scalar(
        select(ScanEvent.created_at).where(ScanEvent.id == last_event_id, ScanEvent.user_id == user_id)
    )
    missed = ScanEvent.id > last_event_id
    if cursor_written is not None:
        missed = or_(missed, ScanEvent.created_at >= cursor_written - REPLAY_LOOKBACK)
    rows = await db_session.scalars(
        select(ScanEvent).where(ScanEvent.user_id == user_id, missed).order_by(ScanEvent.id).limit(limit)
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
