"""What follows a commit is run by the commit (db/unit_of_work.py): a staged event reaches the owner's tab
with no explicit delivery, a rolled-back one never does, and a scan's enqueue leaves only with the commit
that queues it. An enqueue that fails after the commit leaves the scan queued for the sweep."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from housescan.realtime import service as realtime_service
from housescan.realtime.models import ScanEvent
from housescan.scans import service as scans_service
from housescan.scans.events import ScanProgress
from housescan.scans.models import Scan, ScanStatus
from housescan.scans.worker import requeue_unfinished
from tests.conftest import LiveServer
from tests.helpers import create_scan, photo, register, upload
from tests.realtime_client import EventRecorder


async def _scan_with_a_photo(live_server: LiveServer, tab: EventRecorder | None = None) -> Scan:
    async with live_server.client() as client:
        token = await register(client)
        if tab is not None:
            await tab.connect(live_server.url, token)
        scan = await create_scan(client, token, rooms=1)
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
    async with live_server.runtime.sessionmaker() as db_session:
        return await db_session.get_one(Scan, uuid.UUID(scan["id"]))


async def test_a_committed_event_reaches_the_tab_and_a_rolled_back_one_never_does(live_server: LiveServer) -> None:
    runtime = live_server.runtime
    tab = EventRecorder()
    scan = await _scan_with_a_photo(live_server, tab)
    await tab.wait_for("scan:uploaded", str(scan.id), timeout=10)

    async with runtime.sessionmaker() as db_session:
        await realtime_service.stage_event(
            db_session=db_session,
            events=runtime.events,
            user_id=scan.user_id,
            event=ScanProgress(scan_id=scan.id, progress=10, stage="rolled back"),
        )
        await db_session.rollback()
        committed = await realtime_service.stage_event(
            db_session=db_session,
            events=runtime.events,
            user_id=scan.user_id,
            event=ScanProgress(scan_id=scan.id, progress=20, stage="committed"),
        )
        await db_session.commit()  # and nothing else: the commit delivers it

    # The sweep runs once an hour in tests: only the commit can have sent it.
    progress = await tab.wait_for("scan:progress", str(scan.id), timeout=10)
    assert progress == {
        "scanId": str(scan.id),
        "progress": 20,
        "stage": "committed",
        "paused": False,
        "eventId": committed.id,
    }
    assert tab.names(str(scan.id)).count("scan:progress") == 1, "the rolled-back event never went out"
    async with runtime.sessionmaker() as db_session:
        rows = list(
            await db_session.execute(select(ScanEvent.event, ScanEvent.undelivered).where(ScanEvent.scan_id == scan.id))
        )
    assert [tuple(row) for row in rows] == [("scan:uploaded", False), ("scan:progress", False)]
    await tab.disconnect()


class RecordingQueue:
    """A queue that records each enqueue with the scan's state in the database at that moment."""

    def __init__(self, live_server: LiveServer, *, failing: bool = False) -> None:
        self.sessionmaker = live_server.runtime.sessionmaker
        self.failing = failing
        self.enqueued: list[tuple[uuid.UUID, ScanStatus]] = []

    async def enqueue(self, scan_id: uuid.UUID) -> None:
        async with self.sessionmaker() as db_session:
            self.enqueued.append((scan_id, (await db_session.get_one(Scan, scan_id)).status))
        if self.failing:
            raise ConnectionError("Redis is not answering")


async def test_an_enqueue_leaves_only_with_the_commit_that_queues_the_scan(live_server: LiveServer) -> None:
    runtime = live_server.runtime
    scan = await _scan_with_a_photo(live_server)
    queue = RecordingQueue(live_server)

    scan_id = scan.id
    async with runtime.sessionmaker() as db_session:
        scan = await db_session.get_one(Scan, scan_id)
        scans_service.queue_scan(db_session=db_session, queue=queue, scan=scan)
        await db_session.rollback()
        await db_session.commit()
        assert queue.enqueued == [], "a rolled-back enqueue never reaches the queue"

        scan = await db_session.get_one(Scan, scan_id)
        assert scan.status is ScanStatus.draft
        await scans_service.start_processing(db_session=db_session, settings=runtime.settings, queue=queue, scan=scan)
    assert queue.enqueued == [(scan_id, ScanStatus.queued)], "once, after the commit: the worker finds it queued"


async def test_an_enqueue_that_fails_after_the_commit_leaves_the_scan_to_the_sweep(live_server: LiveServer) -> None:
    runtime = live_server.runtime
    scan = await _scan_with_a_photo(live_server)
    broken = RecordingQueue(live_server, failing=True)

    async with runtime.sessionmaker() as db_session:
        scan = await db_session.get_one(Scan, scan.id)
        queued = await scans_service.start_processing(
            db_session=db_session, settings=runtime.settings, queue=broken, scan=scan
        )  # does not raise: the scan is queued in the database
    assert queued.status is ScanStatus.queued and broken.enqueued == [(scan.id, ScanStatus.queued)]

    sweep = RecordingQueue(live_server)
    runtime.queue, embedded = sweep, runtime.queue  # type: ignore[assignment]
    try:
        assert await requeue_unfinished(runtime) == 1
    finally:
        runtime.queue = embedded
    assert sweep.enqueued == [(scan.id, ScanStatus.queued)]
