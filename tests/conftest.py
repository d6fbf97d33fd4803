"""Shared fixtures: a fresh database per test on SQLite and on the real PostgreSQL server, and a live
server (uvicorn in this event loop) that tests talk to over real HTTP and Socket.IO."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn

from housescan.agents.client import AgentsClient
from housescan.app import create_app, runtime_of
from housescan.config import Settings
from housescan.runtime import Runtime
from tests.helpers import free_port

PG_ADMIN_DSN = os.environ.get("HOUSESCAN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every database test runs twice: on an SQLite file and on a database of its own in PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'housescan.db'}"
        return
    name = f"housescan_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        job_backoff_seconds=0.05,
        sweep_interval_seconds=3600,
        web_dir=tmp_path / "no-web",
    )


@dataclass
class LiveServer:
    url: str
    runtime: Runtime
    server: uvicorn.Server
    task: asyncio.Task[None]

    def client(self, token: str | None = None) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=60)

    async def stop(self) -> None:
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self.task, timeout=20)


async def start_server(settings: Settings, agents: AgentsClient | None = None) -> LiveServer:
    app = create_app(settings, agents=agents)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server stopped during start-up")
        await asyncio.sleep(0.01)
    return LiveServer(url=f"http://127.0.0.1:{port}", runtime=runtime_of(app), server=server, task=task)


@pytest.fixture
async def live_server(settings: Settings) -> AsyncIterator[LiveServer]:
    server = await start_server(settings)
    yield server
    await server.stop()
