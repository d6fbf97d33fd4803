"""The pipeline's orchestration: every agent recorded, failed rooms reported, budgets and the memo honoured.

The provider here is scripted so that each behaviour can be forced; the real providers have their own tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.helpers import photo

from housescan.agents.budget import AgentMemo, BudgetExceeded
from housescan.agents.contract import ChecklistAnswers, ProsCons, RoomInput, ScanRequest
from housescan.agents.images import ImageLoader
from housescan.agents.pipeline import KEEP_PHOTOS_OF_FIRST_ROOMS, run_pipeline
from housescan.agents.providers.base import (
    HouseTypeAnswer,
    Narrative,
    RoomFindings,
    RoomPhotos,
    RoomTypeAnswer,
    Usage,
)
from housescan.checklists.base import HOUSE_ITEMS, PRODUCT_ITEMS, ROOM_ITEMS


class ScriptedProvider:
    name = "scripted"
    model = "scripted-1"

    def __init__(self, *, failing_room: str | None = None, tokens_per_call: int = 100) -> None:
        self.failing_room = failing_room
        self.tokens = tokens_per_call
        self.calls: list[tuple[str, str | None]] = []

    def _usage(self) -> Usage:
        return Usage(model=self.model, tokens_in=self.tokens, tokens_out=self.tokens // 4, requests=1, cost_usd=0.001)

    async def room_type(self, room: RoomPhotos) -> tuple[RoomTypeAnswer, Usage]:
        self.calls.append(("room_type", room.room_id))
        if room.room_id == self.failing_room:
            raise RuntimeError("the model could not read this room's photos")
        assert room.photos and all(data[:2] == b"\xff\xd8" for data in room.photos)
        return RoomTypeAnswer(["kitchen"], 0.9), self._usage()

    async def products(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list
    ) -> tuple[ChecklistAnswers, Usage]:  # type: ignore[type-arg]
        self.calls.append(("products", room.room_id))
        assert room.photos and all(data[:2] == b"\xff\xd8" for data in room.photos), "the room's photos are there"
        assert {item.id for item in items} >= {"refrigerator", "oven"}, "kitchen items are asked for"
        assert "toilet" not in {item.id for item in items}, "bathroom-only items are not"
        return ChecklistAnswers(), self._usage()

    async def room_checklist(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list
    ) -> tuple[ChecklistAnswers, Usage]:  # type: ignore[type-arg]
        self.calls.append(("room_checklist", room.room_id))
        assert room.photos and all(data[:2] == b"\xff\xd8" for data in room.photos), "the room's photos are there"
        return ChecklistAnswers(), self._usage()

    async def house_type(self, rooms: list[RoomFindings]) -> tuple[HouseTypeAnswer, Usage]:
        self.calls.append(("house_type", None))
        return HouseTypeAnswer(["apartment"], 0.6), self._usage()

    async def house_checklist(
        self, house: HouseTypeAnswer, rooms: list[RoomFindings], items: list
    ) -> tuple[ChecklistAnswers, Usage]:  # type: ignore[type-arg]
        self.calls.append(("house_checklist", None))
        return ChecklistAnswers(), self._usage()

    async def pros_cons(
        self, house: HouseTypeAnswer, checklist: ChecklistAnswers, rooms: list[RoomFindings]
    ) -> tuple[Narrative, Usage]:
        self.calls.append(("pros_cons", None))
        return Narrative(ProsCons(pros=["bright"]), "summary", "client summary"), self._usage()


def _request(tmp_path: Path, rooms: int = 3, **budget: float) -> ScanRequest:
    room_inputs = []
    for n in range(rooms):
        path = tmp_path / f"room{n}.jpg"
        path.write_bytes(photo((n * 40, 100, 100)))
        room_inputs.append(RoomInput(room_id=f"r{n}", image_urls=[path.as_uri()]))
    return ScanRequest(
        rooms=room_inputs,
        house_checklist=list(HOUSE_ITEMS),
        rooms_checklist=list(ROOM_ITEMS),
        products_checklist=list(PRODUCT_ITEMS),
        **budget,  # type: ignore[arg-type]
    )


async def test_every_agent_execution_is_recorded_with_its_own_usage(tmp_path: Path) -> None:
    progress: list[tuple[int, str]] = []

    async def on_progress(percent: int, stage: str) -> None:
        progress.append((percent, stage))

    response = await run_pipeline(
        _request(tmp_path),
        provider=ScriptedProvider(),
        loader=ImageLoader(local_roots=[tmp_path]),
        on_progress=on_progress,
    )
    assert len(response.agent_executions) == 3 * 3 + 3 == response.metadata.total_agent_executions
    per_room = [(e.agent_name, e.room_id) for e in response.agent_executions if e.room_id]
    assert sorted(per_room) == sorted(
        (a, f"r{n}") for n in range(3) for a in ("room_type", "room_checklist", "products")
    )
    cost = response.cost_info
    assert (cost.total_tokens_in, cost.total_tokens_out, cost.total_requests) == (1200, 300, 12)
    assert cost.total_cost_usd == pytest.approx(0.012)
    assert len(cost.by_agent) == 12 and all(c.tokens_in == 100 for c in cost.by_agent)
    percents = [p for p, _ in progress]
    assert percents == sorted(percents) and len(percents) >= 10 and percents[-1] == 95
    assert response.metadata.pipeline_version == "2.0.0"


async def test_rooms_beyond_those_kept_in_memory_are_read_again_for_their_own_agents(tmp_path: Path) -> None:
    # Rooms after the first KEEP_PHOTOS_OF_FIRST_ROOMS set their photos aside while every room's type is read
    # (before the rooms are judged together), and load them again for the checklist and products.
    rooms = KEEP_PHOTOS_OF_FIRST_ROOMS + 3
    provider = ScriptedProvider()
    response = await run_pipeline(
        _request(tmp_path, rooms=rooms), provider=provider, loader=ImageLoader(local_roots=[tmp_path])
    )
    assert [room.status for room in response.result.rooms] == ["succeeded"] * rooms
    assert sorted(room_id for agent, room_id in provider.calls if agent == "products") == sorted(
        f"r{n}" for n in range(rooms)
    )


async def test_a_failed_room_is_reported_not_dropped(tmp_path: Path) -> None:
    response = await run_pipeline(
        _request(tmp_path), provider=ScriptedProvider(failing_room="r1"), loader=ImageLoader(local_roots=[tmp_path])
    )
    rooms = {room.room_id: room for room in response.result.rooms}
    assert set(rooms) == {"r0", "r1", "r2"}
    assert rooms["r1"].status == "failed" and "could not read" in (rooms["r1"].error or "")
    assert response.metadata.rooms_failed == 1 and response.metadata.rooms_processed == 2
    failed = [e for e in response.agent_executions if e.status == "failed"]
    assert [(e.agent_name, e.room_id) for e in failed] == [("room_type", "r1")]


async def test_a_missing_photo_fails_its_room_only(tmp_path: Path) -> None:
    request = _request(tmp_path)
    (tmp_path / "room2.jpg").unlink()
    response = await run_pipeline(request, provider=ScriptedProvider(), loader=ImageLoader(local_roots=[tmp_path]))
    assert [room.status for room in response.result.rooms] == ["succeeded", "succeeded", "failed"]


async def test_budget_stops_further_calls(tmp_path: Path) -> None:
    provider = ScriptedProvider(tokens_per_call=1000)
    with pytest.raises(BudgetExceeded, match="budget"):
        await run_pipeline(
            _request(tmp_path, rooms=3, budget_tokens=2500),
            provider=provider,
            loader=ImageLoader(local_roots=[tmp_path]),
        )
    # 1,250 tokens per call: the third call found the budget spent and was never made.
    assert len(provider.calls) < 4


async def test_memo_means_a_retry_does_not_call_agents_that_succeeded(tmp_path: Path) -> None:
    memo = AgentMemo()
    request = _request(tmp_path)
    first = ScriptedProvider()
    await run_pipeline(request, provider=first, loader=ImageLoader(local_roots=[tmp_path]), memo=memo)
    again = ScriptedProvider()
    response = await run_pipeline(request, provider=again, loader=ImageLoader(local_roots=[tmp_path]), memo=memo)
    assert again.calls == []
    assert all(e.cache_hit for e in response.agent_executions)
    assert response.cost_info.total_tokens_in == 1200, "the spend of the first attempt is still reported"
