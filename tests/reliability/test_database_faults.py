"""Database faults during the result save: PostgreSQL refuses connections and its backends are terminated
(`pg_terminate_backend`) right when the worker saves. A short outage: the save is retried and the scan
succeeds without running the analysis again. A long one: the scan ends `failed` with a reason. Never a
partial write, never `scan:completed` before the commit.

Nothing here depends on speed: the outage is in force (every open connection terminated, new ones refused)
before the analysis returns, and it ends on what the worker did, never after a fixed time: the short one
once a save attempt has failed (so the save is retried), the long one once the worker gave the save up.
Timed outages raced the worker: under load its pooled connection could commit before the first
termination (completed "during" the outage, or a long outage that never failed the scan)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from housescan.agents.budget import AgentMemo
from housescan.agents.client import AgentsClient, ProgressCallback
from housescan.agents.contract import ScanRequest, ScanResponse
from housescan.agents.service import create_agents_client
from housescan.config import Settings
from housescan.houses.models import Room
from housescan.scans.models import AgentRun, HouseScanSummary
from housescan.storage.local import LocalFolderStore
from tests.conftest import PG_ADMIN_DSN, LiveServer, start_server
from tests.helpers import auth, create_scan, photo, register, upload, wait_for_status
from tests.realtime_client import EventRecorder

pytestmark = pytest.mark.postgres


class Outage:
    """Makes one database unreachable: no new connections, existing ones terminated, until `end()`."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.injected = 0
        self._task: asyncio.Task[None] | None = None

    async def _admin(self, sql: str, *args: object) -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await connection.execute(sql, *args)
        finally:
            await connection.close()

    async def _terminate(self) -> None:
        # With a timeout, pg_terminate_backend returns once the backend is gone, not when it was signalled.
        await self._admin(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            self.database,
        )
        self.injected += 1

    async def begin(self) -> None:
        """Returns once the outage is in force: new connections refused, every open one gone."""
        await self._admin(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false')
        await self._terminate()
        self._task = asyncio.create_task(self._terminate_forever())

    async def _terminate_forever(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            await self._terminate()

    async def end(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._admin(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true')


class WorkerLog(logging.Handler):
    """Sets an event when the worker logs a line containing one of the watched phrases."""

    def __init__(self, phrases: dict[str, asyncio.Event]) -> None:
        super().__init__(logging.DEBUG)
        self.phrases = phrases

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for phrase, event in self.phrases.items():
            if phrase in message:
                event.set()


class OutageDuringSave:
    """The real analysis, then an outage that starts before the worker goes to save and ends when the
    worker has logged `end_on` (a failed save attempt, or giving the save up)."""

    def __init__(self, inner: AgentsClient, outage: Outage, end_on: str) -> None:
        self.inner, self.outage, self.end_on = inner, outage, end_on
        self.calls = 0
        self.seen = asyncio.Event()
        self.ended = asyncio.Event()
        self.ender: asyncio.Task[None] | None = None

    async def run(
        self, request: ScanRequest, *, on_progress: ProgressCallback | None = None, memo: AgentMemo | None = None
    ) -> ScanResponse:
        self.calls += 1
        response = await self.inner.run(request, on_progress=on_progress, memo=memo)
        if self.calls == 1:
            await self.outage.begin()

            async def end_when_seen() -> None:
                await self.seen.wait()
                # Set before connections are allowed again: whatever the worker commits comes after it.
                self.ended.set()
                await self.outage.end()

            self.ender = asyncio.get_running_loop().create_task(end_when_seen())
        return response


@pytest.fixture
async def outage_server(
    tmp_path: Path, pg_database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[LiveServer, OutageDuringSave]]:
    end_on: str = request.param
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=pg_database_url,
        web_dir=tmp_path / "none",
        agents_provider="null",
        job_max_attempts=1,
        job_backoff_seconds=0.1,
        sweep_interval_seconds=1.0,
    )
    inner = create_agents_client(settings, LocalFolderStore(settings.photos_dir))
    agents = OutageDuringSave(inner, Outage(pg_database_url.rsplit("/", 1)[1]), end_on)
    watcher = WorkerLog({end_on: agents.seen})
    logging.getLogger("housescan").addHandler(watcher)
    server = await start_server(settings, agents=agents)
    try:
        yield server, agents
    finally:
        logging.getLogger("housescan").removeHandler(watcher)
        if agents.ender is not None and not agents.ender.done():
            agents.ender.cancel()
        with contextlib.suppress(BaseException):
            await agents.outage.end()
        await server.stop()


async def _rows(server: LiveServer, scan_id: str) -> tuple[int, int, list[list[str]]]:
    sid = uuid.UUID(scan_id)
    async with server.runtime.sessionmaker() as session:
        runs = await session.scalar(select(func.count()).select_from(AgentRun).where(AgentRun.scan_id == sid)) or 0
        summaries = (
            await session.scalar(
                select(func.count()).select_from(HouseScanSummary).where(HouseScanSummary.scan_id == sid)
            )
            or 0
        )
        types = list(await session.scalars(select(Room.detected_room_types).where(Room.scan_id == sid)))
    return runs, summaries, types


@pytest.mark.parametrize("outage_server", ["saving results failed"], indirect=True)
async def test_a_short_outage_during_the_save_is_ridden_out(outage_server: tuple[LiveServer, OutageDuringSave]) -> None:
    server, agents = outage_server
    recorder = EventRecorder()
    async with server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
        await recorder.connect(server.url, token)
        await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
        completed = await recorder.wait_for("scan:completed", scan["id"], timeout=60)
        assert agents.ended.is_set(), "completed was announced only after the database came back"
        assert agents.seen.is_set(), "a save attempt failed in the outage: the save was retried"
        detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"})
    await recorder.disconnect()
    assert (detail["status"], detail["attempts"]) == ("succeeded", 1)
    assert agents.calls == 1, "the analysis ran once: only the save was retried"
    assert completed["eventId"] > 0 and await _rows(server, scan["id"]) == (
        6,
        1,
        [completed["result"]["rooms"][0]["room_types"]],
    )
    print(f"\ndatabase faults (short outage): {agents.outage.injected} terminations injected, scans lost 0")


@pytest.mark.parametrize("outage_server", ["failed for good"], indirect=True)
async def test_a_long_outage_fails_the_scan_with_a_reason_and_no_partial_write(
    outage_server: tuple[LiveServer, OutageDuringSave],
) -> None:
    server, agents = outage_server
    recorder = EventRecorder()
    async with server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
        await recorder.connect(server.url, token)
        await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
        failed = await recorder.wait_for("scan:failed", scan["id"], timeout=90)
        detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"})
    await recorder.disconnect()
    assert detail["status"] == "failed" and detail["error"], detail
    assert failed["error"] == detail["error"]
    assert "scan:completed" not in recorder.names(scan["id"])
    assert await _rows(server, scan["id"]) == (0, 0, [[]]), "nothing of the results was written"
    print(f"\ndatabase faults (long outage): {agents.outage.injected} terminations; failed with: {detail['error']}")
