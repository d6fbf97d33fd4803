"""The operators' analytics page in a real browser: an admin made with the CLI opens it from the menu and sees
the figures of known scans drawn as charts; a person without the role has neither the link nor the page."""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from housescan.auth.models import User
from housescan.costs.models import AgentSpend
from housescan.houses.models import House
from housescan.scans.models import AgentRun, Scan, ScanStatus
from tests.e2e.conftest import (
    PASSWORD,
    WEB_DIST,
    Server,
    _housescan_cli,
    _start_server,
    api_user,
    log_in,
    new_page,
    shot,
    unique_email,
)

pytestmark = pytest.mark.e2e

TIMEOUT = "the model did not answer room_type within 30 s"


@pytest.fixture(scope="module")
def analytics_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own with the scans of `_seed`, so that only they count; no worker touches them."""
    for server in _start_server(tmp_path_factory.mktemp("housescan-e2e-analytics"), {"HOUSESCAN_RUN_WORKER": "false"}):
        owner = unique_email("owner")
        api_user(server, owner)
        _seed(server, owner)
        yield server


def _create_admin(server: Server, email: str) -> None:
    """`housescan user create EMAIL --admin`, as an operator makes the first admin."""
    cli = _housescan_cli()
    assert cli is not None
    env = {**os.environ, "HOUSESCAN_DATA_DIR": str(server.data_dir), "HOUSESCAN_WEB_DIR": str(WEB_DIST)}
    done = subprocess.run(
        [str(cli), "user", "create", email, "--admin", "--password", PASSWORD],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "created admin" in done.stdout


def _seed(server: Server, owner_email: str) -> None:
    """Four scans of the owner's, as the worker leaves them: three succeeded in 10, 20 and 30 s (their
    room_type runs took 2, 3 and 4 s), one failed on a timeout; and $0.5 of model calls today."""
    database: Path = server.data_dir / "housescan.db"
    engine = create_engine(f"sqlite:///{database}")
    now = datetime.now(UTC) - timedelta(minutes=30)
    try:
        with Session(engine) as session:
            owner = session.query(User).filter(User.email == owner_email).one()
            for index, (status, seconds, agent_seconds) in enumerate(
                [
                    (ScanStatus.succeeded, 10, 2),
                    (ScanStatus.succeeded, 20, 3),
                    (ScanStatus.succeeded, 30, 4),
                    (ScanStatus.failed, 31, None),
                ]
            ):
                created = now + timedelta(minutes=index)
                house = House(id=uuid.uuid4(), user_id=owner.id, address=f"{index} Chart Close", created_at=created)
                started = created + timedelta(seconds=5)
                scan = Scan(
                    id=uuid.uuid4(),
                    house_id=house.id,
                    user_id=owner.id,
                    status=status,
                    created_at=created,
                    started_at=started,
                    finished_at=started + timedelta(seconds=seconds),
                    attempts=1,
                    error=TIMEOUT if status is ScanStatus.failed else None,
                )
                session.add_all([house, scan])
                if agent_seconds is not None:
                    session.add(
                        AgentRun(
                            id=uuid.uuid4(),
                            scan_id=scan.id,
                            agent_name="room_type",
                            model="test-model",
                            started_at=started,
                            finished_at=started + timedelta(seconds=agent_seconds),
                            created_at=created,
                        )
                    )
                session.flush()
            session.add(
                AgentSpend(
                    user_id=owner.id,
                    scan_id=uuid.uuid4(),
                    model="gpt-test",
                    requests=2,
                    tokens_in=2000,
                    tokens_out=200,
                    cost_usd=0.5,
                    started_at=now,
                )
            )
            session.commit()
    finally:
        engine.dispose()


def test_an_admin_sees_the_analytics_drawn_as_charts(browser, analytics_server: Server) -> None:
    server = analytics_server
    admin = unique_email("admin")
    _create_admin(server, admin)

    context, page, console = new_page(browser, server)
    try:
        log_in(page, admin)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
        page.get_by_role("heading", level=1, name="Operations").wait_for()
        page.wait_for_url(re.compile(r"/admin$"))

        # The figures: 3 of 4 ended scans succeeded; scans took 10, 20 and 30 s; $0.5 was spent.
        assert page.get_by_test_id("success-rate").inner_text() == "75%"
        assert page.get_by_test_id("scan-count").inner_text() == "4"
        assert page.get_by_test_id("processing-p50").inner_text() == "20 s"
        assert page.get_by_test_id("total-spend").inner_text() == "$0.5"

        # Every chart is drawn as SVG by the chart library, with the seeded figures in it.
        for chart in ("daily", "outcomes", "agents", "failures", "spend"):
            page.get_by_test_id(f"chart-{chart}").locator("svg.recharts-surface").first.wait_for()
        outcomes = page.get_by_test_id("chart-outcomes")
        assert outcomes.locator(".recharts-pie-sector").count() == 2  # succeeded and failed
        assert sorted(outcomes.locator(".recharts-label-list text, .recharts-pie-labels text").all_text_contents()) == [
            "1",
            "3",
        ]
        assert outcomes.locator(".recharts-legend-item-text").all_text_contents() == ["Succeeded", "Failed"]
        daily = page.get_by_test_id("chart-daily")
        assert daily.locator(".recharts-bar-rectangle path, .recharts-bar-rectangle rect").count() >= 2
        agents = page.get_by_test_id("chart-agents")
        assert agents.locator(
            ".recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value"
        ).all_text_contents() == ["Room type"]
        assert set(agents.locator(".recharts-label-list text").all_text_contents()) == {"3 s", "3.9 s"}
        failures = page.get_by_test_id("chart-failures")
        assert failures.locator(".recharts-label-list text").all_text_contents() == ["1"]
        assert "the model did not answer room_type within N s" in failures.inner_text()
        assert TIMEOUT in page.get_by_test_id("failure-reasons").inner_text()
        assert page.get_by_test_id("chart-spend").locator(".recharts-bar-rectangle").count() == 1  # today's
        shot(page, "admin-analytics")

        # Another period asks the server again.
        with page.expect_response(lambda r: "/api/v1/admin/analytics?days=7" in r.url) as answer:
            page.get_by_role("button", name="7 days").click()
        assert answer.value.status == 200
        assert page.get_by_role("button", name="7 days").get_attribute("aria-pressed") == "true"
        # The 30 days' figures stay on screen until the answer is read (keepPreviousData): the 7 days' first.
        page.get_by_test_id("period").filter(has_text="(7 days, UTC)").wait_for()
        assert page.get_by_test_id("success-rate").inner_text() == "75%"
        assert console.unexpected() == []
    finally:
        context.close()


def test_the_analytics_are_not_for_other_people(browser, analytics_server: Server) -> None:
    context, page, console = new_page(browser, analytics_server)
    try:
        person = unique_email("person")
        api_user(analytics_server, person)
        log_in(page, person)
        nav = page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name="Settings").wait_for()
        assert nav.get_by_role("link", name="Admin").count() == 0
        page.goto("/admin")
        page.get_by_test_id("not-found").wait_for()
        assert page.get_by_test_id("admin-page").count() == 0
        assert console.unexpected() == []
    finally:
        context.close()


def test_the_analytics_fit_a_phone(browser, analytics_server: Server) -> None:
    admin = unique_email("admin")
    _create_admin(analytics_server, admin)
    context, page, console = new_page(browser, analytics_server, mobile=True)
    try:
        log_in(page, admin)
        page.goto("/admin")
        page.get_by_role("heading", level=1, name="Operations").wait_for()
        charts = page.locator("[data-testid^=chart-] svg.recharts-surface")
        charts.first.wait_for()
        page.get_by_test_id("chart-spend").locator("svg.recharts-surface").wait_for()
        assert charts.count() >= 3
        width = page.viewport_size["width"]
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing scrolls sideways
        shot(page, "admin-analytics-phone")
        assert console.unexpected() == []
    finally:
        context.close()
