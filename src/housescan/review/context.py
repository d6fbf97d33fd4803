"""What every review operation starts from: the owned scan, everything its report is made of (loaded
once), the checks of rooms and photos an edit names, and the `scan:updated` event an edit commits with."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import (
    ChecklistItem,
)
from housescan.auth.models import User
from housescan.checklists import service as checklists_service
from housescan.db.base import utcnow
from housescan.errors import NotFound, Unprocessable
from housescan.houses import service as houses_service
from housescan.houses.models import House, Room
from housescan.realtime import service as realtime_service
from housescan.realtime.service import EventPublisher
from housescan.review.models import Finding, PersonAnswer
from housescan.scans.events import ScanUpdated
from housescan.scans.models import AgentRun, HouseScanSummary, Image, Scan

HOUSE = "house"
ROOM_TYPE = "room_type"
HOUSE_TYPE = "house_type"
PRODUCT_PREFIX = "products."
What = Literal["room", "answer", "finding", "photos", "report"]


class RoomNotFound(NotFound):
    """No such room in this scan."""

    message = "room not found"


class FindingNotFound(NotFound):
    """No such finding in this scan."""

    message = "finding not found"


class ItemNotFound(NotFound):
    """No such item to answer in this scope (a checklist item, a product, or a type answered elsewhere)."""


class ForeignPhotos(Unprocessable):
    """Photos named that are not photos of the scan or room the edit is about."""


DEFAULT_CURRENCY = "EUR"  # until the web app sets the account's currency from the browser's locale


@dataclass
class ScanContext:
    """Everything a report is made of, loaded once."""

    scan: Scan
    house: House
    rooms: list[Room]
    images: list[Image]
    summary: HouseScanSummary | None
    models: dict[tuple[str, str | None], str]
    house_items: list[ChecklistItem]
    room_items: list[ChecklistItem]
    product_items: list[ChecklistItem]
    answers: dict[tuple[str, str], PersonAnswer]
    findings: list[Finding]
    currency: str = "EUR"
    images_by_room: dict[uuid.UUID, list[Image]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for image in self.images:
            self.images_by_room.setdefault(image.room_id, []).append(image)

    @property
    def result(self) -> Mapping[str, Any]:
        if self.summary is None:
            return {}
        result: Mapping[str, Any] = self.summary.summary_json.get("result") or {}
        return result

    def room_result(self, room_id: uuid.UUID) -> Mapping[str, Any]:
        for room in self.result.get("rooms") or []:
            if str(room.get("room_id")) == str(room_id):
                found: Mapping[str, Any] = room
                return found
        return {}

    def room_analysed(self, room_id: uuid.UUID) -> bool:
        """The models looked at this room's photos (false: its analysis failed or has not run)."""
        result = self.room_result(room_id)
        return bool(result) and result.get("status", "succeeded") == "succeeded"

    def model_of(self, agent: str, room_id: uuid.UUID | None = None) -> str | None:
        key = (agent, str(room_id) if room_id else None)
        if key in self.models:
            return self.models[key]
        if self.summary is not None:
            provider = (self.summary.cost_summary or {}).get("provider")
            return str(provider) if provider else None
        return None


async def load_context(*, db_session: AsyncSession, scan: Scan) -> ScanContext:
    (context,) = await load_contexts(db_session=db_session, scans=[scan])
    return context


async def load_contexts(*, db_session: AsyncSession, scans: Sequence[Scan]) -> list[ScanContext]:
    """The contexts of these scans, in their order: each table is read once for all of them, and each
    owner's checklists and currency once (compare reads several scans of one person)."""
    ids = [scan.id for scan in scans]
    owners = list(dict.fromkeys(scan.user_id for scan in scans))
    houses = {
        house.id: house
        for house in await db_session.scalars(select(House).where(House.id.in_({scan.house_id for scan in scans})))
    }
    rooms = await houses_service.rooms_of_scans(db_session=db_session, scan_ids=ids)
    images: dict[uuid.UUID, list[Image]] = defaultdict(list)
    for image in await db_session.scalars(
        select(Image).where(Image.scan_id.in_(ids)).order_by(Image.created_at, Image.id)
    ):
        images[image.scan_id].append(image)
    summaries = {
        summary.scan_id: summary
        for summary in await db_session.scalars(select(HouseScanSummary).where(HouseScanSummary.scan_id.in_(ids)))
    }
    models: dict[uuid.UUID, dict[tuple[str, str | None], str]] = defaultdict(dict)
    for scan_id, agent, room_id, model in await db_session.execute(
        select(AgentRun.scan_id, AgentRun.agent_name, AgentRun.room_id, AgentRun.model).where(AgentRun.scan_id.in_(ids))
    ):
        models[scan_id][(agent, room_id)] = model
    answers: dict[uuid.UUID, dict[tuple[str, str], PersonAnswer]] = defaultdict(dict)
    for answer in await db_session.scalars(select(PersonAnswer).where(PersonAnswer.scan_id.in_(ids))):
        answers[answer.scan_id][(answer.scope, answer.item_id)] = answer
    findings: dict[uuid.UUID, list[Finding]] = defaultdict(list)
    for finding in await db_session.scalars(select(Finding).where(Finding.scan_id.in_(ids))):
        findings[finding.scan_id].append(finding)
    checklists = {
        owner: await checklists_service.merged_checklists(db_session=db_session, user_id=owner) for owner in owners
    }
    currencies = {
        owner: currency
        for owner, currency in await db_session.execute(select(User.id, User.currency).where(User.id.in_(owners)))
    }
    return [
        ScanContext(
            scan=scan,
            house=houses[scan.house_id],
            rooms=rooms[scan.id],
            images=images[scan.id],
            summary=summaries.get(scan.id),
            models=models[scan.id],
            house_items=list(checklists[scan.user_id].house),
            room_items=list(checklists[scan.user_id].room),
            product_items=list(checklists[scan.user_id].product),
            answers=answers[scan.id],
            findings=findings[scan.id],
            currency=currencies.get(scan.user_id) or DEFAULT_CURRENCY,
        )
        for scan in scans
    ]


def room_of(context: ScanContext, room_id: uuid.UUID | str) -> Room:
    for room in context.rooms:
        if str(room.id) == str(room_id):
            return room
    raise RoomNotFound()


def resolve_scope(context: ScanContext, scope: str) -> str:
    return HOUSE if scope == HOUSE else str(room_of(context, scope).id)


def check_photos(context: ScanContext, scope: str, photo_ids: Sequence[uuid.UUID]) -> list[str]:
    allowed = context.images if scope == HOUSE else context.images_by_room.get(uuid.UUID(scope), [])
    known = {image.id for image in allowed}
    wrong = [str(photo) for photo in photo_ids if photo not in known]
    if wrong:
        where = "this scan" if scope == HOUSE else "this room"
        raise ForeignPhotos(f"photos {', '.join(wrong)} are not photos of {where}")
    return [str(photo) for photo in dict.fromkeys(photo_ids)]


async def announce_edit(db_session: AsyncSession, events: EventPublisher, scan: Scan, what: What) -> None:
    """`scan:updated`, written in the edit's own transaction: it commits with it, and its commit delivers it.
    Every edit calls this, so it also dates the edit on the scan (the report's "updated")."""
    scan.edited_at = utcnow()
    await realtime_service.stage_event(
        db_session=db_session, events=events, user_id=scan.user_id, event=ScanUpdated(scan_id=scan.id, what=what)
    )
