from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from housescan.auth import service as auth_service
from housescan.auth import session_cookie
from housescan.auth.dependencies import CurrentUser
from housescan.auth.schemas import LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserRead
from housescan.auth.service import (
    BlankPassword,
    EmailTaken,
    InvalidRefreshToken,
    RefreshTokenReused,
    ServerBusy,
    WrongCredentials,
)
from housescan.auth.session_cookie import CrossSiteRefused
from housescan.auth.throttle import AuthThrottles, SignInUnavailable, TooManySignInFailures, TooManySignUps
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep
from housescan.errors import NotAuthenticated, responses

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


def _throttles(runtime: RuntimeDep) -> AuthThrottles:
    return runtime.throttles


def _address(request: Request) -> str:
    """The client's address (the balancer's X-Forwarded-For when the server trusts it)."""
    return request.client.host if request.client else "-"


ThrottlesDep = Annotated[AuthThrottles, Depends(_throttles)]
AddressDep = Annotated[str, Depends(_address)]


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=responses(EmailTaken, BlankPassword, TooManySignUps, ServerBusy, SignInUnavailable),
)
async def register(
    body: RegisterRequest, db_session: SessionDep, throttles: ThrottlesDep, address: AddressDep
) -> UserRead:
    user = await auth_service.register(
        db_session=db_session,
        throttles=throttles,
        address=address,
        email=body.email,
        password=body.password,
        first_name=body.first_name,
        last_name=body.last_name,
    )
    return UserRead.model_validate(user)


_COOKIE_MODE = (
    f"With `{session_cookie.CLIENT_HEADER}: {session_cookie.WEB_CLIENT}` (the web app) the refresh token is set as "
    "an HttpOnly, SameSite=Strict cookie for the refresh and logout routes and left out of the body."
)
_REFRESH_ERRORS = responses(InvalidRefreshToken, RefreshTokenReused, CrossSiteRefused)


@router.post(
    "/login",
    response_model_exclude_none=True,
    responses=responses(WrongCredentials, CrossSiteRefused, TooManySignInFailures, ServerBusy, SignInUnavailable),
    description=_COOKIE_MODE,
)
async def login(
    body: LoginRequest,
    request: Request,
    response: Response,
    db_session: SessionDep,
    settings: SettingsDep,
    throttles: ThrottlesDep,
    address: AddressDep,
) -> TokenPair:
    if session_cookie.wants_cookie(request):
        session_cookie.check_same_site(request, settings)  # before the password is even looked at
    tokens = await auth_service.login(
        db_session=db_session,
        settings=settings,
        throttles=throttles,
        address=address,
        email=body.email,
        password=body.password,
    )
    return session_cookie.deliver(request, response, settings, tokens)


def _presented(request: Request, settings: SettingsDep, body: RefreshRequest | None) -> str | None:
    """The refresh token of the body, else the web app's cookie (only with the CSRF checks passed)."""
    if body is not None:
        return body.refresh_token
    cookie = session_cookie.presented_cookie(request)
    if cookie is not None:
        session_cookie.check_same_site(request, settings)
    return cookie


@router.post("/refresh", response_model_exclude_none=True, responses=_REFRESH_ERRORS)
async def refresh(
    request: Request,
    response: Response,
    db_session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    body: RefreshRequest | None = None,
) -> TokenPair:
    """New tokens for a refresh token, which is used up: the answer carries the next one. A refresh token
    presented a second time signs out every session of its family. The token comes in the body or, for the
    web app, in its cookie (then the next one goes there too)."""
    token = _presented(request, settings, body)
    if token is None:
        raise auth_service.InvalidRefreshToken("no refresh token: send it in the body (or, in the web app, the cookie)")
    tokens = await auth_service.refresh(
        db_session=db_session, settings=settings, refresh_token=token, sockets=runtime.sio
    )
    return session_cookie.deliver(request, response, settings, tokens)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=responses(CrossSiteRefused))
async def logout(
    request: Request,
    db_session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    body: RefreshRequest | None = None,
) -> Response:
    """That refresh token, and every one of its family, no longer works, and the sockets they opened are
    disconnected. The token comes in the body or, for the web app, in its cookie, which is then removed."""
    token = _presented(request, settings, body)
    if token is not None:
        await auth_service.logout(db_session=db_session, settings=settings, refresh_token=token, sockets=runtime.sio)
    answer = Response(status_code=status.HTTP_204_NO_CONTENT)
    if session_cookie.wants_cookie(request):
        session_cookie.clear(request, answer)
    return answer


@router.get("/me", responses=responses(NotAuthenticated))
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)
