"""The standalone agents service, the worker's remote client, and the folder CLI."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import uvicorn
from pydantic import SecretStr
from tests.conftest import free_port, start_server
from tests.helpers import auth, create_scan, photo, register, upload
from tests.realtime_client import EventRecorder
from typer.testing import CliRunner

from housescan.agents.server import create_agents_app
from housescan.cli import app as cli
from housescan.config import Settings


@contextlib.asynccontextmanager
async def serving(app: object) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_worker_uses_the_agents_service_when_configured(settings: Settings) -> None:
    agents_settings = settings.model_copy(update={"agents_token": SecretStr("s3cret-token")})
    async with serving(create_agents_app(agents_settings)) as agents_url:
        async with httpx.AsyncClient(base_url=agents_url) as client:
            health = (await client.get("/v1/scan/health")).json()
            assert health["status"] == "ok" and health["pipeline_version"] == "2.0.0"
        api = await start_server(
            settings.model_copy(update={"agents_url": agents_url, "agents_token": SecretStr("s3cret-token")})
        )
        recorder = EventRecorder()
        try:
            async with api.client() as client:
                token = await register(client)
                await recorder.connect(api.url, token)
                scan = await create_scan(client, token, rooms=2)
                files = [("a.jpg", photo((200, 10, 10)), 0), ("b.jpg", photo((10, 200, 10)), 1)]
                assert (await upload(client, token, scan["id"], files)).status_code == 200
                await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
                await recorder.wait_for("scan:completed", scan["id"], timeout=120)
                detail = (await client.get(f"/api/v1/scans/{scan['id']}", headers=auth(token))).json()
                assert detail["status"] == "succeeded"
                assert len(detail["agent_runs"]) == 9
                progress = [p for name, p in recorder.events if name == "scan:progress"]
                assert len(progress) >= 4, "progress streams through from the remote service"
        finally:
            await recorder.disconnect()
            await api.stop()


async def test_agents_service_refuses_unsafe_image_urls_and_missing_token(settings: Settings) -> None:
    agents_settings = settings.model_copy(update={"agents_token": SecretStr("s3cret-token")})
    async with serving(create_agents_app(agents_settings)) as agents_url:
        async with httpx.AsyncClient(base_url=agents_url, headers={"Authorization": "Bearer s3cret-token"}) as client:
            for url, reason in [
                ("http://169.254.169.254/latest/meta-data/iam", "not allowed"),
                ("http://localhost:5432/", "not allowed"),
                ("file:///etc/passwd", "outside the allowed folders"),
                ("gopher://example.com/x", "unsupported"),
            ]:
                response = await client.post("/v1/scan/run", json={"rooms": [{"room_id": "r", "image_urls": [url]}]})
                assert response.status_code == 422, url
                detail = response.json()["detail"]
                assert reason in str(detail), (url, detail)
            extra = await client.post(
                "/v1/scan/run", json={"rooms": [{"room_id": "r", "image_urls": ["x"]}], "surprise": 1}
            )
            assert extra.status_code == 422, "unknown fields are rejected"
        async with httpx.AsyncClient(base_url=agents_url) as anonymous:
            response = await anonymous.post("/v1/scan/run", json={"rooms": [{"room_id": "r", "image_urls": ["x"]}]})
            assert response.status_code == 401


async def test_agents_service_fetches_only_from_allowed_hosts_within_limits(settings: Settings, tmp_path: Path) -> None:
    from fastapi import FastAPI
    from fastapi.responses import Response

    images = FastAPI()
    good, huge = photo((1, 100, 200)), b"\xff" * 3_000_000

    @images.get("/good.jpg")
    async def good_image() -> Response:
        return Response(good, media_type="image/jpeg")

    @images.get("/huge.jpg")
    async def huge_image() -> Response:
        return Response(huge, media_type="image/jpeg")

    async with serving(images) as image_host:
        agents_settings = settings.model_copy(
            update={"agents_allowed_image_hosts": ["127.0.0.1"], "max_image_bytes": 2_000_000}
        )
        async with (
            serving(create_agents_app(agents_settings)) as agents_url,
            httpx.AsyncClient(base_url=agents_url, timeout=120) as client,
        ):
            ok = await client.post(
                "/v1/scan/run", json={"rooms": [{"room_id": "r1", "image_urls": [f"{image_host}/good.jpg"]}]}
            )
            assert ok.status_code == 200, ok.text
            body = ok.json()
            assert body["metadata"]["pipeline_version"] == "2.0.0"
            assert [room["room_id"] for room in body["result"]["rooms"]] == ["r1"]
            assert len(body["agent_executions"]) == 6
            too_big = await client.post(
                "/v1/scan/run", json={"rooms": [{"room_id": "r1", "image_urls": [f"{image_host}/huge.jpg"]}]}
            )
            assert too_big.status_code == 422 and "larger than the limit" in str(too_big.json()["detail"])


def test_scan_command_reads_a_folder_of_rooms(tmp_path: Path) -> None:
    home = tmp_path / "flat"
    for room, colors in {"kitchen": [(200, 200, 200), (50, 50, 50)], "bedroom": [(120, 60, 60)]}.items():
        (home / room).mkdir(parents=True)
        for n, color in enumerate(colors):
            (home / room / f"{n}.jpg").write_bytes(photo(color))
    (home / "loose.png").write_bytes(photo((9, 9, 99), fmt="PNG"))
    (home / "notes.txt").write_text("not a photo")
    result = CliRunner().invoke(cli, ["scan", str(home), "--json"])
    assert result.exit_code == 0, result.output
    response = json.loads(result.stdout)
    assert [room["room_id"] for room in response["result"]["rooms"]] == ["bedroom", "kitchen", "flat"]
    assert response["metadata"]["total_images"] == 4

    table = CliRunner().invoke(cli, ["scan", str(home)])
    assert table.exit_code == 0 and "House type" in table.stdout and "kitchen" in table.stdout

    # A photo that is a link to a file kept elsewhere is read like the others, not a failed room.
    elsewhere = tmp_path / "camera-roll"
    elsewhere.mkdir()
    (elsewhere / "IMG_0001.jpg").write_bytes(photo((90, 140, 90)))
    (home / "kitchen" / "linked.jpg").symlink_to(elsewhere / "IMG_0001.jpg")
    linked = CliRunner().invoke(cli, ["scan", str(home), "--json"])
    assert linked.exit_code == 0, linked.output
    kitchen = next(r for r in json.loads(linked.stdout)["result"]["rooms"] if r["room_id"] == "kitchen")
    assert kitchen["status"] == "succeeded" and json.loads(linked.stdout)["metadata"]["total_images"] == 5
    (home / "kitchen" / "linked.jpg").unlink()

    # A file named like a photo that is none is skipped and named; the room's real photos are analysed.
    (home / "kitchen" / "broken.jpg").write_text("not a photo")
    skipped = CliRunner().invoke(cli, ["scan", str(home), "--json"])
    assert skipped.exit_code == 0, skipped.output
    assert f"skipped {(home / 'kitchen' / 'broken.jpg').resolve()}: not a photo that can be decoded" in skipped.stderr
    kitchen = next(r for r in json.loads(skipped.stdout)["result"]["rooms"] if r["room_id"] == "kitchen")
    assert kitchen["status"] == "succeeded"
    assert json.loads(skipped.stdout)["metadata"]["total_images"] == 4
    (home / "only-broken").mkdir()
    (home / "only-broken" / "x.png").write_bytes(b"\x89PNG broken")
    assert "x.png: not a photo" in CliRunner().invoke(cli, ["scan", str(home), "--json"]).stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    failed = CliRunner().invoke(cli, ["scan", str(empty)])
    assert failed.exit_code == 2 and "no photos" in failed.output
