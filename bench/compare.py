"""Compare of 4 scans with 30 rooms each next to a single report read, in one run (not a test).

    .venv/bin/python bench/compare.py [--reads 30] [--database sqlite|postgresql]

An in-process server on the `null` agents provider, a temporary SQLite file (or a database of its own in
PostgreSQL at 127.0.0.1:5432). Prints the median of each; the goal is compare < 2x a report read.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import PG_ADMIN_DSN, _pg_admin, start_server
from tests.helpers import auth, register
from tests.review.conftest import finished

from housescan.config import Settings

ROOMS = 30
SCANS = 4


async def _median_seconds(call: Callable[[], Awaitable[httpx.Response]], reads: int) -> float:
    timings = []
    for _ in range(reads):
        started = time.perf_counter()
        answer = await call()
        timings.append(time.perf_counter() - started)
        assert answer.status_code == 200, answer.text
    return statistics.median(timings)


async def run(reads: int, database: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        name = f"housescan_bench_{uuid.uuid4().hex[:12]}"
        if database == "postgresql":
            await _pg_admin(f'CREATE DATABASE "{name}"')
            url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        else:
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(
            data_dir=Path(tmp) / "data",
            database_url=url,
            web_dir=Path(tmp) / "no-web",
            agents_provider="null",
            max_images_per_request=2 * ROOMS,  # one upload of two photos a room
        )
        server = await start_server(settings)
        try:
            async with server.client() as client:
                token = await register(client)
                labels = tuple(f"Room {n}" for n in range(1, ROOMS + 1))
                scans = [await finished(client, token, labels=labels) for _ in range(SCANS)]
                ids = ",".join(scan["id"] for scan in scans)
                headers = auth(token)

                def report() -> Awaitable[httpx.Response]:
                    return client.get(f"/api/v1/scans/{scans[0]['id']}/report", headers=headers)

                def compare() -> Awaitable[httpx.Response]:
                    return client.get("/api/v1/compare", params={"scan_ids": ids}, headers=headers)

                await report()  # warm up
                await compare()
                report_s = await _median_seconds(report, reads)
                compare_s = await _median_seconds(compare, reads)
        finally:
            await server.stop()
            if database == "postgresql":
                await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    ratio = compare_s / report_s
    print(f"database {database} ({PG_ADMIN_DSN if database == 'postgresql' else 'SQLite file'}), {reads} reads each")
    print(f"report read, 1 scan x {ROOMS} rooms:    median {report_s * 1000:7.1f} ms")
    print(f"compare, {SCANS} scans x {ROOMS} rooms:      median {compare_s * 1000:7.1f} ms")
    print(f"compare / report: {ratio:.2f}x (goal < 2x): {'met' if ratio < 2 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reads", type=int, default=30)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    asyncio.run(run(args.reads, args.database))


if __name__ == "__main__":
    main()
