"""Clients that send their headers and then trickle the body (a byte, then nothing), against a real
`housescan serve`: each is answered 408 and closed within the body idle bound, while requests on other
connections are answered meanwhile; a body that keeps coming in parts is read as usual."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from tests.reliability.processes import ServeProcess

STALLED_BODIES = 100
BODY_IDLE_SECONDS = 1.0


async def _stalled_body(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 200\r\n\r\n{"  # one byte of the 200 promised, then nothing
    )
    await writer.drain()
    return reader, writer


@contextlib.asynccontextmanager
async def _serving(tmp_path: Path) -> AsyncIterator[ServeProcess]:
    """A real `serve` with a short body idle bound; its log is printed when the block fails."""
    serve = ServeProcess(
        tmp_path,
        env={
            "HOUSESCAN_AGENTS_PROVIDER": "null",
            "HOUSESCAN_HTTP_BODY_IDLE_SECONDS": str(BODY_IDLE_SECONDS),
            "HOUSESCAN_HTTP_HEADER_TIMEOUT_SECONDS": "30",  # the headers are complete: not what closes them
        },
    )
    await serve.start()
    try:
        yield serve
    except BaseException:
        print(serve.log_tail())
        raise
    finally:
        await serve.stop()


async def _parts() -> AsyncIterator[bytes]:
    for part in (b'{"email": "nobody@example.com", ', b'"password": "not the password"}'):
        yield part


async def test_a_stalled_body_is_answered_408_and_closed_while_others_are_served(tmp_path: Path) -> None:
    async with _serving(tmp_path) as serve, contextlib.AsyncExitStack() as connections:
        started = time.monotonic()
        readers = []
        for _ in range(STALLED_BODIES):
            reader, writer = await _stalled_body(serve.port)
            connections.callback(writer.close)
            readers.append(reader)
        async with httpx.AsyncClient(base_url=serve.url, timeout=30) as client:
            assert (await client.get("/healthz")).status_code == 200  # served while the bodies stall
            login = await client.post("/api/v1/auth/login", content=_parts(), headers=_JSON)
            assert login.status_code == 401, login.text  # a body in parts is read and judged as usual
            answers = await asyncio.wait_for(asyncio.gather(*(reader.read() for reader in readers)), timeout=60)
            elapsed = time.monotonic() - started
            assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), {a[:40] for a in answers}
            assert (await client.get("/healthz")).status_code == 200
        print(f"\nstalled bodies: {len(answers)} answered 408 and closed after {elapsed:.1f} s")


_JSON = {"Content-Type": "application/json"}
