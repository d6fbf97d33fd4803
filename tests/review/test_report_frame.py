"""The report's frame (docs/ARCHITECTURE.md §7): scope and limitations, cost totals, who the words speak to, the clock,
the history cards, and the person's house type against a re-analysis."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from housescan.scans.models import Scan
from tests.conftest import LiveServer
from tests.helpers import auth, register, wait_for_status
from tests.review.conftest import finished


async def _report(client: httpx.AsyncClient, token: str, scan_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _listed(client: httpx.AsyncClient, token: str, scan_id: str) -> dict[str, Any]:
    items = (await client.get("/api/v1/scans", headers=auth(token))).json()["items"]
    return next(item for item in items if item["id"] == scan_id)


async def test_limitations_say_what_nobody_judged_and_not_visible_is_the_persons(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id, kitchen = detail["id"], detail["rooms"][0]["id"]
        before = await _report(client, token, scan_id)
        limits = before["limitations"]
        # The null model answers a varying share of the items: what it left is exactly what is listed.
        places = [
            ("house", before["house"]["checklist"]),
            *((room["id"], room["checklist"]) for room in before["rooms"]),
        ]
        unanswered = [
            (scope, key) for scope, answers in places for key, answer in answers.items() if answer["value"] is None
        ]
        assert sorted((i["scope"], i["item_id"]) for i in limits["items"]) == sorted(unanswered)
        assert limits["not_assessed"] == len(unanswered)
        assert "You checked 0 of" in limits["statement"]
        assert ("nothing in this report says" in limits["statement"]) == bool(unanswered)
        assert "not a clean bill of health" in before["summary"]
        kitchen_items = next(room for room in before["rooms"] if room["id"] == kitchen)["checklist"]
        item_id = next(iter(kitchen_items))
        was_unassessed = kitchen_items[item_id]["value"] is None
        url = f"/api/v1/scans/{scan_id}/answers/{kitchen}/{item_id}"
        put = await client.put(url, json={"value": "not_visible", "note": "behind a wardrobe"}, headers=auth(token))
        assert put.status_code == 200, put.text
        assert put.json()["value"] == "not_visible" and put.json()["text"] == "Not visible"
        assert put.json()["source"] == "person"
        after = await _report(client, token, scan_id)
        reasons = {(i["scope"], i["item_id"]): i["reason"] for i in after["limitations"]["items"]}
        assert reasons[(kitchen, item_id)] == "not_visible"
        assert after["limitations"]["not_visible"] == 1 and after["assessed"]["not_visible"] == 1
        assert after["limitations"]["not_assessed"] == limits["not_assessed"] - was_unassessed
        kitchen_room = next(room for room in after["rooms"] if room["id"] == kitchen)
        assert kitchen_room["checked"] == 1 and kitchen_room["checklist_total"] >= 1
        # N/A from a categorical item's options is "not applicable"; an unknown word is refused with its item.
        categorical = next(key for key, answer in kitchen_room["checklist"].items() if answer["kind"] == "categorical")
        na = await client.put(
            f"/api/v1/scans/{scan_id}/answers/{kitchen}/{categorical}", json={"value": "N/A"}, headers=auth(token)
        )
        assert na.status_code == 200 and na.json()["value"] == "not_applicable", na.text
        wrong = await client.put(
            f"/api/v1/scans/{scan_id}/answers/{kitchen}/{categorical}", json={"value": "Dunno"}, headers=auth(token)
        )
        assert wrong.status_code == 422 and "must be one of" in wrong.text


async def test_costs_are_totalled_by_trade_and_severity_and_pros_cons_say_each_point_once(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        prefs = await client.put("/api/v1/me/preferences", json={"currency": "GBP"}, headers=auth(token))
        assert prefs.status_code == 200 and prefs.json()["currency"] == "GBP", prefs.text
        detail = await finished(client, token)
        scan_id, kitchen = detail["id"], detail["rooms"][0]["id"]
        damp = await client.put(
            f"/api/v1/scans/{scan_id}/answers/house/signs_of_damp", json={"value": True}, headers=auth(token)
        )
        assert damp.status_code == 200, damp.text
        findings = f"/api/v1/scans/{scan_id}/findings"
        bodies = [
            {"title": "Signs of damp or mould", "severity": "major", "checklist_item_id": "signs_of_damp",
             "trade": "damp_specialist", "cost_low": 800, "cost_high": 1500},
            {"title": "Dripping tap", "severity": "maintenance", "room_id": kitchen, "trade": "plumber",
             "cost_low": 80, "cost_high": 150},
            {"title": "Loose socket", "severity": "safety", "room_id": kitchen, "trade": "electrician"},
            {"title": "Nice tiles", "severity": "note", "room_id": kitchen},
        ]  # fmt: skip
        for body in bodies:
            created = await client.post(findings, json=body, headers=auth(token))
            assert created.status_code == 201, created.text
        reversed_range = await client.post(
            findings, json={"title": "x", "severity": "note", "cost_low": 9, "cost_high": 2}, headers=auth(token)
        )
        assert reversed_range.status_code == 422 and "cost_low (9) is above cost_high (2)" in reversed_range.text
        report = await _report(client, token, scan_id)
        costs = report["costs"]
        assert (costs["low"], costs["high"], costs["currency"]) == (880, 1650, "GBP")
        assert costs["by_trade"]["plumber"] == {"low": 80, "high": 150, "count": 1}
        assert costs["by_severity"]["major"]["low"] == 800 and "safety" not in costs["by_severity"]
        assert (costs["findings_with_costs"], costs["findings_without_costs"]) == (2, 2)
        cons = report["cons"]
        assert [c for c in cons if "damp" in c.lower()] == ["Signs of damp or mould (major)"]
        assert "Dripping tap (maintenance)" in cons and "Loose socket (safety)" in cons
        assert not any("Nice tiles" in c for c in cons)
        kitchen_name = next(room["name"] for room in report["rooms"] if room["id"] == kitchen)
        assert {f["room_name"] for f in report["findings"] if f["room_id"] == kitchen} == {kitchen_name}


async def test_a_shared_report_speaks_to_its_reader(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        kitchen = detail["rooms"][0]["id"]
        await client.put(
            f"/api/v1/scans/{detail['id']}/answers/{kitchen}/room_type", json={"value": "kitchen"}, headers=auth(token)
        )
        share = (await client.post(f"/api/v1/scans/{detail['id']}/shares", json={}, headers=auth(token))).json()
        shared = (await client.get(f"/api/v1/shared/{share['token']}")).json()["report"]
        assert shared["audience"] == "reader"
        words = shared["summary"] + " " + shared["limitations"]["statement"]
        assert "The person who inspected this home checked" in shared["limitations"]["statement"]
        assert "the person who inspected this home checked" in shared["summary"].lower()
        assert " you " not in f" {words.lower()} " and "your" not in words.lower()
        assert (await _report(client, token, detail["id"]))["audience"] == "owner"


async def test_preferences_are_checked_and_kept(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        assert (await client.get("/api/v1/me/preferences", headers=auth(token))).json() == {
            "currency": None,
            "time_zone": None,
        }
        bad = await client.put("/api/v1/me/preferences", json={"time_zone": "Mars/Olympus"}, headers=auth(token))
        assert bad.status_code == 422 and "Mars/Olympus" in bad.text
        bad = await client.put("/api/v1/me/preferences", json={"currency": "euro"}, headers=auth(token))
        assert bad.status_code == 422 and "currency" in bad.text
        good = await client.put(
            "/api/v1/me/preferences", json={"currency": "EUR", "time_zone": "Europe/Paris"}, headers=auth(token)
        )
        assert good.json() == {"currency": "EUR", "time_zone": "Europe/Paris"}
        partly = await client.put("/api/v1/me/preferences", json={"currency": "CHF"}, headers=auth(token))
        assert partly.json() == {"currency": "CHF", "time_zone": "Europe/Paris"}
        other = await register(client)
        assert (await client.get("/api/v1/me/preferences", headers=auth(other))).json()["currency"] is None


async def test_history_cards_and_the_persons_house_type_survive_a_reanalysis(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id = detail["id"]
        model_type = detail["detected_house_types"][0]
        assert (await _listed(client, token, scan_id))["house_type"] == model_type  # the null model is sure
        person_type = "villa" if model_type != "villa" else "studio"
        answered = await client.put(
            f"/api/v1/scans/{scan_id}/answers/house/house_type", json={"value": person_type}, headers=auth(token)
        )
        assert answered.status_code == 200, answered.text
        await client.post(
            f"/api/v1/scans/{scan_id}/findings",
            json={"title": "Cracked pane", "severity": "major"},
            headers=auth(token),
        )
        card = await _listed(client, token, scan_id)
        assert card["house_type"] == person_type
        assert card["findings_by_severity"] == {"safety": 0, "major": 1, "maintenance": 0, "note": 0}
        assert card["assessed"]["by_person"] == 0 and card["assessed"]["total"] > 0
        first = await _report(client, token, scan_id)
        # The list's counts add up as the report's do: the products looked for and not seen are among them.
        assert {key: card["assessed"][key] for key in card["assessed"]} == {
            key: first["assessed"][key] for key in card["assessed"]
        }
        assert (
            sum(card["assessed"][k] for k in ("by_person", "by_model", "not_seen", "not_assessed"))
            == (card["assessed"]["total"])
        )
        assert first["scanned_at"] and first["updated_at"] >= first["scanned_at"]

        again = await client.post(
            f"/api/v1/scans/{scan_id}/reanalyse", json={"room_ids": [detail["rooms"][0]["id"]]}, headers=auth(token)
        )
        assert again.status_code == 202, again.text
        assert (await wait_for_status(client, token, scan_id, {"succeeded", "failed"}))["status"] == "succeeded"
        card = await _listed(client, token, scan_id)
        assert card["house_type"] == person_type  # the save follows the person's answer
        after = await _report(client, token, scan_id)
        assert after["scanned_at"] == first["scanned_at"] and after["updated_at"] > first["updated_at"]
        async with review_server.runtime.sessionmaker() as db_session:
            scan = await db_session.get_one(Scan, uuid.UUID(scan_id))
            assert scan.first_analysed_at is not None
        reverted = await client.delete(f"/api/v1/scans/{scan_id}/answers/house/house_type", headers=auth(token))
        assert reverted.status_code == 204
        assert (await _listed(client, token, scan_id))["house_type"] == model_type
        other = await register(client)
        assert (await client.get("/api/v1/scans", headers=auth(other))).json()["items"] == []
