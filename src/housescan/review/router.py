"""HTTP of the review: the merged report, the person's answers, room edits and findings (docs/ARCHITECTURE.md §6)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from housescan.costs.service import MonthlyBudgetExceeded
from housescan.dependencies import RuntimeDep, SessionDep, SettingsDep
from housescan.errors import responses
from housescan.review import answers, findings, reanalysis, report, rooms
from housescan.review.answers import AnswerRejected
from housescan.review.context import FindingNotFound, ForeignPhotos, ItemNotFound, RoomNotFound
from housescan.review.findings import FieldRejected
from housescan.review.reanalysis import NoNewPhotos, NotAnalysedYet, RoomsWithoutPhotos
from housescan.review.rooms import LastRoom, RoomLimitReached, RoomsLocked
from housescan.review.schemas import (
    Answer,
    AnswerPut,
    FindingCreate,
    FindingList,
    FindingOut,
    FindingPatch,
    ReanalyseAccepted,
    ReanalyseBody,
    Report,
    RoomAdd,
    RoomOut,
    RoomPatch,
)
from housescan.scans.dependencies import OWNED_SCAN_ERRORS, OwnedScan
from housescan.scans.photo_form import FILES_FIELD, PHOTO_UPLOAD_ERRORS, photos_of_request
from housescan.scans.service import ScanStateConflict

router = APIRouter(prefix="/api/v1/scans", tags=["review"])
_FINDING_EDIT_ERRORS = responses(*OWNED_SCAN_ERRORS, FindingNotFound, RoomNotFound, FieldRejected, ForeignPhotos)

Scope = Annotated[str, Path(description="`house` or a room id", max_length=64)]
ItemId = Annotated[
    str,
    Path(description="a checklist item id, `products.{name}`, `room_type` or `house_type`", max_length=220),
]


@router.get("/{scan_id}/report", responses=responses(*OWNED_SCAN_ERRORS))
async def get_report(scan: OwnedScan, db_session: SessionDep, settings: SettingsDep) -> Report:
    """The report: the models' answers overlaid by the person's, findings first by severity."""
    return await report.get_report(db_session=db_session, settings=settings, scan=scan)


@router.patch("/{scan_id}/rooms/{room_id}", responses=responses(*OWNED_SCAN_ERRORS, RoomNotFound, AnswerRejected))
async def patch_room(
    scan: OwnedScan,
    room_id: uuid.UUID,
    body: RoomPatch,
    runtime: RuntimeDep,
    db_session: SessionDep,
) -> RoomOut:
    """Rename a room or correct its type (`room_type` becomes the person's answer; null reverts it)."""
    return await rooms.patch_room(
        db_session=db_session,
        events=runtime.events,
        scan=scan,
        room_id=room_id,
        body=body,
    )


@router.post(
    "/{scan_id}/rooms",
    status_code=status.HTTP_201_CREATED,
    responses=responses(*OWNED_SCAN_ERRORS, RoomsLocked, RoomLimitReached),
)
async def add_room(scan: OwnedScan, body: RoomAdd, runtime: RuntimeDep, db_session: SessionDep) -> RoomOut:
    """Add a room to a scan that has not been processed yet (its ordinal follows the last one)."""
    return await rooms.add_room(
        db_session=db_session,
        settings=runtime.settings,
        events=runtime.events,
        scan=scan,
        body=body,
    )


@router.delete(
    "/{scan_id}/rooms/{room_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(*OWNED_SCAN_ERRORS, RoomNotFound, RoomsLocked, LastRoom),
)
async def remove_room(scan: OwnedScan, room_id: uuid.UUID, runtime: RuntimeDep, db_session: SessionDep) -> Response:
    """Remove a room, with its photos, from a scan that has not been processed yet."""
    await rooms.remove_room(
        db_session=db_session,
        store=runtime.store,
        events=runtime.events,
        scan=scan,
        room_id=room_id,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/{scan_id}/answers/{scope}/{item_id}",
    responses=responses(*OWNED_SCAN_ERRORS, RoomNotFound, ItemNotFound, AnswerRejected, ForeignPhotos),
)
async def put_answer(
    scan: OwnedScan,
    scope: Scope,
    item_id: ItemId,
    body: AnswerPut,
    runtime: RuntimeDep,
    db_session: SessionDep,
) -> Answer:
    """The person's answer to one item; it wins over the model's, which stays visible as `model_value`."""
    return await answers.put_answer(
        db_session=db_session,
        settings=runtime.settings,
        events=runtime.events,
        scan=scan,
        scope=scope,
        item_id=item_id,
        body=body,
    )


@router.delete(
    "/{scan_id}/answers/{scope}/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(*OWNED_SCAN_ERRORS, RoomNotFound, ItemNotFound),
)
async def delete_answer(
    scan: OwnedScan, scope: Scope, item_id: ItemId, runtime: RuntimeDep, db_session: SessionDep
) -> Response:
    """Revert to the model's answer."""
    await answers.delete_answer(db_session=db_session, events=runtime.events, scan=scan, scope=scope, item_id=item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{scan_id}/findings", responses=responses(*OWNED_SCAN_ERRORS))
async def list_findings(scan: OwnedScan, db_session: SessionDep) -> FindingList:
    """Findings ordered by severity (safety, major, maintenance, note), with counts."""
    return await findings.list_findings(db_session=db_session, scan=scan)


@router.post("/{scan_id}/findings", status_code=status.HTTP_201_CREATED, responses=_FINDING_EDIT_ERRORS)
async def create_finding(
    scan: OwnedScan, body: FindingCreate, runtime: RuntimeDep, db_session: SessionDep
) -> FindingOut:
    return await findings.create_finding(db_session=db_session, events=runtime.events, scan=scan, body=body)


@router.get("/{scan_id}/findings/{finding_id}", responses=responses(*OWNED_SCAN_ERRORS, FindingNotFound))
async def get_finding(scan: OwnedScan, finding_id: uuid.UUID, db_session: SessionDep) -> FindingOut:
    return await findings.get_finding(db_session=db_session, scan=scan, finding_id=finding_id)


@router.patch("/{scan_id}/findings/{finding_id}", responses=_FINDING_EDIT_ERRORS)
async def patch_finding(
    scan: OwnedScan,
    finding_id: uuid.UUID,
    body: FindingPatch,
    runtime: RuntimeDep,
    db_session: SessionDep,
) -> FindingOut:
    return await findings.patch_finding(
        db_session=db_session, events=runtime.events, scan=scan, finding_id=finding_id, body=body
    )


@router.delete(
    "/{scan_id}/findings/{finding_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(*OWNED_SCAN_ERRORS, FindingNotFound),
)
async def delete_finding(
    scan: OwnedScan, finding_id: uuid.UUID, runtime: RuntimeDep, db_session: SessionDep
) -> Response:
    await findings.delete_finding(db_session=db_session, events=runtime.events, scan=scan, finding_id=finding_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


FINDING_PHOTOS_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": [FILES_FIELD],
                "properties": {
                    FILES_FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
}


@router.post(
    "/{scan_id}/findings/{finding_id}/photos",
    status_code=status.HTTP_201_CREATED,
    responses=responses(*OWNED_SCAN_ERRORS, FindingNotFound, FieldRejected, ScanStateConflict, *PHOTO_UPLOAD_ERRORS),
    openapi_extra={"requestBody": FINDING_PHOTOS_BODY},
)
async def add_finding_photos(
    scan: OwnedScan,
    finding_id: uuid.UUID,
    request: Request,
    runtime: RuntimeDep,
    db_session: SessionDep,
) -> FindingOut:
    """Close-ups of a finding (`images`, repeated): stored as photos of the finding's room, with the rules of
    `POST /scans/{id}/images` (all or none), and added to its `photo_ids`."""
    room_ordinal = await findings.room_for_photos(db_session=db_session, scan=scan, finding_id=finding_id)
    files = await photos_of_request(request, runtime.settings, room_ordinal=room_ordinal)
    return await findings.add_finding_photos(
        db_session=db_session,
        store=runtime.store,
        events=runtime.events,
        settings=runtime.settings,
        scan=scan,
        finding_id=finding_id,
        files=files,
    )


@router.post(
    "/{scan_id}/reanalyse",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(
        *OWNED_SCAN_ERRORS, RoomNotFound, NotAnalysedYet, NoNewPhotos, RoomsWithoutPhotos, MonthlyBudgetExceeded
    ),
)
async def reanalyse(
    scan: OwnedScan, body: ReanalyseBody, runtime: RuntimeDep, db_session: SessionDep
) -> ReanalyseAccepted:
    """Analyse some rooms again (default: those whose photos changed); the person's answers stay."""
    rooms = await reanalysis.reanalyse(
        db_session=db_session,
        settings=runtime.settings,
        queue=runtime.queue,
        scan=scan,
        room_ids=body.room_ids,
    )
    return ReanalyseAccepted(id=scan.id, status="queued", room_ids=rooms)
