"""Share links: the owner's calls (create, list, revoke) and the public, read-only shared report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep, TimeZoneQuery
from housescan.errors import responses
from housescan.notifications.mail import public_url
from housescan.reports import shares as shares_service
from housescan.reports.service import UnknownTimeZone
from housescan.reports.share_schemas import ShareCreate, ShareCreated, SharedReport, ShareList
from housescan.reports.shares import FailureLimiter, NotShareable, ShareLinkNotFound, ShareNotFound, TooManyFailedLinks
from housescan.scans.dependencies import OWNED_SCAN_ERRORS, OwnedScan

router = APIRouter(prefix="/api/v1", tags=["shares"])
# What the public routes behind a link may answer (the repair lists' too).
SHARED_LINK_ERRORS = responses(ShareNotFound, TooManyFailedLinks)

# A shared page is for the people it was sent to: never indexed, never cached, never leaking its URL.
PUBLIC_HEADERS = {
    "X-Robots-Tag": "noindex, nofollow",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}


def _limiter(request: Request) -> FailureLimiter:
    state = request.app.state
    if not hasattr(state, "share_limiter"):
        state.share_limiter = shares_service.new_limiter()
    limiter: FailureLimiter = state.share_limiter
    return limiter


LimiterDep = Annotated[FailureLimiter, Depends(_limiter)]


def client_of(request: Request) -> str:
    return request.client.host if request.client else "-"


@router.post(
    "/scans/{scan_id}/shares",
    status_code=status.HTTP_201_CREATED,
    responses=responses(*OWNED_SCAN_ERRORS, NotShareable),
)
async def create_share(
    scan: OwnedScan,
    db_session: SessionDep,
    settings: SettingsDep,
    request: Request,
    body: ShareCreate | None = None,
) -> ShareCreated:
    """A read-only link to the report (default: valid 30 days). The token is shown only in this answer."""
    base = public_url(settings) if settings.public_url else str(request.base_url)
    return await shares_service.create_share(
        db_session=db_session, scan=scan, body=body or ShareCreate(), base_url=base
    )


@router.get("/scans/{scan_id}/shares", responses=responses(*OWNED_SCAN_ERRORS))
async def list_shares(scan: OwnedScan, db_session: SessionDep) -> ShareList:
    return await shares_service.list_shares(db_session=db_session, scan=scan)


@router.delete(
    "/scans/{scan_id}/shares/{share_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(*OWNED_SCAN_ERRORS, ShareLinkNotFound),
)
async def revoke_share(scan: OwnedScan, share_id: uuid.UUID, db_session: SessionDep) -> Response:
    """The link answers 404 from now on."""
    await shares_service.revoke_share(db_session=db_session, scan=scan, share_id=share_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/shared/{token}", responses=SHARED_LINK_ERRORS)
async def shared_report(
    token: str, request: Request, response: Response, db_session: SessionDep, settings: SettingsDep, limiter: LimiterDep
) -> SharedReport:
    """The report behind a share link, with no sign-in: read-only, without costs or the owner's details.
    404 when the link is unknown, expired or revoked; 429 for an address that keeps trying such links."""
    response.headers.update(PUBLIC_HEADERS)
    return await shares_service.shared_report(
        db_session=db_session, settings=settings, token=token, limiter=limiter, client=client_of(request)
    )


@router.get(
    "/shared/{token}/report.pdf",
    response_class=Response,
    responses=SHARED_LINK_ERRORS
    | responses(UnknownTimeZone)
    | {200: {"content": {"application/pdf": {}}, "description": "the shared report (no costs)"}},
)
async def shared_report_pdf(
    token: str,
    request: Request,
    runtime: RuntimeDep,
    db_session: SessionDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    tz: TimeZoneQuery = None,
) -> Response:
    """The report behind a link as a PDF, with no sign-in and without costs; its times in the reader's time
    zone (`tz`, else UTC)."""
    pdf, filename = await shares_service.shared_report_pdf(
        db_session=db_session,
        store=runtime.store,
        settings=settings,
        token=token,
        limiter=limiter,
        client=client_of(request),
        tz=tz,
    )
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={
            **PUBLIC_HEADERS,
            "Content-Disposition": f'inline; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
