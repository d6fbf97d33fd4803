"""The PDF report of a finished scan, rendered to PNG with poppler and read back as text."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.ops_support import finished_scan, uploaded_scan

RED, GREEN, BLUE = (220, 25, 25), (25, 200, 40), (30, 40, 220)


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install the Debian package poppler-utils (make system-deps)")
    return path


def _pages_as_png(pdf: Path, out_dir: Path) -> list[Path]:
    subprocess.run([_poppler("pdftoppm"), "-r", "50", "-png", str(pdf), str(out_dir / "page")], check=True)
    return sorted(out_dir.glob("page-*.png"))


def _pdf_text(pdf: Path) -> str:
    done = subprocess.run([_poppler("pdftotext"), str(pdf), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", done.stdout)


def _pixels_near(image: Image.Image, color: tuple[int, int, int], tolerance: int = 60) -> int:
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.array(color, dtype=np.int16)) <= tolerance).all(axis=-1).sum())


async def test_the_report_shows_house_checklist_rooms_with_photos_products_and_cost(
    live_server: LiveServer, tmp_path: Path
) -> None:
    async with live_server.client() as client:
        token = await register(client)
        detail = await finished_scan(
            client, token, {"Sunny kitchen": [RED, GREEN], "Back garden": [BLUE], "Attic office": [(200, 40, 30)]}
        )
        url = f"/api/v1/scans/{detail['id']}/report.pdf"
        unknown_zone = await client.get(url, params={"tz": "Mars/Olympus"}, headers=auth(token))
        assert unknown_zone.status_code == 422 and "Mars/Olympus" in unknown_zone.text
        response = await client.get(url, params={"tz": "America/New_York"}, headers=auth(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    assert response.content.startswith(b"%PDF-")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.content)

    pages = _pages_as_png(pdf, tmp_path)
    page_count = int(re.findall(rb"/Count (\d+)", response.content)[0])
    assert len(pages) == page_count >= 1
    images = [Image.open(page) for page in pages]
    for page, image in zip(pages, images, strict=True):
        gray = np.asarray(image.convert("L"))
        assert (gray < 200).mean() > 0.005, f"{page.name} is blank"
    # The photos are drawn as thumbnails: their colours are on the pages.
    for color in (RED, GREEN, BLUE):
        assert sum(_pixels_near(image, color) for image in images) > 300, f"no thumbnail in colour {color}"

    words = _pdf_text(pdf)
    async with live_server.client() as client:
        report = (await client.get(f"/api/v1/scans/{detail['id']}/report", headers=auth(token))).json()
    for expected in (
        "HouseScan inspection report",
        "12 Report Road",
        f"House type {report['house']['house_type']['text']}",
        report["summary"],  # once, built from the current answers
        "Findings No findings recorded.",
        "House checklist",
        "items not assessed",  # what no one assessed is collapsed into one line
        "Sunny kitchen",
        "Back garden",
        "Attic office",
        "Pros and cons",
        "Cost of the analysis",
        "USD",
        "(America/New_York)",  # the viewer's time zone, named
    ):
        assert expected in words, f"{expected!r} not in the report text"
    assert words.count(report["summary"]) == 1
    # The PDF and the web app agree: every room's type and every answer the web shows, in the same words.
    for room in report["rooms"]:
        assert f"{room['name']} Type {room['room_type']['text']}" in words
        for answer in (*room["checklist"].values(), *room["products"].values()):
            if answer["value"] is not None:
                assert f"{answer['title']} {answer['text']}" in words
        if room["not_assessed"]:
            assert f"{room['not_assessed']} items not assessed" in words
    for word in ("local:", "attempt 1", "an item with the same id", "N/A", "- review"):
        assert word not in words


async def test_the_report_is_for_the_owner_and_for_finished_scans_only(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        owner = await register(client)
        stranger = await register(client)
        scan = await uploaded_scan(client, owner, {"Hall": [RED]})
        url = f"/api/v1/scans/{scan['id']}/report.pdf"

        assert (await client.get(url)).status_code == 401
        assert (await client.get(url, headers=auth(stranger))).status_code == 404
        missing = await client.get(f"/api/v1/scans/{uuid.uuid4()}/report.pdf", headers=auth(owner))
        assert missing.status_code == 404
        early = await client.get(url, headers=auth(owner))
        assert early.status_code == 409
        assert early.json()["detail"].startswith("no report yet: the scan is still a draft")

        assert (await client.post(f"/api/v1/scans/{scan['id']}/process", headers=auth(owner))).status_code == 202
        for _ in range(2400):
            response = await client.get(url, headers=auth(owner))
            if response.status_code == 200:
                break
            assert response.status_code == 409 and "no report yet" in response.json()["detail"]
            await _sleep()
        assert response.status_code == 200 and response.content.startswith(b"%PDF-")
        assert (await client.get(url, headers=auth(stranger))).status_code == 404


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.05)
