from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import StringConstraints

from housescan.auth.dependencies import CurrentUser
from housescan.comparison import changes, service
from housescan.comparison.changes import NotAnEarlierScan, RoomsNotPairable
from housescan.comparison.schemas import Changes, Comparison, RoomPairsBody, VerdictBody, VerdictOut
from housescan.comparison.service import ScanIdsRejected
from housescan.dependencies import SessionDep, SettingsDep
from housescan.errors import responses
from housescan.scans.dependencies import OWNED_SCAN_ERRORS, OwnedScan

router = APIRouter(prefix="/api/v1", tags=["comparison"])

# Each value is bounded as the one comma-separated value always was; the number of values as many as such a
# value could name, so five to that many get the same "compare 2 to 4 scans, not 5" as the comma form.
_MAX_VALUE_CHARS = 200
ScanIds = Annotated[
    list[Annotated[str, StringConstraints(max_length=_MAX_VALUE_CHARS)]],
    Query(
        description="2 to 4 of your scan ids, repeated (`scan_ids=A&scan_ids=B`) or comma-separated (`scan_ids=A,B`)",
        max_length=_MAX_VALUE_CHARS // 2,
    ),
]
_COMPARE_ERRORS = responses(*OWNED_SCAN_ERRORS, ScanIdsRejected)


@router.get("/compare", responses=_COMPARE_ERRORS)
async def compare(scan_ids: ScanIds, user: CurrentUser, db_session: SessionDep, settings: SettingsDep) -> Comparison:
    """Homes side by side, in the order named. 422 for fewer than 2 or more than 4; 404 for a scan not yours."""
    ids = service.parse_scan_ids(scan_ids)
    return await service.compare(db_session=db_session, settings=settings, user_id=user.id, scan_ids=ids)


@router.get(
    "/compare.csv",
    response_class=Response,
    responses=_COMPARE_ERRORS | {200: {"content": {"text/csv": {}}, "description": "the comparison, one home a row"}},
)
async def compare_csv(scan_ids: ScanIds, user: CurrentUser, db_session: SessionDep, settings: SettingsDep) -> Response:
    ids = service.parse_scan_ids(scan_ids)
    comparison = await service.compare(db_session=db_session, settings=settings, user_id=user.id, scan_ids=ids)
    return Response(
        content=service.as_csv(comparison),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="comparison.csv"'},
    )


@router.put("/scans/{scan_id}/verdict", responses=responses(*OWNED_SCAN_ERRORS))
async def put_verdict(scan: OwnedScan, body: VerdictBody, db_session: SessionDep) -> VerdictOut:
    """The person's own rating (1-5) and note of this home, shown in the comparison."""
    return await service.put_verdict(db_session=db_session, scan=scan, body=body)


@router.get("/scans/{scan_id}/changes", responses=responses(*OWNED_SCAN_ERRORS, NotAnEarlierScan))
async def get_changes(
    scan: OwnedScan,
    since: Annotated[uuid.UUID, Query(description="an earlier scan of the same house")],
    db_session: SessionDep,
    settings: SettingsDep,
) -> Changes:
    """Room by room what changed since an earlier scan of the house: findings new and resolved, answers
    changed, photos then and now. 422 for a `since` of another house; 404 for a scan not yours."""
    return await changes.changes_since(db_session=db_session, settings=settings, scan=scan, since=since)


@router.put("/scans/{scan_id}/changes/pairs", responses=responses(*OWNED_SCAN_ERRORS, RoomsNotPairable))
async def put_room_pairs(scan: OwnedScan, body: RoomPairsBody, db_session: SessionDep) -> RoomPairsBody:
    """The person's own pairing of this scan's rooms with an earlier scan's (earlier_room_id null: new room)."""
    return await changes.put_pairs(db_session=db_session, scan=scan, body=body)
