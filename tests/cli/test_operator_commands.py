"""What an operator sees from `housescan`: a database that cannot be used, a schema that is not this version's,
a setting that cannot work, a command that would expose the analysis, a failure in a one-off command: one line
each, never a traceback, and an exit status a script can read."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from PIL import Image
from typer.testing import CliRunner, Result

from housescan.auth.models import User
from housescan.cli import app as cli
from housescan.cli import served_at
from housescan.config import Settings
from housescan.db.engine import create_engine, create_sessionmaker
from housescan.db.migrate import alembic_config, head_revision
from housescan.houses.models import House, Room
from housescan.notifications.mail import public_url as mail_base
from housescan.scans.models import Image as ImageRow
from housescan.scans.models import Scan
from housescan.storage.service import create_store
from tests.helpers import encoded, free_port, photo

PASSWORD = "long enough password"


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """The command in a data folder of its own (SQLite, photos on disk), as an operator runs it."""
    root = logging.getLogger()
    # `serve`, `worker` and `agents` point the root logger at their (CliRunner's, soon closed) stdout.
    monkeypatch.setattr(root, "handlers", list(root.handlers))
    monkeypatch.setattr(root, "level", root.level)
    monkeypatch.setenv("HOUSESCAN_DATA_DIR", str(tmp_path / "data"))
    for variable in ("HOUSESCAN_DATABASE_URL", "HOUSESCAN_REDIS_URL", "HOUSESCAN_STORAGE_URL"):
        monkeypatch.delenv(variable, raising=False)

    def invoke(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, input=stdin)

    return invoke


def _one_line(result: Result) -> str:
    assert "Traceback" not in result.output, result.output
    [line] = result.stderr.strip().splitlines()
    return line


def _set_revision(data_dir: Path, revision: str) -> None:
    with sqlite3.connect(data_dir / "housescan.db") as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))


@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["db", "current"], ["serve"], ["user", "set-role", "a@b.co", "admin"]]
)
def test_a_database_that_cannot_be_reached_is_one_line_without_its_password(
    run: Callable[..., Result], command: list[str]
) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+asyncpg://postgres:hunter2-secret@127.0.0.1:{port}/qa2ops"
    result = run(*command, env={"HOUSESCAN_DATABASE_URL": url})
    assert result.exit_code == 1, result.output
    assert _one_line(result) == f"cannot reach the database at 127.0.0.1:{port}/qa2ops (connection refused)"
    assert "hunter2" not in result.output


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_named(run: Callable[..., Result]) -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/missing_{uuid.uuid4().hex[:8]}"
    result = run("db", "upgrade", env={"HOUSESCAN_DATABASE_URL": url})
    assert result.exit_code == 1, result.output
    assert "does not exist" in _one_line(result)


def test_upgrade_says_what_it_applied_and_current_compares_the_revisions(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    head = head_revision()
    behind = run("db", "current")
    assert behind.exit_code == 1
    assert (
        behind.stdout.strip()
        == f"database revision none (it has never been migrated); this version knows up to {head}: "
        + ("behind: run `housescan db upgrade`")
    )

    first = run("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert (
        first.stdout.strip() == f"applied {int(head)} migrations from a new database to {head}: database is up to date"
    )
    again = run("db", "upgrade")
    assert again.stdout.strip() == f"nothing to apply: database is up to date (revision {head})"
    current = run("db", "current")
    assert current.exit_code == 0
    assert current.stdout.strip() == f"database revision {head}; this version knows up to {head}: up to date"

    # An older HouseScan's database: only the migrations since its revision are applied.
    asyncio.run(_downgrade(Settings().resolved_database_url, "0011"))
    assert run("db", "current").exit_code == 1
    upgraded = run("db", "upgrade")
    assert upgraded.stdout.strip() == (
        f"applied {int(head) - 11} migrations from revision 0011 to {head}: database is up to date"
    )


async def _downgrade(url: str, revision: str) -> None:
    from alembic import command

    def downgrade(connection: Any) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["db", "current"],
        ["serve"],
        ["worker"],
        ["measure-photos"],
        ["user", "set-role", "a@b.co", "user"],
    ],
)
def test_a_database_migrated_by_a_newer_version_is_left_alone(
    run: Callable[..., Result], tmp_path: Path, command: list[str]
) -> None:
    assert run("db", "upgrade").exit_code == 0
    _set_revision(tmp_path / "data", "9999")
    result = run(*command, env={"HOUSESCAN_REDIS_URL": "redis://127.0.0.1:6379"} if command == ["worker"] else None)
    assert result.exit_code == 1, result.output
    head = head_revision()
    if command == ["db", "current"]:
        assert result.stdout.strip() == (
            f"database revision 9999; this version knows up to {head}: newer than this version: run the newer "
            "version, or restore a backup"
        )
    else:
        assert _one_line(result) == (
            f"the database was migrated by a newer HouseScan (revision 9999); this version knows revisions up to "
            f"{head}: run the newer version, or restore a backup"
        )
    with sqlite3.connect(tmp_path / "data" / "housescan.db") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]


@pytest.mark.parametrize(
    "command", [["worker"], ["measure-photos"], ["user", "create", "ops@example.com", "--password", PASSWORD]]
)
def test_commands_other_than_serve_and_upgrade_never_migrate(
    run: Callable[..., Result], tmp_path: Path, command: list[str]
) -> None:
    result = run(*command, env={"HOUSESCAN_REDIS_URL": "redis://127.0.0.1:6379"} if command == ["worker"] else None)
    assert result.exit_code == 1, result.output
    assert _one_line(result) == (
        f"the database has never been migrated; this version needs revision {head_revision()}: "
        "run `housescan db upgrade` first"
    )
    assert run("db", "current").exit_code == 1, "still not migrated"
    if command == ["worker"]:
        # Its e-mails' links: without the public address they name the default, and the operator is told.
        assert "HOUSESCAN_PUBLIC_URL is unset: links in this worker's e-mails name http://127.0.0.1:8000" in (
            result.stdout
        )
        told = run(
            *command, env={"HOUSESCAN_REDIS_URL": "redis://127.0.0.1:6379", "HOUSESCAN_PUBLIC_URL": "https://x.example"}
        )
        assert "HOUSESCAN_PUBLIC_URL" not in told.stdout


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOUSESCAN_MAX_IMAGE_BYTES", "-5"),
        ("HOUSESCAN_MAX_IMAGES_PER_REQUEST", "0"),
        ("HOUSESCAN_JWT_SECRET", "a"),
        ("HOUSESCAN_PUBLIC_URL", "notaurl"),
        ("HOUSESCAN_SMTP_URL", "smtp://u:p@host:notaport"),
        ("HOUSESCAN_SMTP_URL", "http://mail.example"),
        ("HOUSESCAN_REDIS_URL", "http://localhost:6379"),
    ],
)
def test_a_setting_that_cannot_work_stops_every_command(
    run: Callable[..., Result], tmp_path: Path, variable: str, value: str
) -> None:
    for command in (["db", "upgrade"], ["serve"], ["scan", str(tmp_path)]):
        result = run(*command, env={variable: value})
        assert result.exit_code == 2, result.output
        assert _one_line(result).startswith(f"{variable}: "), result.output
    assert not (tmp_path / "data").exists(), "nothing was started"


def test_the_jwt_secret_says_why_it_must_be_long_and_is_never_echoed(run: Callable[..., Result]) -> None:
    line = _one_line(run("db", "upgrade", env={"HOUSESCAN_JWT_SECRET": "short-secret-xyz"}))
    assert "at least 32 characters" in line and "sign in as anyone" in line
    assert "short-secret-xyz" not in line
    assert run("db", "upgrade", env={"HOUSESCAN_JWT_SECRET": "x" * 32}).exit_code == 0


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The uvicorn.run calls made, in place of a server."""
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append(options))
    return calls


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5", "agents.internal"])  # noqa: S104
def test_the_agents_service_needs_a_token_beyond_this_machine(
    run: Callable[..., Result], served: list[dict[str, Any]], host: str
) -> None:
    refused = run("agents", "--host", host)
    assert refused.exit_code == 2
    assert "HOUSESCAN_AGENTS_TOKEN" in _one_line(refused)
    # An empty token is no token ("Bearer " with nothing would have matched it); a short one is refused.
    empty = run("agents", "--host", host, env={"HOUSESCAN_AGENTS_TOKEN": ""})
    assert empty.exit_code == 2 and "HOUSESCAN_AGENTS_TOKEN" in _one_line(empty)
    short = run("agents", "--host", host, env={"HOUSESCAN_AGENTS_TOKEN": "x"})
    assert short.exit_code == 2 and "HOUSESCAN_AGENTS_TOKEN" in _one_line(short) and "16 characters" in short.stderr
    assert served == []
    assert run("agents", "--host", host, env={"HOUSESCAN_AGENTS_TOKEN": "s3cret-agents-token"}).exit_code == 0
    assert [call["host"] for call in served] == [host]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_agents_service_on_loopback_needs_no_token(
    run: Callable[..., Result], served: list[dict[str, Any]], host: str
) -> None:
    assert run("agents", "--host", host).exit_code == 0
    assert [call["host"] for call in served] == [host]


def test_a_folder_scan_with_a_room_whose_photos_cannot_be_decoded_fails_naming_it(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / "kitchen").mkdir(parents=True)
    (home / "bath").mkdir()
    (home / "kitchen" / "a.jpg").write_bytes(photo(size=(640, 480)))
    (home / "bath" / "b.jpg").write_bytes(b"not a photo at all")
    # The upload's own rule: a 1x1 photo decodes, but there is nothing in it to judge.
    (home / "bath" / "tiny.jpg").write_bytes(photo(size=(1, 1)))
    result = run("scan", str(home))
    assert result.exit_code == 1, result.output
    assert "1 room failed: bath (no photo could be used)" in result.stderr
    assert f"skipped {home.resolve() / 'bath' / 'b.jpg'}: not a photo that can be decoded" in result.stderr
    assert "tiny.jpg: the photo is 1x1 pixels: a photo must be at least 32 pixels" in result.stderr
    assert "kitchen" in result.stdout  # the report of the rest is printed all the same
    assert "1 rooms analysed, 0 failed, 1 left out (no usable photo)" in " ".join(result.stdout.split())


def test_photos_that_cannot_be_measured_are_one_line_each(run: Callable[..., Result]) -> None:
    assert run("db", "upgrade").exit_code == 0
    keys = asyncio.run(_scan_with_unmeasured_photos(Settings(), [encoded(Image.new("RGB", (1, 1))), b"garbage"]))
    result = run("measure-photos")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    for key in keys:
        [line] = [line for line in lines if key in line]
        assert line.startswith(f"photo {key} left unmeasured: it cannot be read or decoded ("), line
    assert "0x" not in result.stderr  # no object reprs


async def _scan_with_unmeasured_photos(settings: Settings, photos: list[bytes]) -> list[str]:
    store = create_store(settings)
    engine = create_engine(settings.resolved_database_url)
    keys = [f"scans/s/{n}.jpg" for n in range(len(photos))]
    try:
        async with create_sessionmaker(engine)() as session:
            user = User(email="m@example.com", password_hash="x")
            session.add(user)
            await session.flush()
            house = House(user_id=user.id)
            session.add(house)
            await session.flush()
            scan = Scan(user_id=user.id, house_id=house.id)
            session.add(scan)
            await session.flush()
            room = Room(scan_id=scan.id, ordinal=0)
            session.add(room)
            await session.flush()
            for key, data in zip(keys, photos, strict=True):
                await store.put(key, data, "image/jpeg")
                session.add(
                    ImageRow(
                        scan_id=scan.id,
                        room_id=room.id,
                        object_key=key,
                        sha256=uuid.uuid4().hex * 2,
                        content_type="image/jpeg",
                        width=1,
                        height=1,
                        bytes=len(data),
                    )
                )
            await session.commit()
    finally:
        await engine.dispose()
    return keys


def test_set_password_reads_a_piped_password_and_a_taken_address_speaks_to_the_operator(
    run: Callable[..., Result],
) -> None:
    assert run("db", "upgrade").exit_code == 0
    assert run("user", "create", "ops@example.com", "--password", PASSWORD).exit_code == 0
    piped = run("user", "set-password", "ops@example.com", stdin="a brand new passphrase\n")
    assert piped.exit_code == 0, piped.output
    assert "GetPassWarning" not in piped.output and "Password" not in piped.output
    assert asyncio.run(_signs_in("ops@example.com", "a brand new passphrase"))
    short = run("user", "set-password", "ops@example.com", stdin="short\n")
    assert short.exit_code == 2 and "at least 8 characters" in short.output

    taken = run("user", "create", "ops@example.com", "--password", PASSWORD)
    assert taken.exit_code == 1
    line = _one_line(taken)
    assert line.startswith("an account with this e-mail address exists already") and line.endswith(": ops@example.com")
    assert "sign in" not in line


async def _signs_in(email: str, password: str) -> bool:
    from housescan.auth import service as auth_service

    engine = create_engine(Settings().resolved_database_url)
    try:
        async with create_sessionmaker(engine)() as db_session:
            return await auth_service.authenticate(db_session=db_session, email=email, password=password) is not None
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("host", "links"),
    [("127.0.0.1", "http://127.0.0.1:8771"), ("0.0.0.0", "http://127.0.0.1:8771"), ("::1", "http://[::1]:8771")],  # noqa: S104
)
def test_e_mail_links_name_the_port_serve_listens_on_until_a_public_url_is_set(
    monkeypatch: pytest.MonkeyPatch, host: str, links: str
) -> None:
    monkeypatch.delenv("HOUSESCAN_PUBLIC_URL", raising=False)
    assert mail_base(served_at(Settings(), host, 8771)) == links
    monkeypatch.setenv("HOUSESCAN_PUBLIC_URL", "https://inspect.example")
    assert mail_base(served_at(Settings(), host, 8771)) == "https://inspect.example"
