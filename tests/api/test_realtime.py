"""Reconnecting with the last event id seen replays what was missed, in order, then live events follow; a
scan's outcome event is committed with its state and reaches the tab even if its process dies first."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select, update

from housescan.auth.service import issue_tokens
from housescan.realtime import service as realtime_service
from housescan.realtime.models import ScanEvent
from housescan.realtime.service import EventPublisher
from housescan.scans import run as scan_run
from housescan.scans.events import ScanProgress
from housescan.scans.models import Scan, ScanStatus
from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload, wait_for_status
from tests.realtime_client import EventRecorder


async def test_reconnect_replays_missed_events_in_order(live_server: LiveServer) -> None:
    first = EventRecorder()
    async with live_server.client() as client:
        token = await register(client)
        await first.connect(live_server.url, token)
        scan = await create_scan(client, token, rooms=1)
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
        uploaded = await first.wait_for("scan:uploaded", scan["id"], timeout=10)
        await first.disconnect()

        # While no tab is open the scan is processed to the end.
        await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
        await wait_for_status(client, token, scan["id"], {"succeeded"})

        second = EventRecorder()
        await second.connect(live_server.url, token, last_event_id=uploaded["eventId"])
        await second.wait_for("scan:completed", scan["id"], timeout=10)
        names = second.names()
        # From the last event seen (a reloaded page may hold only a REST snapshot) to the end, in order.
        assert names[0] == "scan:uploaded" and names[1] == "scan:processing" and names[-1] == "scan:completed"
        ids = [payload["eventId"] for _, payload in second.events]
        assert ids == sorted(ids) and ids[0] == uploaded["eventId"]

        # Live events still reach the reconnected socket.
        another = await create_scan(client, token, rooms=1)
        await upload(client, token, another["id"], [("b.jpg", photo((9, 9, 9)), 0)])
        await second.wait_for("scan:uploaded", another["id"], timeout=10)

        # A fresh tab without a last id gets only live events, not the history.
        fresh = EventRecorder()
        await fresh.connect(live_server.url, token)
        await asyncio.sleep(0.3)
        assert fresh.events == []
        await fresh.disconnect()
        await second.disconnect()


async def _scan_in_state(
    live_server: LiveServer, tab: EventRecorder, status: ScanStatus
) -> tuple[uuid.UUID, uuid.UUID]:
    """A new user's one-room scan with a photo, put straight into `status`, with `tab` connected as them."""
    async with live_server.client() as client:
        token = await register(client)
        await tab.connect(live_server.url, token)
        scan = await create_scan(client, token, rooms=1)
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
    scan_id = uuid.UUID(scan["id"])
    async with live_server.runtime.sessionmaker() as session:
        user_id = (await session.get_one(Scan, scan_id)).user_id
        await session.execute(update(Scan).where(Scan.id == scan_id).values(status=status))
        await session.commit()
    return scan_id, user_id


class _GoneEmitter:
    async def emit(self, event: str, data: Any = None, **_: Any) -> None:
        raise ConnectionError("the process is going away")


async def test_a_completion_committed_but_never_emitted_is_delivered_by_the_sweep(live_server: LiveServer) -> None:
    """The window a worker crash used to open: results (and their `scan:completed`) committed, then the
    emit after the commit fails (or the process dies first). The event is in the log, marked undelivered,
    and the sweep sends it."""
    runtime = live_server.runtime
    tab = EventRecorder()
    scan_id, user_id = await _scan_in_state(live_server, tab, ScanStatus.running)
    async with runtime.sessionmaker() as session:
        request = await scan_run.build_scan_request(
            db_session=session, store=runtime.store, scan_id=scan_id, user_id=user_id
        )
    response = await runtime.agents.run(request)
    async with runtime.sessionmaker() as session:  # the worker's save; its emit fails (the process is going)
        assert await scan_run.save_results(
            db_session=session,
            settings=runtime.settings,
            events=EventPublisher(runtime.sessionmaker, _GoneEmitter()),
            sessionmaker=runtime.sessionmaker,
            scan_id=scan_id,
            response=response,
        )
        staged = await session.scalar(
            select(ScanEvent).where(ScanEvent.scan_id == scan_id, ScanEvent.event == "scan:completed")
        )
    assert staged is not None

    async def undelivered() -> list[int]:
        async with runtime.sessionmaker() as session:
            return list(await session.scalars(select(ScanEvent.id).where(ScanEvent.undelivered)))

    await asyncio.sleep(0.3)
    assert "scan:completed" not in tab.names(str(scan_id))
    assert await undelivered() == [staged.id]
    assert await runtime.events.redeliver_stranded(older_than_seconds=60) == 0, "a young event is its writer's"

    assert await runtime.events.redeliver_stranded(older_than_seconds=0) == 1
    completed = await tab.wait_for("scan:completed", str(scan_id), timeout=10)
    assert completed["eventId"] == staged.id
    assert completed["result"] == response.result.model_dump(mode="json")
    assert await undelivered() == []
    assert await runtime.events.redeliver_stranded(older_than_seconds=0) == 0, "delivered once, then done"
    await tab.disconnect()


async def test_a_failure_is_logged_with_the_failed_state_and_delivered(live_server: LiveServer) -> None:
    runtime = live_server.runtime
    tab = EventRecorder()
    scan_id, _ = await _scan_in_state(live_server, tab, ScanStatus.queued)
    follow_ups = {"events": runtime.events, "sessionmaker": runtime.sessionmaker}
    async with runtime.sessionmaker() as session:
        assert await scan_run.mark_failed(
            db_session=session, settings=runtime.settings, **follow_ups, scan_id=scan_id, reason="the disk is full"
        )
    payload = await tab.wait_for("scan:failed", str(scan_id), timeout=10)  # delivered by the commit
    async with runtime.sessionmaker() as session:
        again = await scan_run.mark_failed(
            db_session=session, settings=runtime.settings, **follow_ups, scan_id=scan_id, reason="again"
        )
        assert again is False, "a scan fails once"
        events = list(await session.scalars(select(ScanEvent).where(ScanEvent.scan_id == scan_id)))
        assert [(event.event, event.undelivered) for event in events] == [
            ("scan:uploaded", False),
            ("scan:failed", False),
        ]
    assert payload == {"scanId": str(scan_id), "error": "the disk is full", "eventId": events[1].id}
    await tab.disconnect()


async def test_an_event_committed_after_a_later_one_the_tab_saw_is_replayed(live_server: LiveServer) -> None:
    """Two processes write events for one user: the first takes id N but commits after the second (N+1)
    has been committed and seen. A tab that disconnects in between resumes from N+1 and must still get N."""
    if not live_server.runtime.settings.database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time: its ids commit in order")
    runtime = live_server.runtime
    tab = EventRecorder()
    scan_id, user_id = await _scan_in_state(live_server, tab, ScanStatus.running)
    await tab.wait_for("scan:uploaded", str(scan_id), timeout=10)

    def progress(value: int) -> ScanProgress:
        return ScanProgress(scan_id=scan_id, progress=value, stage="room_type")

    async with runtime.sessionmaker() as slow, runtime.sessionmaker() as fast:
        events = runtime.events
        earlier = await realtime_service.stage_event(
            db_session=slow, events=events, user_id=user_id, event=progress(40)
        )
        later = await realtime_service.stage_event(db_session=fast, events=events, user_id=user_id, event=progress(60))
        assert earlier.id < later.id
        await fast.commit()  # delivers `later`
        seen = await tab.wait_for("scan:progress", str(scan_id), timeout=10)
        assert seen["eventId"] == later.id
        await tab.disconnect()
        await slow.commit()  # delivers `earlier`, to no one: the tab is gone

    resumed = EventRecorder()
    token = issue_tokens(settings=runtime.settings, user_id=user_id).access_token
    await resumed.connect(live_server.url, token, last_event_id=later.id)
    replayed = await resumed.wait_for("scan:progress", str(scan_id), timeout=10)
    assert replayed["eventId"] == earlier.id and replayed["progress"] == 40
    await asyncio.sleep(0.3)
    ids = [payload["eventId"] for _, payload in resumed.events]
    assert ids == sorted(ids) and ids[-2:] == [earlier.id, later.id], "in id order, up to the latest"
    await resumed.disconnect()
