from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from starlette.requests import ClientDisconnect

from housescan.auth.dependencies import CurrentUser
from housescan.costs import service as costs_service
from housescan.costs.service import MonthlyBudgetExceeded
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep
from housescan.houses import service as houses_service
from housescan.houses.service import HouseNotFound
from housescan.scans import service as scans_service
from housescan.scans.models import ScanStatus
from housescan.scans.photo_form import OPENAPI_REQUEST_BODY, FormRejected, read_photo_form
from housescan.scans.schemas import (
    ProcessAccepted,
    RoomBrief,
    ScanCreate,
    ScanCreated,
    ScanDetail,
    ScanPage,
    SummaryRead,
    UploadResult,
)
from housescan.scans.service import ScanNotFound, ScanStateConflict, UploadRejected
from housescan.scans.urls import signature_is_valid

router = APIRouter(prefix="/api/v1/scans", tags=["scans"])
summaries_router = APIRouter(prefix="/api/summaries", tags=["scans"])
images_router = APIRouter(prefix="/api/v1/images", tags=["scans"])

NOT_FOUND = "scan not found"


def _not_found() -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_scan(
    body: ScanCreate, user: CurrentUser, db_session: SessionDep, settings: SettingsDep
) -> ScanCreated:
    try:
        scan = await scans_service.create_scan(db_session=db_session, user_id=user.id, body=body, settings=settings)
    except HouseNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "house not found") from None
    except ScanStateConflict as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan.id)
    return ScanCreated(
        id=scan.id,
        status=scan.status,
        house_id=scan.house_id,
        rooms=[RoomBrief.model_validate(room) for room in rooms],
    )


@router.get("")
async def list_scans(
    user: CurrentUser,
    db_session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ScanPage:
    try:
        return await scans_service.list_scans(db_session=db_session, user_id=user.id, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(exc)) from None


@router.post(
    "/{scan_id}/images",
    responses={
        400: {"description": "the multipart body is malformed"},
        404: {"description": "no such scan"},
        409: {"description": "the scan is not accepting photos"},
        413: {"description": "too many or too large files"},
        415: {"description": "not multipart/form-data"},
        422: {"description": "a file is not an acceptable photo, or the form is incomplete; nothing was stored"},
    },
    openapi_extra={"requestBody": OPENAPI_REQUEST_BODY},
)
async def upload_images(
    scan_id: uuid.UUID, request: Request, user: CurrentUser, runtime: RuntimeDep, db_session: SessionDep
) -> UploadResult:
    """Photos, each with the ordinal of its room. The body is read only once the scan is known to be the
    user's, and streamed: see `photo_form`."""
    settings = runtime.settings
    try:
        scan = await scans_service.get_owned_scan(db_session=db_session, user_id=user.id, scan_id=scan_id)
    except ScanNotFound:
        raise _not_found() from None
    await db_session.commit()  # no transaction (on SQLite: the write lock) is held while a phone sends photos
    try:
        files = await read_photo_form(
            request.headers.get("content-type", ""),
            request.stream(),
            max_file_bytes=settings.max_image_bytes,
            max_files=settings.max_images_per_request,
        )
    except FormRejected as exc:
        raise HTTPException(exc.status_code, exc.message) from None
    except ClientDisconnect:  # a phone that lost its connection mid-upload: nothing was stored
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "the upload was interrupted before it ended") from None
    try:
        stored, duplicates = await scans_service.add_images(
            db_session=db_session, store=runtime.store, settings=settings, scan=scan, files=files
        )
    except ScanStateConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except UploadRejected as exc:
        code = status.HTTP_413_CONTENT_TOO_LARGE if exc.too_large else status.HTTP_422_UNPROCESSABLE_CONTENT
        raise HTTPException(code, {"message": exc.message, "errors": exc.errors}) from None
    images_count = await scans_service.count_images(db_session=db_session, scan_id=scan.id)
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan.id)
    await db_session.commit()  # the event is written by a session of its own
    await runtime.events.publish(
        user_id=user.id,
        scan_id=scan.id,
        event="scan:uploaded",
        payload={
            "scanId": str(scan.id),
            "roomsCount": len(rooms),
            "imagesCount": images_count,
            "message": f"{len(stored)} photos stored, {len(duplicates)} duplicates skipped",
        },
    )
    return UploadResult(images=[scans_service.image_read(settings, image) for image in stored], duplicates=duplicates)


@router.post(
    "/{scan_id}/process",
    status_code=status.HTTP_202_ACCEPTED,
    responses={402: {"description": "the user's monthly budget could be exceeded; nothing was queued"}},
)
async def process_scan(
    scan_id: uuid.UUID, user: CurrentUser, runtime: RuntimeDep, db_session: SessionDep
) -> ProcessAccepted:
    try:
        scan = await scans_service.get_owned_scan(db_session=db_session, user_id=user.id, scan_id=scan_id)
        if scan.status in (ScanStatus.draft, ScanStatus.failed):
            await costs_service.ensure_within_monthly_budget(
                db_session=db_session, settings=runtime.settings, user_id=user.id
            )
        scan = await scans_service.queue_for_processing(db_session=db_session, scan=scan)
    except ScanNotFound:
        raise _not_found() from None
    except ScanStateConflict as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    except MonthlyBudgetExceeded as exc:
        raise HTTPException(status.HTTP_402_PAYMENT_REQUIRED, str(exc)) from None
    # Only now, after the commit: a worker that picks the job up finds the scan queued.
    await runtime.queue.enqueue(scan.id)
    return ProcessAccepted(id=scan.id, status=scan.status)


@router.get("/{scan_id}")
async def get_scan(scan_id: uuid.UUID, user: CurrentUser, db_session: SessionDep, settings: SettingsDep) -> ScanDetail:
    try:
        return await scans_service.scan_detail(
            db_session=db_session, settings=settings, user_id=user.id, scan_id=scan_id
        )
    except ScanNotFound:
        raise _not_found() from None


@router.get("/{scan_id}/summary")
async def get_summary(scan_id: uuid.UUID, user: CurrentUser, db_session: SessionDep) -> SummaryRead:
    try:
        summary = await scans_service.get_summary(db_session=db_session, user_id=user.id, scan_id=scan_id)
    except ScanNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no summary for this scan (yet)") from None
    return SummaryRead.model_validate(summary)


summaries_router.add_api_route("/scan/{scan_id}", get_summary, methods=["GET"], response_model=SummaryRead)


@router.delete("/{scan_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_scan(scan_id: uuid.UUID, user: CurrentUser, runtime: RuntimeDep, db_session: SessionDep) -> Response:
    try:
        await scans_service.delete_scan(db_session=db_session, store=runtime.store, user_id=user.id, scan_id=scan_id)
    except ScanNotFound:
        raise _not_found() from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@images_router.get("/{image_id}/content", response_class=Response, responses={200: {"content": {"image/*": {}}}})
async def image_content(
    image_id: uuid.UUID,
    runtime: RuntimeDep,
    db_session: SessionDep,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(pattern="^[0-9a-f]{64}$")],
) -> Response:
    """A photo, by the signed URL the scan's owner got from the API (no bearer header: it is an <img src>)."""
    if not signature_is_valid(runtime.settings, image_id, expires, signature):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "image not found or link expired")
    image = await scans_service.get_image_for_download(db_session=db_session, image_id=image_id)
    if image is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "image not found or link expired")
    data = await runtime.store.get(image.object_key)
    return Response(
        content=data,
        media_type=image.content_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
