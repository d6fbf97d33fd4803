"""The whole path of a scan, as a person's browser sees it: upload, live events, the report."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import func, select

from housescan.auth.models import User
from housescan.houses.models import House, Room
from housescan.realtime.models import ScanEvent
from housescan.scans.models import AgentRun, HouseScanSummary, Image, Scan
from housescan.storage import renditions
from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload, wait_for_status
from tests.realtime_client import EventRecorder


async def test_scan_end_to_end_with_live_events(live_server: LiveServer) -> None:
    recorder = EventRecorder()
    async with live_server.client() as client:
        token = await register(client)
        await recorder.connect(live_server.url, token)
        scan = await create_scan(client, token, rooms=2)
        assert scan["status"] == "draft"
        assert [room["ordinal"] for room in scan["rooms"]] == [0, 1]
        scan_id = scan["id"]

        response = await upload(
            client,
            token,
            scan_id,
            [
                ("kitchen-1.jpg", photo((200, 200, 210)), 0),
                ("kitchen-2.jpg", photo((90, 60, 40)), 0),
                ("bath.png", photo((240, 240, 250), fmt="PNG"), 1),
            ],
        )
        assert response.status_code == 200, response.text
        uploaded = response.json()
        assert len(uploaded["images"]) == 3 and uploaded["duplicates"] == []
        assert {image["width"] for image in uploaded["images"]} == {320}

        response = await client.post(f"/api/v1/scans/{scan_id}/process", json={}, headers=auth(token))
        assert response.status_code == 202
        assert response.json() == {"id": scan_id, "status": "queued"}

        completed = await recorder.wait_for("scan:completed", scan_id)
        names = recorder.names(scan_id)
        assert names[0] == "scan:uploaded" and names[1] == "scan:processing"
        assert names[-1] == "scan:completed"
        progress = [payload for name, payload in recorder.events if name == "scan:progress"]
        assert len(progress) >= 4, "progress moves in real steps, not only at the start and end"
        values = [p["progress"] for p in progress]
        assert values == sorted(values) and values[-1] <= 100
        assert all(isinstance(p["stage"], str) and p["stage"] for p in progress)
        event_ids = [payload["eventId"] for _, payload in recorder.events]
        assert event_ids == sorted(event_ids) and len(set(event_ids)) == len(event_ids)
        assert completed["message"] and {room["room_id"] for room in completed["result"]["rooms"]} == {
            r["id"] for r in scan["rooms"]
        }

        detail = (await client.get(f"/api/v1/scans/{scan_id}", headers=auth(token))).json()
        assert detail["status"] == "succeeded" and detail["attempts"] == 1 and detail["error"] is None
        assert detail["started_at"] and detail["finished_at"]
        # The offline models abstain on a house type they have no strong evidence for ("not determined").
        detected = detail["detected_house_types"]
        assert detail["house"]["house_type"] == (detected[0] if detected else None)
        assert detail["house"]["address"] == "1 Test Street"
        for room in detail["rooms"]:
            assert room["detected_room_types"], room
        assert len(detail["rooms"][0]["images"]) == 2
        agent_names = sorted(run["agent_name"] for run in detail["agent_runs"])
        assert agent_names == sorted(
            ["house_type", "house_checklist", "pros_cons"] + ["room_type", "room_checklist", "products"] * 2
        )
        summary = detail["summary"]
        assert summary["schema_version"] == "2.0.0"
        assert summary["summary_json"]["metadata"]["pipeline_version"] == "2.0.0"
        assert summary["summary_json"]["metadata"]["total_agent_executions"] == 9

        image_url = detail["rooms"][0]["images"][0]["url"]
        image = await client.get(image_url)
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"

        for path in (f"/api/v1/scans/{scan_id}/summary", f"/api/summaries/scan/{scan_id}"):
            response = await client.get(path, headers=auth(token))
            assert response.status_code == 200
            assert response.json()["scan_id"] == scan_id
            assert response.json()["summary_json"] == summary["summary_json"]

    await recorder.disconnect()

    async with live_server.runtime.sessionmaker() as session:
        sid = uuid.UUID(scan_id)

        async def count(model: type, *where: object) -> int:
            return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        assert await count(User) == 1
        assert await count(House) == 1
        assert await count(Scan, Scan.id == sid) == 1
        assert await count(Room, Room.scan_id == sid) == 2
        assert await count(Image, Image.scan_id == sid) == 3
        assert await count(AgentRun, AgentRun.scan_id == sid) == 9
        assert await count(HouseScanSummary, HouseScanSummary.scan_id == sid) == 1
        assert await count(ScanEvent, ScanEvent.scan_id == sid) == len(recorder.events)
        room_types = list(await session.scalars(select(Room.detected_room_types).where(Room.scan_id == sid)))
        assert all(room_types)


async def test_history_pagination_and_delete(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        ids = []
        for _ in range(5):
            ids.append((await create_scan(client, token, rooms=1))["id"])
        await upload(client, token, ids[-1], [("a.jpg", photo(), 0)])

        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await client.get("/api/v1/scans", params=params, headers=auth(token))).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(reversed(ids)), "newest first, every scan once"
        newest = (await client.get("/api/v1/scans", params={"limit": 1}, headers=auth(token))).json()["items"][0]
        assert newest["images_count"] == 1 and newest["rooms_count"] == 1 and newest["status"] == "draft"
        bad = await client.get("/api/v1/scans", params={"cursor": "not-a-cursor"}, headers=auth(token))
        assert bad.status_code == 400

        photos_dir = Path(live_server.runtime.settings.photos_dir) / "scans" / ids[-1]
        await renditions.idle()  # its thumbnails are made in the background; deleting the scan deletes them
        assert len([path for path in photos_dir.iterdir() if not renditions.is_rendition_key(path.name)]) == 1
        assert len(list(photos_dir.iterdir())) == 3
        assert (await client.delete(f"/api/v1/scans/{ids[-1]}", headers=auth(token))).status_code == 204
        assert not photos_dir.exists(), "the empty photo folder goes too"
        assert (await client.get(f"/api/v1/scans/{ids[-1]}", headers=auth(token))).status_code == 404
        async with live_server.runtime.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Image)) == 0
            assert (
                await session.scalar(select(func.count()).select_from(Room).where(Room.scan_id == uuid.UUID(ids[-1])))
                == 0
            )


async def test_process_needs_a_photo_and_runs_once_leaving_a_room_without_photos_unanalysed(
    live_server: LiveServer,
) -> None:
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=2)
        empty = await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
        assert empty.status_code == 409 and "no photos" in empty.json()["detail"]
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
        accepted = await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
        assert accepted.status_code == 202, accepted.text
        again = await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
        assert again.status_code == 409
        detail = await wait_for_status(client, token, scan["id"], {"succeeded", "failed"})
        assert detail["status"] == "succeeded", detail
        summary = (await client.get(f"/api/v1/scans/{scan['id']}/summary", headers=auth(token))).json()
        analysed = [room["room_id"] for room in summary["summary_json"]["result"]["rooms"]]
        assert analysed == [scan["rooms"][0]["id"]]
        report = (await client.get(f"/api/v1/scans/{scan['id']}/report", headers=auth(token))).json()
        assert [room["id"] for room in report["limitations"]["rooms_without_photos"]] == [scan["rooms"][1]["id"]]
