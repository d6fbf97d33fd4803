"""Event publishing under load: group commit and per-scan coalescing keep every guarantee of one-by-one.

Every event is stored before it is emitted, ids increase in the order events are published and emitted,
and a scan's progress still arrives in order, ending with the newest value.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from housescan.auth.models import User
from housescan.db.base import Base
from housescan.db.engine import create_engine, create_sessionmaker
from housescan.houses.models import House
from housescan.realtime.models import ScanEvent
from housescan.realtime.service import EventPublisher
from housescan.scans.events import ScanCompleted, ScanProcessing, ScanProgress
from housescan.scans.models import Scan


class Recorder:
    def __init__(self, sessionmaker: Any) -> None:
        self.sessionmaker = sessionmaker
        self.emitted: list[tuple[str, dict[str, Any], str | None]] = []
        self.fail_on: str | None = None

    async def emit(
        self,
        event: str,
        data: Any = None,
        *,
        to: str | None = None,
        room: str | None = None,
        namespace: str | None = None,
    ) -> None:
        async with self.sessionmaker() as db_session:  # stored before it is emitted
            assert await db_session.get(ScanEvent, data["eventId"]) is not None
        self.emitted.append((event, data, room))


async def setup(database_url: str, users: int) -> tuple[Any, Any, list[tuple[uuid.UUID, uuid.UUID]]]:
    engine = create_engine(database_url)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as db_session:
        accounts = [User(email=f"p{n}-{uuid.uuid4().hex[:6]}@example.com", password_hash="x") for n in range(users)]
        db_session.add_all(accounts)
        await db_session.flush()
        houses = [House(user_id=user.id) for user in accounts]
        db_session.add_all(houses)
        await db_session.flush()
        scans = [Scan(house_id=house.id, user_id=house.user_id) for house in houses]
        db_session.add_all(scans)
        await db_session.commit()
        return engine, sessionmaker, [(scan.user_id, scan.id) for scan in scans]


async def test_concurrent_publishes_are_stored_then_emitted_in_id_order(database_url: str) -> None:
    engine, sessionmaker, people = await setup(database_url, 30)
    recorder = Recorder(sessionmaker)
    publisher = EventPublisher(sessionmaker, recorder)
    try:
        calls = [
            publisher.publish(user_id=user_id, event=ScanProgress(scan_id=scan_id, progress=n, stage="room_type"))
            for n in range(5)
            for user_id, scan_id in people
        ]
        ids = await asyncio.gather(*calls)
        assert ids == sorted(ids) and len(set(ids)) == len(ids), "ids increase in publishing order"
        assert [data["eventId"] for _, data, _ in recorder.emitted] == ids, "emitted in id order"
        for user_id, scan_id in people:
            mine = [data for _, data, room in recorder.emitted if room == f"user:{user_id}"]
            assert [data["progress"] for data in mine] == [0, 1, 2, 3, 4]
            assert {d["scanId"] for d in mine} == {str(scan_id)}
        async with sessionmaker() as db_session:
            rows = list(await db_session.scalars(select(ScanEvent).order_by(ScanEvent.id)))
        assert [row.id for row in rows] == ids
        assert [(row.user_id, row.payload["progress"]) for row in rows] == [(u, n) for n in range(5) for u, _ in people]
    finally:
        await engine.dispose()


async def test_a_scan_stream_coalesces_progress_but_keeps_order_and_the_newest_value(database_url: str) -> None:
    engine, sessionmaker, people = await setup(database_url, 1)
    (user_id, scan_id) = people[0]
    recorder = Recorder(sessionmaker)
    publisher = EventPublisher(sessionmaker, recorder)
    try:
        stream = publisher.stream(user_id=user_id, scan_id=scan_id)
        stream.send(ScanProcessing(scan_id=scan_id, message="Analysing"))
        for progress in range(5, 96, 5):
            stream.send(ScanProgress(scan_id=scan_id, progress=progress, stage="room_type"))
        stream.send(ScanProgress(scan_id=scan_id, progress=98, stage="save"))
        await stream.drain()
        await publisher.publish(user_id=user_id, event=ScanCompleted(scan_id=scan_id, message="done", result={}))
        names = [event for event, _, _ in recorder.emitted]
        assert names[0] == "scan:processing" and names[-1] == "scan:completed"
        values = [data["progress"] for event, data, _ in recorder.emitted if event == "scan:progress"]
        assert values == sorted(values) and values[-1] == 98 and 1 <= len(values) < 20
        ids = [data["eventId"] for _, data, _ in recorder.emitted]
        assert ids == sorted(ids)
        async with sessionmaker() as db_session:
            stored = list(await db_session.scalars(select(ScanEvent.id).order_by(ScanEvent.id)))
        assert stored == ids, "every emitted event is in scan_events"
    finally:
        await engine.dispose()


async def test_a_stream_reports_a_failed_write_at_drain(database_url: str) -> None:
    engine, sessionmaker, people = await setup(database_url, 1)
    (user_id, _) = people[0]
    publisher = EventPublisher(sessionmaker, Recorder(sessionmaker))
    try:
        stream = publisher.stream(user_id=user_id, scan_id=uuid.uuid4())  # no such scan: the INSERT fails
        stream.send(ScanProgress(scan_id=uuid.uuid4(), progress=5, stage="room_type"))
        with pytest.raises(Exception):  # noqa: B017, PT011 - the database's own integrity error
            await stream.drain()
        await stream.close()  # nothing left to raise
    finally:
        await engine.dispose()


async def test_a_caller_that_stops_waiting_does_not_lose_its_event(database_url: str) -> None:
    engine, sessionmaker, people = await setup(database_url, 1)
    (user_id, scan_id) = people[0]
    recorder = Recorder(sessionmaker)
    publisher = EventPublisher(sessionmaker, recorder)
    try:
        first = asyncio.create_task(
            publisher.publish(user_id=user_id, event=ScanProgress(scan_id=scan_id, progress=1, stage="room_type"))
        )
        await asyncio.sleep(0)  # queued
        first.cancel()
        second = await publisher.publish(
            user_id=user_id, event=ScanProgress(scan_id=scan_id, progress=2, stage="room_type")
        )
        assert [data["progress"] for _, data, _ in recorder.emitted] == [1, 2]
        assert recorder.emitted[-1][1]["eventId"] == second
        async with sessionmaker() as db_session:
            assert len(list(await db_session.scalars(select(ScanEvent.id)))) == 2
    finally:
        await engine.dispose()
