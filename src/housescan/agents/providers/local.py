"""The `local` provider: offline image models from installed packages, no key, no network.

It answers what the models can see (room types, house type, which products are present) and lists every
other checklist item as unassessed instead of guessing. A product is "seen" only above a threshold whose
precision was measured (`product_rules.SEEN_RULES`), with the photos and boxes it was seen in; otherwise it is
"not seen" (exists None), never "absent". The house type is left undetermined unless the evidence is strong.
A scan's rooms are judged together before their products are read (`judge_rooms_together`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from housescan.agents.contract import (
    ChecklistAnswers,
    ChecklistItem,
    ChecklistItemType,
    ConditionalAnswer,
    ProsCons,
    Quality,
    Sighting,
)
from housescan.agents.local import evidence, product_rules, scan_rooms, vision
from housescan.agents.providers.base import (
    HouseTypeAnswer,
    Narrative,
    RoomFindings,
    RoomPhotos,
    RoomTypeAnswer,
    Usage,
)
from housescan.review.wording import room_type_named

#: At most this many sightings per product are reported (best first).
MAX_SIGHTINGS = 6
# One inference thread: the runtime already uses both cores inside each call, and the event loop stays free.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-vision")
_FINDINGS = "local.findings"
_VERDICT = "local.verdict"
ROOM_NAMES = {
    "bedroom": "bedroom",
    "living_room": "living room",
    "kitchen": "kitchen",
    "bathroom": "bathroom",
    "dining_room": "dining room",
    "office": "office",
    "hallway": "hallway",
    "laundry": "laundry room",
    "garage": "garage",
    "exterior": "exterior",
    "other": "unidentified room",
}


def unassessed(items: list[ChecklistItem]) -> ChecklistAnswers:
    answers = ChecklistAnswers()
    for item in items:
        _put_unassessed(answers, item)
    return answers


def _put_unassessed(answers: ChecklistAnswers, item: ChecklistItem) -> None:
    if item.type is ChecklistItemType.boolean:
        answers.booleans[item.id] = None
    elif item.type is ChecklistItemType.categorical:
        answers.categoricals[item.id] = Quality.not_assessed
    else:
        answers.conditionals[item.id] = ConditionalAnswer(exists=None)
    answers.unassessed.append(item.id)


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _sighting(product: str, index: int, s: evidence.Sighting) -> Sighting:
    confidence, box, source = s
    labels = evidence.DETECTOR_PRODUCTS.get(product, ())
    label = labels[0] if source == "detector" and labels and labels[0] != product else None
    return Sighting(
        image_index=index,
        confidence=min(max(confidence, 0.0), 1.0),
        box=list(box) if box is not None else None,
        source="detector" if source == "detector" else "classifier",
        label=label,
    )


def _count_phrase(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class LocalProvider:
    name = "local"

    def __init__(self) -> None:
        self._models: vision.VisionModels | None = None
        self.model = "local"

    async def _run(self, func: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(_EXECUTOR, func, *args)

    async def _models_loaded(self) -> vision.VisionModels:
        if self._models is None:
            self._models = await self._run(vision.get_vision_models)
            self.model = f"local:{getattr(self._models, 'name', 'vision')}"
        return self._models

    async def _verdict(self, room: RoomPhotos) -> vision.RoomVerdict:
        if _VERDICT not in room.cache:
            models = await self._models_loaded()
            findings = [await self._run(models.analyse_bytes, photo) for photo in room.photos]
            room.cache[_FINDINGS] = findings
            room.cache[_VERDICT] = vision.classify_room(findings)
        verdict: vision.RoomVerdict = room.cache[_VERDICT]
        return verdict

    def _usage(self) -> Usage:
        return Usage(model=self.model)

    async def room_type(self, room: RoomPhotos) -> tuple[RoomTypeAnswer, Usage]:
        verdict = await self._verdict(room)
        findings: list[vision.ImageFindings] = room.cache[_FINDINGS]
        details = {
            "scores": {name: round(score, 4) for name, score in verdict.scores.items()},
            "products_seen": {name: round(score, 4) for name, score in verdict.products.items()},
            "evidence": [[label, round(p, 4)] for f in findings for label, p in f.evidence[:3]],
            "photos": len(room.photos),
        }
        return RoomTypeAnswer(
            room_types=verdict.room_types, confidence=verdict.confidence, details=details
        ), self._usage()

    def judge_rooms_together(self, rooms: list[tuple[RoomPhotos, RoomTypeAnswer]]) -> list[RoomTypeAnswer]:
        """The scan's rooms judged together (`scan_rooms.judge_together`: a home seldom has two kitchens),
        from each room's own answer; a room the person named keeps its answer and owns the type it names."""
        readings = [
            scan_rooms.RoomReading(answer.room_types, answer.details.get("scores", {}), room_type_named(room.label))
            for room, answer in rooms
        ]
        out = []
        for (_, answer), types in zip(rooms, scan_rooms.judge_together(readings), strict=True):
            if types == answer.room_types:
                out.append(answer)
                continue
            scores = answer.details.get("scores", {})
            details = {
                **answer.details,
                "judged_together": {
                    "own_room_types": answer.room_types,
                    "reason": f"another room of this scan shows the {ROOM_NAMES[answer.room_types[0]]} more clearly",
                },
            }
            out.append(
                RoomTypeAnswer(room_types=types, confidence=round(scores.get(types[0], 0.0), 4), details=details)
            )
        return out

    async def products(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        verdict = await self._verdict(room)
        answers = ChecklistAnswers()
        for item in items:
            product = item.product or item.id
            if item.type is not ChecklistItemType.conditional or product not in vision.PRODUCTS:
                _put_unassessed(answers, item)
                continue
            found = verdict.sightings.get(product, [])
            if found:
                answers.evidence[item.id] = [_sighting(product, index, s) for index, s in found[:MAX_SIGHTINGS]]
            precision = product_rules.seen_precision(product, [s for _, s in found], room_type.room_types)
            if precision is None:
                # not seen: unassessed (never "absent"); the best weak score is kept for the record
                _put_unassessed(answers, item)
                if found:
                    answers.confidence[item.id] = round(found[0][1][0], 4)
                continue
            answers.conditionals[item.id] = ConditionalAnswer(
                exists=True,
                condition=Quality.not_assessed,
                subitems={sub.id: None for sub in item.subitems or []},
                confidence=precision,
            )
            answers.confidence[item.id] = precision
        return answers, self._usage()

    async def room_checklist(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        # Wear, damp, cleanliness and the like are beyond these models: unassessed, never invented.
        return unassessed(items), self._usage()

    async def house_type(self, rooms: list[RoomFindings]) -> tuple[HouseTypeAnswer, Usage]:
        verdicts = [await self._verdict(room.photos) for room in rooms]
        exterior = [
            finding for room in rooms if "exterior" in room.room_types[:1] for finding in room.photos.cache[_FINDINGS]
        ]
        interior = [
            finding
            for room in rooms
            if "exterior" not in room.room_types[:1]
            for finding in room.photos.cache[_FINDINGS]
        ]
        decision = vision.decide_house(verdicts, exterior, interior)
        return (
            HouseTypeAnswer(
                house_types=decision.house_types,
                confidence=decision.confidence,
                details={
                    "from": "exterior photos" if exterior else "the rooms' photos",
                    "determined": bool(decision.house_types),
                    "best_guess": decision.best_guess,
                    "best_guess_score": decision.score,
                    "reason": decision.reason,
                },
            ),
            self._usage(),
        )

    async def house_checklist(
        self, house: HouseTypeAnswer, rooms: list[RoomFindings], items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        seen_types = {room.room_types[0] for room in rooms if room.room_types}
        by_presence = {"has_kitchen": "kitchen", "has_bathroom": "bathroom", "has_garage": "garage"}
        answers = ChecklistAnswers()
        for item in items:
            room_type = by_presence.get(item.id)
            if item.type is ChecklistItemType.conditional and room_type in seen_types:
                answers.conditionals[item.id] = ConditionalAnswer(exists=True, confidence=None)
            else:
                # Not photographed is not proof of absence: left unassessed.
                _put_unassessed(answers, item)
        return answers, self._usage()

    async def pros_cons(
        self, house: HouseTypeAnswer, house_checklist: ChecklistAnswers, rooms: list[RoomFindings]
    ) -> tuple[Narrative, Usage]:
        counts = Counter(room.room_types[0] for room in rooms if room.room_types)
        pros: list[str] = []
        cons: list[str] = []
        for room in rooms:
            present = [item for item, answer in room.products.conditionals.items() if answer.exists]
            name = room.label or ROOM_NAMES.get(room.room_types[0], "room")
            if room.room_types[:1] == ["kitchen"] and len(present) >= 3:
                pros.append(f"{name.capitalize()} is equipped: {', '.join(sorted(present))}")
            if room.room_types[:1] == ["other"]:
                cons.append(f"{name.capitalize()}: the photos did not show what kind of room it is")
        if counts["bathroom"] >= 2:
            pros.append(f"{counts['bathroom']} bathrooms")
        if counts["bedroom"] >= 3:
            pros.append(f"{counts['bedroom']} bedrooms")
        if "kitchen" not in counts:
            cons.append("No kitchen was identified in the photos")
        if "bathroom" not in counts:
            cons.append("No bathroom was identified in the photos")
        described = ", ".join(_count_phrase(count, ROOM_NAMES[room_type]) for room_type, count in counts.most_common())
        house_type = house.house_types[0].replace("_", " ") if house.house_types else "home"
        kind = f"{_article(house_type)} {house_type}"
        if house.house_types:
            kind += f" (confidence {house.confidence:.0%})"
        summary = (
            f"{kind[0].upper()}{kind[1:]} with {_count_phrase(len(rooms), 'room')} "
            f"photographed: {described}. Condition items (damp, wear, cleanliness) were not assessed by the "
            "offline models and are listed as unassessed."
        )
        client_summary = f"We looked at {_count_phrase(len(rooms), 'room')} of this {house_type}: {described}."
        return Narrative(
            pros_cons=ProsCons(pros=pros, cons=cons), summary=summary, client_summary=client_summary
        ), self._usage()
