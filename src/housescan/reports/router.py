from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from housescan.comparison.changes import NotAnEarlierScan
from housescan.dependencies import RuntimeDep, SessionDep, TimeZoneQuery
from housescan.errors import responses
from housescan.reports import service as reports_service
from housescan.reports.service import ReportNotReady, UnknownTimeZone
from housescan.scans.dependencies import OWNED_SCAN_ERRORS, OwnedScan

router = APIRouter(prefix="/api/v1/scans", tags=["reports"])


@router.get(
    "/{scan_id}/report.pdf",
    response_class=Response,
    responses=responses(*OWNED_SCAN_ERRORS, ReportNotReady, UnknownTimeZone, NotAnEarlierScan)
    | {200: {"content": {"application/pdf": {}}, "description": "the inspection report"}},
)
async def scan_report(
    scan: OwnedScan,
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
        scan=scan,
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
