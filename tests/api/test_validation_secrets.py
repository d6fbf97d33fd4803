"""A request that does not validate is told where and why, never shown the value it sent."""

from __future__ import annotations

import pytest

from tests.conftest import LiveServer


@pytest.mark.parametrize("password", [" " * 8, "p" * 300], ids=["blank", "too-long"])
async def test_an_invalid_password_is_not_echoed(live_server: LiveServer, password: str) -> None:
    async with live_server.client() as client:
        response = await client.post(
            "/api/v1/auth/register", json={"email": "someone@example.com", "password": password}
        )
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid_input"
    errors = response.json()["detail"]
    assert errors and all("password" in error["loc"] for error in errors)
    assert all("input" not in error for error in errors)
    assert password not in response.text
