"""The migrations build exactly the tables the models describe, on SQLite and PostgreSQL, and unwind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import DateTime, Uuid, column, insert, inspect, select, table
from sqlalchemy.engine import Connection

from housescan.auth.models import User
from housescan.costs import service as costs_service
from housescan.costs.models import AgentSpend
from housescan.db.engine import create_engine, create_sessionmaker
from housescan.db.migrate import alembic_config, upgrade_database
from housescan.houses.models import House, Room
from housescan.models import Base
from housescan.scans.models import AgentRun, Scan
from housescan.scans.models import Image as ImageRow


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _downgrade_to_base(connection: Connection) -> list[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "base")
    return [name for name in inspect(connection).get_table_names() if name != "alembic_version"]


async def test_migrations_match_the_models_and_downgrade_cleanly(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
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


def _migrate_to(connection: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_the_spend_ledger_takes_over_the_spend_recorded_before_it(empty_database_url: str) -> None:
    """0004: every paid agent run of an existing scan and every deleted scan's spend move to agent_spend."""
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate_to, "0003")
        user, house, scan, gone = (uuid.uuid4() for _ in range(4))
        at = datetime(2026, 11, 20, tzinfo=UTC)
        # Core inserts naming only the columns of that revision: the models have gained columns since.
        async with engine.begin() as connection:
            await connection.execute(
                insert(User.__table__).values(id=user, email="ledger@example.com", password_hash="x")
            )
            await connection.execute(insert(House.__table__).values(id=house, user_id=user))
            await connection.execute(insert(Scan.__table__).values(id=scan, user_id=user, house_id=house))
            for tokens, usd in ((120, 0.25), (0, 0.0)):  # a paid call, and an offline one that cost nothing
                await connection.execute(
                    insert(AgentRun.__table__).values(
                        id=uuid.uuid4(),
                        scan_id=scan,
                        agent_name="room_type",
                        model="m",
                        tokens_in=tokens,
                        tokens_out=0,
                        requests=1 if tokens else 0,
                        cost_usd=usd,
                        started_at=at,
                        finished_at=at,
                    )
                )
        async with engine.begin() as connection:
            deleted_scan_spend = table(
                "deleted_scan_spend",
                *(column(name, Uuid()) for name in ("user_id", "scan_id")),
                *(column(name) for name in ("model", "requests", "tokens_in", "tokens_out", "cost_usd")),
                column("started_at", DateTime(timezone=True)),
            )
            await connection.execute(
                insert(deleted_scan_spend).values(
                    user_id=user,
                    scan_id=gone,
                    model="m",
                    requests=2,
                    tokens_in=300,
                    tokens_out=30,
                    cost_usd=1.5,
                    started_at=at,
                )
            )
        await upgrade_database(engine)
        async with create_sessionmaker(engine)() as session:
            rows = (await session.execute(select(AgentSpend).order_by(AgentSpend.cost_usd))).scalars().all()
            assert [(row.user_id, row.scan_id, row.tokens_in, row.cost_usd) for row in rows] == [
                (user, scan, 120, 0.25),
                (user, gone, 300, 1.5),
            ]
            assert await costs_service.spent_usd(db_session=session, user_id=user, since=at) == 1.75
    finally:
        await engine.dispose()


async def test_a_queued_reanalysis_keeps_its_rooms_in_their_own_column(empty_database_url: str) -> None:
    """0011: the rooms a queued re-analysis runs again move from inputs_snapshot's "reanalyse" key to
    scans.reanalyse_room_ids; a finished scan's leftover key just goes."""
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate_to, "0010")
        user, house, queued, finished = (uuid.uuid4() for _ in range(4))
        old = {"rooms": ["r1", "r2"], "since": "2026-12-01T10:00:00+00:00"}
        async with engine.begin() as connection:
            await connection.execute(insert(User.__table__).values(id=user, email="re@example.com", password_hash="x"))
            await connection.execute(insert(House.__table__).values(id=house, user_id=user))
            for scan_id, status in ((queued, "queued"), (finished, "succeeded")):
                snapshot = {"address": "1 Lane", "reanalyse": old}
                await connection.execute(
                    insert(Scan.__table__).values(
                        id=scan_id, user_id=user, house_id=house, status=status, inputs_snapshot=snapshot
                    )
                )
        await upgrade_database(engine)
        async with create_sessionmaker(engine)() as session:
            rows = {scan.id: scan for scan in (await session.scalars(select(Scan))).all()}
            assert rows[queued].reanalyse_room_ids == ["r1", "r2"] and rows[finished].reanalyse_room_ids is None
            assert rows[queued].inputs_snapshot == rows[finished].inputs_snapshot == {"address": "1 Lane"}
    finally:
        await engine.dispose()


async def test_photos_stored_before_the_quality_measures_stay_unmeasured(empty_database_url: str) -> None:
    """0012: images.quality is added empty (an unmeasured photo has no flags), holds the measures, and goes
    again on a downgrade without touching the photos."""
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_migrate_to, "0011")
        user, house, scan, room, image = (uuid.uuid4() for _ in range(5))
        async with engine.begin() as connection:
            await connection.execute(insert(User.__table__).values(id=user, email="q@example.com", password_hash="x"))
            await connection.execute(insert(House.__table__).values(id=house, user_id=user))
            await connection.execute(insert(Scan.__table__).values(id=scan, user_id=user, house_id=house))
            await connection.execute(insert(Room.__table__).values(id=room, scan_id=scan, ordinal=0))
            await connection.execute(
                insert(_IMAGES_0011).values(
                    id=image,
                    scan_id=scan,
                    room_id=room,
                    object_key="scans/s/i.jpg",
                    sha256="0" * 64,
                    content_type="image/jpeg",
                    width=640,
                    height=480,
                    bytes=1000,
                    created_at=datetime.now(UTC),
                )
            )
        await upgrade_database(engine)
        measures = {
            "width": 640,
            "height": 480,
            "brightness": 12.5,
            "clipped": 0.0,
            "sharpness": 3.0,
            "dhash": "0" * 16,
        }
        async with create_sessionmaker(engine)() as session:
            row = await session.get(ImageRow, image)
            assert row is not None and row.quality is None
            row.quality = measures
            await session.commit()
        async with create_sessionmaker(engine)() as session:
            assert (await session.scalar(select(ImageRow.quality))) == measures
        async with engine.begin() as connection:
            assert "quality" not in await connection.run_sync(_image_columns_after_downgrade_to, "0011")
            assert (await connection.execute(select(column("id")).select_from(table("images")))).scalar_one()
    finally:
        await engine.dispose()


_IMAGES_0011 = table(
    "images",
    *(column(name, Uuid()) for name in ("id", "scan_id", "room_id")),
    *(column(name) for name in ("object_key", "sha256", "content_type", "width", "height", "bytes")),
    column("created_at", DateTime(timezone=True)),
)


def _image_columns_after_downgrade_to(connection: Connection, revision: str) -> set[str]:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
    return {c["name"] for c in inspect(connection).get_columns("images")}
