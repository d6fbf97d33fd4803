"""A new link for a repair list (POST .../repair-lists/{id}/share): the list's latest version is readable
again under a new token shown once, with a share's expiry rules; revoked and replaced tokens stay dead;
only the owner can ask (404 otherwise)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.repairs.test_repair_lists import _finding, _lists_url
from tests.review.conftest import finished


def _at(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_a_revoked_list_gets_a_new_link(review_server: LiveServer) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        leak = await _finding(client, token, scan, title="Leaking trap", severity="major")
        body = {"items": [{"finding_id": leak["id"], "ask": "repair"}]}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        list_url = _lists_url(scan["id"], made["id"])
        first = made["share"]["token"]
        assert (await reader.get(f"/api/v1/shared/repair-lists/{first}")).status_code == 200  # opened: v1 frozen
        second = (await client.patch(list_url, json={"note": "v2"}, headers=auth(token))).json()
        assert second["version"] == 2
        assert (await client.delete(f"{list_url}/share", headers=auth(token))).status_code == 204

        before = datetime.now(UTC)
        issued = await client.post(f"{list_url}/share", headers=auth(token))
        after = datetime.now(UTC)
        assert issued.status_code == 201, issued.text
        link = issued.json()
        assert link["token"] not in (first, second["share"]["token"])
        assert link["url"].endswith(f"/api/v1/shared/repair-lists/{link['token']}") and link["state"] == "active"
        assert before + timedelta(days=30) <= _at(link["expires_at"]) <= after + timedelta(days=30)

        shown = await reader.get(f"/api/v1/shared/repair-lists/{link['token']}")
        assert shown.status_code == 200 and shown.json()["version"] == 2 and shown.json()["note"] == "v2"
        for dead in (first, second["share"]["token"]):
            assert (await reader.get(f"/api/v1/shared/repair-lists/{dead}")).status_code == 404
        owner_view = (await client.get(list_url, headers=auth(token))).json()["share"]
        assert owner_view["state"] == "active" and owner_view["token"] is None

        # Another link replaces this one: the version keeps one working link, with the days asked for.
        again = await client.post(f"{list_url}/share", json={"expires_in_days": 7}, headers=auth(token))
        assert again.status_code == 201, again.text
        assert _at(again.json()["expires_at"]) <= datetime.now(UTC) + timedelta(days=7)
        assert (await reader.get(f"/api/v1/shared/repair-lists/{link['token']}")).status_code == 404
        assert (await reader.get(f"/api/v1/shared/repair-lists/{again.json()['token']}")).status_code == 200

        for days in (0, 366):
            refused = await client.post(f"{list_url}/share", json={"expires_in_days": days}, headers=auth(token))
            assert refused.status_code == 422 and "expires_in_days" in refused.text, refused.text

        stranger = auth(await register(client))
        theirs = await client.post(f"{list_url}/share", headers=stranger)
        assert theirs.status_code == 404 and "token" not in theirs.json()
        unknown = await client.post(f"{_lists_url(scan['id'], str(uuid.uuid4()))}/share", headers=auth(token))
        assert unknown.status_code == 404
        assert (await reader.get(f"/api/v1/shared/repair-lists/{again.json()['token']}")).status_code == 200
