"""An API process whose Redis does not answer: `/metrics` still answers (without the queue's figures) within
Prometheus's scrape timeout, and the Socket.IO library's complaints are structured lines, each once."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio

from housescan.config import Settings
from housescan.ops.logs import configure_logging
from housescan.ops.router import QUEUE_HEALTH_SECONDS
from tests.conftest import start_server
from tests.helpers import free_port
from tests.ops_support import metric_samples, value

SCRAPE_TIMEOUT_SECONDS = 10.0  # Prometheus's default scrape_timeout


async def test_metrics_answer_while_redis_is_unreachable(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        redis_url=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        web_dir=tmp_path / "no-web",
    )
    server = await start_server(settings)
    try:
        async with server.client() as client:
            client.timeout = SCRAPE_TIMEOUT_SECONDS
            assert (await client.get("/healthz")).status_code == 200
            samples = await metric_samples(client)
            samples = await metric_samples(client)  # the first scrape is counted by the second
            assert value(samples, "housescan_http_requests_total", route="/metrics", method="GET", status="200") >= 1
    finally:
        await server.stop()
    assert QUEUE_HEALTH_SECONDS < SCRAPE_TIMEOUT_SECONDS / 2  # both scrapes above within one timeout


@pytest.fixture
def configured_logs() -> Iterator[io.StringIO]:
    """`configure_logging` as `serve` calls it, into a buffer; the loggers it touches are put back after."""
    stream = io.StringIO()
    root = logging.getLogger()
    names = ("socketio.server", "engineio.server", "httpx")
    saved = (root.level, list(root.handlers), {name: logging.getLogger(name).level for name in names})
    for name in names:  # as in a fresh process: no server of an earlier test configured them
        logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger(name).handlers.clear()
    configure_logging("info", "json", stream)
    try:
        yield stream
    finally:
        level, handlers, levels = saved
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, library_level in levels.items():
            logging.getLogger(name).setLevel(library_level)
            logging.getLogger(name).handlers.clear()


def test_socketio_lines_are_structured_and_written_once(
    configured_logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    socketio.AsyncServer(async_mode="asgi", logger=False, engineio_logger=False)  # as realtime/server.py builds it
    logging.getLogger("socketio.server").error("Cannot receive from redis... retrying in %d secs", 1)
    lines = [json.loads(line) for line in configured_logs.getvalue().splitlines()]
    assert [(line["logger"], line["event"]) for line in lines] == [
        ("socketio.server", "Cannot receive from redis... retrying in 1 secs")
    ]
    captured = capsys.readouterr()
    assert "Cannot receive from redis" not in captured.err + captured.out, "no plain-text copy beside the JSON line"


def test_http_client_requests_are_not_a_line_each(configured_logs: io.StringIO) -> None:
    """A worker fetches every photo at a presigned URL: httpx's INFO line per request would log each URL."""
    logging.getLogger("httpx").info("HTTP Request: GET %s", "https://s3.example/photo.jpg?X-Amz-Credential=AKIA")
    logging.getLogger("httpx").warning("a warning still comes through")
    events = [json.loads(line)["event"] for line in configured_logs.getvalue().splitlines()]
    assert events == ["a warning still comes through"]
