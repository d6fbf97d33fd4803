"""Stopping the server while a scan is analysed (the in-process worker, on SQLite and PostgreSQL).

An orderly shutdown hands the scan back: queued again, the attempt not counted, the reason in its `error`, a
`scan:progress` telling the person, no result half-saved; the next start finishes it. A scan found `running`
at start-up (its process crashed) is resumed with that attempt counted and the reason recorded, and fails with
that reason once its attempts are used up. Each step waits for an event, never for time.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update

from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.realtime.models import ScanEvent
from housescan.scans import run as scan_run
from housescan.scans.models import AgentRun, HouseScanSummary, Scan, ScanStatus
from tests.conftest import LiveServer, start_server
from tests.fakes import StuckAgents
from tests.helpers import auth, create_scan, photo, register, upload, wait_for_status
from tests.realtime_client import EventRecorder
from tests.reliability.replay import ReplayRecorder

AGENT_RUNS_PER_SCAN = 6  # one room


def blocked_agents() -> StuckAgents:
    """Reports some progress, then blocks until the worker cancels it (the shutdown)."""
    return StuckAgents(progress=(40, "room_type"))


async def _processed_scan(server: LiveServer, token: str) -> str:
    async with server.client() as client:
        scan = await create_scan(client, token, rooms=1)
        assert (await upload(client, token, scan["id"], [("room.jpg", photo((90, 60, 30)), 0)])).status_code == 200
        assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202
    scan_id: str = scan["id"]
    return scan_id


async def _rows(server: LiveServer, scan_id: str) -> dict[str, Any]:
    sid = uuid.UUID(scan_id)
    async with server.runtime.sessionmaker() as session:
        scan = await session.get_one(Scan, sid)
        runs = await session.scalar(select(func.count()).select_from(AgentRun).where(AgentRun.scan_id == sid))
        summaries = await session.scalar(
            select(func.count()).select_from(HouseScanSummary).where(HouseScanSummary.scan_id == sid)
        )
        events = list(await session.execute(select(ScanEvent.event, ScanEvent.payload).where(ScanEvent.scan_id == sid)))
    return {
        "status": scan.status,
        "attempts": scan.attempts,
        "error": scan.error,
        "runs": runs,
        "summaries": summaries,
        "events": [(name, payload) for name, payload in events],
    }


async def _as_left_by_a_crash(server: LiveServer, scan_id: str, attempts: int) -> None:
    """The row as a process killed mid-analysis leaves it: running, its attempt counted."""
    async with server.runtime.sessionmaker() as session:
        await session.execute(
            update(Scan)
            .where(Scan.id == uuid.UUID(scan_id))
            .values(status=ScanStatus.running, attempts=attempts, started_at=utcnow())
        )
        await session.commit()


async def test_a_scan_stopped_by_a_shutdown_is_queued_again_uncounted_and_finishes_at_the_next_start(
    settings: Settings,
) -> None:
    blocked = blocked_agents()
    server = await start_server(settings, agents=blocked)
    recorder = EventRecorder()
    try:
        async with server.client() as client:
            token = await register(client)
        await recorder.connect(server.url, token)
        scan_id = await _processed_scan(server, token)
        seen = await recorder.wait_for("scan:progress", scan_id, timeout=60)
        assert seen["progress"] == 40
    finally:
        await recorder.disconnect()
        await server.stop()  # the lifespan's shutdown: what SIGTERM and Ctrl-C run
    assert blocked.cancelled.is_set(), "the analysis was stopped by the shutdown"

    # Between the two runs: the database says what happened, and the person is told on reconnecting.
    api_only = await start_server(settings.model_copy(update={"run_worker": False}))
    reconnected = ReplayRecorder()
    try:
        rows = await _rows(api_only, scan_id)
        assert (rows["status"], rows["attempts"]) == (ScanStatus.queued, 0), "queued again, the attempt not counted"
        assert rows["error"] == scan_run.SHUT_DOWN_DURING_ANALYSIS
        assert (rows["runs"], rows["summaries"]) == (0, 0), "nothing of the stopped attempt is stored"
        async with api_only.client() as client:
            detail = (await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))).json()
        assert (detail["status"], detail["attempts"]) == ("queued", 0)
        assert detail["error"] == scan_run.SHUT_DOWN_DURING_ANALYSIS, "the API shows the reason"
        await reconnected.connect(api_only.url, token, last_event_id=seen["eventId"])
        paused = await reconnected.wait_until(
            lambda name, payload: name == "scan:progress" and payload["stage"] == scan_run.PAUSED_STAGE
        )
        assert paused["progress"] == 40, "the person sees it paused where it was"
        assert paused["paused"] is True, "the web app shows the scan waiting, not analysing"
    finally:
        await reconnected.disconnect()
        await api_only.stop()

    restarted = await start_server(settings)
    try:
        async with restarted.client() as client:
            done = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
        assert (done["status"], done["attempts"], done["error"]) == ("succeeded", 1, None)
        assert len(done["agent_runs"]) == AGENT_RUNS_PER_SCAN
    finally:
        await restarted.stop()


async def test_a_stop_during_the_save_lets_the_save_finish(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The results are saved in one transaction: a stop that comes while it runs waits for it, so the scan
    is saved whole (and announced), never half."""
    server = await start_server(settings)
    stop_asked, saving = asyncio.Event(), asyncio.Event()
    real_save, real_stop = scan_run.save_results, server.runtime.queue.stop

    async def save_after_the_stop(**kwargs: Any) -> bool:
        saving.set()
        await stop_asked.wait()  # the worker's task has been cancelled by now (stop cancels before it awaits)
        return await real_save(**kwargs)

    async def stop() -> None:
        stop_asked.set()
        await real_stop()

    monkeypatch.setattr(scan_run, "save_results", save_after_the_stop)
    monkeypatch.setattr(server.runtime.queue, "stop", stop)
    try:
        async with server.client() as client:
            token = await register(client)
        scan_id = await _processed_scan(server, token)
        await asyncio.wait_for(saving.wait(), timeout=60)
    finally:
        await server.stop()
    assert stop_asked.is_set()

    api_only = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        rows = await _rows(api_only, scan_id)
    finally:
        await api_only.stop()
    assert (rows["status"], rows["attempts"], rows["error"]) == (ScanStatus.succeeded, 1, None)
    assert (rows["runs"], rows["summaries"]) == (AGENT_RUNS_PER_SCAN, 1)
    assert [name for name, _ in rows["events"]].count("scan:completed") == 1
    assert not any(payload.get("stage") == scan_run.PAUSED_STAGE for _, payload in rows["events"])


async def test_a_scan_left_running_by_a_crash_is_resumed_with_the_reason_and_the_attempt_counted(
    settings: Settings,
) -> None:
    api_only = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with api_only.client() as client:
            token = await register(client)
        scan_id = await _processed_scan(api_only, token)
        await _as_left_by_a_crash(api_only, scan_id, attempts=1)
    finally:
        await api_only.stop()

    blocked = blocked_agents()  # holds the resumed attempt, to look at it while it runs
    server = await start_server(settings, agents=blocked)
    recorder = EventRecorder()
    try:
        async with server.client() as client:
            await recorder.connect(server.url, token, last_event_id=0)  # the claim may be told before we connect
            processing = await recorder.wait_for("scan:processing", scan_id, timeout=60)
            assert scan_run.SERVER_STOPPED in processing["message"], "the person is told why it starts again"
            await recorder.wait_for("scan:progress", scan_id, timeout=60)
            detail = (await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))).json()
        assert (detail["status"], detail["attempts"]) == ("running", 2), "the crashed attempt counts"
        assert detail["error"] == scan_run.RETRYING_AFTER_SERVER_STOPPED
    finally:
        await recorder.disconnect()
        await server.stop()

    # That orderly stop hands attempt 2 back; the next start finishes the scan as its second attempt.
    restarted = await start_server(settings)
    try:
        async with restarted.client() as client:
            done = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
        assert (done["status"], done["attempts"], done["error"]) == ("succeeded", 2, None)
    finally:
        await restarted.stop()


async def test_a_scan_whose_attempts_crashes_used_up_fails_with_the_reason(settings: Settings) -> None:
    api_only = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with api_only.client() as client:
            token = await register(client)
        scan_id = await _processed_scan(api_only, token)
        await _as_left_by_a_crash(api_only, scan_id, attempts=settings.job_max_attempts)
    finally:
        await api_only.stop()

    blocked = blocked_agents()
    server = await start_server(settings, agents=blocked)
    recorder = EventRecorder()
    try:
        async with server.client() as client:
            await recorder.connect(server.url, token, last_event_id=0)
            failed = await recorder.wait_for("scan:failed", scan_id, timeout=60)
            detail = await wait_for_status(client, token, scan_id, {"failed"})
    finally:
        await recorder.disconnect()
        await server.stop()
    reason = f"{scan_run.SERVER_STOPPED} (gave up after {settings.job_max_attempts} attempts)"
    assert failed["error"] == reason
    assert (detail["status"], detail["error"]) == ("failed", reason)
    assert detail["attempts"] == settings.job_max_attempts, "the claim that found them used up ran none"
    assert detail["finished_at"] and detail["summary"] is None
    assert "scan:processing" not in recorder.names(scan_id), "no attempt beyond the last one is run"
    assert not blocked.cancelled.is_set()
