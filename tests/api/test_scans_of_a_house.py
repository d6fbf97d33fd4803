"""GET /api/v1/scans?house_id=: one house's scans, newest first and paged like the whole list; a malformed id is
refused naming it (422), and another user's house is simply one the person has no scans of."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, register


async def _ids(client: httpx.AsyncClient, token: str, **params: object) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        query = {"limit": 2, **params} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/api/v1/scans", params=query, headers=auth(token))
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


async def test_scans_filtered_by_house(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        first = await create_scan(client, token, rooms=1, address="1 Same Street")
        house_id = first["house_id"]
        other = await create_scan(client, token, rooms=1, address="2 Other Road")
        again = [first["id"]]
        for _ in range(3):
            body = {"house_id": house_id, "rooms": [{"label": "Kitchen"}]}
            response = await client.post("/api/v1/scans", json=body, headers=auth(token))
            assert response.status_code == 201, response.text
            again.append(response.json()["id"])

        assert await _ids(client, token, house_id=house_id) == list(reversed(again)), "newest first, each once"
        assert await _ids(client, token, house_id=other["house_id"]) == [other["id"]]
        everything = await _ids(client, token)
        assert set(everything) == {*again, other["id"]}

        malformed = await client.get("/api/v1/scans", params={"house_id": "not-a-house"}, headers=auth(token))
        assert malformed.status_code == 422 and "house_id" in malformed.text, malformed.text

        stranger = await register(client)
        await create_scan(client, stranger, rooms=1, address="3 Stranger Lane")
        theirs = await client.get("/api/v1/scans", params={"house_id": house_id}, headers=auth(stranger))
        assert theirs.status_code == 200 and theirs.json() == {"items": [], "next_cursor": None}
        assert "Same Street" not in theirs.text
        unknown = await _ids(client, token, house_id=str(uuid.uuid4()))
        assert unknown == []


async def test_each_scan_in_the_list_says_which_scan_of_its_home_it_is(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        first = await create_scan(client, token, rooms=1, address="12 Harbour Street, flat 3")
        other = await create_scan(client, token, rooms=1, address="2 Other Road")
        body = {"house_id": first["house_id"], "rooms": [{"label": "Kitchen"}]}
        again = (await client.post("/api/v1/scans", json=body, headers=auth(token))).json()
        third = (await client.post("/api/v1/scans", json=body, headers=auth(token))).json()

        numbers: dict[str, tuple[int, int]] = {}
        cursor = None
        while True:
            query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/api/v1/scans", params=query, headers=auth(token))).json()
            numbers |= {item["id"]: (item["house_scan_number"], item["house_scans_count"]) for item in page["items"]}
            if (cursor := page["next_cursor"]) is None:
                break

    # Numbered over the whole list, not the page: the first scan is on the last page.
    assert numbers == {first["id"]: (1, 3), again["id"]: (2, 3), third["id"]: (3, 3), other["id"]: (1, 1)}
