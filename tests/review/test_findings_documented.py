"""Findings, documented (docs/ARCHITECTURE.md §7): every field created and edited (trade, cost range and its
source, marks on the finding's photos, its room), what is refused and why, close-ups uploaded to a finding,
and another user's finding as absent as a missing one."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer
from tests.helpers import auth, photo, register
from tests.realtime_client import EventRecorder
from tests.review.conftest import finished


def _findings_url(scan_id: str, finding_id: str | None = None) -> str:
    return f"/api/v1/scans/{scan_id}/findings" + (f"/{finding_id}" if finding_id else "")


async def _create(client: httpx.AsyncClient, token: str, scan_id: str, **body: Any) -> dict[str, Any]:
    response = await client.post(
        _findings_url(scan_id), json={"title": "Damp patch", "severity": "major", **body}, headers=auth(token)
    )
    assert response.status_code == 201, response.text
    finding: dict[str, Any] = response.json()
    return finding


async def _patch(client: httpx.AsyncClient, token: str, scan_id: str, finding_id: str, **body: Any) -> httpx.Response:
    return await client.patch(_findings_url(scan_id, finding_id), json=body, headers=auth(token))


def _shown(*marks: dict[str, Any]) -> list[dict[str, Any]]:
    """Marks as the API answers them: a pin's absent size reads as null."""
    return [{"w": None, "h": None, **mark} for mark in marks]


def _rejected_field(response: httpx.Response) -> str:
    """The field a 422 names: the last part of the error's location, or the message itself."""
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    if isinstance(detail, list):
        return " ".join(f"{error['loc'][-1]}: {error['msg']}" for error in detail)
    return str(detail)


async def _report(client: httpx.AsyncClient, token: str, scan_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth(token))
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def _reviewed(client: httpx.AsyncClient) -> tuple[str, str, list[dict[str, Any]], list[str]]:
    """A new user's finished scan of a kitchen and a bedroom: the token, the scan id, its rooms, and the
    ids of the kitchen's two photos."""
    token = await register(client)
    detail = await finished(client, token)
    return token, detail["id"], detail["rooms"], [image["id"] for image in detail["rooms"][0]["images"]]


def _upload_photos(
    client: httpx.AsyncClient, token: str, scan_id: str, finding_id: str, files: list[tuple[str, bytes]]
) -> Any:
    return client.post(
        f"{_findings_url(scan_id, finding_id)}/photos",
        files=[("images", (name, data, "image/jpeg")) for name, data in files],
        headers=auth(token),
    )


async def test_a_finding_carries_every_field_and_a_patch_edits_or_clears_each(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token, scan_id, (kitchen, bedroom), (first, second) = await _reviewed(client)
        box = {"photo_id": first, "shape": "box", "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.4}
        created = await _create(
            client,
            token,
            scan_id,
            room_id=kitchen["id"],
            note=" Behind the fridge ",
            photo_ids=[first, second],
            checklist_item_id="walls_condition",
            trade="damp_specialist",
            cost_low=200,
            cost_high=650.5,
            marks=[box, {"photo_id": second, "shape": "pin", "x": 0.5, "y": 0.5}],
        )
        assert created["trade"] == "damp_specialist" and created["note"] == "Behind the fridge"
        assert (created["cost_low"], created["cost_high"], created["cost_source"]) == (200, 650.5, "person")
        assert created["marks"] == _shown(box, {"photo_id": second, "shape": "pin", "x": 0.5, "y": 0.5})
        assert created["photo_ids"] == [first, second] and created["room_id"] == kitchen["id"]
        finding_id = created["id"]
        got = await client.get(_findings_url(scan_id, finding_id), headers=auth(token))
        assert got.status_code == 200 and got.json()["marks"] == created["marks"]

        edits: list[tuple[dict[str, Any], dict[str, Any]]] = [
            ({"title": " Mould in the corner "}, {"title": "Mould in the corner"}),
            ({"severity": "safety"}, {"severity": "safety"}),
            ({"note": "Spreading"}, {"note": "Spreading"}),
            ({"checklist_item_id": "mould"}, {"checklist_item_id": "mould"}),
            ({"trade": "builder"}, {"trade": "builder"}),
            ({"cost_high": 900}, {"cost_low": 200, "cost_high": 900, "cost_source": "person"}),
            ({"cost_low": 300, "cost_source": "guide-damp-17"}, {"cost_low": 300, "cost_source": "guide-damp-17"}),
            # A cost guide's suggestion stays its source until the person changes the source.
            ({"cost_low": 350}, {"cost_low": 350, "cost_high": 900, "cost_source": "guide-damp-17"}),
            (
                {"marks": [{"photo_id": second, "shape": "arrow", "x": 0.2, "y": 0.3, "w": 0.1, "h": 0.1}]},
                {"marks": _shown({"photo_id": second, "shape": "arrow", "x": 0.2, "y": 0.3, "w": 0.1, "h": 0.1})},
            ),
            # Taking a photo out of the finding takes the marks on it too.
            ({"photo_ids": [first]}, {"photo_ids": [first], "marks": []}),
            ({"photo_ids": [first, second], "marks": [box]}, {"photo_ids": [first, second], "marks": _shown(box)}),
            # Null clears what can be empty; a range goes with its source.
            ({"note": None, "trade": None, "checklist_item_id": None}, {"note": None, "trade": None}),
            ({"cost_low": None, "cost_high": None}, {"cost_low": None, "cost_high": None, "cost_source": None}),
            ({"marks": None}, {"marks": []}),
            # Into another room: with that room's photos.
            (
                {"room_id": bedroom["id"], "photo_ids": [bedroom["images"][0]["id"]]},
                {"room_id": bedroom["id"], "photo_ids": [bedroom["images"][0]["id"]]},
            ),
            ({"room_id": None, "photo_ids": None}, {"room_id": None, "photo_ids": []}),
        ]
        for body, expected in edits:
            response = await _patch(client, token, scan_id, finding_id, **body)
            assert response.status_code == 200, (body, response.text)
            shown = response.json()
            assert {key: shown[key] for key in expected} == expected, body
            report = await _report(client, token, scan_id)
            assert [f for f in report["findings"] if f["id"] == finding_id] == [shown], body
        assert shown["checklist_item_id"] is None and shown["title"] == "Mould in the corner"


async def test_marks_off_the_photo_or_on_another_photo_are_refused_naming_what_is_wrong(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token, scan_id, (kitchen, bedroom), (first, second) = await _reviewed(client)
        finding = await _create(client, token, scan_id, room_id=kitchen["id"], photo_ids=[first])
        refused: list[tuple[dict[str, Any], str]] = [
            ({"photo_id": first, "shape": "pin", "x": 1.2, "y": 0.5}, "x"),
            ({"photo_id": first, "shape": "pin", "x": 0.5, "y": -0.1}, "y"),
            ({"photo_id": first, "shape": "box", "x": 0.1, "y": 0.1, "w": 1.5, "h": 0.2}, "w"),
            ({"photo_id": first, "shape": "box", "x": 0.8, "y": 0.1, "w": 0.3, "h": 0.2}, "inside the photo"),
            ({"photo_id": first, "shape": "box", "x": 0.1, "y": 0.7, "w": 0.2, "h": 0.5}, "inside the photo"),
            ({"photo_id": first, "shape": "star", "x": 0.1, "y": 0.1}, "shape"),
            ({"photo_id": second, "shape": "pin", "x": 0.5, "y": 0.5}, second),
            ({"photo_id": str(uuid.uuid4()), "shape": "pin", "x": 0.5, "y": 0.5}, "not one of the finding's photos"),
        ]
        for mark, named in refused:
            patched = await _patch(client, token, scan_id, finding["id"], marks=[mark])
            assert named in _rejected_field(patched), (mark, patched.text)
            created = await client.post(
                _findings_url(scan_id),
                json={
                    "title": "x",
                    "severity": "note",
                    "room_id": kitchen["id"],
                    "photo_ids": [first],
                    "marks": [mark],
                },
                headers=auth(token),
            )
            assert named in _rejected_field(created), (mark, created.text)
        # A mark sent with photos of the finding's new room must be on one of them.
        moved = await _patch(
            client,
            token,
            scan_id,
            finding["id"],
            room_id=bedroom["id"],
            photo_ids=[bedroom["images"][0]["id"]],
            marks=[{"photo_id": first, "shape": "pin", "x": 0.5, "y": 0.5}],
        )
        assert first in _rejected_field(moved)
        # Moving to another room with the old room's photos: refused (its photos must be that room's).
        assert "not photos of this room" in _rejected_field(
            await _patch(client, token, scan_id, finding["id"], room_id=bedroom["id"])
        )
        # Nothing was half-stored: the finding is as it was.
        report = await _report(client, token, scan_id)
        assert [(f["room_id"], f["photo_ids"], f["marks"]) for f in report["findings"]] == [
            (kitchen["id"], [first], [])
        ]


async def test_cost_ranges_are_checked_against_the_stored_end(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan_id = (await finished(client, token, labels=("Kitchen",)))["id"]
        for body, named in (
            ({"cost_low": 500, "cost_high": 100}, "cost_low (500) is above cost_high (100)"),
            ({"cost_low": -5, "cost_high": 100}, "cost_low"),
            ({"cost_low": 5, "cost_high": -1}, "cost_high"),
            ({"cost_low": 5}, "cost_high"),
            ({"cost_high": 5}, "cost_low"),
            ({"cost_low": 5, "cost_high": 10, "trade": "astrologer"}, "trade"),
        ):
            response = await client.post(
                _findings_url(scan_id), json={"title": "Leak", "severity": "major", **body}, headers=auth(token)
            )
            assert named in _rejected_field(response), (body, response.text)
        finding = await _create(client, token, scan_id, cost_low=100, cost_high=400, cost_source="guide-7")
        assert finding["cost_source"] == "guide-7"
        for body, named in (
            ({"cost_high": 50}, "cost_high (50) is below the finding's cost_low (100)"),
            ({"cost_low": 401}, "cost_low (401) is above the finding's cost_high (400)"),
            ({"cost_low": 500, "cost_high": 450}, "cost_low (500) is above cost_high (450)"),
            ({"cost_high": None}, "cost_high"),
            ({"cost_low": -1}, "cost_low"),
            ({"title": None}, "title"),
            ({"severity": None}, "severity"),
        ):
            response = await _patch(client, token, scan_id, finding["id"], **body)
            assert named in _rejected_field(response), (body, response.text)
        stored = (await client.get(_findings_url(scan_id, finding["id"]), headers=auth(token))).json()
        assert (stored["cost_low"], stored["cost_high"], stored["cost_source"]) == (100, 400, "guide-7")
        report = await _report(client, token, scan_id)
        assert (report["costs"]["low"], report["costs"]["high"]) == (100, 400)


async def test_close_ups_uploaded_to_a_finding_are_its_rooms_photos_and_its_own(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token, scan_id, (kitchen, _bedroom), (existing, _second) = await _reviewed(client)
        finding = await _create(client, token, scan_id, room_id=kitchen["id"], photo_ids=[existing])
        recorder = EventRecorder()
        recorder.client.on("scan:updated", recorder._recorder("scan:updated"), namespace="/scans")
        await recorder.connect(review_server.url, token)
        try:
            added = await _upload_photos(
                client,
                token,
                scan_id,
                finding["id"],
                [("close-up.jpg", photo((200, 30, 30))), ("wide.jpg", photo((30, 30, 200)))],
            )
            assert added.status_code == 201, added.text
            await recorder.wait_for("scan:updated", scan_id)
        finally:
            await recorder.disconnect()
        photo_ids = added.json()["photo_ids"]
        assert len(photo_ids) == 3 and photo_ids[0] == existing
        report = await _report(client, token, scan_id)
        kitchen_photos = [image["id"] for image in report["rooms"][0]["images"]]
        assert set(photo_ids) <= set(kitchen_photos) and len(kitchen_photos) == 4
        assert len(report["rooms"][1]["images"]) == 2
        assert [f["photo_ids"] for f in report["findings"]] == [photo_ids]
        # A close-up can be marked at once.
        marked = await _patch(
            client,
            token,
            scan_id,
            finding["id"],
            marks=[{"photo_id": photo_ids[1], "shape": "pin", "x": 0.4, "y": 0.6}],
        )
        assert marked.status_code == 200, marked.text

        # The same photo again is not stored twice; it is already the finding's.
        again = await _upload_photos(client, token, scan_id, finding["id"], [("close-up.jpg", photo((200, 30, 30)))])
        assert again.status_code == 201 and again.json()["photo_ids"] == photo_ids

        # A file that is not a photo: the whole request is refused, naming it; nothing is stored.
        bad = await _upload_photos(
            client, token, scan_id, finding["id"], [("ok.jpg", photo((10, 200, 10))), ("notes.jpg", b"not a photo")]
        )
        assert bad.status_code == 422, bad.text
        assert [error["file"] for error in bad.json()["detail"]["errors"]] == ["notes.jpg"]
        not_multipart = await client.post(
            f"{_findings_url(scan_id, finding['id'])}/photos", json={"images": []}, headers=auth(token)
        )
        assert not_multipart.status_code == 415, not_multipart.text
        empty = await client.post(
            f"{_findings_url(scan_id, finding['id'])}/photos", files={"other": ("x.txt", b"x")}, headers=auth(token)
        )
        assert empty.status_code == 422 and "images" in empty.text
        limit = review_server.runtime.settings.max_images_per_request
        too_many = await _upload_photos(
            client, token, scan_id, finding["id"], [(f"{n}.jpg", b"x") for n in range(limit + 1)]
        )
        assert too_many.status_code == 413 and f"at most {limit} per request" in too_many.text
        after = await _report(client, token, scan_id)
        assert [image["id"] for image in after["rooms"][0]["images"]] == kitchen_photos
        assert [f["photo_ids"] for f in after["findings"]] == [photo_ids]

        # A finding of the whole home has no room to put the photos in.
        homewide = await _create(client, token, scan_id, title="Roof")
        refused = await _upload_photos(client, token, scan_id, homewide["id"], [("roof.jpg", photo((90, 90, 90)))])
        assert "choose the finding's room before adding photos" in _rejected_field(refused)
        assert len((await _report(client, token, scan_id))["rooms"][0]["images"]) == 4


@pytest.mark.parametrize("who", ["stranger", "owner of another scan"])
async def test_another_users_finding_is_404_on_every_finding_route(review_server: LiveServer, who: str) -> None:
    async with review_server.client() as client:
        owner = await register(client)
        detail = await finished(client, owner, labels=("Kitchen",))
        scan_id = detail["id"]
        finding = await _create(client, owner, scan_id, room_id=detail["rooms"][0]["id"])
        if who == "stranger":
            token = await register(client)
            path_scan = scan_id
        else:  # the owner, through another of their scans: the finding is not that scan's
            token = owner
            path_scan = (await client.post("/api/v1/scans", json={"rooms_count": 1}, headers=auth(owner))).json()["id"]
        url = _findings_url(path_scan, finding["id"])
        for method, body in (("GET", None), ("PATCH", {"title": "Mine now"}), ("DELETE", None)):
            response = await client.request(method, url, json=body, headers=auth(token))
            assert response.status_code == 404, (method, response.text)
        photos = await _upload_photos(client, token, path_scan, finding["id"], [("x.jpg", photo((1, 2, 3)))])
        assert photos.status_code == 404, photos.text
        report = await _report(client, owner, scan_id)
        assert [(f["title"], f["photo_ids"]) for f in report["findings"]] == [("Damp patch", [])]
        assert len(report["rooms"][0]["images"]) == 2
