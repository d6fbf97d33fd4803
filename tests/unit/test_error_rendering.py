"""The error handler's answers to what no service turned into a HouseScanError of its own."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from housescan.errors import install_error_handler


@pytest.mark.parametrize("error", [RedisConnectionError("refused"), RedisTimeoutError("timed out")])
async def test_a_redis_error_reaching_a_route_answers_503_json(error: Exception) -> None:
    app = FastAPI()
    install_error_handler(app)

    @app.get("/needs-redis")
    async def needs_redis() -> None:
        raise error

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/needs-redis")
    assert response.status_code == 503
    assert response.json()["error"] == "redis_unavailable"
    assert "Redis" in response.json()["detail"]
    assert response.headers["Retry-After"] == "5"
