from __future__ import annotations

import uuid

from fastapi import APIRouter, HTTPException, Response, status

from housescan.auth.dependencies import CurrentUser
from housescan.dependencies import RuntimeDep, SessionDep
from housescan.reports import service as reports_service
from housescan.reports.service import ReportNotReady
from housescan.scans.service import ScanNotFound

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
    """The inspection report of a finished scan, as a PDF (for download or printing)."""
    try:
        pdf, filename = await reports_service.scan_report_pdf(
            db_session=db_session, store=runtime.store, user_id=user.id, scan_id=scan_id
        )
    except ScanNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "scan not found") from None
    except ReportNotReady as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
