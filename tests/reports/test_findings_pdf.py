"""Documented findings in the PDF: the marks drawn on the finding's photos (found in the rendered page), who
to call and the cost range, the scope and limitations with the cost totals, times in a named time zone, and a
shared report that speaks to its reader."""

from __future__ import annotations

import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image as PILImage
from sqlalchemy import update

from housescan.auth.models import User
from housescan.clock import local_time
from housescan.config import Settings
from housescan.reports import service as reports_service
from housescan.reports.render import MARK_COLOUR, ReportData, Thumbnail, render_pdf
from housescan.review.models import Finding, Severity, Trade
from housescan.review.report import build_report
from housescan.review.schemas import Audience
from housescan.scans.models import Scan
from tests.conftest import LiveServer
from tests.helpers import auth, register
from tests.ops_support import finished_scan, user_id
from tests.pdf_support import first_page, near, pdf_words
from tests.review.test_honesty import NOW, _context, _kitchen

GREY = (128, 128, 128)
PHOTO_SIZE = (360, 270)
BOX = {"x": 0.5, "y": 0.2, "w": 0.3, "h": 0.4}


def _grey_photo() -> Thumbnail:
    out = io.BytesIO()
    PILImage.new("RGB", PHOTO_SIZE, GREY).save(out, format="JPEG", quality=95)
    return Thumbnail(jpeg=out.getvalue(), width=PHOTO_SIZE[0], height=PHOTO_SIZE[1])


def _photo_area(page: np.ndarray[Any, Any]) -> tuple[int, int, int, int]:
    """Where the grey photo is on the page: the rows and columns that are mostly its grey (text, which has
    greys too, never fills a long run of a row)."""
    grey = near(page, GREY, 6)
    rows = np.flatnonzero(grey.sum(axis=1) > 80)
    columns = np.flatnonzero(grey.sum(axis=0) > 60)
    assert rows.size and columns.size, "the finding's photo is not on the first page"
    return int(rows[0]), int(rows[-1]), int(columns[0]), int(columns[-1])


def _documented(marks: list[dict[str, Any]], audience: Audience = "owner") -> ReportData:
    context = _context(_kitchen({}, {}, []), house_type="apartment")
    context.scan.first_analysed_at = NOW
    photo = context.images[0].id
    context.findings.append(
        Finding(
            id=uuid.uuid4(),
            scan_id=context.scan.id,
            room_id=context.rooms[0].id,
            title="Damp patch on the wall",
            severity=Severity.major,
            note="Behind the fridge",
            photo_ids=[str(photo)],
            source="person",
            trade=Trade.damp_specialist,
            cost_low=200.0,
            cost_high=650.0,
            cost_source="person",
            marks=[{"photo_id": str(photo), **mark} for mark in marks],
            created_at=NOW,
            updated_at=NOW + timedelta(hours=2),
        )
    )
    report = build_report(context, settings=Settings(), audience=audience)
    return ReportData(
        report=report,
        created_at=context.scan.created_at,
        thumbnails={photo: _grey_photo()},
        photos_per_room=0,  # the photo shows once: on its finding
    )


def test_a_box_mark_is_drawn_on_the_findings_photo_inside_the_box_only(tmp_path: Path) -> None:
    page = first_page(render_pdf(_documented([{"shape": "box", **BOX}])), tmp_path)
    top, bottom, left, right = _photo_area(page)
    assert right - left > 150, "the finding's photo is drawn large enough to see a mark"
    height, width = bottom - top + 1, right - left + 1
    assert abs(width / height - PHOTO_SIZE[0] / PHOTO_SIZE[1]) < 0.05

    marked = near(page, MARK_COLOUR, 40)
    box_left, box_top = left + BOX["x"] * width, top + BOX["y"] * height
    box_right, box_bottom = box_left + BOX["w"] * width, box_top + BOX["h"] * height
    line = 6  # the outline's half width and the raster's rounding, in pixels at this resolution
    ys, xs = np.mgrid[0 : page.shape[0], 0 : page.shape[1]]
    in_photo = (ys >= top) & (ys <= bottom) & (xs >= left) & (xs <= right)
    near_box = (ys >= box_top - line) & (ys <= box_bottom + line) & (xs >= box_left - line) & (xs <= box_right + line)
    inside_box = (ys > box_top + line) & (ys < box_bottom - line) & (xs > box_left + line) & (xs < box_right - line)
    on_outline = marked & near_box & ~inside_box
    # Each of the four sides carries the colour.
    for side in (
        np.abs(ys - box_top) <= line,
        np.abs(ys - box_bottom) <= line,
        np.abs(xs - box_left) <= line,
        np.abs(xs - box_right) <= line,
    ):
        assert (on_outline & side).sum() > 20
    assert (marked & in_photo & ~near_box).sum() == 0, "the mark's colour is on the photo outside the box"
    assert (marked & inside_box).sum() == 0, "a box is an outline: the spot inside stays visible"
    assert (marked & ~in_photo).sum() < 5, "the mark's colour is elsewhere on the page"
    # The white outline: white next to the colour, on a grey photo.
    assert (near(page, (255, 255, 255), 12) & near_box & in_photo).sum() > 100


def test_a_pin_and_an_arrow_are_drawn_where_they_point(tmp_path: Path) -> None:
    marks = [{"shape": "pin", "x": 0.2, "y": 0.3}, {"shape": "arrow", "x": 0.6, "y": 0.6, "w": 0.25, "h": 0.2}]
    page = first_page(render_pdf(_documented(marks)), tmp_path)
    top, bottom, left, right = _photo_area(page)
    height, width = bottom - top + 1, right - left + 1
    marked = near(page, MARK_COLOUR, 40)

    def colournear(fx: float, fy: float, radius: int = 6) -> int:
        y, x = int(top + fy * height), int(left + fx * width)
        return int(marked[y - radius : y + radius + 1, x - radius : x + radius + 1].sum())

    assert colournear(0.2, 0.3) > 10, "no pin at its point"
    assert colournear(0.6, 0.6) > 10, "no arrow head at its tip"
    assert colournear(0.72, 0.7) > 3, "no arrow shaft between the tip and the tail"
    assert colournear(0.2, 0.8) == 0 and colournear(0.85, 0.15) == 0


def test_the_text_names_the_trade_the_cost_the_limitations_and_the_time_zone(tmp_path: Path) -> None:
    data = _documented([{"shape": "box", **BOX}])
    data.time_zone = reports_service.time_zone("Europe/Paris")
    words = pdf_words(render_pdf(data), tmp_path)
    finding_at = words.index("Damp patch on the wall")
    assert words.index("Call a damp specialist; estimated 200 - 650 EUR") > finding_at
    scope_at = words.index("Scope and limitations")
    assert scope_at > finding_at
    assert data.report.limitations.statement.split(":")[0] in words[scope_at:]
    assert words.index("Not assessed by anyone", scope_at) > scope_at
    assert "Kitchen Walls condition, Floor condition" in words[scope_at:]
    costs_at = words.index("Estimated repair costs")
    assert "200 - 650 EUR for 1 finding with an estimate" in words[costs_at:]
    assert "By severity Findings Estimate Major 1 200 - 650 EUR" in words[costs_at:]
    assert "By trade Findings Estimate A damp specialist 1 200 - 650 EUR" in words[costs_at:]
    # 06:00 UTC in November is 07:00 in Paris; the last change (the finding) two hours later.
    assert "Scanned 27 Nov 2026, 07:00 (Europe/Paris)" in words
    assert "Updated 27 Nov 2026, 09:00 (Europe/Paris)" in words


def test_a_shared_pdf_speaks_to_its_reader(tmp_path: Path) -> None:
    owner = pdf_words(render_pdf(_documented([])), tmp_path)
    assert re.search(r"\byou(r)?\b", owner, re.IGNORECASE)
    reader = pdf_words(render_pdf(_documented([], audience="reader")), tmp_path)
    assert not re.search(r"\byou(r|rs|rself)?\b", reader, re.IGNORECASE), reader
    assert "The person who inspected this home checked" in reader and "(UTC)" in reader


def test_time_zones_are_iana_names_and_naive_moments_are_utc() -> None:
    with pytest.raises(reports_service.UnknownTimeZone) as refused:
        reports_service.time_zone("Mars/Olympus_Mons")
    assert refused.value.status_code == 422 and "tz" in str(refused.value.detail)
    for hostile in ("../../etc/passwd", "", "UTC\x00"):
        with pytest.raises(reports_service.UnknownTimeZone):
            reports_service.time_zone(hostile)
    zone = reports_service.time_zone("Asia/Tokyo")
    assert local_time(NOW.replace(tzinfo=None), zone) == "27 Nov 2026, 15:00 (Asia/Tokyo)"


async def test_the_owners_pdf_shows_a_marked_finding_in_the_accounts_time_zone(
    live_server: LiveServer, tmp_path: Path
) -> None:
    async with live_server.client() as client:
        token = await register(client)
        detail = await finished_scan(client, token, {"Kitchen": [(120, 120, 120)]})
        kitchen = detail["rooms"][0]
        photo = kitchen["images"][0]["id"]
        created = await client.post(
            f"/api/v1/scans/{detail['id']}/findings",
            json={
                "title": "Cracked tile",
                "severity": "maintenance",
                "room_id": kitchen["id"],
                "photo_ids": [photo],
                "trade": "builder",
                "cost_low": 80,
                "cost_high": 120,
                "marks": [{"photo_id": photo, "shape": "box", **BOX}],
            },
            headers=auth(token),
        )
        assert created.status_code == 201, created.text
        owner = await user_id(client, token)
    async with live_server.runtime.sessionmaker() as db_session:
        await db_session.execute(update(User).where(User.id == owner).values(time_zone="America/New_York"))
        await db_session.commit()
    runtime = live_server.runtime

    async def pdf_in(tz: str | None) -> bytes:
        async with runtime.sessionmaker() as db_session:
            pdf, _name = await reports_service.scan_report_pdf(
                db_session=db_session,
                store=runtime.store,
                settings=runtime.settings,
                scan=await db_session.get_one(Scan, uuid.UUID(detail["id"])),
                tz=tz,
            )
            return pdf

    words = pdf_words(await pdf_in(None), tmp_path)
    assert "(America/New_York)" in words and "Call a builder; estimated 80 - 120 EUR" in words
    pdf = await pdf_in("Asia/Tokyo")
    assert "(Asia/Tokyo)" in pdf_words(pdf, tmp_path)
    with pytest.raises(reports_service.UnknownTimeZone):
        await pdf_in("Nowhere/Else")
    page = first_page(pdf, tmp_path)
    assert near(page, MARK_COLOUR, 40).sum() > 50, "the finding's mark is not drawn in the owner's PDF"


async def test_the_shared_pdf_shows_the_marks_and_never_says_you(live_server: LiveServer, tmp_path: Path) -> None:
    async with live_server.client() as client:
        token = await register(client)
        detail = await finished_scan(client, token, {"Kitchen": [(120, 120, 120)]})
        kitchen = detail["rooms"][0]
        photo = kitchen["images"][0]["id"]
        answer = await client.put(
            f"/api/v1/scans/{detail['id']}/answers/{kitchen['id']}/walls_condition",
            json={"value": "Poor", "note": "Cracks"},
            headers=auth(token),
        )
        assert answer.status_code == 200, answer.text
        body = {"title": "Crack", "severity": "major", "room_id": kitchen["id"], "photo_ids": [photo]}
        body["marks"] = [{"photo_id": photo, "shape": "pin", "x": 0.5, "y": 0.5}]
        assert (await client.post(f"/api/v1/scans/{detail['id']}/findings", json=body, headers=auth(token))).is_success
        share = (await client.post(f"/api/v1/scans/{detail['id']}/shares", json={}, headers=auth(token))).json()
        response = await client.get(f"/api/v1/shared/{share['token']}/report.pdf")
    assert response.status_code == 200, response.text
    words = pdf_words(response.content, tmp_path)
    assert "Crack" in words and "Scope and limitations" in words and "Cost of the analysis" not in words
    assert "The person who inspected this home checked 1 of" in words and "Person who inspected" in words
    assert "owner" not in words.lower()
    assert not re.search(r"\byou(r|rs|rself)?\b", words, re.IGNORECASE), words
    assert near(first_page(response.content, tmp_path), MARK_COLOUR, 40).sum() > 20
