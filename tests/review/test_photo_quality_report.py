"""Photos worth analysing (issue 25 part 4): the renditions pass measures each photo in the background and
the report's limitations name the blurred, dark and near-duplicate ones in plain sentences."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFilter
from sqlalchemy import select

from housescan.scans import quality
from housescan.scans.models import Image as ImageRow
from housescan.storage import renditions
from tests.conftest import LiveServer
from tests.helpers import auth, create_scan, photo, register, upload


def _jpeg(image: Image.Image, **save: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", **save)
    return buffer.getvalue()


def _scene(size: tuple[int, int] = (640, 480)) -> Image.Image:
    """Stripes, lines and a disc: sharp edges, and a layout a 9 x 8 hash tells apart."""
    image = Image.new("RGB", size, (200, 190, 170))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.rectangle((x, 0, x + 12, size[1]), fill=(40 + x // 4, 60, 90))
    for y in range(0, size[1], 30):
        draw.line((0, y, size[0], y + y // 3), fill=(20, 20, 20), width=2)
    draw.ellipse((100, 80, 300, 300), fill=(230, 230, 210))
    return image


async def _upload_one(client: httpx.AsyncClient, token: str, scan_id: str, name: str, data: bytes, room: int) -> str:
    response = await upload(client, token, scan_id, [(name, data, room)])
    assert response.status_code == 200, response.text
    image_id: str = response.json()["images"][0]["id"]
    return image_id


async def test_the_report_lists_blurred_dark_and_repeated_photos_with_their_sentences(
    review_server: LiveServer,
) -> None:
    sharp = _scene()
    async with review_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=2)
        sharp_id = await _upload_one(client, token, scan["id"], "sharp.jpg", _jpeg(sharp, quality=92), 0)
        again_id = await _upload_one(client, token, scan["id"], "again.jpg", _jpeg(sharp, quality=70), 0)
        blurred = _scene().filter(ImageFilter.GaussianBlur(10))
        blurred_id = await _upload_one(client, token, scan["id"], "blurred.jpg", _jpeg(blurred), 1)
        dark_id = await _upload_one(client, token, scan["id"], "dark.jpg", photo((12, 10, 8), size=(640, 480)), 1)

        await renditions.idle()  # the renditions pass (and its measures) is done
        async with review_server.runtime.sessionmaker() as session:
            measured = (await session.scalars(select(ImageRow.quality))).all()
        assert len(measured) == 4 and all(measured)

        response = await client.get(f"/api/v1/scans/{scan['id']}/report", headers=auth(token))
        assert response.status_code == 200, response.text
        listed = response.json()["limitations"]["photo_quality"]

    rooms = {room["id"]: room["name"] for room in response.json()["rooms"]}
    assert {(entry["image_id"], entry["flag"]) for entry in listed} == {
        (again_id, "near_duplicate"),
        (blurred_id, "blurred"),
        (dark_id, "too_dark"),
    }
    assert sharp_id not in {entry["image_id"] for entry in listed}
    for entry in listed:
        assert entry["sentence"] == quality.SENTENCES[entry["flag"]]
        assert entry["room_name"] == rooms[entry["room_id"]]


async def test_a_photo_not_measured_yet_has_no_flags(review_server: LiveServer) -> None:
    async with review_server.client() as client:
        token = await register(client)
        scan = await create_scan(client, token, rooms=1)
        dark = photo((12, 10, 8), size=(640, 480))
        await _upload_one(client, token, scan["id"], "dark.jpg", dark, 0)
        await renditions.idle()
        async with review_server.runtime.sessionmaker() as session:
            row = (await session.scalars(select(ImageRow))).one()
            row.quality = None  # as a photo stored before the measures existed
            await session.commit()
        response = await client.get(f"/api/v1/scans/{scan['id']}/report", headers=auth(token))
        assert response.status_code == 200, response.text
        assert response.json()["limitations"]["photo_quality"] == []
