"""Real `housescan` processes stopped while a scan is analysed: SIGTERM (an orderly shutdown) and SIGKILL (a crash),
in the embedded mode (`serve`, on SQLite and PostgreSQL) and scaled out (a BullMQ `worker`).

SIGTERM hands the scan back: queued, the attempt not counted, the reason in its `error`. SIGKILL counts the
attempt; the next start resumes the scan saying why. Each step waits for an event or for a process to exit.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from housescan.db.engine import create_engine, create_sessionmaker
from housescan.scans import run as scan_run
from housescan.scans.models import Scan
from tests.helpers import auth, photo, register
from tests.reliability.processes import HousescanProcess, ServeProcess
from tests.reliability.replay import ReplayRecorder

pytestmark = pytest.mark.slow

BLOCKED = "3600"  # the null provider's analysis takes this long: it is still running when the signal comes
QUICK = "0"


class Watcher:
    """The person's tab, on whichever server process is up: connects anew after each restart and replays."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.last_event_id = 0
        self.recorder: ReplayRecorder | None = None

    async def follow(self, url: str) -> ReplayRecorder:
        await self.close()
        self.recorder = ReplayRecorder()
        await self.recorder.connect(url, self.token, last_event_id=self.last_event_id)
        return self.recorder

    async def wait_for(self, name: str, scan_id: str) -> dict[str, Any]:
        """The scan's next `name` event: the first after the last one this tab waited for."""
        assert self.recorder is not None
        after = self.last_event_id
        payload = await self.recorder.wait_until(
            lambda event, p: event == name and p["scanId"] == scan_id and p["eventId"] > after
        )
        self.last_event_id = payload["eventId"]
        return payload

    async def close(self) -> None:
        if self.recorder is not None:
            await self.recorder.disconnect()
            self.recorder = None


async def _processed_scan(url: str) -> tuple[str, str]:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        token = await register(client, "stopped@example.com")
        scan = (await client.post("/api/v1/scans", json={"rooms_count": 1}, headers=auth(token))).json()
        response = await client.post(
            f"/api/v1/scans/{scan['id']}/images",
            files=[("images", ("room.jpg", photo((30, 90, 150), size=(160, 120)), "image/jpeg"))],
            data={"room_ordinal": ["0"]},
            headers=auth(token),
        )
        assert response.status_code == 200, response.text
        assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202
    return token, scan["id"]


async def _scan_row(database_url: str, scan_id: str) -> tuple[str, int, str | None]:
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(engine)() as session:
            row = (
                await session.execute(
                    select(Scan.status, Scan.attempts, Scan.error).where(Scan.id == uuid.UUID(scan_id))
                )
            ).one()
    finally:
        await engine.dispose()
    return str(row.status), row.attempts, row.error


async def _stopped(process: HousescanProcess) -> bool:
    """SIGTERM; True when the process then exited by itself (uvicorn re-raises the signal once it has shut down
    cleanly, hence -SIGTERM), not SIGKILLed after `stop`'s 20 s."""
    await process.stop()
    assert process.process is not None
    return process.process.returncode in (0, -signal.SIGTERM)


def _env(extra: dict[str, str]) -> dict[str, str]:
    return {
        "HOUSESCAN_AGENTS_PROVIDER": "null",
        "HOUSESCAN_NULL_DELAY_SECONDS": BLOCKED,
        "HOUSESCAN_SWEEP_INTERVAL_SECONDS": "1",
        "HOUSESCAN_JWT_SECRET": "shutdown-suite-secret-" + "x" * 32,
        **extra,
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database the first `serve` migrates: an SQLite file in its data dir, or a PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'housescan.db').resolve()}"
        return
    yield request.getfixturevalue("pg_database_url")


async def test_serve_stopped_then_killed_mid_analysis(tmp_path: Path, database: str) -> None:
    serve = ServeProcess(tmp_path, env=_env({"HOUSESCAN_DATABASE_URL": database}))
    await serve.start()
    token, scan_id = await _processed_scan(serve.url)
    tab = Watcher(token)
    try:
        await tab.follow(serve.url)
        await tab.wait_for("scan:processing", scan_id)
        assert await _stopped(serve)
        assert await _scan_row(database, scan_id) == ("queued", 0, scan_run.SHUT_DOWN_DURING_ANALYSIS)

        await serve.start()  # still blocked: the resumed attempt is running when the process is killed
        await tab.follow(serve.url)
        await tab.wait_for("scan:processing", scan_id)
        serve.kill()
        assert (await _scan_row(database, scan_id))[:2] == ("running", 1)

        await serve.start()
        await tab.follow(serve.url)
        processing = await tab.wait_for("scan:processing", scan_id)
        assert scan_run.SERVER_STOPPED in processing["message"], processing
        assert await _scan_row(database, scan_id) == ("running", 2, scan_run.RETRYING_AFTER_SERVER_STOPPED)
        assert await _stopped(serve)
        assert await _scan_row(database, scan_id) == ("queued", 1, scan_run.SHUT_DOWN_DURING_ANALYSIS)

        serve.env["HOUSESCAN_NULL_DELAY_SECONDS"] = QUICK
        await serve.start()
        recorder = await tab.follow(serve.url)
        await tab.wait_for("scan:completed", scan_id)
        assert await _scan_row(database, scan_id) == ("succeeded", 2, None), "one SIGKILL counted, two SIGTERMs not"
        assert recorder.names(scan_id).count("scan:completed") == 1
    finally:
        await tab.close()
        await serve.stop()


@pytest.mark.postgres
async def test_a_bullmq_worker_stopped_mid_analysis_hands_its_scan_back(
    tmp_path: Path, pg_database_url: str, redis_prefix: str
) -> None:
    from tests.scaleout.conftest import REDIS_URL

    env = _env(
        {
            "HOUSESCAN_DATABASE_URL": pg_database_url,
            "HOUSESCAN_REDIS_URL": REDIS_URL,
            "HOUSESCAN_REDIS_PREFIX": redis_prefix,
            "HOUSESCAN_REDIS_SHUTDOWN_GRACE_SECONDS": "0.5",  # the scan outlives the grace: it is cancelled
            "HOUSESCAN_REDIS_LOCK_SECONDS": "2",
            "HOUSESCAN_REDIS_STALLED_CHECK_SECONDS": "1",
        }
    )
    api = ServeProcess(tmp_path, env=env, name="api")
    await api.start()
    first = HousescanProcess("worker1", ["worker", "--concurrency", "1"], api.env, tmp_path)
    second = HousescanProcess(
        "worker2", ["worker", "--concurrency", "1"], {**api.env, "HOUSESCAN_NULL_DELAY_SECONDS": QUICK}, tmp_path
    )
    tab: Watcher | None = None
    try:
        token, scan_id = await _processed_scan(api.url)
        tab = Watcher(token)
        await tab.follow(api.url)
        first.spawn()
        await tab.wait_for("scan:processing", scan_id)
        assert await _stopped(first)
        assert await _scan_row(pg_database_url, scan_id) == ("queued", 0, scan_run.SHUT_DOWN_DURING_ANALYSIS)

        second.spawn()  # takes the job once the first worker's lock has lapsed
        await tab.wait_for("scan:completed", scan_id)
        assert await _scan_row(pg_database_url, scan_id) == ("succeeded", 1, None)
    finally:
        if tab is not None:
            await tab.close()
        for process in (first, second, api):
            await process.stop()
