"""A repair list changed after a reader opened it becomes the next version with its own link: that link works as
long as the one it follows (until the date the person was shown), and after an expired link a fresh full term,
not a day."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from housescan.db.base import utcnow
from housescan.repairs.models import RepairList
from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _opened_list(client: httpx.AsyncClient, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A scan and a repair list of one of its findings whose link a reader has opened."""
    scan = await finished(client, token)
    finding = await client.post(
        f"/api/v1/scans/{scan['id']}/findings",
        json={"title": "Loose handrail", "severity": "safety"},
        headers=auth(token),
    )
    assert finding.status_code == 201, finding.text
    body = {"items": [{"finding_id": finding.json()["id"], "ask": "repair"}], "expires_in_days": 30}
    created = await client.post(f"/api/v1/scans/{scan['id']}/repair-lists", json=body, headers=auth(token))
    assert created.status_code == 201, created.text
    made: dict[str, Any] = created.json()
    assert (await client.get(f"/api/v1/shared/repair-lists/{made['share']['token']}")).status_code == 200
    return scan, made


async def _next_version(client: httpx.AsyncClient, token: str, scan: dict[str, Any], made: dict[str, Any]) -> Any:
    changed = await client.patch(
        f"/api/v1/scans/{scan['id']}/repair-lists/{made['id']}", json={"note": "Changed"}, headers=auth(token)
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["version"] == made["version"] + 1 and changed.json()["share"]["token"]
    return changed.json()


async def test_a_new_version_s_link_ends_when_the_opened_one_does(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan, made = await _opened_list(client, token)
        second = await _next_version(client, token, scan, made)
        # It was 29 days (the whole days left, rounded down): a day lost at each new version.
        assert _when(second["share"]["expires_at"]) == _when(made["share"]["expires_at"])
        assert (await client.get(second["share"]["url"])).status_code == 200  # opened: a change is version 3
        third = await _next_version(client, token, scan, second)
        assert _when(third["share"]["expires_at"]) == _when(made["share"]["expires_at"])


async def test_after_an_expired_link_the_new_version_s_link_works_a_full_term(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan, made = await _opened_list(client, token)
        async with review_server.runtime.sessionmaker() as session:
            await session.execute(
                update(RepairList)
                .where(RepairList.series_id == uuid.UUID(made["id"]))
                .values(expires_at=utcnow() - timedelta(hours=1))
            )
            await session.commit()
        before = utcnow()
        second = await _next_version(client, token, scan, made)
        # It was one day (the days left were negative).
        assert _when(second["share"]["expires_at"]) >= before + timedelta(days=30)
        assert (await client.get(second["share"]["url"])).status_code == 200
