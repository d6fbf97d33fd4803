"""The review API (docs/ARCHITECTURE.md §6): the merged report, the person's answers over the models', room edits,
findings, and `scan:updated` to the owner's tabs."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from housescan.review.models import PersonAnswer
from tests.conftest import LiveServer
from tests.fakes import always_failing
from tests.helpers import auth, photo, register, upload, wait_for_status
from tests.realtime_client import EventRecorder
from tests.review.conftest import finished


async def _report(client: httpx.AsyncClient, token: str, scan_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth(token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _recorder() -> EventRecorder:
    recorder = EventRecorder()
    recorder.client.on("scan:updated", recorder._recorder("scan:updated"), namespace="/scans")
    return recorder


async def test_the_report_has_the_contract_shape_and_answers_say_where_they_came_from(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        report = await _report(client, token, detail["id"])

    assert report["scan_id"] == detail["id"] and report["status"] == "succeeded"
    assert report["house"]["address"] == "Flat 3, 9 Review Road"
    assert set(report) >= {"house", "rooms", "findings", "pros", "cons", "summary", "assessed"}
    assert [room["id"] for room in report["rooms"]] == [room["id"] for room in detail["rooms"]]
    kitchen = report["rooms"][0]
    # The room is named "Kitchen": the person's word is its type; the model's reading stays beside it.
    assert kitchen["room_type"]["value"] == "kitchen" and kitchen["room_type"]["source"] == "person"
    assert kitchen["room_type"]["model"] == "null" and kitchen["room_type"]["model_confidence"] == 1.0
    assert kitchen["room_type"]["model_value"] == "kitchen" and kitchen["room_type"]["answered_at"]
    assert kitchen["images"] and all({"id", "url", "thumbnail_url"} <= set(image) for image in kitchen["images"])
    answers = [*report["house"]["checklist"].values(), *kitchen["checklist"].values(), *kitchen["products"].values()]
    assert answers and all(answer["source"] == "model" for answer in answers)
    assert "walls_condition" in kitchen["checklist"] and "worktop_condition" in kitchen["checklist"]
    assert "sink" in kitchen["products"]
    # Honesty: the models never say "absent" for a product or a house feature.
    assert all(answer["value"] is not False for answer in kitchen["products"].values())
    for answer in report["house"]["checklist"].values():
        if answer["kind"] == "conditional":
            assert answer["value"] is None or answer["value"]["exists"] is True
    assert report["assessed"]["total"] == len(
        [a for a in answers]
        + [a for r in report["rooms"][1:] for a in (*r["checklist"].values(), *r["products"].values())]
    )
    assert report["assessed"]["by_person"] == 0
    assert report["summary"].startswith(("A ", "An "))


async def test_a_person_answer_wins_on_read_keeps_the_model_value_and_reverts(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id, kitchen = detail["id"], detail["rooms"][0]
        before = (await _report(client, token, scan_id))["rooms"][0]
        model_walls = before["checklist"]["walls_condition"]
        person_value = "Poor" if model_walls["value"] != "Poor" else "Excellent"
        other = _recorder()
        recorder = _recorder()
        await recorder.connect(review_server.url, token)
        stranger = await register(client)
        await other.connect(review_server.url, stranger)
        photo_id = kitchen["images"][1]["id"]

        put = await client.put(
            f"/api/v1/scans/{scan_id}/answers/{kitchen['id']}/walls_condition",
            json={"value": person_value, "note": "  Damp patch behind the fridge ", "photo_ids": [photo_id]},
            headers=auth(token),
        )
        assert put.status_code == 200, put.text
        answer = put.json()
        assert answer["value"] == person_value and answer["source"] == "person"
        assert answer["note"] == "Damp patch behind the fridge" and answer["photo_ids"] == [photo_id]
        assert answer["model_value"] == model_walls["value"] and answer["answered_at"]
        event = await recorder.wait_for("scan:updated", scan_id)
        assert isinstance(event["eventId"], int)

        report = await _report(client, token, scan_id)
        assert report["rooms"][0]["checklist"]["walls_condition"] == answer
        assert report["assessed"]["by_person"] == 1

        # Products: confirm one the model did not see; the house type; a conditional; a boolean.
        for scope, item, value in (
            (kitchen["id"], "products.dishwasher", True),
            ("house", "house_type", "apartment"),
            ("house", "has_outdoor_space", {"exists": True, "condition": "Good"}),
            ("house", "signs_of_damp", True),
        ):
            response = await client.put(
                f"/api/v1/scans/{scan_id}/answers/{scope}/{item}", json={"value": value}, headers=auth(token)
            )
            assert response.status_code == 200, (item, response.text)
            assert response.json()["value"] == value and response.json()["source"] == "person"
        report = await _report(client, token, scan_id)
        assert report["rooms"][0]["products"]["dishwasher"]["value"] is True
        assert report["house"]["house_type"]["value"] == "apartment"
        assert report["summary"].startswith("An apartment with two photographed rooms: a bedroom and a kitchen.")
        assert "Outdoor space: good" in " ".join(report["pros"]) or "outdoor space: good" in " ".join(report["pros"])
        assert any("damp" in con for con in report["cons"])

        revert = await client.delete(
            f"/api/v1/scans/{scan_id}/answers/{kitchen['id']}/walls_condition", headers=auth(token)
        )
        assert revert.status_code == 204
        after = (await _report(client, token, scan_id))["rooms"][0]["checklist"]["walls_condition"]
        assert after == model_walls
        await recorder.disconnect()
        await other.disconnect()
    assert len(recorder.names(scan_id)) >= 6
    assert other.names(scan_id) == []  # nothing reaches another user


async def test_answers_are_checked_against_the_item_type(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id, kitchen, bedroom = detail["id"], detail["rooms"][0], detail["rooms"][1]
        base = f"/api/v1/scans/{scan_id}/answers"
        for path, value, code in (
            (f"{kitchen['id']}/walls_condition", "Great", 422),
            (f"{kitchen['id']}/water_damage", "yes", 422),
            (f"{kitchen['id']}/products.sink", "present", 422),
            (f"{kitchen['id']}/room_type", "ballroom", 422),
            ("house/house_type", "castle", 422),
            ("house/has_garage", {"condition": "Good"}, 422),
            (f"{kitchen['id']}/no_such_item", True, 404),
            (f"{kitchen['id']}/products.spaceship", True, 404),
            ("house/products.sink", True, 404),
            (f"{uuid.uuid4()}/mould", True, 404),
            ("attic/mould", True, 404),
        ):
            response = await client.put(f"{base}/{path}", json={"value": value}, headers=auth(token))
            assert response.status_code == code, (path, response.text)
            assert response.json()["detail"]
        # A photo of another room is not evidence for this one.
        response = await client.put(
            f"{base}/{kitchen['id']}/mould",
            json={"value": True, "photo_ids": [bedroom["images"][0]["id"]]},
            headers=auth(token),
        )
        assert response.status_code == 422 and "not photos of this room" in response.json()["detail"]


async def test_a_room_is_renamed_and_its_type_corrected(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id, bedroom = detail["id"], detail["rooms"][1]
        url = f"/api/v1/scans/{scan_id}/rooms/{bedroom['id']}"
        response = await client.patch(url, json={"label": "Study", "room_type": "office"}, headers=auth(token))
        assert response.status_code == 200, response.text
        room = response.json()
        assert room["label"] == "Study"
        assert room["room_type"]["value"] == "office" and room["room_type"]["source"] == "person"
        assert room["room_type"]["model_value"] == "bedroom"
        report = await _report(client, token, scan_id)
        assert report["rooms"][1]["name"] == "Study" and report["rooms"][1]["room_type"]["value"] == "office"
        assert "desk" in report["rooms"][1]["products"]  # the office's list now applies
        assert "an office" in report["summary"]

        # Only the label: the type stays the person's; then the type reverts to the model's.
        assert (await client.patch(url, json={"label": "Den"}, headers=auth(token))).json()["room_type"]["value"] == (
            "office"
        )
        reverted = await client.patch(url, json={"room_type": None}, headers=auth(token))
        assert reverted.json()["room_type"] | {} == reverted.json()["room_type"]
        assert reverted.json()["room_type"]["source"] == "model"
        assert reverted.json()["room_type"]["value"] == "bedroom" and reverted.json()["label"] == "Den"
        bad = await client.patch(url, json={"room_type": "ballroom"}, headers=auth(token))
        assert bad.status_code == 422


async def test_findings_are_ordered_by_severity_with_counts(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id, kitchen = detail["id"], detail["rooms"][0]
        url = f"/api/v1/scans/{scan_id}/findings"
        created = {}
        for title, severity in (
            ("Dripping tap", "maintenance"),
            ("Loose socket by the sink", "safety"),
            ("Nice view", "note"),
            ("Cracked lintel", "major"),
            ("Bare wires in the hall", "safety"),
        ):
            response = await client.post(
                url,
                json={
                    "title": title,
                    "severity": severity,
                    "room_id": kitchen["id"],
                    "note": f"{title} note",
                    "photo_ids": [kitchen["images"][0]["id"]],
                    "checklist_item_id": "walls_condition",
                },
                headers=auth(token),
            )
            assert response.status_code == 201, response.text
            body = response.json()
            assert body["source"] == "person" and body["severity"] == severity and body["created_at"]
            created[title] = body["id"]
        listed = (await client.get(url, headers=auth(token))).json()
        assert [item["title"] for item in listed["items"]] == [
            "Loose socket by the sink",
            "Bare wires in the hall",
            "Cracked lintel",
            "Dripping tap",
            "Nice view",
        ]
        assert listed["counts"] == {"safety": 2, "major": 1, "maintenance": 1, "note": 1}

        patched = await client.patch(
            f"{url}/{created['Nice view']}", json={"severity": "major", "note": None}, headers=auth(token)
        )
        assert patched.status_code == 200 and patched.json()["severity"] == "major" and patched.json()["note"] is None
        assert (await client.delete(f"{url}/{created['Dripping tap']}", headers=auth(token))).status_code == 204
        assert (await client.delete(f"{url}/{created['Dripping tap']}", headers=auth(token))).status_code == 404
        report = await _report(client, token, scan_id)
        assert [f["title"] for f in report["findings"]] == [
            "Loose socket by the sink",
            "Bare wires in the hall",
            "Nice view",  # now major too, and recorded before the lintel
            "Cracked lintel",
        ]
        assert report["finding_counts"] == {"safety": 2, "major": 2, "maintenance": 0, "note": 0}
        assert "Four findings recorded (2 safety, 2 major)." in report["summary"]
        assert "Loose socket by the sink (safety)" in report["cons"]
        for body in ({"title": "", "severity": "note"}, {"title": "x", "severity": "urgent"}):
            assert (await client.post(url, json=body, headers=auth(token))).status_code == 422
        wrong_room = await client.post(
            url, json={"title": "x", "severity": "note", "room_id": str(uuid.uuid4())}, headers=auth(token)
        )
        assert wrong_room.status_code == 404


async def test_rooms_are_added_and_removed_on_a_draft_and_a_finished_scan_never_during_analysis(
    review_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        created = await client.post(
            "/api/v1/scans", json={"rooms": [{"label": "Hall"}, {"label": "Loo"}]}, headers=auth(token)
        )
        scan = created.json()
        rooms_url = f"/api/v1/scans/{scan['id']}/rooms"
        added = await client.post(rooms_url, json={"label": "Garage"}, headers=auth(token))
        assert added.status_code == 201, added.text
        assert added.json()["ordinal"] == 2 and added.json()["label"] == "Garage"
        files = [("a.jpg", photo((10, 20, 30)), 0), ("b.jpg", photo((50, 20, 30)), 1), ("c.jpg", photo((90, 9, 9)), 2)]
        assert (await upload(client, token, scan["id"], files)).status_code == 200
        loo = scan["rooms"][1]["id"]
        answered = await client.put(
            f"/api/v1/scans/{scan['id']}/answers/{loo}/walls_condition", json={"value": "Poor"}, headers=auth(token)
        )
        assert answered.status_code == 200, answered.text
        removed = await client.delete(f"{rooms_url}/{loo}", headers=auth(token))
        assert removed.status_code == 204
        async with review_server.runtime.sessionmaker() as db_session:
            left = await db_session.scalars(select(PersonAnswer.scope).where(PersonAnswer.scope == loo))
            assert list(left) == []  # its answers went with it
        detail = (await client.get(f"/api/v1/scans/{scan['id']}", headers=auth(token))).json()
        assert [(room["label"], len(room["images"])) for room in detail["rooms"]] == [("Hall", 1), ("Garage", 1)]
        # A room without photos does not block the analysis: it is reported as not photographed.
        empty = (await client.post(rooms_url, json={"label": "Attic"}, headers=auth(token))).json()

        agents, analysing = review_server.runtime.agents, asyncio.Event()
        analyse = agents.run

        async def held_analysis(*args: Any, **kwargs: Any) -> Any:
            await analysing.wait()  # the scan stays queued or running until the test lets it go
            return await analyse(*args, **kwargs)

        monkeypatch.setattr(agents, "run", held_analysis)
        assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))).status_code == 202
        during = await client.post(rooms_url, json={"label": "Cellar"}, headers=auth(token))
        assert during.status_code == 409 and "wait for the analysis" in during.json()["detail"]
        during = await client.delete(f"{rooms_url}/{scan['rooms'][0]['id']}", headers=auth(token))
        assert during.status_code == 409
        analysing.set()
        assert (await wait_for_status(client, token, scan["id"], {"succeeded", "failed"}))["status"] == "succeeded"
        report = await _report(client, token, scan["id"])
        assert [room["name"] for room in report["limitations"]["rooms_without_photos"]] == ["Attic"]
        assert "Not photographed: Attic." in report["limitations"]["statement"]
        # After the analysis rooms change again: the new room waits for a re-analysis.
        late = await client.post(rooms_url, json={"label": "Cellar"}, headers=auth(token))
        assert late.status_code == 201, late.text
        assert (await client.delete(f"{rooms_url}/{empty['id']}", headers=auth(token))).status_code == 204
        report = await _report(client, token, scan["id"])
        assert [room["name"] for room in report["rooms"]] == ["Hall", "Garage", "Cellar"]
        assert [room["name"] for room in report["limitations"]["rooms_without_photos"]] == ["Cellar"]


async def test_the_house_type_given_at_creation_is_the_persons(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token, house_type="townhouse")
        report = await _report(client, token, detail["id"])
        house_type = report["house"]["house_type"]
        assert house_type["value"] == "townhouse" and house_type["source"] == "person"
        assert house_type["model_value"] == detail["detected_house_types"][0]
        assert report["summary"].startswith("A townhouse with")
        bad = await client.post("/api/v1/scans", json={"house_type": "castle"}, headers=auth(token))
        assert bad.status_code == 422
        revert = await client.delete(f"/api/v1/scans/{detail['id']}/answers/house/house_type", headers=auth(token))
        assert revert.status_code == 204
        house_type = (await _report(client, token, detail["id"]))["house"]["house_type"]
        assert house_type["source"] == "model" and house_type["value"] == detail["detected_house_types"][0]

        async def listed_house_type() -> str | None:
            listed = (await client.get("/api/v1/scans", headers=auth(token))).json()["items"]
            return next(item["house_type"] for item in listed if item["id"] == detail["id"])

        assert await listed_house_type() == house_type["value"], "the scans list shows what the report shows"
        put = await client.put(
            f"/api/v1/scans/{detail['id']}/answers/house/house_type", json={"value": "villa"}, headers=auth(token)
        )
        assert put.status_code == 200, put.text
        assert await listed_house_type() == "villa", "a person's correction reaches the scans list"
        await client.delete(f"/api/v1/scans/{detail['id']}/answers/house/house_type", headers=auth(token))
        assert await listed_house_type() == house_type["value"]


@pytest.mark.parametrize("who", ["stranger", "nobody"])
async def test_every_review_route_is_404_for_another_user_and_401_without_a_token(
    review_server: LiveServer, who: str
) -> None:
    async with review_server.client() as client:
        owner = await register(client)
        detail = await finished(client, owner, labels=("Kitchen",))
        draft = (await client.post("/api/v1/scans", json={"rooms_count": 2}, headers=auth(owner))).json()
        scan_id, room_id = detail["id"], detail["rooms"][0]["id"]
        finding = await client.post(
            f"/api/v1/scans/{scan_id}/findings", json={"title": "Mould", "severity": "major"}, headers=auth(owner)
        )
        assert finding.status_code == 201
        finding_id = finding.json()["id"]
        token = await register(client) if who == "stranger" else None
        calls: list[tuple[str, str, Any]] = [
            ("GET", f"/api/v1/scans/{scan_id}/report", None),
            ("PATCH", f"/api/v1/scans/{scan_id}/rooms/{room_id}", {"label": "Mine"}),
            ("PUT", f"/api/v1/scans/{scan_id}/answers/{room_id}/mould", {"value": True}),
            ("PUT", f"/api/v1/scans/{scan_id}/answers/house/house_type", {"value": "villa"}),
            ("DELETE", f"/api/v1/scans/{scan_id}/answers/{room_id}/mould", None),
            ("GET", f"/api/v1/scans/{scan_id}/findings", None),
            ("POST", f"/api/v1/scans/{scan_id}/findings", {"title": "x", "severity": "note"}),
            ("PATCH", f"/api/v1/scans/{scan_id}/findings/{finding_id}", {"title": "y"}),
            ("DELETE", f"/api/v1/scans/{scan_id}/findings/{finding_id}", None),
            ("POST", f"/api/v1/scans/{draft['id']}/rooms", {"label": "x"}),
            ("DELETE", f"/api/v1/scans/{draft['id']}/rooms/{draft['rooms'][0]['id']}", None),
            ("POST", f"/api/v1/scans/{scan_id}/reanalyse", {}),
        ]
        for method, path, body in calls:
            response = await client.request(method, path, json=body, headers=auth(token) if token else {})
            assert response.status_code == (404 if token else 401), (method, path, response.text)
        # Nothing changed for the owner.
        report = await _report(client, owner, scan_id)
        assert report["rooms"][0]["label"] == "Kitchen" and len(report["findings"]) == 1
        assert report["assessed"]["by_person"] == 0
        assert len((await client.get(f"/api/v1/scans/{draft['id']}", headers=auth(owner))).json()["rooms"]) == 2


async def test_a_reanalysis_runs_only_rooms_whose_photos_changed_and_keeps_the_persons_answers(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id, kitchen, bedroom = detail["id"], detail["rooms"][0], detail["rooms"][1]
        url = f"/api/v1/scans/{scan_id}/reanalyse"
        nothing = await client.post(url, json={}, headers=auth(token))
        assert nothing.status_code == 409 and "no room has new photos" in nothing.json()["detail"]
        put = await client.put(
            f"/api/v1/scans/{scan_id}/answers/{kitchen['id']}/walls_condition",
            json={"value": "Poor", "note": "Cracked plaster"},
            headers=auth(token),
        )
        assert put.status_code == 200
        for scope, item in ((bedroom["id"], "room_type"), (bedroom["id"], "mould")):
            value = "office" if item == "room_type" else True
            response = await client.put(
                f"/api/v1/scans/{scan_id}/answers/{scope}/{item}", json={"value": value}, headers=auth(token)
            )
            assert response.status_code == 200, response.text
        finding = await client.post(
            f"/api/v1/scans/{scan_id}/findings", json={"title": "Leak", "severity": "major"}, headers=auth(token)
        )
        assert finding.status_code == 201
        before = await _report(client, token, scan_id)

        # More photos of the bedroom, after the analysis.
        added = await upload(client, token, scan_id, [("late.jpg", photo((200, 10, 150)), 1)])
        assert added.status_code == 200, added.text
        report = await _report(client, token, scan_id)
        assert [room["photos_changed"] for room in report["rooms"]] == [False, True]

        await review_server.runtime.queue.join()  # type: ignore[attr-defined]  (the full run's job has ended)
        accepted = await client.post(url, json={}, headers=auth(token))
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["room_ids"] == [bedroom["id"]] and accepted.json()["status"] == "queued"
        after_detail = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
        assert after_detail["status"] == "succeeded", after_detail
        after = await _report(client, token, scan_id)

    # The person's answers and findings survived; the untouched room kept its model answers.
    assert after["rooms"][0]["checklist"]["walls_condition"] == before["rooms"][0]["checklist"]["walls_condition"]
    assert after["rooms"][0]["checklist"]["walls_condition"]["note"] == "Cracked plaster"
    assert after["rooms"][1]["room_type"]["value"] == "office" and after["rooms"][1]["room_type"]["source"] == "person"
    assert after["rooms"][1]["checklist"]["mould"]["value"] is True
    assert [f["title"] for f in after["findings"]] == ["Leak"]

    def values(answers: dict[str, Any]) -> dict[str, Any]:
        return {key: (answer["value"], answer["confidence"], answer["model"]) for key, answer in answers.items()}

    assert values(after["rooms"][0]["products"]) == values(before["rooms"][0]["products"])
    assert values(after["rooms"][0]["checklist"]) == values(before["rooms"][0]["checklist"])
    assert after["house"]["house_type"]["value"] == before["house"]["house_type"]["value"]
    assert [room["photos_changed"] for room in after["rooms"]] == [False, False]
    assert len(after["rooms"][1]["images"]) == 3
    # Only the bedroom's agents ran again; the kitchen's saved runs are kept as reused answers.
    runs = after_detail["agent_runs"]
    kitchen_runs = [run for run in runs if run["room_id"] == kitchen["id"]]
    bedroom_runs = [run for run in runs if run["room_id"] == bedroom["id"]]
    assert kitchen_runs and all(run["cache_hit"] for run in kitchen_runs)
    assert bedroom_runs and not any(run["cache_hit"] for run in bedroom_runs)


async def test_processing_after_a_failed_reanalysis_analyses_every_room(
    review_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The re-analysis' rooms belong to its run: a full run asked for afterwards runs every room again."""
    async with review_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        url = f"/api/v1/scans/{detail['id']}"
        await review_server.runtime.queue.join()  # type: ignore[attr-defined]  (the full run's job has ended)
        agents = review_server.runtime.agents
        with monkeypatch.context() as patched:
            patched.setattr(agents, "run", always_failing("the model is down", retryable=False).run)
            named = await client.post(
                f"{url}/reanalyse", json={"room_ids": [detail["rooms"][0]["id"]]}, headers=auth(token)
            )
            assert named.status_code == 202, named.text
            assert (await wait_for_status(client, token, detail["id"], {"failed"}))["error"] == "the model is down"
            await review_server.runtime.queue.join()  # type: ignore[attr-defined]
        assert (await client.post(f"{url}/process", headers=auth(token))).status_code == 202
        again = await wait_for_status(client, token, detail["id"], {"succeeded", "failed"})
    assert again["status"] == "succeeded", again
    rooms = {run["room_id"] for run in again["agent_runs"]} - {None}
    assert rooms == {room["id"] for room in detail["rooms"]}
    assert not any(run["cache_hit"] for run in again["agent_runs"]), "no room kept the earlier run's answers"


async def test_reanalysing_named_rooms_and_what_is_refused(
    review_server: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        draft = (await client.post("/api/v1/scans", json={"rooms_count": 1}, headers=auth(token))).json()
        early = await client.post(f"/api/v1/scans/{draft['id']}/reanalyse", json={}, headers=auth(token))
        assert early.status_code == 409
        detail = await finished(client, token)
        url = f"/api/v1/scans/{detail['id']}/reanalyse"
        unknown = await client.post(url, json={"room_ids": [str(uuid.uuid4())]}, headers=auth(token))
        assert unknown.status_code == 404
        agents, analysing = review_server.runtime.agents, asyncio.Event()
        analyse = agents.run

        async def held_analysis(*args: Any, **kwargs: Any) -> Any:
            await analysing.wait()  # the re-analysis stays queued or running until the test lets it go
            return await analyse(*args, **kwargs)

        monkeypatch.setattr(agents, "run", held_analysis)
        named = await client.post(url, json={"room_ids": [detail["rooms"][0]["id"]]}, headers=auth(token))
        assert named.status_code == 202 and named.json()["room_ids"] == [detail["rooms"][0]["id"]]
        again = await client.post(url, json={"room_ids": [detail["rooms"][0]["id"]]}, headers=auth(token))
        assert again.status_code == 409  # queued or running already
        queued = (await client.get(f"/api/v1/scans/{detail['id']}", headers=auth(token))).json()
        assert queued["finished_at"] is None and queued["error"] is None  # the last run's finish is not this one's
        analysing.set()
        assert (await wait_for_status(client, token, detail["id"], {"succeeded", "failed"}))["status"] == "succeeded"
        # Right away: a request that comes while the last run's job still finishes is run by that job.
        last = await client.post(url, json={"room_ids": [detail["rooms"][1]["id"]]}, headers=auth(token))
        assert last.status_code == 202, last.text
        assert (await wait_for_status(client, token, detail["id"], {"succeeded", "failed"}))["status"] == "succeeded"
