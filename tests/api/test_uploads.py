"""Photo intake: every rejection is a 4xx naming the file and the reason, and nothing of it is stored."""

from __future__ import annotations

import asyncio
import errno
import io
import os
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from housescan.config import Settings
from housescan.ops import metrics
from housescan.scans.models import Image as ImageRow
from housescan.storage import renditions
from housescan.storage.local import LocalFolderStore
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, create_scan, photo, register, upload


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions: the classic decompression bomb, without the memory."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    data = zlib.compress(b"\x00" * 64)
    idat = b"IDAT" + data
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", len(data))
        + idat
        + struct.pack(">I", zlib.crc32(idat))
        + struct.pack(">I", 0)
        + b"IEND"
        + struct.pack(">I", zlib.crc32(b"IEND"))
    )


def rotated_jpeg() -> bytes:
    """A 300x200 JPEG whose EXIF says 'rotate 90°': it is shown (and must be stored) as 200x300."""
    image = Image.new("RGB", (300, 200), (10, 200, 30))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # a GPS position that must not survive
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


async def stored_state(server: LiveServer) -> tuple[int, int]:
    # A rendition being written is a temporary file beside the photos until it is renamed: wait for them.
    await renditions.idle()
    async with server.runtime.sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(ImageRow)) or 0
    photos = Path(server.runtime.settings.photos_dir)
    return rows, len(originals(photos))


def originals(photos: Path) -> list[Path]:
    """The photos in the store, without their renditions (made in the background: `await renditions.idle()`
    first to see them all)."""
    if not photos.exists():
        return []
    return [path for path in photos.rglob("*") if path.is_file() and not renditions.is_rendition_key(path.name)]


BAD_FILES = [
    ("notes.jpg", b"this is a text file with an image name", "not a photo"),
    ("empty.jpg", b"", "empty"),
    ("truncated.jpg", photo(size=(640, 480))[:1500], "truncated or corrupt"),
    ("bomb.png", png_header_only(60000, 60000), "pixels"),
    ("script.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "not a photo"),
    ("page.jpg", b"<html><script>alert(1)</script></html>", "not a photo"),
    ("anim.gif", photo(fmt="GIF"), "not a photo"),
    ("dot.jpg", photo(size=(1, 1)), "the photo is 1x1 pixels: a photo must be at least 32 pixels on each side"),
    ("kitchen.jpg", photo(size=(1, 60000)), "the photo is 1x60000 pixels"),
    ("ribbon.png", photo(size=(3300, 320), fmt="PNG"), "no more than 10:1 wide"),
]


@pytest.mark.parametrize(("name", "data", "reason"), BAD_FILES, ids=[name for name, _, _ in BAD_FILES])
async def test_each_bad_file_is_rejected_with_its_reason(
    live_server: LiveServer, name: str, data: bytes, reason: str
) -> None:
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        response = await upload(client, token, scan["id"], [("good.jpg", photo(), 0), (name, data, 0)])
        assert response.status_code == 422, response.text
        detail = response.json()["detail"]
        assert "nothing was stored" in detail["message"]
        assert [error["file"] for error in detail["errors"]] == [name]
        assert reason in detail["errors"][0]["reason"]
        assert detail["errors"][0]["index"] == 1
        assert await stored_state(live_server) == (0, 0), "the good file of a rejected request is not kept either"


async def test_the_smallest_and_longest_photos_that_can_be_analysed_are_kept(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        shapes = [(32, 32), (32, 320), (3200, 320)]
        response = await upload(client, token, scan["id"], [(f"{w}x{h}.jpg", photo(size=(w, h)), 0) for w, h in shapes])
        assert response.status_code == 200, response.text
        assert [(image["width"], image["height"]) for image in response.json()["images"]] == shapes


async def test_limits_on_size_and_count(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        max_image_bytes=20_000,
        max_images_per_request=3,
        max_images_per_scan=4,
        web_dir=tmp_path / "none",
    )
    server = await start_server(settings)
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            big = photo(size=(1200, 900), quality=100)
            assert len(big) > 20_000
            response = await upload(client, token, scan["id"], [("big.jpg", big, 0)])
            assert response.status_code == 413
            reason = response.json()["detail"]["errors"][0]["reason"]
            assert reason == f"the file is {len(big) / 1024:.1f} kB — the limit is 19.5 kB", "in units a person reads"

            many = [(f"{n}.jpg", photo((n, n, n)), 0) for n in range(4)]
            response = await upload(client, token, scan["id"], many)
            assert response.status_code == 413 and "at most 3" in response.json()["detail"]
            assert (await upload(client, token, scan["id"], many[:3])).status_code == 200
            response = await upload(
                client, token, scan["id"], [("x.jpg", photo((9, 9, 9)), 0), ("y.jpg", photo((8, 8, 8)), 0)]
            )
            assert response.status_code == 413 and "at most 4 photos" in response.json()["detail"]["message"]
            assert await stored_state(server) == (3, 3)
    finally:
        await server.stop()


async def test_request_body_over_the_limit_is_refused_declared_or_streamed(settings: Settings) -> None:
    server = await start_server(settings.model_copy(update={"max_upload_request_bytes": 60_000}))
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            big = photo(size=(1200, 900), quality=100)
            assert len(big) > 60_000
            declared = await upload(client, token, scan["id"], [("big.jpg", big, 0)])
            assert declared.status_code == 413
            assert "is over the limit of 60,000 bytes" in declared.json()["detail"]

            multipart = client.build_request(
                "POST", "/", files=[("images", ("big.jpg", big, "image/jpeg"))], data={"room_ordinal": ["0"]}
            )
            body = multipart.read()

            async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
                for start in range(0, len(body), 16_384):
                    yield body[start : start + 16_384]

            streamed = await client.post(
                f"/api/v1/scans/{scan['id']}/images",
                content=chunks(),
                headers={**auth(token), "content-type": multipart.headers["content-type"]},
            )
            assert streamed.status_code == 413
            assert streamed.json()["detail"] == "request body is over the limit of 60,000 bytes"

            small = await upload(client, token, scan["id"], [("small.jpg", photo(), 0)])
            assert small.status_code == 200, "the limit leaves requests under it alone"
            assert await stored_state(server) == (1, 1)
    finally:
        await server.stop()


class FailsOnSecondPhoto(LocalFolderStore):
    """The second photo's write fails with `error`, as the operating system's `write` raises it."""

    def __init__(self, root: Path, error: int) -> None:
        super().__init__(root)
        self.puts = 0
        self.error = error

    def _write(self, key: str, data: bytes) -> None:
        self.puts += 1
        if self.puts == 2:
            raise OSError(self.error, os.strerror(self.error))
        super()._write(key, data)


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [(errno.ENOSPC, 507, "storage_full"), (errno.EDQUOT, 507, "storage_full"), (errno.EIO, 500, None)],
    ids=["disk full", "quota", "another failure"],
)
async def test_a_failed_write_is_named_when_the_disk_is_full_and_leaves_nothing_behind(
    live_server: LiveServer, error: int, status: int, code: str | None
) -> None:
    store = FailsOnSecondPhoto(live_server.runtime.settings.photos_dir, error)
    live_server.runtime.store = store
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        files = [(f"{n}.jpg", photo((n * 60, 40, 80)), 0) for n in range(4)]
        response = await upload(client, token, scan["id"], files)
        assert response.status_code == status, response.text
        if code is not None:
            assert response.json()["error"] == code
            assert "no room left to store photos: nothing of this upload was kept" in response.json()["detail"]
        assert store.puts == 4, "every write ran to its end before the clean-up"
        assert await stored_state(live_server) == (0, 0), "no row and no file of the failed upload"


async def test_an_upload_cut_off_midway_stores_nothing_and_is_no_server_error(live_server: LiveServer) -> None:
    def uploads(status: str) -> float:
        labels = {"route": "/api/v1/scans/{scan_id}/images", "method": "POST", "status": status}
        return metrics.REGISTRY.get_sample_value("housescan_http_requests_total", labels) or 0.0

    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        request = client.build_request(
            "POST",
            f"/api/v1/scans/{scan['id']}/images",
            files=[("images", ("a.jpg", photo(size=(1600, 1200), quality=95), "image/jpeg"))],
            data={"room_ordinal": ["0"]},
            headers=auth(token),
        )
        body = request.read()
        before_400, before_500 = uploads("400"), uploads("500")
        host, port = live_server.url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        head = f"POST {request.url.raw_path.decode()} HTTP/1.1\r\nHost: {host}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in request.headers.items() if name.lower() != "host"
        )
        writer.write(head.encode() + b"\r\n" + body[: len(body) // 2])  # Content-Length promises all of it
        await writer.drain()
        await asyncio.sleep(0.3)
        writer.close()  # the phone lost its signal
        await writer.wait_closed()
        for _ in range(50):
            if uploads("400") > before_400:
                break
            await asyncio.sleep(0.1)
        assert uploads("400") == before_400 + 1 and uploads("500") == before_500
        assert await stored_state(live_server) == (0, 0)
        del reader


async def test_form_mistakes_are_named(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=2)
        wrong_room = await upload(client, token, scan["id"], [("a.jpg", photo(), 5)])
        assert wrong_room.status_code == 422
        assert "room_ordinal 5 is not a room of this scan" in wrong_room.json()["detail"]["errors"][0]["reason"]
        mismatch = await client.post(
            f"/api/v1/scans/{scan['id']}/images",
            files=[("images", ("a.jpg", photo(), "image/jpeg")), ("images", ("b.jpg", photo((1, 2, 3)), "image/jpeg"))],
            data={"room_ordinal": ["0"]},
            headers=auth(token),
        )
        assert mismatch.status_code == 422 and "one room_ordinal per file" in mismatch.json()["detail"]
        no_files = await client.post(
            f"/api/v1/scans/{scan['id']}/images", data={"room_ordinal": ["0"]}, headers=auth(token)
        )
        assert no_files.status_code == 422
        assert await stored_state(live_server) == (0, 0)


async def test_accepted_formats_orientation_duplicates_and_server_keys(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=2)
        same = photo((1, 2, 3))
        response = await upload(
            client,
            token,
            scan["id"],
            [
                ("../../etc/passwd.jpg", rotated_jpeg(), 0),
                ("p.png", photo(fmt="PNG"), 0),
                ("w.webp", photo((5, 5, 5), fmt="WEBP"), 1),
                ("same.jpg", same, 1),
                ("same-again.jpg", same, 1),
            ],
            content_type="application/octet-stream",  # the client's MIME type is not trusted either way
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["images"]) == 4
        assert [d["file"] for d in body["duplicates"]] == ["same-again.jpg"]
        rotated = body["images"][0]
        assert (rotated["width"], rotated["height"]) == (200, 300)
        assert [image["content_type"] for image in body["images"]] == [
            "image/jpeg",
            "image/png",
            "image/webp",
            "image/jpeg",
        ]

        again = await upload(client, token, scan["id"], [("again.jpg", same, 0)])
        assert (
            again.json()["images"] == []
            and again.json()["duplicates"][0]["existing_image_id"] == body["images"][3]["id"]
        )

        stored = await client.get(rotated["url"])
        stored_image = Image.open(io.BytesIO(stored.content))
        assert stored_image.size == (200, 300)
        assert 0x8825 not in stored_image.getexif(), "location metadata is dropped"
        await renditions.idle()
        files = originals(Path(live_server.runtime.settings.photos_dir))
        assert len(files) == 4
        assert all(
            "passwd" not in str(p) and p.is_relative_to(Path(live_server.runtime.settings.photos_dir)) for p in files
        )


async def test_unrotated_jpeg_with_gps_is_stored_without_it_and_pixel_identical(live_server: LiveServer) -> None:
    """Orientation 1: no rotation to apply, so the photo is stored as uploaded minus its metadata (no
    re-encoding, no generation loss), and the GPS position still does not survive."""
    image = Image.new("RGB", (320, 240), (10, 120, 200))
    image.paste((250, 200, 30), (40, 30, 200, 150))
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=92)
    raw = buffer.getvalue()
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        response = await upload(client, token, scan["id"], [("gps.jpg", raw, 0)])
        assert response.status_code == 200, response.text
        uploaded = response.json()["images"][0]
        assert (uploaded["width"], uploaded["height"], uploaded["content_type"]) == (320, 240, "image/jpeg")
        content = (await client.get(uploaded["url"])).content
    stored, original = Image.open(io.BytesIO(content)), Image.open(io.BytesIO(raw))
    assert 0x8825 not in stored.getexif() and b"Exif" not in content, "location metadata is dropped"
    assert stored.size == (320, 240)
    assert stored.tobytes() == original.tobytes(), "the pixels are exactly the uploaded ones"


async def test_image_urls_expire_and_cannot_be_forged(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        image = (await upload(client, token, scan["id"], [("a.jpg", photo(), 0)])).json()["images"][0]
        assert (await client.get(image["url"])).status_code == 200
        path, query = image["url"].split("?")
        params = dict(part.split("=") for part in query.split("&"))
        forged = f"{path}?expires={int(params['expires']) + 1000}&signature={params['signature']}"
        assert (await client.get(forged)).status_code == 404
        from housescan.scans.urls import signed_image_url

        expired = signed_image_url(live_server.runtime.settings, image["id"], now=0)
        assert (await client.get(expired)).status_code == 404


async def test_heic_photos_from_phones_are_stored_as_jpeg(live_server: LiveServer) -> None:
    pytest.importorskip("pillow_heif")
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        response = await upload(client, token, scan["id"], [("IMG_0001.HEIC", photo(fmt="HEIF"), 0)], "image/heic")
        assert response.status_code == 200, response.text
        image = response.json()["images"][0]
        assert image["content_type"] == "image/jpeg" and (image["width"], image["height"]) == (320, 240)
        stored = await client.get(image["url"])
        assert Image.open(io.BytesIO(stored.content)).format == "JPEG"
