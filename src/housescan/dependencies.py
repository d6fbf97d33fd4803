"""Small typed dependencies shared by the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.config import Settings
from housescan.runtime import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


async def get_db_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessionmaker() as db_session:
        yield db_session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_db_session)]

# The viewer's time zone for the times a PDF prints; checked by `reports.service.time_zone` (422 UnknownTimeZone).
TimeZoneQuery = Annotated[
    str | None,
    Query(
        max_length=64,
        description="an IANA time zone, e.g. Europe/Paris; default the account's, else UTC (behind a link: UTC)",
    ),
]
