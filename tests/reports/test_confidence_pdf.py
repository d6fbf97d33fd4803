"""The PDF says how sure a model is in the web app's words (reviewApi.ts `whoAnswered`, `confidenceSentence`):
"Model · right 9 times in 10" with what it means when the figure is measured on test photos, the model's
own score next to how often such an answer is right for a room type; it lists the photos that may show too
little as the web's scope and limitations do, and has no web-only "- review" action."""

from __future__ import annotations

import uuid
from pathlib import Path

from housescan.config import Settings
from housescan.reports.render import ReportData, render_pdf
from housescan.review.report import build_report
from housescan.review.schemas import PhotoQualityLimit, Report
from housescan.scans.quality import SENTENCES
from tests.pdf_support import pdf_words
from tests.review.test_honesty import NOW, _context, _kitchen

SEEN = {"exists": True, "condition": "N/A", "subitems": {}, "confidence": 0.89}


def _kitchen_report(house_type_confidence: float = 0.71) -> Report:
    result = _kitchen({"refrigerator": SEEN}, {"refrigerator": 0.89}, [])
    result["house_type_confidence"] = house_type_confidence
    return build_report(_context(result), settings=Settings())


def _words(report: Report, tmp_path: Path) -> str:
    return pdf_words(render_pdf(ReportData(report=report, created_at=NOW)), tmp_path)


def test_a_sighting_measured_on_test_photos_is_right_so_many_times_in_ten(tmp_path: Path) -> None:
    report = _kitchen_report()
    fridge = report.rooms[0].products["refrigerator"]
    assert fridge.value is True and fridge.source == "model"
    fridge.confidence, fridge.confidence_basis, fridge.measured_on = 0.89, "out_of_fold_precision", 115
    words = _words(report, tmp_path)
    assert "Present Model · right 9 times in 10" in words
    assert "This kind of sighting is right 9 times in 10 on our test photos (115 photos)." in words
    assert "% sure" not in words and "89%" not in words


def test_a_models_own_score_keeps_its_percentage_and_says_what_it_is(tmp_path: Path) -> None:
    report = _kitchen_report()
    fridge = report.rooms[0].products["refrigerator"]
    fridge.confidence, fridge.confidence_basis = 0.89, "stated_by_model"
    words = _words(report, tmp_path)
    assert "Present Model · 89%" in words
    assert "The figure is the model's own statement, not a measurement." in words
    assert "% sure" not in words and "Model · right" not in words


def test_a_room_type_shows_the_models_score_and_how_often_such_an_answer_is_right(tmp_path: Path) -> None:
    report = _kitchen_report()
    room_type = report.rooms[0].room_type
    assert room_type.source == "model" and room_type.confidence == 0.62
    room_type.confidence_basis, room_type.measured_precision, room_type.measured_on = "model_score", 0.84, 115
    words = _words(report, tmp_path)
    assert (
        "Kitchen (model: kitchen 62%, dining room 50%) The model's own score for these photos is 62%; this kind of"
        " answer is right 8 times in 10 on our test photos (115 photos)."
    ) in words


def test_a_house_type_measured_on_test_photos_is_right_so_many_times_in_ten(tmp_path: Path) -> None:
    report = _kitchen_report(house_type_confidence=0.81)
    house_type = report.house.house_type
    assert house_type.value == "detached_house" and house_type.source == "model"
    house_type.confidence, house_type.confidence_basis = 0.81, "out_of_fold_precision"
    words = _words(report, tmp_path)
    assert f"House type {house_type.text} (Model · right 8 times in 10)" in words
    assert "% sure" not in words


def test_photos_that_may_show_too_little_are_listed_one_line_a_photo(tmp_path: Path) -> None:
    report = _kitchen_report()
    room = report.rooms[0]
    first, _, third = room.images

    def flagged(image_id: uuid.UUID, flag: str) -> PhotoQualityLimit:
        return PhotoQualityLimit.model_validate(
            {
                "image_id": image_id,
                "room_id": room.id,
                "room_name": room.name,
                "flag": flag,
                "sentence": SENTENCES[flag],
            }
        )

    report.limitations.photo_quality = [
        flagged(first.id, "blurred"),
        flagged(first.id, "too_dark"),
        flagged(third.id, "near_duplicate"),
    ]
    words = _words(report, tmp_path)
    heading = words.index("Photos that may show too little (2)")
    first_line = words.index(f"{room.name}, photo 1: {SENTENCES['blurred']} {SENTENCES['too_dark']}")
    third_line = words.index(f"{room.name}, photo 3: {SENTENCES['near_duplicate']}")
    assert words.index("Scope and limitations") < heading < first_line < third_line < words.index("Pros and cons")


def test_what_no_one_assessed_is_one_line_with_no_web_action(tmp_path: Path) -> None:
    report = _kitchen_report()
    room = report.rooms[0]
    assert room.not_assessed > 1
    words = _words(report, tmp_path)
    assert f"{room.not_assessed} items not assessed" in words
    assert "- review" not in words
