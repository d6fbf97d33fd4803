"""Phone figures, each printed next to its baseline measured in the same run (not a test).

    .venv/bin/python bench/phone.py [--only report upload reads] [--photos 15] [--upload-rounds 4]
                                    [--readers 50] [--reads 2000] [--read-rounds 3]

Sections:

- ``report``: a finished scan of 15 phone-like photos (4000x3000 JPEG, ~2.8 MB each): the bytes a report
  page transfers (its JSON and the images it shows) when it shows the originals (before) and the
  thumbnails (after); the medium rendition (the lightbox) for comparison. Goal: after < 5% of before.
- ``upload``: 10 of those photos in one request, rounds alternating between a server that makes
  renditions (in the background, after the commit) and the same server with rendition-making switched off
  (`bench/phone_app.py`): request MB/s, and sustained MB/s including the time until every rendition is made.
  Also the CPU time of the renditions of one photo. Goal: renditions do not halve upload throughput.
- ``reads``: a finished scan's `GET /api/v1/scans/{id}` on PostgreSQL under N concurrent readers, against
  a server without and one with a Redis read-through cache (same database, rounds alternating): p50, p99,
  reads/s. The cache stays out of the product unless it gains >= 2x.

Needs PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis (127.0.0.1:6379) for ``reads``. Every server
is a uvicorn process of its own on 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.helpers import auth as bearer
from tests.helpers import free_port, register, room_photo, unique_email

from scaleout import HOUSESCAN, REDIS_URL, Deployment, big_photo, pct, pg_database


@contextlib.asynccontextmanager
async def server(
    name: str, tmp: Path, logs: Path, *, database_url: str | None = None, **switches: str
) -> AsyncIterator[Deployment]:
    """bench/phone_app.py in a uvicorn process of its own (the null analyser, a data dir of its own)."""
    port = free_port()
    env = {
        **os.environ,
        "HOUSESCAN_AGENTS_PROVIDER": "null",
        "HOUSESCAN_JWT_SECRET": "phone-bench-" + "x" * 40,
        "HOUSESCAN_WEB_DIR": str(tmp / "no-web"),
        "HOUSESCAN_DATA_DIR": str(tmp / f"data-{name}"),
        **switches,
    }
    if database_url:
        env["HOUSESCAN_DATABASE_URL"] = database_url
        env["HOUSESCAN_DATA_DIR"] = str(tmp / "data-shared")  # one store for the servers of one database
    deploy = Deployment(name, env, logs, api=f"http://127.0.0.1:{port}")
    deploy.spawn(
        "serve",
        *("-m", "uvicorn", "phone_app:app", "--app-dir", str(Path(__file__).parent), "--port", str(port)),
        *("--log-level", "warning", "--no-access-log"),
        program=(sys.executable,),
    )
    try:
        await deploy.wait_healthy()
        yield deploy
    except BaseException:
        deploy.show_logs()
        raise
    finally:
        deploy.stop()


async def sign_in(client: httpx.AsyncClient) -> dict[str, str]:
    return bearer(await register(client, unique_email("phone")))


async def finished_scan(client: httpx.AsyncClient, auth: dict[str, str], photos: list[bytes], rooms: int) -> str:
    scan = (
        await client.post("/api/v1/scans", json={"rooms": [{"label": f"Room {r}"} for r in range(rooms)]}, headers=auth)
    ).json()
    for start in range(0, len(photos), 5):
        files = [("images", (f"{n}.jpg", photos[n], "image/jpeg")) for n in range(start, min(start + 5, len(photos)))]
        form = {"room_ordinal": [str(n % rooms) for n in range(start, min(start + 5, len(photos)))]}
        response = await client.post(f"/api/v1/scans/{scan['id']}/images", files=files, data=form, headers=auth)
        response.raise_for_status()
    (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth)).raise_for_status()
    for _ in range(1200):
        status = (await client.get(f"/api/v1/scans/{scan['id']}", headers=auth)).json()["status"]
        if status in ("succeeded", "failed"):
            assert status == "succeeded", status
            return str(scan["id"])
        await asyncio.sleep(0.1)
    raise RuntimeError("the scan did not finish in 2 minutes")


# ---------------------------------------------------------------------------------------------- report


async def section_report(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    photos = [big_photo(seed) for seed in range(args.photos)]
    print(
        f"\n## Report page bytes: a finished scan of {args.photos} phone-like 4000x3000 JPEGs"
        f" ({sum(map(len, photos)) / 1e6:.1f} MB uploaded), 5 rooms"
    )
    async with server("report", tmp, logs) as deploy, httpx.AsyncClient(base_url=deploy.api, timeout=300) as client:
        auth = await sign_in(client)
        scan_id = await finished_scan(client, auth, photos, rooms=min(5, len(photos)))
        report = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth)
        images = [image for room in report.json()["rooms"] for image in room["images"]]
        assert len(images) == args.photos
        sizes: dict[str, int] = {}
        for key in ("url", "thumbnail_url", "medium_url"):
            responses = [await client.get(image[key]) for image in images]
            assert all(r.status_code == 200 for r in responses)
            sizes[key] = sum(len(r.content) for r in responses)
        revalidated = await client.get(
            f"/api/v1/scans/{scan_id}/report", headers={**auth, "If-None-Match": report.headers["etag"]}
        )
    page = len(report.content)
    before, after = page + sizes["url"], page + sizes["thumbnail_url"]
    print("| report page | bytes transferred | per photo |")
    print("| --- | --- | --- |")
    print(
        f"| baseline (before): report JSON + {args.photos} originals | {before:,} | {sizes['url'] // args.photos:,} |"
    )
    per_thumbnail = sizes["thumbnail_url"] // args.photos
    print(f"| after: report JSON + {args.photos} thumbnails (320, WebP) | {after:,} | {per_thumbnail:,} |")
    print(f"| one photo opened full screen: medium (1280, WebP) | | {sizes['medium_url'] // args.photos:,} |")
    again = f"{revalidated.status_code} with {len(revalidated.content)} bytes"
    print(f"| report JSON alone; re-read with If-None-Match | {page:,}; {again} | |")
    print(
        f"after / before = {after / before:.2%} (goal < 5%: {'met' if after / before < 0.05 else 'NOT met'})",
        flush=True,
    )


# ---------------------------------------------------------------------------------------------- upload


def rendition_cpu_ms(photos: list[bytes]) -> float:
    from housescan.storage.renditions import make_renditions

    started = time.process_time()
    for data in photos:
        make_renditions(data)
    return (time.process_time() - started) / len(photos) * 1000


async def section_upload(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    photos = [big_photo(seed) for seed in range(10)]
    total = sum(map(len, photos))
    print(
        f"\n## Thumbnail cost per upload: 10 phone-like JPEGs, {total / 1e6:.1f} MB in one request;"
        f" {args.upload_rounds} rounds of {args.requests} requests, with and without renditions alternating"
    )
    files = [("images", (f"{n}.jpg", data, "image/jpeg")) for n, data in enumerate(photos)]
    form = {"room_ordinal": ["0"] * 10}
    request_rates: dict[str, list[float]] = {"with": [], "without": []}
    sustained_rates: dict[str, list[float]] = {"with": [], "without": []}
    last_with: dict[str, Any] = {}
    async with (
        server("with", tmp, logs) as with_renditions,
        server("without", tmp, logs, PHONE_BENCH_RENDITIONS="off") as without,
    ):
        clients = {
            "with": httpx.AsyncClient(base_url=with_renditions.api, timeout=600),
            "without": httpx.AsyncClient(base_url=without.api, timeout=600),
        }
        try:
            auths = {name: await sign_in(client) for name, client in clients.items()}
            for round_ in range(args.upload_rounds + 1):  # round 0 warms up
                for name in ("without", "with") if round_ % 2 else ("with", "without"):
                    client, auth = clients[name], auths[name]
                    scans = [
                        (await client.post("/api/v1/scans", json={"rooms": [{"label": "R"}]}, headers=auth)).json()[
                            "id"
                        ]
                        for _ in range(args.requests)
                    ]
                    started = time.perf_counter()
                    for scan_id in scans:  # back to back: each request competes with the renditions of the last
                        response = await client.post(
                            f"/api/v1/scans/{scan_id}/images", files=files, data=form, headers=auth
                        )
                        assert response.status_code == 200, response.text
                        assert len(response.json()["images"]) == 10
                        if name == "with":
                            last_with = response.json()
                    uploaded = time.perf_counter() - started
                    (await client.get("/bench/renditions-idle")).raise_for_status()
                    settled = time.perf_counter() - started
                    if round_:
                        request_rates[name].append(total * args.requests / uploaded / 1e6)
                        sustained_rates[name].append(total * args.requests / settled / 1e6)
            thumbnail = await clients["with"].get(last_with["images"][0]["thumbnail_url"])
            assert thumbnail.headers["content-type"] == "image/webp"
        finally:
            for client in clients.values():
                await client.aclose()
    cpu = rendition_cpu_ms(photos[:4])
    with_rate, without_rate = statistics.median(request_rates["with"]), statistics.median(request_rates["without"])
    with_all, without_all = statistics.median(sustained_rates["with"]), statistics.median(sustained_rates["without"])
    print("| upload | requests: MB/s (median of rounds) | until every rendition is made: MB/s |")
    print("| --- | --- | --- |")
    print(f"| baseline: renditions off | {without_rate:.1f} | {without_all:.1f} |")
    print(f"| renditions made in the background after the commit | {with_rate:.1f} | {with_all:.1f} |")
    print(f"| ratio | {with_rate / without_rate:.2f}x | {with_all / without_all:.2f}x |")
    print(f"renditions of one 4000x3000 photo (decode at 1/2 scale, 1280 + 320 WebP): {cpu:.0f} ms CPU, one core")
    print(
        f"request throughput kept: {with_rate / without_rate:.2f}x (goal > 0.5x:"
        f" {'met' if with_rate / without_rate > 0.5 else 'NOT met'})",
        flush=True,
    )


# ---------------------------------------------------------------------------------------------- reads


async def read_load(
    client: httpx.AsyncClient, path: str, auth: dict[str, str], readers: int, reads: int
) -> tuple[list[float], float, int]:
    latencies: list[float] = []
    errors: list[int] = []
    remaining = reads

    async def reader() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            try:
                status = (await client.get(path, headers=auth)).status_code
            except httpx.HTTPError:  # the server dropped the connection
                status = 0
            latencies.append(time.perf_counter() - started)
            if status != 200:  # e.g. a 500 when the database pool times out under the load
                errors.append(status)

    started = time.perf_counter()
    await asyncio.gather(*(reader() for _ in range(readers)))
    return latencies, (reads - len(errors)) / (time.perf_counter() - started), len(errors)


async def section_reads(args: argparse.Namespace, tmp: Path, logs: Path) -> None:
    print(
        f"\n## A finished scan's read on PostgreSQL: {args.readers} concurrent readers, {args.reads} reads per round,"
        f" {args.read_rounds} rounds alternating; 5 rooms x 3 photos"
    )
    photos = [room_photo(seed) for seed in range(15)]  # the read does not depend on the photos' size
    results: dict[str, dict[str, list[float]]] = {
        name: {"p50": [], "p99": [], "rate": [], "errors": []} for name in ("plain", "redis")
    }
    async with pg_database() as database_url:
        migrate = await asyncio.create_subprocess_exec(
            HOUSESCAN, "db", "upgrade", env={**os.environ, "HOUSESCAN_DATABASE_URL": database_url}
        )
        assert await migrate.wait() == 0
        async with (
            server("plain", tmp, logs, database_url=database_url) as plain,
            server("redis", tmp, logs, database_url=database_url, PHONE_BENCH_READ_CACHE=REDIS_URL) as cached,
        ):
            limits = httpx.Limits(max_connections=args.readers, max_keepalive_connections=args.readers)
            async with (
                httpx.AsyncClient(base_url=plain.api, timeout=120, limits=limits) as plain_client,
                httpx.AsyncClient(base_url=cached.api, timeout=120, limits=limits) as cached_client,
            ):
                auth = await sign_in(plain_client)
                scan_id = await finished_scan(plain_client, auth, photos, rooms=5)
                path = f"/api/v1/scans/{scan_id}"
                same = (await plain_client.get(path, headers=auth)).json()
                assert (await cached_client.get(path, headers=auth)).json() == same, "the cache answers the same"
                assert (await cached_client.get(path, headers=auth)).json() == same
                clients = {"plain": plain_client, "redis": cached_client}
                for round_ in range(args.read_rounds + 1):  # round 0 warms up
                    for name in ("plain", "redis") if round_ % 2 else ("redis", "plain"):
                        latencies, rate, errors = await read_load(clients[name], path, auth, args.readers, args.reads)
                        if round_:
                            results[name]["errors"].append(errors)
                            results[name]["p50"].append(pct(latencies, 50) * 1000)
                            results[name]["p99"].append(pct(latencies, 99) * 1000)
                            results[name]["rate"].append(rate)
    med: dict[str, dict[str, float]] = {
        name: {k: statistics.median(v) for k, v in figures.items()} for name, figures in results.items()
    }
    print("| GET /api/v1/scans/{id} (finished) | p50 ms | p99 ms | reads/s (200s) | errors per round |")
    print("| --- | --- | --- | --- | --- |")
    for name, label in (("plain", "baseline: PostgreSQL only"), ("redis", "Redis read-through cache (hit: one GET)")):
        figures = med[name]
        latency = f"{figures['p50']:.1f} | {figures['p99']:.1f}"
        print(f"| {label} | {latency} | {figures['rate']:.0f} | {figures['errors']:.0f} |")
    gain = med["redis"]["rate"] / med["plain"]["rate"]
    print(
        f"reads/s gain {gain:.2f}x (keep the cache only if >= 2x: {'keep' if gain >= 2 else 'do not keep'})", flush=True
    )


SECTIONS: dict[str, Any] = {"report": section_report, "upload": section_upload, "reads": section_reads}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="*", choices=sorted(SECTIONS), default=None)
    parser.add_argument("--photos", type=int, default=15, help="photos of the report")
    parser.add_argument("--upload-rounds", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3, help="upload requests per round and server")
    parser.add_argument("--readers", type=int, default=50)
    parser.add_argument("--reads", type=int, default=2000, help="reads per round and server")
    parser.add_argument("--read-rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="housescan-phone-bench-") as name:
        tmp = Path(name)
        logs = tmp / "logs"
        logs.mkdir()
        print(f"# HouseScan phone benchmark ({os.cpu_count()} cores, loopback)")
        for section in args.only or list(SECTIONS):
            await SECTIONS[section](args, tmp, logs)


if __name__ == "__main__":
    asyncio.run(main())
