"""schemathesis over the OpenAPI schema, as an authenticated user: no 5xx, every answer matches the schema."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.conftest import LiveServer
from tests.helpers import create_scan, photo, register, upload


async def test_fuzzing_the_api_finds_no_server_errors_and_no_schema_violations(
    live_server: LiveServer, tmp_path: Path
) -> None:
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)  # something to find, besides 404s
        await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])
    st = Path(sys.executable).with_name("st")
    process = await asyncio.create_subprocess_exec(
        str(st), "run", f"{live_server.url}/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", "not_a_server_error,response_schema_conformance",
        "--phases", "coverage,fuzzing",
        "--max-examples", "15",
        "--seed", "20261125",
        "--generation-database", "none",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=600)
    report = output.decode(errors="replace")
    summary = [line for line in report.splitlines() if "generated" in line or "passed" in line or "failure" in line]
    print("\napi fuzzing:", " | ".join(summary[-3:]))
    assert process.returncode == 0, report[-6000:]
    assert "Server error" not in report and "violates schema" not in report
