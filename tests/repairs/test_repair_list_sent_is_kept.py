"""What a reader was sent stays what it was: once a version's link is opened, a later edit of a listed finding (its
title, its costs) or of the account's currency does not change that version for its reader (page, CSV) nor in the
owner's list of it; the next version is made of the findings as they are now."""

from __future__ import annotations

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.repairs.test_repair_lists import _finding, _lists_url, _table
from tests.review.conftest import finished


async def test_an_opened_version_keeps_the_findings_and_currency_it_was_sent_with(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        prefs = {"currency": "EUR", "time_zone": "UTC"}
        assert (await client.put("/api/v1/me/preferences", json=prefs, headers=auth(token))).is_success
        scan = await finished(client, token)
        damp = await _finding(client, token, scan, title="Damp patch", severity="major", cost_low=800, cost_high=1500)
        body = {"items": [{"finding_id": damp["id"], "ask": "credit", "amount": 1000}], "show_estimates": True}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        shared = f"/api/v1/shared/repair-lists/{made['share']['token']}"
        async with review_server.client() as reader:
            first = (await reader.get(shared)).json()
            assert first["items"][0]["finding"]["title"] == "Damp patch"

            # After it was sent: the finding is edited and the account's currency changed.
            edit = {"title": "Damp patch, worse", "cost_low": 5000, "cost_high": 9000}
            patched = await client.patch(
                f"/api/v1/scans/{scan['id']}/findings/{damp['id']}", json=edit, headers=auth(token)
            )
            assert patched.status_code == 200, patched.text
            prefs["currency"] = "GBP"
            assert (await client.put("/api/v1/me/preferences", json=prefs, headers=auth(token))).is_success

            again = (await reader.get(shared)).json()
            assert again["items"][0]["finding"]["title"] == "Damp patch"
            assert (again["items"][0]["finding"]["cost_low"], again["items"][0]["finding"]["cost_high"]) == (800, 1500)
            assert again["total"] == first["total"] and again["total"]["currency"] == "EUR"
            assert [photo["id"] for photo in again["items"][0]["photos"]] == damp["photo_ids"]
            rows = _table((await reader.get(f"{shared}.csv")).text)
            assert rows[1][0] == "Damp patch"

            owners = (await client.get(_lists_url(scan["id"], made["id"]), headers=auth(token))).json()
            assert owners["version"] == 1 and owners["items"][0]["finding"]["title"] == "Damp patch"

            # A change makes version 2, of the finding as it is now.
            second = await client.patch(
                _lists_url(scan["id"], made["id"]), json={"note": "Updated"}, headers=auth(token)
            )
            assert second.status_code == 200, second.text
            assert second.json()["version"] == 2
            assert second.json()["items"][0]["finding"]["title"] == "Damp patch, worse"
            assert second.json()["total"]["cost_low"] == 5000 and second.json()["total"]["currency"] == "GBP"
            assert (await reader.get(shared)).json()["items"][0]["finding"]["title"] == "Damp patch"
