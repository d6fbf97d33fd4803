"""Clients that send their headers and then trickle the body (a byte, then nothing), against a real
`housescan serve`: each is answered 408 and closed within the body idle bound, while requests on other
connections are answered meanwhile; a body that keeps coming in parts is read as usual."""

from __future__ import annotations

import asyncio
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


async def test_a_stalled_body_is_answered_408_and_closed_while_others_are_served(tmp_path: Path) -> None:
    serve = ServeProcess(
        tmp_path,
        env={
            "HOUSESCAN_AGENTS_PROVIDER": "null",
            "HOUSESCAN_HTTP_BODY_IDLE_SECONDS": str(BODY_IDLE_SECONDS),
            "HOUSESCAN_HTTP_HEADER_TIMEOUT_SECONDS": "30",  # the headers are complete: not what closes them
        },
    )
    await serve.start()
    held: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        started = time.monotonic()
        held = [await _stalled_body(serve.port) for _ in range(STALLED_BODIES)]
        async with httpx.AsyncClient(base_url=serve.url, timeout=30) as client:
            assert (await client.get("/healthz")).status_code == 200  # served while the bodies stall

            async def trickle() -> httpx.Response:
                async def parts() -> AsyncIterator[bytes]:
                    for part in (b'{"email": "nobody@example.com", ', b'"password": "not the password"}'):
                        yield part

                return await client.post("/api/v1/auth/login", content=parts(), headers=_JSON)

            login = await trickle()
            assert login.status_code == 401, login.text  # a body in parts is read and judged as usual
            answers = await asyncio.wait_for(asyncio.gather(*(reader.read() for reader, _ in held)), timeout=60)
            elapsed = time.monotonic() - started
            assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), {a[:40] for a in answers}
            assert elapsed < BODY_IDLE_SECONDS + 20, elapsed
            assert (await client.get("/healthz")).status_code == 200
        print(f"\nstalled bodies: {len(answers)} answered 408 and closed after {elapsed:.1f} s")
    except BaseException:
        print(serve.log_tail())
        raise
    finally:
        for _, writer in held:
            writer.close()
        await serve.stop()


_JSON = {"Content-Type": "application/json"}
