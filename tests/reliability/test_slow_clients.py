"""Clients that open connections and never finish their request headers (slowloris), against a real
`housescan serve`: every such connection is answered 408 and closed, and /healthz keeps answering others
meanwhile, however many there are (bounded here, loopback only). Prints its counts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.reliability.processes import ServeProcess

SLOW_CLIENTS = 600  # more than the pending-headers and connection bounds below
HEADER_TIMEOUT = "2"


async def _slow_client(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Never-Ends: ")  # no end of headers, ever
    await writer.drain()
    return reader, writer


async def test_connections_that_never_finish_their_headers_are_closed_and_others_still_served(
    tmp_path: Path,
) -> None:
    serve = ServeProcess(
        tmp_path,
        env={
            "HOUSESCAN_AGENTS_PROVIDER": "null",
            "HOUSESCAN_HTTP_HEADER_TIMEOUT_SECONDS": HEADER_TIMEOUT,
            "HOUSESCAN_HTTP_MAX_CONNECTIONS": "400",
            "HOUSESCAN_HTTP_MAX_PENDING_HEADERS": "200",
        },
    )
    await serve.start()
    held: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        healthy = 0
        async with httpx.AsyncClient(base_url=serve.url, timeout=30) as client:
            for n in range(SLOW_CLIENTS):
                held.append(await _slow_client(serve.port))
                if n % 100 == 99:  # in the middle of the flood, a client that sends its request at once
                    response = await client.get("/healthz")
                    assert response.status_code == 200, response.text
                    healthy += 1
            # Each held connection ends: a 408 and EOF from the server (the bound is only against hanging).
            answers = await asyncio.wait_for(asyncio.gather(*(reader.read() for reader, _ in held)), timeout=120)
            assert all(answer.startswith(b"HTTP/1.1 408") for answer in answers), {a[:40] for a in answers}
            response = await client.get("/healthz")
            assert response.status_code == 200
            healthy += 1
        print(
            f"\nslow clients: {SLOW_CLIENTS} connections never finished their headers, {len(answers)} answered 408"
            f" and closed; /healthz answered {healthy} of {healthy} times meanwhile"
        )
    except BaseException:
        print(serve.log_tail())
        raise
    finally:
        for _, writer in held:
            writer.close()
        await serve.stop()


def test_nginx_and_serve_time_out_request_headers_alike() -> None:
    """deploy/nginx.conf's client_header_timeout is a bare `serve`'s header timeout; its idle upstream
    connections close before the API's 75 s keep-alive timeout (cli.py), so it never reuses a closing one."""
    import re

    from housescan.config import Settings

    config = (Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf").read_text()
    header = re.search(r"client_header_timeout (\d+)s;", config)
    assert header is not None and float(header.group(1)) == Settings().http_header_timeout_seconds
    upstream = re.search(r"upstream housescan_api \{[^}]*keepalive_timeout (\d+)s;", config)
    assert upstream is not None and int(upstream.group(1)) < 75
