"""Load: 50 people at once, each uploading and processing scans for half a minute (HOUSESCAN_LOAD_SECONDS)
against one `housescan serve` process (embedded defaults, the null analyzer so that the service itself is
what is loaded), each person's scans one after the other.

Zero errors, zero lost scans, every completion delivered to the person's socket. Prints its counts.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter

import httpx
import pytest

from tests.helpers import auth, photo, register, unique_email
from tests.realtime_client import EventRecorder
from tests.reliability.processes import ServeProcess

USERS = 50
SECONDS = float(os.environ.get("HOUSESCAN_LOAD_SECONDS", "30"))


async def _person(
    url: str, n: int, ready: asyncio.Barrier, seconds: float, counts: Counter[str], scans: dict[str, str]
) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        token = await register(client, unique_email(f"load-{n}"))
        events = EventRecorder()
        await events.connect(url, token)
        await ready.wait()  # everyone signed up and connected: the load starts now, for all at once
        deadline = time.monotonic() + seconds
        try:
            picture = photo((n * 5 % 256, 90, 160), size=(256, 192))
            while time.monotonic() < deadline:
                created = await client.post("/api/v1/scans", json={"rooms_count": 1}, headers=auth(token))
                counts[f"create {created.status_code}"] += 1
                scan_id = created.json()["id"]
                uploaded = await client.post(
                    f"/api/v1/scans/{scan_id}/images",
                    files=[("images", ("room.jpg", picture + scan_id.encode(), "image/jpeg"))],
                    data={"room_ordinal": ["0"]},
                    headers=auth(token),
                )
                counts[f"upload {uploaded.status_code}"] += 1
                processed = await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
                counts[f"process {processed.status_code}"] += 1
                scans[scan_id] = token
                await events.wait_for("scan:completed", scan_id, timeout=120)
                counts["completed delivered"] += 1
        finally:
            await events.disconnect()


@pytest.mark.slow
async def test_fifty_people_at_once_for_half_a_minute(tmp_path: object) -> None:
    from pathlib import Path

    serve = ServeProcess(
        Path(str(tmp_path)),
        env={
            "HOUSESCAN_AGENTS_PROVIDER": "null",
            "HOUSESCAN_WORKER_CONCURRENCY": "4",
            # Fifty people on one address (loopback): more sign-ups than one address is allowed by default.
            "HOUSESCAN_SIGNUP_LIMIT_PER_ADDRESS": str(USERS + 1),
        },
    )
    await serve.start()
    counts: Counter[str] = Counter()
    scans: dict[str, str] = {}
    try:
        ready = asyncio.Barrier(USERS)
        results = await asyncio.gather(
            *(_person(serve.url, n, ready, SECONDS, counts, scans) for n in range(USERS)), return_exceptions=True
        )
        errors = [repr(result) for result in results if isinstance(result, BaseException)]
        async with httpx.AsyncClient(base_url=serve.url, timeout=60) as client:
            statuses = Counter()
            for scan_id, token in scans.items():
                statuses[(await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))).json()["status"]] += 1
        assert serve.alive(), serve.log_tail()
    finally:
        await serve.stop()
    print(
        f"\nload: {USERS} users, {SECONDS:.0f}s: {dict(counts)}; scans by status {dict(statuses)}; errors {len(errors)}"
    )
    assert errors == [], errors[:3]
    assert set(counts) == {"create 201", "upload 200", "process 202", "completed delivered"}, counts
    assert statuses == Counter({"succeeded": len(scans)}), "no scan lost or stuck"
    assert counts["completed delivered"] == len(scans) >= USERS
