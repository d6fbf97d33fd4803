"""From report to decision in a real browser (issue 22): homes compared at phone size with the person's rating
saved, and a repair list made on the report whose read-only link shows a reader, without signing in, each
finding with its photo and mark, the asks and the total; a change after it was opened is a new version."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import (
    ARTIFACTS,
    Server,
    api_scan,
    api_user,
    log_in,
    new_page,
    no_sideways_scroll,
    photo,
    shot,
    unique_email,
)
from tests.e2e.test_documented_findings import null_server  # noqa: F401  (the fixture)
from tests.e2e.test_review_browser import _finished_scan, _pdf_text

pytestmark = pytest.mark.e2e


@contextmanager
def _signed_in(browser: Any, server: Server, email: str, *, mobile: bool) -> Iterator[Any]:
    """A page signed in as `email`; on leaving, no unexpected console error, and a screenshot when it failed."""
    context, page, console = new_page(browser, server, mobile=mobile)
    try:
        log_in(page, email)
        yield page
        assert console.unexpected() == []
    except Exception:
        shot(page, f"decision-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_two_homes_compared_on_a_phone_with_a_rating_saved(browser: Any, null_server: Server) -> None:  # noqa: F811
    email = unique_email("comparer")
    headers = api_user(null_server, email)
    first = api_scan(null_server, headers, rooms=2, address="1 Oak Lane")
    second = api_scan(null_server, headers, rooms=3, address="22 Birch Avenue, second floor flat")
    with _signed_in(browser, null_server, email, mobile=True) as page:
        page.get_by_role("checkbox", name=re.compile(r"^Compare 1 Oak Lane")).check()
        page.get_by_role("checkbox", name=re.compile(r"^Compare 22 Birch Avenue")).check()
        no_sideways_scroll(page)
        page.get_by_role("region", name="Compare homes").get_by_role("button", name="Compare").click()

        homes = page.get_by_test_id("compare-home")
        homes.nth(1).wait_for()
        assert homes.count() == 2
        oak, birch = homes.nth(0), homes.nth(1)
        # Titled by address and when the scan was made (two scans of one home are told apart).
        assert re.fullmatch(r"1 Oak Lane · \d{1,2} \w{3} \d{4}, \d\d:\d\d \S+", oak.get_by_role("heading").inner_text())
        for aspect in ("Findings", "What it may cost", "How much was assessed", "House type", "Rooms", "Pros", "Cons"):
            assert oak.get_by_text(aspect, exact=True).count() == 1, aspect
        assert birch.get_by_text("Rooms", exact=True).locator("xpath=..").inner_text().split("\n")[1].startswith("3")
        # One home a card, one under the other: nothing to scroll sideways at 390 px.
        oak_box, birch_box = oak.bounding_box(), birch.bounding_box()
        assert oak_box and birch_box and birch_box["y"] >= oak_box["y"] + oak_box["height"]
        no_sideways_scroll(page)

        rating = birch.get_by_role("group", name="Your rating of 22 Birch Avenue, second floor flat")
        rating.get_by_role("radio", name="4 of 5").check()
        birch.get_by_test_id("verdict-status").filter(has_text="Rated 4 of 5").wait_for()
        birch.get_by_label("Your note on 22 Birch Avenue, second floor flat").fill("Bright, but the boiler is old.")
        birch.get_by_role("button", name="Save note").click()
        birch.get_by_test_id("verdict-status").filter(has_text="Note saved").wait_for()
        shot(page, "compare-phone")

        with null_server.api() as c:
            compared = c.get("/api/v1/compare", params={"scan_ids": f"{first},{second}"}, headers=headers).json()
        assert [(s["scan_id"], s["rating"], s["note"]) for s in compared["scans"]] == [
            (first, None, None),
            (second, 4, "Bright, but the boiler is old."),
        ]

        page.reload()
        birch = page.get_by_test_id("compare-home").nth(1)
        assert birch.get_by_role("radio", name="4 of 5").is_checked()
        no_sideways_scroll(page)
        compare_url = page.url

    # On a wide screen the homes stand side by side.
    with _signed_in(browser, null_server, email, mobile=False) as wide:
        wide.goto(compare_url)
        homes = wide.get_by_test_id("compare-home")
        homes.nth(1).wait_for()
        oak_box, birch_box = homes.nth(0).bounding_box(), homes.nth(1).bounding_box()
        assert oak_box and birch_box and birch_box["y"] == oak_box["y"]
        assert birch_box["x"] > oak_box["x"] + oak_box["width"]


def _findings_to_list(server: Server, headers: dict[str, str], scan_id: str) -> str:
    """A damp patch with a cost, a photo and a box on it; a handrail without either. Returns the photo's id."""
    with server.api() as c:
        report = c.get(f"/api/v1/scans/{scan_id}/report", headers=headers).json()
        front = next(room for room in report["rooms"] if room["name"] == "Front room")
        photo_id: str = front["images"][0]["id"]
        damp = {
            "title": "Damp under the window",
            "severity": "major",
            "room_id": front["id"],
            "photo_ids": [photo_id],
            "trade": "damp_specialist",
            "cost_low": 300,
            "cost_high": 700,
            "marks": [{"photo_id": photo_id, "shape": "box", "x": 0.2, "y": 0.3, "w": 0.4, "h": 0.3}],
        }
        handrail = {"title": "Loose stair handrail", "severity": "safety"}
        for body in (damp, handrail):
            made = c.post(f"/api/v1/scans/{scan_id}/findings", json=body, headers=headers)
            assert made.status_code == 201, made.text
    return photo_id


def test_a_repair_list_shared_with_a_reader_who_is_not_signed_in(browser: Any, null_server: Server) -> None:  # noqa: F811
    email = unique_email("negotiator")
    headers = api_user(null_server, email)
    scan_id = _finished_scan(null_server, headers)
    _findings_to_list(null_server, headers, scan_id)
    with _signed_in(browser, null_server, email, mobile=True) as page:
        page.goto(f"/scans/{scan_id}")
        panel = page.get_by_test_id("repair-lists")
        panel.get_by_role("button", name="New repair list").click()
        form = page.get_by_role("form", name="New repair list")
        form.get_by_role("checkbox", name=re.compile("Damp under the window")).check()
        form.get_by_label("Ask for Damp under the window").select_option("credit")
        form.get_by_label(re.compile(r"^Amount for Damp under the window")).fill("500")
        form.get_by_role("checkbox", name=re.compile("Loose stair handrail")).check()
        form.get_by_label("Ask for Loose stair handrail").select_option("replace")
        form.get_by_label(re.compile("^Note to the reader")).fill("Please see the photos before we exchange.")
        form.get_by_role("checkbox", name=re.compile("^Show my cost estimates to the reader")).check()
        total = form.get_by_test_id("repair-draft-total").inner_text()
        assert "2 findings" in total and "500" in total and "300" in total and "700" in total
        no_sideways_scroll(page)
        form.screenshot(path=str(ARTIFACTS / "repair-list-form-phone.png"))
        form.get_by_role("button", name="Save and make link").click()

        link = panel.get_by_label("Repair list link")
        link.wait_for()
        url = link.input_value()
        assert re.fullmatch(rf"{re.escape(null_server.base_url)}/shared/repair-lists/[\w-]+", url), url
        assert "version 1" in panel.get_by_test_id("repair-list-link").inner_text()
        assert panel.get_by_test_id("repair-list").inner_text().startswith("Version 1")
        shot(page, "repair-list-owner-phone")

        # A reader in a fresh browser, signed in nowhere.
        guest_context, guest, guest_console = new_page(browser, null_server, mobile=True)
        try:
            guest.goto(url)
            shared = guest.get_by_test_id("shared-repair-list")
            damp = shared.get_by_test_id("finding").filter(has_text="Damp under the window")
            damp.get_by_role("img", name="Damp under the window, photo 1. Marked: a box").wait_for()
            guest.wait_for_function(
                "() => Array.from(document.querySelectorAll('[data-testid=finding] img'))"
                ".every((i) => i.complete && i.naturalWidth > 0)"
            )
            box = damp.locator('[data-shape="box"]')
            assert [box.get_attribute(a) for a in ("x", "y", "width", "height")] == ["20%", "30%", "40%", "30%"]
            assert re.search(r"A credit off the price: \D*500", damp.get_by_test_id("repair-ask").inner_text())
            handrail = shared.get_by_test_id("finding").filter(has_text="Loose stair handrail")
            assert handrail.get_by_test_id("repair-ask").inner_text() == "Please replace this"
            assert shared.get_by_test_id("repair-note").inner_text() == "Please see the photos before we exchange."
            totals = shared.get_by_test_id("repair-total").inner_text()
            asked = r"Amounts asked: \D*500 for 1 finding; 1 other finding without an amount\."
            assert re.search(asked, totals), totals
            assert "estimates, not quotes" in totals
            text = shared.inner_text()
            assert "The person who inspected this home asks you" in text and "the owner" not in text.lower()
            for words in ("your answer", "by you", "Edit"):
                assert words not in text, words
            no_sideways_scroll(guest)
            shot(guest, "repair-list-shared-phone")
            for name, kind in (("Download PDF", "application/pdf"), ("Download CSV", "text/csv")):
                href = shared.get_by_role("link", name=name).get_attribute("href")
                assert href
                answer = guest.request.get(href)
                assert answer.status == 200 and answer.headers["content-type"].startswith(kind), (name, answer.status)
            assert guest.request.get(href).text().startswith("finding,room,severity,")
            assert guest_console.unexpected() == []
        finally:
            guest_context.close()

        with page.expect_download() as pdf:
            panel.get_by_role("button", name="PDF of version 1").click()
        assert pdf.value.suggested_filename.endswith(".pdf")

        # Opened by a reader: a change is version 2 with a new link; the first link keeps what was sent.
        panel.get_by_role("button", name="Done").click()
        panel.get_by_role("button", name="Edit").click()
        form = page.get_by_role("form", name="Edit repair list, version 1")
        assert "saving makes version 2" in form.inner_text()
        form.get_by_label(re.compile(r"^Amount for Damp under the window")).fill("650")
        form.get_by_role("button", name="Save changes").click()
        assert "version 2" in panel.get_by_test_id("repair-list-link").inner_text()
        second_url = panel.get_by_label("Repair list link").input_value()
        assert second_url != url
        first_token, second_token = url.rsplit("/", 1)[1], second_url.rsplit("/", 1)[1]
        with null_server.api() as c:
            assert c.get(f"/api/v1/shared/repair-lists/{first_token}").json()["total"]["asked"] == 500
            assert c.get(f"/api/v1/shared/repair-lists/{second_token}").json()["total"]["asked"] == 650

        # Revoked: every version's link is gone.
        panel.get_by_role("button", name="Revoke link").click()
        panel.get_by_role("button", name=re.compile(r"^Revoke every version.s link$")).click()
        panel.get_by_text(re.compile("^Link revoked: ")).wait_for()
        guest_context, guest, _ = new_page(browser, null_server, mobile=True)
        try:
            guest.goto(second_url)
            guest.get_by_role("heading", name="Link expired or revoked").wait_for()
        finally:
            guest_context.close()

        # A new link shares the latest version again; the revoked links stay dead.
        panel.get_by_role("button", name="New link to version 2").click()
        third_url = panel.get_by_label("Repair list link").input_value()
        assert third_url not in (url, second_url)
        assert "version 2" in panel.get_by_test_id("repair-list-link").inner_text()
        panel.get_by_test_id("repair-list").get_by_text(re.compile(r"works until")).wait_for()
        guest_context, guest, _ = new_page(browser, null_server, mobile=True)
        try:
            guest.goto(third_url)
            guest.get_by_test_id("shared-repair-list").wait_for()
            guest.goto(url)
            guest.get_by_role("heading", name="Link expired or revoked").wait_for()
        finally:
            guest_context.close()


def test_a_cost_taken_from_the_guide_only_when_the_person_chooses_it(browser: Any, null_server: Server) -> None:  # noqa: F811
    email = unique_email("estimator")
    headers = api_user(null_server, email)
    scan_id = _finished_scan(null_server, headers)
    with null_server.api() as c:
        region = {"currency": "GBP", "time_zone": "Europe/London"}
        assert c.put("/api/v1/me/preferences", json=region, headers=headers).is_success
        assert c.put("/api/v1/me/cost-preferences", json={"cost_factor": 1.2}, headers=headers).is_success
    with _signed_in(browser, null_server, email, mobile=True) as page:
        page.goto(f"/scans/{scan_id}")
        page.get_by_role("button", name="Add a finding").click()
        form = page.get_by_role("form", name="New finding")
        form.get_by_label("What is it?").fill("Tide mark on the hall wall")
        form.get_by_label("Who to call").select_option("damp_specialist")
        form.get_by_role("button", name="Suggest from cost guide").click()
        rows = form.get_by_test_id("cost-guide-row")
        row = rows.filter(has_text="chemical damp-proof course injection")
        row.wait_for()
        # Every row says it is an estimate, from which year and where from; nothing is filled in yet.
        for text in rows.all_inner_texts():
            assert "Estimate: £" in text and re.search(r"figures of 20\d\d · Source: ", text), text
        assert "Estimate: £360\u2013£840 (the guide says £300\u2013£700)" in row.inner_text()
        assert row.get_by_role("link").get_attribute("href", timeout=5_000)
        assert "regional factor, 1.2" in form.get_by_test_id("cost-guide-note").inner_text()
        assert form.locator('input[name="finding-cost-low"]').input_value() == ""
        no_sideways_scroll(page)
        row.get_by_role("button", name=re.compile("^Use Treat rising damp")).click()
        assert form.locator('input[name="finding-cost-low"]').input_value() == "360"
        assert form.locator('input[name="finding-cost-high"]').input_value() == "840"
        form.get_by_test_id("cost-from-guide").wait_for()
        form.get_by_role("button", name="Save finding").click()
        page.get_by_role("form", name="Edit finding: Tide mark on the hall wall").wait_for()
        with null_server.api() as c:
            [made] = c.get(f"/api/v1/scans/{scan_id}/findings", headers=headers).json()["items"]
        taken = (made["cost_low"], made["cost_high"], made["cost_source"])
        assert taken == (360, 840, "damp_specialist.dpc_injection_wall")


def test_the_same_home_scanned_again_shows_what_changed_room_by_room(browser: Any, null_server: Server) -> None:  # noqa: F811
    email = unique_email("tenant")
    headers = api_user(null_server, email)
    first = _finished_scan(null_server, headers)
    with _signed_in(browser, null_server, email, mobile=False) as page:
        page.goto(f"/scans/{first}")
        page.get_by_test_id("home-over-time").get_by_role("button", name="Scan this home again").click()
        page.wait_for_url(re.compile(r"/scans/(?!" + first + r")[0-9a-f-]+$"))
        second = page.url.rsplit("/", 1)[1]
        with null_server.api() as c:
            draft = c.get(f"/api/v1/scans/{second}", headers=headers).json()
            assert [room["label"] for room in draft["rooms"]] == ["Front room", "Kitchen"]
            files = [("images", (f"n{i}.jpg", photo(60 + i), "image/jpeg")) for i in range(2)]
            ordinals = {"room_ordinal": ["0", "1"]}
            up = c.post(f"/api/v1/scans/{second}/images", files=files, data=ordinals, headers=headers)
            assert up.status_code == 200, up.text
            assert c.post(f"/api/v1/scans/{second}/process", json={}, headers=headers).status_code == 202
        # The scan's page follows the analysis to the report, where the earlier scan is offered.
        page.goto(f"/scans/{second}")
        page.get_by_role("link", name="Changes since then").click()
        rooms = page.get_by_test_id("change-room")
        rooms.nth(1).wait_for()
        front = rooms.filter(has=page.get_by_role("heading", name="Front room"))
        assert "Then: Front room (paired by name)" in front.inner_text()
        front.get_by_role("img", name="Front room then, photo 2").wait_for()
        front.get_by_role("img", name="Front room now, photo 1").wait_for()
        front.get_by_label("Pair Front room with a room of the earlier scan").select_option(label="Kitchen")
        front.get_by_text("Then: Kitchen (paired by you)").wait_for()
        shot(page, "changes-since")
        with page.expect_download() as download:
            page.get_by_role("button", name="Report PDF with these changes").click()
        assert "Changes since" in _pdf_text(Path(download.value.path()))
