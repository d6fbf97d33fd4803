"""The rooms of one scan judged together (`scan_rooms.judge_together`, the local provider's
`judge_rooms_together` and the pipeline step between room types and the rooms' other agents), the house
type without an exterior photo, and products not answered in a room they are out of place in."""

from __future__ import annotations

from pathlib import Path

import pytest

from housescan.agents.contract import ChecklistAnswers, ChecklistItem, ChecklistItemType, RoomInput, ScanRequest
from housescan.agents.images import ImageLoader
from housescan.agents.local import measured, product_rules, scan_rooms, vision
from housescan.agents.local.scan_rooms import RoomReading, judge_together
from housescan.agents.pipeline import run_pipeline
from housescan.agents.providers import local as local_provider
from housescan.agents.providers.base import RoomFindings, RoomPhotos, RoomTypeAnswer

CLEAR_KITCHEN = {"kitchen": 0.7, "dining_room": 0.1, "living_room": 0.05, "other": 0.15}
#: read as a kitchen, a dining room close behind (a table with chairs next to a worktop)
KITCHEN_OR_DINING = {"kitchen": 0.4, "dining_room": 0.3, "hallway": 0.1, "other": 0.2}
#: read as a kitchen with nothing else close: strong evidence of a second kitchen
ONLY_KITCHEN = {"kitchen": 0.8, "dining_room": 0.05, "other": 0.15}


def _reading(scores: dict[str, float], person: str | None = None) -> RoomReading:
    best = max((t for t in scores if t != "other"), key=lambda t: scores[t])
    return RoomReading([best], scores, person)


def test_a_second_kitchen_with_weaker_evidence_becomes_what_it_reads_as_next() -> None:
    judged = judge_together(
        [_reading(KITCHEN_OR_DINING), _reading(CLEAR_KITCHEN)], one_per_home=("kitchen",), runner_up_ratio=0.5
    )
    assert judged == [["dining_room", "kitchen"], ["kitchen"]]


def test_a_second_kitchen_stays_one_when_nothing_else_comes_close() -> None:
    rooms = [_reading(CLEAR_KITCHEN), _reading(ONLY_KITCHEN)]
    assert judge_together(rooms, one_per_home=("kitchen",), runner_up_ratio=0.5) == [["kitchen"], ["kitchen"]]
    # the rule switched off changes nothing
    rooms = [_reading(KITCHEN_OR_DINING), _reading(CLEAR_KITCHEN)]
    assert judge_together(rooms, runner_up_ratio=None) == [["kitchen"], ["kitchen"]]


def test_a_room_the_person_named_is_never_changed_and_owns_its_type() -> None:
    # the person named the weaker room "Kitchen": it keeps its own answer, and the clearer room the models
    # read as a kitchen is the duplicate
    named_weak = _reading(KITCHEN_OR_DINING, person="kitchen")
    judged = judge_together([named_weak, _reading(CLEAR_KITCHEN)], one_per_home=("kitchen",), runner_up_ratio=0.0)
    assert judged == [["kitchen"], ["dining_room", "kitchen"]]
    # a room named "Kitchen" that the models read as a dining room is not changed by the rule either
    named_dining = RoomReading(["dining_room"], {"dining_room": 0.5, "kitchen": 0.3, "other": 0.2}, "kitchen")
    judged = judge_together([named_dining], one_per_home=("kitchen", "dining_room"), runner_up_ratio=0.0)
    assert judged == [["dining_room"]]


def test_rooms_a_home_has_several_of_are_left_alone() -> None:
    bedroom = {"bedroom": 0.6, "living_room": 0.3, "other": 0.1}
    living_dining = {"living_room": 0.45, "dining_room": 0.4, "other": 0.15}
    rooms = [_reading(bedroom), _reading(bedroom), _reading(living_dining), _reading(living_dining)]
    judged = judge_together(rooms, one_per_home=("kitchen",), runner_up_ratio=0.0)
    assert judged == [["bedroom"], ["bedroom"], ["living_room"], ["living_room"]]


def test_as_shipped_an_open_plan_living_room_read_as_a_dining_room_is_named_both() -> None:
    clear_dining = {"dining_room": 0.6, "living_room": 0.1, "other": 0.3}
    open_plan = {"dining_room": 0.39, "living_room": 0.14, "kitchen": 0.12, "other": 0.35}
    judged = judge_together([_reading(open_plan), _reading(clear_dining), _reading(CLEAR_KITCHEN)])
    assert judged == [["living_room", "dining_room"], ["dining_room"], ["kitchen"]]


def _answer(scores: dict[str, float]) -> RoomTypeAnswer:
    best = max((t for t in scores if t != "other"), key=lambda t: scores[t])
    return RoomTypeAnswer([best], scores[best], {"scores": scores})


def test_the_provider_judges_from_each_answer_and_the_rooms_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scan_rooms, "ONE_PER_HOME", ("kitchen",))
    monkeypatch.setattr(scan_rooms, "RUNNER_UP_RATIO", 0.5)
    provider = local_provider.LocalProvider()
    weak, clear = _answer(KITCHEN_OR_DINING), _answer(CLEAR_KITCHEN)
    out = provider.judge_rooms_together([(RoomPhotos("a", None, []), weak), (RoomPhotos("b", None, []), clear)])
    assert out[1] is clear
    assert out[0].room_types == ["dining_room", "kitchen"] and out[0].confidence == 0.3
    assert out[0].details["judged_together"]["own_room_types"] == ["kitchen"]
    # the person's name "Kitchen" on the weaker room: that room's answer is untouched, and the clearer one,
    # whose dining room comes close enough, moves
    clearer = _answer({"kitchen": 0.5, "dining_room": 0.3, "other": 0.2})
    out = provider.judge_rooms_together(
        [(RoomPhotos("a", "Kitchen", []), weak), (RoomPhotos("b", "Room 2", []), clearer)]
    )
    assert out[0] is weak and out[1].room_types == ["dining_room", "kitchen"]


def _item(product: str) -> ChecklistItem:
    return ChecklistItem(
        id=product, title=product, type=ChecklistItemType.conditional, product=product, applies_to=["kitchen"]
    )


class _TwoKitchens(local_provider.LocalProvider):
    """The local provider with its verdicts fixed by the room's first photo byte: 'c' a clear kitchen with an
    oven box, 'w' a weaker kitchen with a dining room close behind."""

    async def _verdict(self, room: RoomPhotos) -> vision.RoomVerdict:
        room.cache["local.findings"] = []
        scores = CLEAR_KITCHEN if room.photos[0][:1] == b"c" else KITCHEN_OR_DINING
        oven = {"oven": [(0, (0.6, (0.1, 0.1, 0.5, 0.5), "detector"))]}
        return vision.RoomVerdict(["kitchen"], scores["kitchen"], scores, {"oven": 0.6}, oven)


async def test_the_pipeline_judges_the_rooms_together_before_their_other_agents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_rooms, "ONE_PER_HOME", ("kitchen",))
    monkeypatch.setattr(scan_rooms, "RUNNER_UP_RATIO", 0.5)
    monkeypatch.setattr(product_rules, "SEEN_RULES", {"oven": (("detector", 0.4, 0.9),)})
    (tmp_path / "clear.jpg").write_bytes(b"c")
    (tmp_path / "weak.jpg").write_bytes(b"w")
    rooms = [
        RoomInput(room_id="weak", image_urls=[(tmp_path / "weak.jpg").as_uri()]),
        RoomInput(room_id="clear", image_urls=[(tmp_path / "clear.jpg").as_uri()]),
    ]
    request = ScanRequest(rooms=rooms, products_checklist=[_item("oven")])
    response = await run_pipeline(request, provider=_TwoKitchens(), loader=ImageLoader(local_roots=[tmp_path]))
    weak, clear = response.result.rooms
    assert clear.room_types == ["kitchen"] and weak.room_types == ["dining_room", "kitchen"]
    assert weak.details["judged_together"]["own_room_types"] == ["kitchen"]
    # the products agent read the judged types: the oven item applies to kitchens, and "kitchen" is still named
    assert weak.products.conditionals["oven"].exists is True
    # the room type agent's own answer stays on record
    (own,) = [e for e in response.agent_executions if e.agent_name == "room_type" and e.room_id == "weak"]
    assert own.output["room_types"] == ["kitchen"]


# ---------------------------------------------------------------------------------------------------------
# the house type without an exterior photo


def _photo(house: dict[str, float], room: str = "bedroom") -> vision.ImageFindings:
    return vision.ImageFindings({room: 1.0}, {}, {h: house.get(h, 0.0) for h in vision.HOUSE_TYPES}, [])


STRONG_APARTMENT = {"apartment": 0.9, "detached_house": 0.05, "townhouse": 0.05}


def test_without_an_exterior_the_house_type_needs_the_strong_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    rooms = [vision.RoomVerdict(["bedroom"], 0.9, {}, {})]
    monkeypatch.setattr(vision, "NO_EXTERIOR_MIN_SCORE", None)
    never = vision.decide_house(rooms, [], [_photo(STRONG_APARTMENT)])
    assert never.house_types == [] and never.confidence == 0.0 and never.reason == "no exterior photo"
    monkeypatch.setattr(vision, "NO_EXTERIOR_MIN_SCORE", 0.8)
    strong = vision.decide_house(rooms, [], [_photo(STRONG_APARTMENT)])
    assert strong.house_types == ["apartment"]
    assert strong.confidence == measured.HOUSE_TYPE_WITHOUT_EXTERIOR_PRECISION[0]
    weak = vision.decide_house(rooms, [], [_photo({"apartment": 0.7, "detached_house": 0.3})])
    assert weak.house_types == [] and weak.confidence == 0.0


async def test_the_provider_reads_the_rooms_photos_when_no_exterior_is_photographed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vision, "NO_EXTERIOR_MIN_SCORE", 0.8)
    finding = _photo(STRONG_APARTMENT)
    verdict = vision.classify_room([finding])
    photos = RoomPhotos("r1", None, [b"x"], cache={"local.findings": [finding], "local.verdict": verdict})
    room = RoomFindings("r1", None, ["bedroom"], 0.9, ChecklistAnswers(), ChecklistAnswers(), photos)
    answer, _ = await local_provider.LocalProvider().house_type([room])
    assert answer.house_types == ["apartment"] and answer.details["from"] == "the rooms' photos"
    monkeypatch.setattr(vision, "NO_EXTERIOR_MIN_SCORE", None)
    answer, _ = await local_provider.LocalProvider().house_type([room])
    assert answer.house_types == [] and answer.details["determined"] is False


# ---------------------------------------------------------------------------------------------------------
# products out of place


async def test_a_product_is_not_answered_in_a_room_it_is_out_of_place_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(product_rules, "SEEN_RULES", {"dining_table": (("detector", 0.4, 0.9),)})
    table = {"dining_table": [(0, (0.7, (0.1, 0.4, 0.9, 0.9), "detector"))]}
    verdict = vision.RoomVerdict(["kitchen"], 0.8, {}, {"dining_table": 0.7}, table)
    room = RoomPhotos("r1", None, [b"a"], cache={"local.verdict": verdict, "local.findings": []})
    item = ChecklistItem(id="dining_table", title="t", type=ChecklistItemType.conditional, product="dining_table")
    provider = local_provider.LocalProvider()
    # a kitchen island reads as a dining table: in a kitchen the box is listed but the table is not seen
    in_kitchen, _ = await provider.products(room, RoomTypeAnswer(["kitchen"], 0.8), [item])
    assert in_kitchen.conditionals["dining_table"].exists is None and "dining_table" in in_kitchen.unassessed
    assert in_kitchen.evidence["dining_table"][0].confidence == 0.7
    # in a kitchen-diner (either type fits) and in a dining room it is seen
    for types in (["kitchen", "dining_room"], ["dining_room"]):
        answers, _ = await provider.products(room, RoomTypeAnswer(types, 0.8), [item])
        assert answers.conditionals["dining_table"].exists is True
    assert product_rules.out_of_place("toilet", ["bedroom"]) and not product_rules.out_of_place("toilet", [])
