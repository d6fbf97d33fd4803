from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from housescan.auth import service as auth_service
from housescan.auth.models import Role, User
from housescan.dependencies import SessionDep, SettingsDep
from housescan.errors import Forbidden, NotAuthenticated
from housescan.ops.logs import bind_log_context

_bearer = HTTPBearer(auto_error=False, description="The access token from /api/v1/auth/login")


async def get_current_user(
    db_session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    if credentials is None:
        raise NotAuthenticated()
    user = await auth_service.user_from_token(db_session=db_session, settings=settings, token=credentials.credentials)
    if user is None:
        raise NotAuthenticated("invalid or expired token")
    bind_log_context(user_id=user.id)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


class AdminOnly(Forbidden):
    """The route is for the admin role."""

    message = "admin role required"


async def get_admin_user(user: CurrentUser) -> User:
    if user.role is not Role.admin:
        raise AdminOnly()
    return user


AdminUser = Annotated[User, Depends(get_admin_user)]
