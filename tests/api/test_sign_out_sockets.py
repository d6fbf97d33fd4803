"""Ending a sign-in disconnects the sockets it opened: a signed-out tab stops receiving the account's events.

Logout ends one sign-in's sockets and leaves the account's other sign-ins connected; a password change ends
every earlier sign-in's. With Redis, whichever API process holds them: tests/scaleout/test_sign_out_sockets.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import LiveServer
from tests.helpers import PASSWORD, auth, create_scan, photo, unique_email, upload
from tests.realtime_client import EventRecorder


async def _signed_up(client: httpx.AsyncClient) -> dict[str, str]:
    credentials = {"email": unique_email(), "password": PASSWORD}
    assert (await client.post("/api/v1/auth/register", json=credentials)).status_code == 201
    return credentials


async def _sign_in(client: httpx.AsyncClient, credentials: dict[str, str]) -> dict[str, Any]:
    signed_in = await client.post("/api/v1/auth/login", json=credentials)
    assert signed_in.status_code == 200, signed_in.text
    tokens: dict[str, Any] = signed_in.json()
    return tokens


async def _tab(server: LiveServer, tokens: dict[str, Any]) -> EventRecorder:
    tab = EventRecorder()
    await tab.connect(server.url, tokens["access_token"])
    return tab


async def _still_told(server: LiveServer, tab: EventRecorder, token: str) -> None:
    """The tab is connected and receives the account's next event."""
    async with server.client() as client:
        scan = await create_scan(client, token, rooms=1)
        assert (await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])).status_code == 200
    await tab.wait_for("scan:uploaded", scan["id"], timeout=30)
    assert tab.client.connected and not tab.dropped.is_set()


async def test_logout_disconnects_that_sign_ins_sockets_and_no_other(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        credentials = await _signed_up(client)
        phone, laptop = await _sign_in(client, credentials), await _sign_in(client, credentials)
        phone_tabs = [await _tab(live_server, phone), await _tab(live_server, phone)]
        laptop_tab = await _tab(live_server, laptop)
        try:
            out = await client.post("/api/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})
            assert out.status_code == 204
            for tab in phone_tabs:
                await asyncio.wait_for(tab.dropped.wait(), 30)
                assert not tab.client.connected
            await _still_told(live_server, laptop_tab, laptop["access_token"])
            assert all(tab.events == [] for tab in phone_tabs), "nothing reached the signed-out tabs"
        finally:
            for tab in (*phone_tabs, laptop_tab):
                await tab.disconnect()


async def test_a_password_change_disconnects_every_earlier_sign_in(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        credentials = await _signed_up(client)
        here, elsewhere = await _sign_in(client, credentials), await _sign_in(client, credentials)
        tabs = [await _tab(live_server, here), await _tab(live_server, elsewhere)]
        try:
            changed = await client.post(
                "/api/v1/me/password",
                json={"current_password": PASSWORD, "new_password": "another long password"},
                headers=auth(here["access_token"]),
            )
            assert changed.status_code == 200, changed.text
            for tab in tabs:
                await asyncio.wait_for(tab.dropped.wait(), 30)
            # The tab that changed it reconnects with the tokens the change returned.
            reconnected = await _tab(live_server, changed.json())
            tabs.append(reconnected)
            await _still_told(live_server, reconnected, changed.json()["access_token"])
        finally:
            for tab in tabs:
                await tab.disconnect()
