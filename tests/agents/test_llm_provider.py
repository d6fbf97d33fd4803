"""The `llm` provider against a local OpenAI-compatible stand-in server, over real HTTP: structured answers
mapped onto the contract, exact usage and prices per agent execution, output retries, failures, budgets and
downscaled photos."""

from __future__ import annotations

import importlib.util
import io
import itertools
import json
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from tests.agents.openai_standin import OpenAIStandIn, Recorded, Reply

from housescan.agents.budget import BudgetExceeded
from housescan.agents.client import AgentsError
from housescan.agents.contract import (
    ROOM_TYPES,
    ChecklistItem,
    ChecklistItemType,
    Quality,
    RoomInput,
    ScanRequest,
    ScanResponse,
)
from housescan.agents.images import ImageLoader
from housescan.agents.pipeline import run_pipeline
from housescan.agents.pricing import Pricing
from housescan.agents.providers.base import RoomPhotos
from housescan.agents.providers.llm import ChecklistOut, ItemVerdict, LLMProvider, to_answers
from housescan.agents.providers.llm_images import pick_evenly
from housescan.agents.service import create_provider
from housescan.config import Settings

PRICE_IN, PRICE_OUT = 2.0, 8.0  # USD per million tokens, from the settings' override
AGENT_OF_TOOL = {
    "room_type_answer": "room_type",
    "checklist_answer": "room_checklist",
    "products_answer": "products",
    "house_type_answer": "house_type",
    "house_checklist_answer": "house_checklist",
    "report_conclusion": "pros_cons",
}
LABEL = re.compile(r"(?:given by the owner: |owner's label: )(\w+)")
ROOM_OF_LABEL = {"Kitchen": "kitchen", "Bedroom": "bedroom"}


def item(item_id: str, kind: ChecklistItemType, subitems: list[str] | None = None) -> ChecklistItem:
    return ChecklistItem(
        id=item_id,
        title=item_id.replace("_", " "),
        type=kind,
        subitems=[ChecklistItem(id=s, title=s, type=ChecklistItemType.boolean) for s in subitems] if subitems else None,
    )


ROOM_ITEMS = [
    item("water_damage", ChecklistItemType.boolean),
    item("walls_condition", ChecklistItemType.categorical),
    item("windows", ChecklistItemType.conditional, ["double_glazed", "opens"]),
    item("mould", ChecklistItemType.boolean),  # the stand-in never answers the last item
]
PRODUCT_ITEMS = [item("fridge", ChecklistItemType.conditional), item("oven", ChecklistItemType.conditional)]
HOUSE_ITEMS = [item("has_balcony", ChecklistItemType.boolean), item("overall_condition", ChecklistItemType.categorical)]


def verdicts(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Valid answers for all items but the last, plus one for an item that was not asked."""
    answers: list[dict[str, Any]] = []
    for listed in items[:-1]:
        if listed["type"] == "boolean":
            answers.append({"id": listed["id"], "assessable": True, "value": False, "confidence": 0.8})
        elif listed["type"] == "categorical":
            answers.append({"id": listed["id"], "assessable": True, "quality": "Good", "confidence": 0.7})
        else:
            subs = {s["id"]: True for s in listed.get("subitems", [])}
            answers.append(
                {"id": listed["id"], "assessable": True, "exists": True, "quality": "Average", "subitems": subs}
            )
    answers.append({"id": "invented_item", "assessable": True, "value": True})
    return {"answers": answers}


class Scripted:
    """The stand-in's default responder: a valid answer for each agent, with distinct token counts per call."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)

    def __call__(self, request: Recorded) -> Reply:
        n = next(self.counter)
        agent = AGENT_OF_TOOL[request.agent]
        output: dict[str, Any]
        if agent == "room_type":
            label = LABEL.search(request.text)
            output = {"room_types": [ROOM_OF_LABEL[label.group(1)] if label else "other"], "confidence": 0.9}
        elif agent in ("room_checklist", "products", "house_checklist"):
            output = verdicts(json.loads(request.text.split("Checklist items:\n", 1)[1]))
        elif agent == "house_type":
            output = {"house_types": ["apartment"], "confidence": 0.6}
        else:
            output = {
                "pros": ["Bright kitchen"],
                "cons": ["Mould not assessed"],
                "summary": "An apartment with a kitchen and a bedroom.",
                "client_summary": "A tidy apartment.",
            }
        return Reply(output=output, prompt_tokens=1000 + 17 * n, completion_tokens=50 + 3 * n)


@pytest.fixture
async def standin() -> AsyncIterator[OpenAIStandIn]:
    server = OpenAIStandIn(default=Scripted())
    await server.start()
    yield server
    await server.stop()


def llm_settings(standin: OpenAIStandIn, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "agents_provider": "llm",
        "llm_base_url": standin.url,
        "llm_model": "standin-vision",
        "llm_api_key": "test-key",
        "llm_timeout_seconds": 5.0,
        "llm_output_retries": 2,
        "llm_price_input_per_mtok": PRICE_IN,
        "llm_price_output_per_mtok": PRICE_OUT,
    }
    values.update(overrides)
    return Settings(**values)


def provider_for(standin: OpenAIStandIn, tmp_path: Path, **overrides: Any) -> LLMProvider:
    return LLMProvider(llm_settings(standin, tmp_path, **overrides), transport_retries=0)


def write_photos(folder: Path, count: int, size: tuple[int, int], fmt: str = "JPEG") -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    urls = []
    for index in range(count):
        path = folder / f"photo{index}.{fmt.lower()}"
        Image.new("RGB", size, (40 * index % 255, 120, 200)).save(path, format=fmt)
        urls.append(path.as_uri())
    return urls


def two_rooms(tmp_path: Path, **budget: Any) -> ScanRequest:
    return ScanRequest(
        rooms=[
            RoomInput(room_id="kitchen", label="Kitchen", image_urls=write_photos(tmp_path / "k", 7, (1600, 1200))),
            RoomInput(
                room_id="bedroom", label="Bedroom", image_urls=write_photos(tmp_path / "b", 2, (900, 1400), "PNG")
            ),
        ],
        rooms_checklist=ROOM_ITEMS,
        products_checklist=PRODUCT_ITEMS,
        house_checklist=HOUSE_ITEMS,
        **budget,
    )


def photo_bytes(size: tuple[int, int] = (1200, 900)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 30)).save(out, format="JPEG")
    return out.getvalue()


def usd(tokens_in: int, tokens_out: int) -> float:
    return (tokens_in * PRICE_IN + tokens_out * PRICE_OUT) / 1_000_000


async def test_pipeline_over_two_rooms_records_exact_usage_and_price(standin: OpenAIStandIn, tmp_path: Path) -> None:
    provider = provider_for(standin, tmp_path)
    loader = ImageLoader(local_roots=[tmp_path])
    request = two_rooms(tmp_path, budget_tokens=1_000_000, budget_usd=5.0)

    response = await run_pipeline(request, provider=provider, loader=loader)

    response = ScanResponse.model_validate(response.model_dump(mode="json"))  # the contract, strictly
    assert len(standin.requests) == 9  # 3 per room, then house type, house checklist, pros/cons
    expected: dict[tuple[str, str | None], Reply] = {}
    for call in standin.requests:
        label = LABEL.search(call.text)
        room_id = ROOM_OF_LABEL[label.group(1)] if label and call.agent not in ("house_type_answer",) else None
        assert call.reply is not None
        expected[(AGENT_OF_TOOL[call.agent], room_id)] = call.reply
    assert len(expected) == 9
    assert len(response.agent_executions) == 9
    for execution in response.agent_executions:
        reply = expected[(execution.agent_name, execution.room_id)]
        assert execution.status == "succeeded"
        assert execution.model == "standin-vision"
        assert (execution.tokens_in, execution.tokens_out, execution.requests) == (
            reply.prompt_tokens,
            reply.completion_tokens,
            1,
        )
        assert execution.cost_usd == pytest.approx(usd(reply.prompt_tokens, reply.completion_tokens))
    cost = response.cost_info
    assert cost.provider == "llm"
    assert {(c.agent_name, c.room_id) for c in cost.by_agent} == set(expected)
    assert cost.total_tokens_in == sum(r.prompt_tokens for r in expected.values())
    assert cost.total_tokens_out == sum(r.completion_tokens for r in expected.values())
    assert cost.total_requests == 9
    assert cost.total_cost_usd == pytest.approx(
        sum(usd(r.prompt_tokens, r.completion_tokens) for r in expected.values()), abs=1e-6
    )

    result = response.result
    assert result.house_types == ["apartment"]
    rooms = {room.room_id: room for room in result.rooms}
    assert rooms["kitchen"].room_types == ["kitchen"] and rooms["bedroom"].room_types == ["bedroom"]
    issues = rooms["kitchen"].issues
    assert issues.booleans == {"water_damage": False, "mould": None}
    assert issues.categoricals == {"walls_condition": Quality.good}
    assert issues.conditionals["windows"].exists is True
    assert issues.conditionals["windows"].subitems == {"double_glazed": True, "opens": True}
    assert issues.unassessed == ["mould"]  # omitted by the model: unassessed, never invented
    assert "invented_item" not in issues.booleans
    assert rooms["kitchen"].products.conditionals["fridge"].exists is True
    assert rooms["kitchen"].products.unassessed == ["oven"]
    assert result.house_checklist.booleans == {"has_balcony": False}
    assert result.house_checklist.categoricals == {"overall_condition": Quality.not_assessed}
    assert result.house_checklist.unassessed == ["overall_condition"]
    assert result.pros_cons.pros == ["Bright kitchen"]
    assert response.client_summary == "A tidy apartment."

    # Photos arrive downscaled and re-encoded: classification <= 4 at 512 px, checklists <= 6 at 768 px.
    for call in standin.requests:
        agent = AGENT_OF_TOOL[call.agent]
        limit, px = {"room_type": (4, 512), "house_type": (4, 512), "pros_cons": (0, 0)}.get(agent, (6, 768))
        assert len(call.images) <= limit
        assert all(max(i.width, i.height) <= px and i.format == "JPEG" for i in call.images)
    kitchen_checklist = next(c for c in standin.calls("checklist_answer") if "Kitchen" in c.text)
    assert len(kitchen_checklist.images) == 6 and max(kitchen_checklist.images[0].width, 0) == 768
    kitchen_type = next(c for c in standin.calls("room_type_answer") if "Kitchen" in c.text)
    assert len(kitchen_type.images) == 4 and kitchen_type.images[0].width == 512
    bedroom_type = next(c for c in standin.calls("room_type_answer") if "Bedroom" in c.text)
    assert [(i.width, i.height) for i in bedroom_type.images] == [(329, 512), (329, 512)]


async def test_malformed_then_valid_output_is_retried_and_both_requests_counted(
    standin: OpenAIStandIn, tmp_path: Path
) -> None:
    standin.script(
        "room_type_answer",
        Reply(raw='{"room_types": ["kitch', prompt_tokens=700, completion_tokens=9),
        Reply(
            output={"room_types": ["kitchen", "dining_room"], "confidence": 0.8},
            prompt_tokens=800,
            completion_tokens=30,
        ),
    )
    request = ScanRequest(
        rooms=[RoomInput(room_id="kitchen", label="Kitchen", image_urls=write_photos(tmp_path / "k", 1, (640, 480)))]
    )
    response = await run_pipeline(
        request, provider=provider_for(standin, tmp_path), loader=ImageLoader(local_roots=[tmp_path])
    )

    room_type = next(e for e in response.agent_executions if e.agent_name == "room_type")
    assert (room_type.requests, room_type.tokens_in, room_type.tokens_out) == (2, 1500, 39)
    assert room_type.cost_usd == pytest.approx(usd(1500, 39))
    assert response.result.rooms[0].room_types == ["kitchen", "dining_room"]
    assert len(standin.calls("room_type_answer")) == 2
    # The retry told the model what was wrong, in the same conversation.
    assert len(standin.calls("room_type_answer")[1].body["messages"]) > len(
        standin.calls("room_type_answer")[0].body["messages"]
    )
    # Empty checklists cost nothing: no call for them.
    assert not standin.calls("checklist_answer") and not standin.calls("products_answer")


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (Reply(raw="this is not JSON"), "Invalid JSON"),
        (Reply(output={"room_types": ["ballroom"], "confidence": 0.9}), "'ballroom' is not one of"),
        (Reply(output={"room_types": ["kitchen"], "confidence": 7}), "less than or equal to 1"),
    ],
)
async def test_output_that_never_validates_fails_readably(
    standin: OpenAIStandIn, tmp_path: Path, bad: Reply, reason: str
) -> None:
    standin.script("room_type_answer", bad, bad, bad, bad)
    provider = provider_for(standin, tmp_path)

    with pytest.raises(AgentsError) as caught:
        await provider.room_type(RoomPhotos(room_id="r1", label=None, photos=[photo_bytes()]))

    assert caught.value.retryable is False
    message = str(caught.value)
    assert "room_type" in message and "not usable after 3 attempt(s)" in message and reason in message
    assert len(standin.calls("room_type_answer")) == 3  # 1 + llm_output_retries
    usage = caught.value.usage  # type: ignore[attr-defined]
    assert (usage.requests, usage.tokens_in, usage.tokens_out) == (3, 300, 60)


async def test_server_error_is_retryable_after_the_transport_retry(standin: OpenAIStandIn, tmp_path: Path) -> None:
    standin.script("room_type_answer", Reply(status=500), Reply(status=503))
    provider = LLMProvider(llm_settings(standin, tmp_path), transport_retries=1)

    with pytest.raises(AgentsError) as caught:
        await provider.room_type(RoomPhotos(room_id="r1", label=None, photos=[photo_bytes()]))

    assert caught.value.retryable is True
    assert "HTTP 503" in str(caught.value)
    assert len(standin.calls("room_type_answer")) == 2


async def test_every_room_failing_with_500_fails_the_scan_retryably(standin: OpenAIStandIn, tmp_path: Path) -> None:
    standin.script("room_type_answer", Reply(status=500), Reply(status=500))
    request = two_rooms(tmp_path)

    with pytest.raises(AgentsError) as caught:
        await run_pipeline(
            request, provider=provider_for(standin, tmp_path), loader=ImageLoader(local_roots=[tmp_path])
        )

    assert caught.value.retryable is True and not isinstance(caught.value, BudgetExceeded)
    assert "HTTP 500" in str(caught.value)
    assert len(standin.requests) == 2


async def test_slow_answer_times_out_retryably(standin: OpenAIStandIn, tmp_path: Path) -> None:
    standin.script("room_type_answer", Reply(output={"room_types": ["kitchen"], "confidence": 1}, delay=1.5))
    provider = provider_for(standin, tmp_path, llm_timeout_seconds=0.3)

    with pytest.raises(AgentsError) as caught:
        await provider.room_type(RoomPhotos(room_id="r1", label=None, photos=[photo_bytes()]))

    assert caught.value.retryable is True
    assert "0.3" in str(caught.value)


def assert_no_call_after_budget_reached(standin: OpenAIStandIn, budget_tokens: int) -> None:
    for call in standin.requests:
        spent_before = sum(
            other.reply.prompt_tokens + other.reply.completion_tokens
            for other in standin.requests
            if other.reply is not None and other.answered_at is not None and other.answered_at <= call.received_at
        )
        assert spent_before < budget_tokens


async def test_a_call_that_overruns_the_budget_stops_the_scan(standin: OpenAIStandIn, tmp_path: Path) -> None:
    # The provider's own count overruns what the cap allowed: the run stops, no other call is made.
    standin.default = lambda request: Reply(
        output={"room_types": ["kitchen"], "confidence": 0.9}, prompt_tokens=4000, completion_tokens=1000
    )
    request = two_rooms(tmp_path, budget_tokens=3000)

    with pytest.raises(BudgetExceeded) as caught:
        await run_pipeline(
            request, provider=provider_for(standin, tmp_path), loader=ImageLoader(local_roots=[tmp_path])
        )

    assert caught.value.retryable is False
    assert "budget" in str(caught.value)
    assert len(standin.requests) == 1
    assert_no_call_after_budget_reached(standin, 3000)


@pytest.mark.parametrize("budget", [{"budget_tokens": 2500}, {"budget_usd": 0.02}])
async def test_small_budget_is_never_overspent_by_concurrent_rooms(
    standin: OpenAIStandIn, tmp_path: Path, budget: dict[str, Any]
) -> None:
    standin.default = lambda request: Reply(
        output={"room_types": ["kitchen"], "confidence": 0.9}, prompt_tokens=300, completion_tokens=50, delay=0.1
    )
    request = two_rooms(tmp_path, **budget)

    with pytest.raises(BudgetExceeded) as caught:
        await run_pipeline(
            request, provider=provider_for(standin, tmp_path), loader=ImageLoader(local_roots=[tmp_path])
        )

    assert "budget is reached" in str(caught.value)
    calls = sorted(standin.requests, key=lambda r: r.received_at)
    # Which agents got their calls in before the budget ran out depends on scheduling; what must hold
    # is that some ran, none ran past the budget, and none was made once it was reached.
    assert calls and AGENT_OF_TOOL[calls[0].agent] == "room_type"
    spent_tokens = standin.reported_tokens()
    if "budget_tokens" in budget:
        assert spent_tokens <= budget["budget_tokens"]
    else:
        assert (
            sum(usd(c.reply.prompt_tokens, c.reply.completion_tokens) for c in calls if c.reply) <= budget["budget_usd"]
        )
    assert_no_call_after_budget_reached(standin, 2500)


async def test_budget_already_spent_makes_no_call(standin: OpenAIStandIn, tmp_path: Path) -> None:
    request = two_rooms(tmp_path, budget_tokens=0)

    with pytest.raises(BudgetExceeded):
        await run_pipeline(
            request, provider=provider_for(standin, tmp_path), loader=ImageLoader(local_roots=[tmp_path])
        )

    assert standin.requests == []


async def test_native_structured_output_mode(standin: OpenAIStandIn, tmp_path: Path) -> None:
    provider = LLMProvider(llm_settings(standin, tmp_path), output_mode="native", transport_retries=0)

    answer, usage = await provider.room_type(RoomPhotos(room_id="r1", label="Kitchen", photos=[photo_bytes()]))

    (call,) = standin.requests
    assert call.body["response_format"]["type"] == "json_schema"
    assert answer.room_types == ["kitchen"]
    assert (usage.tokens_in, usage.tokens_out, usage.requests) == (1017, 53, 1)


def test_create_provider_builds_the_llm_provider(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, agents_provider="llm", llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    provider = create_provider(settings)
    assert isinstance(provider, LLMProvider)
    assert provider.name == "llm" and provider.model == "m"


def test_named_models_without_a_base_url(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, llm_model="gpt-4o-mini", llm_api_key="sk-test")
    provider = LLMProvider(settings)
    assert provider.pricing.known and provider.pricing.provider_id == "openai"
    anthropic_settings = Settings(data_dir=tmp_path, llm_model="anthropic:claude-sonnet-4-5", llm_api_key="k")
    if importlib.util.find_spec("anthropic") is None:  # the anthropic extra is not installed here
        with pytest.raises(ValueError, match=re.escape("pydantic-ai-slim[anthropic]")):
            LLMProvider(anthropic_settings)
    else:
        anthropic = LLMProvider(anthropic_settings)
        assert anthropic.pricing.provider_id == "anthropic" and anthropic.pricing.model == "claude-sonnet-4-5"


def test_pricing_override_table_and_unknown(caplog: pytest.LogCaptureFixture) -> None:
    table = Pricing("gpt-4o-mini", provider_id="openai")
    assert table.cost(1_000_000, 0).usd == pytest.approx(0.15) and table.cost(0, 1_000_000).usd == pytest.approx(0.6)
    override = Pricing("gpt-4o-mini", provider_id="openai", input_per_mtok=1.0, output_per_mtok=3.0)
    assert override.cost(2000, 1000) == override.cost(2000, 1000)
    assert override.cost(2000, 1000).usd == pytest.approx(0.005) and override.cost(1, 1).source == "override"
    half = Pricing("gpt-4o-mini", provider_id="openai", output_per_mtok=3.0)
    assert half.cost(1_000_000, 1_000_000).usd == pytest.approx(0.15 + 3.0)
    with caplog.at_level(logging.WARNING):
        unknown = Pricing("my-own-finetune", base_url="http://127.0.0.1:11434/v1")
        cost = unknown.cost(5000, 500)
    assert (cost.usd, cost.priced, unknown.known, unknown.max_usd_per_token) == (0.0, False, False, 0.0)
    assert "no price known" in caplog.text


def test_checklist_answers_only_for_the_items_asked() -> None:
    out = ChecklistOut(
        answers=[
            ItemVerdict(id="water_damage", assessable=False, value=True),
            ItemVerdict(id="walls_condition", assessable=True, quality=Quality.poor, confidence=0.9),
            ItemVerdict(id="windows", assessable=True, exists=False, quality=Quality.good, subitems={"opens": True}),
            ItemVerdict(id="not_asked", assessable=True, value=True),
        ]
    )
    answers = to_answers(ROOM_ITEMS, out)
    assert answers.booleans == {"water_damage": None, "mould": None}
    assert answers.categoricals == {"walls_condition": Quality.poor}
    windows = answers.conditionals["windows"]
    assert windows.exists is False and windows.condition is Quality.not_assessed
    assert windows.subitems == {"double_glazed": None, "opens": None}
    assert answers.unassessed == ["water_damage", "mould"]
    assert set(answers.confidence) == {"walls_condition", "windows"}


def test_photos_are_picked_across_the_set() -> None:
    assert pick_evenly(3, 4) == [0, 1, 2]
    assert pick_evenly(10, 4) == [0, 3, 6, 9]
    assert pick_evenly(7, 1) == [0]
    assert "other" in ROOM_TYPES
