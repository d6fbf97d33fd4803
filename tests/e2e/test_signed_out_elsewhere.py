"""Browser test: a password changed elsewhere signs out the tabs left open on other devices, through their live
connection (the server disconnects the sockets of the sign-ins it ended), without a click or a reload."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, Server, api_scan, api_user, log_in, new_page, shot, unique_email

pytestmark = pytest.mark.e2e


def test_a_password_changed_elsewhere_signs_out_the_open_tabs(browser: Any, failing_server: Server) -> None:
    email = unique_email("devices")
    scan_id = api_scan(failing_server, api_user(failing_server, email), rooms=1)  # fails here: its page stays open
    devices = [new_page(browser, failing_server, mobile=True), new_page(browser, failing_server)]
    try:
        for _, page, console in devices:
            console.allow("status of 401")  # the refused refresh that signs the tab out
            log_in(page, email)
            page.goto(f"/scans/{scan_id}")
            page.get_by_text("Live updates").wait_for()

        with failing_server.api() as c:
            tokens = c.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}).json()
            changed = c.post(
                "/api/v1/me/password",
                json={"current_password": PASSWORD, "new_password": "another long password"},
                headers={"Authorization": f"Bearer {tokens['access_token']}"},
            )
            assert changed.status_code == 200, changed.text

        for _, page, console in devices:
            page.get_by_role("button", name="Log in").wait_for()
            assert page.url.split("?")[0].endswith("/login"), page.url
            assert console.unexpected() == []
    except Exception:
        for n, (_, page, _) in enumerate(devices):
            shot(page, f"signed-out-elsewhere-failure-{n}")
        raise
    finally:
        for context, _, _ in devices:
            context.close()
