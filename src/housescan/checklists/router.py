from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from housescan.agents.contract import ChecklistItem
from housescan.auth.dependencies import CurrentUser
from housescan.checklists import service as checklists_service
from housescan.checklists.models import Scope
from housescan.checklists.schemas import CustomItemCreate, CustomItemRead, MergedChecklists
from housescan.checklists.service import CustomItemNotFound, ItemIdMismatch, TooManyItems
from housescan.dependencies import SessionDep
from housescan.errors import NotAuthenticated, responses

router = APIRouter(prefix="/api/v1/checklists", tags=["checklists"])
_SIGNED_IN = responses(NotAuthenticated)


@router.get("", responses=_SIGNED_IN)
async def merged_checklists(user: CurrentUser, db_session: SessionDep) -> MergedChecklists:
    """The lists a new scan of this user is judged against: the base items with the user's merged over them."""
    return await checklists_service.merged_checklists(db_session=db_session, user_id=user.id)


@router.get("/custom-items", responses=_SIGNED_IN)
async def list_custom_items(
    user: CurrentUser, db_session: SessionDep, scope: Annotated[Scope | None, Query()] = None
) -> list[CustomItemRead]:
    scopes = [scope] if scope else list(Scope)
    return [
        CustomItemRead(scope=each, item=item)
        for each in scopes
        for item in await checklists_service.list_custom_items(db_session=db_session, user_id=user.id, scope=each)
    ]


@router.post("/custom-items", status_code=status.HTTP_201_CREATED, responses=responses(NotAuthenticated, TooManyItems))
async def create_custom_item(body: CustomItemCreate, user: CurrentUser, db_session: SessionDep) -> CustomItemRead:
    item = await checklists_service.put_custom_item(
        db_session=db_session, user_id=user.id, scope=body.scope, item=body.item
    )
    return CustomItemRead(scope=body.scope, item=item)


@router.put(
    "/custom-items/{scope}/{item_id}",
    responses=responses(NotAuthenticated, CustomItemNotFound, TooManyItems, ItemIdMismatch),
)
async def update_custom_item(
    scope: Scope, item_id: str, item: ChecklistItem, user: CurrentUser, db_session: SessionDep
) -> CustomItemRead:
    saved = await checklists_service.put_custom_item(
        db_session=db_session, user_id=user.id, scope=scope, item=item, must_exist=True, path_id=item_id
    )
    return CustomItemRead(scope=scope, item=saved)


@router.delete(
    "/custom-items/{scope}/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(NotAuthenticated, CustomItemNotFound),
)
async def delete_custom_item(scope: Scope, item_id: str, user: CurrentUser, db_session: SessionDep) -> Response:
    await checklists_service.delete_custom_item(db_session=db_session, user_id=user.id, scope=scope, item_id=item_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
