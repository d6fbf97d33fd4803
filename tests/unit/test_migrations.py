"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL, and unwind."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from housescan.db.engine import create_engine
from housescan.db.migrate import alembic_config, upgrade_database
from housescan.db.models import Base


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _downgrade_to_base(connection: Connection) -> list[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    return [name for name in inspect(connection).get_table_names() if name != "alembic_version"]


async def test_migrations_match_the_models_and_downgrade_cleanly(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_database(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
        async with engine.begin() as connection:
            assert await connection.run_sync(_downgrade_to_base) == []
        await upgrade_database(engine)  # and back up again from nothing
        async with engine.connect() as connection:
            assert await connection.run_sync(_differences) == []
    finally:
        await engine.dispose()
