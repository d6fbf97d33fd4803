"""The database engine: a pooled connection the server has dropped is replaced before it is used."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from housescan.db.engine import create_engine
from tests.conftest import _pg_admin


async def test_a_pooled_connection_the_server_dropped_is_replaced_before_use(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server to drop a connection")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            first = await connection.scalar(text("SELECT pg_backend_pid()"))
        await _pg_admin(f"SELECT pg_terminate_backend({int(first)})")
        async with engine.connect() as connection:  # would fail with "connection is closed" unpinged
            second = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert second != first
        assert engine.pool.checkedout() == 0
    finally:
        await engine.dispose()
