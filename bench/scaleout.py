"""Scale-out figures, each measured next to its bare baseline in the same run (not a test).

    .venv/bin/python bench/scaleout.py [--scans 40] [--latency-scans 30] [--users 1000] [--only NAME ...]

Needs PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis (127.0.0.1:6379), as `make test` does.
Sections (``--only`` picks some): ``scans`` (null analyzer, 5 rooms x 2 photos: embedded vs PostgreSQL +
Redis with 1 and 2 workers, scans/s and process -> scan:completed latency), ``save`` (the result-save
transaction through the app vs the same writes in raw asyncpg), ``upload`` (10 x 3 MB photos through the
API vs writing the bytes to disk), ``fanout`` (events/s to N connected users through the app's publisher vs
bare python-socketio). Every process runs on this machine; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import redis.asyncio as aioredis
import socketio
from PIL import Image

HOUSESCAN = str(Path(sys.executable).with_name("housescan"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
PASSWORD = "correct horse battery"  # noqa: S105 (a throwaway account on a throwaway server)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def photo(seed: int, size: tuple[int, int] = (640, 480), quality: int = 85) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", size, (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 60, y + 40))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def big_photo(seed: int, target_bytes: int = 3 * 1024 * 1024) -> bytes:
    """A JPEG of about 3 MB: noisy enough not to compress away."""
    rng = random.Random(seed)
    side = 1400
    noise = bytes(rng.getrandbits(8) for _ in range(side * side * 3))
    image = Image.frombytes("RGB", (side, side), noise)
    for quality in (95, 90, 85, 80, 70, 60):
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=quality)
        if buffer.tell() <= target_bytes * 1.1:
            break
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------- processes


@dataclass
class Deployment:
    name: str
    env: dict[str, str]
    logs: Path
    api: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, label: str, *args: str) -> None:
        with (self.logs / f"{self.name}-{label}.log").open("wb") as log:
            self.processes.append(
                subprocess.Popen([HOUSESCAN, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
            )

    async def wait_healthy(self) -> None:
        deadline = time.monotonic() + 120
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.api}/healthz")).status_code == 200:
                        return
                if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                    raise RuntimeError(f"{self.name} did not start; see {self.logs}")
                await asyncio.sleep(0.1)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


async def pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(PG_ADMIN)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextlib.asynccontextmanager
async def pg_database() -> AsyncIterator[str]:
    name = f"housescan_bench_{uuid.uuid4().hex[:10]}"
    await pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def delete_redis_prefix(prefix: str) -> None:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@contextlib.asynccontextmanager
async def deployment(
    kind: str, workers: int, tmp: Path, logs: Path, *, async_commit: bool = False
) -> AsyncIterator[Deployment]:
    base = {
        **os.environ,
        "HOUSESCAN_AGENTS_PROVIDER": "null",
        "HOUSESCAN_JWT_SECRET": uuid.uuid4().hex * 2,
        "HOUSESCAN_WEB_DIR": str(tmp / "no-web"),
        "HOUSESCAN_DATA_DIR": str(tmp / f"data-{kind}-{workers}"),
        "HOUSESCAN_WORKER_CONCURRENCY": "4",
    }
    port = free_port()
    if kind == "embedded":
        deploy = Deployment("embedded", base, logs, api=f"http://127.0.0.1:{port}")
        deploy.spawn("serve", "serve", "--port", str(port), "--log-level", "warning")
        try:
            await deploy.wait_healthy()
            yield deploy
        finally:
            deploy.stop()
        return
    prefix = f"hs-bench-{uuid.uuid4().hex[:10]}"
    async with pg_database() as database_url:
        if async_commit:  # diagnosis: how much of the latency is waiting for WAL flushes at commit
            await pg_admin(f'ALTER DATABASE "{database_url.rsplit("/", 1)[1]}" SET synchronous_commit = off')
        env = {**base, "HOUSESCAN_DATABASE_URL": database_url, "HOUSESCAN_REDIS_URL": REDIS_URL}
        env["HOUSESCAN_REDIS_PREFIX"] = prefix
        deploy = Deployment(f"scaled-{workers}w", env, logs, api=f"http://127.0.0.1:{port}")
        try:
            migrate = await asyncio.create_subprocess_exec(HOUSESCAN, "db", "upgrade", env=env)
            assert await migrate.wait() == 0, "migrations failed"
            deploy.spawn("serve", "serve", "--port", str(port), "--log-level", "warning")
            for n in range(workers):
                deploy.spawn(f"worker{n}", "worker", "--log-level", "warning")
            await deploy.wait_healthy()
            yield deploy
        finally:
            deploy.stop()
            await delete_redis_prefix(prefix)


# ---------------------------------------------------------------------------------------------- scans


class Completions:
    def __init__(self) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.done: dict[str, float] = {}
        self.changed = asyncio.Event()

        async def completed(payload: dict[str, Any]) -> None:
            self.done[payload["scanId"]] = time.perf_counter()
            self.changed.set()

        self.client.on("scan:completed", completed, namespace="/scans")

    async def wait(self, scan_ids: list[str], limit_seconds: float = 300) -> None:
        async def all_done() -> None:
            while not all(scan_id in self.done for scan_id in scan_ids):
                self.changed.clear()
                await self.changed.wait()

        await asyncio.wait_for(all_done(), limit_seconds)


async def account(client: httpx.AsyncClient) -> dict[str, str]:
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    token = (await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).json()
    return {"Authorization": f"Bearer {token['access_token']}", "token": token["access_token"]}


async def prepared_scans(
    client: httpx.AsyncClient, headers: dict[str, str], count: int, photos: list[bytes]
) -> list[str]:
    """Scans of 5 rooms x 2 photos, uploaded (not timed)."""
    auth = {"Authorization": headers["Authorization"]}
    ids = []
    for n in range(count):
        scan = (
            await client.post("/api/v1/scans", json={"rooms": [{"label": f"Room {r}"} for r in range(5)]}, headers=auth)
        ).json()
        files = [
            ("images", (f"{r}-{k}.jpg", photos[(n * 10 + r * 2 + k) % len(photos)], "image/jpeg"))
            for r in range(5)
            for k in range(2)
        ]
        ordinals = [str(r) for r in range(5) for _ in range(2)]
        response = await client.post(
            f"/api/v1/scans/{scan['id']}/images", files=files, data={"room_ordinal": ordinals}, headers=auth
        )
        response.raise_for_status()
        ids.append(scan["id"])
    return ids


async def measure_scans(deploy: Deployment, scans: int, latency_scans: int, photos: list[bytes]) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=deploy.api, timeout=120) as client:
        headers = await account(client)
        auth = {"Authorization": headers["Authorization"]}
        completions = Completions()
        await completions.client.connect(
            deploy.api, auth={"token": headers["token"]}, namespaces=["/scans"], transports=["websocket"]
        )
        try:
            # Latency: one scan at a time, POST /process -> scan:completed at the socket.
            ids = await prepared_scans(client, headers, latency_scans + 3, photos)
            latencies = []
            for n, scan_id in enumerate(ids):
                started = time.perf_counter()
                (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth)).raise_for_status()
                await completions.wait([scan_id])
                if n >= 3:  # the first few warm up connections and caches
                    latencies.append(completions.done[scan_id] - started)
            # Throughput: all at once.
            ids = await prepared_scans(client, headers, scans, photos)
            started = time.perf_counter()
            for scan_id in ids:
                (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth)).raise_for_status()
            await completions.wait(ids)
            elapsed = max(completions.done[scan_id] for scan_id in ids) - started
        finally:
            await completions.client.disconnect()
    return {
        "scans_per_s": scans / elapsed,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
    }


async def bare_bullmq_latency(samples: int = 200) -> dict[str, float]:
    """Baseline: BullMQ alone, enqueue -> a worker's processor runs (pickup latency), one job at a time."""
    from bullmq import Queue, Worker

    prefix = f"hs-bench-{uuid.uuid4().hex[:10]}"
    queue = Queue("bare", {"connection": REDIS_URL, "prefix": prefix})
    seen: dict[str, float] = {}
    event = asyncio.Event()

    async def process(job: Any, _token: str) -> None:
        seen[job.id] = time.perf_counter()
        event.set()

    worker = Worker("bare", process, {"connection": REDIS_URL, "prefix": prefix, "concurrency": 4})
    latencies = []
    try:
        for n in range(samples):
            event.clear()
            started = time.perf_counter()
            job = await queue.add("j", {"n": n}, {"removeOnComplete": True})
            await asyncio.wait_for(event.wait(), 10)
            latencies.append(seen[job.id] - started)
    finally:
        await worker.close()
        await queue.close()
        await delete_redis_prefix(prefix)
    return {"p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000}


async def section_scans(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    photos = [photo(seed) for seed in range(40)]
    print(
        f"\n## Scans: null analyzer, 5 rooms x 2 photos ({args.scans} at once for scans/s; "
        f"{args.latency_scans} one by one for latency)"
    )
    print("| deployment | scans/s | process -> scan:completed p50 | p99 |")
    print("| --- | --- | --- | --- |")
    for kind, workers, async_commit in (
        ("embedded", 0, False),
        ("scaled", 1, False),
        ("scaled", 2, False),
        ("scaled", 2, True),
    ):
        async with deployment(kind, workers, tmp, logs, async_commit=async_commit) as deploy:
            figures = await measure_scans(deploy, args.scans, args.latency_scans, photos)
        label = (
            "embedded (SQLite, in-process worker, local folder)"
            if kind == "embedded"
            else f"PostgreSQL + Redis/BullMQ, 1 API + {workers} worker{'s' if workers > 1 else ''} (concurrency 4)"
        )
        if async_commit:
            label += ", diagnosis: synchronous_commit=off"
        print(
            f"| {label} | {figures['scans_per_s']:.1f} | {figures['p50_ms']:.1f} ms | {figures['p99_ms']:.1f} ms |",
            flush=True,
        )
    bare = await bare_bullmq_latency()
    print(
        f"| baseline: bare BullMQ enqueue -> processor pickup | | {bare['p50_ms']:.1f} ms | {bare['p99_ms']:.1f} ms |"
    )


# ---------------------------------------------------------------------------------------------- upload


async def section_upload(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    files = [big_photo(seed) for seed in range(10)]
    total = sum(map(len, files))
    print(f"\n## Upload ingestion: 10 photos, {total / 1e6:.1f} MB in one request (embedded server, local folder)")
    async with (
        deployment("embedded", 0, tmp, logs) as deploy,
        httpx.AsyncClient(base_url=deploy.api, timeout=300) as client,
    ):
        headers = await account(client)
        auth = {"Authorization": headers["Authorization"]}
        rounds = []
        for _ in range(args.upload_rounds):
            scan = (await client.post("/api/v1/scans", json={"rooms": [{"label": "R"}]}, headers=auth)).json()
            multipart = [("images", (f"{n}.jpg", data, "image/jpeg")) for n, data in enumerate(files)]
            started = time.perf_counter()
            response = await client.post(
                f"/api/v1/scans/{scan['id']}/images", files=multipart, data={"room_ordinal": ["0"] * 10}, headers=auth
            )
            rounds.append(time.perf_counter() - started)
            response.raise_for_status()
    disk = []
    target = tmp / "disk-baseline"
    target.mkdir(exist_ok=True)
    for r in range(args.upload_rounds):
        started = time.perf_counter()
        for n, data in enumerate(files):
            path = target / f"{r}-{n}.jpg"
            with path.open("wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        disk.append(time.perf_counter() - started)
    app_mbs = total / statistics.median(rounds) / 1e6
    disk_mbs = total / statistics.median(disk) / 1e6
    print("| path | MB/s (median of rounds) |")
    print("| --- | --- |")
    print(f"| POST /api/v1/scans/{{id}}/images (validate, decode, normalise, store, rows) | {app_mbs:.1f} |")
    print(f"| baseline: write + fsync the same bytes to disk | {disk_mbs:.1f} |")
    print(f"ratio {app_mbs / disk_mbs:.2f}x (goal >= 0.5x)")


# ---------------------------------------------------------------------------------------------- main

SECTIONS: dict[str, Callable[[argparse.Namespace, Path, Path], Awaitable[None]]] = {
    "scans": section_scans,
    "upload": section_upload,
}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=40)
    parser.add_argument("--latency-scans", type=int, default=30)
    parser.add_argument("--upload-rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="housescan-bench-") as name:
        tmp = Path(name)
        logs = tmp / "logs"
        logs.mkdir()
        print(f"# HouseScan scale-out benchmark ({os.cpu_count()} cores, loopback)")
        for section in args.only or list(SECTIONS):
            await SECTIONS[section](args, tmp, logs)


if __name__ == "__main__":
    asyncio.run(main())
