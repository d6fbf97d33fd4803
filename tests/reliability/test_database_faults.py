"""Database faults during the result save: PostgreSQL refuses connections and its backends are terminated
(`pg_terminate_backend`) right when the worker saves. A short outage: the save is retried and the scan
succeeds without running the analysis again. A long one: the scan ends `failed` with a reason. Never a
partial write, never `scan:completed` before the commit."""

from __future__ import annotations

import asyncio
import contextlib
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

    async def _admin(self, sql: str) -> None:
        connection = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    async def begin(self) -> None:
        await self._admin(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false')
        self._task = asyncio.create_task(self._terminate_forever())

    async def _terminate_forever(self) -> None:
        while True:
            connection = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                await connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = $1 AND pid <> pg_backend_pid()",
                    self.database,
                )
            finally:
                await connection.close()
            self.injected += 1
            await asyncio.sleep(0.05)

    async def end(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._admin(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true')


class OutageDuringSave:
    """The real analysis, then an outage of `seconds` that starts as the worker goes to save."""

    def __init__(self, inner: AgentsClient, outage: Outage, seconds: float) -> None:
        self.inner, self.outage, self.seconds = inner, outage, seconds
        self.calls = 0
        self.ended = asyncio.Event()

    async def run(
        self, request: ScanRequest, *, on_progress: ProgressCallback | None = None, memo: AgentMemo | None = None
    ) -> ScanResponse:
        self.calls += 1
        response = await self.inner.run(request, on_progress=on_progress, memo=memo)
        if self.calls == 1:
            await self.outage.begin()

            async def end_later() -> None:
                await asyncio.sleep(self.seconds)
                await self.outage.end()
                self.ended.set()

            asyncio.get_running_loop().create_task(end_later())
        return response


@pytest.fixture
async def outage_server(
    tmp_path: Path, pg_database_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[LiveServer, OutageDuringSave]]:
    seconds: float = request.param
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
    agents = OutageDuringSave(inner, Outage(pg_database_url.rsplit("/", 1)[1]), seconds)
    server = await start_server(settings, agents=agents)
    try:
        yield server, agents
    finally:
        with contextlib.suppress(Exception):
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


@pytest.mark.parametrize("outage_server", [2.0], indirect=True)
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


@pytest.mark.parametrize("outage_server", [12.0], indirect=True)
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
