"""What to photograph (issue 25 part 4): an analysed room whose photos did not show what its checklist asks
(the sink of a kitchen) gets a hint naming it, in the report's limitations and on the room; a person's answer
takes the item out; a room whose photos showed it all gets none; capture's list comes with each room."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from housescan.checklists.base import PRODUCT_ITEMS, ROOM_ITEMS
from housescan.review.photo_subjects import subjects_of
from housescan.review.schemas import Answer
from housescan.scans.models import HouseScanSummary
from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished

SEEN = {"exists": True, "condition": "N/A", "subitems": {}, "confidence": 1.0}
NOT_SEEN = {"exists": None, "condition": "N/A", "subitems": {}, "confidence": None}


async def _analysed_as(server: LiveServer, scan_id: str, rooms: dict[str, dict[str, Any]]) -> None:
    """The saved analysis of each named room replaced: its products seen or not, its checklist items left
    unassessed, as a model that judged the rest of the room would save them."""
    async with server.runtime.sessionmaker() as session:
        summary = await session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == uuid.UUID(scan_id)))
        assert summary is not None
        saved = copy.deepcopy(summary.summary_json)
        for room in saved["result"]["rooms"]:
            wanted = rooms.get(room["room_id"])
            if wanted is None:
                continue
            products = room["products"]
            for product, seen in wanted["products"].items():
                products["conditionals"][product] = SEEN if seen else NOT_SEEN
                if not seen:
                    products["unassessed"] = [*products.get("unassessed", []), product]
            issues = room["issues"]
            for item in wanted.get("unassessed_items", []):
                issues["categoricals"][item] = "N/A"
                issues["unassessed"] = [*issues.get("unassessed", []), item]
        summary.summary_json = saved
        await session.commit()


async def _report(client: httpx.AsyncClient, token: str, scan_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _keys(hint: dict[str, Any] | None) -> list[str]:
    return [item["key"] for item in hint["items"]] if hint else []


async def test_a_kitchen_whose_photos_show_no_sink_is_told_to_photograph_it(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token, labels=("Kitchen", "Bathroom"))
        kitchen, bathroom = (room["id"] for room in sorted(scan["rooms"], key=lambda room: room["ordinal"]))
        everything = {"sink": True, "oven": True, "refrigerator": True, "toilet": True, "shower": True}
        await _analysed_as(
            review_server,
            scan["id"],
            {
                kitchen: {"products": {"sink": False, "oven": True, "refrigerator": True}},
                bathroom: {"products": everything},
            },
        )
        report = await _report(client, token, scan["id"])
        rooms = {room["id"]: room for room in report["rooms"]}
        hints = report["limitations"]["what_to_photograph"]
        assert [hint["room_id"] for hint in hints] == [kitchen]
        assert _keys(hints[0]) == ["sink"] and hints[0]["items"][0]["item_ids"] == ["products.sink"]
        assert hints[0]["room_name"] == "Kitchen"
        assert hints[0]["sentence"] == (
            "Kitchen: the sink was not seen in its photos. If the room has it, photograph it so it can be checked."
        )
        assert rooms[kitchen]["what_to_photograph"] == hints[0]
        # A shared link's reader reads what was not checked, not what to photograph.
        share = await client.post(f"/api/v1/scans/{scan['id']}/shares", json={}, headers=auth(token))
        assert share.status_code == 201, share.text
        shared = await client.get(f"/api/v1/shared/{share.json()['token']}")
        assert [hint["sentence"] for hint in shared.json()["report"]["limitations"]["what_to_photograph"]] == [
            "Kitchen: the sink was not seen in its photos, so it was not checked."
        ]
        assert rooms[bathroom]["what_to_photograph"] is None  # its photos showed all it asks
        # capture's list for each room, in the checklist's words
        assert [s["key"] for s in rooms[kitchen]["photo_subjects"]][:3] == ["sink", "hob", "fridge"]
        assert {"basin", "toilet", "shower_or_bath"} <= {s["key"] for s in rooms[bathroom]["photo_subjects"]}

        # The person says there is a sink: the hint goes, though the model still has not seen one.
        put = await client.put(
            f"/api/v1/scans/{scan['id']}/answers/{kitchen}/products.sink", json={"value": True}, headers=auth(token)
        )
        assert put.status_code == 200, put.text
        report = await _report(client, token, scan["id"])
        assert report["limitations"]["what_to_photograph"] == []
        assert all(room["what_to_photograph"] is None for room in report["rooms"])

        # Another user sees neither the report nor its hints.
        stranger = await register(client)
        response = await client.get(f"/api/v1/scans/{scan['id']}/report", headers=auth(stranger))
        assert response.status_code == 404
        assert "sink" not in response.text


async def test_a_condition_the_model_could_not_see_is_hinted_until_the_person_answers(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token, labels=("Kitchen",))
        (kitchen,) = (room["id"] for room in scan["rooms"])
        await _analysed_as(
            review_server,
            scan["id"],
            {
                kitchen: {
                    "products": {"sink": False, "oven": False, "refrigerator": True},
                    "unassessed_items": ["worktop_condition"],
                }
            },
        )
        hint = (await _report(client, token, scan["id"]))["limitations"]["what_to_photograph"][0]
        assert _keys(hint) == ["sink", "hob", "worktop"]
        assert hint["sentence"].startswith(
            "Kitchen: the sink, the hob or oven and the worktop were not seen in its photos. If the room has them,"
            " photograph them so they can be checked."
        )

        for item_id, value in (("worktop_condition", "Good"), ("products.oven", "not_visible")):
            put = await client.put(
                f"/api/v1/scans/{scan['id']}/answers/{kitchen}/{item_id}", json={"value": value}, headers=auth(token)
            )
            assert put.status_code == 200, put.text
        hint = (await _report(client, token, scan["id"]))["limitations"]["what_to_photograph"][0]
        assert _keys(hint) == ["sink"]


def test_what_each_type_of_room_is_asked_to_show() -> None:
    def keys(room_type: str | None) -> list[str]:
        asked = [item.id for item in ROOM_ITEMS if not item.applies_to or room_type in item.applies_to]
        shown = [item.id for item in PRODUCT_ITEMS if room_type in item.applies_to]
        checklist = {item_id: Answer(value=None, source="model") for item_id in asked}
        products = {item_id: Answer(value=None, source="model") for item_id in shown}
        return [subject.key for subject in subjects_of(room_type, checklist, products)]

    every_room = ["walls", "floor", "ceiling", "windows"]
    assert keys("kitchen") == ["sink", "hob", "fridge", "worktop", "ventilation", "storage", *every_room]
    assert keys("bathroom") == ["basin", "toilet", "shower_or_bath", "sealant", "ventilation", *every_room]
    assert keys(None) == keys("other") == every_room  # a room of unknown type: what every room shows
    assert keys("exterior") == []
