"""The web app's refresh token in an HttpOnly cookie (issue 24 part 4), on a live server (SQLite and
PostgreSQL). Cookies are read from the Set-Cookie headers and sent by hand, so each attribute is checked as
the server wrote it and no client cookie jar decides what is sent."""

from __future__ import annotations

from dataclasses import dataclass
from http.cookies import SimpleCookie

import httpx

from tests.conftest import LiveServer
from tests.helpers import auth

WEB = {"X-HouseScan-Client": "web"}
COOKIE = "housescan_refresh"
PASSWORD = "correct horse battery"


@dataclass
class SetCookie:
    value: str
    path: str
    httponly: bool
    secure: bool
    samesite: str
    max_age: str


def set_cookies(response: httpx.Response) -> list[SetCookie]:
    found = []
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        morsel = parsed[COOKIE]
        found.append(
            SetCookie(
                value=morsel.value,
                path=morsel["path"],
                httponly=bool(morsel["httponly"]),
                secure=bool(morsel["secure"]),
                samesite=morsel["samesite"],
                max_age=str(morsel["max-age"]),
            )
        )
    return found


async def web_login(client: httpx.AsyncClient, email: str, headers: dict[str, str] | None = None) -> httpx.Response:
    created = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    response = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": PASSWORD}, headers={**WEB, **(headers or {})}
    )
    assert response.status_code == 200, response.text
    client.cookies.clear()
    return response


def the_cookie(response: httpx.Response) -> str:
    cookies = set_cookies(response)
    assert len({c.value for c in cookies}) == 1, cookies
    return cookies[0].value


async def cookie_refresh(client: httpx.AsyncClient, cookie: str, **headers: str) -> httpx.Response:
    response = await client.post("/api/v1/auth/refresh", headers={"Cookie": f"{COOKIE}={cookie}", **WEB, **headers})
    client.cookies.clear()
    return response


async def test_web_sign_in_sets_an_httponly_strict_cookie_for_refresh_and_logout_only(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        response = await web_login(client, "cookie@example.com")
        body = response.json()
        assert "refresh_token" not in body, body
        assert body["access_token"] and body["token_type"] == "bearer"
        cookies = set_cookies(response)
        assert sorted(c.path for c in cookies) == ["/api/v1/auth/logout", "/api/v1/auth/refresh"]
        for cookie in cookies:
            assert cookie.httponly and cookie.samesite == "strict" and not cookie.secure, cookie
            assert int(cookie.max_age) == live_server.runtime.settings.refresh_token_days * 86_400
        assert body["access_token"] not in response.headers.get_list("set-cookie")[0]

        # Over HTTPS as a trusted balancer reports it (X-Forwarded-Proto from 127.0.0.1): Secure too.
        created = await client.post("/api/v1/auth/register", json={"email": "tls@example.com", "password": PASSWORD})
        assert created.status_code == 201
        over_https = await client.post(
            "/api/v1/auth/login",
            json={"email": "tls@example.com", "password": PASSWORD},
            headers={**WEB, "X-Forwarded-Proto": "https"},
        )
        assert over_https.status_code == 200, over_https.text
        assert [c.secure for c in set_cookies(over_https)] == [True, True]
        assert all(c.httponly and c.samesite == "strict" for c in set_cookies(over_https))


async def test_refresh_by_cookie_rotates_and_a_reused_cookie_revokes_the_family(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        first = the_cookie(await web_login(client, "rotate@example.com"))
        second = await cookie_refresh(client, first)
        assert second.status_code == 200, second.text
        assert "refresh_token" not in second.json()
        assert (await client.get("/api/v1/auth/me", headers=auth(second.json()["access_token"]))).status_code == 200
        next_cookie = the_cookie(second)
        assert next_cookie != first
        assert {c.path for c in set_cookies(second)} == {"/api/v1/auth/refresh", "/api/v1/auth/logout"}

        third = await cookie_refresh(client, next_cookie)
        assert third.status_code == 200
        latest = the_cookie(third)
        # The first cookie again: theft, its whole family ends, the latest cookie with it.
        reused = await cookie_refresh(client, first)
        assert reused.status_code == 401 and "already used" in reused.json()["detail"]
        assert (await cookie_refresh(client, latest)).status_code == 401


async def test_a_cookie_refresh_without_the_client_header_or_from_another_site_is_refused(
    live_server: LiveServer,
) -> None:
    async with live_server.client() as client:
        cookie = the_cookie(await web_login(client, "csrf@example.com"))
        # What a cross-site form post would send: the cookie, no custom header.
        bare = await client.post("/api/v1/auth/refresh", headers={"Cookie": f"{COOKIE}={cookie}"})
        assert bare.status_code == 403
        assert "X-HouseScan-Client" in bare.json()["detail"]
        assert bare.headers.get_list("set-cookie") == []
        foreign = await cookie_refresh(client, cookie, Origin="https://evil.example")
        assert foreign.status_code == 403
        assert "https://evil.example" in foreign.json()["detail"]
        assert (await cookie_refresh(client, cookie, Origin="null")).status_code == 403  # a sandboxed frame
        # A sign-in asking for the cookie from another site is refused before the password is looked at.
        elsewhere = await client.post(
            "/api/v1/auth/login",
            json={"email": "csrf@example.com", "password": PASSWORD},
            headers={**WEB, "Origin": "https://evil.example"},
        )
        assert elsewhere.status_code == 403 and elsewhere.headers.get_list("set-cookie") == []
        out = await client.post("/api/v1/auth/logout", headers={"Cookie": f"{COOKIE}={cookie}"})
        assert out.status_code == 403
        # None of these spent the token: the real page, from this site, still refreshes with it.
        own = await cookie_refresh(client, cookie, Origin=live_server.url)
        assert own.status_code == 200, own.text
        # No token anywhere: 401 naming both places.
        nothing = await client.post("/api/v1/auth/refresh", headers=WEB)
        assert nothing.status_code == 401 and "cookie" in nothing.json()["detail"]


async def test_logout_by_cookie_clears_it_and_revokes_the_session(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        cookie = the_cookie(await web_login(client, "bye@example.com"))
        out = await client.post("/api/v1/auth/logout", headers={"Cookie": f"{COOKIE}={cookie}", **WEB})
        assert out.status_code == 204
        cleared = set_cookies(out)
        assert sorted(c.path for c in cleared) == ["/api/v1/auth/logout", "/api/v1/auth/refresh"]
        assert all(c.value == "" and c.max_age == "0" for c in cleared), cleared
        client.cookies.clear()
        assert (await cookie_refresh(client, cookie)).status_code == 401


async def test_body_clients_are_unchanged_and_get_no_cookie(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        await client.post("/api/v1/auth/register", json={"email": "app@example.com", "password": PASSWORD})
        login = await client.post("/api/v1/auth/login", json={"email": "app@example.com", "password": PASSWORD})
        assert login.status_code == 200
        assert login.headers.get_list("set-cookie") == []
        pair = login.json()
        assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in"}
        refreshed = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refreshed.status_code == 200 and refreshed.headers.get_list("set-cookie") == []
        assert refreshed.json()["refresh_token"] not in (None, pair["refresh_token"])
        out = await client.post("/api/v1/auth/logout", json={"refresh_token": refreshed.json()["refresh_token"]})
        assert out.status_code == 204 and out.headers.get_list("set-cookie") == []
        again = await client.post("/api/v1/auth/refresh", json={"refresh_token": refreshed.json()["refresh_token"]})
        assert again.status_code == 401


async def test_a_session_kept_by_an_older_web_app_moves_into_the_cookie(live_server: LiveServer) -> None:
    """The previous web app kept the refresh token in localStorage: presented once in the body by the web
    app, it is rotated into the cookie and the person stays signed in."""
    async with live_server.client() as client:
        await client.post("/api/v1/auth/register", json={"email": "old@example.com", "password": PASSWORD})
        pair = (await client.post("/api/v1/auth/login", json={"email": "old@example.com", "password": PASSWORD})).json()
        moved = await client.post("/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}, headers=WEB)
        assert moved.status_code == 200 and "refresh_token" not in moved.json()
        client.cookies.clear()
        assert (await cookie_refresh(client, the_cookie(moved))).status_code == 200


async def test_a_password_change_in_the_web_app_continues_in_the_cookie(live_server: LiveServer) -> None:
    async with live_server.client() as client:
        login = await web_login(client, "pw@example.com")
        old_cookie = the_cookie(login)
        changed = await client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "another long password"},
            headers={**auth(login.json()["access_token"]), **WEB},
        )
        assert changed.status_code == 200, changed.text
        assert "refresh_token" not in changed.json()
        client.cookies.clear()
        assert (await cookie_refresh(client, old_cookie)).status_code == 401  # every other session ended
        assert (await cookie_refresh(client, the_cookie(changed))).status_code == 200
