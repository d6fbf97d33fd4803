from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from housescan.auth import service as auth_service
from housescan.auth.dependencies import CurrentUser
from housescan.auth.schemas import LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserRead
from housescan.auth.throttle import AuthThrottles
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep

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
    responses={429: {"description": "too many sign-ups from this address"}},
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


@router.post("/login", responses={429: {"description": "too many failed attempts from this address"}})
async def login(
    body: LoginRequest, db_session: SessionDep, settings: SettingsDep, throttles: ThrottlesDep, address: AddressDep
) -> TokenPair:
    return await auth_service.login(
        db_session=db_session,
        settings=settings,
        throttles=throttles,
        address=address,
        email=body.email,
        password=body.password,
    )


@router.post("/refresh")
async def refresh(body: RefreshRequest, db_session: SessionDep, settings: SettingsDep) -> TokenPair:
    """New tokens for a refresh token, which is used up: the answer carries the next one. A refresh token
    presented a second time signs out every session of its family."""
    return await auth_service.refresh(db_session=db_session, settings=settings, refresh_token=body.refresh_token)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, db_session: SessionDep, settings: SettingsDep) -> Response:
    """That refresh token, and every one of its family, no longer works."""
    await auth_service.logout(db_session=db_session, settings=settings, refresh_token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me")
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)
