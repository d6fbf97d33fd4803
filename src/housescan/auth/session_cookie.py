"""The web app's refresh token, kept where page scripts cannot read it.

A client that sends `X-HouseScan-Client: web` (the web app) gets its refresh token as an HttpOnly,
SameSite=Strict cookie (Secure when the request came over HTTPS, directly or per a trusted balancer's
X-Forwarded-Proto) sent only to the refresh and logout routes, and never in the body. Refresh and logout
then read the cookie. Other clients send and receive the refresh token in the body, as before.

CSRF: a cookie is only honoured with that header, which a cross-site form cannot send and a cross-site
script cannot send without a CORS preflight this server never grants; and an Origin, when the browser sends
one, must be this site's. SameSite=Strict keeps the cookie off cross-site requests besides.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request, Response

from housescan.auth.schemas import TokenPair
from housescan.config import Settings
from housescan.errors import Forbidden

CLIENT_HEADER = "X-HouseScan-Client"
WEB_CLIENT = "web"
COOKIE_NAME = "housescan_refresh"
# One cookie per route it is for: a cookie has one Path, and a common prefix would also reach
# /auth/login, /auth/me and the password-reset routes.
COOKIE_PATHS = ("/api/v1/auth/refresh", "/api/v1/auth/logout")


class CrossSiteRefused(Forbidden):
    """A refresh cookie without the client header, or another site's Origin."""

    message = "cross-site request refused"


def wants_cookie(request: Request) -> bool:
    """The client asked for the cookie mode (the web app)."""
    return request.headers.get(CLIENT_HEADER, "").strip().lower() == WEB_CLIENT


def presented_cookie(request: Request) -> str | None:
    return request.cookies.get(COOKIE_NAME) or None


def _host(url: str) -> str:
    return urlsplit(url).netloc.lower()


def check_same_site(request: Request, settings: Settings) -> None:
    """Refuse a request made from another site: with the refresh cookie it must carry the client header,
    and an Origin (when sent) must name this server's host as the browser reached it, or the public URL's.
    The host alone is compared: behind a balancer not (yet) trusted for X-Forwarded-Proto the scheme seen
    here is not the browser's, and another site cannot have this host."""
    if not wants_cookie(request):
        raise CrossSiteRefused(
            f"the refresh token cookie is only accepted with the {CLIENT_HEADER}: {WEB_CLIENT} header "
            "(protection against cross-site requests); send it, or the refresh token in the body"
        )
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = {_host(str(request.base_url))}
    if settings.public_url:
        allowed.add(_host(settings.public_url))
    if _host(origin.strip()) not in allowed:
        raise CrossSiteRefused(f"cross-site request refused: Origin {origin!r} is not this site")


def deliver(request: Request, response: Response, settings: Settings, tokens: TokenPair) -> TokenPair:
    """The answer to a sign-in or refresh: for the web app, the refresh token goes into the cookie and out
    of the body; for any other client, both tokens in the body."""
    if not wants_cookie(request) or tokens.refresh_token is None:
        return tokens
    check_same_site(request, settings)
    secure = request.url.scheme == "https"
    for path in COOKIE_PATHS:
        response.set_cookie(
            COOKIE_NAME,
            tokens.refresh_token,
            max_age=settings.refresh_token_days * 86_400,
            path=path,
            secure=secure,
            httponly=True,
            samesite="strict",
        )
    return tokens.model_copy(update={"refresh_token": None})


def clear(request: Request, response: Response) -> None:
    """Remove the cookie (each of its paths)."""
    secure = request.url.scheme == "https"
    for path in COOKIE_PATHS:
        response.delete_cookie(COOKIE_NAME, path=path, secure=secure, httponly=True, samesite="strict")
