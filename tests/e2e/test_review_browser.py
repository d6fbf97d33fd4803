"""The review in a real browser (Chromium at a phone viewport): a person corrects a room type, answers three
items (one with a note and a photo), adds a safety finding, downloads the PDF and finds it all there."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    Server,
    _start_server,
    api_user,
    log_in,
    new_page,
    photo,
    shot,
    unique_email,
)

pytestmark = pytest.mark.e2e
PASSWORD = "correct-horse-42"


@pytest.fixture(scope="module")
def null_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`housescan serve` on the instant, deterministic `null` analysis (HOUSESCAN_E2E_WEB_DIR: a web build of
    one's own instead of web/dist, which other runs may be rebuilding)."""
    env = {"HOUSESCAN_AGENTS_PROVIDER": "null"}
    if os.environ.get("HOUSESCAN_E2E_WEB_DIR"):
        env["HOUSESCAN_WEB_DIR"] = os.environ["HOUSESCAN_E2E_WEB_DIR"]
    yield from _start_server(tmp_path_factory.mktemp("housescan-review-e2e"), env)


def _finished_scan(server: Server, headers: dict[str, str]) -> str:
    with server.api() as c:
        body = {"address": "Flat 3, 14 Maple Grove", "rooms": [{"label": "Front room"}, {"label": "Kitchen"}]}
        scan = c.post("/api/v1/scans", json=body, headers=headers)
        assert scan.status_code == 201, scan.text
        scan_id: str = scan.json()["id"]
        files = [("images", (f"p{i}.jpg", photo(20 + i), "image/jpeg")) for i in range(4)]
        up = c.post(
            f"/api/v1/scans/{scan_id}/images", files=files, data={"room_ordinal": ["0", "0", "1", "1"]}, headers=headers
        )
        assert up.status_code == 200, up.text
        assert c.post(f"/api/v1/scans/{scan_id}/process", json={}, headers=headers).status_code == 202
        deadline = time.monotonic() + 120
        while c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()["status"] != "succeeded":
            assert time.monotonic() < deadline, "the scan did not finish"
            time.sleep(0.2)
    return scan_id


def _pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.fail("pdftotext is missing: install poppler-utils (make system-deps)")
    # -layout: a table row reads as one line even when it is the last above the page footer.
    done = subprocess.run([tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return re.sub(r"\s+", " ", done.stdout)


def test_a_person_reviews_the_report_on_a_phone_and_the_pdf_has_it(browser: Any, null_server: Server) -> None:
    email = unique_email("reviewer")
    headers = api_user(null_server, email)
    scan_id = _finished_scan(null_server, headers)
    context, page, console = new_page(browser, null_server, mobile=True)
    try:
        log_in(page, email)
        page.goto(f"/scans/{scan_id}")
        page.get_by_test_id("findings").wait_for()
        # The report opens with the findings, before the rooms.
        order = page.evaluate(
            "() => { const r = document.querySelector('[data-testid=report]').textContent;"
            " return [r.indexOf('Findings'), r.indexOf('Rooms')]; }"
        )
        assert 0 <= order[0] < order[1]
        # The action buttons wrap within the phone's width.
        overflow = page.evaluate(
            "() => [...document.querySelectorAll('.report-actions .btn')].map(b => b.getBoundingClientRect().right)"
        )
        assert overflow and max(overflow) <= 390

        front = page.get_by_test_id("room-report").filter(has=page.get_by_role("heading", name="Front room"))
        # 1. The room type, corrected.
        front.get_by_label("Correct the type of Front room").select_option("office")
        front.get_by_test_id("room-type").get_by_text("You", exact=True).wait_for()
        assert "Office" in front.get_by_test_id("room-type").inner_text()

        def item(item_id: str):  # type: ignore[no-untyped-def]
            return front.locator(f'[data-item="{item_id}"]')

        def open_items() -> None:
            closed = front.locator("details.not-assessed:not([open]) > summary")
            if closed.count():
                closed.first.click()

        # 2. Three answers: walls Poor, water damage yes, the floor Good with a note and a photo.
        open_items()
        item("walls_condition").get_by_role("button", name="Poor").click()
        item("walls_condition").get_by_test_id("answer-source").filter(has_text="You").wait_for()
        open_items()
        item("water_damage").get_by_role("button", name="Yes").click()
        item("water_damage").get_by_test_id("answer-source").filter(has_text="You").wait_for()
        open_items()
        floor = item("floor_condition")
        floor.get_by_role("button", name="Good").click()
        floor.get_by_test_id("answer-source").filter(has_text="You").wait_for()
        floor.locator("summary", has_text="Note or photo").click()
        floor.get_by_label("Note for Floor condition").fill("Scratched boards by the window")
        floor.get_by_role("checkbox", name="Front room photo 1").check()
        floor.get_by_role("button", name="Save note and photos").click()
        floor.get_by_text("“Scratched boards by the window”").wait_for()
        floor.get_by_role("img", name="Front room photo 1, for Floor condition").wait_for()

        # 3. A safety finding.
        page.get_by_test_id("findings").get_by_role("button", name="Add a finding").click()
        form = page.get_by_role("form", name="New finding")
        form.get_by_label("What is it?").fill("Exposed wiring behind the sofa")
        form.get_by_label("Severity").select_option("safety")
        form.get_by_label("Room", exact=True).select_option(label="Front room")
        form.get_by_label("Note", exact=True).fill("Live cable ends, needs an electrician")
        form.get_by_role("button", name="Save finding").click()
        page.get_by_test_id("finding").filter(has_text="Exposed wiring behind the sofa").wait_for()
        assert page.get_by_test_id("finding-counts").inner_text() == "1 safety"

        # A photo opens full screen.
        front.get_by_role("button", name="Open photo 1 of Front room").click()
        page.get_by_role("dialog").wait_for()
        page.keyboard.press("Escape")
        page.get_by_role("dialog").wait_for(state="detached")
        shot(page, "review-phone")

        # 4. The PDF has it all.
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download PDF").click()
        words = _pdf_text(Path(download_info.value.path()))
        for expected in (
            "Findings (1 safety)",
            "Exposed wiring behind the sofa (Front room)",
            "Live cable ends, needs an electrician",
            "Office (your answer; the model said",
            "Walls condition Poor You",
            "Water damage Yes You",
            "Good - note: Scratched boards by the window (1 photo) You",
        ):
            assert expected in words, f"{expected!r} not in the PDF: {words}"
        assert words.index("Exposed wiring behind the sofa") < words.index("Front room Type")
        assert console.unexpected() == []
    except Exception:
        shot(page, f"review-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()
