"""What the report does not cover (ARCHITECTURE §7): items nobody judged, rooms not photographed or not
analysed, photos that may show too little, and the scope in plain words."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from housescan.review.conclusions import not_seen
from housescan.review.context import HOUSE, PRODUCT_PREFIX, ScanContext
from housescan.review.schemas import (
    NOT_VISIBLE,
    Answer,
    Assessed,
    Audience,
    Limitations,
    PhotoQualityLimit,
    ReportRoom,
    RoomRef,
    UnassessedItem,
)
from housescan.review.wording import count_phrase, humanise, join_words
from housescan.scans import quality


def limitations_of(
    house: Mapping[str, Answer], rooms: Sequence[ReportRoom], assessed: Assessed, *, audience: Audience
) -> Limitations:
    """What nobody judged, in the checklists and products (products the models looked for and did not see are
    "not seen" in their rooms, and said in `what_to_photograph`)."""
    items: list[UnassessedItem] = []
    for scope, room, answers in (
        (HOUSE, None, house),
        *((str(room.id), room, {**room.checklist, **_product_items(room)}) for room in rooms),
    ):
        for item_id, answer in answers.items():
            if room is not None and not_seen(answer, analysed=room.analysed):
                continue
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
        what_to_photograph=[room.what_to_photograph for room in rooms if room.what_to_photograph is not None],
    )


def _product_items(room: ReportRoom) -> dict[str, Answer]:
    return {f"{PRODUCT_PREFIX}{name}": answer for name, answer in room.products.items()}


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
    who = "You" if audience == "owner" else "The person who inspected this home"
    looked_for = f" and looked for {count_phrase(assessed.not_seen, 'product')} they did not see"
    parts = [
        f"{who} checked {assessed.by_person} of {assessed.total} items; the image models answered "
        f"{assessed.by_model} more (room types and products they saw in the photos)"
        + (looked_for if assessed.not_seen else "")
        + ". The models cannot judge condition: walls, floors, damp, cracks, windows and ventilation are judged "
        "only where a person answered."
    ]
    if not_assessed:
        parts.append(
            f"{count_phrase(not_assessed, 'checklist item').capitalize()} {'was' if not_assessed == 1 else 'were'} "
            "not assessed by anyone: nothing in this report says they are in good order."
        )
    if without_photos:
        parts.append(f"Not photographed: {join_words([room.name for room in without_photos])}.")
    return " ".join(parts)
