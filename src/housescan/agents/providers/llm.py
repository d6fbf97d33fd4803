"""The `llm` provider: the six agents answered by a language model through pydantic-ai.

Any OpenAI-compatible endpoint (`llm_base_url`: Ollama, vLLM, a gateway) with `llm_model`, or, without a base
URL, any model pydantic-ai knows by name (`openai:gpt-4o-mini`, `anthropic:...`, `google-gla:...`; a bare name
means OpenAI). Answers are validated against pydantic models (invalid ones are sent back to the model, up to
`llm_output_retries` times) and mapped onto the contract: only the checklist items asked for, anything the
model does not judge is unassessed, room and house types only from the contract's vocabularies.

Photos are sent downscaled and re-encoded as JPEG: at most 4 at 512 px (long side) to the classification
agents, at most 6 at 768 px to the checklist agents. Each agent execution reports the provider's own token
counts and requests (retries included) and its price (see `pricing`).

Budget: every model run is capped at what remains of the scan's budget (`CURRENT_BUDGET`, tokens and USD
converted to tokens at the model's dearest per-token price). Concurrent runs reserve their cap before they
start, so together they can never be granted more than what remains; a run that cannot get enough waits for
the others to settle, and if nothing is in flight the scan's budget is reached: `BudgetExceeded`, no call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_ai import (
    Agent,
    BinaryContent,
    ModelAPIError,
    ModelHTTPError,
    ModelResponse,
    ModelSettings,
    NativeOutput,
    PromptedOutput,
    ToolOutput,
    UnexpectedModelBehavior,
    UsageLimitExceeded,
    UsageLimits,
    UserError,
    capture_run_messages,
)
from pydantic_ai.exceptions import AgentRunError, ModelRequestTimeout, ModelTimeoutError
from pydantic_ai.models import Model

from housescan.agents.budget import CURRENT_BUDGET, BudgetExceeded, Grant
from housescan.agents.client import AgentsError
from housescan.agents.contract import (
    HOUSE_TYPES,
    ROOM_TYPES,
    ChecklistAnswers,
    ChecklistItem,
    ChecklistItemType,
    ConditionalAnswer,
    ProsCons,
    Quality,
)
from housescan.agents.pricing import Pricing
from housescan.agents.providers.base import (
    HouseTypeAnswer,
    Narrative,
    RoomFindings,
    RoomPhotos,
    RoomTypeAnswer,
    Usage,
)
from housescan.agents.providers.llm_images import PreparedImage, prepare_images
from housescan.config import Settings

log = logging.getLogger(__name__)

OutputMode = Literal["tool", "native", "prompted"]
T = TypeVar("T", bound=BaseModel)

# As the seed project did: few small photos to classify, more and larger ones to inspect.
CLASSIFY_IMAGES, CLASSIFY_PX = 4, 512
CHECKLIST_IMAGES, CHECKLIST_PX = 6, 768

# Output token allowances per agent run (one request); they bound each answer and size the reservations.
ROOM_TYPE_OUT = 400
HOUSE_TYPE_OUT = 400
NARRATIVE_OUT = 1500
CHECKLIST_OUT_BASE, CHECKLIST_OUT_PER_ITEM = 300, 150
# Below this many output tokens an answer cannot be expected: a run needs its input estimate plus this.
MIN_OUT = 128
# Rough tokens per character of prompt text and tool schema (deliberately pessimistic).
CHARS_PER_TOKEN = 3.0
PROMPT_OVERHEAD_TOKENS = 200

_KNOWN_TYPES_HELP = "Use only these values: {values}."


# --- what the model must answer -------------------------------------------------------------------------


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _one_of(values: Sequence[str]) -> AfterValidator:
    allowed = tuple(values)

    def check(value: str) -> str:
        value = value.strip().lower().replace(" ", "_")
        if value not in allowed:
            raise ValueError(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return AfterValidator(check)


RoomTypeName = Annotated[str, _one_of(ROOM_TYPES), Field(json_schema_extra={"enum": list(ROOM_TYPES)})]
HouseTypeName = Annotated[str, _one_of(HOUSE_TYPES), Field(json_schema_extra={"enum": list(HOUSE_TYPES)})]
Confidence = Annotated[float, Field(ge=0.0, le=1.0, description="how sure you are, from 0 to 1")]


class RoomTypeOut(_Out):
    room_types: Annotated[
        list[RoomTypeName],
        Field(min_length=1, max_length=3, description="most likely first; 'other' when no type fits the photos"),
    ]
    confidence: Confidence
    reasoning: Annotated[str, Field(max_length=600)] = ""


class HouseTypeOut(_Out):
    house_types: Annotated[list[HouseTypeName], Field(min_length=1, max_length=2, description="most likely first")]
    confidence: Confidence
    reasoning: Annotated[str, Field(max_length=600)] = ""


class ItemVerdict(_Out):
    id: Annotated[str, Field(description="the id of the checklist item, exactly as given")]
    assessable: Annotated[
        bool, Field(description="false when the photos do not show enough to judge this item; never guess")
    ]
    value: Annotated[bool | None, Field(description="boolean items: the answer")] = None
    quality: Annotated[
        Quality | None, Field(description="categorical items: the quality; conditional items: the condition")
    ] = None
    exists: Annotated[bool | None, Field(description="conditional items: whether the thing is present")] = None
    subitems: Annotated[
        dict[str, bool | None], Field(description="conditional items: sub-item id to answer, null if unknown")
    ] = Field(default_factory=dict)
    confidence: Confidence = 0.5
    evidence: Annotated[str, Field(max_length=300, description="what in the photos supports the answer")] = ""


class ChecklistOut(_Out):
    answers: list[ItemVerdict]


class NarrativeOut(_Out):
    pros: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=12)]
    cons: Annotated[list[Annotated[str, Field(max_length=300)]], Field(max_length=12)]
    summary: Annotated[str, Field(min_length=1, max_length=3000, description="for the inspector, factual")]
    client_summary: Annotated[str, Field(min_length=1, max_length=1500, description="for the home buyer, plain")]


# --- instructions -----------------------------------------------------------------------------------------

_ROOM_TYPE_INSTRUCTIONS = (
    "You classify one room of a home from its photos. Answer with its room types, most likely first, "
    + _KNOWN_TYPES_HELP.format(values=", ".join(ROOM_TYPES))
    + " Use 'other' when the photos do not support any of them. Judge only from what the photos show; a label "
    "given by the owner is a hint, not proof."
)
_HOUSE_TYPE_INSTRUCTIONS = (
    "You decide what kind of home this is from the findings about its rooms and a few of its photos. "
    + _KNOWN_TYPES_HELP.format(values=", ".join(HOUSE_TYPES))
    + " Say how confident you are; with little evidence, say so with a low confidence."
)
_CHECKLIST_INSTRUCTIONS = (
    "You are a home inspector answering a checklist from photos. Answer each listed item once, by its id. "
    "Judge only from what the photos show: when they do not show enough to judge an item, set assessable to "
    "false and leave its answer empty. Never guess. Boolean items: set value. Categorical items: set quality "
    "(Poor, Average, Good or Excellent). Conditional items: set exists, and when it exists its condition in "
    "quality and its listed sub-items by id. Do not answer items that are not listed."
)
_NARRATIVE_INSTRUCTIONS = (
    "You write the conclusion of a home inspection report from the findings given, and from nothing else: "
    "do not invent defects or features that the findings do not state. Items marked unassessed were not "
    "judged; you may say they need checking in person. Give short pros and cons, a factual summary for the "
    "inspector and a plain, friendly summary for the home buyer."
)


# --- the provider ---------------------------------------------------------------------------------------


def _parse_model(name: str) -> tuple[str | None, str]:
    """`provider:model` -> (provider, model); a bare name is an OpenAI model."""
    prefix, sep, rest = name.partition(":")
    if sep and prefix and "/" not in prefix and "." not in prefix:
        return prefix, rest
    return None, name


@dataclass(frozen=True)
class _Spec(Generic[T]):
    """One pydantic-ai agent, with the size of its fixed prompt (instructions and output schema) in characters."""

    agent: Agent[None, T]
    fixed_chars: int


@dataclass
class _Call(Generic[T]):
    agent_name: str
    agent: Agent[None, T]
    prompt: list[str | BinaryContent]
    input_tokens: int
    output_tokens: int


class LLMProvider:
    """A `Provider` that asks a language model. Built from the settings; `transport_retries` is how many times
    the HTTP client retries a failed request (5xx, timeouts) before the error is reported as retryable."""

    name = "llm"

    def __init__(
        self,
        settings: Settings,
        *,
        output_mode: OutputMode = "tool",
        transport_retries: int = 1,
        model: Model | None = None,
    ) -> None:
        self.settings = settings
        self.model = settings.llm_model
        self.output_retries = max(settings.llm_output_retries, 0)
        self.transport_retries = transport_retries
        self.timeout = settings.llm_timeout_seconds
        api_key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
        provider_id, model_name = (None, settings.llm_model) if settings.llm_base_url else _parse_model(self.model)
        try:
            self._model: Model = model if model is not None else self._build_model(provider_id, model_name, api_key)
        except ImportError as exc:
            raise ValueError(
                f"LLM model {self.model!r} needs an optional package: install pydantic-ai-slim[{provider_id}] ({exc})"
            ) from exc
        self.pricing = Pricing(
            model_name,
            provider_id=provider_id or (None if settings.llm_base_url else "openai"),
            base_url=settings.llm_base_url,
            input_per_mtok=settings.llm_price_input_per_mtok,
            output_per_mtok=settings.llm_price_output_per_mtok,
        )
        if not self.pricing.known:
            log.warning(
                "LLM model %r has no known price: its calls are recorded at $0 and a USD budget cannot limit "
                "them (token budgets still do); set HOUSESCAN_LLM_PRICE_INPUT_PER_MTOK/_OUTPUT_PER_MTOK",
                self.model,
            )
        self._room_type = self._agent(RoomTypeOut, "room_type_answer", _ROOM_TYPE_INSTRUCTIONS, output_mode)
        self._house_type = self._agent(HouseTypeOut, "house_type_answer", _HOUSE_TYPE_INSTRUCTIONS, output_mode)
        self._checklist = self._agent(ChecklistOut, "checklist_answer", _CHECKLIST_INSTRUCTIONS, output_mode)
        self._products = self._agent(ChecklistOut, "products_answer", _CHECKLIST_INSTRUCTIONS, output_mode)
        self._house_checklist = self._agent(
            ChecklistOut, "house_checklist_answer", _CHECKLIST_INSTRUCTIONS, output_mode
        )
        self._narrative = self._agent(NarrativeOut, "report_conclusion", _NARRATIVE_INSTRUCTIONS, output_mode)

    # -- construction --

    def _build_model(self, provider_id: str | None, model_name: str, api_key: str | None) -> Model:
        from pydantic_ai.models import infer_model
        from pydantic_ai.models.openai import OpenAIChatModel

        base_url = self.settings.llm_base_url
        if base_url:
            from pydantic_ai.providers.openai_compatible import OpenAICompatibleProvider

            name = model_name.removeprefix("openai:")
            provider = OpenAICompatibleProvider("openai-compatible", base_url=base_url, api_key=api_key)
            return OpenAIChatModel(name, provider=provider)
        full_name = f"{provider_id or 'openai'}:{model_name}"
        if api_key is None:
            return infer_model(full_name)

        from pydantic_ai.providers import Provider, infer_provider, infer_provider_class

        def provider_with_key(name: str) -> Provider[Any]:
            try:
                return infer_provider_class(name)(api_key=api_key)  # type: ignore[call-arg]
            except TypeError:  # this provider authenticates otherwise (cloud credentials)
                return infer_provider(name)

        return infer_model(full_name, provider_factory=provider_with_key)

    def _agent(self, output: type[T], tool_name: str, instructions: str, mode: OutputMode) -> _Spec[T]:
        spec: ToolOutput[T] | NativeOutput[T] | PromptedOutput[T]
        if mode == "tool":
            spec = ToolOutput(output, name=tool_name)
        elif mode == "native":
            spec = NativeOutput(output, name=tool_name)
        else:
            spec = PromptedOutput(output, name=tool_name)
        agent = Agent(
            self._model,
            output_type=spec,
            instructions=instructions,
            retries={"output": self.output_retries, "tools": self.output_retries},
            name=tool_name,
        )
        return _Spec(agent, len(instructions) + len(json.dumps(output.model_json_schema())))

    # -- the six agents --

    async def room_type(self, room: RoomPhotos) -> tuple[RoomTypeAnswer, Usage]:
        images = await self._images(room, CLASSIFY_IMAGES, CLASSIFY_PX)
        text = (
            f"Room label given by the owner: {room.label or 'none'}. "
            f"{len(images)} photo(s) of this room follow ({len(room.photos)} taken)."
        )
        out, usage = await self._run(self._call("room_type", self._room_type, [text], images, ROOM_TYPE_OUT))
        room_types = list(dict.fromkeys(out.room_types))
        details = {"reasoning": out.reasoning, "photos_sent": len(images), "model": self.model}
        return RoomTypeAnswer(room_types=room_types, confidence=out.confidence, details=details), usage

    async def room_checklist(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        return await self._room_items("room_checklist", self._checklist, room, room_type, items)

    async def products(
        self, room: RoomPhotos, room_type: RoomTypeAnswer, items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        return await self._room_items("products", self._products, room, room_type, items)

    async def _room_items(
        self,
        agent_name: str,
        agent: _Spec[ChecklistOut],
        room: RoomPhotos,
        room_type: RoomTypeAnswer,
        items: list[ChecklistItem],
    ) -> tuple[ChecklistAnswers, Usage]:
        if not items:
            return ChecklistAnswers(), Usage(model=self.model)
        images = await self._images(room, CHECKLIST_IMAGES, CHECKLIST_PX)
        what = "products that may be in the room" if agent_name == "products" else "the room's checklist"
        text = (
            f"A {', '.join(room_type.room_types) or 'room'} (owner's label: {room.label or 'none'}). "
            f"Answer {what} from the {len(images)} photo(s) that follow.\n"
            f"Checklist items:\n{_items_json(items)}"
        )
        out, usage = await self._run(self._call(agent_name, agent, [text], images, _checklist_out_tokens(items)))
        return to_answers(items, out), usage

    async def house_type(self, rooms: list[RoomFindings]) -> tuple[HouseTypeAnswer, Usage]:
        exterior = [room for room in rooms if room.room_types[:1] == ["exterior"]]
        images = await self._house_images(exterior or rooms, CLASSIFY_IMAGES, CLASSIFY_PX)
        text = f"Findings about the rooms:\n{_rooms_json(rooms)}\n{len(images)} photo(s) of the home follow."
        out, usage = await self._run(self._call("house_type", self._house_type, [text], images, HOUSE_TYPE_OUT))
        details = {"reasoning": out.reasoning, "from": "exterior photos" if exterior else "the set of rooms"}
        return HouseTypeAnswer(house_types=list(dict.fromkeys(out.house_types)), confidence=out.confidence,
                               details=details), usage  # fmt: skip

    async def house_checklist(
        self, house: HouseTypeAnswer, rooms: list[RoomFindings], items: list[ChecklistItem]
    ) -> tuple[ChecklistAnswers, Usage]:
        if not items:
            return ChecklistAnswers(), Usage(model=self.model)
        images = await self._house_images(rooms, CHECKLIST_IMAGES, CHECKLIST_PX)
        text = (
            f"The home is a {', '.join(house.house_types)}. Findings about its rooms:\n{_rooms_json(rooms)}\n"
            f"Answer the house checklist from these findings and the {len(images)} photo(s) that follow.\n"
            f"Checklist items:\n{_items_json(items)}"
        )
        call = self._call("house_checklist", self._house_checklist, [text], images, _checklist_out_tokens(items))
        out, usage = await self._run(call)
        return to_answers(items, out), usage

    async def pros_cons(
        self, house: HouseTypeAnswer, house_checklist: ChecklistAnswers, rooms: list[RoomFindings]
    ) -> tuple[Narrative, Usage]:
        findings = {
            "house_types": house.house_types,
            "house_type_confidence": round(house.confidence, 3),
            "house_checklist": _assessed(house_checklist),
            "house_checklist_unassessed": house_checklist.unassessed,
            "rooms": json.loads(_rooms_json(rooms)),
        }
        text = f"Findings:\n{json.dumps(findings, ensure_ascii=False)}"
        out, usage = await self._run(self._call("pros_cons", self._narrative, [text], [], NARRATIVE_OUT))
        narrative = Narrative(
            pros_cons=ProsCons(pros=list(out.pros), cons=list(out.cons)),
            summary=out.summary,
            client_summary=out.client_summary,
        )
        return narrative, usage

    # -- photos --

    async def _images(self, room: RoomPhotos, limit: int, max_px: int) -> list[PreparedImage]:
        key = f"llm.images.{limit}.{max_px}"
        task: asyncio.Future[list[PreparedImage]] | None = room.cache.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = asyncio.ensure_future(asyncio.to_thread(prepare_images, room.photos, limit, max_px))
            room.cache[key] = task
        images = await asyncio.shield(task)
        if not images and room.photos:
            raise AgentsError(f"none of the photos of room {room.room_id} could be read", retryable=False)
        return images

    async def _house_images(self, rooms: Sequence[RoomFindings], limit: int, max_px: int) -> list[PreparedImage]:
        """Photos spread over the rooms: each room's first, then each room's second, and so on."""
        order: list[bytes] = []
        depth = max((len(room.photos.photos) for room in rooms), default=0)
        for index in range(depth):
            order.extend(room.photos.photos[index] for room in rooms if index < len(room.photos.photos))
            if len(order) >= limit:
                break
        return await asyncio.to_thread(prepare_images, order[: limit * 2], limit, max_px)

    # -- running one agent --

    def _call(
        self,
        agent_name: str,
        spec: _Spec[T],
        texts: list[str],
        images: list[PreparedImage],
        output_tokens: int,
    ) -> _Call[T]:
        prompt: list[str | BinaryContent] = [*texts]
        prompt.extend(BinaryContent(image.jpeg, media_type="image/jpeg") for image in images)
        text_chars = sum(len(text) for text in texts) + spec.fixed_chars
        input_tokens = (
            math.ceil(text_chars / CHARS_PER_TOKEN)
            + sum(image.token_estimate() for image in images)
            + PROMPT_OVERHEAD_TOKENS
        )
        return _Call(agent_name, spec.agent, prompt, input_tokens, output_tokens)

    async def _run(self, call: _Call[T]) -> tuple[T, Usage]:
        per_attempt = call.input_tokens + call.output_tokens
        grant = await self._reserve(
            call.agent_name,
            need=call.input_tokens + min(call.output_tokens, MIN_OUT),
            want=per_attempt * (1 + self.output_retries),
        )
        max_out = call.output_tokens
        if grant.tokens is not None:
            max_out = max(min(call.output_tokens, grant.tokens - call.input_tokens), MIN_OUT)
        model_settings = ModelSettings(
            timeout=self.timeout, max_retries=self.transport_retries, max_tokens=max_out, temperature=0.0
        )
        limits = UsageLimits(request_limit=self.output_retries + 2, total_tokens_limit=grant.tokens)
        try:
            with capture_run_messages() as messages:
                try:
                    result = await call.agent.run(call.prompt, model_settings=model_settings, usage_limits=limits)
                except (AgentRunError, UserError, TimeoutError) as exc:
                    usage = self._usage_of_messages(messages)
                    if grant.budget is not None:
                        # The pipeline charges only agents that succeed; what a failed run spent is spent too.
                        grant.budget.charge(tokens=usage.tokens_in + usage.tokens_out, usd=usage.cost_usd)
                    error = self._error(call.agent_name, exc, usage, grant)
                    error.usage = usage  # type: ignore[attr-defined]
                    raise error from exc
        finally:
            grant.release()
        run_usage = result.usage
        cost = self.pricing.cost(
            run_usage.input_tokens, run_usage.output_tokens, cache_read_tokens=run_usage.cache_read_tokens
        )
        usage = Usage(
            model=self.model,
            tokens_in=run_usage.input_tokens,
            tokens_out=run_usage.output_tokens,
            requests=run_usage.requests,
            cost_usd=cost.usd,
        )
        return result.output, usage

    def _usage_of_messages(self, messages: Sequence[object]) -> Usage:
        responses = [message for message in messages if isinstance(message, ModelResponse)]
        tokens_in = sum(response.usage.input_tokens for response in responses)
        tokens_out = sum(response.usage.output_tokens for response in responses)
        cost = self.pricing.cost(tokens_in, tokens_out)
        return Usage(
            model=self.model, tokens_in=tokens_in, tokens_out=tokens_out, requests=len(responses), cost_usd=cost.usd
        )

    async def _reserve(self, agent_name: str, *, need: int, want: int) -> Grant:
        budget = CURRENT_BUDGET.get()
        if budget is None:
            return Grant()
        return await budget.reserve(agent_name, need=need, want=want, max_usd_per_token=self.pricing.max_usd_per_token)

    def _error(self, agent_name: str, exc: BaseException, usage: Usage, grant: Grant) -> AgentsError:
        spent = f"{usage.requests} request(s), {usage.tokens_in + usage.tokens_out:,} tokens"
        if isinstance(exc, UsageLimitExceeded):
            if grant.budget_bound and grant.budget is not None:
                return BudgetExceeded(
                    f"the scan's budget is reached during {agent_name} ({spent}; {grant.budget.describe_spent()})"
                )
            return AgentsError(f"{agent_name} used more than its allowance of model calls ({spent}): {exc.message}",
                               retryable=False)  # fmt: skip
        if isinstance(exc, ModelHTTPError):
            retryable = exc.status_code >= 500 or exc.status_code in (408, 409, 429)
            return AgentsError(
                f"the model service answered HTTP {exc.status_code} for {agent_name}: {_short(exc.body)}",
                retryable=retryable,
            )
        if isinstance(exc, ModelRequestTimeout | ModelTimeoutError | TimeoutError):
            return AgentsError(f"the model did not answer {agent_name} within {self.timeout:g} s", retryable=True)
        if isinstance(exc, ModelAPIError):
            return AgentsError(f"the model service failed for {agent_name}: {exc}", retryable=True)
        if isinstance(exc, UnexpectedModelBehavior):
            reason = _validation_reason(exc)
            return AgentsError(
                f"the model's answer for {agent_name} was not usable after {usage.requests} attempt(s) "
                f"({self.output_retries} retries): {reason}",
                retryable=False,
            )
        return AgentsError(f"{agent_name} failed: {exc}", retryable=False)


# --- mapping answers onto the contract ------------------------------------------------------------------


def to_answers(items: Sequence[ChecklistItem], out: ChecklistOut) -> ChecklistAnswers:
    """The model's verdicts for exactly `items`: anything missing, not assessable or incomplete is
    unassessed; verdicts for ids that were not asked are dropped."""
    verdicts: dict[str, ItemVerdict] = {}
    for verdict in out.answers:
        if verdict.assessable:
            verdicts.setdefault(verdict.id.strip(), verdict)
    answers = ChecklistAnswers()
    for item in items:
        found = verdicts.get(item.id)
        assessed = False
        if item.type is ChecklistItemType.boolean:
            value = found.value if found is not None else None
            answers.booleans[item.id] = value
            assessed = value is not None
        elif item.type is ChecklistItemType.categorical:
            quality = found.quality if found is not None and found.quality is not None else Quality.not_assessed
            answers.categoricals[item.id] = quality
            assessed = quality is not Quality.not_assessed
        else:
            exists = found.exists if found is not None else None
            given = found.subitems if found is not None and exists else {}
            condition = found.quality if found is not None and exists and found.quality else Quality.not_assessed
            answers.conditionals[item.id] = ConditionalAnswer(
                exists=exists,
                condition=condition,
                subitems={sub.id: given.get(sub.id) for sub in item.subitems or []},
                confidence=round(found.confidence, 4) if found is not None and exists is not None else None,
            )
            assessed = exists is not None
        if assessed and found is not None:
            answers.confidence[item.id] = round(found.confidence, 4)
        else:
            answers.unassessed.append(item.id)
    return answers


def _checklist_out_tokens(items: Sequence[ChecklistItem]) -> int:
    subitems = sum(len(item.subitems or []) for item in items)
    return CHECKLIST_OUT_BASE + CHECKLIST_OUT_PER_ITEM * len(items) + 20 * subitems


def _items_json(items: Sequence[ChecklistItem]) -> str:
    listed = []
    for item in items:
        entry: dict[str, Any] = {"id": item.id, "title": item.title, "type": item.type.value}
        if item.description:
            entry["description"] = item.description
        if item.options:
            entry["options"] = item.options
        if item.subitems:
            entry["subitems"] = [{"id": sub.id, "title": sub.title} for sub in item.subitems]
        listed.append(entry)
    return json.dumps(listed, ensure_ascii=False)


def _assessed(answers: ChecklistAnswers) -> dict[str, Any]:
    skip = set(answers.unassessed)
    found: dict[str, Any] = {}
    for item_id, value in answers.booleans.items():
        if item_id not in skip:
            found[item_id] = value
    for item_id, quality in answers.categoricals.items():
        if item_id not in skip:
            found[item_id] = quality.value
    for item_id, conditional in answers.conditionals.items():
        if item_id not in skip:
            found[item_id] = conditional.model_dump(mode="json", exclude={"confidence"})
    return found


def _rooms_json(rooms: Sequence[RoomFindings]) -> str:
    return json.dumps(
        [
            {
                "room_id": room.room_id,
                "label": room.label,
                "room_types": room.room_types,
                "products_present": [k for k, v in room.products.conditionals.items() if v.exists],
                "findings": _assessed(room.issues),
                "unassessed": room.issues.unassessed,
            }
            for room in rooms
        ],
        ensure_ascii=False,
    )


def _short(body: object, limit: int = 300) -> str:
    text = body if isinstance(body, str) else json.dumps(body, default=str) if body is not None else ""
    return text[:limit] or "no details"


def _validation_reason(exc: UnexpectedModelBehavior) -> str:
    """The last thing wrong with the model's answer, for a person to read."""
    cause: BaseException | None = exc
    while cause is not None:
        errors = getattr(cause, "errors", None)
        if callable(errors):
            try:
                listed = errors()
            except Exception:  # best effort only
                listed = None
            if isinstance(listed, list) and listed:
                first = listed[0]
                where = ".".join(str(part) for part in first.get("loc", ()))
                return f"{first.get('msg', 'invalid')}{f' at {where}' if where else ''}"
        cause = cause.__cause__ or cause.__context__
        if cause is exc:
            break
    return exc.message
