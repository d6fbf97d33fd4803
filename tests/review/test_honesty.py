"""What the merged report may claim from the models' raw output (no database: a scan's context is built
by hand, as the local provider saves it)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from housescan.agents.local import measured
from housescan.checklists.base import HOUSE_ITEMS, PRODUCT_ITEMS, ROOM_ITEMS
from housescan.config import Settings
from housescan.houses.models import House, Room
from housescan.review import wording
from housescan.review.context import ScanContext
from housescan.review.models import Finding, PersonAnswer, Severity
from housescan.review.report import build_report
from housescan.scans.models import HouseScanSummary, Image, Scan, ScanStatus

NOW = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def _context(result: dict[str, Any], *, house_type: str | None = None, rooms: int = 1) -> ScanContext:
    scan = Scan(
        id=uuid.uuid4(),
        house_id=uuid.uuid4(),
        user_id=uuid.uuid4(),
        status=ScanStatus.succeeded,
        inputs_snapshot={"house_type": house_type},
        created_at=NOW - timedelta(hours=1),
    )
    house = House(id=scan.house_id, user_id=scan.user_id, address="Flat 3, 1 Honest Lane")
    room_rows = [
        Room(id=uuid.UUID(int=n + 1), scan_id=scan.id, ordinal=n, label=None, detected_room_types=[])
        for n in range(rooms)
    ]
    images = [
        Image(
            id=uuid.UUID(int=100 + n * 10 + k),
            scan_id=scan.id,
            room_id=room.id,
            object_key=f"scans/{scan.id}/{n}-{k}.jpg",
            created_at=NOW - timedelta(minutes=30),
        )
        for n, room in enumerate(room_rows)
        for k in range(3)
    ]
    summary = HouseScanSummary(
        scan_id=scan.id,
        summary_json={"result": result},
        pros_cons_json={},
        cost_summary={"provider": "local"},
        schema_version="2.0.0",
        derived_at=NOW,
    )
    return ScanContext(
        scan=scan,
        house=house,
        rooms=room_rows,
        images=images,
        summary=summary,
        models={("products", str(room_rows[0].id)): "local:vision"},
        house_items=list(HOUSE_ITEMS),
        room_items=list(ROOM_ITEMS),
        product_items=list(PRODUCT_ITEMS),
        answers={},
        findings=[],
    )


def _kitchen(products: dict[str, Any], confidence: dict[str, float], unassessed: list[str]) -> dict[str, Any]:
    return {
        "house_types": ["detached_house", "villa"],
        "house_type_confidence": 0.71,
        "house_checklist": {
            "conditionals": {"has_kitchen": {"exists": True}, "has_garage": {"exists": False, "confidence": 1.0}},
            "unassessed": ["overall_condition", "signs_of_damp"],
        },
        "rooms": [
            {
                "room_id": str(uuid.UUID(int=1)),
                "room_types": ["kitchen", "dining_room"],
                "room_type_confidence": 0.62,
                "details": {"scores": {"kitchen": 0.62, "dining_room": 0.5}},
                "issues": {"categoricals": {"walls_condition": "N/A"}, "unassessed": ["walls_condition"]},
                "products": {"conditionals": products, "confidence": confidence, "unassessed": unassessed},
            }
        ],
        "summary": "A detached house (confidence 71%) ...",
        "pros_cons": {"pros": ["Kitchen is equipped: oven, sink"], "cons": []},
    }


def test_not_seen_is_never_absent_and_weak_presence_is_not_claimed() -> None:
    context = _context(
        _kitchen(
            {
                "sink": {"exists": False, "condition": "N/A", "subitems": {}, "confidence": 1.0},
                "oven": {"exists": True, "condition": "N/A", "subitems": {}, "confidence": 0.31, "photo_index": 1},
                "refrigerator": {"exists": True, "condition": "N/A", "subitems": {}, "confidence": 0.93},
            },
            {"sink": 0.0, "oven": 0.31, "refrigerator": 0.93},
            ["dishwasher"],
        )
    )
    products = context.result["rooms"][0]["products"]
    products["evidence"] = {
        "refrigerator": [
            {"image_index": 2, "confidence": 0.63, "box": [0.1, 0.2, 0.3, 0.4], "source": "detector"},
            {"image_index": 2, "confidence": 0.31, "box": [0.5, 0.2, 0.6, 0.4], "source": "detector"},
        ]
    }
    report = build_report(context, settings=Settings())
    kitchen = report.rooms[0]
    # "Sink - Not present - 100%" from a classifier that did not see it: shown as not seen, never absent.
    assert kitchen.products["sink"].value is None and kitchen.products["sink"].text == "Not seen"
    assert kitchen.products["oven"].value is None  # 31% is a guess, not a sighting
    fridge = kitchen.products["refrigerator"]
    assert fridge.value is True and fridge.text == "Present" and fridge.confidence == 0.93
    assert fridge.model == "local:vision" and fridge.source == "model"
    assert fridge.photo_ids == [context.images[2].id]  # the photo it was seen in
    assert kitchen.products["dishwasher"].value is None
    # The house: a kitchen seen is a feature present; a garage not photographed is not "no garage".
    assert report.house.checklist["has_kitchen"].value == {"exists": True, "condition": None}
    assert report.house.checklist["has_garage"].value is None
    # The house type: 71% is under the threshold, so not determined; the guess stays visible.
    assert report.house.house_type.value is None and report.house.house_type.text == "Not determined"
    assert report.house.house_type.candidates[0].value == "detached_house"
    # Two labels: each percentage says which label it belongs to.
    assert [(c.value, c.confidence) for c in kitchen.room_type.candidates] == [("kitchen", 0.62), ("dining_room", 0.5)]
    # Pros come from current answers, not from the model's text built on guesses.
    assert report.pros == [] and "equipped" not in " ".join(report.pros)
    assert report.summary.startswith("A home whose type is not determined with a photographed room: a kitchen.")
    assert "No findings recorded, but you checked 0 of 28 items: this is not a clean bill of health" in report.summary
    # A product the models looked for and did not see is "not seen", not an item nobody assessed.
    assert kitchen.not_seen == sum(a.value is None for a in kitchen.products.values()) > 0
    assert {a.text for a in kitchen.products.values() if a.value is None} == {"Not seen"}
    assert kitchen.not_assessed == sum(a.value is None for a in kitchen.checklist.values())


def test_a_confidence_says_what_it_was_measured_on() -> None:
    """The offline provider's "seen" states its rule's out-of-fold precision: the report says so and on how
    many answers; the room type's figure is the model's own score, with the precision of such a reading beside
    it; an older figure is what the model stated; a person's answer has none."""
    oven = measured.PRODUCT_PRECISION["oven"][0]
    context = _context(
        _kitchen(
            {
                "oven": {"exists": True, "condition": "N/A", "subitems": {}, "confidence": oven},
                "refrigerator": {"exists": True, "condition": "N/A", "subitems": {}, "confidence": 0.93},
            },
            {"oven": oven, "refrigerator": 0.93},
            [],
        )
    )
    context.result["rooms"][0]["products"]["evidence"] = {
        "oven": [
            {"image_index": 0, "confidence": 0.41, "box": [0.1, 0.2, 0.3, 0.4], "source": "detector"},
            {"image_index": 1, "confidence": 0.66, "box": None, "source": "classifier"},
        ]
    }
    room = str(context.rooms[0].id)
    context.answers[(room, "products.sink")] = PersonAnswer(
        scope=room, item_id="products.sink", value=True, note=None, photo_ids=[], answered_at=NOW
    )
    kitchen = build_report(context, settings=Settings()).rooms[0]
    seen = kitchen.products["oven"]
    assert seen.confidence == oven and seen.confidence_basis == "out_of_fold_precision"
    assert seen.measured_on == measured.MEASURED_ON_LABELLED_PHOTOS and seen.photo_score == 0.66
    older = kitchen.products["refrigerator"]
    assert older.confidence == 0.93 and older.confidence_basis == "stated_by_model" and older.measured_on is None
    assert kitchen.room_type.confidence == 0.62 and kitchen.room_type.confidence_basis == "model_score"
    assert kitchen.room_type.measured_precision == measured.ROOM_TYPE_PRECISION["kitchen"][0]
    person = kitchen.products["sink"]
    assert person.source == "person" and person.confidence is None and person.confidence_basis is None


def test_person_answers_win_and_drive_pros_cons_and_summary() -> None:
    context = _context(_kitchen({}, {}, []), house_type="apartment", rooms=1)
    room = str(context.rooms[0].id)
    for item_id, value in (
        ("walls_condition", "Poor"),
        ("floor_condition", "Excellent"),
        ("mould", True),
        ("products.sink", True),
        ("products.oven", False),
        ("room_type", "kitchen"),
    ):
        context.answers[(room, item_id)] = PersonAnswer(
            scope=room, item_id=item_id, value=value, note=None, photo_ids=[], answered_at=NOW
        )
    context.findings.append(
        Finding(
            id=uuid.uuid4(),
            scan_id=context.scan.id,
            title="Exposed wiring",
            severity=Severity.safety,
            photo_ids=[],
            source="person",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    report = build_report(context, settings=Settings())
    kitchen = report.rooms[0]
    assert report.house.house_type.value == "apartment" and report.house.house_type.source == "person"
    assert report.house.house_type.model_value == "detached_house"
    assert kitchen.products["oven"].text == "Not present" and kitchen.products["oven"].source == "person"
    assert kitchen.room_type.source == "person" and kitchen.room_type.model_value == "kitchen"
    assert "Kitchen: floor condition: excellent" in report.pros
    assert "Kitchen: walls condition: poor" in report.cons and "Kitchen: mould" in report.cons
    assert "Exposed wiring (safety)" in report.cons
    assert report.summary.startswith(
        "An apartment with a photographed room: a kitchen. A finding recorded (1 safety). You checked 5 of 24 items."
    )
    assert report.assessed.by_person == 5 and report.finding_counts["safety"] == 1


def test_a_summary_without_findings_still_says_the_answers_point_to_problems() -> None:
    context = _context(_kitchen({}, {}, []), house_type="apartment", rooms=1)
    room = str(context.rooms[0].id)
    for item_id, value in (("walls_condition", "Poor"), ("mould", True), ("floor_condition", "Good")):
        context.answers[(room, item_id)] = PersonAnswer(
            scope=room, item_id=item_id, value=value, note="Damp under the window", photo_ids=[], answered_at=NOW
        )
    report = build_report(context, settings=Settings())
    assert report.cons == ["Kitchen: walls condition: poor", "Kitchen: mould"]
    assert "No findings recorded yet, but two answers point to a problem (the cons)" in report.summary
    assert "make them findings" in report.summary and "You checked 3 of" in report.summary

    context.answers.pop((room, "mould"))
    one = build_report(context, settings=Settings()).summary
    assert "but an answer points to a problem (the cons): make it a finding" in one


def test_english_of_the_summary() -> None:
    assert wording.count_phrase(1, "office") == "an office"
    assert wording.count_phrase(3, "bedroom") == "three bedrooms"
    assert wording.join_words(["a kitchen", "two bedrooms", "an office"]) == "a kitchen, two bedrooms and an office"
    assert wording.article("apartment") == "an apartment" and wording.article("villa") == "a villa"


def test_a_room_named_with_a_word_of_the_vocabulary_is_that_type_until_the_person_changes_it() -> None:
    """The person's word is evidence: "Dining room" is their answer, the model's kitchen shown beside it, not
    applied; a name that is no room type leaves the model's answer; an explicit answer wins over the name."""
    context = _context(_kitchen({}, {}, []), rooms=1)
    room = context.rooms[0]
    room.label = "Dining room"
    named = build_report(context, settings=Settings()).rooms[0].room_type
    assert named.value == "dining_room" and named.source == "person" and named.confidence is None
    assert named.model_value == "kitchen" and named.candidates[0].value == "kitchen"
    assert named.note is not None and "Dining room" in named.note
    room.label = "Bedroom 2"
    assert build_report(context, settings=Settings()).rooms[0].room_type.value == "bedroom"
    room.label = "Granny flat"
    unnamed = build_report(context, settings=Settings()).rooms[0].room_type
    assert unnamed.value == "kitchen" and unnamed.source == "model"
    room.label = "Dining room"
    context.answers[(str(room.id), "room_type")] = PersonAnswer(
        scope=str(room.id), item_id="room_type", value="office", note=None, photo_ids=[], answered_at=NOW
    )
    changed = build_report(context, settings=Settings()).rooms[0].room_type
    assert changed.value == "office" and changed.source == "person" and changed.model_value == "kitchen"


def test_a_room_finished_without_photos_is_not_described_as_seen() -> None:
    context = _context({"house_types": ["apartment"], "house_type_confidence": 0.99}, house_type="apartment", rooms=3)
    exterior = context.rooms[2]
    exterior.label = "Exterior"
    context.images = [image for image in context.images if image.room_id != exterior.id]
    context.images_by_room = {}
    context.__post_init__()
    context.answers[(str(exterior.id), "room_type")] = PersonAnswer(
        scan_id=context.scan.id,
        scope=str(exterior.id),
        item_id="room_type",
        value="exterior",
        note=None,
        photo_ids=[],
        answered_at=NOW,
    )

    summary = build_report(context, settings=Settings()).summary

    assert summary.startswith("An apartment with two photographed rooms: ")
    assert "exterior" not in summary.split(".")[0].lower()
    assert "Exterior: no photos." in summary
