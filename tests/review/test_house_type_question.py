"""House type without an exterior (issue 25 part 5): the capture flow asks the person on a draft scan whose
rooms show no outside. What it reads (the rooms' types in the draft's report, from their names in any of the
languages) and what it writes (the person's house type, before any analysis) are the review API's."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, photo, register, upload, wait_for_status


async def _draft(client: httpx.AsyncClient, token: str, labels: tuple[str, ...]) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/scans",
        json={"address": "2 Canal Row", "rooms": [{"label": label} for label in labels]},
        headers=auth(token),
    )
    assert created.status_code == 201, created.text
    scan: dict[str, Any] = created.json()
    return scan


async def _report(client: httpx.AsyncClient, token: str, scan_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_drafts_rooms_say_whether_one_shows_the_outside(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        inside = await _draft(client, token, ("Keuken", "Slaapkamer", "Granny flat"))
        types = [room["room_type"] for room in (await _report(client, token, inside["id"]))["rooms"]]
        assert [t["value"] for t in types] == ["kitchen", "bedroom", None]
        assert "exterior" not in [t["value"] for t in types]
        with_garden = await _draft(client, token, ("Cuisine", "Jardin"))
        garden = (await _report(client, token, with_garden["id"]))["rooms"][1]["room_type"]
        assert garden["value"] == "exterior" and garden["source"] == "person"


async def test_the_house_type_answered_while_capturing_is_the_persons_and_outlives_the_analysis(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await _draft(client, token, ("Kitchen", "Bedroom"))
        scan_id = scan["id"]
        draft = await _report(client, token, scan_id)
        assert draft["house"]["house_type"]["value"] is None  # nobody answered: not determined

        answered = await client.put(
            f"/api/v1/scans/{scan_id}/answers/house/house_type", json={"value": "townhouse"}, headers=auth(token)
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["value"] == "townhouse" and answered.json()["source"] == "person"

        files = [(f"r{n}.jpg", photo((60 * n + 30, 90, 40)), n) for n in range(2)]
        assert (await upload(client, token, scan_id, files)).status_code == 200
        assert (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))).status_code == 202
        detail = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
        assert detail["status"] == "succeeded", detail
        model_type = detail["detected_house_types"][0]

        house_type = (await _report(client, token, scan_id))["house"]["house_type"]
        assert house_type["value"] == "townhouse" and house_type["source"] == "person"
        assert house_type["model_value"] == model_type
        assert detail["house"]["house_type"] == "townhouse"
