"""Accessibility in a real browser: axe-core (web/node_modules/axe-core, pinned in web/package-lock.json) run on
the main pages in the states a person sees them (signed out, signed in, capturing with a photo and the
walk-through open, a finished report with its findings and repair list, compare, settings, and the pages a reader
opens from a link) finds no WCAG 2 A/AA violation of impact serious or critical; and the capture walk-through and
a finding are done with the keyboard only (Tab, Enter, Space), focus going somewhere sensible when a dialog or
form closes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.conftest import (
    ROOT,
    Server,
    api_scan,
    api_user,
    log_in,
    new_page,
    shot,
    start_scan,
    unique_email,
    upload_room,
)
from tests.e2e.test_decision import _findings_to_list
from tests.e2e.test_documented_findings import null_server  # noqa: F401  (the fixture)
from tests.e2e.test_review_browser import _finished_scan

pytestmark = pytest.mark.e2e

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
#: The rules of WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")

RUN_AXE = """async (tags) => {
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
    }));
}"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """The serious and critical WCAG 2 A/AA violations axe-core finds on the page as it is now."""
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE, WCAG_TAGS)
    return [v for v in found if v["impact"] in BLOCKING]


def readable(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
            for node in v["nodes"][:8]:
                summary = " ".join((node["summary"] or "").split())
                lines.append(f"    {node['target']}  {summary[:300]}")
            if len(v["nodes"]) > 8:
                lines.append(f"    … and {len(v['nodes']) - 8} more")
    return "\n".join(lines)


@dataclass
class Homes:
    email: str
    report_scan: str
    other_scan: str
    shared_report: str
    shared_repair_list: str


@pytest.fixture(scope="module")
def homes(null_server: Server) -> Homes:  # noqa: F811
    """A person with two finished scans; the first with findings, a repair list shared by link and a share link."""
    email = unique_email("a11y")
    headers = api_user(null_server, email)
    scan_id = _finished_scan(null_server, headers)
    _findings_to_list(null_server, headers, scan_id)
    other = api_scan(null_server, headers, rooms=2, address="22 Birch Avenue")
    with null_server.api() as c:
        report = c.get(f"/api/v1/scans/{scan_id}/report", headers=headers).json()
        items = [{"finding_id": f["id"], "ask": "repair"} for f in report["findings"]]
        made = c.post(
            f"/api/v1/scans/{scan_id}/repair-lists",
            json={"items": items, "note": "Before we exchange."},
            headers=headers,
        )
        assert made.status_code == 201, made.text
        shared = c.post(f"/api/v1/scans/{scan_id}/shares", json={}, headers=headers)
        assert shared.status_code == 201, shared.text
    return Homes(
        email=email,
        report_scan=scan_id,
        other_scan=other,
        shared_report=shared.json()["url"],
        shared_repair_list=made.json()["share"]["page_url"],
    )


@pytest.fixture
def page(browser: Any, null_server: Server) -> Iterator[Any]:  # noqa: F811
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `make web` (npm ci in web/)")
    context, page, _console = new_page(browser, null_server, mobile=True)
    # axe-core on every page from its start: as a <script> tag (page.add_script_tag) the app's
    # Content-Security-Policy (script-src 'self', no inline code) refuses it, and the check runs with it on.
    page.add_init_script(path=str(AXE))
    try:
        yield page
    except Exception:
        shot(page, f"a11y-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()


def test_main_pages_have_no_serious_accessibility_violations(page: Any, homes: Homes) -> None:
    found: dict[str, list[dict[str, Any]]] = {}

    def check(where: str) -> None:
        found[where] = axe_violations(page)

    # Signed out, and what a reader opens from a link.
    page.goto("/login")
    page.get_by_role("heading", name="Log in").wait_for()
    check("login")
    page.goto("/register")
    page.get_by_role("heading", name="Create an account").wait_for()
    check("register")
    page.goto(homes.shared_report)
    page.locator(".shared-report .photo-strip img").first.wait_for()
    check("shared report")
    page.goto(homes.shared_repair_list)
    page.get_by_test_id("shared-repair-list").wait_for()
    check("shared repair list")

    # Signed in.
    log_in(page, homes.email)
    page.get_by_role("checkbox", name=re.compile(r"^Compare 22 Birch Avenue")).wait_for()
    check("scans list")
    page.goto(f"/compare?scan_ids={homes.report_scan},{homes.other_scan}")
    page.get_by_test_id("compare-home").nth(1).wait_for()
    check("compare")
    page.goto(f"/scans/{homes.report_scan}")
    page.get_by_test_id("findings").wait_for()
    page.get_by_test_id("repair-list").wait_for()
    check("report with a repair list")
    page.get_by_role("button", name="Share").click()
    page.get_by_role("dialog", name="Share this report").get_by_role("button", name="Create link").wait_for()
    check("report, share dialog open")
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Open photo 1 of Damp under the window").click()
    page.get_by_role("dialog", name=re.compile("Damp under the window, photo 1")).wait_for()
    check("report, a photo full screen")
    page.keyboard.press("Escape")
    focus_on(page, "Open photo 1 of Damp under the window")  # back on the photo that was opened
    page.get_by_role("button", name="Edit Damp under the window").click()
    page.get_by_role("form", name="Edit finding: Damp under the window").wait_for()
    check("report, a finding being edited")
    page.goto("/settings")
    page.get_by_role("heading", name="Settings").wait_for()
    page.get_by_role("combobox", name="Currency").wait_for()
    check("settings")

    page.get_by_role("link", name="New scan").first.click()
    page.get_by_role("heading", name="Start a scan").wait_for()
    check("new scan")
    start_scan(page, "5 Access Road", ["Kitchen"])
    upload_room(page, (7,))
    walk = page.get_by_test_id("walkthrough")
    walk.get_by_test_id("walk-progress").wait_for()
    walk.locator('[data-item="walls_condition"] summary').click()
    walk.get_by_label("Note for Walls condition").wait_for()
    check("capture with a photo and the walk-through open")

    found = {where: violations for where, violations in found.items() if violations}
    if found:
        pytest.fail("axe-core found serious or critical WCAG 2 A/AA violations:\n" + readable(found), pytrace=False)


TAB_TO = """([selector, text]) => {
    const el = document.activeElement;
    return !!el && el.matches(selector) && (text === null || el.textContent.trim() === text);
}"""


#: The focused element shows an outline or a focus ring, or (a file input hidden in its button) its label does.
SHOWN = """() => [document.activeElement, document.activeElement.closest('label')].some((el) => {
    if (!el) return false;
    const s = getComputedStyle(el);
    return (s.outlineStyle !== 'none' && s.outlineWidth !== '0px') || s.boxShadow !== 'none';
})"""


def tab_to(page: Any, selector: str, text: str | None = None, *, limit: int = 40, back: bool = False) -> None:
    """Press Tab (Shift+Tab when `back`) until the focus is on `selector` (with that text): it is reached by the
    keyboard alone."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        if page.evaluate(TAB_TO, [selector, text]):
            # And it shows: an outline or a focus ring.
            shown = page.evaluate(SHOWN)
            assert shown, f"the focus on {selector} {text or ''} is not visible"
            return
    raise AssertionError(f"{limit} presses of Tab did not reach {selector} {text or ''}")


def focus_on(page: Any, name: str) -> None:
    """Wait until the focus is on the control named `name` (its aria-label, else its text): it moves in an effect."""
    page.wait_for_function(
        "(name) => { const e = document.activeElement;"
        " return !!e && (e.getAttribute('aria-label') || e.textContent.trim()) === name; }",
        arg=name,
    )


IN_DIALOG = "() => document.activeElement?.closest('[role=dialog]') != null"


def test_the_walk_through_and_a_finding_by_keyboard_alone(page: Any, homes: Homes) -> None:
    log_in(page, homes.email)
    # A two-step Delete, cancelled: the focus goes to the question, then back to Delete.
    delete = page.get_by_role("button", name=re.compile(r"^Delete ")).first  # "Delete <address>, <date>"
    delete_name = delete.get_attribute("aria-label") or ""
    delete.focus()
    page.keyboard.press("Enter")
    focus_on(page, "Delete scan")
    tab_to(page, "button", "Cancel")
    page.keyboard.press("Enter")
    focus_on(page, delete_name)

    start_scan(page, "7 Keyboard Lane", ["Hall"])
    upload_room(page, (9,))
    walk = page.get_by_test_id("walkthrough")
    total = int(walk.get_by_test_id("walk-progress").inner_text().split(" of ")[1].split()[0])

    # An answer with Enter, its note through the item's "Note or close-up", the next item's answer with Space.
    walk.get_by_role("heading", name="Checklist: Hall").focus()
    tab_to(page, '[data-item="walls_condition"] button[aria-pressed]', "Poor")
    page.keyboard.press("Enter")
    walk.locator('[data-item="walls_condition"]').get_by_role("button", name="Poor", pressed=True).wait_for()
    tab_to(page, '[data-item="walls_condition"] summary')
    page.keyboard.press("Enter")
    tab_to(page, '[data-item="walls_condition"] textarea')
    page.keyboard.type("Crack by the door")
    tab_to(page, 'input[type=file][aria-label="Add a close-up to Walls condition"]')  # the camera from here
    tab_to(page, '[data-item="floor_condition"] button[aria-pressed]', "Good")
    page.keyboard.press("Space")
    walk.locator('[data-item="floor_condition"]').get_by_role(
        "button", name="Good", exact=True, pressed=True
    ).wait_for()
    walk.get_by_text(f"2 of {total} checked", exact=True).wait_for()
    walk.locator('[data-item="walls_condition"]').get_by_text("Note or close-up (note)").wait_for()

    # A finding on the report, added and closed by keyboard: the focus comes back to its Edit button.
    page.goto(f"/scans/{homes.report_scan}")
    page.get_by_test_id("findings").wait_for()
    page.get_by_role("button", name="Add a finding").focus()
    page.keyboard.press("Enter")
    form = page.get_by_role("form", name="New finding")
    page.wait_for_function("() => document.activeElement?.name === 'finding-title'")
    page.keyboard.type("Sticking front door")
    tab_to(page, "select[name=finding-severity]")
    page.keyboard.press("ArrowDown")  # the next severity, without opening the list
    tab_to(page, "button[type=submit]", "Save finding")
    page.keyboard.press("Enter")
    editing = page.get_by_role("form", name="Edit finding: Sticking front door")
    editing.wait_for()
    form.wait_for(state="detached")
    tab_to(page, "button", "Done")
    page.keyboard.press("Enter")
    editing.wait_for(state="detached")
    focus_on(page, "Edit Sticking front door")

    # Marking the spot on a finding's photo: the focus goes to the photo, and back to its button on Cancel.
    page.get_by_role("button", name="Edit Damp under the window").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement?.name === 'finding-title'")
    tab_to(page, "button", "Mark the spot")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement?.dataset.testid === 'mark-surface'")
    tab_to(page, "button", "Cancel")
    page.keyboard.press("Enter")
    focus_on(page, "Mark the spot on photo 1")
    tab_to(page, "button", "Done", back=True)
    page.keyboard.press("Enter")
    focus_on(page, "Edit Damp under the window")

    # The share dialog takes the focus, keeps Tab inside, and gives it back to Share when it closes.
    page.get_by_role("button", name="Share").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Share this report")
    page.wait_for_function(IN_DIALOG)
    for _ in range(8):
        page.keyboard.press("Tab")
        assert page.evaluate(IN_DIALOG), "Tab left the dialog"
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached")
    focus_on(page, "Share")
