"""Each item's answer as the report shows it: the models' answers after the thresholds of honesty, overlaid
by the person's answers.

What a model says is shown only when it has evidence for it:

- "not seen" (null) is never shown as "absent": a model's "absent" / "no" is shown only at a stated
  confidence of at least `ABSENCE_MIN_CONFIDENCE`, and never for products and house features (a set of
  photos shows part of a home; not seeing a dishwasher is no evidence that there is none);
- a model's "present" / "yes" (products, features, defects) needs a confidence of at least
  `PRESENCE_MIN_CONFIDENCE` when the model states one;
- the house type is the person's (given at creation or later); the model's only when the person gave none
  and its confidence is at least `HOUSE_TYPE_MIN_CONFIDENCE`; otherwise it is "not determined" (null);
- pros, cons and the summary are built from these current answers (`conclusions`), never from the models'
  own text.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from housescan.agents.contract import ChecklistItem, ChecklistItemType
from housescan.agents.local import measured
from housescan.houses import service as houses_service
from housescan.houses.models import Room
from housescan.review.context import HOUSE, HOUSE_TYPE, PRODUCT_PREFIX, ROOM_TYPE, ScanContext
from housescan.review.models import PersonAnswer
from housescan.review.schemas import Answer, Candidate
from housescan.review.wording import room_type_named, with_text

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


def item_values(
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


def checklist_answers(
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
    for item, value, confidence, raw, person in item_values(
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
