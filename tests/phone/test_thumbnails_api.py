"""Renditions of every photo (thumbnail 320, medium 1280, WebP, upright, no metadata) stored next to the
original, served under stable signed URLs the browser may keep; conditional GETs (ETag → 304) on the scan,
its summary and its report, whose tag changes when a person edits the report."""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from housescan.config import Settings
from housescan.scans.images import human_megabytes, too_large_reason
from housescan.storage import renditions
from housescan.storage.local import LocalFolderStore
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, create_scan, encoded, photo, register, upload
from tests.review.conftest import finished


def rotated_phone_photo(size: tuple[int, int] = (1600, 1200)) -> bytes:
    """Landscape pixels whose EXIF says 'rotate 90°' (shown portrait), with a GPS position."""
    image = Image.new("RGB", size, (200, 40, 40))
    image.paste((20, 40, 220), (0, 0, size[0] // 4, size[1]))  # a blue band on the left edge of the pixels
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}
    return encoded(image, "JPEG", quality=90, exif=exif)


def files_of(settings: Settings) -> set[str]:
    photos = Path(settings.photos_dir)
    return {str(path.relative_to(photos)) for path in photos.rglob("*") if path.is_file()} if photos.exists() else set()


@pytest.fixture
async def null_server(settings: Settings) -> Any:
    server = await start_server(settings.model_copy(update={"agents_provider": "null"}))
    yield server
    await server.stop()


async def test_renditions_are_stored_next_to_the_photo_served_cacheable_and_deleted_with_the_scan(
    live_server: LiveServer,
) -> None:
    settings = live_server.runtime.settings
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        response = await upload(client, token, scan["id"], [("IMG_1.jpg", rotated_phone_photo(), 0)])
        assert response.status_code == 200, response.text
        image = response.json()["images"][0]
        assert (image["width"], image["height"]) == (1200, 1600)
        await renditions.idle()
        stem = f"scans/{scan['id']}/{image['id']}"
        assert files_of(settings) == {f"{stem}.jpg", f"{stem}.320.webp", f"{stem}.1280.webp"}

        detail = (await client.get(f"/api/v1/scans/{scan['id']}", headers=auth(token))).json()
        served = detail["rooms"][0]["images"][0]
        again = (await client.get(f"/api/v1/scans/{scan['id']}", headers=auth(token))).json()
        assert again["rooms"][0]["images"][0] == served, "the same URLs on every read: the browser can keep them"

        for key, side in (("thumbnail_url", 320), ("medium_url", 1280)):
            got = await client.get(served[key])
            assert got.status_code == 200 and got.headers["content-type"] == "image/webp"
            cache_control = got.headers["cache-control"]
            assert "immutable" in cache_control and int(cache_control.split("max-age=")[1].split(",")[0]) >= 600
            shown = Image.open(io.BytesIO(got.content))
            assert shown.format == "WEBP" and shown.size == (side * 3 // 4, side), "upright, longest side"
            assert not shown.getexif() and "exif" not in shown.info and "icc_profile" not in shown.info
            left_edge = shown.convert("RGB").getpixel((shown.width // 2, 2))
            assert isinstance(left_edge, tuple) and left_edge[2] > 150, "the band rotated to the top: EXIF applied"
            revalidated = await client.get(served[key], headers={"If-None-Match": got.headers["etag"]})
            assert revalidated.status_code == 304 and revalidated.content == b""
        original = await client.get(served["url"])
        assert original.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(original.content)).size == (1200, 1600), "the original, on demand"

        assert (await client.delete(f"/api/v1/scans/{scan['id']}", headers=auth(token))).status_code == 204
        assert files_of(settings) == set(), "the photo and its renditions are gone"
        assert (await client.get(served["thumbnail_url"])).status_code == 404


async def test_a_photo_stored_before_renditions_gets_them_once_on_first_read(live_server: LiveServer) -> None:
    settings = live_server.runtime.settings
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        image = (await upload(client, token, scan["id"], [("a.jpg", photo(size=(900, 600)), 0)])).json()["images"][0]
        await renditions.idle()
        photos = Path(settings.photos_dir)
        for path in photos.rglob("*.webp"):
            path.unlink()  # as a photo uploaded before this change
        stem = f"scans/{scan['id']}/{image['id']}"
        assert files_of(settings) == {f"{stem}.jpg"}
        got = await client.get(image["thumbnail_url"])
        assert got.status_code == 200 and Image.open(io.BytesIO(got.content)).size == (320, 213)
        assert files_of(settings) == {f"{stem}.jpg", f"{stem}.320.webp", f"{stem}.1280.webp"}, "made once, kept"
        made = (photos / f"{stem}.320.webp").stat().st_mtime_ns
        assert (await client.get(image["thumbnail_url"])).content == got.content
        assert (photos / f"{stem}.320.webp").stat().st_mtime_ns == made, "read from the store the second time"
        small = await client.get(image["medium_url"])
        assert Image.open(io.BytesIO(small.content)).size == (900, 600), "never larger than the photo"


async def test_a_refused_or_failed_upload_leaves_no_rendition(live_server: LiveServer) -> None:
    settings = live_server.runtime.settings
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        refused = await upload(client, token, scan["id"], [("a.jpg", photo(), 0), ("b.jpg", b"not a photo", 0)])
        assert refused.status_code == 422
        assert refused.json()["detail"]["errors"][0]["reason"] == (
            "this is not a photo (JPEG, PNG, WebP or HEIC)"
            if "HEIC" in refused.json()["detail"]["errors"][0]["reason"]
            else "this is not a photo (JPEG, PNG or WebP)"
        )
        await renditions.idle()
        assert files_of(settings) == set()


async def test_the_scans_list_has_a_cover_thumbnail(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        empty = await create_scan(client, token, rooms=1)
        scan = await create_scan(client, token, rooms=2)
        files = [("first.jpg", photo((10, 200, 10), size=(640, 480)), 1), ("second.jpg", photo((200, 10, 10)), 0)]
        images = (await upload(client, token, scan["id"], files)).json()["images"]
        items = {item["id"]: item for item in (await client.get("/api/v1/scans", headers=auth(token))).json()["items"]}
        assert items[empty["id"]]["cover_thumbnail_url"] is None
        cover = items[scan["id"]]["cover_thumbnail_url"]
        assert cover.startswith(f"/api/v1/images/{images[0]['id']}/thumbnail?"), "the first photo uploaded"
        got = await client.get(cover)
        assert got.headers["content-type"] == "image/webp" and Image.open(io.BytesIO(got.content)).size == (320, 240)


async def test_scan_summary_and_report_answer_304_until_a_person_edits_the_report(null_server: LiveServer) -> None:
    async with null_server.client() as client:
        token = await register(client)
        detail = await finished(client, token)
        scan_id = detail["id"]
        await renditions.idle()  # the photos' quality measures, which the report tells, are read in the background
        tags: dict[str, str] = {}
        for path in (f"/api/v1/scans/{scan_id}", f"/api/v1/scans/{scan_id}/summary", f"/api/v1/scans/{scan_id}/report"):
            first = await client.get(path, headers=auth(token))
            assert first.status_code == 200 and first.headers["etag"].startswith('W/"')
            assert "no-cache" in first.headers["cache-control"], "kept by the browser, revalidated on every use"
            tags[path] = first.headers["etag"]
            second = await client.get(path, headers={**auth(token), "If-None-Match": first.headers["etag"]})
            assert second.status_code == 304 and second.content == b"" and second.headers["etag"] == tags[path]
        report_path = f"/api/v1/scans/{scan_id}/report"
        report = (await client.get(report_path, headers=auth(token))).json()
        assert {"thumbnail_url", "medium_url", "url"} <= set(report["rooms"][0]["images"][0])
        assert "/thumbnail?" in report["rooms"][0]["images"][0]["thumbnail_url"]

        room = detail["rooms"][0]
        edit = await client.patch(
            f"/api/v1/scans/{scan_id}/rooms/{room['id']}", json={"label": "Galley"}, headers=auth(token)
        )
        assert edit.status_code == 200
        changed = await client.get(report_path, headers={**auth(token), "If-None-Match": tags[report_path]})
        assert changed.status_code == 200 and changed.headers["etag"] != tags[report_path], "the edit is seen"
        assert changed.json()["rooms"][0]["label"] == "Galley"

        other = await register(client)
        stranger = await client.get(report_path, headers={**auth(other), "If-None-Match": changed.headers["etag"]})
        assert stranger.status_code == 404, "a tag is no way into another user's report"


def test_sizes_are_told_in_units_a_person_reads() -> None:
    limit = 25 * 1024 * 1024
    assert too_large_reason(int(31.6 * 1024 * 1024), limit) == "the file is 31.6 MB — the limit is 25 MB"
    assert too_large_reason(limit + 1, limit) == "the file is just over 25 MB — the limit is 25 MB"
    assert human_megabytes(20_000) == "19.5 kB"


async def test_a_413_for_a_large_photo_tells_its_real_size(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, web_dir=tmp_path / "none", max_image_bytes=1024 * 1024
    )
    server = await start_server(settings)
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            big = b"\xff\xd8" + bytes(uuid.uuid4().bytes) * (int(1.6 * 1024 * 1024) // 16)
            response = await upload(client, token, scan["id"], [("big.jpg", big, 0)])
            assert response.status_code == 413
            assert response.json()["detail"]["errors"][0]["reason"] == "the file is 1.6 MB — the limit is 1 MB"
    finally:
        await server.stop()


async def test_image_urls_stay_the_same_within_a_time_bucket(settings: Settings) -> None:
    from housescan.scans.urls import signed_image_url

    image_id = uuid.uuid4()
    bucket = settings.image_url_seconds
    start = 1_800_000_000 // bucket * bucket
    same = {signed_image_url(settings, image_id, variant="thumbnail", now=start + s) for s in (0, 1, bucket - 1)}
    assert len(same) == 1
    assert signed_image_url(settings, image_id, now=start + bucket) not in {
        signed_image_url(settings, image_id, now=start)
    }
    httpx.URL(same.pop())  # a well-formed relative URL


async def test_a_request_never_waits_for_the_background_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The background thread may get little CPU on a busy machine: a request that wants a rendition it is
    making makes it itself. Here the background thread is held for the whole request."""
    store = LocalFolderStore(tmp_path / "photos")
    key = "scans/s/p.jpg"
    await store.put(key, photo(size=(800, 600)), "image/jpeg")
    held, taken = threading.Event(), asyncio.Event()

    class StarvedThread(concurrent.futures.ThreadPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            taken.set()  # called on the event loop's thread (run_in_executor)
            return super().submit(fn, *args, **kwargs)

    starved = StarvedThread(max_workers=1)
    concurrent.futures.ThreadPoolExecutor.submit(starved, held.wait)  # its one thread gets no CPU
    monkeypatch.setattr(renditions, "_background", lambda: starved)
    try:
        renditions.schedule(store, [key])
        await taken.wait()  # the background thread has the photo
        thumbnail = await asyncio.wait_for(renditions.read(store, key, "thumbnail", original_type="image/jpeg"), 60)
        assert thumbnail.made and max(Image.open(io.BytesIO(thumbnail.data)).size) == 320
        assert key in renditions._work().making, "the background thread is still held"
    finally:
        held.set()
        await renditions.idle()
        starved.shutdown()
