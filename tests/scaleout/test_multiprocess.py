"""The scaled-out deployment as separate processes: PostgreSQL + Redis + an S3 server, two `housescan serve`
and two `housescan worker` processes, and nginx in front of the two APIs with compose.yaml's own
configuration (deploy/nginx.conf). A user's socket is on API #1 while everything is sent through API #2;
20 scans are processed by both workers, each exactly once, and every event reaches the socket, and a
second tab on long-polling through the balancer. Then a worker is killed with SIGKILL in the middle of a
scan, and the scan still completes, once."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from housescan.jobs.bullmq import BullMQQueue, RedisOptions
from tests.helpers import auth, create_scan, free_port, photo, register, upload
from tests.realtime_client import EventRecorder
from tests.scaleout.conftest import REDIS_URL, S3_KEY_ID, S3_REGION, S3_SECRET, S3Server, eventually

pytestmark = pytest.mark.postgres

HOUSESCAN = str(Path(sys.executable).with_name("housescan"))
NGINX_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
SCANS = 20
NULL_DELAY_SECONDS = 1.5  # each scan takes this long: long enough to kill a worker in the middle of one
AGENT_RUNS_PER_ONE_ROOM_SCAN = 6


@dataclass
class Fleet:
    env: dict[str, str]
    logs: Path
    apis: list[str] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        return self.spawn_program(name, HOUSESCAN, *args)

    def spawn_program(self, name: str, program: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        process = subprocess.Popen([program, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        self.processes[name] = process
        return process

    def tail(self) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()[-30:]
            parts.append(f"--- {path.name} ---\n" + "\n".join(lines))
        return "\n".join(parts)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
async def fleet(
    tmp_path: Path, pg_database_url: str, redis_prefix: str, s3_server: S3Server, s3_bucket: str
) -> AsyncIterator[Fleet]:
    env = {
        **os.environ,
        "HOUSESCAN_DATA_DIR": str(tmp_path / "data"),
        "HOUSESCAN_DATABASE_URL": pg_database_url,
        "HOUSESCAN_REDIS_URL": REDIS_URL,
        "HOUSESCAN_REDIS_PREFIX": redis_prefix,
        "HOUSESCAN_STORAGE_URL": f"s3://{s3_bucket}/photos",
        "HOUSESCAN_S3_ENDPOINT_URL": s3_server.endpoint_url,
        "HOUSESCAN_S3_REGION": S3_REGION,
        "HOUSESCAN_S3_ACCESS_KEY_ID": S3_KEY_ID,
        "HOUSESCAN_S3_SECRET_ACCESS_KEY": S3_SECRET,
        "HOUSESCAN_AGENTS_PROVIDER": "null",
        "HOUSESCAN_NULL_DELAY_SECONDS": str(NULL_DELAY_SECONDS),
        "HOUSESCAN_JWT_SECRET": uuid.uuid4().hex * 2,  # shared by both API processes
        "HOUSESCAN_WEB_DIR": str(tmp_path / "no-web"),
        "HOUSESCAN_JOB_BACKOFF_SECONDS": "0.2",
        # The killed worker's scan is taken up once its lock (10 s) has run out, at the next check.
        "HOUSESCAN_REDIS_STALLED_CHECK_SECONDS": "1",
    }
    logs = tmp_path / "logs"
    logs.mkdir()
    fleet = Fleet(env=env, logs=logs)
    try:
        # Migrations once, before any API process starts.
        migrate = await asyncio.create_subprocess_exec(
            HOUSESCAN, "db", "upgrade", env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output, _ = await asyncio.wait_for(migrate.communicate(), timeout=120)
        assert migrate.returncode == 0, output.decode()
        for n in (1, 2):
            port = free_port()
            fleet.spawn(f"api{n}", "serve", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning")
            fleet.apis.append(f"http://127.0.0.1:{port}")
            fleet.spawn(f"worker{n}", "worker", "--concurrency", "3")

        async def healthy() -> bool:
            for name, process in fleet.processes.items():
                assert process.poll() is None, f"{name} exited\n{fleet.tail()}"
            async with httpx.AsyncClient(timeout=2) as client:
                for url in fleet.apis:
                    try:
                        if (await client.get(f"{url}/healthz")).status_code != 200:
                            return False
                    except httpx.HTTPError:
                        return False
            return True

        await eventually(healthy, timeout=90, message="API processes healthy")
        yield fleet
    except BaseException:
        print(fleet.tail())
        raise
    finally:
        fleet.stop()


@pytest.fixture
async def balancer(fleet: Fleet, tmp_path: Path) -> str:
    """deploy/nginx.conf run by Debian's nginx, with the fleet's API addresses for compose's api1 and api2
    (stopped with the fleet)."""
    port = free_port()
    config = NGINX_CONF.read_text()
    for name, url in zip(("api1", "api2"), fleet.apis, strict=True):
        assert f"server {name}:8000" in config
        config = config.replace(f"server {name}:8000", f"server {url.removeprefix('http://')}")
    config = config.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("/tmp/nginx", str(tmp_path / "nginx"))
    (tmp_path / "nginx.conf").write_text(config)
    program = shutil.which("nginx") or "/usr/sbin/nginx"  # Debian's, installed by `make system-deps`
    nginx = fleet.spawn_program("nginx", program, "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;")
    url = f"http://127.0.0.1:{port}"

    async def answers() -> bool:
        assert nginx.poll() is None, f"nginx exited\n{fleet.tail()}"
        async with httpx.AsyncClient(timeout=2) as client:
            try:
                return (await client.get(f"{url}/healthz")).status_code == 200
            except httpx.HTTPError:
                return False

    await eventually(answers, timeout=30, message="nginx in front of the APIs")
    return url


async def _db(dsn: str) -> asyncpg.Connection:
    return await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))


async def _counts_by_scan(connection: asyncpg.Connection, table: str) -> Counter[str]:
    rows = await connection.fetch(f"SELECT scan_id::text AS scan_id, count(*) AS n FROM {table} GROUP BY scan_id")  # noqa: S608
    return Counter({row["scan_id"]: row["n"] for row in rows})


@pytest.mark.slow
async def test_two_apis_two_workers_and_a_killed_worker(
    fleet: Fleet, balancer: str, pg_database_url: str, redis_prefix: str
) -> None:
    api1, api2 = fleet.apis
    queue = BullMQQueue(
        redis_url=REDIS_URL, options=RedisOptions(prefix=redis_prefix), concurrency=1, max_attempts=3, backoff_seconds=1
    )
    database = await _db(pg_database_url)
    recorder = EventRecorder()
    polling_tab = EventRecorder()
    try:
        await eventually(lambda: _workers_are(queue, 2), timeout=60, message="both workers connected")
        async with httpx.AsyncClient(base_url=api2, timeout=60) as client2:
            token = await register(client2)
            await recorder.connect(api1, token)  # the socket lives on API #1
            await polling_tab.connect(balancer, token, transport="polling")  # a second tab, via nginx

            # 20 scans created, uploaded and processed through API #2.
            scan_ids: list[str] = []
            for n in range(SCANS):
                scan = await create_scan(client2, token, rooms=1)
                response = await upload(client2, token, scan["id"], [(f"{n}.jpg", photo((n * 9, 90, 200 - n)), 0)])
                assert response.status_code == 200, response.text
                scan_ids.append(scan["id"])
            for scan_id in scan_ids:
                response = await client2.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
                assert response.status_code == 202, response.text
            for scan_id in scan_ids:
                await recorder.wait_for("scan:completed", scan_id, timeout=90)

            # Every scan succeeded exactly once, with one set of result rows.
            rows = await database.fetch(
                "SELECT id::text AS id, status, attempts FROM scans WHERE id = ANY($1::uuid[])", scan_ids
            )
            assert {(row["status"], row["attempts"]) for row in rows} == {("succeeded", 1)} and len(rows) == SCANS
            runs = await _counts_by_scan(database, "agents_runs")
            summaries = await _counts_by_scan(database, "house_scan_summary")
            assert all(runs[scan_id] == AGENT_RUNS_PER_ONE_ROOM_SCAN for scan_id in scan_ids), runs
            assert all(summaries[scan_id] == 1 for scan_id in scan_ids), summaries

            # Both workers took part (each job's log names the worker of each attempt).
            processed_by = {_worker_of(await queue.job_logs(uuid.UUID(scan_id))) for scan_id in scan_ids}
            assert len(processed_by) == 2, processed_by

            # Every event reached the socket on API #1, once, in order, although none came from API #1.
            await _every_event_arrived(database, recorder, token_user=await _user_id(client2, token))
            per_scan = Counter((name, payload["scanId"]) for name, payload in recorder.events)
            for scan_id in scan_ids:
                assert per_scan[("scan:uploaded", scan_id)] == 1
                assert per_scan[("scan:processing", scan_id)] == 1
                assert per_scan[("scan:completed", scan_id)] == 1

            # The tab on long-polling through the balancer got them all too, and uploads pass through it.
            await _every_event_arrived(database, polling_tab, token_user=await _user_id(client2, token))
            async with httpx.AsyncClient(base_url=balancer, timeout=60) as via_balancer:
                scan = await create_scan(via_balancer, token, rooms=1)
                big = photo((5, 6, 7), size=(2400, 1800), quality=95)
                response = await upload(via_balancer, token, scan["id"], [("big.jpg", big, 0)])
                assert response.status_code == 200, response.text
                await polling_tab.wait_for("scan:uploaded", scan["id"], timeout=10)

            # The browser's signed image URL works on any API process (the photo is in S3).
            async with httpx.AsyncClient(base_url=api1, timeout=30) as client1:
                detail = (await client1.get(f"/api/v1/scans/{scan_ids[0]}", headers=auth(token))).json()
                image = await client1.get(detail["rooms"][0]["images"][0]["url"])
                assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"

            # A worker is killed (SIGKILL) in the middle of a scan.
            scan = await create_scan(client2, token, rooms=1)
            assert (await upload(client2, token, scan["id"], [("k.jpg", photo((1, 2, 3)), 0)])).status_code == 200
            victim_scan = scan["id"]
            await client2.post(f"/api/v1/scans/{victim_scan}/process", headers=auth(token))
            await recorder.wait_for("scan:processing", victim_scan, timeout=30)
            worker_name = _worker_of(await queue.job_logs(uuid.UUID(victim_scan)))
            victim = next(p for p in fleet.processes.values() if worker_name.split("-")[-2] == str(p.pid))
            victim.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            victim.wait(timeout=10)
            status = await database.fetchval("SELECT status FROM scans WHERE id = $1::uuid", victim_scan)
            assert status == "running", "the worker was killed mid-scan"

            await recorder.wait_for("scan:completed", victim_scan, timeout=300)
            recovered_in = time.monotonic() - killed_at
            row = await database.fetchrow("SELECT status, attempts FROM scans WHERE id = $1::uuid", victim_scan)
            assert (row["status"], row["attempts"]) == ("succeeded", 2)
            assert (await _counts_by_scan(database, "agents_runs"))[victim_scan] == AGENT_RUNS_PER_ONE_ROOM_SCAN
            assert (await _counts_by_scan(database, "house_scan_summary"))[victim_scan] == 1
            await asyncio.sleep(0.5)
            assert recorder.names(victim_scan).count("scan:completed") == 1
            assert recorder.names(victim_scan).count("scan:processing") == 2  # attempt 1 (killed), attempt 2
            # Progress is best effort: the killed worker may have stored its last progress event and died
            # before sending it. Only such events of the killed attempt may be missing; its outcome was sent
            # by the re-run, and a tab that reconnects is sent the rest from the table.
            second_attempt = max(
                payload["eventId"]
                for name, payload in recorder.events
                if name == "scan:processing" and payload["scanId"] == victim_scan
            )

            def killed_with_its_worker(row: asyncpg.Record) -> bool:
                return (
                    row["scan_id"] == victim_scan
                    and row["event"] in ("scan:processing", "scan:progress")
                    and row["id"] < second_attempt
                )

            await _every_event_arrived(
                database, recorder, token_user=await _user_id(client2, token), may_miss=killed_with_its_worker
            )
            attempts_log = await queue.job_logs(uuid.UUID(victim_scan))
            assert len(attempts_log) == 2 and _worker_of(attempts_log) != worker_name, attempts_log
            health = await queue.health()
            assert (health.workers, health.active, health.waiting, health.failed) == (1, 0, 0, 0)
            print(f"killed worker's scan completed {recovered_in:.1f}s after the kill")
    finally:
        await recorder.disconnect()
        await polling_tab.disconnect()
        await database.close()
        await queue.stop()


def _worker_of(job_log: list[str]) -> str:
    """The worker named by the last attempt in a job's log ("attempt N on worker NAME")."""
    assert job_log, "the job logs each attempt"
    return job_log[-1].rsplit(" ", 1)[-1]


async def _workers_are(queue: BullMQQueue, count: int) -> bool:
    return (await queue.health()).workers == count


async def _user_id(client: httpx.AsyncClient, token: str) -> str:
    me: dict[str, Any] = (await client.get("/api/v1/auth/me", headers=auth(token))).json()
    return str(me["id"])


async def _every_event_arrived(
    database: asyncpg.Connection,
    recorder: EventRecorder,
    *,
    token_user: str,
    may_miss: Callable[[asyncpg.Record], bool] = lambda row: False,
) -> None:
    """Every event stored for the user reaches the recorder once (but those `may_miss` excuses), and
    nothing else does."""
    rows = await database.fetch(
        "SELECT id, event, scan_id::text AS scan_id, created_at FROM scan_events WHERE user_id = $1::uuid ORDER BY id",
        token_user,
    )
    stored = {row["id"] for row in rows}
    expected = {row["id"] for row in rows if not may_miss(row)}

    def received() -> list[int]:
        return [payload["eventId"] for _, payload in recorder.events]

    try:
        await eventually(lambda: expected <= set(received()), timeout=10, message="every stored event at the socket")
    except AssertionError as exc:
        missing = [dict(row) for row in rows if row["id"] in expected - set(received())]
        raise AssertionError(f"{exc}; missing {missing} of {len(stored)}; received {received()}") from None
    repeated = sorted(event_id for event_id, times in Counter(received()).items() if times > 1)
    assert not repeated, f"no event twice: {repeated} came again; received {received()}"
    assert set(received()) <= stored, "no event that is not stored"
