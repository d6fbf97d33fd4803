"""The PDF's scope and limitations say what an analysed room's photos did not show (issue 25 part 4), in the
words the report gives: to the owner, what to photograph; to a reader of a shared link, what was not checked."""

from __future__ import annotations

from pathlib import Path

from housescan.config import Settings
from housescan.reports.render import ReportData, render_pdf
from housescan.review.report import build_report
from housescan.review.schemas import Audience
from tests.pdf_support import pdf_words
from tests.review.test_honesty import _context, _kitchen

SEEN = {"exists": True, "condition": "N/A", "subitems": {}, "confidence": 0.93}


def _kitchen_without_sink_or_hob(audience: Audience) -> ReportData:
    # The offline models' way: products seen or not, no condition judged (so no condition is hinted).
    context = _context(_kitchen({"refrigerator": SEEN}, {"refrigerator": 0.93}, ["sink", "oven"]))
    report = build_report(context, settings=Settings(), audience=audience)
    return ReportData(report=report, created_at=context.scan.created_at)


def test_the_owners_pdf_says_what_to_photograph(tmp_path: Path) -> None:
    data = _kitchen_without_sink_or_hob("owner")
    (hint,) = data.report.limitations.what_to_photograph
    assert [item.key for item in hint.items] == ["sink", "hob"]
    assert hint.sentence == (
        "Kitchen: the sink and the hob or oven were not seen in its photos. If the room has them, photograph them"
        " so they can be checked."
    )
    words = pdf_words(render_pdf(data), tmp_path)
    limits = words.index("Scope and limitations")
    assert limits < words.index("What the photos did not show") < words.index(hint.sentence)


def test_a_readers_pdf_says_what_was_not_checked(tmp_path: Path) -> None:
    data = _kitchen_without_sink_or_hob("reader")
    (hint,) = data.report.limitations.what_to_photograph
    assert (
        hint.sentence == "Kitchen: the sink and the hob or oven were not seen in its photos, so they were not checked."
    )
    words = pdf_words(render_pdf(data), tmp_path)
    assert hint.sentence in words and "photograph them" not in words
