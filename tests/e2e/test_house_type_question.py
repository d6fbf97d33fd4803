"""House type without an exterior (issue 25 part 5), in a real browser at phone size by touch: rooms named in
Dutch with none showing the outside, the house step asks what kind of home it is; Skip saves nothing; one tap
saves the person's answer, shown as theirs with Change, offline too (kept on the phone, stored once the
connection returns); a room renamed "Jardin" shows the outside and the question goes; the answer is the
person's in the report after the analysis."""

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
    shot,
    sign_up,
    start_scan,
    unique_email,
    until,
    upload_room,
)

pytestmark = pytest.mark.e2e

# Whether the server holds the house type as given by the person (async: waited for with `until`).
STORED = """async ([scanId, token, expected]) => {
    const r = await fetch(`/api/v1/scans/${scanId}/report`, { headers: { Authorization: token } });
    if (!r.ok) return false;
    const houseType = (await r.json()).house.house_type;
    return houseType.source === "person" && houseType.value === expected;
}"""


def _house_type(server: Server, headers: dict[str, str], scan_id: str) -> dict[str, Any]:
    with server.api() as c:
        answer: dict[str, Any] = c.get(f"/api/v1/scans/{scan_id}/report", headers=headers).json()["house"]["house_type"]
    return answer


def test_the_house_step_asks_the_house_type_when_no_room_shows_the_outside(browser: Any, server: Server) -> None:
    email = unique_email("housetype")
    context, page, console = new_page(browser, server, mobile=True)
    console.allow("ERR_INTERNET_DISCONNECTED")
    console.allow("socket.io")
    try:
        sign_up(page, email)
        headers = api_login(server, email)
        scan_id = start_scan(page, "4 Canal Row", ["Keuken", "Slaapkamer"])
        page.get_by_role("heading", level=1, name=re.compile("Keuken")).wait_for()
        upload_room(page, (7,))

        page.get_by_role("button", name=re.compile("^House")).tap()
        page.get_by_role("heading", level=1, name=re.compile("The house")).wait_for()
        question = page.get_by_test_id("house-type-question")
        question.get_by_role("heading", name="What kind of home is this?").wait_for()
        no_sideways_scroll(page)
        shot(page, "house-type-01-asked")

        # Skip saves nothing: the house type stays not determined, and the question can be reopened.
        question.get_by_role("button", name="Skip").tap()
        question.get_by_text("stays “not assessed”").wait_for()
        assert _house_type(server, headers, scan_id)["value"] is None
        question.get_by_role("button", name="Answer now").tap()

        # One tap: the person's answer, on the server, shown as theirs instead of the question.
        question.get_by_role("button", name="Townhouse").tap()
        question.get_by_test_id("house-type-answer").filter(has_text="Townhouse").wait_for()
        assert question.get_by_role("heading", name="What kind of home is this?").count() == 0
        until(page, STORED, [scan_id, headers["Authorization"], "townhouse"], timeout=60_000)

        # Changed offline: kept on the phone and shown as given, stored when the connection returns.
        context.set_offline(True)
        question.get_by_role("button", name="Change the house type").tap()
        question.get_by_role("button", name="Townhouse", pressed=True).wait_for()
        question.get_by_role("button", name="Apartment").tap()
        question.get_by_test_id("house-type-waiting").wait_for()
        question.get_by_test_id("house-type-answer").filter(has_text="Apartment").wait_for()
        page.get_by_text("1 answer saved on this phone will go to the server").wait_for()
        shot(page, "house-type-02-offline")
        context.set_offline(False)
        question.get_by_test_id("house-type-waiting").wait_for(state="detached")
        until(page, STORED, [scan_id, headers["Authorization"], "apartment"], timeout=60_000)
        assert "house_type" not in page.get_by_test_id("walkthrough").inner_html(), "not an item of the checklist"

        # A room renamed for the outside (in French): the photos will show it, the question goes.
        page.get_by_role("button", name=re.compile("Slaapkamer")).tap()
        page.get_by_role("heading", level=1, name=re.compile("Slaapkamer")).wait_for()
        page.get_by_role("button", name="Rename room").tap()
        page.get_by_label("Room name").fill("Jardin")
        page.get_by_role("button", name="Save name").tap()
        page.get_by_role("heading", level=1, name=re.compile("Jardin")).wait_for()
        upload_room(page, (8,))
        page.get_by_role("button", name=re.compile("^House")).tap()
        page.get_by_role("heading", level=1, name=re.compile("The house")).wait_for()
        page.get_by_test_id("walkthrough").wait_for()
        page.wait_for_function("() => !document.querySelector('[data-testid=house-type-question]')")
        shot(page, "house-type-03-outside-named")

        # The analysis keeps the person's answer; the report shows it as theirs and can change it.
        page.get_by_role("button", name="Finish and analyse").tap()
        page.get_by_test_id("house-type").wait_for(timeout=120_000)
        house_type = page.get_by_test_id("house-type")
        house_type.get_by_text("You", exact=True).wait_for()
        assert "Apartment" in house_type.inner_text()
        assert house_type.get_by_label("Set the house type").input_value() == "apartment"
        stored = _house_type(server, headers, scan_id)
        assert (stored["value"], stored["source"]) == ("apartment", "person")
        shot(page, "house-type-04-report")
        assert console.unexpected() == [], console.unexpected()
    except Exception:
        shot(page, f"house-type-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()
