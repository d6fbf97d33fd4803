"""A finding fully documented in a real browser at phone size (issue 21 part 3): made from a checklist answer
(its room and its item kept), given a trade and a cost range, a close-up taken there and then, the spot
boxed on it; the shared page shows the photo with its box and speaks of "the person who inspected this home"; the
PDFs are served."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import (
    Server,
    _start_server,
    api_user,
    log_in,
    new_page,
    no_sideways_scroll,
    photo,
    shot,
    unique_email,
)
from tests.e2e.test_review_browser import _finished_scan

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def null_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The instant `null` analysis; HOUSESCAN_E2E_WEB_DIR serves a web build of one's own."""
    env = {"HOUSESCAN_AGENTS_PROVIDER": "null"}
    if os.environ.get("HOUSESCAN_E2E_WEB_DIR"):
        env["HOUSESCAN_WEB_DIR"] = os.environ["HOUSESCAN_E2E_WEB_DIR"]
    yield from _start_server(tmp_path_factory.mktemp("housescan-findings-e2e"), env)


def test_a_finding_with_a_close_up_and_a_box_reaches_the_shared_page(browser: Any, null_server: Server) -> None:
    email = unique_email("documenter")
    headers = api_user(null_server, email)
    scan_id = _finished_scan(null_server, headers)
    context, page, console = new_page(browser, null_server, mobile=True)
    try:
        log_in(page, email)
        page.goto(f"/scans/{scan_id}")
        page.get_by_test_id("limitations").wait_for()
        assert "not assessed" in page.get_by_test_id("limitations").inner_text().lower()

        # 1. A checklist answer made a finding: its room and its item come with it.
        front = page.get_by_test_id("room-report").filter(has=page.get_by_role("heading", name="Front room"))
        front.locator('[data-item="walls_condition"]').wait_for(state="attached")
        unassessed = front.locator("details.not-assessed:not([open]) > summary")
        if unassessed.count():  # the null model answers a varying share: the walls may already be listed
            unassessed.first.click()
        walls = front.locator('[data-item="walls_condition"]')
        walls.get_by_role("button", name="Poor").click()
        walls.get_by_test_id("answer-source").filter(has_text="You").wait_for()
        walls.get_by_role("button", name="Make this a finding").click()
        form = page.get_by_role("form", name="New finding")
        assert form.get_by_label("What is it?").input_value() == "Walls condition: poor"
        assert form.get_by_label("Room", exact=True).locator("option:checked").inner_text() == "Front room"
        form.get_by_label("Who to call").select_option("builder")
        form.locator('input[name="finding-cost-low"]').fill("400")
        form.locator('input[name="finding-cost-high"]').fill("900")
        form.get_by_role("button", name="Save finding").click()

        # 2. Saved, it stays open for its photos: a close-up from the camera (a file here).
        editor = page.get_by_role("form", name="Edit finding: Walls condition: poor")
        editor.wait_for()
        page.get_by_label("Add a close-up to Walls condition: poor").set_input_files(
            files=[{"name": "close-up.jpg", "mimeType": "image/jpeg", "buffer": photo(77, (800, 600))}]
        )
        page.get_by_role("button", name="Mark the spot on photo 1").click()

        # 3. A box dragged over the spot, from 25%/25% to 75%/60% of the photo.
        surface = page.get_by_role("application", name="Mark the spot on the photo of Walls condition: poor")
        surface.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => { const img = document.querySelector('.mark-surface img');"
            " return img && img.complete && img.naturalWidth > 0; }"
        )
        box = surface.bounding_box()
        assert box is not None and box["width"] <= 390
        page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.6, steps=5)
        page.mouse.up()
        page.get_by_role("list", name="Marks on this photo").get_by_role(
            "button", name="Box 1: 25% across, 25% down"
        ).wait_for()
        # The keyboard moves it a step to the right.
        surface.press("ArrowRight")
        page.get_by_role("button", name="Box 1: 27% across, 25% down, 50% by 35% of the photo").wait_for()
        page.get_by_role("button", name="Save marks").click()
        page.get_by_test_id("mark-editor").wait_for(state="detached")
        page.get_by_role("button", name="Done").click()

        finding = page.get_by_test_id("finding").filter(has_text="Walls condition: poor")
        finding.get_by_role("img", name="Walls condition: poor, photo 1. Marked: a box").wait_for()
        drawn = finding.locator('[data-shape="box"]')
        assert [drawn.get_attribute(a) for a in ("x", "y", "width", "height")] == ["27%", "25%", "50%", "35%"]
        assert "Call: Builder" in finding.inner_text()
        page.get_by_test_id("cost-totals").wait_for()
        no_sideways_scroll(page)
        shot(page, "documented-finding-phone")

        with null_server.api() as c:
            stored = c.get(f"/api/v1/scans/{scan_id}/findings", headers=headers).json()["items"]
            share = c.post(f"/api/v1/scans/{scan_id}/shares", json={}, headers=headers)
            assert share.status_code == 201, share.text
            token = share.json()["token"]
            owner_pdf = c.get(f"/api/v1/scans/{scan_id}/report.pdf", headers=headers)
        [made] = stored
        assert made["checklist_item_id"] == "walls_condition" and made["room_name"] == "Front room"
        assert (made["trade"], made["cost_low"], made["cost_high"], made["cost_source"]) == (
            "builder",
            400,
            900,
            "person",
        )
        [mark] = made["marks"]
        assert mark["shape"] == "box" and mark["photo_id"] == made["photo_ids"][0]
        assert (mark["x"], mark["y"], mark["w"], mark["h"]) == pytest.approx((0.27, 0.25, 0.5, 0.35), abs=0.011)
        assert owner_pdf.status_code == 200 and owner_pdf.content.startswith(b"%PDF")

        # 4. The shared link, in a fresh browser: the close-up with its box, by "the person who inspected", never "you".
        guest_context, guest, guest_console = new_page(browser, null_server, mobile=True)
        try:
            guest.goto(f"/shared/{token}")
            shared = guest.get_by_test_id("finding").filter(has_text="Walls condition: poor")
            photo_img = shared.get_by_role("img", name="Walls condition: poor, photo 1. Marked: a box")
            photo_img.wait_for()
            guest.wait_for_function(
                "() => Array.from(document.querySelectorAll('[data-testid=finding] img'))"
                ".every((i) => i.complete && i.naturalWidth > 0)"
            )
            assert [shared.locator('[data-shape="box"]').get_attribute(a) for a in ("x", "width")] == ["27%", "50%"]
            text = guest.locator("article.shared-report").inner_text()
            assert "by the person who inspected this home" in text and "the owner" not in text.lower()
            for words in ("by you", "your answer", "You checked"):
                assert words not in text, words
            # The owner's estimates, as in the shared PDF, said to be the owner's (issue 22).
            assert (
                "Estimates by the person who inspected this home, not quotes."
                in guest.get_by_test_id("cost-totals").inner_text()
            )
            no_sideways_scroll(guest)
            shot(guest, "documented-finding-shared")
            pdf_href = guest.get_by_role("link", name="Download PDF").get_attribute("href")
            assert pdf_href
            pdf = guest.request.get(pdf_href)
            assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
            assert pdf.body().startswith(b"%PDF")
            assert guest_console.unexpected() == []
        finally:
            guest_context.close()

        # 5. The history card: findings by severity and how much was checked, scanned and updated.
        page.goto("/")
        card = page.get_by_test_id("scan-item").filter(has_text="Flat 3, 14 Maple Grove")
        card.get_by_test_id("scan-brief").get_by_text("1 maintenance", exact=True).wait_for()
        assert card.get_by_test_id("scan-assessed").inner_text().startswith("Checked 1 of ")
        assert card.get_by_test_id("scan-times").inner_text().startswith("Scanned ")
        no_sideways_scroll(page)
        shot(page, "documented-finding-history")
        assert console.unexpected() == []
    except Exception:
        shot(page, f"documented-finding-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()
