"""`housescan measure-photos`: after an upgrade, the photos of scans that are never analysed again (stored
before the quality measures existed) are measured by an operator, while the server runs."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from sqlalchemy import null, select, update
from typer.testing import CliRunner, Result

from housescan.cli import app as cli
from housescan.config import Settings
from housescan.scans import quality
from housescan.scans.models import Image as ImageRow
from housescan.storage import renditions
from tests.conftest import LiveServer
from tests.helpers import create_scan, photo, register, upload


async def _upload(server: LiveServer, token: str, scan_id: str, photos: list[bytes]) -> list[str]:
    async with server.client() as client:
        response = await upload(client, token, scan_id, [(f"{n}.jpg", data, 0) for n, data in enumerate(photos)])
    assert response.status_code == 200, response.text
    return [image["id"] for image in response.json()["images"]]


async def _quality_of(server: LiveServer, image_id: str) -> dict[str, Any] | None:
    async with server.runtime.sessionmaker() as session:
        return await session.scalar(select(ImageRow.quality).where(ImageRow.id == uuid.UUID(image_id)))


async def _measure_photos(settings: Settings) -> Result:
    """The command, as an operator runs it beside the server: its settings from the environment."""
    env = {
        "HOUSESCAN_DATA_DIR": str(settings.data_dir),
        "HOUSESCAN_DATABASE_URL": settings.database_url,
        "HOUSESCAN_STORAGE_URL": None,
    }
    result = await asyncio.to_thread(CliRunner().invoke, cli, ["measure-photos"], env=env)
    assert result.exit_code == 0, result.output
    return result


async def test_every_unmeasured_photo_of_every_scan_is_measured_once(
    settings: Settings, live_server: LiveServer
) -> None:
    async with live_server.client() as client:
        token = await register(client)
        first = await create_scan(client, token, rooms=1)
        second = await create_scan(client, token, rooms=1)
        measured_already = await create_scan(client, token, rooms=1)
    first_ids = await _upload(live_server, token, first["id"], [photo((12, 10, 8)), photo((200, 190, 170))])
    second_ids = await _upload(live_server, token, second["id"], [photo((90, 120, 180)), photo((30, 60, 30))])
    await _upload(live_server, token, measured_already["id"], [photo((150, 150, 150))])
    await renditions.idle()  # the background pass has measured them all; now as if it never had, in two scans:
    unmeasured = [*first_ids, *second_ids]
    async with live_server.runtime.sessionmaker() as session:
        for n, image_id in enumerate(unmeasured):
            # SQL NULL (a photo stored before the measures) and the JSON null an ORM write of None leaves
            value = null() if n % 2 else None
            await session.execute(update(ImageRow).where(ImageRow.id == uuid.UUID(image_id)).values(quality=value))
        broken_key = await session.scalar(select(ImageRow.object_key).where(ImageRow.id == uuid.UUID(second_ids[1])))
        await session.commit()
    assert broken_key is not None
    await live_server.runtime.store.put(broken_key, b"not a photo at all", "image/jpeg")
    for image_id in unmeasured:
        assert await _quality_of(live_server, image_id) is None

    result = await _measure_photos(settings)

    for image_id in [*first_ids, second_ids[0]]:
        measures = await _quality_of(live_server, image_id)
        assert measures is not None
        quality.Measures(**measures)  # in the shape the report reads
    assert await _quality_of(live_server, second_ids[1]) is None  # unreadable: left as it was
    lines = result.stdout.splitlines()
    assert sorted(lines[:-1]) == sorted(
        [
            f"scan {first['id']}: measured 2 photos, 0 left unmeasured",
            f"scan {second['id']}: measured 1 photo, 1 left unmeasured",
        ]
    )  # one line per scan with unmeasured photos; none for the scan whose photos were measured
    assert lines[-1] == "measured 3 photos in 2 scans; 1 left unmeasured"

    again = await _measure_photos(settings)

    assert again.stdout.splitlines() == [
        f"scan {second['id']}: measured 0 photos, 1 left unmeasured",
        "measured 0 photos in 1 scan; 1 left unmeasured",
    ]
    assert re.search(r"could not be read or decoded", again.stderr)
