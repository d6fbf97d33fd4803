"""Photos the background renditions pass never measured (stored before the measures existed, or its process
stopped first) are measured when their scan is analysed, so the report's photo quality limitations speak of
every photo (scans/service.py `measure_unmeasured_photos`, called on the run path in scans/job.py)."""

from __future__ import annotations

import dataclasses
import io
import uuid
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import null, select, update

from housescan.scans import quality
from housescan.scans.models import Image as ImageRow
from housescan.storage import renditions
from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload, wait_for_status


def _scene(*, blur: float = 0) -> bytes:
    """Stripes, lines and a disc (sharp edges), blurred by `blur`."""
    image = Image.new("RGB", (640, 480), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 40):
        draw.rectangle((x, 0, x + 12, 480), fill=(40 + x // 4, 60, 90))
    for y in range(0, 480, 30):
        draw.line((0, y, 640, y + y // 3), fill=(20, 20, 20), width=2)
    draw.ellipse((100, 80, 300, 300), fill=(230, 230, 210))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


async def _upload_one(client: httpx.AsyncClient, token: str, scan_id: str, name: str, data: bytes, room: int) -> str:
    response = await upload(client, token, scan_id, [(name, data, room)])
    assert response.status_code == 200, response.text
    image_id: str = response.json()["images"][0]["id"]
    return image_id


async def _set_quality(server: LiveServer, image_id: str, value: Any) -> None:
    async with server.runtime.sessionmaker() as session:
        await session.execute(update(ImageRow).where(ImageRow.id == uuid.UUID(image_id)).values(quality=value))
        await session.commit()


async def _quality_of(server: LiveServer, image_id: str) -> dict[str, Any] | None:
    async with server.runtime.sessionmaker() as session:
        return await session.scalar(select(ImageRow.quality).where(ImageRow.id == uuid.UUID(image_id)))


async def _process(client: httpx.AsyncClient, token: str, scan_id: str) -> None:
    response = await client.post(f"/api/v1/scans/{scan_id}/process", headers=auth(token))
    assert response.status_code == 202, response.text
    detail = await wait_for_status(client, token, scan_id, {"succeeded", "failed"})
    assert detail["status"] == "succeeded", detail


async def _photo_quality(client: httpx.AsyncClient, token: str, scan_id: str) -> set[tuple[str, str]]:
    response = await client.get(f"/api/v1/scans/{scan_id}/report", headers=auth(token))
    assert response.status_code == 200, response.text
    return {(entry["image_id"], entry["flag"]) for entry in response.json()["limitations"]["photo_quality"]}


async def test_photos_left_unmeasured_are_measured_by_the_scan_and_named_in_the_report(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=2)
        blurred_id = await _upload_one(client, token, scan["id"], "blurred.jpg", _scene(blur=10), 0)
        dark_id = await _upload_one(client, token, scan["id"], "dark.jpg", photo((12, 10, 8), size=(640, 480)), 1)
        await renditions.idle()  # the background pass has measured both; now as if it never had:
        await _set_quality(review_server, blurred_id, null())  # SQL NULL (a photo stored before the measures)
        await _set_quality(review_server, dark_id, None)  # the JSON null an ORM write of None leaves
        assert await _quality_of(review_server, blurred_id) is None
        assert await _quality_of(review_server, dark_id) is None
        assert await _photo_quality(client, token, scan["id"]) == set()  # unmeasured: no flags

        await _process(client, token, scan["id"])

        for image_id in (blurred_id, dark_id):
            measures = await _quality_of(review_server, image_id)
            assert measures is not None
            quality.Measures(**measures)  # in the shape the report reads
        assert await _photo_quality(client, token, scan["id"]) == {(blurred_id, "blurred"), (dark_id, "too_dark")}


async def test_a_photo_already_measured_is_not_measured_again(review_server: LiveServer) -> None:
    # Measures no sharp, bright scene has: kept as they are, they prove the photo was not read again.
    sentinel = dataclasses.asdict(
        quality.Measures(
            width=640, height=480, brightness=12.5, clipped=0.0, sharpness=9999.0, dhash="0123456789abcdef"
        )
    )
    async with review_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        image_id = await _upload_one(client, token, scan["id"], "sharp.jpg", _scene(), 0)
        await renditions.idle()
        await _set_quality(review_server, image_id, sentinel)

        await _process(client, token, scan["id"])

        assert await _quality_of(review_server, image_id) == sentinel
        assert await _photo_quality(client, token, scan["id"]) == {(image_id, "too_dark")}


async def test_a_photo_that_cannot_be_decoded_is_left_unmeasured_and_the_scan_goes_on(
    review_server: LiveServer,
) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        broken_id = await _upload_one(client, token, scan["id"], "broken.jpg", _scene(), 0)
        dark_id = await _upload_one(client, token, scan["id"], "dark.jpg", photo((12, 10, 8), size=(640, 480)), 0)
        await renditions.idle()
        async with review_server.runtime.sessionmaker() as session:
            broken_key = await session.scalar(select(ImageRow.object_key).where(ImageRow.id == uuid.UUID(broken_id)))
        assert broken_key is not None
        await review_server.runtime.store.put(broken_key, b"not a photo at all", "image/jpeg")
        for image_id in (broken_id, dark_id):
            await _set_quality(review_server, image_id, null())

        await _process(client, token, scan["id"])

        assert await _quality_of(review_server, broken_id) is None
        assert await _quality_of(review_server, dark_id) is not None  # the photo after it is measured all the same
        assert await _photo_quality(client, token, scan["id"]) == {(dark_id, "too_dark")}
