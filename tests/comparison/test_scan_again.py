"""'Scan this home again': POST /api/v1/scans with `house_id` (the earlier scan's house.id) makes a new scan of
the same house, which changes and compare then read side by side with the earlier one; the house must be the
user's (404 otherwise) and a malformed id or one given with an address is refused naming it (422)."""

from __future__ import annotations

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


async def test_a_home_scanned_again_is_compared_with_its_earlier_scan(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        earlier = await finished(client, token, labels=("Kitchen",))
        house_id = earlier["house"]["id"]

        for body, named in (
            ({"house_id": "not-a-house", "rooms_count": 1}, "house_id"),
            ({"house_id": house_id, "address": "Somewhere else", "rooms_count": 1}, "house_id"),
        ):
            refused = await client.post("/api/v1/scans", json=body, headers=auth(token))
            assert refused.status_code == 422 and named in refused.text, refused.text
        stranger = auth(await register(client))
        theirs = await client.post("/api/v1/scans", json={"house_id": house_id, "rooms_count": 1}, headers=stranger)
        assert theirs.status_code == 404 and "Review Road" not in theirs.text

        later = await finished(client, token, labels=("Kitchen",), address=None, house_id=house_id)
        assert later["house"]["id"] == house_id and later["house"]["address"] == earlier["house"]["address"]

        changes = await client.get(
            f"/api/v1/scans/{later['id']}/changes", params={"since": earlier["id"]}, headers=auth(token)
        )
        assert changes.status_code == 200, changes.text
        (kitchen,) = changes.json()["rooms"]
        assert kitchen["earlier_room_id"] == earlier["rooms"][0]["id"] and kitchen["paired_by"] == "label"

        ids = f"{earlier['id']},{later['id']}"
        compared = await client.get("/api/v1/compare", params={"scan_ids": ids}, headers=auth(token))
        assert compared.status_code == 200, compared.text
        scans = compared.json()["scans"]
        assert [scan["scan_id"] for scan in scans] == [earlier["id"], later["id"]]
        assert {scan["address"] for scan in scans} == {earlier["house"]["address"]}
        assert (await client.get("/api/v1/compare", params={"scan_ids": ids}, headers=stranger)).status_code == 404
