"""A user sees only their own data: another user's ids answer 404 everywhere, and no events cross over."""

from __future__ import annotations

import asyncio

from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload
from tests.realtime_client import EventRecorder


async def test_another_users_scan_is_not_found_everywhere(live_server: LiveServer) -> None:
    owner_events, intruder_events = EventRecorder(), EventRecorder()
    async with live_server.client() as client:
        owner = await register(client, "owner@example.com")
        intruder = await register(client, "intruder@example.com")
        await owner_events.connect(live_server.url, owner)
        await intruder_events.connect(live_server.url, intruder, last_event_id=0)

        scan = await create_scan(client, owner, rooms=1)
        scan_id = scan["id"]
        assert (await upload(client, owner, scan_id, [("a.jpg", photo(), 0)])).status_code == 200
        await owner_events.wait_for("scan:uploaded", scan_id, timeout=10)

        attempts = [
            client.get(f"/api/v1/scans/{scan_id}", headers=auth(intruder)),
            client.get(f"/api/v1/scans/{scan_id}/summary", headers=auth(intruder)),
            client.get(f"/api/summaries/scan/{scan_id}", headers=auth(intruder)),
            client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(intruder)),
            upload(client, intruder, scan_id, [("b.jpg", photo((1, 1, 1)), 0)]),
            client.delete(f"/api/v1/scans/{scan_id}", headers=auth(intruder)),
            client.post("/api/v1/scans", json={"house_id": scan["house_id"], "rooms_count": 1}, headers=auth(intruder)),
        ]
        for response in await asyncio.gather(*attempts):
            assert response.status_code == 404, (response.request.url, response.status_code)
            assert scan_id not in response.text and "Test Street" not in response.text
        listing = (await client.get("/api/v1/scans", headers=auth(intruder))).json()
        assert listing["items"] == []

        # The owner's data is untouched by all of the above.
        detail = await client.get(f"/api/v1/scans/{scan_id}", headers=auth(owner))
        assert detail.status_code == 200 and detail.json()["status"] == "draft"
        assert len(detail.json()["rooms"][0]["images"]) == 1

        # The intruder's socket (even asking for a replay from the start) never saw the owner's event.
        await asyncio.sleep(0.3)
        assert intruder_events.events == []
        admin_only = await client.get("/api/v1/admin/queue/health", headers=auth(intruder))
        assert admin_only.status_code == 403
    await owner_events.disconnect()
    await intruder_events.disconnect()


async def test_socket_refuses_missing_or_bad_tokens(live_server: LiveServer) -> None:
    import socketio

    for auth_payload in (None, {}, {"token": "nonsense"}):
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(
                live_server.url, auth=auth_payload, namespaces=["/scans"], transports=["websocket"], wait_timeout=5
            )
        except socketio.exceptions.ConnectionError:
            pass
        else:
            raise AssertionError(f"connected with auth={auth_payload!r}")
        finally:
            await client.disconnect()
