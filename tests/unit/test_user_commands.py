"""`housescan user`: accounts an operator makes or promotes from the command line, checked as sign-up checks
them; on a database `housescan db upgrade` migrated (in a data folder it made), never migrated by them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from housescan.auth import service as auth_service
from housescan.auth.models import Role, User
from housescan.cli import app as cli
from housescan.config import Settings
from housescan.db.engine import create_engine, create_sessionmaker

PASSWORD = "long enough password"


def _signs_in(email: str, password: str) -> bool:
    async def check() -> bool:
        engine = create_engine(Settings().resolved_database_url)
        try:
            async with create_sessionmaker(engine)() as db_session:
                return (
                    await auth_service.authenticate(db_session=db_session, email=email, password=password) is not None
                )
        finally:
            await engine.dispose()

    return asyncio.run(check())


def _role(email: str) -> Role | None:
    async def read() -> Role | None:
        engine = create_engine(Settings().resolved_database_url)
        try:
            async with engine.connect() as connection:
                return (await connection.execute(select(User.role).where(User.email == email))).scalar()
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_accounts_made_and_promoted_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOUSESCAN_DATA_DIR", str(tmp_path / "not-yet" / "data"))
    run = CliRunner().invoke

    refused = run(cli, ["user", "create", "notanemail", "--password", PASSWORD])
    assert refused.exit_code == 2 and "'notanemail' is not a valid e-mail address" in refused.output
    unmigrated = run(cli, ["user", "create", "ops@example.com", "--password", PASSWORD])
    assert unmigrated.exit_code == 1 and "run `housescan db upgrade` first" in unmigrated.output
    assert run(cli, ["db", "current"]).exit_code == 1, "the command left the schema alone"
    assert run(cli, ["db", "upgrade"]).exit_code == 0

    made = run(cli, ["user", "create", "ops@example.com", "--password", PASSWORD])
    assert made.exit_code == 0, made.output
    assert _role("ops@example.com") == Role.user

    promoted = run(cli, ["user", "set-role", "ops@example.com", "admin"])
    assert promoted.exit_code == 0 and "ops@example.com is now an admin" in promoted.output
    assert _role("ops@example.com") == Role.admin
    assert run(cli, ["user", "set-role", "ops@example.com", "user"]).exit_code == 0
    assert _role("ops@example.com") == Role.user

    unknown = run(cli, ["user", "set-role", "nobody@example.com", "admin"])
    assert unknown.exit_code == 1 and "no account has this e-mail address: nobody@example.com" in unknown.output
    wrong_role = run(cli, ["user", "set-role", "ops@example.com", "owner"])
    assert wrong_role.exit_code == 2 and "the role is admin or user" in wrong_role.output


def test_an_operator_sets_a_new_password_for_a_person_locked_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOUSESCAN_DATA_DIR", str(tmp_path / "data"))
    run = CliRunner().invoke
    assert run(cli, ["db", "upgrade"]).exit_code == 0
    assert run(cli, ["user", "create", "locked@example.com", "--password", PASSWORD]).exit_code == 0
    assert _signs_in("locked@example.com", PASSWORD)

    short = run(cli, ["user", "set-password", "locked@example.com", "--password", "short"])
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    done = run(cli, ["user", "set-password", "locked@example.com", "--password", "a brand new passphrase"])
    assert done.exit_code == 0 and "new password set for locked@example.com" in done.output
    assert _signs_in("locked@example.com", "a brand new passphrase")
    assert not _signs_in("locked@example.com", PASSWORD)
    unknown = run(cli, ["user", "set-password", "nobody@example.com", "--password", "a brand new passphrase"])
    assert unknown.exit_code == 1 and "no account has this e-mail address" in unknown.output
