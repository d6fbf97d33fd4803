"""On a phone (Chromium at 390x844): a report of 15 photos loads thumbnails only, opens one full screen
from its medium rendition, and reads offline after one visit, with the list of scans; photos staged on the
capture page survive a tap to the next room and leaving the page; files the server would refuse are refused
in the browser, in MB; an upload started offline is kept on the phone with no token anywhere a page script
can read, survives a reload, and goes up when the connection returns (the app sends it with its own token);
one the server could not take now (503) is kept the same way, and one the person dismissed is never sent."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import (
    Server,
    _start_server,
    api_login,
    new_page,
    no_sideways_scroll,
    photo,
    shot,
    sign_up,
    unique_email,
    until,
)

pytestmark = pytest.mark.e2e

PHOTOS = 15

# Every record of every IndexedDB store of the origin, as text (a Blob as its type and size): what any
# script of the page can read there.
EVERY_INDEXEDDB_RECORD = """async () => {
    const text = (value) => JSON.stringify(value, (key, inner) =>
        inner instanceof Blob ? `<blob ${inner.type} ${inner.size}>` : inner);
    const found = {};
    for (const { name } of await indexedDB.databases()) {
        const db = await new Promise((resolve, reject) => {
            const open = indexedDB.open(name);
            open.onsuccess = () => resolve(open.result);
            open.onerror = () => reject(open.error);
        });
        for (const store of db.objectStoreNames) {
            const records = await new Promise((resolve, reject) => {
                const request = db.transaction(store).objectStore(store).getAll();
                request.onsuccess = () => resolve(request.result);
                request.onerror = () => reject(request.error);
            });
            found[`${name}/${store}`] = records.map(text);
        }
        db.close();
    }
    return found;
}"""


OUTBOX_HOLDS = (
    "async (n) => ((await (" + EVERY_INDEXEDDB_RECORD + ")())['housescan-outbox/uploads'] || []).length === n"
)
JWT_LIKE = re.compile(r"[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}")


@pytest.fixture(scope="module")
def null_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`housescan serve` on the instant `null` analysis."""
    yield from _start_server(tmp_path_factory.mktemp("housescan-phone-e2e"), {"HOUSESCAN_AGENTS_PROVIDER": "null"})


def _finished_scan(server: Server, headers: dict[str, str], address: str) -> tuple[str, int]:
    """A finished scan of 15 photos (5 rooms x 3); returns its id and the bytes of its originals."""
    with server.api() as c:
        body = {"address": address, "rooms": [{"label": f"Room {n + 1}"} for n in range(5)]}
        scan_id: str = c.post("/api/v1/scans", json=body, headers=headers).json()["id"]
        originals = 0
        for start in range(0, PHOTOS, 5):
            seeds = range(start, start + 5)
            files = [("images", (f"p{s}.jpg", photo(s, size=(2400, 1800)), "image/jpeg")) for s in seeds]
            up = c.post(
                f"/api/v1/scans/{scan_id}/images",
                files=files,
                data={"room_ordinal": [str(s % 5) for s in seeds]},
                headers=headers,
            )
            assert up.status_code == 200, up.text
            originals += sum(image["bytes"] for image in up.json()["images"])
        assert c.post(f"/api/v1/scans/{scan_id}/process", json={}, headers=headers).status_code == 202
        deadline = time.monotonic() + 120
        while c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()["status"] != "succeeded":
            assert time.monotonic() < deadline, "the scan did not finish"
            time.sleep(0.2)
    return scan_id, originals


class ImageTraffic:
    """Every image response the page received: variant (content, thumbnail, medium) and body bytes."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int, bool]] = []

    def __call__(self, response: Any) -> None:
        match = re.search(r"/api/v1/images/[^/]+/(content|thumbnail|medium)\?", response.url)
        if match and response.status == 200:
            self.seen.append((match.group(1), len(response.body()), response.from_service_worker))

    def variants(self) -> set[str]:
        return {variant for variant, _, _ in self.seen}

    def bytes(self, variant: str | None = None) -> int:
        return sum(size for v, size, _ in self.seen if variant is None or v == variant)


def _scroll_through_photos(page: Any) -> None:  # type: ignore[no-untyped-def]
    """Bring every photo into view once, as a person scrolling the report does (they load lazily)."""
    page.locator(".photos img").nth(PHOTOS - 1).wait_for()
    for n in range(page.locator(".photos img").count()):
        page.locator(".photos img").nth(n).scroll_into_view_if_needed()


def _all_photos_shown(page: Any) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_function(
        "() => { const imgs = [...document.querySelectorAll('.photos img')];"
        " return imgs.length > 0 && imgs.every(i => i.complete && i.naturalWidth > 0); }"
    )


def test_a_15_photo_report_loads_thumbnails_opens_one_full_screen_and_reads_offline(
    browser: Any, null_server: Server
) -> None:
    email = unique_email("phone")
    context, page, console = new_page(browser, null_server, mobile=True)
    console.allow("ERR_INTERNET_DISCONNECTED")
    console.allow("socket.io")
    traffic = ImageTraffic()
    try:
        sign_up(page, email)
        scan_id, originals = _finished_scan(null_server, api_login(null_server, email), "12 Thumbnail Terrace")
        page.on("response", traffic)
        page.goto("/")
        cover = page.get_by_test_id("scan-item").filter(has_text="12 Thumbnail Terrace").get_by_test_id("scan-cover")
        page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=scan-cover]'); return i && i.naturalWidth > 0; }"
        )
        assert cover.evaluate("(img) => img.naturalWidth") <= 320, "the history card shows a thumbnail"

        page.goto(f"/scans/{scan_id}")
        page.get_by_test_id("report").wait_for()
        _scroll_through_photos(page)
        _all_photos_shown(page)
        assert page.locator(".photos img").count() == PHOTOS
        assert traffic.variants() == {"thumbnail"}, f"only thumbnails, no original: {traffic.seen}"
        page_bytes = traffic.bytes()
        assert page_bytes < 0.05 * originals, f"{page_bytes:,} bytes of images for {originals:,} of originals"
        shot(page, "phone-01-report-thumbnails")

        page.get_by_role("button", name=re.compile("Open photo 1 of")).first.click()
        dialog = page.get_by_role("dialog")
        dialog.wait_for()
        page.wait_for_function(
            "() => { const i = document.querySelector('.lightbox img'); return i && i.naturalWidth > 320; }"
        )
        assert "/medium?" in dialog.locator("img").get_attribute("src")
        assert "/content?" in dialog.get_by_role("link", name="Original").get_attribute("href")
        assert "content" not in traffic.variants(), "the original opens only on demand"
        shot(page, "phone-02-full-screen")
        page.keyboard.press("Escape")

        page.wait_for_function(
            "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20_000
        )
        page.reload()  # one visit with the service worker in control
        page.get_by_test_id("report").wait_for()
        page.goto("/")
        page.get_by_test_id("scan-item").first.wait_for()
        # The worker keeps the report's thumbnails as it answers the report: wait until all 15 are kept.
        until(
            page,
            """async () => {
                const cache = await caches.open('housescan-images-v1');
                const keys = await cache.keys();
                return keys.filter((r) => r.url.endsWith('/thumbnail')).length >= 15;
            }""",
        )

        context.set_offline(True)
        page.reload()
        item = page.get_by_test_id("scan-item").filter(has_text="12 Thumbnail Terrace")
        item.wait_for()
        page.get_by_text("You are offline").wait_for()
        page.wait_for_function(
            "() => { const i = document.querySelector('[data-testid=scan-cover]'); return i && i.naturalWidth > 0; }"
        )
        item.get_by_role("link").click()
        page.get_by_test_id("report").wait_for()
        assert "12 Thumbnail Terrace" in page.get_by_test_id("report").inner_text()
        _scroll_through_photos(page)
        _all_photos_shown(page)
        shot(page, "phone-03-report-offline")
        context.set_offline(False)
        assert console.unexpected() == [], console.unexpected()
    except Exception:
        shot(page, f"phone-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def _draft(server: Server, headers: dict[str, str], address: str) -> str:
    with server.api() as c:
        body = {"address": address, "rooms": [{"label": "Kitchen"}, {"label": "Bedroom"}]}
        scan_id: str = c.post("/api/v1/scans", json=body, headers=headers).json()["id"]
    return scan_id


def _stage(page: Any, seeds: tuple[int, ...]) -> None:  # type: ignore[no-untyped-def]
    files = [{"name": f"staged-{s}.jpg", "mimeType": "image/jpeg", "buffer": photo(s)} for s in seeds]
    page.get_by_test_id("file-input").set_input_files(files)
    page.get_by_test_id("thumb-staged").nth(len(seeds) - 1).wait_for()


def test_staged_photos_survive_the_next_room_and_leaving_and_bad_files_never_leave_the_phone(
    browser: Any, null_server: Server
) -> None:
    email = unique_email("capture")
    context, page, console = new_page(browser, null_server, mobile=True)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/images" in r.url else None)
    try:
        headers, scan_id = _capture_new_draft(page, null_server, email, "5 Staging Street")

        # Refused in the browser, in the server's words, before any byte is sent.
        # Made in the page (25 MB through the test driver is slow): a text file named .jpg and a 25.4 MB "JPEG".
        page.evaluate(
            """() => {
                const huge = new Uint8Array(Math.round(25.4 * 1024 * 1024));
                huge.set([0xff, 0xd8, 0xff, 0xe0]);
                const dt = new DataTransfer();
                dt.items.add(new File(["shopping list: milk, eggs"], "notes.jpg", { type: "image/jpeg" }));
                dt.items.add(new File([huge], "huge.jpg", { type: "image/jpeg" }));
                const input = document.querySelector("[data-testid=file-input]");
                input.files = dt.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            }"""
        )
        refused = page.get_by_role("alert").filter(has_text="not accepted")
        refused.wait_for()
        text = refused.inner_text()
        assert "notes.jpg: this is not a photo (JPEG, PNG, WebP or HEIC)" in text
        assert "huge.jpg: 25.4 MB — the limit is 25 MB" in text
        assert posts == [], "nothing the server would refuse was sent"

        _stage(page, (1, 2))
        shot(page, "phone-04-staged")
        page.get_by_role("button", name="Next room →").click()
        page.get_by_role("heading", level=1, name=re.compile("Bedroom")).wait_for()
        page.get_by_role("button", name=re.compile("Kitchen")).click()
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
        page.get_by_test_id("thumb-uploaded").nth(1).wait_for()  # the two staged photos went up
        assert page.get_by_test_id("thumb-uploaded").count() == 2

        # Staged in the bedroom, then leave the page for the list: they go up, nothing is dropped.
        page.get_by_role("button", name=re.compile("Bedroom")).click()
        page.get_by_role("heading", level=1, name=re.compile("Bedroom")).wait_for()
        _stage(page, (3,))
        page.get_by_role("link", name=re.compile("scans", re.IGNORECASE)).first.click()
        page.get_by_role("heading", name="Your scans").wait_for()
        until(
            page,
            """async ([id, token]) => {
                const r = await fetch(`/api/v1/scans/${id}`, { headers: { Authorization: token } });
                const scan = await r.json();
                return scan.rooms.reduce((n, room) => n + room.images.length, 0) === 3;
            }""",
            [scan_id, headers["Authorization"]],
        )
        assert console.unexpected() == [], console.unexpected()
    except Exception:
        shot(page, f"phone-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def _capture_new_draft(page: Any, server: Server, email: str, address: str) -> tuple[dict[str, str], str]:
    """Sign up, make a draft scan by the API and open its first room's capture page; the headers and its id."""
    sign_up(page, email)
    headers = api_login(server, email)
    scan_id = _draft(server, headers, address)
    page.goto(f"/scans/{scan_id}?room=0")
    page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
    return headers, scan_id


def test_an_upload_started_offline_keeps_no_token_survives_a_reload_and_is_sent_when_the_connection_returns(
    browser: Any, null_server: Server
) -> None:
    email = unique_email("offline-upload")
    context, page, console = new_page(browser, null_server, mobile=True)
    console.allow("ERR_INTERNET_DISCONNECTED")
    console.allow("socket.io")
    try:
        headers, scan_id = _capture_new_draft(page, null_server, email, "8 Tunnel Lane")
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        page.reload()  # with the service worker in control, so the scan is readable offline after a reload
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
        _stage(page, (7,))
        context.set_offline(True)
        page.get_by_test_id("upload-button").click()
        page.get_by_test_id("thumb-offline").wait_for()
        page.get_by_text("Waiting for a connection").first.wait_for()
        page.get_by_text("while HouseScan is open").first.wait_for()  # the app sends it, not the worker

        # Kept on the phone, and nothing a page script can read in IndexedDB is (or looks like) a token.
        until(page, OUTBOX_HOLDS, 1)
        stored = page.evaluate(EVERY_INDEXEDDB_RECORD)
        assert [json.loads(r)["name"] for r in stored["housescan-outbox/uploads"]] == ["staged-7.jpg"], stored
        for where, records in stored.items():
            for record in records:
                assert not JWT_LIKE.search(record), (where, record)
                assert "token" not in json.loads(record), (where, record)
        shot(page, "phone-05-waiting-for-connection")

        # A reload while offline: the page's queue is gone, the photo waits in the outbox.
        page.reload()
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
        assert len(page.evaluate(EVERY_INDEXEDDB_RECORD)["housescan-outbox/uploads"]) == 1

        # Online again: the open app refreshes its token through the cookie and sends it.
        context.set_offline(False)
        page.get_by_test_id("thumb-uploaded").first.wait_for()
        until(page, OUTBOX_HOLDS, 0)
        with null_server.api() as c:
            scan = c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()
        assert [len(room["images"]) for room in scan["rooms"]] == [1, 0], "sent once"
    except Exception:
        shot(page, f"phone-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_photos_kept_offline_wait_for_an_open_app_and_go_when_one_opens(browser: Any, null_server: Server) -> None:
    """The service worker cannot send a photo (no token is kept with it): with the app closed it waits on the
    phone; the app opened on any page sends it. A photo queued while the page stays open goes by itself."""
    email = unique_email("outbox-closed")
    context, page, console = new_page(browser, null_server, mobile=True)
    console.allow("ERR_INTERNET_DISCONNECTED")
    console.allow("socket.io")
    try:
        headers, scan_id = _capture_new_draft(page, null_server, email, "3 Shut Lid Row")

        # The page open all along: queued offline, sent by the page when the connection returns.
        _stage(page, (11,))
        context.set_offline(True)
        page.get_by_test_id("upload-button").click()
        page.get_by_test_id("thumb-offline").wait_for()
        context.set_offline(False)
        page.get_by_test_id("thumb-uploaded").first.wait_for()

        # Queued offline, then the app closed: it waits in the outbox (without a token) ...
        _stage(page, (12,))
        context.set_offline(True)
        page.get_by_test_id("upload-button").click()
        page.get_by_test_id("thumb-offline").wait_for()
        until(page, OUTBOX_HOLDS, 1)
        for records in page.evaluate(EVERY_INDEXEDDB_RECORD).values():
            assert not any(JWT_LIKE.search(record) for record in records), records
        page.close()
        context.set_offline(False)

        # ... until the app opens again, on any page (here its settings): it sends it then.
        again = context.new_page()
        again.goto("/settings")
        again.get_by_role("heading", level=1, name="Settings").wait_for()
        until(
            again,
            """async ([id, token]) => {
                const r = await fetch(`/api/v1/scans/${id}`, { headers: { Authorization: token } });
                const scan = await r.json();
                return scan.rooms.map((room) => room.images.length).join() === "2,0";
            }""",
            [scan_id, headers["Authorization"]],
        )
        until(again, OUTBOX_HOLDS, 0)
        assert console.unexpected() == [], console.unexpected()
    except Exception:
        shot(context.pages[-1] if context.pages else page, f"phone-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_a_photo_the_server_could_not_take_is_kept_past_closing_the_app_and_a_dismissed_one_is_never_sent(
    browser: Any, null_server: Server
) -> None:
    """A photo store that is down (503) fails the upload with Retry; the photo stays in the outbox, so closing
    the app does not lose it: the next opening sends it. A photo the person dismissed leaves the outbox."""
    email = unique_email("kept-failed")
    context, page, console = new_page(browser, null_server, mobile=True)
    console.allow("503")
    images_post = re.compile(r"/api/v1/scans/[^/]+/images$")

    def store_down(route: Any) -> None:
        if route.request.method != "POST":
            route.fallback()
            return
        route.fulfill(
            status=503,
            headers={"Retry-After": "5"},
            json={"detail": "The photo store cannot be reached now; nothing of this upload was kept."},
        )

    try:
        headers, scan_id = _capture_new_draft(page, null_server, email, "9 Outage Row")
        context.route(images_post, store_down)  # the context's route: the service worker's requests too
        _stage(page, (21, 22))
        page.get_by_test_id("upload-button").click()
        page.get_by_test_id("thumb-failed").nth(1).wait_for()
        page.get_by_role("button", name="Retry").first.wait_for()
        page.get_by_text("Kept on this phone: if you leave it").nth(1).wait_for()
        until(page, OUTBOX_HOLDS, 2)

        page.get_by_role("button", name="Dismiss staged-22.jpg").click()
        until(page, OUTBOX_HOLDS, 1)
        shot(page, "phone-06-kept-after-failure")
        page.close()
        context.unroute(images_post, store_down)

        again = context.new_page()
        again.goto("/settings")
        again.get_by_role("heading", level=1, name="Settings").wait_for()
        until(again, OUTBOX_HOLDS, 0)
        with null_server.api() as c:
            scan = c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()
        assert [len(room["images"]) for room in scan["rooms"]] == [1, 0], "kept: sent; dismissed: never"
        assert console.unexpected() == [], console.unexpected()
    except Exception:
        shot(context.pages[-1] if context.pages else page, f"phone-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_a_room_and_an_address_of_one_long_word_wrap_on_a_phone(browser: Any, null_server: Server) -> None:
    """A person's long words (a German room name, an address without spaces) wrap: nothing to scroll sideways."""
    email = unique_email("long-words")
    room = "Donaudampfschifffahrtsgesellschaftskapitänswohnzimmer"
    context, page, _console = new_page(browser, null_server, mobile=True)
    try:
        sign_up(page, email)
        headers = api_login(null_server, email)
        with null_server.api() as c:
            body = {"address": "Hauptstraße-" * 8 + "1", "rooms": [{"label": room}, {"label": "Küche"}]}
            scan_id = c.post("/api/v1/scans", json=body, headers=headers).json()["id"]
        page.goto(f"/scans/{scan_id}?room=0")
        page.get_by_role("heading", level=1, name=re.compile(room)).wait_for()
        _stage(page, (31,))
        no_sideways_scroll(page)
        page.goto("/")  # the scans list
        page.get_by_text("Hauptstraße-", exact=False).first.wait_for()
        no_sideways_scroll(page)
    except Exception:
        shot(page, f"phone-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()
