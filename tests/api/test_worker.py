"""The worker: crash recovery at start-up, idempotent save, retries and the failure path."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from housescan.agents.budget import AgentMemo
from housescan.agents.service import create_agents_client
from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.houses.models import House
from housescan.jobs.inprocess import InProcessQueue
from housescan.realtime.schemas import EventPayload
from housescan.runtime import Runtime
from housescan.scans import run as scan_run
from housescan.scans.events import ScanProgress
from housescan.scans.job import Memos, run_scan
from housescan.scans.models import AgentRun, HouseScanSummary, Scan, ScanStatus
from housescan.storage.local import LocalFolderStore
from tests.conftest import LiveServer, start_server
from tests.fakes import AgentsAfter, FlakyAgents, StuckAgents, always_failing
from tests.helpers import auth, create_scan, photo, register, upload, wait_for_status
from tests.realtime_client import EventRecorder


def _follow_ups(runtime: Runtime) -> dict[str, Any]:
    """What save_results needs besides the session: the commit delivers its event and sends its notices."""
    return {"settings": runtime.settings, "events": runtime.events, "sessionmaker": runtime.sessionmaker}


async def _uploaded_scan(server: LiveServer, token: str, color: tuple[int, int, int] = (120, 130, 140)) -> str:
    async with server.client() as client:
        scan = await create_scan(client, token, rooms=1)
        assert (await upload(client, token, scan["id"], [("room.jpg", photo(color), 0)])).status_code == 200
        scan_id: str = scan["id"]
        return scan_id


async def test_scans_left_by_a_dead_process_are_finished_at_startup(settings: Settings) -> None:
    api_only = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with api_only.client() as client:
            token = await register(client)
        queued = await _uploaded_scan(api_only, token, (10, 20, 30))
        running = await _uploaded_scan(api_only, token, (40, 50, 60))
        draft = await _uploaded_scan(api_only, token, (70, 80, 90))
        async with api_only.client() as client:
            for scan_id in (queued, running):
                assert (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))).status_code == 202
        async with api_only.runtime.sessionmaker() as session:
            # As if a worker had claimed it and then the process died mid-analysis.
            await session.execute(
                update(Scan)
                .where(Scan.id == uuid.UUID(running))
                .values(status=ScanStatus.running, attempts=1, started_at=utcnow() - timedelta(minutes=5))
            )
            await session.commit()
    finally:
        await api_only.stop()

    restarted = await start_server(settings)
    try:
        async with restarted.client() as client:
            first = await wait_for_status(client, token, queued, {"succeeded", "failed"})
            second = await wait_for_status(client, token, running, {"succeeded", "failed"})
            assert (first["status"], first["attempts"]) == ("succeeded", 1)
            assert (second["status"], second["attempts"]) == ("succeeded", 2)
            assert len(second["agent_runs"]) == 6
            untouched = (await client.get(f"/api/v1/scans/{draft}", headers=auth(token))).json()
            assert untouched["status"] == "draft", "a scan still uploading is never processed"
    finally:
        await restarted.stop()


async def test_saving_results_twice_leaves_the_same_rows(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
    scan_id = await _uploaded_scan(live_server, token)
    async with live_server.client() as client:
        await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
        await wait_for_status(client, token, scan_id, {"succeeded"})
    sid = uuid.UUID(scan_id)
    runtime = live_server.runtime

    async def snapshot() -> tuple[int, list[uuid.UUID], list[str]]:
        async with runtime.sessionmaker() as session:
            runs = await session.scalar(select(func.count()).select_from(AgentRun).where(AgentRun.scan_id == sid)) or 0
            summaries = list(await session.scalars(select(HouseScanSummary.id).where(HouseScanSummary.scan_id == sid)))
            scan = await session.get_one(Scan, sid)
            return runs, summaries, scan.detected_house_types

    before = await snapshot()
    assert before[0] == 6 and len(before[1]) == 1
    async with runtime.sessionmaker() as session:
        scan = await session.get_one(Scan, sid)
        request = await scan_run.build_scan_request(
            db_session=session, store=runtime.store, scan_id=sid, user_id=scan.user_id
        )
    response = await runtime.agents.run(request)
    async with runtime.sessionmaker() as session:
        assert (
            await scan_run.save_results(db_session=session, **_follow_ups(runtime), scan_id=sid, response=response)
            is False
        ), "a scan already saved is not saved (nor announced) again"
        await session.execute(update(Scan).where(Scan.id == sid).values(status=ScanStatus.running))
        await session.commit()
    for _ in range(2):
        async with runtime.sessionmaker() as session:
            await session.execute(update(Scan).where(Scan.id == sid).values(status=ScanStatus.running))
            await session.commit()
        async with runtime.sessionmaker() as session:
            assert (
                await scan_run.save_results(db_session=session, **_follow_ups(runtime), scan_id=sid, response=response)
                is True
            )
        assert await snapshot() == before

    # A save with other answers replaces the previous ones: the summary row is updated in place.
    changed = response.model_copy(deep=True)
    changed.result.house_types = ["bungalow"]
    changed.result.pros_cons.pros = ["a south-facing garden"]
    async with runtime.sessionmaker() as session:
        await session.execute(update(Scan).where(Scan.id == sid).values(status=ScanStatus.running))
        await session.commit()
    async with runtime.sessionmaker() as session:
        assert (
            await scan_run.save_results(db_session=session, **_follow_ups(runtime), scan_id=sid, response=changed)
            is True
        )
    runs, summaries, house_types = await snapshot()
    assert (runs, summaries, house_types) == (6, before[1], ["bungalow"])
    async with runtime.sessionmaker() as session:
        summary = await session.get_one(HouseScanSummary, summaries[0])
        assert summary.pros_cons_json["pros"] == ["a south-facing garden"]
        assert summary.summary_json["result"]["house_types"] == ["bungalow"]


async def test_a_final_failure_is_persisted_with_its_reason(settings: Settings) -> None:
    server = await start_server(settings, agents=always_failing("the vision model could not start", retryable=False))
    recorder = EventRecorder()
    try:
        async with server.client() as client:
            token = await register(client)
            await recorder.connect(server.url, token)
            scan_id = await _uploaded_scan(server, token)
            await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
            failed = await recorder.wait_for("scan:failed", scan_id, timeout=30)
            assert failed["error"] == "the vision model could not start"
            detail = await wait_for_status(client, token, scan_id, {"failed"})
            assert detail["error"] == "the vision model could not start"
            assert detail["attempts"] == 1 and detail["finished_at"] and detail["summary"] is None
            assert recorder.names(scan_id) == ["scan:uploaded", "scan:processing", "scan:failed"]
            # A failed scan may be processed again.
            again = await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
            assert again.status_code == 202
    finally:
        await recorder.disconnect()
        await server.stop()


async def test_transient_failures_are_retried_then_give_up(settings: Settings, tmp_path: Path) -> None:
    real = create_agents_client(settings, LocalFolderStore(settings.photos_dir))
    flaky = FlakyAgents(real, failures=2, error=TimeoutError("model call timed out"))
    server = await start_server(settings, agents=flaky)
    try:
        async with server.client() as client:
            token = await register(client)
            scan_id = await _uploaded_scan(server, token)
            await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
            detail = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
            assert (detail["status"], detail["attempts"], detail["error"]) == ("succeeded", 3, None)
            assert flaky.calls == 3
    finally:
        await server.stop()

    server = await start_server(settings, agents=always_failing("upstream 503", retryable=True))
    recorder = EventRecorder()
    try:
        async with server.client() as client:
            await recorder.connect(server.url, token)
            scan_id = await _uploaded_scan(server, token, (1, 2, 3))
            await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
            await recorder.wait_for("scan:failed", scan_id, timeout=30)
            detail = await wait_for_status(client, token, scan_id, {"failed"})
            assert detail["attempts"] == settings.job_max_attempts
            assert detail["error"] == "upstream 503"
            names = recorder.names(scan_id)
            assert names.count("scan:processing") == settings.job_max_attempts
            assert names.count("scan:failed") == 1 and "scan:completed" not in names
    finally:
        await recorder.disconnect()
        await server.stop()


async def test_progress_that_cannot_be_stored_does_not_fail_the_scan(
    live_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Progress is best effort: a failed progress write (here every one) costs the person a progress
    step, never the scan or an attempt."""
    publisher = live_server.runtime.events
    real_publish = publisher.publish
    refused: list[str] = []

    async def publish(*, user_id: uuid.UUID, event: EventPayload) -> int:
        if isinstance(event, ScanProgress):
            refused.append(event.stage)
            raise OperationalError("INSERT INTO scan_events", {}, ConnectionRefusedError("database is down"))
        return await real_publish(user_id=user_id, event=event)

    monkeypatch.setattr(publisher, "publish", publish)
    recorder = EventRecorder()
    async with live_server.client() as client:
        token = await register(client)
        await recorder.connect(live_server.url, token)
        scan_id = await _uploaded_scan(live_server, token)
        await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
        await recorder.wait_for("scan:completed", scan_id, timeout=60)
        detail = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
    await recorder.disconnect()
    assert (detail["status"], detail["attempts"], detail["error"]) == ("succeeded", 1, None)
    assert "Saving the report" in refused
    assert recorder.names(scan_id) == ["scan:uploaded", "scan:processing", "scan:completed"]


async def test_a_scan_deleted_during_its_analysis_stops_it_and_leaves_nothing(settings: Settings) -> None:
    """Deleting a running scan cancels its analysis (no more model calls to pay for), and removes its
    rows, its photo folder and its house (the address), which no other scan is of."""
    stuck = StuckAgents()
    server = await start_server(settings.model_copy(update={"deleted_scan_check_seconds": 0.05}), agents=stuck)
    try:
        async with server.client() as client:
            token = await register(client)
            scan_id = await _uploaded_scan(server, token)
            house_id = (await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))).json()["house"]["id"]
            await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
            await asyncio.wait_for(stuck.started.wait(), timeout=30)
            assert (await client.delete(f"/api/v1/scans/{scan_id}", headers=auth(token))).status_code == 204
            await asyncio.wait_for(stuck.cancelled.wait(), timeout=30)
        photos = Path(settings.photos_dir)
        assert not (photos / "scans" / scan_id).exists()
        async with server.runtime.sessionmaker() as session:
            assert await session.get(House, uuid.UUID(house_id)) is None
            assert await session.scalar(select(func.count()).select_from(Scan)) == 0
        queue = server.runtime.queue
        assert isinstance(queue, InProcessQueue)
        await asyncio.wait_for(queue.join(), timeout=30)
        health = await queue.health()
        assert (health.completed, health.failed, health.delayed) == (1, 0, 0), "stopped, not failed or retried"
    finally:
        await server.stop()


async def test_a_house_with_other_scans_is_kept_when_one_is_deleted(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        first = await create_scan(client, token, rooms=1)
        second = (
            await client.post("/api/v1/scans", json={"house_id": first["house_id"], "rooms": [{}]}, headers=auth(token))
        ).json()
        assert (await client.delete(f"/api/v1/scans/{first['id']}", headers=auth(token))).status_code == 204
        kept = await client.get(f"/api/v1/scans/{second['id']}", headers=auth(token))
        assert kept.status_code == 200 and kept.json()["house"]["id"] == first["house_id"]


async def test_the_house_type_saved_is_the_persons_or_a_confident_models(live_server: LiveServer) -> None:
    """The scans list shows `houses.house_type`: the type the person gave wins; the model's fills it only
    when it is confident enough for the report to show it; else it stays not determined."""
    async with live_server.client() as client:
        token = await register(client)
    scan_id = await _uploaded_scan(live_server, token)
    async with live_server.client() as client:
        await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
        await wait_for_status(client, token, scan_id, {"succeeded"})
    runtime, sid = live_server.runtime, uuid.UUID(scan_id)
    async with runtime.sessionmaker() as session:
        scan = await session.get_one(Scan, sid)
        request = await scan_run.build_scan_request(
            db_session=session, store=runtime.store, scan_id=sid, user_id=scan.user_id
        )
    response = await runtime.agents.run(request)

    async def saved_house_type(house_types: list[str], confidence: float | None, person: str | None) -> str | None:
        answer = response.model_copy(deep=True)
        answer.result.house_types, answer.result.house_type_confidence = house_types, confidence
        async with runtime.sessionmaker() as session:
            snapshot = {**scan.inputs_snapshot, "house_type": person}
            await session.execute(
                update(Scan).where(Scan.id == sid).values(status=ScanStatus.running, inputs_snapshot=snapshot)
            )
            await session.commit()
        async with runtime.sessionmaker() as session:
            assert (
                await scan_run.save_results(db_session=session, **_follow_ups(runtime), scan_id=sid, response=answer)
                is True
            )
        async with live_server.client() as client:
            listed = (await client.get("/api/v1/scans", headers=auth(token))).json()["items"]
        return next(item["house_type"] for item in listed if item["id"] == scan_id)

    assert await saved_house_type(["villa"], 0.95, None) == "villa"
    assert await saved_house_type(["villa"], 0.40, None) is None, "a weak guess is not determined"
    assert await saved_house_type(["villa"], None, None) is None
    assert await saved_house_type(["villa"], 0.95, "apartment") == "apartment", "the person's answer wins"


async def test_a_failed_check_for_deletion_does_not_cost_the_analysis(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The running analysis looks every few seconds whether its scan was deleted; a database that cannot
    answer that question (an outage) means "look again", never a failed scan."""
    checked = asyncio.Event()

    async def unreachable(**_: object) -> bool:
        checked.set()
        raise OperationalError("SELECT scans.id", {}, ConnectionRefusedError("database is down"))

    monkeypatch.setattr(scan_run, "scan_exists", unreachable)
    real = create_agents_client(settings, LocalFolderStore(settings.photos_dir))
    server = await start_server(
        settings.model_copy(update={"deleted_scan_check_seconds": 0.05}), agents=AgentsAfter(real, checked)
    )
    try:
        async with server.client() as client:
            token = await register(client)
            scan_id = await _uploaded_scan(server, token)
            await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
            detail = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
        assert (detail["status"], detail["attempts"], detail["error"]) == ("succeeded", 1, None)
    finally:
        await server.stop()


async def test_a_memo_is_kept_only_while_its_retry_may_come_here(settings: Settings) -> None:
    """A failed attempt's memo waits for the scan's retry in this process; it goes once the retry cannot come
    here: the claim found nothing to run, the scan finished or went, or another worker claimed it."""
    server = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with server.client() as client:
            token = await register(client)
        scans = [await _uploaded_scan(server, token, (40 * n, 90, 30)) for n in range(5)]
        waiting, finished, elsewhere, deleted, draft = (uuid.UUID(scan_id) for scan_id in scans)
        async with server.client() as client:
            for scan_id in (waiting, finished, elsewhere, deleted):
                assert (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))).status_code == 202
            assert (await client.delete(f"/api/v1/scans/{deleted}", headers=auth(token))).status_code == 204
        async with server.runtime.sessionmaker() as session:
            for scan_id, state, attempts in (
                (waiting, ScanStatus.queued, 1),  # its first attempt failed here, the retry is due
                (finished, ScanStatus.succeeded, 2),
                (elsewhere, ScanStatus.running, 2),  # another worker claimed the retry
            ):
                await session.execute(update(Scan).where(Scan.id == scan_id).values(status=state, attempts=attempts))
            await session.commit()

        memos = Memos()
        for scan_id in (waiting, finished, elsewhere, deleted, draft):
            memos.keep(scan_id, AgentMemo(), failed_attempt=1)
        await run_scan(server.runtime, draft, memos=memos)  # a draft: the claim finds nothing to run
        assert draft not in memos
        await memos.prune(server.runtime)
        assert waiting in memos and len(memos) == 1
    finally:
        await server.stop()
