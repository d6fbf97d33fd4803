"""The six-agent analysis pipeline.

Per room, concurrently: room type; then, when the provider judges a scan's rooms together
(`judge_rooms_together`, optional), every room's type is revised with the others in view; then per room,
concurrently: room checklist and products. Then, for the house: house type,
house checklist, and pros/cons with the summaries. Every agent execution is recorded with its own usage;
a room that fails is reported as failed, never dropped.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from pydantic import BaseModel

from housescan.agents.budget import CURRENT_BUDGET, AgentMemo, Budget, BudgetExceeded
from housescan.agents.client import AgentsError, ProgressCallback
from housescan.agents.contract import (
    AgentCost,
    AgentExecution,
    ChecklistAnswers,
    ChecklistItem,
    CostInfo,
    ResponseMetadata,
    RoomResult,
    ScanRequest,
    ScanResponse,
    ScanResult,
)
from housescan.agents.images import ImageLoader
from housescan.agents.providers.base import Provider, RoomFindings, RoomPhotos, RoomTypeAnswer, Usage

T = TypeVar("T")
logger = logging.getLogger(__name__)
ROOM_CONCURRENCY = 4
KEEP_PHOTOS_OF_FIRST_ROOMS = 8


def items_for(items: Sequence[ChecklistItem], types: Sequence[str]) -> list[ChecklistItem]:
    """The checklist items that apply to a room or house of these types (no `applies_to`: all)."""
    return [item for item in items if not item.applies_to or set(item.applies_to) & set(types)]


@dataclass
class _Run:
    provider: Provider
    on_progress: ProgressCallback | None
    total_steps: int
    executions: list[AgentExecution] = field(default_factory=list)
    done_steps: int = 0
    reported: int = -1
    budget: Budget = field(default_factory=Budget)
    memo: AgentMemo | None = None
    progress_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def agent(
        self,
        name: str,
        room_id: str | None,
        call: Callable[[], Awaitable[tuple[T, Usage]]],
        stage: str,
        inputs: Any,
    ) -> T:
        key = AgentMemo.key(name, room_id, inputs)
        remembered = self.memo.get(key) if self.memo is not None else None
        if remembered is not None:
            answer, usage = remembered
            self._record(name, room_id, usage, datetime.now(UTC), timedelta(0), answer, cache_hit=True)
            await self.step(stage)
            return cast("T", answer)
        self.budget.ensure_available()
        started = datetime.now(UTC)
        clock = time.perf_counter()
        try:
            answer, usage = await call()
        except Exception as exc:
            # A provider that spent tokens before failing says so on the error (and has charged the budget).
            spent: Usage | None = getattr(exc, "usage", None)
            failed = AgentExecution(
                agent_name=name,
                room_id=room_id,
                model=spent.model if spent else getattr(self.provider, "model", self.provider.name),
                status="failed",
                error=f"{type(exc).__name__}: {exc}"[:1000],
                tokens_in=spent.tokens_in if spent else 0,
                tokens_out=spent.tokens_out if spent else 0,
                requests=spent.requests if spent else 0,
                cost_usd=spent.cost_usd if spent else 0.0,
                started_at=started,
                finished_at=datetime.now(UTC),
            )
            self.executions.append(failed)
            if self.memo is not None:
                self.memo.paid(failed)
            raise
        self.budget.charge(tokens=usage.tokens_in + usage.tokens_out, usd=usage.cost_usd)
        execution = self._record(name, room_id, usage, started, _elapsed(clock), answer, cache_hit=False)
        if self.memo is not None:
            self.memo.paid(execution, key=key, answer=answer, usage=usage)
        await self.step(stage)
        return answer

    def _record(
        self,
        name: str,
        room_id: str | None,
        usage: Usage,
        started: datetime,
        elapsed: timedelta,
        answer: object,
        *,
        cache_hit: bool,
    ) -> AgentExecution:
        execution = AgentExecution(
            agent_name=name,
            room_id=room_id,
            model=usage.model,
            tokens_in=usage.tokens_in,
            tokens_out=usage.tokens_out,
            requests=usage.requests,
            cost_usd=usage.cost_usd,
            cache_hit=cache_hit,
            started_at=started,
            finished_at=started + elapsed,
            output=_as_json(answer),
        )
        self.executions.append(execution)
        logger.info(
            "agent %s finished",
            name,
            extra={
                "agent": name,
                "room_id": room_id,
                "model": usage.model,
                "tokens_in": usage.tokens_in,
                "tokens_out": usage.tokens_out,
                "cost_usd": usage.cost_usd,
                "seconds": round(elapsed.total_seconds(), 3),
                "cache_hit": cache_hit,
            },
        )
        return execution

    async def step(self, stage: str) -> None:
        # Rooms finish concurrently; the lock keeps the reported progress increasing.
        async with self.progress_lock:
            self.done_steps += 1
            progress = 5 + int(90 * self.done_steps / self.total_steps)
            if self.on_progress is not None and progress > self.reported:
                self.reported = progress
                await self.on_progress(progress, stage)


def _elapsed(clock: float) -> timedelta:
    return timedelta(seconds=time.perf_counter() - clock)


def _as_json(answer: object) -> dict[str, Any]:
    """An agent's answer as stored in agents_runs.output_json."""
    if isinstance(answer, BaseModel):
        return answer.model_dump(mode="json")
    if is_dataclass(answer) and not isinstance(answer, type):
        return {
            name: value.model_dump(mode="json") if isinstance(value, BaseModel) else value
            for name, value in ((f.name, getattr(answer, f.name)) for f in fields(answer))
        }
    return {"value": answer}


async def run_pipeline(
    request: ScanRequest,
    *,
    provider: Provider,
    loader: ImageLoader,
    on_progress: ProgressCallback | None = None,
    memo: AgentMemo | None = None,
) -> ScanResponse:
    """Run the six agents over a scan. `memo` carries the answers of agents that succeeded in an earlier
    attempt of the same scan, so that a retry does not pay for them again."""
    started = time.perf_counter()
    budget = Budget(usd=request.budget_usd, tokens=request.budget_tokens)
    CURRENT_BUDGET.set(budget)
    run = _Run(
        provider=provider,
        on_progress=on_progress,
        total_steps=3 * len(request.rooms) + 3,
        budget=budget,
        memo=memo,
    )
    if on_progress is not None:
        await on_progress(5, f"Analysing {len(request.rooms)} rooms")
    limit = asyncio.Semaphore(ROOM_CONCURRENCY)

    async def failed_room(index: int, room_input: Any, exc: Exception) -> RoomResult:
        name = room_input.label or f"room {index + 1}"
        missing = 3 - sum(1 for e in run.executions if e.room_id == room_input.room_id and e.status == "succeeded")
        for _ in range(missing):
            await run.step(f"{name}: failed")
        return RoomResult(room_id=room_input.room_id, status="failed", error=_readable(exc))

    async def read_room(index: int, room_input: Any) -> tuple[RoomPhotos, RoomTypeAnswer] | RoomResult:
        name = room_input.label or f"room {index + 1}"
        async with limit:
            try:
                photos = [await loader.load(url) for url in room_input.image_urls]
                room = RoomPhotos(room_id=room_input.room_id, label=room_input.label, photos=photos)
                room_type = await run.agent(
                    "room_type",
                    room.room_id,
                    lambda: provider.room_type(room),
                    f"{name}: room type",
                    room_input.image_urls,
                )
            except BudgetExceeded:
                raise  # the whole scan stops: no further model calls
            except Exception as exc:
                return await failed_room(index, room_input, exc)
        if index >= KEEP_PHOTOS_OF_FIRST_ROOMS:
            room.photos = []  # set aside while the other rooms are read: loaded again for the room's own agents
        return room, room_type

    async def analyse_room(
        index: int, room_input: Any, room: RoomPhotos, room_type: RoomTypeAnswer
    ) -> tuple[RoomResult, RoomPhotos | None]:
        room_id = room_input.room_id
        name = room_input.label or f"room {index + 1}"
        async with limit:
            try:
                if not room.photos:
                    room.photos = [await loader.load(url) for url in room_input.image_urls]
                room_items = items_for(request.rooms_checklist, room_type.room_types)
                product_items = items_for(request.products_checklist, room_type.room_types)
                issues, products = await asyncio.gather(
                    run.agent(
                        "room_checklist",
                        room_id,
                        lambda: provider.room_checklist(room, room_type, room_items),
                        f"{name}: checklist",
                        [room_input.image_urls, room_type.room_types, _dump(room_items)],
                    ),
                    run.agent(
                        "products",
                        room_id,
                        lambda: provider.products(room, room_type, product_items),
                        f"{name}: products",
                        [room_input.image_urls, room_type.room_types, _dump(product_items)],
                    ),
                )
            except BudgetExceeded:
                raise
            except Exception as exc:
                return await failed_room(index, room_input, exc), None
        if index >= KEEP_PHOTOS_OF_FIRST_ROOMS and "exterior" not in room_type.room_types:
            # A scan may have hundreds of rooms: keep the bytes only where the house agents may look.
            room.photos = []
        return (
            RoomResult(
                room_id=room_id,
                room_types=room_type.room_types,
                room_type_confidence=round(room_type.confidence, 4),
                issues=issues,
                products=_with_urls(products, room_input.image_urls),
                details=room_type.details,
            ),
            room,
        )

    read = await asyncio.gather(*(read_room(i, room) for i, room in enumerate(request.rooms)))
    typed = [(i, outcome) for i, outcome in enumerate(read) if not isinstance(outcome, RoomResult)]
    judge: Callable[[list[tuple[RoomPhotos, RoomTypeAnswer]]], list[RoomTypeAnswer]] | None = getattr(
        provider, "judge_rooms_together", None
    )
    if judge is not None and typed:
        # the scan's rooms judged together (a home seldom has two kitchens) before their other agents run
        for (i, (room, _)), judged in zip(typed, judge([outcome for _, outcome in typed]), strict=True):
            read[i] = (room, judged)

    async def finish(
        index: int, outcome: tuple[RoomPhotos, RoomTypeAnswer] | RoomResult
    ) -> tuple[RoomResult, RoomPhotos | None]:
        if isinstance(outcome, RoomResult):
            return outcome, None
        return await analyse_room(index, request.rooms[index], *outcome)

    analysed = await asyncio.gather(*(finish(i, outcome) for i, outcome in enumerate(read)))
    room_results = [result for result, _ in analysed]
    succeeded = [
        RoomFindings(
            room_id=result.room_id,
            label=photos.label,
            room_types=result.room_types,
            room_type_confidence=result.room_type_confidence or 0.0,
            products=result.products,
            issues=result.issues,
            photos=photos,
        )
        for result, photos in analysed
        if photos is not None
    ]
    if not succeeded:
        names = {room.room_id: room.label or f"room {n + 1}" for n, room in enumerate(request.rooms)}
        reasons = "; ".join(f"{names[r.room_id]}: {r.error}" for r in room_results)
        raise AgentsError(f"No room could be analysed. {reasons}", retryable=True)
    rooms_digest = [[r.room_id, r.room_types, r.products.model_dump(), r.issues.model_dump()] for r in succeeded]
    house = await run.agent(
        "house_type", None, lambda: provider.house_type(succeeded), "House type", [rooms_digest, _urls(request)]
    )
    house_items = items_for(request.house_checklist, house.house_types)
    house_checklist: ChecklistAnswers = await run.agent(
        "house_checklist",
        None,
        lambda: provider.house_checklist(house, succeeded, house_items),
        "House checklist",
        [rooms_digest, house.house_types, _dump(house_items)],
    )
    narrative = await run.agent(
        "pros_cons",
        None,
        lambda: provider.pros_cons(house, house_checklist, succeeded),
        "Pros and cons",
        [rooms_digest, house.house_types, house_checklist.model_dump()],
    )
    return ScanResponse(
        result=ScanResult(
            house_types=house.house_types,
            # no house type: "not determined", so no confidence either
            house_type_confidence=round(house.confidence, 4) if house.house_types else None,
            house_checklist=house_checklist,
            rooms=room_results,
            summary=narrative.summary,
            pros_cons=narrative.pros_cons,
        ),
        client_summary=narrative.client_summary,
        cost_info=cost_info(provider.name, run.executions),
        agent_executions=run.executions,
        metadata=ResponseMetadata(
            request_id=uuid.uuid4().hex,
            execution_time_seconds=round(time.perf_counter() - started, 3),
            total_images=sum(len(room.image_urls) for room in request.rooms),
            rooms_processed=len(succeeded),
            rooms_failed=len(room_results) - len(succeeded),
            total_agent_executions=len(run.executions),
        ),
    )


def cost_info(provider_name: str, executions: Sequence[AgentExecution]) -> CostInfo:
    by_agent = [
        AgentCost(
            agent_name=e.agent_name,
            room_id=e.room_id,
            model=e.model,
            tokens_in=e.tokens_in,
            tokens_out=e.tokens_out,
            requests=e.requests,
            cost_usd=e.cost_usd,
            seconds=round((e.finished_at - e.started_at).total_seconds(), 4),
        )
        for e in executions
    ]
    return CostInfo(
        provider=provider_name,
        total_tokens_in=sum(c.tokens_in for c in by_agent),
        total_tokens_out=sum(c.tokens_out for c in by_agent),
        total_requests=sum(c.requests for c in by_agent),
        total_cost_usd=round(sum(c.cost_usd for c in by_agent), 6),
        compute_seconds=round(sum(c.seconds for c in by_agent), 3),
        by_agent=by_agent,
    )


def _with_urls(answers: ChecklistAnswers, urls: Sequence[str]) -> ChecklistAnswers:
    """The answers with each sighting's `image_url` filled in from its `image_index`."""
    if not answers.evidence:
        return answers
    evidence = {
        item: [
            s.model_copy(update={"image_url": urls[s.image_index]}) if s.image_index < len(urls) else s
            for s in sightings
        ]
        for item, sightings in answers.evidence.items()
    }
    return answers.model_copy(update={"evidence": evidence})


def _dump(items: Sequence[ChecklistItem]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json") for item in items]


def _urls(request: ScanRequest) -> list[list[str]]:
    return [room.image_urls for room in request.rooms]


def _readable(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:1000]
