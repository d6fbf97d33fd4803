from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from housescan.auth.dependencies import CurrentUser
from housescan.costs.service import MonthlyBudgetExceeded
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep
from housescan.errors import NotAuthenticated, responses
from housescan.pagination import InvalidCursor
from housescan.review import report as review_report
from housescan.scans import service as scans_service
from housescan.scans.dependencies import OWNED_SCAN_ERRORS, OwnedScan
from housescan.scans.models import Scan
from housescan.scans.photo_form import OPENAPI_REQUEST_BODY, PHOTO_UPLOAD_ERRORS, photos_of_request
from housescan.scans.schemas import (
    ProcessAccepted,
    ScanCreate,
    ScanCreated,
    ScanDetail,
    ScanPage,
    SummaryRead,
    UploadResult,
)
from housescan.scans.service import ImageLinkInvalid, ScanStateConflict, SummaryNotReady, TooManyRooms
from housescan.scans.urls import ImageVariant
from housescan.storage.base import StorageFull, StorageUnavailable

router = APIRouter(prefix="/api/v1/scans", tags=["scans"])
summaries_router = APIRouter(prefix="/api", tags=["scans"])  # the seed's paths: aliases of v1 routes
images_router = APIRouter(prefix="/api/v1/images", tags=["scans"])


async def _owned_scan_between_transactions(scan: OwnedScan, db_session: SessionDep) -> Scan:
    await db_session.commit()  # no transaction (on SQLite: the write lock) is held while a phone sends photos
    return scan


ScanToUpload = Annotated[Scan, Depends(_owned_scan_between_transactions)]


@router.post("", status_code=status.HTTP_201_CREATED, responses=responses(NotAuthenticated, TooManyRooms))
async def create_scan(
    body: ScanCreate, user: CurrentUser, db_session: SessionDep, settings: SettingsDep
) -> ScanCreated:
    return await scans_service.create_scan(db_session=db_session, user_id=user.id, body=body, settings=settings)


@router.get("", responses=responses(NotAuthenticated, InvalidCursor))
async def list_scans(
    user: CurrentUser,
    db_session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    house_id: Annotated[uuid.UUID | None, Query(description="only the scans of this house of the user's")] = None,
) -> ScanPage:
    """The user's scans, newest first, each with its report in brief."""
    page = await scans_service.list_scans(
        db_session=db_session, settings=settings, user_id=user.id, limit=limit, cursor=cursor, house_id=house_id
    )
    return await review_report.with_digests(db_session=db_session, settings=settings, page=page)


@router.post(
    "/{scan_id}/images",
    responses=responses(*OWNED_SCAN_ERRORS, ScanStateConflict, *PHOTO_UPLOAD_ERRORS, StorageFull, StorageUnavailable),
    openapi_extra={"requestBody": OPENAPI_REQUEST_BODY},
)
async def upload_images(
    scan: ScanToUpload, request: Request, runtime: RuntimeDep, db_session: SessionDep
) -> UploadResult:
    """Photos, each with the ordinal of its room. The body is read only once the scan is known to be the
    user's, and streamed: see `photo_form`."""
    settings = runtime.settings
    files = await photos_of_request(request, settings)
    return await scans_service.upload_photos(
        db_session=db_session, store=runtime.store, events=runtime.events, settings=settings, scan=scan, files=files
    )


@router.post(
    "/{scan_id}/process",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(*OWNED_SCAN_ERRORS, ScanStateConflict, MonthlyBudgetExceeded),
)
async def process_scan(scan: OwnedScan, runtime: RuntimeDep, db_session: SessionDep) -> ProcessAccepted:
    scan = await scans_service.start_processing(
        db_session=db_session, settings=runtime.settings, queue=runtime.queue, scan=scan
    )
    return ProcessAccepted(id=scan.id, status=scan.status)


@router.get("/{scan_id}", responses=responses(*OWNED_SCAN_ERRORS))
async def get_scan(scan: OwnedScan, db_session: SessionDep, settings: SettingsDep) -> ScanDetail:
    return await scans_service.scan_detail(db_session=db_session, settings=settings, scan=scan)


@router.get("/{scan_id}/summary", responses=responses(*OWNED_SCAN_ERRORS, SummaryNotReady))
async def get_summary(scan: OwnedScan, db_session: SessionDep) -> SummaryRead:
    summary = await scans_service.get_summary(db_session=db_session, scan=scan)
    return SummaryRead.model_validate(summary)


summaries_router.add_api_route(
    "/summaries/scan/{scan_id}",
    get_summary,
    methods=["GET"],
    response_model=SummaryRead,
    responses=responses(*OWNED_SCAN_ERRORS, SummaryNotReady),
)
summaries_router.add_api_route(
    "/scans/{scan_id}", get_scan, methods=["GET"], response_model=ScanDetail, responses=responses(*OWNED_SCAN_ERRORS)
)


@router.delete("/{scan_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(*OWNED_SCAN_ERRORS))
async def delete_scan(scan: OwnedScan, runtime: RuntimeDep, db_session: SessionDep) -> Response:
    await scans_service.delete_scan(db_session=db_session, store=runtime.store, scan=scan)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@images_router.get(
    "/{image_id}/{variant}",
    response_class=Response,
    responses=responses(ImageLinkInvalid)
    | {200: {"content": {"image/*": {}}}, 304: {"description": "not modified (If-None-Match)"}},
)
async def image_content(
    image_id: uuid.UUID,
    variant: ImageVariant,
    runtime: RuntimeDep,
    db_session: SessionDep,
    expires: Annotated[int, Query()],
    signature: Annotated[str, Query(pattern="^[0-9a-f]{64}$")],
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A photo (`content`: the original; `thumbnail`, `medium`: WebP renditions), by the signed URL the
    scan's owner got from the API (no bearer header: it is an <img src>). The URL is stable for its
    lifetime, so the browser keeps what it fetched until then."""
    content = await scans_service.signed_image_content(
        db_session=db_session,
        store=runtime.store,
        settings=runtime.settings,
        image_id=image_id,
        variant=variant,
        expires=expires,
        signature=signature,
        if_none_match=if_none_match,
    )
    headers = {
        "Cache-Control": f"private, max-age={content.cache_seconds}, immutable",
        "ETag": content.etag,
        "X-Content-Type-Options": "nosniff",
    }
    if content.data is None:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=content.data, media_type=content.content_type, headers=headers)
