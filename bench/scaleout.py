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
import signal
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import auth, encoded, free_port, register, room_photo, unique_email

HOUSESCAN = str(Path(sys.executable).with_name("housescan"))
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def big_photo(seed: int, target_bytes: int = 3 * 1024 * 1024) -> bytes:
    """A phone-like JPEG of about 3 MB: 4000 x 3000, a lit room (gradients, walls, furniture blocks, fine
    texture and sensor noise), 4:2:0 chroma, quality tuned to the target size, and EXIF with a GPS
    position and orientation 1 as a phone writes it."""
    import numpy as np

    rng = np.random.default_rng(seed)
    width, height = 4000, 3000
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack([150 + 60 * x / width, 140 + 50 * y / height, 120 + 40 * (x + y) / (width + height)], axis=-1)
    for _ in range(25):  # furniture, windows, doors
        x0, y0 = int(rng.integers(0, width - 400)), int(rng.integers(0, height - 300))
        w, h = int(rng.integers(200, 1400)), int(rng.integers(150, 1000))
        base[y0 : y0 + h, x0 : x0 + w] = base[y0 : y0 + h, x0 : x0 + w] * 0.5 + rng.uniform(20, 200, 3) * 0.5
    texture = 12 * np.sin(x / rng.uniform(3, 9)) * np.cos(y / rng.uniform(3, 9))
    noise = rng.normal(0, 1, (height, width, 3)).astype(np.float32)
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 7.5), 3: "E", 4: (4.0, 53.0, 20.0)}
    data = b""
    for sigma, quality in ((5, 92), (4, 92), (4, 90), (3, 88), (2, 85)):
        pixels = np.clip(base + texture[..., None] + sigma * noise, 0, 255).astype(np.uint8)
        data = encoded(Image.fromarray(pixels, "RGB"), "JPEG", quality=quality, exif=exif)
        if len(data) <= target_bytes * 1.1:
            break
    return data


# ---------------------------------------------------------------------------------------------- processes


@dataclass
class Deployment:
    name: str
    env: dict[str, str]
    logs: Path
    api: str = ""
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, label: str, *args: str, program: tuple[str, ...] = (HOUSESCAN,)) -> None:
        with (self.logs / f"{self.name}-{label}.log").open("wb") as log:
            self.processes.append(
                subprocess.Popen([*program, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT)
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

    def show_logs(self, lines: int = 40) -> None:
        for path in sorted(self.logs.glob(f"{self.name}-*.log")):
            tail = path.read_text(errors="replace").splitlines()[-lines:]
            print(f"--- {path.name} (last {len(tail)} lines)", *tail, sep="\n", file=sys.stderr)

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
        except BaseException:
            deploy.show_logs()
            raise
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
        except BaseException:
            deploy.show_logs()
            raise
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
    token = await register(client, unique_email("bench"))
    return {**auth(token), "token": token}


async def prepared_scans(
    client: httpx.AsyncClient, headers: dict[str, str], count: int, photos: list[bytes], *, thumbnails: bool
) -> list[str]:
    """Scans of 5 rooms x 2 photos, uploaded (not timed). With `thumbnails` the client then reads each
    photo's thumbnail, as the web app does to show what was uploaded: that makes the renditions then (on
    demand) rather than in the background while the scans are processed and timed."""
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
        if thumbnails:
            for image in response.json()["images"]:
                (await client.get(image["thumbnail_url"])).raise_for_status()
        ids.append(scan["id"])
    return ids


async def measure_scans(
    deploy: Deployment,
    scans: int,
    latency_scans: int,
    photos: list[bytes],
    *,
    warm_up: bool = True,
    thumbnails: bool = True,
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=deploy.api, timeout=120) as client:
        headers = await account(client)
        auth = {"Authorization": headers["Authorization"]}
        completions = Completions()
        await completions.client.connect(
            deploy.api, auth={"token": headers["token"]}, namespaces=["/scans"], transports=["websocket"]
        )
        try:
            # Latency: one scan at a time, POST /process -> scan:completed at the socket.
            warm = 3 if warm_up else 0
            ids = await prepared_scans(client, headers, latency_scans + warm, photos, thumbnails=thumbnails)
            latencies = []
            for n, scan_id in enumerate(ids):
                started = time.perf_counter()
                (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth)).raise_for_status()
                await completions.wait([scan_id])
                if n >= warm:  # the first few warm up connections and caches
                    latencies.append(completions.done[scan_id] - started)
            # Throughput: all at once.
            ids = await prepared_scans(client, headers, scans, photos, thumbnails=thumbnails)
            started = time.perf_counter()
            for scan_id in ids:
                (await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth)).raise_for_status()
            await completions.wait(ids)
            elapsed = max(completions.done[scan_id] for scan_id in ids) - started
        finally:
            await completions.client.disconnect()
    return {"scans_per_s": scans / elapsed, "latencies": latencies}


async def bare_bullmq_latency(samples: int = 200) -> list[float]:
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
    return latencies


LABELS = {
    "embedded": "embedded (SQLite, in-process worker, local folder)",
    "1w": "PostgreSQL + Redis/BullMQ, 1 API + 1 worker (concurrency 4)",
    "2w": "PostgreSQL + Redis/BullMQ, 1 API + 2 workers (concurrency 4 each)",
}


async def section_scans(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    photos = [room_photo(seed) for seed in range(40)]
    print(
        f"\n## Scans: null analyzer, 5 rooms x 2 photos; per round and deployment {args.latency_scans} one by one"
        f" (latency) then {args.scans} at once (scans/s); {args.repeats} rounds, deployments interleaved; "
        + (
            "the client reads each uploaded photo's thumbnail before processing, as the web app does"
            if args.thumbnails
            else "uploads' renditions are made in the background while scans are processed (--no-thumbnails)"
        )
    )
    latencies: dict[str, list[float]] = {name: [] for name in args.deployments}
    rates: dict[str, list[float]] = {name: [] for name in args.deployments}
    bare: list[float] = []
    async with contextlib.AsyncExitStack() as stack:
        deploys = {}
        for name in args.deployments:
            kind, workers = ("embedded", 0) if name == "embedded" else ("scaled", int(name[0]))
            deploys[name] = await stack.enter_async_context(deployment(kind, workers, tmp, logs))
        for round_ in range(args.repeats):
            for name, deploy in deploys.items():
                figures = await measure_scans(
                    deploy, args.scans, args.latency_scans, photos, warm_up=round_ == 0, thumbnails=args.thumbnails
                )
                latencies[name] += figures["latencies"]
                rates[name].append(figures["scans_per_s"])
            bare += await bare_bullmq_latency(samples=60)
    print("| deployment | scans/s (median of rounds) | process -> scan:completed p50 | p99 | goal p50 |")
    print("| --- | --- | --- | --- | --- |")
    for name in args.deployments:
        goal = 30 if name == "embedded" else 60
        p50 = pct(latencies[name], 50) * 1000
        print(
            f"| {LABELS[name]} | {statistics.median(rates[name]):.1f} | {p50:.1f} ms |"
            f" {pct(latencies[name], 99) * 1000:.1f} ms | <= {goal} ms: {'met' if p50 <= goal else 'NOT met'} |"
        )
    print(
        f"| baseline: bare BullMQ enqueue -> processor pickup | | {pct(bare, 50) * 1000:.1f} ms |"
        f" {pct(bare, 99) * 1000:.1f} ms | |",
        flush=True,
    )


# ---------------------------------------------------------------------------------------------- upload


def photo_paths_in_process(files: list[bytes]) -> tuple[float, float]:
    """MB/s of the photo check alone, one core: normalise_image (what an unrotated JPEG goes through) and
    decode + re-encode (what a rotated photo, a PNG or a damaged JPEG goes through)."""
    from PIL import ImageOps

    from housescan.scans.images import normalise_image

    total = sum(map(len, files))
    started = time.perf_counter()
    for data in files:
        normalise_image(data, max_bytes=64 * 1024 * 1024, max_pixels=100_000_000)
    verify = time.perf_counter() - started
    started = time.perf_counter()
    for data in files:
        image = Image.open(io.BytesIO(data))
        image.load()
        buffer = io.BytesIO()
        ImageOps.exif_transpose(image).save(buffer, format="JPEG", quality=90, optimize=True)
    reencode = time.perf_counter() - started
    return total / verify / 1e6, total / reencode / 1e6


@contextlib.asynccontextmanager
async def bare_upload_server(tmp: Path, logs: Path) -> AsyncIterator[str]:
    """bench/bare_upload_app.py in a uvicorn process of its own, as the app's server is."""
    target = tmp / "bare-upload"
    target.mkdir(exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    bare = Deployment("bare", {**os.environ, "BARE_UPLOAD_DIR": str(target)}, logs, api=url)
    bare.spawn(
        "upload",
        *("bare_upload_app:app", "--app-dir", str(Path(__file__).parent), "--port", str(port)),
        *("--log-level", "warning", "--no-access-log"),
        program=(sys.executable, "-m", "uvicorn"),
    )
    try:
        await bare.wait_healthy()
        yield url
    finally:
        bare.stop()


async def section_upload(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    files = [big_photo(seed) for seed in range(10)]
    total = sum(map(len, files))
    print(
        f"\n## Upload ingestion: 10 phone-like 4000x3000 JPEGs, {total / 1e6:.1f} MB in one request (embedded"
        f" server, local folder); {args.upload_rounds} rounds, app, bare FastAPI and disk interleaved"
    )
    target = tmp / "disk-baseline"
    target.mkdir(exist_ok=True)
    app_times, bare_times, disk_times = [], [], []
    form = {"room_ordinal": ["0"] * 10}
    multipart = [("images", (f"{n}.jpg", data, "image/jpeg")) for n, data in enumerate(files)]
    async with (
        deployment("embedded", 0, tmp, logs) as deploy,
        bare_upload_server(tmp, logs) as bare_url,
        httpx.AsyncClient(base_url=deploy.api, timeout=300) as client,
    ):
        headers = await account(client)
        auth = {"Authorization": headers["Authorization"]}
        for r in range(args.upload_rounds + 1):  # round 0 warms up
            scan = (await client.post("/api/v1/scans", json={"rooms": [{"label": "R"}]}, headers=auth)).json()
            started = time.perf_counter()
            response = await client.post(f"/api/v1/scans/{scan['id']}/images", files=multipart, data=form, headers=auth)
            elapsed = time.perf_counter() - started
            response.raise_for_status()
            stored = response.json()["images"]
            assert len(stored) == 10
            assert all(image["width"] == 4000 for image in stored)
            started = time.perf_counter()
            bare = await client.post(f"{bare_url}/upload", files=multipart, data=form)
            bare_elapsed = time.perf_counter() - started
            assert bare.json() == {"stored": 10}, bare.text
            started = time.perf_counter()
            for n, data in enumerate(files):
                with (target / f"{r}-{n}.jpg").open("wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            if r:
                app_times.append(elapsed)
                bare_times.append(bare_elapsed)
                disk_times.append(time.perf_counter() - started)
        content = (await client.get(stored[0]["url"])).content
        assert b"Exif" not in content, "the GPS position was not stripped"
    app_mbs, bare_mbs, disk_mbs = (
        total / statistics.median(times) / 1e6 for times in (app_times, bare_times, disk_times)
    )
    verify_mbs, reencode_mbs = photo_paths_in_process(files)
    print("| path | MB/s (median of rounds) |")
    print("| --- | --- |")
    print(f"| POST /api/v1/scans/{{id}}/images (verify, strip metadata, store with fsync, rows) | {app_mbs:.1f} |")
    print(f"| baseline: write + fsync the same bytes to disk | {disk_mbs:.1f} |")
    print(f"| baseline: bare FastAPI, the same request into UploadFiles, write + fsync each | {bare_mbs:.1f} |")
    print(f"| diagnosis, in-process, one core: normalise_image (structure walk + lossless strip) | {verify_mbs:.1f} |")
    print(f"| diagnosis, in-process, one core: full decode + re-encode (rotated photos) | {reencode_mbs:.1f} |")
    print(
        f"ratio {app_mbs / disk_mbs:.2f}x of disk (goal >= 0.5x), {app_mbs / bare_mbs:.2f}x of bare FastAPI", flush=True
    )


# ---------------------------------------------------------------------------------------------- save


async def null_response(sessionmaker: Any, user_id: uuid.UUID, rooms: list[Any]) -> Any:
    """A real ScanResponse for 5 rooms x 2 photos: the app's pipeline on the null provider."""
    from housescan.agents.contract import RoomInput, ScanRequest
    from housescan.agents.pipeline import run_pipeline
    from housescan.agents.providers.null import NullProvider
    from housescan.checklists import service as checklists_service

    class Loader:
        async def load(self, url: str) -> bytes:
            return url.encode()

    async with sessionmaker() as db_session:
        checklists = await checklists_service.merged_checklists(db_session=db_session, user_id=user_id)
    request = ScanRequest(
        rooms=[
            RoomInput(room_id=str(room.id), label=room.label, image_urls=[f"{room.id}-a", f"{room.id}-b"])
            for room in rooms
        ],
        house_checklist=checklists.house,
        rooms_checklist=checklists.room,
        products_checklist=checklists.product,
    )
    return await run_pipeline(request, provider=NullProvider(0), loader=Loader())  # type: ignore[arg-type]


async def running_scans(sessionmaker: Any, user_id: uuid.UUID, count: int) -> list[tuple[uuid.UUID, list[Any]]]:
    """`count` scans of 5 rooms each, in the `running` state save_results expects (not timed)."""
    from housescan.houses.models import House, Room
    from housescan.scans.models import Scan, ScanStatus

    made = []
    async with sessionmaker() as db_session:
        for _ in range(count):
            house = House(user_id=user_id, address="1 Bench Street")
            db_session.add(house)
            await db_session.flush()
            scan = Scan(house_id=house.id, user_id=user_id, status=ScanStatus.running, attempts=1)
            db_session.add(scan)
            await db_session.flush()
            rooms = [Room(scan_id=scan.id, ordinal=n, label=f"Room {n}") for n in range(5)]
            db_session.add_all(rooms)
            made.append((scan.id, rooms))
        await db_session.commit()
    return made


RAW_AGENT_RUN = (
    "INSERT INTO agents_runs (id, created_at, scan_id, agent_name, room_id, model, status, error, input_json,"
    " output_json, tokens_in, tokens_out, requests, cost_usd, cache_hit, started_at, finished_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9::jsonb, $10, $11, $12, $13, $14, $15, $16)"
)
RAW_SUMMARY = (
    "INSERT INTO house_scan_summary (id, scan_id, summary_json, pros_cons_json, cost_summary, schema_version,"
    " derived_at) VALUES ($1, $2, $3::jsonb, $4::jsonb, $5::jsonb, $6, $7) ON CONFLICT (scan_id) DO UPDATE SET"
    " summary_json = EXCLUDED.summary_json, pros_cons_json = EXCLUDED.pros_cons_json,"
    " cost_summary = EXCLUDED.cost_summary, schema_version = EXCLUDED.schema_version,"
    " derived_at = EXCLUDED.derived_at"
)


async def raw_save(connection: asyncpg.Connection, scan_id: uuid.UUID, response: Any) -> bool:
    """The same writes as scans.service.save_results, in raw asyncpg: lock the scan, update the house, the
    rooms and the scan, replace the agent runs, upsert the summary, append the completion event, read
    whom to notify and how and stage the two notifications (settled: no SMTP server, no device); one
    transaction."""
    import json
    from datetime import UTC, datetime

    result, now = response.result, datetime.now(UTC)
    async with connection.transaction():
        row = await connection.fetchrow("SELECT house_id, user_id, status FROM scans WHERE id = $1 FOR UPDATE", scan_id)
        if row is None or row["status"] != "running":
            return False
        house_type = result.house_types[0] if result.house_types else None
        await connection.execute(
            "UPDATE houses SET house_type = $2, status = 'active', updated_at = $3 WHERE id = $1",
            row["house_id"],
            house_type,
            now,
        )
        await connection.executemany(
            "UPDATE rooms SET detected_room_types = $2::jsonb WHERE id = $1 AND scan_id = $3",
            [(uuid.UUID(room.room_id), json.dumps(room.room_types), scan_id) for room in result.rooms],
        )
        await connection.execute(
            "UPDATE scans SET status = 'succeeded', finished_at = $2, detected_house_types = $3::jsonb, error = NULL"
            " WHERE id = $1",
            scan_id,
            now,
            json.dumps(result.house_types),
        )
        await connection.execute("DELETE FROM agents_runs WHERE scan_id = $1", scan_id)
        await connection.executemany(
            RAW_AGENT_RUN,
            [
                (
                    uuid.uuid4(),
                    now,
                    scan_id,
                    e.agent_name,
                    e.room_id,
                    e.model,
                    e.status,
                    e.error,
                    json.dumps(e.output),
                    e.tokens_in,
                    e.tokens_out,
                    e.requests,
                    e.cost_usd,
                    e.cache_hit,
                    e.started_at,
                    e.finished_at,
                )
                for e in response.agent_executions
            ],
        )
        await connection.execute(
            RAW_SUMMARY,
            uuid.uuid4(),
            scan_id,
            json.dumps(response.model_dump(mode="json", exclude={"agent_executions"})),
            json.dumps(result.pros_cons.model_dump(mode="json")),
            json.dumps(response.cost_info.model_dump(mode="json")),
            response.metadata.pipeline_version,
            now,
        )
        await connection.execute(
            "INSERT INTO scan_events (user_id, scan_id, event, payload, undelivered, created_at)"
            " VALUES ($1, $2, 'scan:completed', $3::jsonb, true, $4)",
            row["user_id"],
            scan_id,
            json.dumps(
                {"scanId": str(scan_id), "message": "Your report is ready", "result": result.model_dump(mode="json")}
            ),
            now,
        )
        notify = await connection.fetchrow(
            "SELECT u.email, h.address, p.email_on_complete, p.push_on_complete,"
            " EXISTS (SELECT 1 FROM push_subscriptions d WHERE d.user_id = u.id) AS has_device"
            " FROM scans s JOIN users u ON u.id = s.user_id JOIN houses h ON h.id = s.house_id"
            " LEFT JOIN notification_preferences p ON p.user_id = u.id WHERE s.id = $1",
            scan_id,
        )
        assert notify is not None
        await connection.executemany(
            "INSERT INTO notification_outbox (id, created_at, user_id, scan_id, channel, outcome, state, attempts,"
            " sent_at) VALUES ($1, $2, $3, $4, $5, 'succeeded', $6, 0, $7)",
            [
                (uuid.uuid4(), now, row["user_id"], scan_id, "email", "logged", now),
                (uuid.uuid4(), now, row["user_id"], scan_id, "push", "skipped", None),
            ],
        )
    return True


async def section_save(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    from housescan.auth.models import User
    from housescan.config import Settings
    from housescan.db.engine import create_engine, create_sessionmaker
    from housescan.realtime.service import EventPublisher
    from housescan.scans import run as scan_run

    class NoSockets:  # the save's commit emits its event: to no one here, then marks it delivered
        async def emit(self, event: str, data: Any = None, **_: Any) -> None:
            return None

    per_round, rounds = args.save_tx, args.repeats
    print(
        f"\n## Result-save transaction: PostgreSQL, 1 connection, one at a time ({per_round} per path per round,"
        f" {rounds} rounds interleaved; 5 rooms x 2 photos through the null pipeline)"
    )
    async with pg_database() as database_url:
        migrate = await asyncio.create_subprocess_exec(
            HOUSESCAN,
            "db",
            "upgrade",
            env={**os.environ, "HOUSESCAN_DATABASE_URL": database_url},
            stdout=subprocess.DEVNULL,
        )
        assert await migrate.wait() == 0, "migrations failed"
        engine = create_engine(database_url)
        sessionmaker = create_sessionmaker(engine)
        settings = Settings(database_url=database_url, data_dir=tmp / "save")  # no SMTP server: e-mails logged
        follow_ups = {"events": EventPublisher(sessionmaker, NoSockets()), "sessionmaker": sessionmaker}
        raw = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql"))
        try:
            async with sessionmaker() as db_session:
                user = User(email=f"bench-{uuid.uuid4().hex[:8]}@example.com", password_hash="x")  # noqa: S106
                db_session.add(user)
                await db_session.commit()
            scans = await running_scans(sessionmaker, user.id, 2 * per_round * rounds + 2)
            response = await null_response(sessionmaker, user.id, scans[0][1])
            size = len(response.model_dump_json(exclude={"agent_executions"})) / 1024
            print(f"(agent runs: {len(response.agent_executions)}, summary JSON {size:.1f} KB)")

            def for_scan(rooms: list[Any]) -> Any:  # the same answers, with this scan's room ids
                copy = response.model_copy(deep=True)
                for room_result, room in zip(copy.result.rooms, rooms, strict=True):
                    room_result.room_id = str(room.id)
                return copy

            prepared = [(scan_id, for_scan(rooms)) for scan_id, rooms in scans]
            # warm-up: one of each (connections, prepared statements, compiled SQL caches)
            async with sessionmaker() as db_session:
                assert await scan_run.save_results(
                    db_session=db_session,
                    settings=settings,
                    **follow_ups,
                    scan_id=prepared[0][0],
                    response=prepared[0][1],
                )
            assert await raw_save(raw, prepared[1][0], prepared[1][1])
            queue = prepared[2:]
            app_rates, raw_rates, app_lat, raw_lat = [], [], [], []
            for _ in range(rounds):
                for kind in ("app", "raw"):
                    batch, queue = queue[:per_round], queue[per_round:]
                    started = time.perf_counter()
                    for scan_id, scan_response in batch:
                        clock = time.perf_counter()
                        if kind == "app":
                            async with sessionmaker() as db_session:
                                ok = await scan_run.save_results(
                                    db_session=db_session,
                                    settings=settings,
                                    **follow_ups,
                                    scan_id=scan_id,
                                    response=scan_response,
                                )
                            app_lat.append(time.perf_counter() - clock)
                        else:
                            ok = await raw_save(raw, scan_id, scan_response)
                            raw_lat.append(time.perf_counter() - clock)
                        assert ok
                    (app_rates if kind == "app" else raw_rates).append(per_round / (time.perf_counter() - started))
            counts = await raw.fetchrow(
                "SELECT (SELECT count(*) FROM agents_runs) AS runs, (SELECT count(*) FROM house_scan_summary) AS sums,"
                " (SELECT count(*) FROM scans WHERE status = 'succeeded') AS done"
            )
            assert counts["runs"] == len(prepared) * len(response.agent_executions)
            assert counts["sums"] == len(prepared)
            assert counts["done"] == len(prepared), "both paths wrote every scan"
        finally:
            await raw.close()
            await engine.dispose()
    app, bare = statistics.median(app_rates), statistics.median(raw_rates)
    print("| path | tx/s (median of rounds) | p50 | p99 |")
    print("| --- | --- | --- | --- |")
    print(
        f"| app: scan_run.save_results (SQLAlchemy Core, AsyncSession) | {app:.0f} |"
        f" {pct(app_lat, 50) * 1000:.1f} ms | {pct(app_lat, 99) * 1000:.1f} ms |"
    )
    print(
        f"| baseline: the same writes in raw asyncpg | {bare:.0f} |"
        f" {pct(raw_lat, 50) * 1000:.1f} ms | {pct(raw_lat, 99) * 1000:.1f} ms |"
    )
    print(f"ratio {app / bare:.2f}x (goal >= 0.5x)", flush=True)


# ---------------------------------------------------------------------------------------------- fan-out


async def fanout_clients() -> None:
    """Child process: hold N raw Engine.IO/Socket.IO websocket clients and count the events they get.

    stdin: one JSON line {"servers": [[url, [token, ...]], ...]}, then lines "mark <server> <total>";
    stdout: "ready", then "reached <server> <unix time>" when that server's clients got <total> events."""
    import json

    import websockets

    setup = json.loads(await asyncio.to_thread(sys.stdin.readline))
    counts = [0] * len(setup["servers"])
    targets: dict[int, int] = {}

    def reached(server: int) -> None:
        if targets.get(server) is not None and counts[server] >= targets[server]:
            targets[server] = None  # type: ignore[assignment]
            print(f"reached {server} {time.time()}", flush=True)

    gate = asyncio.Semaphore(50)
    connected = 0
    all_connected = asyncio.Event()
    total = sum(len(tokens) for _, tokens in setup["servers"])

    async def client(server: int, url: str, token: str) -> None:
        nonlocal connected
        ws_url = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
        async with gate:
            socket_ = await websockets.connect(ws_url, max_size=None, ping_interval=None, compression=None)
            await socket_.recv()  # engine.io open
            await socket_.send("40/scans," + json.dumps({"token": token}))
            answer = await socket_.recv()
            assert str(answer).startswith("40/scans"), answer
        connected += 1
        if connected == total:
            all_connected.set()
        async for message in socket_:
            if message == "2":
                await socket_.send("3")
            elif str(message).startswith("42/scans,"):
                counts[server] += 1
                reached(server)

    tasks = [
        asyncio.create_task(client(n, url, token))
        for n, (url, tokens) in enumerate(setup["servers"])
        for token in tokens
    ]
    await asyncio.wait_for(all_connected.wait(), 180)
    print("ready", flush=True)
    while line := (await asyncio.to_thread(sys.stdin.readline)).strip():
        _, server, target = line.split()
        targets[int(server)] = int(target)
        reached(int(server))
    for task in tasks:
        task.cancel()


async def serve_asgi(app: Any) -> tuple[str, Any, asyncio.Task[None]]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn offers no event for it
        await asyncio.sleep(0.01)
    return f"http://127.0.0.1:{port}", server, task


async def section_fanout(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    import json

    from housescan.auth import service as auth_service
    from housescan.auth.models import User
    from housescan.config import Settings
    from housescan.db.base import Base
    from housescan.db.engine import create_engine, create_sessionmaker
    from housescan.houses.models import House
    from housescan.realtime.models import ScanEvent
    from housescan.realtime.server import create_socket_server, register_handlers
    from housescan.realtime.service import EventPublisher, user_room
    from housescan.scans.events import ScanProgress
    from housescan.scans.models import Scan

    users, per_user = args.users, args.events_per_user
    print(
        f"\n## Socket.IO fan-out: {users} connected users (one socket each, a separate client process), "
        f"{per_user} event(s) to each user per round, {args.repeats} rounds interleaved, embedded (SQLite)"
    )
    settings = Settings(
        data_dir=tmp / "fanout",
        database_url=f"sqlite+aiosqlite:///{tmp / 'fanout.db'}",
        jwt_secret=uuid.uuid4().hex * 2,
    )
    engine = create_engine(settings.database_url)
    sessionmaker = create_sessionmaker(engine)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    people: list[tuple[uuid.UUID, uuid.UUID]] = []
    async with sessionmaker() as db_session:
        accounts = [User(email=f"fan-{n}@example.com", password_hash="x") for n in range(users)]  # noqa: S106
        db_session.add_all(accounts)
        await db_session.flush()
        houses = [House(user_id=user.id) for user in accounts]
        db_session.add_all(houses)
        await db_session.flush()
        scans = [Scan(house_id=house.id, user_id=house.user_id) for house in houses]
        db_session.add_all(scans)
        await db_session.commit()
        people = [(scan.user_id, scan.id) for scan in scans]
    tokens = [auth_service.issue_tokens(settings=settings, user_id=user_id).access_token for user_id, _ in people]

    app_sio = create_socket_server()
    register_handlers(app_sio, settings=settings, sessionmaker=sessionmaker)
    publisher = EventPublisher(sessionmaker, app_sio)
    bare_sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[], logger=False, engineio_logger=False)

    @bare_sio.on("connect", namespace="/scans")  # type: ignore[untyped-decorator]
    async def bare_connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        await bare_sio.enter_room(sid, f"user:{auth['token']}", namespace="/scans")

    async def legacy_publish(user_id: uuid.UUID, scan_id: uuid.UUID, payload: dict[str, Any]) -> None:
        """Diagnosis: the publisher as it was (one session + INSERT + COMMIT per event, then the emit)."""
        async with sessionmaker() as db_session:
            row = ScanEvent(user_id=user_id, scan_id=scan_id, event="scan:progress", payload=payload)
            db_session.add(row)
            await db_session.commit()
        await app_sio.emit("scan:progress", {**payload, "eventId": row.id}, room=user_room(user_id), namespace="/scans")

    app_url, app_server, app_task = await serve_asgi(socketio.ASGIApp(app_sio))
    bare_url, bare_server, bare_task = await serve_asgi(socketio.ASGIApp(bare_sio))
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--fanout-clients", stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        setup = {"servers": [[app_url, tokens], [bare_url, [str(user_id) for user_id, _ in people]]]}
        child.stdin.write((json.dumps(setup) + "\n").encode())
        await child.stdin.drain()
        started = time.perf_counter()
        line = await asyncio.wait_for(child.stdout.readline(), 240)
        assert line.strip() == b"ready", line
        print(f"({2 * users} sockets connected in {time.perf_counter() - started:.1f} s)")
        received = [0, 0]
        rates: dict[str, list[float]] = {"app": [], "bare": [], "legacy": []}
        kinds = ["app", "bare"] + (["legacy"] if args.legacy else [])
        for round_ in range(args.repeats + 1):  # round 0 warms up
            for kind in kinds:
                server = 1 if kind == "bare" else 0
                received[server] += users * per_user
                child.stdin.write(f"mark {server} {received[server]}\n".encode())
                await child.stdin.drain()
                began = time.time()
                for k in range(per_user):
                    payload = {"progress": k, "stage": "bench", "round": round_}
                    if kind == "app":
                        await asyncio.gather(
                            *(
                                publisher.publish(
                                    user_id=user_id,
                                    event=ScanProgress(scan_id=scan_id, progress=k, stage=f"bench {round_}"),
                                )
                                for user_id, scan_id in people
                            )
                        )
                    elif kind == "legacy":
                        await asyncio.gather(
                            *(
                                legacy_publish(user_id, scan_id, {**payload, "scanId": str(scan_id)})
                                for user_id, scan_id in people
                            )
                        )
                    else:
                        await asyncio.gather(
                            *(
                                bare_sio.emit(
                                    "scan:progress",
                                    {**payload, "scanId": str(scan_id), "eventId": k},
                                    room=f"user:{user_id}",
                                    namespace="/scans",
                                )
                                for user_id, scan_id in people
                            )
                        )
                line = await asyncio.wait_for(child.stdout.readline(), 120)
                words = line.split()
                assert words[:2] == [b"reached", str(server).encode()], line
                if round_:
                    rates[kind].append(users * per_user / (float(words[2]) - began))
        async with sessionmaker() as db_session:
            from sqlalchemy import func, select

            stored = await db_session.scalar(select(func.count()).select_from(ScanEvent))
    finally:
        if child.returncode is None:
            child.stdin.close()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(child.wait(), 10)
            if child.returncode is None:
                child.kill()
        for server in (app_server, bare_server):
            server.should_exit = True
        for task in (app_task, bare_task):
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, 10)
        await engine.dispose()
    app, bare = statistics.median(rates["app"]), statistics.median(rates["bare"])
    print(f"(scan_events rows written: {stored})")
    print("| path | events/s delivered (median of rounds) |")
    print("| --- | --- |")
    print(f"| app: EventPublisher.publish (append to scan_events, group commit, then emit) | {app:.0f} |")
    if rates["legacy"]:
        print(
            "| diagnosis: the previous publisher (one session + INSERT + COMMIT per event) |"
            f" {statistics.median(rates['legacy']):.0f} |"
        )
    print(f"| baseline: bare python-socketio emit to each user's room | {bare:.0f} |")
    print(f"ratio {app / bare:.2f}x (goal >= 0.8x)", flush=True)


# ---------------------------------------------------------------------------------------------- main

SECTIONS: dict[str, Callable[[argparse.Namespace, Path, Path], Awaitable[None]]] = {
    "scans": section_scans,
    "save": section_save,
    "upload": section_upload,
    "fanout": section_fanout,
}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scans", type=int, default=20, help="scans at once per round, for scans/s")
    parser.add_argument("--latency-scans", type=int, default=10, help="scans one by one per round, for latency")
    parser.add_argument("--deployments", nargs="*", choices=["embedded", "1w", "2w"], default=["embedded", "1w", "2w"])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds per section (medians over them)")
    parser.add_argument("--save-tx", type=int, default=100, help="result-save transactions per path per round")
    parser.add_argument("--upload-rounds", type=int, default=5)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--events-per-user", type=int, default=3)
    parser.add_argument("--legacy", action="store_true", help="fan-out: also time the previous publisher")
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), default=None)
    parser.add_argument(
        "--no-thumbnails",
        dest="thumbnails",
        action="store_false",
        help="scans: do not read the uploaded photos' thumbnails first (renditions overlap the timed processing)",
    )
    parser.add_argument("--fanout-clients", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fanout_clients:
        await fanout_clients()
        return
    with tempfile.TemporaryDirectory(prefix="housescan-bench-") as name:
        tmp = Path(name)
        logs = tmp / "logs"
        logs.mkdir()
        print(f"# HouseScan scale-out benchmark ({os.cpu_count()} cores, loopback)")
        for section in args.only or list(SECTIONS):
            await SECTIONS[section](args, tmp, logs)


if __name__ == "__main__":
    asyncio.run(main())
