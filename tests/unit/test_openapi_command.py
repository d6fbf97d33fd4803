"""`housescan openapi`: the schemas the web app's types are generated from (`make api-types`)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from housescan.cli import app as cli
from housescan.scans.events import ScanUploaded


def _dump(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(cli, ["openapi", *args])
    assert result.exit_code == 0, result.output
    schema: dict[str, object] = json.loads(result.stdout)
    return schema


def test_the_api_schema_needs_no_server_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Settings that point at servers that are not there: the dump builds the app without reaching any.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOUSESCAN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HOUSESCAN_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:9/none")
    monkeypatch.setenv("HOUSESCAN_REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.setenv("HOUSESCAN_STORAGE_URL", "s3://nowhere/prefix")

    schema = _dump()

    paths = schema["paths"]
    assert isinstance(paths, dict)
    answer = paths["/api/v1/scans/{scan_id}"]["get"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"] == {"$ref": "#/components/schemas/ScanDetail"}
    assert list(tmp_path.iterdir()) == []
    assert _dump() == schema  # the same every time: the checked-in types can be compared with it


def test_the_agents_schema_has_the_saved_analysis() -> None:
    schemas = _dump("--agents")["components"]
    assert isinstance(schemas, dict)
    assert {"ScanResponse", "ScanResult", "CostInfo", "ProsCons"} <= set(schemas["schemas"])


def test_the_events_schema_has_every_payload_as_sent() -> None:
    schemas = _dump("--events")["components"]
    assert isinstance(schemas, dict)
    events = schemas["schemas"]
    names = {"ScanUploaded", "ScanProcessing", "ScanProgress", "ScanCompleted", "ScanFailed", "ScanUpdated"}
    assert names <= set(events)
    sent = ScanUploaded(scan_id=uuid.uuid4(), rooms_count=2, images_count=3, message="3 photos").wire()
    assert set(events["ScanUploaded"]["properties"]) == set(sent) == {"scanId", "roomsCount", "imagesCount", "message"}
