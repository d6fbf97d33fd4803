"""One home over time: rooms paired by label (then type, then ordinal, or as the person says), and per room
the findings new and resolved, the answers changed and the photos then and now."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


async def _finding(client: httpx.AsyncClient, token: str, scan_id: str, room_id: str, title: str) -> str:
    made = await client.post(
        f"/api/v1/scans/{scan_id}/findings",
        json={"title": title, "severity": "maintenance", "room_id": room_id},
        headers=auth(token),
    )
    assert made.status_code == 201, made.text
    finding_id: str = made.json()["id"]
    return finding_id


async def _walls(client: httpx.AsyncClient, token: str, scan_id: str, room_id: str, value: str) -> None:
    put = await client.put(
        f"/api/v1/scans/{scan_id}/answers/{room_id}/walls_condition", json={"value": value}, headers=auth(token)
    )
    assert put.status_code == 200, put.text


def _by_label(rooms: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {room["label"]: room for room in rooms}


async def test_changes_pair_rooms_and_name_what_changed(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        earlier = await finished(client, token)
        kitchen_then, bedroom_then = earlier["rooms"]
        later = await finished(
            client, token, labels=("Main bedroom", "Kitchen", "Study"), address=None, house_id=earlier["house"]["id"]
        )
        bedroom_now, kitchen_now, study_now = later["rooms"]
        await _finding(client, token, earlier["id"], kitchen_then["id"], "Leaking tap")
        await _finding(client, token, later["id"], kitchen_now["id"], "Cracked tile")
        await _walls(client, token, earlier["id"], kitchen_then["id"], "Good")
        await _walls(client, token, later["id"], kitchen_now["id"], "Poor")

        answer = await client.get(
            f"/api/v1/scans/{later['id']}/changes", params={"since": earlier["id"]}, headers=auth(token)
        )
        assert answer.status_code == 200, answer.text
        rooms = _by_label(answer.json()["rooms"])
        assert rooms["Kitchen"]["earlier_room_id"] == kitchen_then["id"] and rooms["Kitchen"]["paired_by"] == "label"
        assert rooms["Main bedroom"]["earlier_room_id"] == bedroom_then["id"]
        assert rooms["Study"]["earlier_room_id"] is None and rooms["Study"]["photos"]["before"] == []
        assert (rooms["Kitchen"]["earlier_label"], rooms["Study"]["earlier_label"]) == ("Kitchen", None)
        assert answer.json()["earlier_rooms"] == [
            {"id": kitchen_then["id"], "name": "Kitchen"},
            {"id": bedroom_then["id"], "name": "Main bedroom"},
        ]
        assert answer.json()["address"] == "Flat 3, 9 Review Road"
        kitchen = rooms["Kitchen"]
        assert [f["title"] for f in kitchen["findings_new"]] == ["Cracked tile"]
        assert [f["title"] for f in kitchen["findings_resolved"]] == ["Leaking tap"]
        walls = [change for change in kitchen["answers_changed"] if change["item_id"] == "walls_condition"]
        assert [(w["before"]["value"], w["after"]["value"], w["after"]["source"]) for w in walls] == [
            ("Good", "Poor", "person")
        ]
        assert {p["id"] for p in kitchen["photos"]["before"]} == {i["id"] for i in kitchen_then["images"]}
        assert {p["id"] for p in kitchen["photos"]["now"]} == {i["id"] for i in kitchen_now["images"]}

        # The person re-pairs: the study was the old bedroom, and this bedroom is new.
        pairs = {
            "pairs": [
                {"room_id": study_now["id"], "earlier_room_id": bedroom_then["id"]},
                {"room_id": bedroom_now["id"], "earlier_room_id": None},
            ]
        }
        put = await client.put(f"/api/v1/scans/{later['id']}/changes/pairs", json=pairs, headers=auth(token))
        assert put.status_code == 200, put.text
        again = await client.get(
            f"/api/v1/scans/{later['id']}/changes", params={"since": earlier["id"]}, headers=auth(token)
        )
        rooms = _by_label(again.json()["rooms"])
        assert (rooms["Study"]["earlier_room_id"], rooms["Study"]["paired_by"]) == (bedroom_then["id"], "person")
        assert rooms["Study"]["earlier_label"] == bedroom_then["label"]
        assert rooms["Main bedroom"]["earlier_room_id"] is None
        assert rooms["Kitchen"]["earlier_room_id"] == kitchen_then["id"]


async def test_changes_refuse_another_house_and_other_users(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token)
        elsewhere = await finished(client, token, labels=("Hall",), address="9 Elsewhere Road")
        other_house = await client.get(
            f"/api/v1/scans/{scan['id']}/changes", params={"since": elsewhere["id"]}, headers=auth(token)
        )
        assert other_house.status_code == 422 and "since" in other_house.text
        bad_pair = await client.put(
            f"/api/v1/scans/{scan['id']}/changes/pairs",
            json={"pairs": [{"room_id": scan["rooms"][0]["id"], "earlier_room_id": elsewhere["rooms"][0]["id"]}]},
            headers=auth(token),
        )
        assert bad_pair.status_code == 422 and elsewhere["rooms"][0]["id"] in bad_pair.text

        stranger = auth(await register(client))
        theirs = await client.get(
            f"/api/v1/scans/{scan['id']}/changes", params={"since": elsewhere["id"]}, headers=stranger
        )
        assert theirs.status_code == 404
        pairs = await client.put(f"/api/v1/scans/{scan['id']}/changes/pairs", json={"pairs": []}, headers=stranger)
        assert pairs.status_code == 404
        missing = await client.get(
            f"/api/v1/scans/{scan['id']}/changes",
            params={"since": "00000000-0000-0000-0000-000000000000"},
            headers=auth(token),
        )
        assert missing.status_code == 404
