from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from housescan.auth.dependencies import CurrentUser
from housescan.dependencies import RuntimeDep, SessionDep
from housescan.reports import service as reports_service

router = APIRouter(prefix="/api/v1/scans", tags=["reports"])


@router.get(
    "/{scan_id}/report.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the inspection report"},
        404: {"description": "no such scan (or not yours)"},
        409: {"description": "the scan has no finished analysis yet"},
    },
)
async def scan_report(scan_id: uuid.UUID, user: CurrentUser, runtime: RuntimeDep, db_session: SessionDep) -> Response:
    """The inspection report of a finished scan, as a PDF (for download or printing): the same answers,
    notes and findings as `GET .../report`."""
    pdf, filename = await reports_service.scan_report_pdf(
        db_session=db_session, store=runtime.store, settings=runtime.settings, user_id=user.id, scan_id=scan_id
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
