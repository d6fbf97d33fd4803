"""Structured logs: JSON lines carrying the scan and user through the API, the worker and the agents;
never a password, a token, a signed-URL signature or photo bytes."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from housescan.ops.logs import configure_structlog, log_handler
from tests.conftest import LiveServer
from tests.helpers import auth, photo, upload, wait_for_status
from tests.scaleout.conftest import eventually

PASSWORD = "a very secret passphrase 42"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_structlog()
    handler = log_handler(stream, "json")
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _parse(stream: io.StringIO) -> list[dict[str, Any]]:
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # every line is one JSON object


async def test_logs_carry_scan_and_user_and_hold_no_secrets(live_server: LiveServer, log_lines: io.StringIO) -> None:
    data = photo((90, 160, 220))
    async with live_server.client() as client:
        email = "logged@example.com"
        assert (
            await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
        ).status_code == 201
        wrong = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD + "x"})
        assert wrong.status_code == 401
        tokens = (await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).json()
        token = tokens["access_token"]
        refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
        assert refreshed.status_code == 200
        me = (await client.get("/api/v1/auth/me", headers=auth(token))).json()
        created = await client.post("/api/v1/scans", json={"rooms": [{"label": "Lounge"}]}, headers=auth(token))
        scan_id = created.json()["id"]
        uploaded = await upload(client, token, scan_id, [("lounge.jpg", data, 0)])
        assert uploaded.status_code == 200
        image_url = uploaded.json()["images"][0]["url"]
        assert (await client.get(image_url)).status_code == 200  # the signed URL: its signature is a secret
        assert (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))).status_code == 202
        await wait_for_status(client, token, scan_id, {"succeeded"})
        # A share link's token opens the report to anyone: it is no more a thing for the logs than a password.
        share = (await client.post(f"/api/v1/scans/{scan_id}/shares", json={}, headers=auth(token))).json()
        assert (await client.get(f"/api/v1/shared/{share['token']}")).status_code == 200
        assert (await client.get(f"/api/v1/shared/{share['token']}/report.pdf")).status_code == 200
        # The worker logs the success once the save that shows the scan succeeded has returned.
        await eventually(lambda: '"scan succeeded"' in log_lines.getvalue(), message="the worker logged it")

    records = _parse(log_lines)
    text = log_lines.getvalue()
    signature = parse_qs(urlsplit(image_url).query)["signature"][0]
    for secret in (
        PASSWORD,
        token,
        tokens["refresh_token"],
        refreshed.json()["access_token"],
        signature,
        share["token"],
        base64.b64encode(data[:300]).decode(),
        data[:300].hex(),
    ):
        assert secret not in text, f"a secret reached the logs: {secret[:12]}..."
    assert "\\u00ff\\u00d8" not in text and "\\xff\\xd8" not in text, "no JPEG bytes"

    def lines(logger: str, **fields: str) -> list[dict[str, Any]]:
        return [r for r in records if r.get("logger") == logger and all(r.get(k) == v for k, v in fields.items())]

    user_id = me["id"]
    login = lines("housescan.http", route="/api/v1/auth/login")
    assert [r["status"] for r in login] == [401, 200] and all(r["level"] == "info" for r in login)
    (upload_line,) = lines("housescan.http", route="/api/v1/scans/{scan_id}/images")
    assert (upload_line["scan_id"], upload_line["user_id"], upload_line["status"]) == (scan_id, user_id, 200)
    assert upload_line["request_bytes"] > len(data) and upload_line["request_id"]
    assert all("?" not in r.get("path", "") for r in records), "query strings (signatures) are not logged"
    shared = [r["path"] for r in records if r.get("logger") == "housescan.http" and "/shared/" in r.get("path", "")]
    assert shared and all(path.startswith("/api/v1/shared/[redacted]") for path in shared), shared

    worker = lines("housescan.scans.job", scan_id=scan_id, user_id=user_id)
    assert {r["event"] for r in worker} >= {"scan claimed: attempt 1", "scan succeeded"}
    agents = lines("housescan.agents.pipeline", scan_id=scan_id, user_id=user_id)
    assert {r["agent"] for r in agents} == {
        "room_type",
        "room_checklist",
        "products",
        "house_type",
        "house_checklist",
        "pros_cons",
    }
    assert all("tokens_in" in r and "cost_usd" in r and "timestamp" in r for r in agents)


def test_sensitive_fields_and_text_are_masked(log_lines: io.StringIO) -> None:
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXZhbHVl"
    logger = logging.getLogger("housescan.test")
    logger.info(
        "calling with Bearer abc.def.ghi and %s, url ?expires=1&signature=deadbeef",
        jwt,
        extra={
            "password": "hunter2-long",
            "authorization": "Bearer xyz",
            "api_key": "sk-live-123456",
            "payload": b"\xff\xd8\xff\xe0 raw photo",
            "nested": {"refresh_token": "r-123456", "count": 3},
            "tokens_in": 1234,
        },
    )
    (record,) = [r for r in _parse(log_lines) if r.get("logger") == "housescan.test"]
    rendered = json.dumps(record)
    for secret in ("hunter2-long", "xyz", "sk-live-123456", "r-123456", jwt, "abc.def.ghi", "deadbeef", "raw photo"):
        assert secret not in rendered, secret
    assert record["payload"] == "<14 bytes>" and record["nested"]["count"] == 3
    assert record["tokens_in"] == 1234, "token counts are figures, not secrets"


def test_a_long_traceback_keeps_the_error_it_ends_with(log_lines: io.StringIO) -> None:
    logger = logging.getLogger("housescan.test")
    try:
        raise ConnectionRefusedError("y" * 6000 + " Connect call failed ('127.0.0.1', 1)")
    except ConnectionRefusedError:
        logger.exception("the database cannot be reached")
    (record,) = [r for r in _parse(log_lines) if r.get("logger") == "housescan.test"]
    rendered = json.dumps(record)
    assert "[truncated]" in rendered
    assert "the database cannot be reached" in rendered  # the start
    assert "Connect call failed" in rendered  # and the end: what went wrong


def test_json_when_not_a_terminal_and_console_on_one() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    record = logging.LogRecord("housescan.x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    configure_structlog()
    piped, terminal = io.StringIO(), Terminal()
    for stream in (piped, terminal):
        log_handler(stream).handle(record)
    assert json.loads(piped.getvalue())["event"] == "hello world"
    assert "hello world" in terminal.getvalue()
    with pytest.raises(json.JSONDecodeError):
        json.loads(terminal.getvalue())
