"""Reconnecting with the last event id seen replays what was missed, in order, then live events follow."""

from __future__ import annotations

import asyncio

from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload, wait_for_status
from tests.realtime_client import EventRecorder


async def test_reconnect_replays_missed_events_in_order(live_server: LiveServer) -> None:
    first = EventRecorder()
    async with live_server.client() as client:
        token = await register(client)
        await first.connect(live_server.url, token)
        scan = await create_scan(client, token, rooms=1)
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
        uploaded = await first.wait_for("scan:uploaded", scan["id"], timeout=10)
        await first.disconnect()

        # While no tab is open the scan is processed to the end.
        await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(token))
        await wait_for_status(client, token, scan["id"], {"succeeded"})

        second = EventRecorder()
        await second.connect(live_server.url, token, last_event_id=uploaded["eventId"])
        await second.wait_for("scan:completed", scan["id"], timeout=10)
        names = second.names()
        assert names[0] == "scan:processing" and names[-1] == "scan:completed"
        assert "scan:uploaded" not in names
        ids = [payload["eventId"] for _, payload in second.events]
        assert ids == sorted(ids) and ids[0] > uploaded["eventId"]

        # Live events still reach the reconnected socket.
        another = await create_scan(client, token, rooms=1)
        await upload(client, token, another["id"], [("b.jpg", photo((9, 9, 9)), 0)])
        await second.wait_for("scan:uploaded", another["id"], timeout=10)

        # A fresh tab without a last id gets only live events, not the history.
        fresh = EventRecorder()
        await fresh.connect(live_server.url, token)
        await asyncio.sleep(0.3)
        assert fresh.events == []
        await fresh.disconnect()
        await second.disconnect()
