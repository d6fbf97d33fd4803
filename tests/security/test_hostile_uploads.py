"""Hostile uploads: a corpus generated here, each case answered with a clear 4xx, nothing stored, the
server still healthy afterwards. Prints its counts so they can be read off a test run."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image
from sqlalchemy import func, select

from housescan.config import Settings
from housescan.scans.models import Image as ImageRow
from housescan.storage import renditions
from tests.conftest import LiveServer, start_server
from tests.helpers import auth, create_scan, photo, register


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _png_chunk(b"IEND", b"")
    )


def jpeg_bomb() -> bytes:
    """A real small JPEG whose frame header is rewritten to claim 65,000 x 65,000 pixels."""
    data = bytearray(photo(size=(64, 64)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65_000, 65_000)
    return bytes(data)


def zero_size_jpeg() -> bytes:
    data = bytearray(photo(size=(64, 64)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 0, 0)
    return bytes(data)


def corrupt_png() -> bytes:
    """A PNG whose compressed pixel data is overwritten: its checksums and zlib stream no longer hold."""
    data = bytearray(photo(size=(640, 480), fmt="PNG"))
    start = data.find(b"IDAT") + 40
    data[start : start + 200] = bytes(range(200))
    return bytes(data)


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "x" * 1000)
    return buffer.getvalue()


def animated_webp() -> bytes:
    frames = [Image.new("RGB", (32, 32), (n * 60, 0, 0)) for n in range(3)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def other_format(fmt: str) -> Callable[[], bytes]:
    def make() -> bytes:
        buffer = io.BytesIO()
        Image.new("RGB", (32, 32), (1, 2, 3)).save(buffer, format=fmt)
        return buffer.getvalue()

    return make


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    content: Callable[[], bytes]
    content_type: str
    expect: str  # a phrase the reason must contain


JPEG = "image/jpeg"
CORPUS = [
    Case("text named .jpg", "holiday.jpg", lambda: b"just some text, honestly", JPEG, "not a photo"),
    Case("empty file", "empty.jpg", lambda: b"", JPEG, "empty"),
    Case("single byte", "one.jpg", lambda: b"\xff", JPEG, "not a photo"),
    Case("jpeg magic only", "magic.jpg", lambda: b"\xff\xd8\xff\xe0", JPEG, "not a photo"),
    Case("truncated jpeg", "cut.jpg", lambda: photo(size=(640, 480))[:2000], JPEG, "truncated or corrupt"),
    Case(
        "truncated png",
        "cut.png",
        lambda: photo(size=(640, 480), fmt="PNG")[:3000],
        "image/png",
        "truncated or corrupt",
    ),
    Case("corrupt png data", "bad.png", corrupt_png, "image/png", "truncated or corrupt"),
    Case("png pixel bomb", "bomb.png", png_bomb, "image/png", "pixels"),
    Case("jpeg pixel bomb", "bomb.jpg", jpeg_bomb, JPEG, "pixels"),
    Case("jpeg claiming 0x0", "zero.jpg", zero_size_jpeg, JPEG, "not a photo"),
    Case(
        "svg with script",
        "vector.svg",
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
        "not a photo",
    ),
    Case(
        "svg named .png",
        "icon.png",
        lambda: b'<svg onload="alert(1)" xmlns="http://www.w3.org/2000/svg"/>',
        "image/png",
        "not a photo",
    ),
    Case("html named .jpg", "page.jpg", lambda: b"<!doctype html><script>fetch('/api')</script>", JPEG, "not a photo"),
    Case(
        "html then a jpeg",
        "polyglot.jpg",
        lambda: b"<html><script>alert(1)</script></html>" + photo(),
        JPEG,
        "not a photo",
    ),
    Case("pdf named .jpg", "doc.jpg", lambda: b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF", JPEG, "not a photo"),
    Case("pdf then a jpeg", "pdfjpg.jpg", lambda: b"%PDF-1.4\n" + photo(), JPEG, "not a photo"),
    Case("zip named .jpg", "archive.jpg", zip_bytes, JPEG, "not a photo"),
    Case("elf binary", "run.jpg", lambda: b"\x7fELF\x02\x01\x01" + b"\x00" * 100, JPEG, "not a photo"),
    Case("windows executable", "setup.png", lambda: b"MZ\x90\x00" + b"\x00" * 100, "image/png", "not a photo"),
    Case("shell script", "x.jpg", lambda: b"#!/bin/sh\nrm -rf /\n", JPEG, "not a photo"),
    Case("gif", "anim.gif", other_format("GIF"), "image/gif", "not a photo"),
    Case("bmp", "paint.bmp", other_format("BMP"), "image/bmp", "not a photo"),
    Case("tiff", "scan.tiff", other_format("TIFF"), "image/tiff", "not a photo"),
    Case("ico", "favicon.ico", other_format("ICO"), "image/x-icon", "not a photo"),
    Case("animated webp", "anim.webp", animated_webp, "image/webp", "animated"),
    Case(
        "path traversal name, not an image",
        "../../../etc/passwd",
        lambda: b"root:x:0:0:root:/root:/bin/bash",
        JPEG,
        "not a photo",
    ),
    Case("absolute path name, not an image", "/etc/shadow.jpg", lambda: b"secret", JPEG, "not a photo"),
    Case("unicode rtl-override name", "gpj.\u202eexe.jpg", lambda: b"MZ" + b"\x00" * 50, JPEG, "not a photo"),
    Case("null byte in name", "a.jpg\x00.exe", lambda: b"MZ" + b"\x00" * 50, JPEG, "not a photo"),
    Case("emoji name, wrong content", "🏠🛁.jpg", lambda: b"not a photo at all", JPEG, "not a photo"),
    Case("very long name", "x" * 2000 + ".jpg", lambda: b"nope", JPEG, "not a photo"),
    Case("jpeg sent as text/html", "doc.html", lambda: b"<b>hi</b>", "text/html", "not a photo"),
    Case("oversize file", "huge.jpg", lambda: b"\xff\xd8" + b"\x00" * 2_100_000, JPEG, "the limit is 1.9 MB"),
]


async def stored(server: LiveServer) -> tuple[int, int]:
    async with server.runtime.sessionmaker() as session:
        rows = await session.scalar(select(func.count()).select_from(ImageRow)) or 0
    photos = Path(server.runtime.settings.photos_dir)
    return rows, sum(1 for p in photos.rglob("*") if p.is_file()) if photos.exists() else 0


async def test_hostile_upload_corpus(tmp_path: Path, database_url: str) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", database_url=database_url, web_dir=tmp_path / "none", max_image_bytes=2_000_000
    )
    server = await start_server(settings)
    counts = {"cases": 0, "rejected_4xx": 0, "stored_after_rejection": 0}
    try:
        async with server.client() as client:
            token = await register(client)
            scan = await create_scan(client, token, rooms=1)
            url = f"/api/v1/scans/{scan['id']}/images"
            for case in CORPUS:
                counts["cases"] += 1
                response = await client.post(
                    url,
                    files=[("images", (case.filename, case.content(), case.content_type))],
                    data={"room_ordinal": ["0"]},
                    headers=auth(token),
                )
                assert 400 <= response.status_code < 500, (case.name, response.status_code, response.text[:200])
                detail = response.json()["detail"]
                assert case.expect in detail["errors"][0]["reason"], (case.name, detail)
                counts["rejected_4xx"] += 1
                counts["stored_after_rejection"] += sum(await stored(server))
            await _request_level_cases(client, token, url, counts)
            assert (await client.get("/healthz")).status_code == 200
            good = await client.post(
                url, files=[("images", ("fine.jpg", photo(), JPEG))], data={"room_ordinal": ["0"]}, headers=auth(token)
            )
            assert good.status_code == 200, "the server is still healthy and accepts a real photo"
    finally:
        await server.stop()
    print(f"\nhostile uploads: {counts}")
    assert counts["cases"] >= 30 and counts["rejected_4xx"] == counts["cases"]
    assert counts["stored_after_rejection"] == 0


async def _request_level_cases(client: httpx.AsyncClient, token: str, url: str, counts: dict[str, int]) -> None:
    """Malformed requests rather than malformed files."""
    boundary = "HouseScanBoundary"
    preamble = (
        b"A" * 5_000_000
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="images"; filename="a.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + photo()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    requests = [
        (
            "huge multipart preamble",
            {"content": preamble, "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"}},
        ),
        ("json instead of multipart", {"json": {"images": ["a.jpg"]}}),
        (
            "files under the wrong field",
            {"files": [("image", ("a.jpg", photo(), JPEG))], "data": {"room_ordinal": ["0"]}},
        ),
        (
            "room ordinal not a number",
            {"files": [("images", ("a.jpg", photo(), JPEG))], "data": {"room_ordinal": ["first"]}},
        ),
        ("room ordinal missing", {"files": [("images", ("a.jpg", photo(), JPEG))]}),
        ("negative room ordinal", {"files": [("images", ("a.jpg", photo(), JPEG))], "data": {"room_ordinal": ["-1"]}}),
        (
            "more files than allowed",
            {
                "files": [("images", (f"{n}.jpg", photo((n, 0, 0)), JPEG)) for n in range(41)],
                "data": {"room_ordinal": ["0"] * 41},
            },
        ),
    ]
    for name, kwargs in requests:
        counts["cases"] += 1
        headers = auth(token) | kwargs.pop("headers", {})  # type: ignore[operator]
        response = await client.post(url, headers=headers, **kwargs)  # type: ignore[arg-type]
        assert 400 <= response.status_code < 500, (name, response.status_code)
        assert response.json()["detail"], name
        counts["rejected_4xx"] += 1


async def test_valid_photos_with_hostile_names_are_stored_under_server_keys(live_server: LiveServer) -> None:
    names = ["../../../../tmp/evil.jpg", "C:\\Windows\\evil.jpg", "<script>.jpg", "\u202egpj.exe", "%2e%2e%2fx.jpg"]
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        files = [("images", (name, photo((n * 40, 9, 9)), JPEG)) for n, name in enumerate(names)]
        response = await client.post(
            f"/api/v1/scans/{scan['id']}/images",
            files=files,
            data={"room_ordinal": ["0"] * len(names)},
            headers=auth(token),
        )
        assert response.status_code == 200
        root = Path(live_server.runtime.settings.photos_dir).resolve()
        await renditions.idle()  # thumbnails are made in the background, next to each photo
        files_on_disk = [p for p in root.rglob("*") if p.is_file() and not renditions.is_rendition_key(p.name)]
        assert len(files_on_disk) == len(names)
        assert all(p.name.split(".")[0] in {i["id"] for i in response.json()["images"]} for p in files_on_disk)
        assert not Path("/tmp/evil.jpg").exists()


async def test_trailing_data_after_a_photo_is_not_kept(live_server: LiveServer) -> None:
    """Phones append data after the image (motion photos); attackers append payloads. Either way the stored
    file is the re-encoded image alone."""
    payload = b"<html><script>alert(1)</script></html>PK\x03\x04"
    async with live_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        response = await client.post(
            f"/api/v1/scans/{scan['id']}/images",
            files=[("images", ("trailer.jpg", photo() + payload, JPEG))],
            data={"room_ordinal": ["0"]},
            headers=auth(token),
        )
        assert response.status_code == 200
        content = (await client.get(response.json()["images"][0]["url"])).content
        assert b"<script>" not in content and b"PK\x03\x04" not in content
        assert content.startswith(b"\xff\xd8") and content.rstrip(b"\x00").endswith(b"\xff\xd9")
