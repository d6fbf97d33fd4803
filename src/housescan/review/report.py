"""The report as a living document: the models' answers overlaid by the person's, findings, room edits.

The models' raw output stays as the scan run saved it (`house_scan_summary`, `agents_runs`); the person's
answers and findings live in this domain's tables and win on read. What a model says is shown only when
it has evidence for it:

- "not seen" (null) is never shown as "absent": a model's "absent" / "no" is shown only at a stated
  confidence of at least `ABSENCE_MIN_CONFIDENCE`, and never for products and house features (a set of
  photos shows part of a home; not seeing a dishwasher is no evidence that there is none);
- a model's "present" / "yes" (products, features, defects) needs a confidence of at least
  `PRESENCE_MIN_CONFIDENCE` when the model states one;
- the house type is the person's (given at creation or later); the model's only when the person gave none
  and its confidence is at least `HOUSE_TYPE_MIN_CONFIDENCE`; otherwise it is "not determined" (null);
- pros, cons and the summary are built here from these current answers, never from the models' own text.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import (
    ChecklistItem,
    ChecklistItemType,
)
from housescan.agents.local import measured
from housescan.config import Settings
from housescan.houses import service as houses_service
from housescan.houses.models import Room
from housescan.review.context import HOUSE, HOUSE_TYPE, PRODUCT_PREFIX, ROOM_TYPE, ScanContext, load_context
from housescan.review.models import SEVERITY_ORDER, Finding, PersonAnswer, Severity
from housescan.review.schemas import (
    NOT_VISIBLE,
    Answer,
    Assessed,
    Candidate,
    CostRange,
    CostTotals,
    FindingList,
    FindingOut,
    Limitations,
    Mark,
    PhotoQualityLimit,
    Report,
    ReportHouse,
    ReportImage,
    ReportRoom,
    RoomRef,
    Source,
    UnassessedItem,
)
from housescan.review.wording import (
    HOUSE_NAMES,
    ROOM_NAMES,
    article,
    capitalise,
    count_phrase,
    humanise,
    is_defect,
    join_words,
    room_name,
    room_type_named,
    with_text,
)
from housescan.scans import quality
from housescan.scans.models import Image, Scan
from housescan.scans.schemas import AssessedCounts, ScanPage
from housescan.scans.urls import signed_image_url

# The thresholds of honesty (module docstring); bench/README-models.md gives their measured precision. The
# house type's is the houses domain's, which the scans list follows too.
PRESENCE_MIN_CONFIDENCE = 0.5


ABSENCE_MIN_CONFIDENCE = 0.95
HOUSE_TYPE_MIN_CONFIDENCE = houses_service.HOUSE_TYPE_MIN_CONFIDENCE
QUALITIES = ("Poor", "Average", "Good", "Excellent")


def number_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _photo_ids(context: ScanContext, room_id: uuid.UUID | None, raw: Mapping[str, Any]) -> list[uuid.UUID]:
    """The photo a model says it saw something in, when it says so (an index into the room's photos, a
    photo URL, or a list of them)."""
    images = context.images_by_room.get(room_id, []) if room_id else context.images
    found: list[uuid.UUID] = []
    for key in ("photo_index", "image_index", "photo", "photos", "photo_indexes", "image_url", "seen_in"):
        value = raw.get(key)
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, int) and not isinstance(one, bool) and 0 <= one < len(images):
                found.append(images[one].id)
            elif isinstance(one, str):
                found.extend(image.id for image in images if image.object_key in one or str(image.id) in one)
    return list(dict.fromkeys(found))


def _seen_in(
    context: ScanContext, room_id: uuid.UUID | None, raw: Mapping[str, Any], answers: Mapping[str, Any], item_id: str
) -> list[uuid.UUID]:
    """The photos the model saw an item in: its sightings (`evidence`, best first), else hints on the answer."""
    sightings = (answers.get("evidence") or {}).get(item_id) or []
    indexes = [s.get("image_index") for s in sightings if isinstance(s, Mapping)]
    found = _photo_ids(context, room_id, {"photo_indexes": indexes}) if indexes else []
    return (found or _photo_ids(context, room_id, raw))[:3]


def _model_checklist_answer(
    item: ChecklistItem, answers: Mapping[str, Any], *, features: bool
) -> tuple[Any, float | None, Mapping[str, Any]]:
    """What the model answered for one item, after the honesty rules: (value or None, confidence, raw)."""
    unassessed = set(answers.get("unassessed") or [])
    confidences: Mapping[str, Any] = answers.get("confidence") or {}
    confidence = number_or_none(confidences.get(item.id))
    if item.id in unassessed:
        return None, confidence, {}
    if item.type is ChecklistItemType.boolean:
        value = (answers.get("booleans") or {}).get(item.id)
        if value is True:
            return (True if confidence is None or confidence >= PRESENCE_MIN_CONFIDENCE else None), confidence, {}
        if value is False:
            return (False if confidence is not None and confidence >= ABSENCE_MIN_CONFIDENCE else None), confidence, {}
        return None, confidence, {}
    if item.type is ChecklistItemType.categorical:
        quality = (answers.get("categoricals") or {}).get(item.id)
        shown = quality if quality in QUALITIES else None
        if shown is not None and confidence is not None and confidence < PRESENCE_MIN_CONFIDENCE:
            shown = None
        return shown, confidence, {}
    raw: Mapping[str, Any] = (answers.get("conditionals") or {}).get(item.id) or {}
    exists = raw.get("exists")
    confidence = number_or_none(raw.get("confidence")) if raw.get("confidence") is not None else confidence
    condition = raw.get("condition") if raw.get("condition") in QUALITIES else None
    if exists is True and (confidence is None or confidence >= PRESENCE_MIN_CONFIDENCE):
        return {"exists": True, "condition": condition}, confidence, raw
    if exists is False and not features and confidence is not None and confidence >= ABSENCE_MIN_CONFIDENCE:
        return {"exists": False, "condition": None}, confidence, raw
    return None, confidence, raw


def _raw_model_value(item: ChecklistItem, answers: Mapping[str, Any]) -> Any:
    """What the model said, unfiltered (kept as `model_value` when a person overrides it)."""
    if item.id in set(answers.get("unassessed") or []):
        return None
    if item.type is ChecklistItemType.boolean:
        return (answers.get("booleans") or {}).get(item.id)
    if item.type is ChecklistItemType.categorical:
        quality = (answers.get("categoricals") or {}).get(item.id)
        return quality if quality in QUALITIES else None
    raw = (answers.get("conditionals") or {}).get(item.id) or {}
    if raw.get("exists") is None:
        return None
    return {
        "exists": raw.get("exists"),
        "condition": raw.get("condition") if raw.get("condition") in QUALITIES else None,
    }


def _overlay(model: Answer, person: PersonAnswer | None, *, model_value: Any) -> Answer:
    """The person's answer wins; the model's value stays visible as `model_value`."""
    if person is None:
        return model
    return model.model_copy(
        update={
            "value": person.value,
            "source": "person",
            "confidence": None,
            "note": person.note,
            "photo_ids": [uuid.UUID(photo) for photo in person.photo_ids],
            "answered_at": person.answered_at,
            "model_value": model_value,
            "model_confidence": model.confidence,
            "confidence_basis": None,
            "measured_on": None,
            "measured_precision": None,
            "photo_score": None,
        }
    )


def _applies(item: ChecklistItem, kind: str | None) -> bool:
    return not item.applies_to or kind is None or kind in item.applies_to


def _offline(model: str | None) -> bool:
    """Whether an answer is the offline `local` provider's, whose rules' precision bench/cv_figures.py measured."""
    return bool(model) and str(model).split(":", 1)[0] == "local"


def _measured(
    model: str | None, confidence: float | None, figure: tuple[float, float] | None, photos: int
) -> dict[str, Any]:
    """What a model's confidence is: the offline provider states its rule's out-of-fold precision
    (bench/cv_figures.py) as the confidence of a "seen"; a result it saved before that was measured, or
    another model's answer, carries a figure the model stated."""
    if confidence is None:
        return {"confidence": None}
    if _offline(model) and figure is not None and abs(confidence - figure[0]) < 1e-6:
        return {"confidence": confidence, "confidence_basis": "out_of_fold_precision", "measured_on": photos}
    return {"confidence": confidence, "confidence_basis": "stated_by_model"}


def _photo_score(answers: Mapping[str, Any], item_id: str) -> float | None:
    """The best raw score among the sightings behind an answer (the photo's own score)."""
    sightings = (answers.get("evidence") or {}).get(item_id) or []
    scores = [number_or_none(s.get("confidence")) for s in sightings if isinstance(s, Mapping)]
    return max((score for score in scores if score is not None), default=None)


def house_type_answer(context: ScanContext) -> Answer:
    result = context.result
    types = [str(name) for name in result.get("house_types") or []]
    confidence = number_or_none(result.get("house_type_confidence"))
    at = context.summary.derived_at if context.summary else None
    candidates = [Candidate(value=name, confidence=confidence if i == 0 else None) for i, name in enumerate(types)]
    model_value = types[0] if types else None
    shown = houses_service.house_type_to_show(person=None, model=model_value, model_confidence=confidence)
    model = context.model_of("house_type") if types else None
    stated = _measured(model, confidence, measured.HOUSE_TYPE_PRECISION, measured.MEASURED_ON_EXTERIORS)
    answer = Answer(
        value=shown,
        source="model",
        model=model,
        answered_at=at,
        title="House type",
        kind="house_type",
        candidates=candidates,
        **(stated if types else {}),
    )
    person = context.answers.get((HOUSE, HOUSE_TYPE))
    if person is None and context.scan.inputs_snapshot.get("house_type"):
        # Given when the scan was created.
        person = PersonAnswer(
            value=context.scan.inputs_snapshot["house_type"], photo_ids=[], answered_at=context.scan.created_at
        )
    return with_text(_overlay(answer, person, model_value=model_value))


def room_type_answer(context: ScanContext, room: Room) -> Answer:
    result = context.room_result(room.id)
    types = [str(name) for name in result.get("room_types") or room.detected_room_types or []]
    confidence = number_or_none(result.get("room_type_confidence"))
    scores: Mapping[str, Any] = (result.get("details") or {}).get("scores") or {}
    candidates = [
        Candidate(
            value=name,
            confidence=number_or_none(scores.get(name)) if name in scores else (confidence if i == 0 else None),
        )
        for i, name in enumerate(types)
    ]
    model = context.model_of("room_type", room.id) if types else None
    own = candidates[0].confidence if candidates else None
    figure = measured.ROOM_TYPE_PRECISION.get(types[0]) if types and _offline(model) else None
    answer = Answer(
        value=types[0] if types else None,
        source="model",
        model=model,
        confidence=own,
        # the offline provider's room score is its own reading of these photos; beside it, how often such a
        # reading was right on photos its rules were not chosen on
        confidence_basis=("model_score" if _offline(model) else "stated_by_model") if own is not None else None,
        measured_precision=figure[0] if figure else None,
        measured_on=measured.MEASURED_ON_PHOTOS if figure else None,
        photo_score=own if _offline(model) else None,
        answered_at=context.summary.derived_at if context.summary and types else None,
        title="Room type",
        kind="room_type",
        candidates=candidates,
    )
    person = context.answers.get((str(room.id), ROOM_TYPE))
    named = room_type_named(room.label)
    if person is None and named is not None:
        # The person's own word for the room ("Kitchen", "Bedroom 2") is their answer until they change it;
        # the model's reading stays beside it (`model_value`, candidates), shown and not applied.
        person = PersonAnswer(
            value=named, photo_ids=[], answered_at=room.created_at, note=f"From the room's name “{room.label}”"
        )
    return with_text(_overlay(answer, person, model_value=answer.value))


def _item_values(
    context: ScanContext,
    *,
    scope: str,
    items: Iterable[ChecklistItem],
    kind: str | None,
    answers: Mapping[str, Any],
    products: bool,
) -> Iterator[tuple[ChecklistItem, Any, float | None, Mapping[str, Any], PersonAnswer | None]]:
    """The items a place shows, each with the model's value after the rules above (with its confidence and
    raw answer) and the person's answer if any. An item that does not apply to the place's kind shows only
    when someone answered it."""
    for item in items:
        key = PRODUCT_PREFIX + item.id if products else item.id
        person = context.answers.get((scope, key))
        value, confidence, raw = _model_checklist_answer(item, answers, features=products or scope == HOUSE)
        if products and isinstance(value, dict):
            value = bool(value.get("exists"))
        if not _applies(item, kind) and person is None and value is None:
            continue
        yield item, value, confidence, raw, person


def _checklist(
    context: ScanContext,
    *,
    scope: str,
    room_id: uuid.UUID | None,
    items: Iterable[ChecklistItem],
    kind: str | None,
    answers: Mapping[str, Any],
    agent: str,
    products: bool = False,
) -> dict[str, Answer]:
    out: dict[str, Answer] = {}
    at = context.summary.derived_at if context.summary else None
    for item, value, confidence, raw, person in _item_values(
        context, scope=scope, items=items, kind=kind, answers=answers, products=products
    ):
        model_value = _raw_model_value(item, answers)
        if products and isinstance(model_value, dict):
            model_value = model_value.get("exists")
        model = context.model_of(agent, room_id) if context.summary else None
        figure = measured.PRODUCT_PRECISION.get(item.product or item.id) if products and value is True else None
        answer = Answer(
            value=value,
            source="model",
            model=model,
            **_measured(model, confidence, figure, measured.MEASURED_ON_LABELLED_PHOTOS),
            photo_score=_photo_score(answers, item.id) if products else None,
            answered_at=at,
            photo_ids=_seen_in(context, room_id, raw, answers, item.id) if value is not None else [],
            title=item.title,
            kind="product" if products else item.type.value,
            description=item.description or None,
        )
        out[item.id] = with_text(_overlay(answer, person, model_value=model_value))
    return out


class Judgement(Protocol):
    """What pros, cons and the assessed counts read of an answer."""

    @property
    def value(self) -> Any: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def kind(self) -> str | None: ...


class JudgedPlace(Protocol):
    """What pros and cons read of a room."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def room_type(self) -> Answer: ...
    @property
    def checklist(self) -> Mapping[str, Judgement]: ...
    @property
    def products(self) -> Mapping[str, Judgement]: ...


@dataclass(frozen=True, slots=True)
class Judged:
    """An item's current value and who gave it, without the rest of its provenance."""

    value: Any
    source: Source
    title: str | None
    kind: str | None


def _judged(
    context: ScanContext,
    *,
    scope: str,
    items: Iterable[ChecklistItem],
    kind: str | None,
    answers: Mapping[str, Any],
    products: bool = False,
) -> dict[str, Judged]:
    """The values `_checklist` shows for these items (the person's answer wins), and nothing else."""
    return {
        item.id: Judged(
            value=person.value if person else value,
            source="person" if person else "model",
            title=item.title,
            kind="product" if products else item.type.value,
        )
        for item, value, _confidence, _raw, person in _item_values(
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
    house = _judged(
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
        checklist = _judged(
            context, scope=scope, items=context.room_items, kind=kind, answers=room_result.get("issues") or {}
        )
        products = _judged(
            context,
            scope=scope,
            items=context.product_items,
            kind=kind,
            answers=room_result.get("products") or {},
            products=True,
        )
        name = room_name(room.label, kind, room.ordinal)
        rooms.append(JudgedRoom(id=room.id, name=name, room_type=room_type, checklist=checklist, products=products))
    findings = ordered_findings(context.findings, room_names={room.id: room.name for room in rooms})
    every = [*house.values(), *(a for room in rooms for a in (*room.checklist.values(), *room.products.values()))]
    pros, cons = pros_and_cons(house_type, house, rooms, findings)
    return Brief(
        house_type=house_type,
        rooms=rooms,
        findings=findings,
        assessed=assessed_of(every),
        pros=pros,
        cons=cons,
        costs=cost_totals(findings.items, currency=context.currency),
    )


def assessed_of(every: Sequence[Judgement]) -> Assessed:
    """How much of the checklists is answered, and by whom."""
    return Assessed(
        total=len(every),
        by_person=sum(answer.source == "person" for answer in every),
        by_model=sum(answer.source == "model" and answer.value is not None for answer in every),
        not_assessed=sum(answer.value is None for answer in every),
        not_visible=sum(answer.value == NOT_VISIBLE for answer in every),
    )


def finding_out(finding: Finding, room_names: Mapping[uuid.UUID, str] | None = None) -> FindingOut:
    return FindingOut(
        id=finding.id,
        room_id=finding.room_id,
        title=finding.title,
        severity=finding.severity,
        note=finding.note,
        photo_ids=[uuid.UUID(photo) for photo in finding.photo_ids],
        source="person" if finding.source == "person" else "model",
        checklist_item_id=finding.checklist_item_id,
        trade=finding.trade,
        cost_low=finding.cost_low,
        cost_high=finding.cost_high,
        cost_source=finding.cost_source,
        marks=[Mark.model_validate(mark) for mark in finding.marks or []],
        room_name=(room_names or {}).get(finding.room_id) if finding.room_id else None,
        created_at=finding.created_at,
        updated_at=finding.updated_at,
    )


def ordered_findings(findings: Iterable[Finding], *, room_names: Mapping[uuid.UUID, str] | None = None) -> FindingList:
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER[Severity(f.severity)], f.created_at, str(f.id)))
    counts = Counter(str(finding.severity) for finding in ordered)
    return FindingList(
        items=[finding_out(finding, room_names) for finding in ordered],
        counts={s.value: counts.get(s.value, 0) for s in Severity},
    )


def rooms_with_new_photos(context: ScanContext) -> set[uuid.UUID]:
    """Rooms whose photos changed since the analysis that is saved: a photo added after it, or no result
    for the room at all (it failed or was added later)."""
    if context.summary is None:
        return set()
    since: datetime = context.summary.derived_at
    changed = {image.room_id for image in context.images if image.created_at > since}
    analysed = {
        str(room.get("room_id"))
        for room in context.result.get("rooms") or []
        if room.get("status", "succeeded") == "succeeded"
    }
    changed.update(
        room.id for room in context.rooms if str(room.id) not in analysed and context.images_by_room.get(room.id)
    )
    return changed


Audience = Literal["owner", "reader"]


def build_report(context: ScanContext, *, settings: Settings, audience: Audience = "owner") -> Report:
    house_type = house_type_answer(context)
    result = context.result
    house_checklist = _checklist(
        context,
        scope=HOUSE,
        room_id=None,
        items=context.house_items,
        kind=house_type.value,
        answers=result.get("house_checklist") or {},
        agent="house_checklist",
    )
    rooms: list[ReportRoom] = []
    changed = rooms_with_new_photos(context)
    for room in context.rooms:
        room_result = context.room_result(room.id)
        room_type = room_type_answer(context, room)
        kind = room_type.value if isinstance(room_type.value, str) else None
        checklist = _checklist(
            context,
            scope=str(room.id),
            room_id=room.id,
            items=context.room_items,
            kind=kind,
            answers=room_result.get("issues") or {},
            agent="room_checklist",
        )
        products = _checklist(
            context,
            scope=str(room.id),
            room_id=room.id,
            items=context.product_items,
            kind=kind,
            answers=room_result.get("products") or {},
            agent="products",
            products=True,
        )
        images = context.images_by_room.get(room.id, [])
        rooms.append(
            ReportRoom(
                id=room.id,
                ordinal=room.ordinal,
                label=room.label,
                name=room_name(room.label, kind, room.ordinal),
                room_type=room_type,
                checklist=checklist,
                products=products,
                images=[report_image(settings, image) for image in images],
                not_assessed=sum(answer.value is None for answer in (*checklist.values(), *products.values())),
                checked=sum(answer.source == "person" for answer in checklist.values()),
                checklist_total=len(checklist),
                analysed=bool(room_result) and room_result.get("status", "succeeded") == "succeeded",
                photos_changed=room.id in changed,
            )
        )
    names = {room.id: room.name for room in rooms}
    findings = ordered_findings(context.findings, room_names=names)
    every = [
        *house_checklist.values(),
        *(a for room in rooms for a in (*room.checklist.values(), *room.products.values())),
    ]
    assessed = assessed_of(every)
    limitations = limitations_of(house_checklist, rooms, assessed, audience=audience)
    limitations.photo_quality = photo_quality_of(context, rooms)
    pros, cons = pros_and_cons(house_type, house_checklist, rooms, findings)
    return Report(
        scan_id=context.scan.id,
        status=str(context.scan.status),
        house=ReportHouse(address=context.house.address, house_type=house_type, checklist=house_checklist),
        rooms=rooms,
        findings=findings.items,
        finding_counts=findings.counts,
        pros=pros,
        cons=cons,
        summary=summary_text(house_type, rooms, findings, assessed, audience=audience),
        assessed=assessed,
        limitations=limitations,
        costs=cost_totals(findings.items, currency=context.currency),
        audience=audience,
        scanned_at=context.scan.first_analysed_at,
        updated_at=last_change(context),
        derived_at=context.summary.derived_at if context.summary else None,
        thresholds={
            "presence_min_confidence": PRESENCE_MIN_CONFIDENCE,
            "absence_min_confidence": ABSENCE_MIN_CONFIDENCE,
            "house_type_min_confidence": HOUSE_TYPE_MIN_CONFIDENCE,
        },
    )


def last_change(context: ScanContext) -> datetime | None:
    """The report's "updated": its newest analysis, answer, finding or photo."""
    moments = [
        *((context.summary.derived_at,) if context.summary else ()),
        *(answer.answered_at for answer in context.answers.values()),
        *(finding.updated_at for finding in context.findings),
        *(image.created_at for image in context.images),
    ]
    return max(moments, default=None)


def limitations_of(
    house: Mapping[str, Answer], rooms: Sequence[ReportRoom], assessed: Assessed, *, audience: Audience
) -> Limitations:
    """What nobody judged, in the checklists (products a model did not see are "not seen" in their rooms)."""
    items: list[UnassessedItem] = []
    for scope, room, answers in (
        (HOUSE, None, house),
        *((str(room.id), room, room.checklist) for room in rooms),
    ):
        for item_id, answer in answers.items():
            reason: Literal["not_assessed", "not_visible"] | None = (
                "not_assessed" if answer.value is None else "not_visible" if answer.value == NOT_VISIBLE else None
            )
            if reason is not None:
                items.append(
                    UnassessedItem(
                        scope=scope,
                        item_id=item_id,
                        title=answer.title or humanise(item_id),
                        room_name=room.name if room else None,
                        reason=reason,
                    )
                )
    without_photos = [RoomRef(id=room.id, name=room.name) for room in rooms if not room.images]
    not_analysed = [RoomRef(id=room.id, name=room.name) for room in rooms if room.images and not room.analysed]
    not_assessed = sum(item.reason == "not_assessed" for item in items)
    not_visible = len(items) - not_assessed
    return Limitations(
        not_assessed=not_assessed,
        not_visible=not_visible,
        rooms_without_photos=without_photos,
        rooms_not_analysed=not_analysed,
        items=items,
        statement=scope_statement(assessed, not_assessed, without_photos, audience=audience),
    )


def photo_quality_of(context: ScanContext, rooms: Sequence[ReportRoom]) -> list[PhotoQualityLimit]:
    """Each measured photo's flags; near-duplicates by its hash against the earlier photos of its room."""
    out: list[PhotoQualityLimit] = []
    for room in rooms:
        earlier: list[str] = []
        for image in context.images_by_room.get(room.id, []):
            try:
                measures = quality.Measures(**image.quality) if image.quality else None
            except TypeError:
                measures = None  # measures stored in another shape: as good as not measured
            if measures is None:
                continue
            flags = quality.flags_of(measures)
            if quality.is_near_duplicate(measures.dhash, earlier):
                flags.append("near_duplicate")
            earlier.append(measures.dhash)
            out.extend(
                PhotoQualityLimit(
                    image_id=image.id, room_id=room.id, room_name=room.name, flag=flag, sentence=quality.SENTENCES[flag]
                )
                for flag in flags
            )
    return out


def scope_statement(
    assessed: Assessed, not_assessed: int, without_photos: Sequence[RoomRef], *, audience: Audience
) -> str:
    """The report's scope in plain words. It never implies that what nobody looked at is sound."""
    who = "You" if audience == "owner" else "The owner"
    parts = [
        f"{who} checked {assessed.by_person} of {assessed.total} items; the image models answered "
        f"{assessed.by_model} more (room types and products they saw in the photos). The models cannot judge "
        "condition: walls, floors, damp, cracks, windows and ventilation are judged only where a person answered."
    ]
    if not_assessed:
        parts.append(
            f"{count_phrase(not_assessed, 'checklist item').capitalize()} {'was' if not_assessed == 1 else 'were'} "
            "not assessed by anyone: nothing in this report says they are in good order."
        )
    if without_photos:
        parts.append(f"Not photographed: {join_words([room.name for room in without_photos])}.")
    return " ".join(parts)


def cost_totals(findings: Sequence[FindingOut], *, currency: str) -> CostTotals:
    """Totals of the findings' cost ranges, overall, per trade and per severity."""
    priced = [f for f in findings if f.cost_low is not None and f.cost_high is not None]
    by_trade: dict[str, CostRange] = {}
    by_severity: dict[str, CostRange] = {}
    for finding in priced:
        low, high = finding.cost_low or 0.0, finding.cost_high or 0.0
        for totals, key in ((by_trade, str(finding.trade or "unassigned")), (by_severity, str(finding.severity))):
            total = totals.setdefault(key, CostRange(low=0, high=0))
            total.low, total.high, total.count = total.low + low, total.high + high, total.count + 1
    return CostTotals(
        low=sum(f.cost_low or 0.0 for f in priced),
        high=sum(f.cost_high or 0.0 for f in priced),
        currency=currency,
        by_trade=by_trade,
        by_severity={s.value: by_severity[s.value] for s in Severity if s.value in by_severity},
        findings_with_costs=len(priced),
        findings_without_costs=len(findings) - len(priced),
    )


def report_image(settings: Settings, image: Image) -> ReportImage:
    return ReportImage(
        id=image.id,
        url=signed_image_url(settings, image.id),
        thumbnail_url=signed_image_url(settings, image.id, variant="thumbnail"),
        medium_url=signed_image_url(settings, image.id, variant="medium"),
        created_at=image.created_at,
    )


def _said_once(lines: Iterable[str]) -> list[str]:
    """Each line once (the same point reached from an answer and from a finding is said once)."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        key = " ".join(line.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(capitalise(line))
    return kept


def pros_and_cons(
    house_type: Answer, house: Mapping[str, Judgement], rooms: Sequence[JudgedPlace], findings: FindingList
) -> tuple[list[str], list[str]]:
    """Pros and cons from the current answers and findings only: each is a person's answer, a finding, or a
    model's answer that passed the thresholds above. A finding made from a checklist item stands for that
    item: the item's own con is not said again."""
    pros: list[str] = []
    cons: list[str] = []
    documented = {(f.room_id, f.checklist_item_id) for f in findings.items if f.checklist_item_id}

    def judge(where: str, room_id: uuid.UUID | None, answers: Mapping[str, Judgement]) -> None:
        for item_id, answer in answers.items():
            title = (answer.title or humanise(item_id)).lower()
            value = answer.value
            quality = value.get("condition") if isinstance(value, dict) else value
            if quality in ("Good", "Excellent"):
                pros.append(f"{where}{title}: {str(quality).lower()}")
            elif (room_id, item_id) in documented:
                continue
            elif quality == "Poor":
                cons.append(f"{where}{title}: poor")
            elif value is True and answer.kind == "boolean" and is_defect(item_id):
                cons.append(f"{where}{title}")

    judge("", None, house)
    for room in rooms:
        judge(f"{room.name}: ", room.id, room.checklist)
    types = Counter(room.room_type.value for room in rooms if isinstance(room.room_type.value, str))
    if types["bathroom"] >= 2:
        pros.append(f"{count_phrase(types['bathroom'], 'bathroom').capitalize()}")
    if types["bedroom"] >= 3:
        pros.append(f"{count_phrase(types['bedroom'], 'bedroom').capitalize()}")
    for room in rooms:
        present = [answer.title or name for name, answer in room.products.items() if answer.value is True]
        if room.room_type.value == "kitchen" and len(present) >= 3:
            pros.append(f"{room.name}: equipped ({join_words([p.lower() for p in present])})")
    for finding in findings.items:
        if finding.severity is not Severity.note:
            cons.append(f"{finding.title} ({finding.severity.value})")
    return _said_once(pros), _said_once(cons)


def summary_text(
    house_type: Answer,
    rooms: Sequence[ReportRoom],
    findings: FindingList,
    assessed: Assessed,
    *,
    audience: Audience = "owner",
) -> str:
    kind = HOUSE_NAMES.get(str(house_type.value)) if house_type.value else None
    head = article(kind).capitalize() if kind else "A home whose type is not determined"
    counts = Counter(room.room_type.value if isinstance(room.room_type.value, str) else "other" for room in rooms)
    ordered = sorted(counts.items(), key=lambda kv: (kv[0] == "other", -kv[1], kv[0]))
    described = [count_phrase(n, *ROOM_NAMES.get(t, (humanise(t), humanise(t) + "s"))) for t, n in ordered]
    if rooms:
        kind_of_room = "photographed room" if all(room.images for room in rooms) else "room"
        sentence = f"{head} with {count_phrase(len(rooms), kind_of_room)}: {join_words(described)}."
    else:
        sentence = f"{head}; no rooms were recorded."
    parts = [sentence]
    total = sum(findings.counts.values())
    who = "you" if audience == "owner" else "the owner"
    checked = f"{who} checked {assessed.by_person} of {assessed.total} items"
    if total:
        by = [f"{n} {severity}" for severity, n in findings.counts.items() if n]
        parts.append(f"{count_phrase(total, 'finding').capitalize()} recorded ({', '.join(by)}).")
        parts.append(capitalise(checked) + ".")
    elif assessed.by_person * 2 < assessed.total:
        parts.append(
            f"No findings recorded, but {checked}: this is not a clean bill of health, only what was looked at so far."
        )
    else:
        parts.append(f"No findings recorded; {checked}.")
    if assessed.not_assessed:
        parts.append(f"{assessed.not_assessed} items were not assessed by anyone.")
    return " ".join(parts)


async def get_report(*, db_session: AsyncSession, settings: Settings, scan: Scan) -> Report:
    return build_report(await load_context(db_session=db_session, scan=scan), settings=settings)


async def with_digests(*, db_session: AsyncSession, settings: Settings, page: ScanPage) -> ScanPage:
    """A page of the scans list with each report in brief (findings by severity, how much is assessed,
    scanned and updated), each read as `GET .../report` reads it, so the list and the report never disagree."""
    scans = {
        scan.id: scan for scan in await db_session.scalars(select(Scan).where(Scan.id.in_([i.id for i in page.items])))
    }
    items = []
    for item in page.items:
        report = build_report(await load_context(db_session=db_session, scan=scans[item.id]), settings=settings)
        items.append(
            item.model_copy(
                update={
                    "findings_by_severity": report.finding_counts,
                    "assessed": AssessedCounts(**report.assessed.model_dump(include=set(AssessedCounts.model_fields))),
                    "scanned_at": report.scanned_at,
                    "updated_at": report.updated_at,
                }
            )
        )
    return page.model_copy(update={"items": items})


async def report_of_scan(
    *, db_session: AsyncSession, settings: Settings, scan: Scan, audience: Audience = "owner"
) -> tuple[Report, ScanContext]:
    """The report of a scan already known to be readable (the owner's, or a valid share link's reader's)."""
    context = await load_context(db_session=db_session, scan=scan)
    return build_report(context, settings=settings, audience=audience), context


def answer_in(report: Report, scope: str, item_id: str) -> Answer:
    if scope == HOUSE:
        if item_id == HOUSE_TYPE:
            return report.house.house_type
        return report.house.checklist[item_id]
    room = next(room for room in report.rooms if str(room.id) == scope)
    if item_id == ROOM_TYPE:
        return room.room_type
    if item_id.startswith(PRODUCT_PREFIX):
        return room.products[item_id.removeprefix(PRODUCT_PREFIX)]
    return room.checklist[item_id]
