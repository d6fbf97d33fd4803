from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from housescan.auth.dependencies import CurrentUser
from housescan.dependencies import SessionDep
from housescan.repairs import service
from housescan.repairs.schemas import CostGuideOut, CostPreferencesBody, CostPreferencesOut
from housescan.review.models import Trade

router = APIRouter(prefix="/api/v1", tags=["repairs"])


@router.get("/cost-guide")
async def get_cost_guide(
    user: CurrentUser,
    db_session: SessionDep,
    trade: Trade | None = None,
    q: Annotated[str | None, Query(max_length=200, description="words the job must contain")] = None,
) -> CostGuideOut:
    """Typical cost ranges per job, scaled by the account's regional factor. A suggestion: the web app
    PATCHes a finding with the row's figures and cost_source = the row's id only when the person takes it."""
    return await service.cost_guide(db_session=db_session, user=user, trade=trade, query=q)


@router.get("/me/cost-preferences")
async def get_cost_preferences(user: CurrentUser, db_session: SessionDep) -> CostPreferencesOut:
    return await service.preferences_of(db_session, user)


@router.put("/me/cost-preferences")
async def put_cost_preferences(
    body: CostPreferencesBody, user: CurrentUser, db_session: SessionDep
) -> CostPreferencesOut:
    """The account's currency (ISO 4217, shared with /me/preferences) and regional cost factor (0.2-5)."""
    return await service.update_preferences(db_session=db_session, user=user, body=body)
