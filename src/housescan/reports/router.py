from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from housescan.auth.dependencies import CurrentUser
from housescan.dependencies import RuntimeDep, SessionDep
from housescan.reports import service as reports_service

router = APIRouter(prefix="/api/v1/scans", tags=["reports"])

TimeZoneQuery = Annotated[
    str | None,
    Query(max_length=64, description="an IANA time zone, e.g. Europe/Paris; default the account's, else UTC"),
]


@router.get(
    "/{scan_id}/report.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the inspection report"},
        404: {"description": "no such scan (or not yours)"},
        409: {"description": "the scan has no finished analysis yet"},
        422: {"description": "`tz` is not a time zone name, or `changes_since` is not a scan of this house"},
    },
)
async def scan_report(
    scan_id: uuid.UUID,
    user: CurrentUser,
    runtime: RuntimeDep,
    db_session: SessionDep,
    tz: TimeZoneQuery = None,
    changes_since: Annotated[
        uuid.UUID | None,
        Query(description="an earlier scan of the same house: adds an appendix of what changed since, room by room"),
    ] = None,
) -> Response:
    """The inspection report of a finished scan, as a PDF (for download or printing): the same answers,
    notes and findings as `GET .../report`, its times in the viewer's time zone; with `changes_since`, an
    appendix with what `GET .../changes?since=` gives (findings new and resolved, answers changed, photos)."""
    pdf, filename = await reports_service.scan_report_pdf(
        db_session=db_session,
        store=runtime.store,
        settings=runtime.settings,
        user_id=user.id,
        scan_id=scan_id,
        tz=tz,
        changes_since=changes_since,
    )
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
