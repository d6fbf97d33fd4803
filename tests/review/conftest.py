"""A live server on the `null` provider (instant, deterministic answers with confidence 1.0) and a finished
scan to review."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from housescan.config import Settings
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, photo, upload, wait_for_status


@pytest.fixture
async def review_server(settings: Settings) -> AsyncIterator[LiveServer]:
    server = await start_server(settings.model_copy(update={"agents_provider": "null"}))
    yield server
    await server.stop()


async def finished(
    client: httpx.AsyncClient, token: str, labels: tuple[str, ...] = ("Kitchen", "Main bedroom"), **create: Any
) -> dict[str, Any]:
    body = {"address": "Flat 3, 9 Review Road", "rooms": [{"label": label} for label in labels], **create}
    created = await client.post("/api/v1/scans", json=body, headers=auth(token))
    assert created.status_code == 201, created.text
    scan: dict[str, Any] = created.json()
    files = [(f"r{n}-{k}.jpg", photo((40 * n + 20, 90, 30 * k + 10)), n) for n in range(len(labels)) for k in range(2)]
    assert (await upload(client, token, scan["id"], files)).status_code == 200
    assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202
    detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"})
    assert detail["status"] == "succeeded", detail
    return detail
