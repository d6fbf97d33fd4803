"""The person's answers: checked against the item they answer, saved over the model's, reverted."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import (
    HOUSE_TYPES,
    ROOM_TYPES,
    ChecklistItem,
    ChecklistItemType,
)
from housescan.config import Settings
from housescan.db.base import utcnow
from housescan.errors import Unprocessable
from housescan.realtime.service import EventPublisher
from housescan.review.context import (
    HOUSE,
    HOUSE_TYPE,
    PRODUCT_PREFIX,
    ROOM_TYPE,
    ItemNotFound,
    ScanContext,
    announce_edit,
    check_photos,
    load_context,
    resolve_scope,
)
from housescan.review.item_answers import QUALITIES, house_type_answer
from housescan.review.models import PersonAnswer
from housescan.review.report import answer_in, build_report
from housescan.review.schemas import (
    NOT_APPLICABLE,
    Answer,
    AnswerPut,
)
from housescan.review.wording import PERSON_ONLY_VALUES
from housescan.scans.models import Scan


class AnswerRejected(Unprocessable):
    """The value does not fit the item answered (its type, or its list of choices)."""


def _item_of(items: Iterable[ChecklistItem], item_id: str) -> ChecklistItem | None:
    return next((item for item in items if item.id == item_id), None)


def _quality(value: Any, what: str) -> str:
    if value not in QUALITIES:
        raise AnswerRejected(f"{what} must be one of {', '.join(QUALITIES)}")
    return str(value)


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise AnswerRejected(f"{what} must be true or false")
    return value


def normalise_value(context: ScanContext, scope: str, item_id: str, value: Any) -> Any:
    """The person's value checked against the item's type; raises NotFound for an unknown item."""
    if item_id == HOUSE_TYPE:
        if scope != HOUSE:
            raise ItemNotFound("the house type is answered in the `house` scope")
        if value not in HOUSE_TYPES:
            raise AnswerRejected(f"house_type must be one of {', '.join(HOUSE_TYPES)}")
        return value
    if item_id == ROOM_TYPE:
        if scope == HOUSE:
            raise ItemNotFound("a room type is answered in a room's scope")
        if value not in ROOM_TYPES:
            raise AnswerRejected(f"room_type must be one of {', '.join(ROOM_TYPES)}")
        return value
    if value == "N/A":
        value = NOT_APPLICABLE
    if item_id.startswith(PRODUCT_PREFIX):
        name = item_id.removeprefix(PRODUCT_PREFIX)
        if scope == HOUSE or _item_of(context.product_items, name) is None:
            raise ItemNotFound(f"no product '{name}' in this room's list")
        if isinstance(value, str) and value in PERSON_ONLY_VALUES:
            return value
        if isinstance(value, dict):
            value = value.get("exists")
        return _bool(value, "a product answer")
    item = _item_of(context.house_items if scope == HOUSE else context.room_items, item_id)
    if item is None:
        raise ItemNotFound(f"no checklist item '{item_id}' in the {'house' if scope == HOUSE else 'room'} checklist")
    if isinstance(value, str) and value in PERSON_ONLY_VALUES:
        # "Looked and could not see it", "does not apply here": a person's answer to any item.
        return value
    if item.type is ChecklistItemType.boolean:
        return _bool(value, item.title)
    if item.type is ChecklistItemType.categorical:
        return _quality(value, item.title)
    if isinstance(value, bool):
        value = {"exists": value}
    if not isinstance(value, dict) or not isinstance(value.get("exists"), bool):
        raise AnswerRejected(f"{item.title} takes {{exists: true|false, condition?: Poor..Excellent}}")
    condition = value.get("condition")
    if not value["exists"] or condition in (None, "", "N/A"):
        condition = None
    else:
        condition = _quality(condition, f"{item.title} condition")
    return {"exists": value["exists"], "condition": condition}


async def person_house_type(
    *, db_session: AsyncSession, scan_id: uuid.UUID, inputs_snapshot: Mapping[str, Any]
) -> str | None:
    """The house type the person gave for a scan: their answer in the report, else the one given at creation."""
    answered = await db_session.scalar(
        select(PersonAnswer.value).where(
            PersonAnswer.scan_id == scan_id, PersonAnswer.scope == HOUSE, PersonAnswer.item_id == HOUSE_TYPE
        )
    )
    given = answered or inputs_snapshot.get("house_type")
    return str(given) if given else None


def _show_house_type(context: ScanContext, scope: str, item_id: str) -> None:
    """The house's type as the scans list shows it follows the report's answer: the person's once given."""
    if scope == HOUSE and item_id == HOUSE_TYPE:
        value = house_type_answer(context).value
        context.house.house_type = value if isinstance(value, str) else None


async def put_answer(
    *,
    db_session: AsyncSession,
    settings: Settings,
    events: EventPublisher,
    scan: Scan,
    scope: str,
    item_id: str,
    body: AnswerPut,
) -> Answer:
    context = await load_context(db_session=db_session, scan=scan)
    scope = resolve_scope(context, scope)
    value = normalise_value(context, scope, item_id, body.value)
    photos = check_photos(context, scope, body.photo_ids)
    note = body.note.strip() if body.note and body.note.strip() else None
    answer = context.answers.get((scope, item_id))
    if answer is None:
        answer = PersonAnswer(scan_id=scan.id, scope=scope, item_id=item_id)
        db_session.add(answer)
        context.answers[(scope, item_id)] = answer
    answer.value, answer.note, answer.photo_ids, answer.answered_at = value, note, photos, utcnow()
    _show_house_type(context, scope, item_id)
    await announce_edit(db_session, events, scan, "answer")
    await db_session.commit()
    return answer_in(build_report(context, settings=settings), scope, item_id)


async def delete_answer(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    scan: Scan,
    scope: str,
    item_id: str,
) -> None:
    """Revert to the model's answer. Reverting what the person never answered is a no-op (204 anyway)
    unless the scope does not exist. The house type given at creation is reverted too."""
    context = await load_context(db_session=db_session, scan=scan)
    scope = resolve_scope(context, scope)
    removed = await db_session.execute(
        delete(PersonAnswer).where(
            PersonAnswer.scan_id == scan.id, PersonAnswer.scope == scope, PersonAnswer.item_id == item_id
        )
    )
    changed = bool(getattr(removed, "rowcount", 0))
    if scope == HOUSE and item_id == HOUSE_TYPE and scan.inputs_snapshot.get("house_type"):
        scan.inputs_snapshot = {**scan.inputs_snapshot, "house_type": None}
        changed = True
    if not changed:
        await db_session.rollback()
        return
    context.answers.pop((scope, item_id), None)
    _show_house_type(context, scope, item_id)
    await announce_edit(db_session, events, scan, "answer")
    await db_session.commit()
