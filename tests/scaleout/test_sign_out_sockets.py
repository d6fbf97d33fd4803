"""With Redis, a sign-out disconnects the sign-in's sockets whichever API process holds them (the closing of
their room is published to every process)."""

from __future__ import annotations

import asyncio

import pytest

from housescan.config import Settings
from tests.api.test_sign_out_sockets import _sign_in, _signed_up, _still_told, _tab
from tests.conftest import start_server
from tests.scaleout.conftest import REDIS_URL


async def test_with_redis_the_api_process_holding_the_socket_disconnects_it(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, redis_prefix: str
) -> None:
    monkeypatch.setenv("HOUSESCAN_REDIS_PREFIX", redis_prefix)
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "run_worker": False})
    holding, other = await start_server(shared), await start_server(shared)
    try:
        async with other.client() as client:
            credentials = await _signed_up(client)
            phone, laptop = await _sign_in(client, credentials), await _sign_in(client, credentials)
            phone_tab, laptop_tab = await _tab(holding, phone), await _tab(holding, laptop)
            try:
                out = await client.post("/api/v1/auth/logout", json={"refresh_token": phone["refresh_token"]})
                assert out.status_code == 204
                await asyncio.wait_for(phone_tab.dropped.wait(), 30)
                await _still_told(holding, laptop_tab, laptop["access_token"])
            finally:
                await phone_tab.disconnect()
                await laptop_tab.disconnect()
    finally:
        await holding.stop()
        await other.stop()
