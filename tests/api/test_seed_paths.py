"""The seed's own paths, kept for its clients and runbooks: `GET /api/scans/{id}` and
`GET /api/admin/queue/health` answer exactly as `GET /api/v1/scans/{id}` and `GET /api/v1/admin/queue/health`,
with the same authentication and ownership rules."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx

from housescan.config import Settings
from tests.conftest import start_server
from tests.helpers import auth, create_scan, register, wait_for_status
from tests.ops_support import admin_token, uploaded_scan

SIGNED = re.compile(r"\?expires=\d+&signature=[0-9a-f]{64}$")


def _unsigned(body: Any) -> Any:
    """The answer with the signed part of its image URLs taken off (a signature depends on when it was made)."""
    if isinstance(body, dict):
        return {key: _unsigned(value) for key, value in body.items()}
    if isinstance(body, list):
        return [_unsigned(value) for value in body]
    if isinstance(body, str):
        return SIGNED.sub("?<signed>", body)
    return body


def _image_urls(body: Any) -> list[str]:
    if isinstance(body, dict):
        return [url for value in body.values() for url in _image_urls(value)]
    if isinstance(body, list):
        return [url for value in body for url in _image_urls(value)]
    return [body] if isinstance(body, str) and SIGNED.search(body) else []


async def _both(client: httpx.AsyncClient, v1: str, seed: str, **kwargs: Any) -> tuple[httpx.Response, httpx.Response]:
    return await client.get(v1, **kwargs), await client.get(seed, **kwargs)


def _same_error(v1: httpx.Response, seed: httpx.Response, status: int) -> None:
    assert (v1.status_code, seed.status_code) == (status, status), (v1.text, seed.text)
    assert seed.json() == v1.json()
    assert seed.headers.get("www-authenticate") == v1.headers.get("www-authenticate")


async def test_seed_scan_path_answers_as_the_v1_route(settings: Settings) -> None:
    server = await start_server(settings.model_copy(update={"agents_provider": "null"}))
    try:
        async with server.client() as client:
            owner = await register(client)
            other = await register(client)

            # A draft without photos: nothing signed in it, so the answers are equal byte for byte.
            draft = await create_scan(client, owner, rooms=2, address="3 Seed Lane")
            v1, seed = await _both(
                client, f"/api/v1/scans/{draft['id']}", f"/api/scans/{draft['id']}", headers=auth(owner)
            )
            assert (v1.status_code, seed.status_code) == (200, 200), seed.text
            assert seed.content == v1.content
            assert seed.headers["content-type"] == v1.headers["content-type"] == "application/json"
            assert seed.json()["status"] == "draft" and [room["label"] for room in seed.json()["rooms"]] == [
                "Room 0",
                "Room 1",
            ]

            # A finished scan: house, rooms, photos, summary and agent runs, the same on both paths.
            scan = await uploaded_scan(client, owner, {"Kitchen": [(200, 40, 40), (40, 200, 40)], "Hall": [(9, 9, 9)]})
            assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(owner))).status_code == 202
            await wait_for_status(client, owner, scan["id"], {"succeeded"})
            v1, seed = await _both(
                client, f"/api/v1/scans/{scan['id']}", f"/api/scans/{scan['id']}", headers=auth(owner)
            )
            assert (v1.status_code, seed.status_code) == (200, 200), seed.text
            body = seed.json()
            assert body["status"] == "succeeded" and body["summary"] is not None and body["agent_runs"]
            assert _unsigned(body) == _unsigned(v1.json())
            assert seed.headers.get("etag") == v1.headers.get("etag")
            seed_urls, v1_urls = _image_urls(body), _image_urls(v1.json())
            assert len(seed_urls) == len(v1_urls) >= 3
            for seed_url, v1_url in zip(seed_urls, v1_urls, strict=True):  # the alias' photo links work
                seed_photo, v1_photo = await client.get(seed_url), await client.get(v1_url)
                assert (seed_photo.status_code, v1_photo.status_code) == (200, 200)
                assert seed_photo.content == v1_photo.content

            # The same rules: another user's scan does not exist, nor does an unknown one; a token is needed.
            for scan_id in (scan["id"], draft["id"]):
                _same_error(
                    *await _both(client, f"/api/v1/scans/{scan_id}", f"/api/scans/{scan_id}", headers=auth(other)),
                    404,
                )
                _same_error(*await _both(client, f"/api/v1/scans/{scan_id}", f"/api/scans/{scan_id}"), 401)
            unknown = uuid.uuid4()
            _same_error(
                *await _both(client, f"/api/v1/scans/{unknown}", f"/api/scans/{unknown}", headers=auth(owner)), 404
            )
            bad = await _both(client, "/api/v1/scans/not-an-id", "/api/scans/not-an-id", headers=auth(owner))
            assert (bad[0].status_code, bad[1].status_code) == (422, 422)
            expired = {"Authorization": "Bearer not-a-token"}
            _same_error(
                *await _both(client, f"/api/v1/scans/{scan['id']}", f"/api/scans/{scan['id']}", headers=expired), 401
            )

            # Deleted on the v1 path, gone on the seed's too.
            assert (await client.delete(f"/api/v1/scans/{draft['id']}", headers=auth(owner))).status_code == 204
            _same_error(
                *await _both(client, f"/api/v1/scans/{draft['id']}", f"/api/scans/{draft['id']}", headers=auth(owner)),
                404,
            )
    finally:
        await server.stop()


async def test_seed_queue_health_path_answers_as_the_v1_route(settings: Settings) -> None:
    # No worker: a scan sent for processing stays waiting, so the counts are not all zero.
    server = await start_server(settings.model_copy(update={"run_worker": False}))
    try:
        async with server.client() as client:
            admin = await admin_token(server, client)
            user = await register(client)
            v1_path, seed_path = "/api/v1/admin/queue/health", "/api/admin/queue/health"

            v1, seed = await _both(client, v1_path, seed_path, headers=auth(admin))
            assert (v1.status_code, seed.status_code) == (200, 200), seed.text
            assert seed.json() == v1.json()
            assert seed.json()["backend"] == "in-process" and seed.json()["waiting"] == 0

            scan = await uploaded_scan(client, user, {"Kitchen": [(1, 2, 3)]})
            assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(user))).status_code == 202
            v1, seed = await _both(client, v1_path, seed_path, headers=auth(admin))
            v1_body, seed_body = v1.json(), seed.json()
            assert seed_body["waiting"] == v1_body["waiting"] == 1
            # The oldest job's age is measured at each answer: the later answer is the older.
            assert seed_body.pop("oldest_waiting_seconds") >= v1_body.pop("oldest_waiting_seconds") >= 0
            assert seed_body == v1_body

            _same_error(*await _both(client, v1_path, seed_path, headers=auth(user)), 403)
            _same_error(*await _both(client, v1_path, seed_path), 401)
    finally:
        await server.stop()
