from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from housescan.auth.dependencies import CurrentUser
from housescan.comparison import changes, service
from housescan.comparison.schemas import Changes, Comparison, RoomPairsBody, VerdictBody, VerdictOut
from housescan.dependencies import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["comparison"])

ScanIds = Annotated[str, Query(description="2 to 4 of your scan ids, comma-separated", max_length=200)]


@router.get("/compare")
async def compare(scan_ids: ScanIds, user: CurrentUser, db_session: SessionDep, settings: SettingsDep) -> Comparison:
    """Homes side by side, in the order named. 422 for fewer than 2 or more than 4; 404 for a scan not yours."""
    ids = service.parse_scan_ids(scan_ids)
    return await service.compare(db_session=db_session, settings=settings, user_id=user.id, scan_ids=ids)


@router.get(
    "/compare.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the comparison, one home a row"}},
)
async def compare_csv(scan_ids: ScanIds, user: CurrentUser, db_session: SessionDep, settings: SettingsDep) -> Response:
    ids = service.parse_scan_ids(scan_ids)
    comparison = await service.compare(db_session=db_session, settings=settings, user_id=user.id, scan_ids=ids)
    return Response(
        content=service.as_csv(comparison),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="comparison.csv"'},
    )


@router.put("/scans/{scan_id}/verdict")
async def put_verdict(scan_id: uuid.UUID, body: VerdictBody, user: CurrentUser, db_session: SessionDep) -> VerdictOut:
    """The person's own rating (1-5) and note of this home, shown in the comparison."""
    return await service.put_verdict(db_session=db_session, user_id=user.id, scan_id=scan_id, body=body)


@router.get("/scans/{scan_id}/changes")
async def get_changes(
    scan_id: uuid.UUID,
    since: Annotated[uuid.UUID, Query(description="an earlier scan of the same house")],
    user: CurrentUser,
    db_session: SessionDep,
    settings: SettingsDep,
) -> Changes:
    """Room by room what changed since an earlier scan of the house: findings new and resolved, answers
    changed, photos then and now. 422 for a `since` of another house; 404 for a scan not yours."""
    return await changes.changes_since(
        db_session=db_session, settings=settings, user_id=user.id, scan_id=scan_id, since=since
    )


@router.put("/scans/{scan_id}/changes/pairs")
async def put_room_pairs(
    scan_id: uuid.UUID, body: RoomPairsBody, user: CurrentUser, db_session: SessionDep
) -> RoomPairsBody:
    """The person's own pairing of this scan's rooms with an earlier scan's (earlier_room_id null: new room)."""
    return await changes.put_pairs(db_session=db_session, user_id=user.id, scan_id=scan_id, body=body)
