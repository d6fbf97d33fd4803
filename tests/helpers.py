"""Test helpers: accounts, generated photos, waiting on a scan."""

from __future__ import annotations

import asyncio
import io
import uuid
from typing import Any

import httpx
from PIL import Image


def photo(
    color: tuple[int, int, int] = (180, 120, 90), size: tuple[int, int] = (320, 240), fmt: str = "JPEG", **save: Any
) -> bytes:
    """A small generated photo: a gradient with a coloured block, so each colour gives different bytes."""
    image = Image.new("RGB", size, color)
    for x in range(0, size[0], 8):
        for y in range(0, size[1], 8):
            image.putpixel((x, y), ((x * 3) % 256, (y * 5) % 256, (x + y) % 256))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **save)
    return buffer.getvalue()


async def register(client: httpx.AsyncClient, email: str | None = None, password: str = "correct horse battery") -> str:
    """Register and log in; returns the access token."""
    email = email or f"user-{uuid.uuid4().hex[:8]}@example.com"
    response = await client.post("/api/v1/auth/register", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create_scan(
    client: httpx.AsyncClient, token: str, rooms: int = 2, address: str | None = "1 Test Street"
) -> dict[str, Any]:
    body = {"address": address, "rooms": [{"label": f"Room {n}"} for n in range(rooms)]}
    response = await client.post("/api/v1/scans", json=body, headers=auth(token))
    assert response.status_code == 201, response.text
    scan: dict[str, Any] = response.json()
    return scan


async def upload(
    client: httpx.AsyncClient,
    token: str,
    scan_id: str,
    files: list[tuple[str, bytes, int]],
    content_type: str = "image/jpeg",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/scans/{scan_id}/images",
        files=[("images", (name, data, content_type)) for name, data, _ in files],
        data={"room_ordinal": [str(ordinal) for _, _, ordinal in files]},
        headers=auth(token),
    )


async def wait_for_status(
    client: httpx.AsyncClient, token: str, scan_id: str, statuses: set[str], timeout: float = 120
) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in statuses:
            return body
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"scan {scan_id} still {body['status']} after {timeout}s")
        await asyncio.sleep(0.05)
