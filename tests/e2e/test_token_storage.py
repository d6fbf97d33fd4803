"""Tokens out of page scripts' reach (issue 24 part 4), in a real browser: after sign-in nothing a script of
the page can read (localStorage, document.cookie) holds a token; the refresh token is an HttpOnly,
SameSite=Strict cookie for the refresh and logout routes only; a reload and a second tab are signed in
through it; two tabs opening at once do not trip the server's reuse detection; signing out in one tab signs
the other out."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.e2e.conftest import Server, new_page, shot, sign_up, unique_email

pytestmark = pytest.mark.e2e

COOKIE = "housescan_refresh"
READABLE = """() => ({
    storage: Object.fromEntries(Object.keys(localStorage).map((key) => [key, localStorage.getItem(key)])),
    sessionStorage: Object.fromEntries(Object.keys(sessionStorage).map((key) => [key, sessionStorage.getItem(key)])),
    cookie: document.cookie,
})"""


def _no_token_readable(page: Any, cookies: list[dict[str, Any]]) -> None:
    readable = page.evaluate(READABLE)
    assert readable["cookie"] == "", readable["cookie"]
    text = json.dumps(readable)
    assert "eyJ" not in text, text  # no JWT (every one starts with the encoded '{"')
    for cookie in cookies:
        assert cookie["value"] not in text


def _signed_in(page: Any) -> None:
    page.get_by_role("heading", name="Your scans").wait_for()
    page.get_by_role("button", name="Log out").wait_for()


def test_tokens_stay_out_of_page_scripts_and_tabs_share_one_session(browser: Any, server: Server) -> None:
    context, page, console = new_page(browser, server)
    second = None
    try:
        sign_up(page, unique_email("tokens"))
        refresh_cookies = [c for c in context.cookies() if c["name"] == COOKIE]
        assert sorted(c["path"] for c in refresh_cookies) == ["/api/v1/auth/logout", "/api/v1/auth/refresh"]
        for cookie in refresh_cookies:
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
            assert not cookie["secure"]  # plain http here; over https (or a balancer's) it is Secure
        _no_token_readable(page, refresh_cookies)

        # A reload holds no token: it is signed in again through the cookie.
        page.reload()
        _signed_in(page)
        _no_token_readable(page, [c for c in context.cookies() if c["name"] == COOKIE])

        # A second tab of the same browser is signed in too.
        second = context.new_page()
        second.on("console", lambda m: console.errors.append(m.text) if m.type == "error" else None)
        second.goto("/")
        _signed_in(second)
        _no_token_readable(second, [c for c in context.cookies() if c["name"] == COOKIE])

        # Both tabs open at once: their refreshes take turns (Web Lock), each with the cookie the other left.
        # Without the lock one of them would present a spent cookie and the server would sign both out.
        page.evaluate("() => { location.reload(); }")
        second.evaluate("() => { location.reload(); }")
        _signed_in(page)
        _signed_in(second)
        page.reload()
        _signed_in(page)
        shot(page, "tokens-signed-in")

        # Signing out in one tab signs the other out; the cookie is gone and the session ended.
        last = next(c["value"] for c in context.cookies() if c["name"] == COOKIE)
        with page.expect_response(lambda r: r.url.endswith("/api/v1/auth/logout")) as logout:
            page.get_by_role("button", name="Log out").click()
        assert logout.value.status == 204
        page.get_by_role("heading", name="Log in").wait_for()
        second.get_by_role("heading", name="Log in").wait_for()
        assert [c for c in context.cookies() if c["name"] == COOKIE] == []
        with server.api() as api:
            ended = api.post(
                "/api/v1/auth/refresh", headers={"Cookie": f"{COOKIE}={last}", "X-HouseScan-Client": "web"}
            )
        assert ended.status_code == 401, ended.text
        second.reload()
        second.get_by_role("heading", name="Log in").wait_for()
        _no_token_readable(second, [])
        assert console.unexpected() == [], console.unexpected()
    except Exception:
        shot(page, f"tokens-failure-{time.strftime('%H%M%S')}")
        raise
    finally:
        context.close()
