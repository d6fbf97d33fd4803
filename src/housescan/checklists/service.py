from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import ChecklistItem
from housescan.checklists.base import HOUSE_ITEMS, PRODUCT_ITEMS, ROOM_ITEMS
from housescan.checklists.models import Checklist, Scope
from housescan.checklists.schemas import MergedChecklists
from housescan.errors import NotFound, Unprocessable

logger = logging.getLogger(__name__)

CUSTOM_LIST_NAME = "custom"
MAX_CUSTOM_ITEMS_PER_SCOPE = 100
BASE_ITEMS: dict[Scope, tuple[ChecklistItem, ...]] = {
    Scope.house: HOUSE_ITEMS,
    Scope.room: ROOM_ITEMS,
    Scope.product: PRODUCT_ITEMS,
}


class CustomItemNotFound(NotFound):
    message = "custom item not found"


class TooManyItems(Unprocessable):
    message = f"at most {MAX_CUSTOM_ITEMS_PER_SCOPE} custom items per scope"


class ItemIdMismatch(Unprocessable):
    message = "the item's id must match the id in the path"


def merge(base: Iterable[ChecklistItem], custom: Iterable[ChecklistItem]) -> list[ChecklistItem]:
    """Custom items replace base items with the same id and are appended otherwise; order is kept."""
    merged = {item.id: item for item in base}
    merged.update((item.id, item) for item in custom)
    return list(merged.values())


async def _custom_list(*, db_session: AsyncSession, user_id: uuid.UUID, scope: Scope) -> Checklist | None:
    return await db_session.scalar(
        select(Checklist).where(
            Checklist.user_id == user_id, Checklist.scope == scope, Checklist.name == CUSTOM_LIST_NAME
        )
    )


async def list_custom_items(*, db_session: AsyncSession, user_id: uuid.UUID, scope: Scope) -> list[ChecklistItem]:
    checklist = await _custom_list(db_session=db_session, user_id=user_id, scope=scope)
    return [item for stored in (checklist.items if checklist else []) if (item := _valid(stored)) is not None]


def _valid(stored: dict[str, Any]) -> ChecklistItem | None:
    """A stored item, or None (logged) for one saved before the bounds that it no longer meets."""
    try:
        return ChecklistItem.model_validate(stored)
    except ValidationError as exc:
        logger.warning("custom checklist item %r skipped: %s", str(stored.get("id"))[:100], exc.errors()[:3])
        return None


async def merged_checklists(*, db_session: AsyncSession, user_id: uuid.UUID) -> MergedChecklists:
    merged = {
        scope: merge(base, await list_custom_items(db_session=db_session, user_id=user_id, scope=scope))
        for scope, base in BASE_ITEMS.items()
    }
    return MergedChecklists(house=merged[Scope.house], room=merged[Scope.room], product=merged[Scope.product])


async def put_custom_item(
    *,
    db_session: AsyncSession,
    user_id: uuid.UUID,
    scope: Scope,
    item: ChecklistItem,
    must_exist: bool = False,
    path_id: str | None = None,
) -> ChecklistItem:
    """Create or replace one custom item (by id) in the user's list for `scope`; with `path_id`, the id the
    request named, which must be the item's."""
    if path_id is not None and item.id != path_id:
        raise ItemIdMismatch()
    checklist = await _custom_list(db_session=db_session, user_id=user_id, scope=scope)
    if checklist is None:
        if must_exist:
            raise CustomItemNotFound()
        checklist = Checklist(user_id=user_id, scope=scope, name=CUSTOM_LIST_NAME, items=[], version=0)
        db_session.add(checklist)
    items = [existing for existing in checklist.items if existing["id"] != item.id]
    if must_exist and len(items) == len(checklist.items):
        raise CustomItemNotFound()
    if len(items) >= MAX_CUSTOM_ITEMS_PER_SCOPE:
        raise TooManyItems()
    checklist.items = [*items, item.model_dump(mode="json", exclude_none=True)]
    checklist.version += 1
    await db_session.commit()
    return item


async def delete_custom_item(*, db_session: AsyncSession, user_id: uuid.UUID, scope: Scope, item_id: str) -> None:
    checklist = await _custom_list(db_session=db_session, user_id=user_id, scope=scope)
    remaining = [item for item in (checklist.items if checklist else []) if item["id"] != item_id]
    if checklist is None or len(remaining) == len(checklist.items):
        raise CustomItemNotFound()
    checklist.items = remaining
    checklist.version += 1
    await db_session.commit()
