"""The web app in a real browser: sign up, scan two rooms, watch the analysis, read the report."""

from __future__ import annotations

import base64
import json
import re
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    PASSWORD,
    REPORT_TIMEOUT_MS,
    Server,
    api_login,
    api_scan,
    api_user,
    new_page,
    photo,
    photo_files,
    shot,
    sign_up,
    start_scan,
    unique_email,
    until,
    upload_room,
)

pytestmark = pytest.mark.e2e


def _drop_files(page, seeds: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    """Drag and drop photos onto the drop zone, as from a desktop file manager."""
    payload = [{"name": f"dropped-{s}.jpg", "b64": base64.b64encode(photo(s)).decode()} for s in seeds]
    page.evaluate(
        """(files) => {
          const dt = new DataTransfer();
          for (const f of files) {
            const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
            dt.items.add(new File([bytes], f.name, { type: "image/jpeg" }));
          }
          const zone = document.querySelector("[data-testid=dropzone]");
          zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: dt, bubbles: true, cancelable: true }));
          zone.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
        }""",
        payload,
    )


def test_sign_up_scan_two_rooms_and_read_the_report(browser, server: Server) -> None:
    context, page, console = new_page(browser, server)
    console.allow("status of 422")  # the deliberately rejected file: Chromium logs the failed request
    try:
        page.goto("/")
        page.get_by_role("heading", name="Log in").wait_for()
        shot(page, "01-login")
        page.get_by_role("link", name="Create an account").click()
        page.get_by_role("heading", name="Create an account").wait_for()
        shot(page, "02-register")
        sign_up(page, unique_email("alex"))
        shot(page, "03-history-empty")

        scan_id = start_scan(page, "12 Harbour Street, flat 3", ["Kitchen", "Bedroom"], "04a-new-scan-form")
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
        shot(page, "04-new-scan-capture-empty")

        # Room 1: two photos and one file that is not a photo (refused in the browser, never sent).
        page.get_by_test_id("file-input").set_input_files(
            [*photo_files(1, 2), {"name": "notes.jpg", "mimeType": "image/jpeg", "buffer": b"this is not a photo"}]
        )
        page.get_by_test_id("thumb-rejected").wait_for()
        page.get_by_test_id("thumb-staged").nth(1).wait_for()  # each file is checked in the browser first
        assert page.get_by_test_id("thumb-staged").count() == 2
        shot(page, "05-capture-staged")
        # Remove one staged photo, then upload the rest.
        page.get_by_role("button", name="Remove room-photo-2.jpg").click()
        page.get_by_test_id("thumb-staged").nth(1).wait_for(state="detached")
        assert page.get_by_test_id("thumb-staged").count() == 1
        page.get_by_test_id("upload-button").click()
        page.get_by_test_id("thumb-uploaded").first.wait_for()
        page.get_by_test_id("thumb-rejected").wait_for()
        rejected = page.get_by_role("alert").filter(has_text="not accepted")
        rejected.wait_for()
        assert "notes.jpg" in rejected.inner_text()
        assert "this is not a photo (JPEG, PNG, WebP or HEIC)" in rejected.inner_text()  # the server's words
        shot(page, "06-capture-uploaded-and-rejected")

        page.get_by_role("button", name="Next room →").click()
        page.get_by_role("heading", level=1, name=re.compile("Bedroom")).wait_for()
        upload_room(page, (3, 4))

        # Resume: leave and come back; what was sent is still there.
        page.goto("/")
        page.get_by_test_id("scan-item").filter(has_text="Harbour Street").get_by_text("Draft").wait_for()
        page.goto(f"/scans/{scan_id}?room=0")
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
        page.get_by_test_id("thumb-uploaded").first.wait_for()  # the room's photos come from the server
        assert page.get_by_test_id("thumb-uploaded").count() == 1
        page.get_by_role("button", name=re.compile("Bedroom")).click()
        page.get_by_role("heading", level=1, name=re.compile("Bedroom")).wait_for()
        page.get_by_test_id("thumb-uploaded").nth(1).wait_for()  # count() does not wait
        assert page.get_by_test_id("thumb-uploaded").count() == 2
        shot(page, "07-capture-resumed")

        page.get_by_role("button", name="Finish and analyse").click()
        page.get_by_role("progressbar", name="Analysis progress").wait_for()
        shot(page, "08-processing")

        report = page.get_by_test_id("report")
        report.wait_for(timeout=REPORT_TIMEOUT_MS)
        # Progress arrived live over Socket.IO while the page was open.
        saved = page.evaluate(f"() => localStorage.getItem('housescan.progress.{scan_id}')")
        state = json.loads(saved)
        assert state["status"] == "succeeded"
        assert state["lastEventId"] is not None
        assert len(state["steps"]) >= 1, state

        page.get_by_test_id("house-type").wait_for()
        assert page.get_by_test_id("room-report").count() == 2
        text = report.inner_text()
        for expected in ("Kitchen", "Bedroom", "House checklist", "Pros", "Cons", "Cost of this scan"):
            assert expected in text
        assert page.locator(".pill-unassessed").count() > 0 or "Not assessed" in text
        assert page.get_by_test_id("cost").inner_text().strip() != ""
        # The photos load through their signed URLs.
        page.wait_for_function(
            "() => [...document.querySelectorAll('.photos img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        assert page.locator(".photos img").count() == 3
        shot(page, "09-report-desktop")

        # The PDF report downloads with the bearer token (a plain link could not send it).
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download PDF").click()
        pdf = download_info.value
        assert pdf.suggested_filename.endswith(".pdf")
        assert Path(pdf.path()).read_bytes().startswith(b"%PDF")

        page.emulate_media(media="print")
        shot(page, "10-report-print")
        assert not page.get_by_role("button", name="Print report").is_visible()
        page.emulate_media(media="screen")

        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "11-report-mobile")
        page.set_viewport_size({"width": 1280, "height": 900})

        page.goto("/")
        item = page.get_by_test_id("scan-item").filter(has_text="Harbour Street")
        item.get_by_text("Report ready").wait_for()
        shot(page, "12-history")

        assert console.unexpected() == []
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_reload_mid_processing_still_finishes(browser, server: Server) -> None:
    context, page, console = new_page(browser, server, mobile=True)
    try:
        sign_up(page, unique_email("reload"))
        scan_id = start_scan(page, "4 Mill Lane", ["Living room", "Bathroom"], "19-new-scan-form-mobile")
        upload_room(page, (11, 12, 13, 14))
        page.get_by_role("button", name="Next room →").click()
        page.get_by_role("heading", level=1, name=re.compile("Bathroom")).wait_for()
        _drop_files(page, (15, 16, 17, 18))
        page.get_by_test_id("thumb-staged").nth(3).wait_for()  # each file is checked in the browser first
        assert page.get_by_test_id("thumb-staged").count() == 4
        page.get_by_test_id("upload-button").click()
        page.get_by_test_id("thumb-uploaded").nth(3).wait_for()
        shot(page, "20-capture-mobile")
        page.get_by_role("button", name="Finish and analyse").click()
        page.get_by_role("progressbar", name="Analysis progress").wait_for()
        shot(page, "21-processing-mobile")

        page.reload()
        # After the reload the page shows the processing screen again (or, if the analysis won the race,
        # the report); either way it reaches the report without any further action.
        page.get_by_test_id("report").wait_for(timeout=REPORT_TIMEOUT_MS)
        assert page.url.split("?")[0].endswith(f"/scans/{scan_id}")
        page.get_by_text("Living room").first.wait_for()
        shot(page, "22-report-after-reload-mobile")
        assert console.unexpected() == []
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_another_user_cannot_open_the_report(browser, server: Server) -> None:
    owner = api_user(server, unique_email("owner"))
    scan_id = api_scan(server, owner)

    context, page, console = new_page(browser, server)
    console.allow("status of 404")  # the API's answer for someone else's scan
    try:
        sign_up(page, unique_email("intruder"))
        page.goto(f"/scans/{scan_id}")
        page.get_by_test_id("not-found").wait_for()
        assert "Scan not found" in page.get_by_test_id("not-found").inner_text()
        assert page.get_by_test_id("report").count() == 0
        assert "9 Elm Road" not in page.content()
        shot(page, "30-other-user-not-found")
        assert console.unexpected() == []
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_opened_report_is_readable_offline(browser, server: Server) -> None:
    email = unique_email("offline")
    context, page, console = new_page(browser, server)
    console.allow("ERR_INTERNET_DISCONNECTED")
    console.allow("socket.io")
    try:
        sign_up(page, email)
        headers = api_login(server, email)
        scan_id = api_scan(server, headers, address="77 Quiet Close")
        page.goto(f"/scans/{scan_id}")
        page.get_by_test_id("report").wait_for(timeout=REPORT_TIMEOUT_MS)
        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20_000
        )
        # Open the report once more with the service worker in control, so its responses are cached; it keeps
        # the report's thumbnails as it answers the report (wait until every photo on the page is kept).
        page.reload()
        page.get_by_test_id("report").wait_for()
        until(
            page,
            """async () => {
                const cache = await caches.open('housescan-images-v1');
                const photos = [...document.querySelectorAll('.photos img')];
                const key = (i) => new URL(i.src).origin + new URL(i.src).pathname;
                const kept = await Promise.all(photos.map((i) => cache.match(key(i))));
                return photos.length > 0 && kept.every(Boolean);
            }""",
        )

        context.set_offline(True)
        page.reload()
        page.get_by_test_id("report").wait_for()
        assert "77 Quiet Close" in page.get_by_test_id("report").inner_text()
        page.get_by_text("You are offline").wait_for()
        # The photos load lazily: bring each into view, as a reader scrolling the report does.
        page.locator(".photos img").evaluate_all("(photos) => photos.forEach((i) => i.scrollIntoView())")
        page.wait_for_function(
            "() => [...document.querySelectorAll('.photos img')].every(i => i.complete && i.naturalWidth > 0)"
        )
        shot(page, "40-report-offline")
        context.set_offline(False)
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_failure_shows_reason_and_retry(browser, failing_server: Server) -> None:
    context, page, console = new_page(browser, failing_server)
    console.allow("status of 409")
    email = unique_email("fail")
    try:
        sign_up(page, email)
        start_scan(page, "1 Broken Way", ["Hall"])
        upload_room(page, (31,))
        page.get_by_role("button", name="Finish and analyse").click()
        page.get_by_role("button", name="Retry analysis").wait_for(timeout=REPORT_TIMEOUT_MS)
        reason = page.get_by_role("alert").filter(has_text="Reason")
        assert reason.inner_text().strip() != "Reason"
        shot(page, "50-processing-failed")
        scan_id = page.url.split("?")[0].rsplit("/", 1)[-1]
        headers = api_login(failing_server, email)
        with failing_server.api() as c:
            before = c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()
        assert before["status"] == "failed"
        page.get_by_role("button", name="Retry analysis").click()
        # The scan is queued again (a new run, started anew), then fails again on this server: the button returns.
        deadline = time.monotonic() + 60
        with failing_server.api() as c:
            while True:
                after = c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()
                if after["started_at"] != before["started_at"] and after["status"] == "failed":
                    break
                assert time.monotonic() < deadline, after
                time.sleep(0.3)
        page.get_by_role("button", name="Retry analysis").wait_for(timeout=REPORT_TIMEOUT_MS)
        assert console.unexpected() == []
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_history_delete_and_custom_checklist_items(browser, server: Server) -> None:
    email = unique_email("settings")
    context, page, console = new_page(browser, server)
    try:
        sign_up(page, email)
        scan_id = api_scan(server, api_login(server, email), address="3 Delete Me Road")
        page.goto("/")
        item = page.get_by_test_id("scan-item").filter(has_text="3 Delete Me Road")
        item.wait_for()
        item.get_by_role("button", name="Delete").click()
        item.get_by_role("button", name="Delete scan").click()
        item.wait_for(state="detached")
        with server.api() as c:
            assert c.get(f"/api/v1/scans/{scan_id}", headers=api_login(server, email)).status_code == 404

        page.get_by_role("link", name="Settings").click()
        page.get_by_role("heading", name="Settings").wait_for()
        page.get_by_role("tab", name="Room").click()
        page.get_by_label("Title").fill("Radiator condition")
        page.get_by_label("Answer type").select_option("categorical")
        page.get_by_label("What to look for").fill("Rust, leaks, cold spots.")
        page.get_by_role("button", name="Add item").click()
        page.get_by_test_id("custom-item").filter(has_text="Radiator condition").wait_for()
        shot(page, "60-settings")
        page.get_by_test_id("custom-item").get_by_role("button", name="Delete").click()
        page.get_by_role("button", name="Delete item").click()
        page.get_by_test_id("custom-item").wait_for(state="detached")

        page.get_by_role("button", name="Log out").click()
        page.get_by_role("heading", name="Log in").wait_for()
        assert console.unexpected() == []
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_keyboard_only_login_and_installable_app(browser, server: Server) -> None:
    email = unique_email("keys")
    api_user(server, email)
    context, page, console = new_page(browser, server)
    try:
        page.goto("/login")
        page.get_by_role("heading", name="Log in").wait_for()
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
        page.get_by_label("Email").focus()
        page.keyboard.type(email)
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Your scans").wait_for()
        # Every control on the page can be reached with Tab and shows where the focus is.
        page.get_by_role("heading", name="No scans yet").wait_for()
        page.keyboard.press("Tab")  # from the page heading to its first control
        outline = page.evaluate(
            "() => { const e = document.activeElement; const s = getComputedStyle(e);"
            " return s.outlineStyle + '|' + s.boxShadow + '|' + e.tagName + ':' + e.textContent; }"
        )
        assert outline.endswith("A:+ New scan"), outline
        assert outline.split("|")[0] != "none" or outline.split("|")[1] != "none", outline

        manifest = page.request.get("/manifest.webmanifest")
        assert manifest.ok
        data = manifest.json()
        assert data["display"] == "standalone"
        assert {"192x192", "512x512"} <= {icon["sizes"] for icon in data["icons"]}
        for icon in data["icons"]:
            assert page.request.get(icon["src"]).ok, icon
        worker = page.request.get("/sw.js")
        assert worker.ok and "caches" in worker.text()
        # registered once the app has started: wait for it to take control of the page
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
        assert console.unexpected() == []
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_expired_access_token_is_refreshed(browser, server: Server) -> None:
    context, page, console = new_page(browser, server)
    console.allow("status of 401")  # the first, refused request before the client refreshes
    try:
        email = unique_email("refresh")
        sign_up(page, email)
        # A session as the previous app kept it (both tokens in localStorage, no cookie) whose access token
        # has expired (and is not even valid): the app moves the refresh token into the cookie, not logs out.
        with server.api() as c:
            pair = c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
        expired = "eyJhbGciOiJIUzI1NiJ9." + base64.urlsafe_b64encode(b'{"sub":"x","exp":1}').decode().rstrip("=") + ".x"
        context.clear_cookies()
        page.evaluate(
            "(t) => { localStorage.clear(); localStorage.setItem('housescan.tokens', JSON.stringify(t)); }",
            {"access_token": expired, "refresh_token": pair["refresh_token"]},
        )
        page.reload()
        page.get_by_role("heading", name="Your scans").wait_for()
        page.get_by_role("heading", name="No scans yet").wait_for()
        assert page.evaluate("() => localStorage.getItem('housescan.tokens')") is None
        assert any(c["name"] == "housescan_refresh" for c in context.cookies())

        # A token the server refuses although it looks fresh (here: the list's first answer is a 401): one
        # refresh through the cookie, one retry.
        refused: list[str] = []

        def refuse_once(route) -> None:  # type: ignore[no-untyped-def]
            if refused:
                route.continue_()
            else:
                refused.append(route.request.url)
                route.fulfill(status=401, content_type="application/json", body='{"detail": "expired"}')

        context.route("**/api/v1/scans?*", refuse_once)  # the context: the service worker fetches the list
        with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/refresh") and r.status == 200):
            page.reload()
        page.get_by_role("heading", name="No scans yet").wait_for()
        assert len(refused) == 1
        assert page.get_by_role("button", name="Log out").is_visible()
        assert console.unexpected() == []
    except Exception:
        shot(page, f"failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()
