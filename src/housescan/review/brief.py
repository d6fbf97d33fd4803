"""The report's figures that compare shows, computed as the report computes them (ARCHITECTURE §5)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from housescan.agents.contract import ChecklistItem
from housescan.review.conclusions import assessed_of, pros_and_cons
from housescan.review.context import HOUSE, ScanContext
from housescan.review.finding_list import cost_totals, ordered_findings
from housescan.review.item_answers import house_type_answer, item_values, room_type_answer
from housescan.review.schemas import Answer, Assessed, CostTotals, FindingList, Source
from housescan.review.wording import room_name


@dataclass(frozen=True, slots=True)
class Judged:
    """An item's current value and who gave it, without the rest of its provenance."""

    value: Any
    source: Source
    title: str | None
    kind: str | None


def judged_items(
    context: ScanContext,
    *,
    scope: str,
    items: Iterable[ChecklistItem],
    kind: str | None,
    answers: Mapping[str, Any],
    products: bool = False,
) -> dict[str, Judged]:
    """The values `checklist_answers` shows for these items (the person's answer wins), and nothing else."""
    return {
        item.id: Judged(
            value=person.value if person else value,
            source="person" if person else "model",
            title=item.title,
            kind="product" if products else item.type.value,
        )
        for item, value, _confidence, _raw, person in item_values(
            context, scope=scope, items=items, kind=kind, answers=answers, products=products
        )
    }


@dataclass
class JudgedRoom:
    id: uuid.UUID
    name: str
    room_type: Answer
    checklist: dict[str, Judged]
    products: dict[str, Judged]
    analysed: bool


@dataclass
class Brief:
    """The report's figures that compare shows, computed as `build_report` computes them, without what only
    the report shows (each answer's provenance and text, photos, limitations, summary)."""

    house_type: Answer
    rooms: list[JudgedRoom]
    findings: FindingList
    assessed: Assessed
    pros: list[str]
    cons: list[str]
    costs: CostTotals


def brief_of(context: ScanContext) -> Brief:
    house_type = house_type_answer(context)
    house = judged_items(
        context,
        scope=HOUSE,
        items=context.house_items,
        kind=house_type.value,
        answers=context.result.get("house_checklist") or {},
    )
    rooms: list[JudgedRoom] = []
    for room in context.rooms:
        room_result = context.room_result(room.id)
        room_type = room_type_answer(context, room)
        kind = room_type.value if isinstance(room_type.value, str) else None
        scope = str(room.id)
        checklist = judged_items(
            context, scope=scope, items=context.room_items, kind=kind, answers=room_result.get("issues") or {}
        )
        products = judged_items(
            context,
            scope=scope,
            items=context.product_items,
            kind=kind,
            answers=room_result.get("products") or {},
            products=True,
        )
        name = room_name(room.label, kind, room.ordinal)
        rooms.append(
            JudgedRoom(
                id=room.id,
                name=name,
                room_type=room_type,
                checklist=checklist,
                products=products,
                analysed=context.room_analysed(room.id),
            )
        )
    findings = ordered_findings(context.findings, room_names={room.id: room.name for room in rooms})
    pros, cons = pros_and_cons(house_type, house, rooms, findings)
    return Brief(
        house_type=house_type,
        rooms=rooms,
        findings=findings,
        assessed=assessed_of(house, rooms),
        pros=pros,
        cons=cons,
        costs=cost_totals(findings.items, currency=context.currency),
    )
