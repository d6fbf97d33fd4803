"""The walk-through while capturing, in a real browser at phone size (issue 21 parts 1 and 2): rooms added,
renamed and removed in the capture flow; after a room's photo, its checklist as one-tap answers by touch and
by keyboard with "N of M checked"; a close-up and a note on an item; an answer on its way when the connection
drops and one given offline, both kept on the phone and stored as the person's once the connection returns;
the house's checklist; a room without photos removed from the finishing step instead of blocking it."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.e2e.conftest import (
    Server,
    api_login,
    new_page,
    no_sideways_scroll,
    photo,
    shot,
    sign_up,
    start_scan,
    unique_email,
    until,
    upload_room,
)

pytestmark = pytest.mark.e2e

STORED = """async ([scanId, token, scope, item, expected]) => {
    const r = await fetch(`/api/v1/scans/${scanId}/report`, { headers: { Authorization: token } });
    if (!r.ok) return false;
    const report = await r.json();
    const list = scope === "house" ? report.house.checklist : report.rooms.find((room) => room.id === scope).checklist;
    const a = list[item];
    return a.source === "person"
        && JSON.stringify(a.value) === JSON.stringify(expected.value)
        && (expected.note === undefined || a.note === expected.note)
        && (expected.photos === undefined || a.photo_ids.length === expected.photos);
}"""


def _wait_stored(page: Any, scan_id: str, headers: dict[str, str], scope: str, item: str, **expected: Any) -> None:
    """Wait until the server holds the person's answer (value, and note or photo count when given). STORED is
    async: `until` asks again after each answer, where wait_for_function would take its promise for true and
    return after the first look, stored or not."""
    until(page, STORED, [scan_id, headers["Authorization"], scope, item, expected], timeout=60_000)


def _rooms(server: Server, headers: dict[str, str], scan_id: str) -> list[dict[str, Any]]:
    with server.api() as c:
        rooms: list[dict[str, Any]] = c.get(f"/api/v1/scans/{scan_id}", headers=headers).json()["rooms"]
    return rooms


def test_walk_through_rooms_and_answers_on_a_phone_even_offline(browser: Any, server: Server) -> None:
    email = unique_email("walker")
    context, page, console = new_page(browser, server, mobile=True)
    console.allow("ERR_INTERNET_DISCONNECTED")
    console.allow("socket.io")
    try:
        sign_up(page, email)
        headers = api_login(server, email)
        scan_id = start_scan(page, "3 Walkthrough Row", ["Kitchen", "Bedroom"])
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()

        # Rooms while capturing: add one, remove it again (confirmed), rename another.
        page.get_by_role("button", name="+ Add a room").click()
        page.get_by_label("Name of the new room (optional)").fill("Box room")
        page.get_by_role("button", name="Add room", exact=True).click()
        page.get_by_role("heading", level=1, name=re.compile("Box room")).wait_for()
        assert [r["label"] for r in _rooms(server, headers, scan_id)] == ["Kitchen", "Bedroom", "Box room"]
        page.get_by_role("button", name="Remove room").click()
        page.get_by_role("button", name="Remove Box room").click()
        page.get_by_role("heading", level=1, name=re.compile("Bedroom")).wait_for()
        assert [r["label"] for r in _rooms(server, headers, scan_id)] == ["Kitchen", "Bedroom"]
        page.get_by_role("button", name="Rename room").click()
        page.wait_for_function("() => document.activeElement?.closest('label')?.textContent === 'Room name'")
        page.get_by_label("Room name").fill("Main bedroom")
        page.get_by_role("button", name="Save name").click()
        page.get_by_role("heading", level=1, name=re.compile("Main bedroom")).wait_for()
        page.wait_for_function("() => document.activeElement?.textContent === 'Rename room'")  # focus comes back
        rooms = _rooms(server, headers, scan_id)
        assert [r["label"] for r in rooms] == ["Kitchen", "Main bedroom"]
        kitchen_id = rooms[0]["id"]

        # A room's photo brings up its checklist: nothing checked yet.
        page.get_by_role("button", name=re.compile("Kitchen")).click()
        page.get_by_role("heading", level=1, name=re.compile("Kitchen")).wait_for()
        upload_room(page, (5,))
        walk = page.get_by_test_id("walkthrough")
        progress = walk.get_by_test_id("walk-progress")
        progress.wait_for()
        found = re.fullmatch(r"0 of (\d+) checked", progress.inner_text())
        assert found, progress.inner_text()
        total = int(found.group(1))
        assert walk.get_by_test_id("walk-item").count() == total
        shot(page, "walkthrough-01-checklist")

        # One tap answers an item.
        walls = walk.locator('[data-item="walls_condition"]')
        walls.get_by_role("button", name="Poor").tap()
        walls.get_by_role("button", name="Poor", pressed=True).wait_for()
        walk.get_by_text(f"1 of {total} checked", exact=True).wait_for()
        _wait_stored(page, scan_id, headers, kitchen_id, "walls_condition", value="Poor")

        # The keyboard answers one too.
        floor = walk.locator('[data-item="floor_condition"]')
        floor.get_by_role("button", name="Good", exact=True).focus()
        page.keyboard.press("Space")
        floor.get_by_role("button", name="Good", exact=True, pressed=True).wait_for()
        walk.get_by_text(f"2 of {total} checked", exact=True).wait_for()
        page.get_by_role("button", name=re.compile(f"Kitchen.*2 of {total} checked")).wait_for()
        _wait_stored(page, scan_id, headers, kitchen_id, "floor_condition", value="Good")

        # A close-up taken there and then, and a note (a plain textarea: the phone's dictation works in it).
        walls.locator("summary").click()
        walls.get_by_label("Add a close-up to Walls condition").set_input_files(
            files=[{"name": "crack.jpg", "mimeType": "image/jpeg", "buffer": photo(61, (800, 600))}]
        )
        walls.get_by_role("img", name="Close-up 1 for Walls condition").wait_for()
        _wait_stored(page, scan_id, headers, kitchen_id, "walls_condition", value="Poor", photos=1)
        note = walls.get_by_label("Note for Walls condition")
        note.fill("Hairline crack under the window")
        note.press("Tab")
        _wait_stored(
            page, scan_id, headers, kitchen_id, "walls_condition", value="Poor", note="Hairline crack under the window"
        )
        no_sideways_scroll(page)
        shot(page, "walkthrough-02-answered")

        # The connection drops mid-save: the windows' answer is on its way (its request held open, never answered
        # nor failed, as on a phone that lost its signal) when the phone goes offline. It is kept on the phone at
        # once, not left "Saving…". The note's answer is settled before (the server stored it and the page has
        # its reply): cut off in flight, it would rightly be kept on the phone too, and counted.
        walls.get_by_test_id("walk-state").wait_for(state="detached")
        windows = walk.locator('[data-item="windows_condition"]')
        windows_put = re.compile(r"/answers/[^/]+/windows_condition$")
        page.route(windows_put, lambda route: None)  # held open
        with page.expect_request(windows_put):
            windows.get_by_role("button", name="Average").tap()
        windows.get_by_test_id("walk-state").filter(has_text="Saving").wait_for()
        context.set_offline(True)
        windows.get_by_test_id("walk-state").filter(has_text="Saved on this phone").wait_for()
        page.unroute(windows_put)

        # Offline: an answer is kept on the phone; both are counted, and stored when the connection returns.
        ceiling = walk.locator('[data-item="ceiling_condition"]')
        ceiling.get_by_role("button", name="Not visible").tap()
        ceiling.get_by_test_id("walk-state").filter(has_text="Saved on this phone").wait_for()
        walk.get_by_text(f"4 of {total} checked", exact=True).wait_for()
        page.get_by_text("2 answers saved on this phone will go to the server").wait_for()
        kept = page.evaluate(
            """() => new Promise((resolve) => {
                const open = indexedDB.open('housescan-answers', 1);
                open.onsuccess = () => {
                    const request = open.result.transaction('answers').objectStore('answers').getAll();
                    request.onsuccess = () => resolve(request.result.map((a) => [a.itemId, a.value]));
                };
            })"""
        )
        assert sorted(kept) == [["ceiling_condition", "not_visible"], ["windows_condition", "Average"]]
        shot(page, "walkthrough-03-offline")
        context.set_offline(False)
        ceiling.get_by_test_id("walk-state").wait_for(state="detached")
        windows.get_by_test_id("walk-state").wait_for(state="detached")
        with server.api() as c:
            report = c.get(f"/api/v1/scans/{scan_id}/report", headers=headers).json()
        [room] = [r for r in report["rooms"] if r["id"] == kitchen_id]
        stored = room["checklist"]["ceiling_condition"]
        assert (stored["value"], stored["source"]) == ("not_visible", "person")
        stored = room["checklist"]["windows_condition"]
        assert (stored["value"], stored["source"]) == ("Average", "person")
        assert room["checked"] == 4 and room["checklist_total"] == total
        assert room["checklist"]["walls_condition"]["photo_ids"] == [room["images"][1]["id"]], "a photo of the room"

        # The house's own checklist, as the step after the rooms.
        page.get_by_role("button", name=re.compile("^House")).click()
        page.get_by_role("heading", level=1, name=re.compile("The house")).wait_for()
        assert page.get_by_role("button", name="Rename room").count() == 0, "the house is not a room"
        light = page.get_by_test_id("walkthrough").locator('[data-item="natural_light"]')
        light.get_by_role("button", name="Good", exact=True).tap()
        page.get_by_role("button", name=re.compile(r"^House.* 1 of \d+ checked")).wait_for()
        _wait_stored(page, scan_id, headers, "house", "natural_light", value="Good")
        assert re.search(r"Whole home: 5 of \d+ checked", page.get_by_test_id("home-progress").inner_text())

        # A room without photos does not block finishing: it is removed from there (confirmed).
        page.get_by_role("button", name="Finish and analyse").click()
        empty = page.get_by_test_id("empty-rooms")
        empty.get_by_text("Main bedroom has no photos").wait_for()
        # The question takes the focus.
        page.wait_for_function("() => document.activeElement?.dataset.testid === 'empty-rooms'")
        shot(page, "walkthrough-04-empty-room")
        empty.get_by_role("button", name="Remove", exact=True).click()
        empty.get_by_role("button", name="Remove Main bedroom").click()
        empty.wait_for(state="detached")
        assert [r["label"] for r in _rooms(server, headers, scan_id)] == ["Kitchen"]
        assert console.unexpected() == [], console.unexpected()
    except Exception:
        shot(page, f"walkthrough-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()
