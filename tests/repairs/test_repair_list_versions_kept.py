"""A saved repair list version stays what it was saved as: its currency, its estimates shown or not to its reader; a
finding deleted since is refused by name when a change names it; the owner sees every version; an older version's
reader is told a newer one exists; the list reads most serious first; the CSV is named and headed by its version."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.pdf_support import pdf_words
from tests.repairs.test_repair_lists import _finding, _lists_url
from tests.review.conftest import finished


async def _currency(client: httpx.AsyncClient, token: str, currency: str) -> None:
    prefs = {"currency": currency, "time_zone": "UTC"}
    assert (await client.put("/api/v1/me/preferences", json=prefs, headers=auth(token))).is_success


def _shared(made: dict[str, Any]) -> str:
    return f"/api/v1/shared/repair-lists/{made['share']['token']}"


async def test_saving_with_a_finding_deleted_since_is_refused_naming_it(review_server: LiveServer) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        tile = await _finding(client, token, scan, title="Loose tile", severity="maintenance")
        damp = await _finding(client, token, scan, title="Rising damp", severity="major")
        items = [
            {"finding_id": tile["id"], "ask": "credit", "amount": 80},
            {"finding_id": damp["id"], "ask": "repair"},
        ]
        made = (await client.post(_lists_url(scan["id"]), json={"items": items}, headers=auth(token))).json()
        assert (await reader.get(_shared(made))).status_code == 200
        gone = await client.delete(f"/api/v1/scans/{scan['id']}/findings/{tile['id']}", headers=auth(token))
        assert gone.status_code == 204, gone.text

        refused = await client.patch(_lists_url(scan["id"], made["id"]), json={"items": items}, headers=auth(token))
        assert refused.status_code == 422, refused.text
        message = refused.json()["detail"]
        assert "“Loose tile”" in message and "no longer on the report" in message and tile["id"] not in message

        # Without it, the next version saves; the sent version keeps it as a finding since deleted.
        saved = await client.patch(_lists_url(scan["id"], made["id"]), json={"items": items[1:]}, headers=auth(token))
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == 2 and len(saved.json()["items"]) == 1


async def test_a_saved_version_keeps_its_currency_after_the_account_changes_it(review_server: LiveServer) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        await _currency(client, token, "USD")
        scan = await finished(client, token)
        damp = await _finding(client, token, scan, title="Rising damp", severity="major")
        body = {"items": [{"finding_id": damp["id"], "ask": "credit", "amount": 680}]}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        await _currency(client, token, "GBP")

        # Not opened before the change (nothing frozen): still the currency it was saved in.
        seen = (await reader.get(_shared(made))).json()
        assert seen["total"]["currency"] == "USD"
        table = list(csv.reader(io.StringIO((await reader.get(f"{_shared(made)}.csv")).text)))
        assert [row[8] for row in table if row[:1] == ["Rising damp"]] == ["USD"]
        owners = (await client.get(_lists_url(scan["id"], made["id"]), headers=auth(token))).json()
        assert owners["total"]["currency"] == "USD"
        pdf = await client.get(f"{_lists_url(scan['id'], made['id'])}/report.pdf", headers=auth(token))
        assert pdf.status_code == 200

        # A new version is saved in the account's currency at that time.
        second = await client.patch(_lists_url(scan["id"], made["id"]), json=body, headers=auth(token))
        assert second.json()["version"] == 2 and second.json()["total"]["currency"] == "GBP"


async def test_the_owner_sees_every_version_and_an_old_link_says_a_newer_one_exists(
    review_server: LiveServer, tmp_path: Path
) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        damp = await _finding(client, token, scan, title="Rising damp", severity="major")
        first = {"items": [{"finding_id": damp["id"], "ask": "credit", "amount": 730}]}
        made = (await client.post(_lists_url(scan["id"]), json=first, headers=auth(token))).json()
        assert made["versions"][0]["version"] == 1 and made["versions"][0]["opened"] is False
        assert (await reader.get(_shared(made))).json()["newer_version"] is False
        second = {"items": [{"finding_id": damp["id"], "ask": "credit", "amount": 680}]}
        newer = (await client.patch(_lists_url(scan["id"], made["id"]), json=second, headers=auth(token))).json()

        old = (await reader.get(_shared(made))).json()
        assert old["newer_version"] is True and old["versions"] == []
        assert old["total"]["asked"] == 730 and newer["share"]["token"] not in str(old)
        assert (await reader.get(_shared(newer))).json()["newer_version"] is False

        listed = (await client.get(_lists_url(scan["id"]), headers=auth(token))).json()["items"][0]
        assert [(v["version"], v["opened"]) for v in listed["versions"]] == [(1, True), (2, True)]
        url = _lists_url(scan["id"], made["id"])
        v1 = (await client.get(url, params={"version": 1}, headers=auth(token))).json()
        assert v1["version"] == 1 and v1["total"]["asked"] == 730 and v1["newer_version"] is True
        v1_csv = await client.get(f"{url}.csv", params={"version": 1}, headers=auth(token))
        assert f'filename="repair-list-{made["id"][:8]}-v1.csv"' in v1_csv.headers["content-disposition"]
        v1_pdf = await client.get(f"{url}/report.pdf", params={"version": 1}, headers=auth(token))
        assert v1_pdf.status_code == 200 and "-v1.pdf" in v1_pdf.headers["content-disposition"]
        assert "You have saved a newer version since." in pdf_words(v1_pdf.content, tmp_path)
        old_pdf = pdf_words((await reader.get(f"{_shared(made)}/report.pdf")).content, tmp_path)
        assert "A newer version of this list has been made since." in old_pdf and "680" not in old_pdf
        new_pdf = pdf_words((await reader.get(f"{_shared(newer)}/report.pdf")).content, tmp_path)
        assert "newer version" not in new_pdf
        assert (await client.get(url, params={"version": 3}, headers=auth(token))).status_code == 404
        # Beyond a 32-bit integer (the column on PostgreSQL): refused by name, not a database error.
        huge = await client.get(url, params={"version": 355687428095999}, headers=auth(token))
        assert huge.status_code == 422 and "version" in huge.text


async def test_the_reader_sees_estimates_only_when_the_owner_shows_them(review_server: LiveServer) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        damp = await _finding(client, token, scan, title="Rising damp", severity="major", cost_low=400, cost_high=900)
        body: dict[str, Any] = {"items": [{"finding_id": damp["id"], "ask": "credit", "amount": 680}]}
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        assert made["show_estimates"] is False and made["items"][0]["finding"]["cost_high"] == 900

        hidden = (await reader.get(_shared(made))).json()
        assert hidden["items"][0]["finding"]["cost_low"] is None and hidden["items"][0]["finding"]["cost_high"] is None
        assert (hidden["total"]["cost_high"], hidden["total"]["findings_with_costs"]) == (0, 0)
        table = list(csv.reader(io.StringIO((await reader.get(f"{_shared(made)}.csv")).text)))
        assert [row[6:8] for row in table if row[:1] == ["Rising damp"]] == [["", ""]]

        shown = await client.patch(
            _lists_url(scan["id"], made["id"]), json={**body, "show_estimates": True}, headers=auth(token)
        )
        assert shown.json()["version"] == 2 and shown.json()["show_estimates"] is True
        seen = (await reader.get(_shared(shown.json()))).json()
        assert seen["items"][0]["finding"]["cost_high"] == 900 and seen["total"]["cost_high"] == 900


async def test_the_list_reads_most_serious_first_and_the_csv_has_its_header_and_note_rows(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client, review_server.client() as reader:
        token = await register(client)
        scan = await finished(client, token)
        note = await _finding(client, token, scan, title="Scuffed skirting", severity="note")
        tap = await _finding(client, token, scan, title="Dripping tap", severity="maintenance")
        wiring = await _finding(client, token, scan, title="Bare wiring", severity="safety")
        damp = await _finding(client, token, scan, title="Rising damp", severity="major")
        body = {
            "items": [{"finding_id": f["id"], "ask": "repair"} for f in (note, tap, wiring, damp)],
            "note": "=Before exchange",
        }
        made = (await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))).json()
        order = ["Bare wiring", "Rising damp", "Dripping tap", "Scuffed skirting"]
        assert [item["finding"]["title"] for item in made["items"]] == order
        assert [item["finding"]["title"] for item in (await reader.get(_shared(made))).json()["items"]] == order

        shared_csv = await reader.get(f"{_shared(made)}.csv")
        assert f'filename="repair-list-{made["id"][:8]}-v1.csv"' in shared_csv.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(shared_csv.text)))
        # The columns' names first (what a spreadsheet import takes them from), what the list is of last.
        assert rows[0][:3] == ["finding", "room", "severity"]
        assert [row[0] for row in rows[1:5]] == order
        assert rows[5][0] == "Total" and rows[5][9] == ""
        assert rows[6] == ["Note to the reader", "'=Before exchange"]
        assert rows[7:] == [["Address", "Flat 3, 9 Review Road"], ["Version", "1"], ["Saved", made["updated_at"][:10]]]
