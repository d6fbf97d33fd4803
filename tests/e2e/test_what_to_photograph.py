"""What to photograph (issue 25 part 4), in the browser with the offline models: capture lists what a kitchen
should show before its photos; after the analysis, the report's limitations say the sink was not seen in
photos that show no kitchen, and the owner adds photos of that room from there, which the report then offers
to re-analyse."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import (
    REPORT_TIMEOUT_MS,
    Server,
    new_page,
    photo,
    shot,
    sign_up,
    start_scan,
    unique_email,
    upload_room,
)

pytestmark = pytest.mark.e2e


def test_capture_asks_for_the_sink_and_the_report_says_it_was_not_seen(browser: Any, server: Server) -> None:
    context, page, console = new_page(browser, server)
    try:
        sign_up(page, unique_email("photograph"))
        start_scan(page, "7 Sink Street", ["Kitchen"])
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
        hint = page.get_by_test_id("photo-hint")
        hint.wait_for()
        assert hint.inner_text().startswith("What to photograph here: the sink, the hob or oven, the fridge,")
        shot(page, "what-to-photograph-capture")

        upload_room(page, (5, 6))  # striped test photos: no kitchen in them
        page.get_by_role("button", name="Finish and analyse").click()
        page.get_by_test_id("report").wait_for(timeout=REPORT_TIMEOUT_MS)

        limits = page.get_by_test_id("limitations")
        line = limits.get_by_test_id("photo-hint").filter(has_text="Kitchen:")
        line.wait_for()
        assert re.search(r"Kitchen: the sink\b.* not seen in its photos", line.inner_text()), line.inner_text()
        assert "photograph them so they can be checked" in line.inner_text()
        shot(page, "what-to-photograph-report")

        line.get_by_label(re.compile("^Add photos of Kitchen")).set_input_files(
            files=[{"name": "sink.jpg", "mimeType": "image/jpeg", "buffer": photo(7)}]
        )
        line.get_by_role("status").filter(has_text="Photos added").wait_for()
        # The report reads again: the kitchen has new photos, to analyse again.
        page.get_by_role("button", name="Re-analyse").wait_for()
        assert "Photos were added since the analysis" in limits.get_by_test_id("photo-hint").first.inner_text()
        assert console.unexpected() == []
    finally:
        context.close()
