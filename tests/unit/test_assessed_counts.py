"""The report's counts of who assessed what add up, and every place that says them says the same numbers: an item
is judged by the person, answered by the models, looked for by the models and not seen (a product in an analysed
room's photos), or not assessed by anyone."""

from __future__ import annotations

import uuid

from housescan.review.conclusions import assessed_of, summary_text
from housescan.review.limitations import limitations_of
from housescan.review.schemas import NOT_VISIBLE, Answer, FindingList, ReportRoom


def _answer(value: object = None, *, source: str = "model", kind: str = "categorical") -> Answer:
    return Answer(value=value, source=source, kind=kind, title="Item")  # type: ignore[arg-type]


def _room(name: str, *, analysed: bool, products: dict[str, Answer], checklist: dict[str, Answer]) -> ReportRoom:
    return ReportRoom(
        id=uuid.uuid4(),
        ordinal=0,
        label=name,
        name=name,
        room_type=_answer("kitchen", kind="room_type"),
        checklist=checklist,
        products=products,
        images=[],
        not_assessed=0,
        analysed=analysed,
        photos_changed=False,
    )


def test_products_the_models_looked_for_are_not_seen_and_the_counts_add_up_everywhere() -> None:
    kitchen = _room(
        "Kitchen",
        analysed=True,
        checklist={
            "walls": _answer(),
            "floor": _answer("Good", source="person"),
            "ceiling": _answer(NOT_VISIBLE, source="person"),
        },
        products={
            "oven": _answer(True, kind="product"),
            "sink": _answer(None, kind="product"),  # looked for, not seen
            "microwave": _answer(None, kind="product"),  # looked for, not seen
            "fridge": _answer(False, source="person", kind="product"),  # the person's answer wins
        },
    )
    # The models never looked at this room's photos: its products are not assessed by anyone.
    loft = _room(
        "Loft", analysed=False, checklist={"walls": _answer()}, products={"bed": _answer(None, kind="product")}
    )
    house = {"damp": _answer(), "heating": _answer(True)}

    assessed = assessed_of(house, [kitchen, loft])

    assert assessed.total == 11
    assert (assessed.by_person, assessed.by_model, assessed.not_seen, assessed.not_assessed) == (3, 2, 2, 4)
    assert assessed.by_person + assessed.by_model + assessed.not_seen + assessed.not_assessed == assessed.total
    assert assessed.not_visible == 1

    limits = limitations_of(house, [kitchen, loft], assessed, audience="owner")
    assert limits.not_assessed == assessed.not_assessed
    unassessed = sorted((i.room_name or "house", i.item_id) for i in limits.items if i.reason == "not_assessed")
    assert unassessed == [("Kitchen", "walls"), ("Loft", "products.bed"), ("Loft", "walls"), ("house", "damp")]
    assert [(i.room_name, i.item_id) for i in limits.items if i.reason == "not_visible"] == [("Kitchen", "ceiling")]
    assert "looked for two products they did not see" in limits.statement
    assert "Four checklist items were not assessed by anyone" in limits.statement

    summary = summary_text(_answer(kind="house_type"), [kitchen, loft], FindingList(items=[], counts={}), assessed)
    assert "Four items were not assessed by anyone." in summary


def test_a_room_whose_models_saw_everything_has_nothing_not_seen() -> None:
    room = _room("Bathroom", analysed=True, checklist={}, products={"toilet": _answer(True, kind="product")})
    assessed = assessed_of({}, [room])
    assert (assessed.total, assessed.by_model, assessed.not_seen, assessed.not_assessed) == (1, 1, 0, 0)
    assert "did not see" not in limitations_of({}, [room], assessed, audience="owner").statement


def test_one_product_not_seen_is_said_in_the_singular() -> None:
    room = _room("Bathroom", analysed=True, checklist={}, products={"toilet": _answer(None, kind="product")})
    assessed = assessed_of({}, [room])
    assert "looked for a product they did not see" in limitations_of({}, [room], assessed, audience="owner").statement
