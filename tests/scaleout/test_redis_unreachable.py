"""Scaled out with a Redis that does not answer (nothing listens on its port): every request answers
promptly, and a worker refuses to start."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from housescan.config import Settings
from tests.conftest import start_server
from tests.helpers import auth, create_scan, free_port, register, room_photo, upload
from tests.scaleout.conftest import REDIS_URL

# Only a guard against a hang: each request below answers in seconds.
_GUARD_SECONDS = 60


def _unreachable_redis_url(password: str | None = None) -> str:
    credentials = f":{password}@" if password else ""
    return f"redis://{credentials}127.0.0.1:{free_port()}/0"


@pytest.fixture
def shared(settings: Settings, monkeypatch: pytest.MonkeyPatch, redis_prefix: str) -> Settings:
    monkeypatch.setenv("HOUSESCAN_REDIS_PREFIX", redis_prefix)
    return settings.model_copy(update={"redis_url": REDIS_URL, "run_worker": False})


async def test_sign_in_and_sign_up_answer_503_json_when_redis_does_not(shared: Settings) -> None:
    server = await start_server(shared.model_copy(update={"redis_url": _unreachable_redis_url()}))
    try:
        async with server.client() as client:
            credentials = {"email": "someone@example.com", "password": "a good long password"}
            for path in ("/api/v1/auth/login", "/api/v1/auth/register"):
                response = await asyncio.wait_for(client.post(path, json=credentials), _GUARD_SECONDS)
                assert response.status_code == 503, response.text
                assert response.json()["error"] == "sign_in_unavailable"
                assert "try again" in response.json()["detail"]
                assert response.headers["Retry-After"] == "5"
    finally:
        await server.stop()


async def test_process_answers_promptly_and_keeps_the_scan_queued_when_redis_does_not(shared: Settings) -> None:
    server = await start_server(shared)
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            assert (await upload(client, token, scan["id"], [("a.jpg", room_photo(1), 0)])).status_code == 200
    finally:
        await server.stop()

    server = await start_server(shared.model_copy(update={"redis_url": _unreachable_redis_url()}))
    try:
        async with server.client(token) as client:
            response = await asyncio.wait_for(client.post(f"/api/v1/scans/{scan['id']}/process"), _GUARD_SECONDS)
            # The queued scan is in the database: the workers' sweep queues it once Redis answers again.
            assert response.status_code == 202, response.text
            assert (await client.get(f"/api/v1/scans/{scan['id']}", headers=auth(token))).json()["status"] == "queued"
    finally:
        await server.stop()


async def test_worker_exits_with_one_error_naming_redis_when_it_does_not_answer(
    settings: Settings, tmp_path: Path
) -> None:
    url = _unreachable_redis_url(password="hunter2-secret")
    env = {
        **os.environ,
        "HOUSESCAN_DATA_DIR": str(tmp_path / "data"),
        "HOUSESCAN_DATABASE_URL": settings.database_url,
        "HOUSESCAN_REDIS_URL": url,
    }
    worker = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "housescan"),
        "worker",
        "--log-format",
        "json",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output = (await asyncio.wait_for(worker.communicate(), _GUARD_SECONDS))[0].decode()
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    assert worker.returncode == 1, output
    assert "worker started" not in output
    assert "hunter2-secret" not in output
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    errors = [record["event"] for record in records if record["level"] in ("error", "critical")]
    assert len(errors) == 1, output
    assert f"127.0.0.1:{url.rsplit(':', 1)[1].split('/')[0]}" in errors[0]
    assert "did not answer" in errors[0]
    assert all(line.startswith("{") for line in output.splitlines() if line), output  # no traceback
