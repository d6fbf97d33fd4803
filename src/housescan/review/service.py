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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import (
    HOUSE_TYPES,
    ROOM_TYPES,
    AgentExecution,
    ChecklistItem,
    ChecklistItemType,
    ScanRequest,
    ScanResponse,
    ScanResult,
)
from housescan.checklists import service as checklists_service
from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.db.base import utcnow
from housescan.errors import Conflict, NotFound, Unprocessable
from housescan.houses import service as houses_service
from housescan.houses.models import House, Room
from housescan.jobs.base import JobQueue
from housescan.realtime import service as realtime_service
from housescan.realtime.service import EventPublisher, StagedEvent
from housescan.review.models import SEVERITY_ORDER, Finding, PersonAnswer, Severity
from housescan.review.schemas import (
    Answer,
    AnswerPut,
    Assessed,
    Candidate,
    FindingCreate,
    FindingList,
    FindingOut,
    FindingPatch,
    Report,
    ReportHouse,
    ReportImage,
    ReportRoom,
    RoomAdd,
    RoomOut,
    RoomPatch,
)
from housescan.scans import service as scans_service
from housescan.scans.events import ScanUpdated
from housescan.scans.models import AgentRun, HouseScanSummary, Image, Scan, ScanStatus
from housescan.scans.service import ScanNotFound
from housescan.scans.urls import signed_image_url
from housescan.storage.base import ObjectStore

# The thresholds of honesty (module docstring); bench/README-models.md gives their measured precision.
PRESENCE_MIN_CONFIDENCE = 0.5
ABSENCE_MIN_CONFIDENCE = 0.95
HOUSE_TYPE_MIN_CONFIDENCE = 0.75
QUALITIES = ("Poor", "Average", "Good", "Excellent")
HOUSE = "house"
ROOM_TYPE = "room_type"
HOUSE_TYPE = "house_type"
PRODUCT_PREFIX = "products."
# Boolean checklist items whose "yes" is a defect (a con), recognised by their id.
_DEFECT_WORDS = ("damp", "crack", "mould", "mold", "leak", "damage", "rot", "rust", "pest", "stain", "asbestos")

ROOM_NAMES = {
    "bedroom": ("bedroom", "bedrooms"),
    "living_room": ("living room", "living rooms"),
    "kitchen": ("kitchen", "kitchens"),
    "bathroom": ("bathroom", "bathrooms"),
    "dining_room": ("dining room", "dining rooms"),
    "office": ("office", "offices"),
    "hallway": ("hallway", "hallways"),
    "laundry": ("laundry room", "laundry rooms"),
    "garage": ("garage", "garages"),
    "exterior": ("exterior view", "exterior views"),
    "other": ("room of undetermined type", "rooms of undetermined type"),
}
HOUSE_NAMES = {
    "apartment": "apartment",
    "villa": "villa",
    "townhouse": "townhouse",
    "studio": "studio",
    "penthouse": "penthouse",
    "detached_house": "detached house",
}
What = Literal["room", "answer", "finding", "photos", "report"]
_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


class ReviewNotFound(NotFound):
    message = "scan not found"


class ReportNotReady(Conflict):
    """The scan exists (and is the user's) but has no analysis to report yet."""


# ---------------------------------------------------------------------------------------------- reading


def humanise(identifier: str) -> str:
    return identifier.replace("_", " ")


def article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def count_phrase(count: int, singular: str, plural: str | None = None) -> str:
    if count == 1:
        return article(singular)
    number = _NUMBERS[count] if count < len(_NUMBERS) else str(count)
    return f"{number} {plural or singular + 's'}"


def join_words(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def is_defect(item_id: str) -> bool:
    return any(word in item_id for word in _DEFECT_WORDS)


def room_name(label: str | None, room_type: str | None, ordinal: int) -> str:
    if label:
        return label
    if room_type and room_type != "other":
        return ROOM_NAMES.get(room_type, (humanise(room_type),))[0].capitalize()
    return f"Room {ordinal + 1}"


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

    def model_of(self, agent: str, room_id: uuid.UUID | None = None) -> str | None:
        key = (agent, str(room_id) if room_id else None)
        if key in self.models:
            return self.models[key]
        if self.summary is not None:
            provider = (self.summary.cost_summary or {}).get("provider")
            return str(provider) if provider else None
        return None


async def owned_scan(*, db_session: AsyncSession, user_id: uuid.UUID, scan_id: uuid.UUID) -> Scan:
    try:
        return await scans_service.get_owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    except ScanNotFound:
        raise ReviewNotFound() from None


async def load_context(*, db_session: AsyncSession, scan: Scan) -> ScanContext:
    house = await db_session.get_one(House, scan.house_id)
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan.id)
    images = list(
        await db_session.scalars(select(Image).where(Image.scan_id == scan.id).order_by(Image.created_at, Image.id))
    )
    summary = await db_session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == scan.id))
    models = {
        (agent, room_id): model
        for agent, room_id, model in await db_session.execute(
            select(AgentRun.agent_name, AgentRun.room_id, AgentRun.model).where(AgentRun.scan_id == scan.id)
        )
    }
    checklists = await checklists_service.merged_checklists(db_session=db_session, user_id=scan.user_id)
    answers = {
        (answer.scope, answer.item_id): answer
        for answer in await db_session.scalars(select(PersonAnswer).where(PersonAnswer.scan_id == scan.id))
    }
    findings = list(await db_session.scalars(select(Finding).where(Finding.scan_id == scan.id)))
    return ScanContext(
        scan=scan,
        house=house,
        rooms=rooms,
        images=images,
        summary=summary,
        models=models,
        house_items=list(checklists.house),
        room_items=list(checklists.room),
        product_items=list(checklists.product),
        answers=answers,
        findings=findings,
    )


def _number(value: object) -> float | None:
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
    confidence = _number(confidences.get(item.id))
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
    confidence = _number(raw.get("confidence")) if raw.get("confidence") is not None else confidence
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
        }
    )


def display(answer: Answer) -> str:
    """The words for an answer's value, the same in the web app and in the PDF."""
    value = answer.value
    if value is None:
        return "Not determined" if answer.kind in ("room_type", "house_type") else "Not assessed"
    if answer.kind == "room_type":
        return ROOM_NAMES.get(str(value), (humanise(str(value)),))[0].capitalize()
    if answer.kind == "house_type":
        return HOUSE_NAMES.get(str(value), humanise(str(value))).capitalize()
    if isinstance(value, bool):
        if answer.kind == "product":
            return "Present" if value else "Not present"
        return "Yes" if value else "No"
    if isinstance(value, dict):
        if not value.get("exists"):
            return "Not present"
        condition = value.get("condition")
        return f"Present, condition {str(condition).lower()}" if condition else "Present"
    return str(value)


def with_text(answer: Answer) -> Answer:
    answer.text = display(answer)
    return answer


def _applies(item: ChecklistItem, kind: str | None) -> bool:
    return not item.applies_to or kind is None or kind in item.applies_to


def house_type_answer(context: ScanContext) -> Answer:
    result = context.result
    types = [str(name) for name in result.get("house_types") or []]
    confidence = _number(result.get("house_type_confidence"))
    at = context.summary.derived_at if context.summary else None
    candidates = [Candidate(value=name, confidence=confidence if i == 0 else None) for i, name in enumerate(types)]
    model_value = types[0] if types else None
    shown = model_value if confidence is not None and confidence >= HOUSE_TYPE_MIN_CONFIDENCE else None
    answer = Answer(
        value=shown,
        source="model",
        model=context.model_of("house_type") if types else None,
        confidence=confidence if types else None,
        answered_at=at,
        title="House type",
        kind="house_type",
        candidates=candidates,
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
    confidence = _number(result.get("room_type_confidence"))
    scores: Mapping[str, Any] = (result.get("details") or {}).get("scores") or {}
    candidates = [
        Candidate(
            value=name, confidence=_number(scores.get(name)) if name in scores else (confidence if i == 0 else None)
        )
        for i, name in enumerate(types)
    ]
    answer = Answer(
        value=types[0] if types else None,
        source="model",
        model=context.model_of("room_type", room.id) if types else None,
        confidence=candidates[0].confidence if candidates else None,
        answered_at=context.summary.derived_at if context.summary and types else None,
        title="Room type",
        kind="room_type",
        candidates=candidates,
    )
    return with_text(_overlay(answer, context.answers.get((str(room.id), ROOM_TYPE)), model_value=answer.value))


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
    for item in items:
        key = PRODUCT_PREFIX + item.id if products else item.id
        person = context.answers.get((scope, key))
        value, confidence, raw = _model_checklist_answer(item, answers, features=products or scope == HOUSE)
        if products and isinstance(value, dict):
            value = bool(value.get("exists"))
        if not _applies(item, kind) and person is None and value is None:
            continue
        model_value = _raw_model_value(item, answers)
        if products and isinstance(model_value, dict):
            model_value = model_value.get("exists")
        answer = Answer(
            value=value,
            source="model",
            model=context.model_of(agent, room_id) if context.summary else None,
            confidence=confidence,
            answered_at=at,
            photo_ids=_seen_in(context, room_id, raw, answers, item.id) if value is not None else [],
            title=item.title,
            kind="product" if products else item.type.value,
            description=item.description or None,
        )
        out[item.id] = with_text(_overlay(answer, person, model_value=model_value))
    return out


def finding_out(finding: Finding) -> FindingOut:
    return FindingOut(
        id=finding.id,
        room_id=finding.room_id,
        title=finding.title,
        severity=finding.severity,
        note=finding.note,
        photo_ids=[uuid.UUID(photo) for photo in finding.photo_ids],
        source="person" if finding.source == "person" else "model",
        checklist_item_id=finding.checklist_item_id,
        created_at=finding.created_at,
        updated_at=finding.updated_at,
    )


def ordered_findings(findings: Iterable[Finding]) -> FindingList:
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER[Severity(f.severity)], f.created_at, str(f.id)))
    counts = Counter(str(finding.severity) for finding in ordered)
    return FindingList(
        items=[finding_out(finding) for finding in ordered], counts={s.value: counts.get(s.value, 0) for s in Severity}
    )


def build_report(context: ScanContext, *, settings: Settings) -> Report:
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
                images=[_report_image(settings, image) for image in images],
                not_assessed=sum(answer.value is None for answer in (*checklist.values(), *products.values())),
                analysed=bool(room_result) and room_result.get("status", "succeeded") == "succeeded",
                photos_changed=room.id in changed,
            )
        )
    findings = ordered_findings(context.findings)
    every = [
        *house_checklist.values(),
        *(a for room in rooms for a in (*room.checklist.values(), *room.products.values())),
    ]
    assessed = Assessed(
        total=len(every),
        by_person=sum(answer.source == "person" for answer in every),
        by_model=sum(answer.source == "model" and answer.value is not None for answer in every),
        not_assessed=sum(answer.value is None for answer in every),
    )
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
        summary=summary_text(house_type, rooms, findings, assessed),
        assessed=assessed,
        derived_at=context.summary.derived_at if context.summary else None,
        thresholds={
            "presence_min_confidence": PRESENCE_MIN_CONFIDENCE,
            "absence_min_confidence": ABSENCE_MIN_CONFIDENCE,
            "house_type_min_confidence": HOUSE_TYPE_MIN_CONFIDENCE,
        },
    )


def _report_image(settings: Settings, image: Image) -> ReportImage:
    return ReportImage(
        id=image.id,
        url=signed_image_url(settings, image.id),
        thumbnail_url=signed_image_url(settings, image.id, variant="thumbnail"),
        medium_url=signed_image_url(settings, image.id, variant="medium"),
        created_at=image.created_at,
    )


def _room_phrase(room: ReportRoom) -> str:
    return room.name if room.label else article(room.name.lower())


def pros_and_cons(
    house_type: Answer, house: Mapping[str, Answer], rooms: Sequence[ReportRoom], findings: FindingList
) -> tuple[list[str], list[str]]:
    """Pros and cons from the current answers only: each is a person's answer or a model's that passed the
    thresholds above."""
    pros: list[str] = []
    cons: list[str] = []

    def judge(where: str, answers: Mapping[str, Answer]) -> None:
        for item_id, answer in answers.items():
            title = (answer.title or humanise(item_id)).lower()
            value = answer.value
            quality = value.get("condition") if isinstance(value, dict) else value
            if quality in ("Good", "Excellent"):
                pros.append(f"{where}{title}: {str(quality).lower()}")
            elif quality == "Poor":
                cons.append(f"{where}{title}: poor")
            elif value is True and answer.kind == "boolean" and is_defect(item_id):
                cons.append(f"{where}{title}")

    judge("", house)
    for room in rooms:
        judge(f"{room.name}: ", room.checklist)
    types = Counter(room.room_type.value for room in rooms if isinstance(room.room_type.value, str))
    if types["bathroom"] >= 2:
        pros.append(f"{count_phrase(types['bathroom'], 'bathroom').capitalize()}")
    if types["bedroom"] >= 3:
        pros.append(f"{count_phrase(types['bedroom'], 'bedroom').capitalize()}")
    for room in rooms:
        present = [answer.title or name for name, answer in room.products.items() if answer.value is True]
        if room.room_type.value == "kitchen" and len(present) >= 3:
            pros.append(f"{room.name}: equipped ({join_words([p.lower() for p in present])})")
    serious = [f for f in findings.items if f.severity in (Severity.safety, Severity.major)]
    cons.extend(f"{f.title} ({f.severity.value})" for f in serious)
    return [_capital(line) for line in pros], [_capital(line) for line in cons]


def _capital(line: str) -> str:
    return line[:1].upper() + line[1:]


def summary_text(house_type: Answer, rooms: Sequence[ReportRoom], findings: FindingList, assessed: Assessed) -> str:
    kind = HOUSE_NAMES.get(str(house_type.value)) if house_type.value else None
    head = article(kind).capitalize() if kind else "A home whose type is not determined"
    counts = Counter(room.room_type.value if isinstance(room.room_type.value, str) else "other" for room in rooms)
    ordered = sorted(counts.items(), key=lambda kv: (kv[0] == "other", -kv[1], kv[0]))
    described = [count_phrase(n, *ROOM_NAMES.get(t, (humanise(t), humanise(t) + "s"))) for t, n in ordered]
    if rooms:
        sentence = f"{head} with {count_phrase(len(rooms), 'photographed room')}: {join_words(described)}."
    else:
        sentence = f"{head}; no rooms were photographed."
    parts = [sentence]
    total = sum(findings.counts.values())
    if total:
        by = [f"{n} {severity}" for severity, n in findings.counts.items() if n]
        parts.append(f"{count_phrase(total, 'finding').capitalize()} recorded ({', '.join(by)}).")
    else:
        parts.append("No findings recorded.")
    if assessed.total:
        answered = assessed.total - assessed.not_assessed
        parts.append(
            f"{answered} of {assessed.total} checklist items are answered"
            + (f" ({assessed.by_person} by you)" if assessed.by_person else "")
            + (f"; {assessed.not_assessed} still need a look." if assessed.not_assessed else ".")
        )
    return " ".join(parts)


async def get_report(*, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID, scan_id: uuid.UUID) -> Report:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    return build_report(await load_context(db_session=db_session, scan=scan), settings=settings)


async def report_of_scan(*, db_session: AsyncSession, settings: Settings, scan: Scan) -> tuple[Report, ScanContext]:
    """The report of a scan already known to be readable (the owner's, or a valid share link's)."""
    context = await load_context(db_session=db_session, scan=scan)
    return build_report(context, settings=settings), context


# ---------------------------------------------------------------------------------------------- answers


def _item_of(items: Iterable[ChecklistItem], item_id: str) -> ChecklistItem | None:
    return next((item for item in items if item.id == item_id), None)


def _quality(value: Any, what: str) -> str:
    if value not in QUALITIES:
        raise Unprocessable(f"{what} must be one of {', '.join(QUALITIES)}")
    return str(value)


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise Unprocessable(f"{what} must be true or false")
    return value


def normalise_value(context: ScanContext, scope: str, item_id: str, value: Any) -> Any:
    """The person's value checked against the item's type; raises NotFound for an unknown item."""
    if item_id == HOUSE_TYPE:
        if scope != HOUSE:
            raise ReviewNotFound("the house type is answered in the `house` scope")
        if value not in HOUSE_TYPES:
            raise Unprocessable(f"house_type must be one of {', '.join(HOUSE_TYPES)}")
        return value
    if item_id == ROOM_TYPE:
        if scope == HOUSE:
            raise ReviewNotFound("a room type is answered in a room's scope")
        if value not in ROOM_TYPES:
            raise Unprocessable(f"room_type must be one of {', '.join(ROOM_TYPES)}")
        return value
    if item_id.startswith(PRODUCT_PREFIX):
        name = item_id.removeprefix(PRODUCT_PREFIX)
        if scope == HOUSE or _item_of(context.product_items, name) is None:
            raise ReviewNotFound(f"no product '{name}' in this room's list")
        if isinstance(value, dict):
            value = value.get("exists")
        return _bool(value, "a product answer")
    item = _item_of(context.house_items if scope == HOUSE else context.room_items, item_id)
    if item is None:
        raise ReviewNotFound(f"no checklist item '{item_id}' in the {'house' if scope == HOUSE else 'room'} checklist")
    if item.type is ChecklistItemType.boolean:
        return _bool(value, item.title)
    if item.type is ChecklistItemType.categorical:
        return _quality(value, item.title)
    if isinstance(value, bool):
        value = {"exists": value}
    if not isinstance(value, dict) or not isinstance(value.get("exists"), bool):
        raise Unprocessable(f"{item.title} takes {{exists: true|false, condition?: Poor..Excellent}}")
    condition = value.get("condition")
    if not value["exists"] or condition in (None, "", "N/A"):
        condition = None
    else:
        condition = _quality(condition, f"{item.title} condition")
    return {"exists": value["exists"], "condition": condition}


def _room(context: ScanContext, room_id: uuid.UUID | str) -> Room:
    for room in context.rooms:
        if str(room.id) == str(room_id):
            return room
    raise ReviewNotFound("room not found")


def _scope(context: ScanContext, scope: str) -> str:
    return HOUSE if scope == HOUSE else str(_room(context, scope).id)


def _check_photos(context: ScanContext, scope: str, photo_ids: Sequence[uuid.UUID]) -> list[str]:
    allowed = context.images if scope == HOUSE else context.images_by_room.get(uuid.UUID(scope), [])
    known = {image.id for image in allowed}
    wrong = [str(photo) for photo in photo_ids if photo not in known]
    if wrong:
        where = "this scan" if scope == HOUSE else "this room"
        raise Unprocessable(f"photos {', '.join(wrong)} are not photos of {where}")
    return [str(photo) for photo in dict.fromkeys(photo_ids)]


def _answer_in(report: Report, scope: str, item_id: str) -> Answer:
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


def _show_house_type(context: ScanContext, scope: str, item_id: str) -> None:
    """The house's type as the scans list shows it follows the report's answer: the person's once given."""
    if scope == HOUSE and item_id == HOUSE_TYPE:
        value = house_type_answer(context).value
        context.house.house_type = value if isinstance(value, str) else None


async def _announce(db_session: AsyncSession, scan: Scan, what: What) -> StagedEvent:
    """`scan:updated`, written in the edit's own transaction (it commits with it, and is delivered after)."""
    return await realtime_service.stage_event(
        db_session=db_session, user_id=scan.user_id, event=ScanUpdated(scan_id=scan.id, what=what)
    )


async def _commit_and_deliver(db_session: AsyncSession, events: EventPublisher, staged: StagedEvent) -> None:
    await db_session.commit()
    await events.deliver(staged)


async def put_answer(
    *,
    db_session: AsyncSession,
    settings: Settings,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    scope: str,
    item_id: str,
    body: AnswerPut,
) -> Answer:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    context = await load_context(db_session=db_session, scan=scan)
    scope = _scope(context, scope)
    value = normalise_value(context, scope, item_id, body.value)
    photos = _check_photos(context, scope, body.photo_ids)
    note = body.note.strip() if body.note and body.note.strip() else None
    answer = context.answers.get((scope, item_id))
    if answer is None:
        answer = PersonAnswer(scan_id=scan.id, scope=scope, item_id=item_id)
        db_session.add(answer)
        context.answers[(scope, item_id)] = answer
    answer.value, answer.note, answer.photo_ids, answer.answered_at = value, note, photos, utcnow()
    _show_house_type(context, scope, item_id)
    staged = await _announce(db_session, scan, "answer")
    await _commit_and_deliver(db_session, events, staged)
    return _answer_in(build_report(context, settings=settings), scope, item_id)


async def delete_answer(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    scope: str,
    item_id: str,
) -> None:
    """Revert to the model's answer. Reverting what the person never answered is a no-op (204 anyway)
    unless the scope does not exist. The house type given at creation is reverted too."""
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    context = await load_context(db_session=db_session, scan=scan)
    scope = _scope(context, scope)
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
    staged = await _announce(db_session, scan, "answer")
    await _commit_and_deliver(db_session, events, staged)


# ---------------------------------------------------------------------------------------------- rooms


async def patch_room(
    *,
    db_session: AsyncSession,
    settings: Settings,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    room_id: uuid.UUID,
    body: RoomPatch,
) -> RoomOut:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    context = await load_context(db_session=db_session, scan=scan)
    room = _room(context, room_id)
    fields = body.model_fields_set
    if "label" in fields:
        room.label = body.label.strip() if body.label and body.label.strip() else None
    if "room_type" in fields:
        scope = str(room.id)
        if body.room_type is None:
            await db_session.execute(
                delete(PersonAnswer).where(
                    PersonAnswer.scan_id == scan.id, PersonAnswer.scope == scope, PersonAnswer.item_id == ROOM_TYPE
                )
            )
            context.answers.pop((scope, ROOM_TYPE), None)
        else:
            value = normalise_value(context, scope, ROOM_TYPE, body.room_type)
            answer = context.answers.get((scope, ROOM_TYPE))
            if answer is None:
                answer = PersonAnswer(scan_id=scan.id, scope=scope, item_id=ROOM_TYPE, note=None, photo_ids=[])
                db_session.add(answer)
                context.answers[(scope, ROOM_TYPE)] = answer
            answer.value, answer.answered_at = value, utcnow()
    staged = await _announce(db_session, scan, "room")
    await _commit_and_deliver(db_session, events, staged)
    return RoomOut(id=room.id, ordinal=room.ordinal, label=room.label, room_type=room_type_answer(context, room))


def _before_processing(scan: Scan) -> None:
    if scan.status not in (ScanStatus.draft, ScanStatus.failed):
        raise Conflict(f"rooms can be added or removed only before processing; the scan is {scan.status}")


async def add_room(
    *,
    db_session: AsyncSession,
    settings: Settings,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    body: RoomAdd,
) -> RoomOut:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    _before_processing(scan)
    count = await db_session.scalar(select(func.count()).select_from(Room).where(Room.scan_id == scan.id)) or 0
    if count >= settings.max_rooms_per_scan:
        raise Conflict(f"a scan has at most {settings.max_rooms_per_scan} rooms")
    last = await db_session.scalar(select(func.max(Room.ordinal)).where(Room.scan_id == scan.id))
    label = body.label.strip() if body.label and body.label.strip() else None
    room = houses_service.new_rooms(scan_id=scan.id, labels=[label])[0]
    room.ordinal = (last if last is not None else -1) + 1
    db_session.add(room)
    staged = await _announce(db_session, scan, "room")
    await _commit_and_deliver(db_session, events, staged)
    return RoomOut(
        id=room.id, ordinal=room.ordinal, label=room.label, room_type=Answer(title="Room type", kind="room_type")
    )


async def remove_room(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    room_id: uuid.UUID,
) -> None:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    room = await db_session.scalar(select(Room).where(Room.id == room_id, Room.scan_id == scan.id))
    if room is None:
        raise ReviewNotFound("room not found")
    _before_processing(scan)
    remaining = await db_session.scalar(select(func.count()).select_from(Room).where(Room.scan_id == scan.id)) or 0
    if remaining <= 1:
        raise Conflict("a scan keeps at least one room")
    keys = list(await db_session.scalars(select(Image.object_key).where(Image.room_id == room.id)))
    await db_session.execute(delete(Image).where(Image.room_id == room.id))
    await db_session.execute(
        delete(PersonAnswer).where(PersonAnswer.scan_id == scan.id, PersonAnswer.scope == str(room.id))
    )
    await db_session.delete(room)
    staged = await _announce(db_session, scan, "room")
    await _commit_and_deliver(db_session, events, staged)
    # Files go after the rows: a crash in between leaves orphan files, never rows pointing at nothing.
    await store.delete(keys)


# ---------------------------------------------------------------------------------------------- findings


async def list_findings(*, db_session: AsyncSession, user_id: uuid.UUID, scan_id: uuid.UUID) -> FindingList:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    return ordered_findings(await db_session.scalars(select(Finding).where(Finding.scan_id == scan.id)))


def _check_finding_refs(context: ScanContext, room_id: uuid.UUID | None, photo_ids: Sequence[uuid.UUID]) -> list[str]:
    if room_id is not None:
        _room(context, room_id)
    return _check_photos(context, HOUSE if room_id is None else str(room_id), photo_ids)


async def create_finding(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    body: FindingCreate,
) -> FindingOut:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    context = await load_context(db_session=db_session, scan=scan)
    photos = _check_finding_refs(context, body.room_id, body.photo_ids)
    now = utcnow()
    finding = Finding(
        id=uuid.uuid4(),
        scan_id=scan.id,
        room_id=body.room_id,
        title=body.title.strip(),
        severity=body.severity,
        note=body.note.strip() if body.note and body.note.strip() else None,
        photo_ids=photos,
        source="person",
        checklist_item_id=body.checklist_item_id,
        created_at=now,
        updated_at=now,
    )
    db_session.add(finding)
    staged = await _announce(db_session, scan, "finding")
    await _commit_and_deliver(db_session, events, staged)
    return finding_out(finding)


async def _owned_finding(db_session: AsyncSession, scan: Scan, finding_id: uuid.UUID) -> Finding:
    finding = await db_session.scalar(select(Finding).where(Finding.id == finding_id, Finding.scan_id == scan.id))
    if finding is None:
        raise ReviewNotFound("finding not found")
    return finding


async def patch_finding(
    *,
    db_session: AsyncSession,
    events: EventPublisher,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    finding_id: uuid.UUID,
    body: FindingPatch,
) -> FindingOut:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    finding = await _owned_finding(db_session, scan, finding_id)
    fields = body.model_fields_set
    context = await load_context(db_session=db_session, scan=scan)
    room_id = body.room_id if "room_id" in fields else finding.room_id
    photos = body.photo_ids if body.photo_ids is not None else [uuid.UUID(p) for p in finding.photo_ids]
    finding.photo_ids = _check_finding_refs(context, room_id, photos)
    finding.room_id = room_id
    if body.title is not None:
        finding.title = body.title.strip()
    if body.severity is not None:
        finding.severity = body.severity
    if "note" in fields:
        finding.note = body.note.strip() if body.note and body.note.strip() else None
    if "checklist_item_id" in fields:
        finding.checklist_item_id = body.checklist_item_id
    finding.updated_at = utcnow()
    staged = await _announce(db_session, scan, "finding")
    await _commit_and_deliver(db_session, events, staged)
    return finding_out(finding)


async def delete_finding(
    *, db_session: AsyncSession, events: EventPublisher, user_id: uuid.UUID, scan_id: uuid.UUID, finding_id: uuid.UUID
) -> None:
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    finding = await _owned_finding(db_session, scan, finding_id)
    await db_session.delete(finding)
    staged = await _announce(db_session, scan, "finding")
    await _commit_and_deliver(db_session, events, staged)


# ---------------------------------------------------------------------------------------------- re-analysis


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


REANALYSE_KEY = "reanalyse"


def rooms_to_reanalyse(scan: Scan, summary: HouseScanSummary | None) -> set[str] | None:
    """For the scan run: the rooms a re-analysis runs again (the others keep their saved results), or None
    for a full run. The choice holds only until the next save (it names the analysis it started from)."""
    raw = scan.inputs_snapshot.get(REANALYSE_KEY)
    if not isinstance(raw, dict) or summary is None or raw.get("since") != summary.derived_at.isoformat():
        return None
    return {str(room_id) for room_id in raw.get("rooms") or []} or None


async def _reanalysis(db_session: AsyncSession, scan_id: uuid.UUID) -> tuple[set[str], HouseScanSummary] | None:
    scan = await db_session.get(Scan, scan_id)
    if scan is None or REANALYSE_KEY not in scan.inputs_snapshot:
        return None  # a full run, as most are: its summary (a large JSON) need not be read
    summary = await db_session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == scan_id))
    chosen = rooms_to_reanalyse(scan, summary)
    return (chosen, summary) if chosen and summary is not None else None


async def reanalysis_request(*, db_session: AsyncSession, scan_id: uuid.UUID, request: ScanRequest) -> ScanRequest:
    """The scan run's request narrowed to the rooms being re-analysed (unchanged for a full run)."""
    found = await _reanalysis(db_session, scan_id)
    if found is None:
        return request
    rooms = [room for room in request.rooms if room.room_id in found[0]]
    return request.model_copy(update={"rooms": rooms}) if rooms else request


async def merge_reanalysis(*, db_session: AsyncSession, scan_id: uuid.UUID, response: ScanResponse) -> ScanResponse:
    """A re-analysis' response completed with what it did not run again, before the run saves it: the other
    rooms' saved results and agent runs (as reused answers: paid, and recorded, by the run that made them),
    and the house-level results of the full analysis (a house type judged from a few rooms would be worse).
    This run's own executions are all kept, so its spend is recorded as usual. The person's answers are in
    their own tables and are not touched at all."""
    found = await _reanalysis(db_session, scan_id)
    if found is None:
        return response
    chosen, summary = found
    previous = ScanResult.model_validate(summary.summary_json["result"])
    fresh = {room.room_id: room for room in response.result.rooms if room.room_id in chosen}
    kept = {room.room_id: room for room in previous.rooms if room.room_id not in chosen}
    order = [str(room.id) for room in await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan_id)]
    rooms = [fresh.get(room_id) or kept[room_id] for room_id in order if room_id in fresh or room_id in kept]
    runs = await db_session.scalars(
        select(AgentRun).where(AgentRun.scan_id == scan_id).order_by(AgentRun.started_at, AgentRun.agent_name)
    )
    reused = [
        AgentExecution(
            agent_name=run.agent_name,
            room_id=run.room_id,
            model=run.model,
            status="succeeded" if run.status == "succeeded" else "failed",
            error=run.error,
            tokens_in=run.tokens_in,
            tokens_out=run.tokens_out,
            requests=run.requests,
            cost_usd=run.cost_usd,
            cache_hit=True,
            started_at=run.started_at,
            finished_at=run.finished_at,
            output=run.output_json,
        )
        for run in runs
        if run.room_id is not None and run.room_id not in chosen
    ]
    result = previous.model_copy(update={"rooms": rooms})
    return response.model_copy(
        update={
            "result": result,
            "client_summary": summary.summary_json.get("client_summary") or response.client_summary,
            "agent_executions": [*reused, *response.agent_executions],
        }
    )


async def reanalyse(
    *,
    db_session: AsyncSession,
    settings: Settings,
    queue: JobQueue,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    room_ids: Sequence[uuid.UUID] | None,
) -> list[uuid.UUID]:
    """Queue a finished scan again for some of its rooms (default: those whose photos changed). The person's
    answers and findings are untouched (they live in their own tables); the spend is checked and recorded as
    for any run. Returns the rooms that will run again."""
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    context = await load_context(db_session=db_session, scan=scan)
    if scan.status not in (ScanStatus.succeeded, ScanStatus.failed) or context.summary is None:
        raise Conflict(f"only an analysed scan can be re-analysed; this one is {scan.status}")
    if room_ids:
        chosen = [_room(context, room_id).id for room_id in dict.fromkeys(room_ids)]
    else:
        changed = rooms_with_new_photos(context)
        chosen = [room.id for room in context.rooms if room.id in changed]
        if not chosen:
            raise Conflict("no room has new photos since the last analysis; name the rooms to analyse again")
    empty = [_room(context, room_id).ordinal for room_id in chosen if not context.images_by_room.get(room_id)]
    if empty:
        raise Conflict(f"rooms {empty} have no photos")
    await costs_service.ensure_within_monthly_budget(db_session=db_session, settings=settings, user_id=user_id)
    since = context.summary.derived_at.isoformat()
    scan.inputs_snapshot = {
        **scan.inputs_snapshot,
        REANALYSE_KEY: {"rooms": [str(room_id) for room_id in chosen], "since": since},
    }
    scan.status = ScanStatus.queued
    scan.error = None
    scan.attempts = 0
    scan.started_at = None
    await db_session.commit()
    await queue.enqueue(scan.id)  # after the commit: a worker that takes the job finds the scan queued
    return chosen
