"""The report's "updated" is the person's last change to it: findings added, changed and deleted and rooms
renamed move it, in the report and in the scans list alike."""

from __future__ import annotations

from datetime import datetime

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


async def _updated(client: httpx.AsyncClient, token: str, scan_id: str) -> datetime:
    report = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth(token))
    assert report.status_code == 200, report.text
    listed = await client.get("/api/v1/scans", headers=auth(token))
    assert listed.status_code == 200, listed.text
    (item,) = [item for item in listed.json()["items"] if item["id"] == scan_id]
    assert item["updated_at"] == report.json()["updated_at"]
    return datetime.fromisoformat(report.json()["updated_at"])


async def test_updated_follows_findings_added_changed_and_deleted_and_a_room_renamed(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id, kitchen = detail["id"], detail["rooms"][0]
        analysed = await _updated(client, token, scan_id)

        created = await client.post(
            f"/api/v1/scans/{scan_id}/findings", json={"title": "Leak", "severity": "major"}, headers=auth(token)
        )
        assert created.status_code == 201, created.text
        finding = created.json()
        after_add = await _updated(client, token, scan_id)
        assert after_add > analysed and after_add >= datetime.fromisoformat(finding["updated_at"])

        patched = await client.patch(
            f"/api/v1/scans/{scan_id}/findings/{finding['id']}", json={"severity": "safety"}, headers=auth(token)
        )
        assert patched.status_code == 200, patched.text
        after_edit = await _updated(client, token, scan_id)
        assert after_edit > after_add

        deleted = await client.delete(f"/api/v1/scans/{scan_id}/findings/{finding['id']}", headers=auth(token))
        assert deleted.status_code == 204, deleted.text
        after_delete = await _updated(client, token, scan_id)
        assert after_delete > after_edit  # nothing left of the finding, yet the report changed

        renamed = await client.patch(
            f"/api/v1/scans/{scan_id}/rooms/{kitchen['id']}", json={"label": "Galley kitchen"}, headers=auth(token)
        )
        assert renamed.status_code == 200, renamed.text
        assert await _updated(client, token, scan_id) > after_delete
