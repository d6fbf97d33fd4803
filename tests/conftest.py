"""Shared fixtures: a fresh database per test on SQLite and on the real PostgreSQL server, and a live
server (uvicorn in this event loop) that tests talk to over real HTTP and Socket.IO."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
import pytest
import uvicorn
from argon2 import PasswordHasher

from housescan.agents.client import AgentsClient
from housescan.app import create_app, runtime_of
from housescan.auth import security
from housescan.config import Settings
from housescan.db.engine import create_engine
from housescan.db.migrate import upgrade_database
from housescan.runtime import Runtime
from tests.helpers import free_port


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """A command run through CliRunner (`serve`, `worker`, `agents`, `scan`) points the root logger at
    CliRunner's stream, closed once the command returns: a later test's log line in the same process would
    then print "Logging error" to the stderr a test reads. Each test leaves the root logger as it found it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Argon2 at its production cost (64 MiB, 3 passes: most of a second on a busy core) for each of the
    hundreds of sign-ups and log-ins would be much of many tests' time: servers in the test process hash
    at argon2's lowest cost. The `housescan` processes that some tests start keep the production cost."""
    patch = pytest.MonkeyPatch()
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    patch.setattr(security, "_hasher", cheap)
    patch.setattr(security, "_DUMMY_HASH", cheap.hash("housescan-timing-equaliser"))
    yield
    patch.undo()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tier first (else in order): with pytest-xdist, a minute-long test handed out last would leave
    the other workers idle while it runs. (Not an xdist_group: pytest 9 derives a test's node id, which
    pytest-xdist 3.8's `--dist loadgroup` renames to group tests, so groups have no effect.)"""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


# A UUID or a long hex token (a multipart boundary) made when a test module is imported.
_RANDOM_PART = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}")


def pytest_make_parametrize_id(val: object) -> str | None:
    """The same test ids in every pytest-xdist worker (each collects the tests itself, and they must agree):
    a random part of a parameter's value stands as `<random>` in its id (pytest numbers ids that then clash)."""
    if isinstance(val, str) and _RANDOM_PART.search(val):
        return _RANDOM_PART.sub("<random>", val).encode("unicode_escape").decode("ascii")
    return None


PG_ADMIN_DSN = os.environ.get("HOUSESCAN_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


async def _pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _pg_database_names(like: str) -> list[str]:
    connection = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        return [
            row["datname"]
            for row in await connection.fetch("SELECT datname FROM pg_database WHERE datname LIKE $1", like)
        ]
    finally:
        await connection.close()


_TEMPLATE_PREFIX = "housescan_template_"


def _pg_url(name: str) -> str:
    server = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{server}/{name}"


async def _migrate(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_database(engine)
    finally:
        await engine.dispose()


class DatabaseFactory:
    """Databases for the tests of one pytest process (one xdist worker): empty ones, and migrated ones
    copied from a template migrated once (PostgreSQL's CREATE DATABASE ... TEMPLATE, a file copy on SQLite)
    instead of running every migration for every test. PostgreSQL databases are dropped on a thread of
    their own, as a DROP DATABASE waits for a checkpoint: the next test need not wait for it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite_template: Path | None = None
        self.pg_templates: list[str] = []
        self.dropper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-database")
        self.drops: list[Future[None]] = []

    def sqlite(self, path: Path, *, migrated: bool) -> str:
        if migrated:
            if self.sqlite_template is None:
                template = self.folder / "template.db"
                asyncio.run(_migrate(f"sqlite+aiosqlite:///{template}"))
                self.sqlite_template = template
            shutil.copyfile(self.sqlite_template, path)
        return f"sqlite+aiosqlite:///{path}"

    def create_pg(self, *, migrated: bool) -> str:
        name = f"housescan_test_{uuid.uuid4().hex[:12]}"
        if migrated and not self.pg_templates:
            self._drop_templates_of_ended_runs()
            template = f"{_TEMPLATE_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:12]}"
            asyncio.run(_pg_admin(f'CREATE DATABASE "{template}"'))
            self.pg_templates.append(template)
            asyncio.run(_migrate(_pg_url(template)))
        copy_of = f' TEMPLATE "{self.pg_templates[0]}"' if migrated else ""
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"{copy_of}'))
        return name

    def _drop_templates_of_ended_runs(self) -> None:
        """Templates whose test process ended without dropping them (killed, say); PostgreSQL is local."""
        for name in asyncio.run(_pg_database_names(f"{_TEMPLATE_PREFIX}%")):
            pid = name.removeprefix(_TEMPLATE_PREFIX).split("_")[0]
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                self.drop_pg(name)

    def drop_pg(self, name: str) -> None:
        self.drops.append(self.dropper.submit(asyncio.run, _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')))

    def close(self) -> None:
        for template in self.pg_templates:
            self.drop_pg(template)
        self.dropper.shutdown(wait=True)
        for drop in self.drops:
            drop.result()  # a database that could not be dropped is an error of the run


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(tmp_path_factory.mktemp("database-templates"))
    yield factory
    factory.close()


def _database(
    request: pytest.FixtureRequest, tmp_path: Path, databases: DatabaseFactory, migrated: bool
) -> Iterator[str]:
    if request.param == "sqlite":
        yield databases.sqlite(tmp_path / "housescan.db", migrated=migrated)
        return
    name = databases.create_pg(migrated=migrated)
    try:
        yield _pg_url(name)
    finally:
        databases.drop_pg(name)


DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, databases: DatabaseFactory) -> Iterator[str]:
    """Every database test runs twice: on an SQLite file and on a database of its own in PostgreSQL. The
    database is migrated to the newest revision, as the app leaves it at start-up."""
    yield from _database(request, tmp_path, databases, migrated=True)


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path, databases: DatabaseFactory) -> Iterator[str]:
    """`database_url` before any migration: for the tests of the migrations themselves."""
    yield from _database(request, tmp_path, databases, migrated=False)


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
