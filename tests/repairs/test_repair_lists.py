"""Repair lists: findings with an ask each, a total, a read-only link that freezes what was sent, CSV."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.review.conftest import finished


async def _finding(client: httpx.AsyncClient, token: str, scan: dict[str, Any], **body: Any) -> dict[str, Any]:
    room = scan["rooms"][0]
    created = await client.post(
        f"/api/v1/scans/{scan['id']}/findings",
        json={"room_id": room["id"], "photo_ids": [room["images"][0]["id"]], **body},
        headers=auth(token),
    )
    assert created.status_code == 201, created.text
    finding: dict[str, Any] = created.json()
    return finding


def _table(text: str) -> list[list[str]]:
    """The CSV's table: its column names first, up to the address, version and date saved below it."""
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:1] == ["finding"] and [row[0] for row in rows[-3:]] == ["Address", "Version", "Saved"], rows
    return rows[:-3]


def _lists_url(scan_id: str, list_id: str | None = None) -> str:
    return f"/api/v1/scans/{scan_id}/repair-lists" + (f"/{list_id}" if list_id else "")


async def test_repair_list_total_link_versions_csv_and_revoke(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token)
        leak = await _finding(client, token, scan, title="Leaking trap", severity="major", cost_low=80, cost_high=150)
        damp = await _finding(client, token, scan, title="Rising damp", severity="major", cost_low=300, cost_high=700)

        body = {
            "items": [
                {"finding_id": leak["id"], "ask": "repair"},
                {"finding_id": damp["id"], "ask": "credit", "amount": 500},
            ],
            "note": "Before exchange, please.",
        }
        created = await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))
        assert created.status_code == 201, created.text
        made = created.json()
        assert made["version"] == 1 and made["note"] == "Before exchange, please."
        assert [item["finding"]["title"] for item in made["items"]] == ["Leaking trap", "Rising damp"]
        assert made["items"][0]["photos"][0]["id"] == leak["photo_ids"][0]
        assert made["total"] == {
            "asked": 500,
            "cost_low": 380,
            "cost_high": 850,
            "currency": made["total"]["currency"],
            "findings_with_costs": 2,
        }
        link = made["share"]
        assert link["token"] and link["url"].endswith(f"/api/v1/shared/repair-lists/{link['token']}")

        # Read back: the owner sees no token again (only its hash is stored).
        read = (await client.get(_lists_url(scan["id"], made["id"]), headers=auth(token))).json()
        assert read["share"]["token"] is None and read["items"] == made["items"]
        assert [
            entry["id"] for entry in (await client.get(_lists_url(scan["id"]), headers=auth(token))).json()["items"]
        ] == [made["id"]]

        # Editable until a reader opens the link: the same version changes.
        edited = await client.patch(_lists_url(scan["id"], made["id"]), json={"note": "Edited"}, headers=auth(token))
        assert edited.status_code == 200 and edited.json()["version"] == 1 and edited.json()["share"]["token"] is None

        async with review_server.client() as reader:
            shared_path = f"/api/v1/shared/repair-lists/{link['token']}"
            seen = await reader.get(shared_path)
            assert seen.status_code == 200, seen.text
            assert seen.json()["note"] == "Edited" and seen.headers["cache-control"] == "private, no-store"

            # Opened: a change is the next version with its own link; the old link keeps what was sent.
            changed = await client.patch(
                _lists_url(scan["id"], made["id"]),
                json={"items": [{"finding_id": leak["id"], "ask": "replace"}]},
                headers=auth(token),
            )
            assert changed.status_code == 200, changed.text
            second = changed.json()
            assert second["id"] == made["id"] and second["version"] == 2 and second["share"]["token"]
            assert [item["ask"] for item in second["items"]] == ["replace"]
            old = (await reader.get(shared_path)).json()
            assert old["version"] == 1 and [item["ask"] for item in old["items"]] == ["repair", "credit"]
            new = (await reader.get(f"/api/v1/shared/repair-lists/{second['share']['token']}")).json()
            assert new["version"] == 2

            table = (await reader.get(f"{shared_path}.csv")).text
            rows = _table(table)
            assert rows[0][:6] == ["finding", "room", "severity", "trade", "ask", "amount"]
            assert [row[0] for row in rows[1:]] == ["Leaking trap", "Rising damp", "Total", "Note to the reader"]
            assert rows[2][4:6] == ["credit", "500.00"] and rows[3][5] == "500.00"
            own_csv = await client.get(f"{_lists_url(scan['id'], made['id'])}.csv", headers=auth(token))
            assert own_csv.status_code == 200 and own_csv.headers["content-type"].startswith("text/csv")
            assert [row[4] for row in _table(own_csv.text)[1:2]] == ["replace"]

            revoked = await client.delete(f"{_lists_url(scan['id'], made['id'])}/share", headers=auth(token))
            assert revoked.status_code == 204
            assert (await reader.get(shared_path)).status_code == 404
            assert (await reader.get(f"/api/v1/shared/repair-lists/{second['share']['token']}")).status_code == 404
            assert (await reader.get(f"{shared_path}.csv")).status_code == 404


async def test_bad_repair_lists_are_refused_and_nothing_is_stored(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token)
        other_scan = await finished(client, token, labels=("Hall",))
        own = await _finding(client, token, scan, title="Cracked tile", severity="note")
        foreign = await _finding(client, token, other_scan, title="Loose rail", severity="note")

        refused: list[tuple[dict[str, Any], str]] = [
            ({"items": [{"finding_id": foreign["id"], "ask": "repair"}]}, foreign["id"]),
            ({"items": [{"finding_id": own["id"], "ask": "credit", "amount": -1}]}, "amount"),
            ({"items": [{"finding_id": own["id"], "ask": "credit"}]}, "a credit needs an amount"),
            ({"items": [{"finding_id": own["id"], "ask": "haggle"}]}, "ask"),
            ({"items": []}, "items"),
        ]
        for body, named in refused:
            answer = await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))
            assert answer.status_code == 422, (body, answer.text)
            assert named in answer.text, (body, answer.text)
        assert (await client.get(_lists_url(scan["id"]), headers=auth(token))).json() == {"items": []}

        made = (
            await client.post(
                _lists_url(scan["id"]),
                json={"items": [{"finding_id": own["id"], "ask": "repair"}]},
                headers=auth(token),
            )
        ).json()
        patched = await client.patch(
            _lists_url(scan["id"], made["id"]),
            json={"items": [{"finding_id": foreign["id"], "ask": "repair"}]},
            headers=auth(token),
        )
        assert patched.status_code == 422 and foreign["id"] in patched.text
        assert patched.json()["error"] == "foreign_findings"
        kept = (await client.get(_lists_url(scan["id"], made["id"]), headers=auth(token))).json()
        assert [item["finding_id"] for item in kept["items"]] == [own["id"]]

        # Another user: the scan and the list do not exist for them.
        stranger = auth(await register(client))
        for method, url in (
            ("GET", _lists_url(scan["id"])),
            ("GET", _lists_url(scan["id"], made["id"])),
            ("GET", f"{_lists_url(scan['id'], made['id'])}.csv"),
            ("PATCH", _lists_url(scan["id"], made["id"])),
            ("DELETE", f"{_lists_url(scan['id'], made['id'])}/share"),
        ):
            answer = await client.request(
                method, url, json={"note": "x"} if method == "PATCH" else None, headers=stranger
            )
            assert answer.status_code == 404, (method, url, answer.text)
        created = await client.post(
            _lists_url(scan["id"]), json={"items": [{"finding_id": own["id"], "ask": "repair"}]}, headers=stranger
        )
        assert created.status_code == 404
        # A list id under another of the owner's scans is not found either.
        wrong_scan = await client.get(_lists_url(other_scan["id"], made["id"]), headers=auth(token))
        assert wrong_scan.status_code == 404
        assert (await client.get(f"/api/v1/shared/repair-lists/{uuid.uuid4().hex * 2}")).status_code == 404


async def test_repair_list_csv_text_that_a_spreadsheet_would_run_is_quoted(review_server: LiveServer) -> None:
    """Formula injection: the owner's CSV and the contractor's (behind the link) quote text a spreadsheet would run
    as a formula, and leave ordinary text and the numbers as they are."""
    async with review_server.client() as client:
        token = await register(client)
        scan = await finished(client, token, labels=("+Attic", "Kitchen"))
        evil = await _finding(
            client,
            token,
            scan,
            title='=HYPERLINK("http://evil","x")',
            severity="major",
            note="@SUM(1)",
            cost_low=80,
            cost_high=150,
        )
        plain = await _finding(client, token, scan, title="3 coats of paint", severity="note", note="-")
        body = {
            "items": [
                {"finding_id": evil["id"], "ask": "credit", "amount": 500},
                {"finding_id": plain["id"], "ask": "repair"},
            ],
            "note": "+1",
            "show_estimates": True,
        }
        created = await client.post(_lists_url(scan["id"]), json=body, headers=auth(token))
        assert created.status_code == 201, created.text
        made = created.json()

        own = await client.get(f"{_lists_url(scan['id'], made['id'])}.csv", headers=auth(token))
        async with review_server.client() as reader:
            shared = await reader.get(f"/api/v1/shared/repair-lists/{made['share']['token']}.csv")
        for table in (own, shared):
            assert table.status_code == 200, table.text
            header, quoted, ordinary, total, note = _table(table.text)
            assert dict(zip(header, quoted, strict=True)) == {
                "finding": '\'=HYPERLINK("http://evil","x")',
                "room": "'+Attic",
                "severity": "major",
                "trade": "",
                "ask": "credit",
                "amount": "500.00",
                "cost_low": "80.00",
                "cost_high": "150.00",
                "currency": made["total"]["currency"],
                "note": "'@SUM(1)",
            }
            # A leading digit is text, not a formula; "-" alone is quoted like any leading minus.
            assert (ordinary[0], ordinary[9]) == ("3 coats of paint", "'-")
            assert (total[0], total[5], total[9]) == ("Total", "500.00", "")
            assert note == ["Note to the reader", "'+1"]
