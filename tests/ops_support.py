"""Helpers of the reports, admin and operations tests: finished scans, an admin, metric samples."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from housescan.agents.contract import AgentExecution
from housescan.auth import service as auth_service
from housescan.auth.models import Role
from housescan.costs import service as costs_service
from housescan.scans.models import Scan
from tests.conftest import LiveServer
from tests.helpers import auth, photo, upload, wait_for_status

Sample = tuple[str, frozenset[tuple[str, str]]]


async def record_paid_call(
    server: LiveServer, scan_id: str, usd: float, tokens: int = 100, at: datetime | None = None
) -> None:
    """A model call of the scan's that cost `usd`, recorded in the spend ledger as a worker records it."""
    at = at or datetime.now(UTC)
    async with server.runtime.sessionmaker() as session:
        scan = await session.get_one(Scan, uuid.UUID(scan_id))
        call = AgentExecution(
            agent_name="room_type",
            model="gpt-test",
            tokens_in=tokens,
            tokens_out=tokens // 10,
            requests=1,
            cost_usd=usd,
            started_at=at,
            finished_at=at,
        )
        await costs_service.record_spend(db_session=session, user_id=scan.user_id, scan_id=scan.id, executions=[call])
        await session.commit()


async def admin_token(server: LiveServer, client: httpx.AsyncClient) -> str:
    email, password = f"admin-{uuid.uuid4().hex[:8]}@example.com", "admin password 1"
    async with server.runtime.sessionmaker() as session:
        await auth_service.create_user(db_session=session, email=email, password=password, role=Role.admin)
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert login.status_code == 200, login.text
    token: str = login.json()["access_token"]
    return token


async def uploaded_scan(
    client: httpx.AsyncClient,
    token: str,
    rooms: dict[str, list[tuple[int, int, int]]],
    address: str = "12 Report Road",
) -> dict[str, Any]:
    """A draft scan with these labelled rooms, each with photos of these colours."""
    body = {"address": address, "rooms": [{"label": label} for label in rooms]}
    created = await client.post("/api/v1/scans", json=body, headers=auth(token))
    assert created.status_code == 201, created.text
    scan: dict[str, Any] = created.json()
    files = [
        (f"room{ordinal}-{n}.jpg", photo(color), ordinal)
        for ordinal, colors in enumerate(rooms.values())
        for n, color in enumerate(colors)
    ]
    response = await upload(client, token, scan["id"], files)
    assert response.status_code == 200, response.text
    return scan


async def finished_scan(
    client: httpx.AsyncClient, token: str, rooms: dict[str, list[tuple[int, int, int]]]
) -> dict[str, Any]:
    scan = await uploaded_scan(client, token, rooms)
    response = await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
    assert response.status_code == 202, response.text
    detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"})
    assert detail["status"] == "succeeded", detail
    return detail


async def user_id(client: httpx.AsyncClient, token: str) -> uuid.UUID:
    return uuid.UUID((await client.get("/api/v1/auth/me", headers=auth(token))).json()["id"])


async def metric_samples(client: httpx.AsyncClient) -> dict[Sample, float]:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict[Sample, float], name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)
