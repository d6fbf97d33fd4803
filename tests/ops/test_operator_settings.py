"""What an operator sees from the command line: a wrong setting is one line naming its variable, secrets
masked, exit status 2, whichever settings class (the service's, or the Redis side's `HOUSESCAN_REDIS_*`)
holds it; and a refused account names the address it was about."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from housescan.cli import app as cli
from tests.helpers import unique_email
from tests.scaleout.conftest import REDIS_URL


def _run(args: list[str], env: dict[str, str | None]) -> Result:
    return CliRunner().invoke(cli, args, env=env)


def _one_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize("command", [["db", "upgrade"], ["worker"], ["measure-photos"]])
def test_a_wrong_redis_setting_is_one_line_naming_it(tmp_path: Path, command: list[str]) -> None:
    env: dict[str, str | None] = {
        "HOUSESCAN_DATA_DIR": str(tmp_path),
        "HOUSESCAN_REDIS_URL": REDIS_URL,
        "HOUSESCAN_REDIS_LOCK_SECONDS": "ten",
    }
    line = _one_line(_run(command, env))
    assert line.startswith("HOUSESCAN_REDIS_LOCK_SECONDS: "), line
    assert line.endswith("(it is 'ten')"), line


@pytest.mark.parametrize("command", [["db", "upgrade"], ["db", "current"], ["serve"], ["worker"]])
def test_a_data_folder_that_cannot_be_one_is_one_line_naming_it(tmp_path: Path, command: list[str]) -> None:
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("")
    line = _one_line(_run(command, {"HOUSESCAN_DATA_DIR": str(a_file), "HOUSESCAN_DATABASE_URL": None}))
    assert line.startswith("HOUSESCAN_DATA_DIR: cannot be used as the data folder: "), line
    assert line.endswith(f"(it is {str(a_file)!r})"), line


def test_a_redis_timing_out_of_range_is_one_line_naming_it(tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "HOUSESCAN_DATA_DIR": str(tmp_path),
        "HOUSESCAN_REDIS_URL": REDIS_URL,
        "HOUSESCAN_REDIS_SHUTDOWN_GRACE_SECONDS": "-1",
    }
    line = _one_line(_run(["worker"], env))
    assert line.startswith("HOUSESCAN_REDIS_SHUTDOWN_GRACE_SECONDS: "), line
    assert line.endswith("(it is '-1')"), line


def test_redis_settings_are_not_checked_without_redis(tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "HOUSESCAN_DATA_DIR": str(tmp_path),
        "HOUSESCAN_REDIS_URL": None,
        "HOUSESCAN_DATABASE_URL": None,
        "HOUSESCAN_STORAGE_URL": None,
        "HOUSESCAN_REDIS_LOCK_SECONDS": "ten",
    }
    result = _run(["db", "upgrade"], env)
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.stdout


def test_a_database_url_with_a_driver_the_service_lacks_is_refused_and_its_password_masked(tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "HOUSESCAN_DATA_DIR": str(tmp_path),
        "HOUSESCAN_DATABASE_URL": "postgresql://housescan:hunter2-secret@127.0.0.1:5432/housescan",
    }
    line = _one_line(_run(["db", "upgrade"], env))
    assert line.startswith("HOUSESCAN_DATABASE_URL: unsupported database URL: use postgresql+asyncpg://"), line
    assert "hunter2-secret" not in line
    assert "postgresql://housescan:[redacted]@127.0.0.1:5432/housescan" in line


@pytest.mark.parametrize("url", ["ftp://host/photos", "/srv/photos", "s3://"])
def test_an_unsupported_storage_url_is_one_line(tmp_path: Path, url: str) -> None:
    env: dict[str, str | None] = {"HOUSESCAN_DATA_DIR": str(tmp_path), "HOUSESCAN_STORAGE_URL": url}
    line = _one_line(_run(["measure-photos"], env))
    usage = "use file://PATH or s3://BUCKET/PREFIX"
    assert line == f"HOUSESCAN_STORAGE_URL: unsupported storage URL: {usage} (it is {url!r})"


def test_a_secret_setting_is_never_echoed(tmp_path: Path) -> None:
    env: dict[str, str | None] = {
        "HOUSESCAN_DATA_DIR": str(tmp_path),
        "HOUSESCAN_METRICS_TOKEN": "token-never-shown",
        "HOUSESCAN_JOB_MAX_ATTEMPTS": "0",
        "HOUSESCAN_S3_SECRET_ACCESS_KEY": "s3-never-shown",
    }
    line = _one_line(_run(["db", "upgrade"], env))
    assert line.startswith("HOUSESCAN_JOB_MAX_ATTEMPTS: "), line
    assert "never-shown" not in line


def test_creating_an_account_that_exists_names_its_address(database_url: str, tmp_path: Path) -> None:
    email = unique_email("operator")
    env: dict[str, str | None] = {
        "HOUSESCAN_DATA_DIR": str(tmp_path),
        "HOUSESCAN_DATABASE_URL": database_url,
        "HOUSESCAN_REDIS_URL": None,
        "HOUSESCAN_STORAGE_URL": None,
    }
    created = _run(["user", "create", email, "--password", "a long passphrase"], env)
    assert created.exit_code == 0, created.output
    assert created.stdout.strip() == f"created user {email}"
    again = _run(["user", "create", email, "--password", "a long passphrase"], env)
    assert again.exit_code == 1, again.output
    assert again.stderr.strip().endswith(f": {email}"), again.stderr
