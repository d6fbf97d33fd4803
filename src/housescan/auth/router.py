from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from housescan.auth import service as auth_service
from housescan.auth.dependencies import CurrentUser
from housescan.auth.schemas import LoginRequest, RefreshRequest, RegisterRequest, TokenPair, UserRead
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(body: RegisterRequest, db_session: SessionDep) -> UserRead:
    try:
        user = await auth_service.create_user(
            db_session=db_session,
            email=body.email,
            password=body.password,
            first_name=body.first_name,
            last_name=body.last_name,
        )
    except auth_service.EmailTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, "an account with this email already exists") from None
    return UserRead.model_validate(user)


@router.post("/login", responses={429: {"description": "too many failed attempts"}})
async def login(
    body: LoginRequest, request: Request, db_session: SessionDep, settings: SettingsDep, runtime: RuntimeDep
) -> TokenPair:
    limiter = runtime.login_limiter
    keys = (f"email:{auth_service.normalise_email(body.email)}", f"ip:{request.client.host if request.client else '-'}")
    wait = limiter.retry_after(*keys)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed login attempts; try again in {wait} seconds",
            {"Retry-After": str(wait)},
        )
    user = await auth_service.authenticate(db_session=db_session, email=body.email, password=body.password)
    if user is None:
        limiter.record_failure(*keys)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong email or password")
    limiter.reset(keys[0])
    return auth_service.issue_tokens(settings=settings, user_id=user.id)


@router.post("/refresh")
async def refresh(body: RefreshRequest, db_session: SessionDep, settings: SettingsDep) -> TokenPair:
    user = await auth_service.user_from_token(
        db_session=db_session, settings=settings, token=body.refresh_token, kind="refresh"
    )
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or expired refresh token")
    return auth_service.issue_tokens(settings=settings, user_id=user.id)


@router.get("/me")
async def me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)
