"""What the routes of one of the user's scans share: the scan itself, loaded once for the signed-in user."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from housescan.auth.dependencies import CurrentUser
from housescan.dependencies import SessionDep
from housescan.errors import NotAuthenticated
from housescan.scans import service as scans_service
from housescan.scans.models import Scan
from housescan.scans.service import ScanNotFound


async def owned_scan(scan_id: uuid.UUID, user: CurrentUser, db_session: SessionDep) -> Scan:
    """The path's scan if the signed-in user owns it; `ScanNotFound` (404) otherwise, another user's scan
    being as absent as a missing one. It is loaded in the request's session, which the route then uses."""
    return await scans_service.get_owned_scan(db_session=db_session, user_id=user.id, scan_id=scan_id)


OwnedScan = Annotated[Scan, Depends(owned_scan)]
# What any route of one of the user's scans may answer: not signed in, or no such scan of theirs.
OWNED_SCAN_ERRORS = (NotAuthenticated, ScanNotFound)
