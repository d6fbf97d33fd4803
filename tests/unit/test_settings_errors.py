"""A wrong setting stops a command at once, with one line naming its variable, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from housescan.cli import app as cli


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOUSESCAN_WORKER_CONCURRENCY", "0"),
        ("HOUSESCAN_WORKER_CONCURRENCY", "lots"),
        ("HOUSESCAN_JOB_MAX_ATTEMPTS", "-1"),
    ],
)
def test_a_wrong_setting_is_named_in_one_line(
    variable: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOUSESCAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 2, result.output
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"{variable}: ") and repr(value) in line
    assert "Traceback" not in result.output
    assert not (tmp_path / "data").exists(), "nothing was started"
