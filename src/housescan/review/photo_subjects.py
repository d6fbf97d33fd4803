"""What to photograph in a room (issue 25 part 4): the things a room of each type shows that its checklist asks
about, in the checklist's own vocabulary (checklists/base.py). Capture lists them before a room's photos; the
report says which of them an analysed room's photos did not show, so the two always agree.

A thing is "not seen" only where a model could have seen it: a product (the sink, the hob) the products model
did not find in any photo, or a condition item (the worktop) the room-checklist model left unassessed while it
judged other items of the same room. The offline models judge no condition at all, so with them only products
are hinted; what nobody judged is already in the report's limitations. The person's answer always wins: an item
they answered is not hinted, whatever they answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from housescan.agents.contract import ROOM_TYPES
from housescan.review.context import PRODUCT_PREFIX
from housescan.review.schemas import Answer, Audience, PhotoHint, PhotoSubject, ReportRoom
from housescan.review.wording import join_words

# Room types whose rooms have walls, floor, ceiling and windows to photograph: every type but the outside, and a
# room whose type is not known ("other").
INDOORS = tuple(room_type for room_type in ROOM_TYPES if room_type != "exterior")


@dataclass(frozen=True, slots=True)
class Subject:
    key: str
    label: str
    room_types: tuple[str, ...]
    products: tuple[str, ...] = ()
    items: tuple[str, ...] = ()

    @property
    def item_ids(self) -> list[str]:
        return [PRODUCT_PREFIX + product for product in self.products] + list(self.items)


#: In the order to take them: the fixtures that make a room what it is first, then what the person judges.
SUBJECTS: tuple[Subject, ...] = (
    Subject("sink", "the sink", ("kitchen", "laundry"), products=("sink",)),
    Subject("hob", "the hob or oven", ("kitchen",), products=("oven",)),
    Subject("fridge", "the fridge", ("kitchen",), products=("refrigerator",)),
    Subject("basin", "the basin", ("bathroom",), products=("sink",)),
    Subject("toilet", "the toilet", ("bathroom",), products=("toilet",)),
    Subject("shower_or_bath", "the shower or bath", ("bathroom",), products=("shower", "bathtub")),
    Subject("washing_machine", "the washing machine", ("laundry",), products=("washing_machine",)),
    Subject("worktop", "the worktop", ("kitchen",), items=("worktop_condition",)),
    Subject("sealant", "the sealant around the bath, shower and basin", ("bathroom",), items=("sealant_condition",)),
    Subject(
        "ventilation", "the extractor or an opening window", ("kitchen", "bathroom", "laundry"), items=("ventilation",)
    ),
    Subject("storage", "the wardrobes and cupboards", ("bedroom", "hallway", "kitchen"), items=("storage_space",)),
    Subject("walls", "the walls", INDOORS, items=("walls_condition",)),
    Subject("floor", "the floor", INDOORS, items=("floor_condition",)),
    Subject("ceiling", "the ceiling", INDOORS, items=("ceiling_condition",)),
    Subject("windows", "the windows", INDOORS, items=("windows_condition",)),
)


def subjects_of(
    room_type: str | None, checklist: Mapping[str, Answer], products: Mapping[str, Answer]
) -> list[Subject]:
    """What to photograph in a room of this type (of unknown type: what every indoor room shows), among what
    its checklist asks (an item a user's checklist made not apply to the room is not asked for)."""
    kind = room_type or "other"
    return [
        subject
        for subject in SUBJECTS
        if kind in subject.room_types
        and (any(p in products for p in subject.products) or any(i in checklist for i in subject.items))
    ]


def _answers(subject: Subject, room: ReportRoom) -> list[Answer]:
    return [room.products[p] for p in subject.products if p in room.products] + [
        room.checklist[i] for i in subject.items if i in room.checklist
    ]


def _not_seen(subject: Subject, room: ReportRoom, judges_condition: bool) -> bool:
    answers = _answers(subject, room)
    if any(answer.source == "person" for answer in answers):
        return False
    if subject.products:
        return not any(answer.value is True for answer in answers)
    return judges_condition and all(answer.value is None for answer in answers)


def photo_hint(room: ReportRoom, subjects: list[Subject], *, audience: Audience) -> PhotoHint | None:
    """What an analysed room's photos did not show of `subjects`, in a sentence; None when they showed it all
    (or the room was not analysed: then nothing was looked for)."""
    if not room.analysed:
        return None
    judges_condition = any(a.source == "model" and a.value is not None for a in room.checklist.values())
    missing = [subject for subject in subjects if _not_seen(subject, room, judges_condition)]
    if not missing:
        return None
    labels = join_words([subject.label for subject in missing])
    one = len(missing) == 1
    seen = f"{room.name}: {labels} {'was' if one else 'were'} not seen in its photos"
    if audience == "reader":
        sentence = f"{seen}, so {'it was' if one else 'they were'} not checked."
    else:
        it, they = ("it", "it") if one else ("them", "they")
        sentence = f"{seen}. If the room has {it}, photograph {it} so {they} can be checked."
        if room.photos_changed:
            sentence += " Photos were added since the analysis: analyse the room again to look at them."
    return PhotoHint(
        room_id=room.id,
        room_name=room.name,
        items=[photo_subject(subject) for subject in missing],
        sentence=sentence,
    )


def photo_subject(subject: Subject) -> PhotoSubject:
    return PhotoSubject(key=subject.key, label=subject.label, item_ids=subject.item_ids)
