"""Worker crashes: the process running scans is killed with SIGKILL at random moments while 50 scans go
through, in the embedded mode (the `serve` process itself) and scaled out (BullMQ workers).

All 50 end `succeeded`, none stays `running`, no duplicate agents_runs or summary rows, and the person's
socket (reconnecting with the last event id it saw) gets exactly one `scan:completed` per scan, including
those whose worker died between committing the results and emitting the event; and the person gets exactly
one e-mail (caught by a real SMTP server) and one web push (decrypted with the browser's keys) per scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from tests.helpers import auth, photo, register
from tests.notifications.conftest import mail_catcher, push_service
from tests.notifications.support import MailCatcher, OutcomeNotifications, PushService
from tests.realtime_client import EventRecorder
from tests.reliability.processes import HousescanProcess, ServeProcess

SCANS = 50
MAX_SCANS_PER_PROCESS = 3  # the workers' --concurrency below; the embedded worker runs 2
AGENT_RUNS_PER_SCAN = 6  # one room: room type, room checklist, products, house type, house checklist, pros/cons

pytestmark = pytest.mark.postgres
__all__ = ["mail_catcher", "push_service"]  # fixtures


class ReconnectingRecorder:
    """A person's tab: reconnects after the server dies, sending the last event id it saw."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.events: dict[int, tuple[str, dict[str, Any]]] = {}
        self.recorder: EventRecorder | None = None

    async def ensure_connected(self) -> None:
        if self.recorder is not None and self.recorder.client.connected:
            return
        if self.recorder is not None:
            self._harvest()
            with contextlib.suppress(Exception):
                await self.recorder.disconnect()
        self.recorder = EventRecorder()
        with contextlib.suppress(Exception):
            await self.recorder.connect(self.url, self.token, last_event_id=max(self.events, default=0))

    def _harvest(self) -> None:
        if self.recorder is not None:
            for name, payload in self.recorder.events:
                self.events[payload["eventId"]] = (name, payload)

    async def wait_for_any(self, name: str) -> None:
        """Until some scan's `name` event has arrived (on this connection or an earlier one)."""
        if not any(event == name for event, _ in self.events.values()):
            assert self.recorder is not None
            await self.recorder.wait_for(name, None)

    def completed(self) -> Counter[str]:
        self._harvest()
        return Counter(p["scanId"] for name, p in self.events.values() if name == "scan:completed")

    async def close(self) -> None:
        self._harvest()
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                await self.recorder.disconnect()


async def _prepare_scans(client: httpx.AsyncClient, token: str) -> list[str]:
    scan_ids = []
    for n in range(SCANS):
        scan = (await client.post("/api/v1/scans", json={"rooms_count": 1}, headers=auth(token))).json()
        response = await client.post(
            f"/api/v1/scans/{scan['id']}/images",
            files=[("images", ("room.jpg", photo((n * 5 % 256, 80, 120), size=(160, 120)), "image/jpeg"))],
            data={"room_ordinal": ["0"]},
            headers=auth(token),
        )
        assert response.status_code == 200, response.text
        scan_ids.append(scan["id"])
    for scan_id in scan_ids:
        assert (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))).status_code == 202
    return scan_ids


async def _database_counts(database_url: str, scan_ids: list[str]) -> dict[str, Counter[str]]:
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        ids = [uuid.UUID(s) for s in scan_ids]
        status = await connection.fetch("SELECT id, status FROM scans WHERE id = ANY($1)", ids)
        runs = await connection.fetch(
            "SELECT scan_id, count(*) AS n FROM agents_runs WHERE scan_id = ANY($1) GROUP BY scan_id", ids
        )
        summaries = await connection.fetch(
            "SELECT scan_id, count(*) AS n FROM house_scan_summary WHERE scan_id = ANY($1) GROUP BY scan_id", ids
        )
        completed = await connection.fetch(
            "SELECT scan_id, count(*) AS n FROM scan_events"
            " WHERE event = 'scan:completed' AND scan_id = ANY($1) GROUP BY scan_id",
            ids,
        )
    finally:
        await connection.close()
    return {
        "status": Counter(row["status"] for row in status),
        "runs": Counter({str(row["scan_id"]): row["n"] for row in runs}),
        "summaries": Counter({str(row["scan_id"]): row["n"] for row in summaries}),
        "completed_events": Counter({str(row["scan_id"]): row["n"] for row in completed}),
    }


async def _chaos(
    victims: list[HousescanProcess],
    restart: Any,
    client: httpx.AsyncClient,
    token: str,
    scan_ids: list[str],
    tab: ReconnectingRecorder,
    seed: int,
    max_kills: int,
) -> int:
    """Kill a random victim at random moments until every scan is finished; returns how many kills."""
    rng = random.Random(seed)
    # The first kill follows the first scan taken up, known from its event: on a loaded machine every scan
    # can finish between two rounds of polling, and a run that kills nothing proves nothing.
    await tab.wait_for_any("scan:processing")
    victim = rng.choice(victims)
    victim.kill()
    kills = 1
    await restart(victim)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        await tab.ensure_connected()
        statuses = Counter()
        for scan_id in scan_ids:
            with contextlib.suppress(httpx.HTTPError):
                statuses[(await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))).json()["status"]] += 1
        if statuses.get("succeeded", 0) + statuses.get("failed", 0) == len(scan_ids):
            return kills
        if kills < max_kills and statuses.get("running", 0):
            await asyncio.sleep(rng.uniform(0.05, 1.0))
            victim = rng.choice(victims)
            victim.kill()
            kills += 1
            await restart(victim)
        else:
            await asyncio.sleep(0.5)
    raise AssertionError("scans did not finish in time")


async def _run_and_check(
    database_url: str,
    api: ServeProcess,
    victims: list[HousescanProcess],
    restart: Any,
    mode: str,
    notified: OutcomeNotifications,
) -> None:
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
        token = await register(client, "crash@example.com")
        await notified.subscribe(client, token)
        tab = ReconnectingRecorder(api.url, token)
        await tab.ensure_connected()
        scan_ids = await _prepare_scans(client, token)
        kills = await _chaos(victims, restart, client, token, scan_ids, tab, seed=len(mode), max_kills=8)
        # A completion committed by a worker killed before it could emit it is sent by the next sweep
        # (every second here, for events older than 10 s): wait for that, not for ever.
        deadline = time.monotonic() + 60
        while set(tab.completed()) != set(scan_ids) and time.monotonic() < deadline:
            await tab.ensure_connected()
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # any duplicate would arrive now
        seen = tab.completed()
        await tab.close()
    mails, pushes = await notified.settle(database_url, "crash@example.com", scan_ids)
    redelivered = notified.redelivered("crash@example.com")
    counts = await _database_counts(database_url, scan_ids)
    print(
        f"\nworker crashes ({mode}): {SCANS} scans, {kills} SIGKILLs; statuses {dict(counts['status'])}; "
        f"scans lost 0 if all succeeded; completions seen by the client {sum(seen.values())}; "
        f"e-mails {sum(mails.values())}, pushes {sum(pushes.values())} (+{redelivered} sent again after a kill)"
    )
    assert kills >= 1, "the suite must actually kill something"
    assert counts["status"] == Counter({"succeeded": SCANS})
    assert set(counts["runs"].values()) == {AGENT_RUNS_PER_SCAN}, counts["runs"]
    assert set(counts["summaries"].values()) == {1} and len(counts["summaries"]) == SCANS
    assert set(counts["completed_events"].values()) == {1}, "one completion event per scan in the log"
    assert seen == Counter(dict.fromkeys(scan_ids, 1)), "the client saw exactly one completion per scan"
    assert mails == Counter(dict.fromkeys(scan_ids, 1)), "exactly one e-mail per scan"
    # A kill catches at most the sends its process had in flight: one per scan it was running.
    assert redelivered <= kills * MAX_SCANS_PER_PROCESS, f"{redelivered} notifications sent again for {kills} kills"
    assert pushes == Counter(dict.fromkeys(scan_ids, 1)), "exactly one push per scan"


def _env(database_url: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "HOUSESCAN_DATABASE_URL": database_url,
        "HOUSESCAN_AGENTS_PROVIDER": "null",
        "HOUSESCAN_NULL_DELAY_SECONDS": "0.3",
        "HOUSESCAN_JOB_MAX_ATTEMPTS": "12",  # every kill costs the running scans an attempt
        "HOUSESCAN_JOB_BACKOFF_SECONDS": "0.1",
        "HOUSESCAN_SWEEP_INTERVAL_SECONDS": "1",
        # A killed BullMQ worker's job is taken up once its lock (10 s) has run out, at the next check.
        "HOUSESCAN_REDIS_STALLED_CHECK_SECONDS": "1",
        "HOUSESCAN_JWT_SECRET": "crash-suite-secret-" + "x" * 32,
        **(extra or {}),
    }


@pytest.mark.slow
async def test_embedded_serve_killed_at_random_moments(
    tmp_path: Path, pg_database_url: str, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    notified = OutcomeNotifications(mail_catcher, push_service)
    serve = ServeProcess(tmp_path, env=_env(pg_database_url, notified.env()))
    await serve.start()

    async def restart(victim: HousescanProcess) -> None:
        assert isinstance(victim, ServeProcess)
        await victim.start()

    try:
        await _run_and_check(pg_database_url, serve, [serve], restart, "embedded", notified)
    finally:
        await serve.stop()


@pytest.mark.slow
async def test_bullmq_workers_killed_at_random_moments(
    tmp_path: Path, pg_database_url: str, redis_prefix: str, mail_catcher: MailCatcher, push_service: PushService
) -> None:
    from tests.scaleout.conftest import REDIS_URL

    notified = OutcomeNotifications(mail_catcher, push_service)
    env = _env(
        pg_database_url,
        {"HOUSESCAN_REDIS_URL": REDIS_URL, "HOUSESCAN_REDIS_PREFIX": redis_prefix, **notified.env()},
    )
    api = ServeProcess(tmp_path, env=env, name="api")
    await api.start()
    workers = [
        HousescanProcess(f"worker{n}", ["worker", "--concurrency", str(MAX_SCANS_PER_PROCESS)], api.env, tmp_path)
        for n in (1, 2)
    ]
    for worker in workers:
        worker.spawn()

    async def restart(victim: HousescanProcess) -> None:
        victim.spawn()

    try:
        await _run_and_check(pg_database_url, api, workers, restart, "bullmq", notified)
    finally:
        for worker in workers:
            await worker.stop()
        await api.stop()
