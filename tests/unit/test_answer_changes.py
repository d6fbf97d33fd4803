"""What changed in a room between two scans of one home: an item answered then and by no one now is not a
change in the home, only an item nobody checked again."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from housescan.comparison.changes import answer_changes
from housescan.comparison.schemas import Changes, RoomChanges, RoomPhotos
from housescan.reports.render import ReportData, render_pdf
from housescan.review.schemas import Answer
from tests.pdf_support import pdf_words
from tests.reports.test_confidence_pdf import _kitchen_report
from tests.review.test_honesty import NOW


def _answer(value: Any, source: str = "person", title: str | None = None) -> Answer:
    return Answer(value=value, source=source, title=title, text=str(value) if value is not None else "Not assessed")


def test_an_item_answered_then_and_by_no_one_now_is_marked_not_checked_again() -> None:
    before = {
        "walls_condition": _answer("Good"),
        "floor_condition": _answer("Good"),
        "mould": _answer(None, "model"),
        "ceiling_condition": _answer("Poor"),
        "gone_item": _answer("Good"),
    }
    now = {
        "walls_condition": _answer("Poor"),
        "floor_condition": _answer(None, "model"),
        "mould": _answer(True),
        "ceiling_condition": _answer("Poor"),
        "new_item": _answer("Good"),
    }
    changes = {change.item_id: change for change in answer_changes(before, now)}
    assert set(changes) == {"walls_condition", "floor_condition", "mould"}  # same answer, or one side only: none
    assert changes["floor_condition"].not_checked_again
    assert not changes["walls_condition"].not_checked_again  # a real change: Good -> Poor
    assert not changes["mould"].not_checked_again  # answered now, not then: news, not a gap
    assert (changes["walls_condition"].before.value, changes["walls_condition"].after.value) == ("Good", "Poor")


def test_the_pdf_appendix_lists_items_not_checked_again_apart_from_the_changes(tmp_path: Path) -> None:
    report = _kitchen_report()
    room = report.rooms[0]
    changes = Changes(
        scan_id=report.scan_id,
        since=uuid.uuid4(),
        since_scanned_at=NOW,
        address=None,
        earlier_rooms=[],
        rooms=[
            RoomChanges(
                room_id=room.id,
                earlier_room_id=uuid.uuid4(),
                label=room.name,
                earlier_label=room.name,
                paired_by="label",
                findings_new=[],
                findings_resolved=[],
                answers_changed=answer_changes(
                    {
                        "walls_condition": _answer("Good", title="Walls condition"),
                        "floor_condition": _answer("Good", title="Floor condition"),
                    },
                    {
                        "walls_condition": _answer("Poor", title="Walls condition"),
                        "floor_condition": _answer(None, "model", title="Floor condition"),
                    },
                ),
                photos=RoomPhotos(now=[], before=[]),
            )
        ],
    )
    words = pdf_words(render_pdf(ReportData(report=report, created_at=NOW, changes=changes)), tmp_path)
    appendix = words[words.index("Changes since") :]
    assert "Walls condition Good Poor You" in appendix
    assert "Not checked this time (1): Floor condition (then: Good)." in appendix
    assert "Floor condition Good Not assessed" not in appendix  # not in the table of changes
