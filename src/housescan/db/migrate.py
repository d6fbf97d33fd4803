"""Apply Alembic migrations at start-up (`serve`) or once before a fleet starts (`housescan db upgrade`), and
tell the other commands whether the database's schema is the one this version knows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant works: it only has to be the same for every HouseScan process sharing a database.
_PG_MIGRATION_LOCK = 0x484F555345


class SchemaMismatch(Exception):
    """The database's schema is not the one this version of HouseScan works with."""

    def __init__(self, message: str, *, revision: str | None, head: str) -> None:
        super().__init__(message)
        self.message = message
        self.revision = revision
        self.head = head


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # None: a database never migrated
    after: str

    @property
    def applied(self) -> bool:
        return self.before != self.after

    @property
    def steps(self) -> int:
        """How many migrations took the database from `before` to `after`."""
        script = ScriptDirectory.from_config(alembic_config())
        return len(list(script.iterate_revisions(self.after, self.before or "base")))


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest revision this version knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def is_known(revision: str | None) -> bool:
    """None (never migrated) or a revision this version has a migration for."""
    script = ScriptDirectory.from_config(alembic_config())
    return revision is None or revision in {known.revision for known in script.walk_revisions()}


def _refuse_unknown(revision: str | None) -> None:
    """A revision this version has no script for was written by a newer HouseScan: migrating from it (or working
    on its tables) cannot be right."""
    if not is_known(revision):
        head = head_revision()
        raise SchemaMismatch(
            f"the database was migrated by a newer HouseScan (revision {revision}); this version knows revisions "
            f"up to {head}: run the newer version, or restore a backup",
            revision=revision,
            head=head,
        )


def _upgrade(connection: Connection) -> Upgrade:
    if connection.dialect.name == "postgresql":
        # Several API processes may start at once: one migrates, the others wait and then find nothing to do.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    before = _current(connection)
    _refuse_unknown(before)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    return Upgrade(before=before, after=head_revision())


async def upgrade_database(engine: AsyncEngine) -> Upgrade:
    """Migrate to this version's newest revision; SchemaMismatch when a newer HouseScan migrated it already."""
    async with engine.begin() as connection:
        return await connection.run_sync(_upgrade)


async def database_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)


async def check_schema(engine: AsyncEngine) -> None:
    """SchemaMismatch unless the database is at this version's newest revision (for the commands that do not
    migrate: the worker, the one-off operator commands)."""
    revision = await database_revision(engine)
    _refuse_unknown(revision)
    head = head_revision()
    if revision != head:
        at = "has never been migrated" if revision is None else f"is at revision {revision}"
        raise SchemaMismatch(
            f"the database {at}; this version needs revision {head}: run `housescan db upgrade` first",
            revision=revision,
            head=head,
        )
