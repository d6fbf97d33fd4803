"""One home over time, for the home as a whole: a finding of no room (a loose stair handrail) and the house's own
answers (its type, its checklist) are in the changes too, not only what belongs to a room."""

from __future__ import annotations

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


async def _house_finding(client: httpx.AsyncClient, token: str, scan_id: str, title: str) -> None:
    made = await client.post(
        f"/api/v1/scans/{scan_id}/findings", json={"title": title, "severity": "safety"}, headers=auth(token)
    )
    assert made.status_code == 201, made.text


async def _house_answer(client: httpx.AsyncClient, token: str, scan_id: str, item: str, value: str) -> None:
    put = await client.put(f"/api/v1/scans/{scan_id}/answers/house/{item}", json={"value": value}, headers=auth(token))
    assert put.status_code == 200, put.text


async def test_findings_of_no_room_and_the_house_s_answers_are_in_the_changes(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        earlier = await finished(client, token)
        later = await finished(client, token, address=None, house_id=earlier["house"]["id"])
        await _house_finding(client, token, earlier["id"], "Loose stair handrail")
        await _house_finding(client, token, later["id"], "No smoke alarm on the landing")
        await _house_answer(client, token, earlier["id"], "natural_light", "Good")
        await _house_answer(client, token, later["id"], "natural_light", "Poor")
        await _house_answer(client, token, later["id"], "house_type", "apartment")

        answer = await client.get(
            f"/api/v1/scans/{later['id']}/changes", params={"since": earlier["id"]}, headers=auth(token)
        )
        assert answer.status_code == 200, answer.text
        house = answer.json()["house"]
        assert [f["title"] for f in house["findings_new"]] == ["No smoke alarm on the landing"]
        assert [f["title"] for f in house["findings_resolved"]] == ["Loose stair handrail"]
        changed = {c["item_id"]: (c["before"]["value"], c["after"]["value"]) for c in house["answers_changed"]}
        assert changed["natural_light"] == ("Good", "Poor")
        assert changed["house_type"][1] == "apartment"
        # Still in no room's changes.
        for room in answer.json()["rooms"]:
            assert not {f["title"] for f in room["findings_new"] + room["findings_resolved"]} & {
                "Loose stair handrail",
                "No smoke alarm on the landing",
            }
