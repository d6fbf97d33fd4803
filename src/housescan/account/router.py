"""Account calls: password reset by e-mail, password change, account deletion, download of one's data."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from housescan.account import service as account_service
from housescan.account.schemas import (
    AccountDelete,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    PasswordResetRequested,
    Preferences,
)
from housescan.account.service import InvalidResetToken, WrongPassword
from housescan.auth import session_cookie
from housescan.auth.dependencies import CurrentUser
from housescan.auth.schemas import TokenPair
from housescan.auth.service import ServerBusy
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep
from housescan.errors import NotAuthenticated, responses
from housescan.notifications.mail import public_url

router = APIRouter(prefix="/api/v1", tags=["account"])
_SIGNED_IN = responses(NotAuthenticated)
_WITH_PASSWORD = responses(NotAuthenticated, WrongPassword, ServerBusy)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED)
async def request_password_reset(
    body: PasswordResetRequest, request: Request, db_session: SessionDep, settings: SettingsDep
) -> PasswordResetRequested:
    """E-mails a single-use link valid for one hour, if the address has an account. The answer is the
    same either way."""
    base = public_url(settings) if settings.public_url else str(request.base_url)
    await account_service.request_password_reset(
        db_session=db_session, settings=settings, email=body.email, base_url=base
    )
    return PasswordResetRequested()


@router.post(
    "/auth/password-reset/confirm",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(InvalidResetToken, ServerBusy),
)
async def confirm_password_reset(body: PasswordResetConfirm, db_session: SessionDep, runtime: RuntimeDep) -> Response:
    """Sets the new password; every session of the account ends (its open sockets too)."""
    await account_service.confirm_password_reset(
        db_session=db_session, token=body.token, password=body.password, sockets=runtime.sio
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/password", response_model_exclude_none=True, responses=_WITH_PASSWORD)
async def change_password(
    body: PasswordChange,
    user: CurrentUser,
    request: Request,
    response: Response,
    db_session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
) -> TokenPair:
    """Changes the password and ends every other session (their open sockets too); this one continues with
    the tokens returned (the web app's refresh token in its cookie, as at sign-in)."""
    tokens = await account_service.change_password(
        db_session=db_session,
        settings=settings,
        sockets=runtime.sio,
        user=user,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    return session_cookie.deliver(request, response, settings, tokens)


@router.delete("/me", status_code=status.HTTP_204_NO_CONTENT, responses=_WITH_PASSWORD)
async def delete_account(
    body: AccountDelete, user: CurrentUser, db_session: SessionDep, runtime: RuntimeDep
) -> Response:
    """Deletes the account with its scans, photos, share links and push subscriptions (password required)."""
    await account_service.delete_account(db_session=db_session, store=runtime.store, user=user, password=body.password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me/export",
    response_class=FileResponse,
    responses=_SIGNED_IN | {200: {"content": {"application/zip": {}}, "description": "the person's data and photos"}},
)
async def export_data(user: CurrentUser, db_session: SessionDep, runtime: RuntimeDep) -> FileResponse:
    """Download my data: a zip of the account, every scan's data as JSON, and the photos."""
    path, filename = await account_service.export_data(db_session=db_session, store=runtime.store, user=user)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=filename,
        headers={"Cache-Control": "private, no-store"},
        background=BackgroundTask(os.unlink, path),
    )


@router.get("/me/preferences", responses=_SIGNED_IN)
async def get_preferences(user: CurrentUser) -> Preferences:
    return account_service.preferences_of(user)


@router.put("/me/preferences", responses=_SIGNED_IN)
async def put_preferences(body: Preferences, user: CurrentUser, db_session: SessionDep) -> Preferences:
    """The account's currency (ISO 4217) and time zone (IANA name); a field left out stays as it is."""
    return await account_service.update_preferences(db_session=db_session, user=user, body=body)
