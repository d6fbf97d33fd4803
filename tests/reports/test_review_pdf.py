"""The PDF drawn from the merged report (no server): findings first by severity with counts, the
person's answers and notes, unassessed items collapsed, the same words as the web app, no developer words,
no heading alone at a page's foot, the cost for the owner only."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from housescan.config import Settings
from housescan.reports.render import ReportData, render_pdf
from housescan.review.models import Finding, PersonAnswer, Severity
from housescan.review.report import build_report
from tests.review.test_honesty import NOW, _context, _kitchen

DEVELOPER_WORDS = ("attempt 1", "local:vision", "an item with the same id", "local:", "agent", "N/A", "null")


def _pdftotext(pdf: bytes, tmp_path: Path, page: int | None = None) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: install the Debian package poppler-utils (make system-deps)")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    done = subprocess.run([tool, "-layout", *pages, str(path), "-"], check=True, capture_output=True, text=True)
    return done.stdout


def _reviewed(rooms: int = 1) -> ReportData:
    context = _context(
        _kitchen(
            {"refrigerator": {"exists": True, "condition": "N/A", "subitems": {}, "confidence": 0.93}},
            {"refrigerator": 0.93},
            [],
        ),
        house_type="apartment",
        rooms=rooms,
    )
    room = str(context.rooms[0].id)
    context.answers[(room, "walls_condition")] = PersonAnswer(
        scope=room,
        item_id="walls_condition",
        value="Poor",
        note="Damp patch behind the fridge",
        photo_ids=[str(context.images[0].id)],
        answered_at=NOW,
    )
    context.answers[(room, "room_type")] = PersonAnswer(
        scope=room, item_id="room_type", value="dining_room", note=None, photo_ids=[], answered_at=NOW
    )
    for title, severity in (("Dripping tap", Severity.maintenance), ("Exposed wiring", Severity.safety)):
        context.findings.append(
            Finding(
                id=uuid.uuid4(),
                scan_id=context.scan.id,
                room_id=context.rooms[0].id,
                title=title,
                severity=severity,
                note=f"{title}: call a professional",
                photo_ids=[],
                source="person",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    report = build_report(context, settings=Settings())
    return ReportData(report=report, created_at=context.scan.created_at, cost={"total_cost_usd": 0.0123})


def test_findings_open_the_report_then_the_rooms_with_the_persons_answers(tmp_path: Path) -> None:
    data = _reviewed()
    words = re.sub(r"\s+", " ", _pdftotext(render_pdf(data), tmp_path))
    findings_at = words.index("Findings (1 safety, 1 maintenance)")
    assert findings_at < words.index("Safety (1)") < words.index("Exposed wiring")
    assert words.index("Exposed wiring") < words.index("Maintenance (1)") < words.index("Dripping tap")
    assert words.index("Dripping tap") < words.index("Pros and cons") < words.index("House checklist")
    room = data.report.rooms[0]
    assert words.index("Dripping tap") < words.index(f"{room.name} Type ")
    assert "Dining room (your answer; the model said kitchen)" in words
    assert "Poor - note: Damp patch behind the fridge (1 photo) You" in words
    assert "Fridge Present Model · 93% The figure is the model's own statement, not a measurement." in words
    assert f"{room.not_assessed} items not assessed" in words and "- review" not in words
    # What the models looked for and did not see is named, not counted with what nobody assessed.
    unseen = [answer.title for answer in room.products.values() if answer.value is None]
    assert room.not_seen == len(unseen) > 0
    assert f"Looked for by the models, not seen in its photos: {', '.join(map(str, unseen))}." in words
    assert words.count(data.report.summary[:40]) == 1  # the summary once
    assert "An apartment with a photographed room: a dining room." in words
    assert "Apartment (your answer)" in words
    assert "Cost of the analysis" in words and "$0.0123 USD" in words
    for word in DEVELOPER_WORDS:
        assert word not in words, word


def test_a_shared_view_has_no_cost(tmp_path: Path) -> None:
    data = _reviewed()
    data.cost = None
    words = _pdftotext(render_pdf(data), tmp_path)
    assert "Cost" not in words and "USD" not in words


def test_no_heading_is_left_alone_at_the_foot_of_a_page(tmp_path: Path) -> None:
    data = _reviewed(rooms=9)
    pdf = render_pdf(data)
    pages = int(re.findall(rb"/Count (\d+)", pdf)[0])
    assert pages >= 3
    headings = {room.name for room in data.report.rooms} | {
        "Pros and cons",
        "House checklist",
        "Findings",
        "Safety (1)",
    }
    for page in range(1, pages + 1):
        lines = [line.strip() for line in _pdftotext(pdf, tmp_path, page).splitlines() if line.strip()]
        body = [line for line in lines if not line.startswith("HouseScan report")]
        assert body, f"page {page} is empty"
        assert body[-1] not in headings, f"page {page} ends with the heading {body[-1]!r}"
