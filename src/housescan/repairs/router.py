from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from housescan.auth.dependencies import CurrentUser
from housescan.config import Settings
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep, TimeZoneQuery
from housescan.errors import NotAuthenticated, responses
from housescan.notifications.mail import public_url
from housescan.repairs import lists, service
from housescan.repairs.lists import FindingListedTwice, ForeignFindings, RepairListNotFound
from housescan.repairs.schemas import (
    CostGuideOut,
    CostPreferencesBody,
    CostPreferencesOut,
    RepairListCreate,
    RepairListOut,
    RepairListPage,
    RepairListPatch,
    RepairShare,
)
from housescan.reports.service import UnknownTimeZone
from housescan.reports.share_router import PUBLIC_HEADERS, SHARED_LINK_ERRORS, LimiterDep, client_of
from housescan.reports.share_schemas import ShareCreate
from housescan.review.models import Trade
from housescan.scans.dependencies import OWNED_SCAN_ERRORS, OwnedScan

router = APIRouter(prefix="/api/v1", tags=["repairs"])
_SIGNED_IN = responses(NotAuthenticated)
_A_LIST = responses(*OWNED_SCAN_ERRORS, RepairListNotFound)
_ITEMS_CHECKED = (ForeignFindings, FindingListedTwice)
# le: the column is a 32-bit integer on PostgreSQL; a larger number is a 422, not a database error.
VersionQuery = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="an earlier version of the list; else the latest")
]


@router.get("/cost-guide", responses=_SIGNED_IN)
async def get_cost_guide(
    user: CurrentUser,
    db_session: SessionDep,
    trade: Trade | None = None,
    q: Annotated[str | None, Query(max_length=200, description="words the job must contain")] = None,
) -> CostGuideOut:
    """Typical cost ranges per job, scaled by the account's regional factor. A suggestion: the web app
    PATCHes a finding with the row's figures and cost_source = the row's id only when the person takes it."""
    return await service.cost_guide(db_session=db_session, user=user, trade=trade, query=q)


@router.get("/me/cost-preferences", responses=_SIGNED_IN)
async def get_cost_preferences(user: CurrentUser, db_session: SessionDep) -> CostPreferencesOut:
    return await service.preferences_of(db_session, user)


@router.put("/me/cost-preferences", responses=_SIGNED_IN)
async def put_cost_preferences(
    body: CostPreferencesBody, user: CurrentUser, db_session: SessionDep
) -> CostPreferencesOut:
    """The account's currency (ISO 4217, shared with /me/preferences) and regional cost factor (0.2-5)."""
    return await service.update_preferences(db_session=db_session, user=user, body=body)


def _base_url(settings: Settings, request: Request) -> str:
    return public_url(settings) if settings.public_url else str(request.base_url)


@router.post(
    "/scans/{scan_id}/repair-lists",
    status_code=status.HTTP_201_CREATED,
    responses=responses(*OWNED_SCAN_ERRORS, *_ITEMS_CHECKED),
)
async def create_repair_list(
    scan: OwnedScan,
    body: RepairListCreate,
    db_session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> RepairListOut:
    """A list of the scan's findings with an ask for each, and its read-only link (the token shown once)."""
    return await lists.create_list(
        db_session=db_session,
        settings=settings,
        scan=scan,
        body=body,
        base_url=_base_url(settings, request),
    )


@router.get("/scans/{scan_id}/repair-lists", responses=responses(*OWNED_SCAN_ERRORS))
async def list_repair_lists(scan: OwnedScan, db_session: SessionDep, settings: SettingsDep) -> RepairListPage:
    return await lists.lists_of_scan(db_session=db_session, settings=settings, scan=scan)


@router.get(
    "/scans/{scan_id}/repair-lists/{list_id}.csv",
    response_class=Response,
    responses=_A_LIST | {200: {"content": {"text/csv": {}}, "description": "the list's latest version as CSV"}},
)
async def repair_list_csv(
    scan: OwnedScan, list_id: uuid.UUID, db_session: SessionDep, settings: SettingsDep, version: VersionQuery = None
) -> Response:
    repair_list = await lists.get_list(
        db_session=db_session, settings=settings, scan=scan, list_id=list_id, version=version
    )
    return _csv(repair_list, {})


PDF_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _pdf(pdf: bytes, filename: str, headers: dict[str, str]) -> Response:
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={**PDF_HEADERS, **headers, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(
    "/scans/{scan_id}/repair-lists/{list_id}/report.pdf",
    response_class=Response,
    responses=responses(*OWNED_SCAN_ERRORS, RepairListNotFound, UnknownTimeZone)
    | {200: {"content": {"application/pdf": {}}, "description": "the list's latest version as a PDF"}},
)
async def repair_list_pdf(
    scan: OwnedScan,
    list_id: uuid.UUID,
    runtime: RuntimeDep,
    db_session: SessionDep,
    tz: TimeZoneQuery = None,
    version: VersionQuery = None,
) -> Response:
    """The list as a PDF: each finding with its photos and the spots marked on them, what is asked for it,
    the note and the total, in the account's currency; its times in the viewer's time zone (`tz`, else the
    account's)."""
    pdf, filename = await lists.list_pdf(
        db_session=db_session,
        store=runtime.store,
        settings=runtime.settings,
        scan=scan,
        list_id=list_id,
        tz=tz,
        version=version,
    )
    return _pdf(pdf, filename, {})


@router.get("/scans/{scan_id}/repair-lists/{list_id}", responses=_A_LIST)
async def get_repair_list(
    scan: OwnedScan, list_id: uuid.UUID, db_session: SessionDep, settings: SettingsDep, version: VersionQuery = None
) -> RepairListOut:
    """The list's latest version, or an earlier one (`version`), with the list of its versions."""
    return await lists.get_list(db_session=db_session, settings=settings, scan=scan, list_id=list_id, version=version)


@router.patch(
    "/scans/{scan_id}/repair-lists/{list_id}",
    responses=responses(*OWNED_SCAN_ERRORS, RepairListNotFound, *_ITEMS_CHECKED),
)
async def patch_repair_list(
    scan: OwnedScan,
    list_id: uuid.UUID,
    body: RepairListPatch,
    db_session: SessionDep,
    settings: SettingsDep,
    request: Request,
) -> RepairListOut:
    """Edits the list in place until a reader opened its link; after that the change is the next version
    with a new link (token shown once), and the old link keeps the version that was sent."""
    return await lists.patch_list(
        db_session=db_session,
        settings=settings,
        scan=scan,
        list_id=list_id,
        body=body,
        base_url=_base_url(settings, request),
    )


@router.post(
    "/scans/{scan_id}/repair-lists/{list_id}/share",
    status_code=status.HTTP_201_CREATED,
    responses=_A_LIST,
)
async def reissue_repair_list_link(
    scan: OwnedScan,
    list_id: uuid.UUID,
    db_session: SessionDep,
    settings: SettingsDep,
    request: Request,
    body: ShareCreate | None = None,
) -> RepairShare:
    """A new link to the list's latest version (valid as long as a share's, default 30 days; token shown
    once), readable again even after a revoke. That version's previous link stops working; a revoked link
    stays revoked."""
    return await lists.reissue_link(
        db_session=db_session,
        scan=scan,
        list_id=list_id,
        days=(body or ShareCreate()).expires_in_days,
        base_url=_base_url(settings, request),
    )


@router.delete(
    "/scans/{scan_id}/repair-lists/{list_id}/share", status_code=status.HTTP_204_NO_CONTENT, responses=_A_LIST
)
async def revoke_repair_list_links(scan: OwnedScan, list_id: uuid.UUID, db_session: SessionDep) -> Response:
    """Every version's link answers 404 from now on."""
    await lists.revoke_links(db_session=db_session, scan=scan, list_id=list_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _csv(repair_list: RepairListOut, headers: dict[str, str]) -> Response:
    return Response(
        content=lists.as_csv(repair_list),
        media_type="text/csv; charset=utf-8",
        headers={**headers, "Content-Disposition": f'attachment; filename="{lists.csv_name(repair_list)}"'},
    )


@router.get(
    f"{lists.SHARED_PATH.removeprefix('/api/v1')}/{{token}}.csv",
    response_class=Response,
    responses=SHARED_LINK_ERRORS | {200: {"content": {"text/csv": {}}, "description": "the shared repair list as CSV"}},
)
async def shared_repair_list_csv(
    token: str, request: Request, db_session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> Response:
    repair_list = await lists.shared_list(
        db_session=db_session, settings=settings, token=token, limiter=limiter, client=client_of(request)
    )
    return _csv(repair_list, PUBLIC_HEADERS)


@router.get(
    f"{lists.SHARED_PATH.removeprefix('/api/v1')}/{{token}}/report.pdf",
    response_class=Response,
    responses=SHARED_LINK_ERRORS
    | responses(UnknownTimeZone)
    | {200: {"content": {"application/pdf": {}}, "description": "the shared repair list as a PDF"}},
)
async def shared_repair_list_pdf(
    token: str,
    request: Request,
    runtime: RuntimeDep,
    db_session: SessionDep,
    limiter: LimiterDep,
    tz: TimeZoneQuery = None,
) -> Response:
    """The repair list behind a link as a PDF, speaking to its reader, with no sign-in; its times in the
    reader's time zone (`tz`, else UTC)."""
    pdf, filename = await lists.shared_list_pdf(
        db_session=db_session,
        store=runtime.store,
        settings=runtime.settings,
        token=token,
        limiter=limiter,
        client=client_of(request),
        tz=tz,
    )
    return _pdf(pdf, filename, PUBLIC_HEADERS)


@router.get(f"{lists.SHARED_PATH.removeprefix('/api/v1')}/{{token}}", responses=SHARED_LINK_ERRORS)
async def shared_repair_list(
    token: str, request: Request, response: Response, db_session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> RepairListOut:
    """The repair list behind a link, with no sign-in (read-only). 404 when unknown, expired or revoked."""
    response.headers.update(PUBLIC_HEADERS)
    return await lists.shared_list(
        db_session=db_session, settings=settings, token=token, limiter=limiter, client=client_of(request)
    )
