"""Per-scan spending limits for LLM calls (what is spent, and what is reserved by calls in flight), and the
memo that keeps a retried scan from paying twice."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import math
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from housescan.agents.client import AgentsError
from housescan.agents.contract import AgentExecution, ChecklistAnswers, RememberedAnswer
from housescan.agents.providers.base import HouseTypeAnswer, Narrative, RoomTypeAnswer, Usage


class BudgetExceeded(AgentsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=False)


@dataclass
class Budget:
    """What one scan may spend. The pipeline checks it before every agent; an LLM provider also caps each
    request at what remains (`remaining_tokens`) so a single call cannot run past it."""

    usd: float | None = None
    tokens: int | None = None
    spent_usd: float = 0.0
    spent_tokens: int = 0
    _reserved: int = field(default=0, init=False, repr=False)
    _released: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def ensure_available(self) -> None:
        if self.usd is not None and self.spent_usd >= self.usd:
            raise BudgetExceeded(f"the scan's budget of ${self.usd:.4f} is used up (spent ${self.spent_usd:.4f})")
        if self.tokens is not None and self.spent_tokens >= self.tokens:
            raise BudgetExceeded(
                f"the scan's budget of {self.tokens:,} tokens is used up (spent {self.spent_tokens:,})"
            )

    def charge(self, *, tokens: int, usd: float) -> None:
        self.spent_tokens += tokens
        self.spent_usd += usd

    def remaining_tokens(self) -> int | None:
        return None if self.tokens is None else max(self.tokens - self.spent_tokens, 0)

    def remaining_usd(self) -> float | None:
        return None if self.usd is None else max(self.usd - self.spent_usd, 0.0)

    def describe_spent(self) -> str:
        parts = []
        if self.tokens is not None:
            parts.append(f"{self.spent_tokens:,} of {self.tokens:,} tokens spent")
        if self.usd is not None:
            parts.append(f"${self.spent_usd:.4f} of ${self.usd:.4f} spent")
        return ", ".join(parts) or "no limit"

    async def reserve(self, agent_name: str, *, need: int, want: int, max_usd_per_token: float) -> Grant:
        """Tokens for one model run: up to `want`, at least `need`, out of what is neither spent nor reserved by
        runs in flight. Waits while runs in flight hold what is missing; `BudgetExceeded` when nothing is in
        flight and `need` still does not fit. Granting is synchronous (no await between the check and the
        grant), so concurrent rooms on one event loop cannot be granted the same tokens."""
        while True:
            self.ensure_available()
            available = self._available_tokens(max_usd_per_token)
            if available is None:
                return Grant(self)
            if available >= need:
                tokens = min(available, want)
                self._reserved += tokens
                return Grant(self, tokens=tokens, budget_bound=tokens < want)
            if self._reserved <= 0:
                raise BudgetExceeded(
                    f"the scan's budget is reached: {agent_name} needs about {need:,} tokens and "
                    f"{max(available, 0):,} remain ({self.describe_spent()})"
                )
            await self._released.wait()

    def _available_tokens(self, max_usd_per_token: float) -> int | None:
        caps: list[int] = []
        remaining_tokens = self.remaining_tokens()
        if remaining_tokens is not None:
            caps.append(remaining_tokens)
        remaining_usd = self.remaining_usd()
        if remaining_usd is not None and max_usd_per_token > 0:
            caps.append(math.floor(remaining_usd / max_usd_per_token))
        if not caps:
            return None
        return min(caps) - self._reserved

    def _release(self, tokens: int) -> None:
        self._reserved -= tokens
        released, self._released = self._released, asyncio.Event()
        released.set()


@dataclass
class Grant:
    """Tokens reserved for one model run in flight; `release` gives back what it did not turn into spend."""

    budget: Budget | None = None
    tokens: int | None = None  # None: no cap
    budget_bound: bool = False  # the cap is what remained of the scan's budget, not the run's own allowance

    def release(self) -> None:
        if self.budget is not None and self.tokens is not None:
            self.budget._release(self.tokens)
            self.tokens = None


CURRENT_BUDGET: ContextVar[Budget | None] = ContextVar("housescan_budget", default=None)


MemoListener = Callable[[AgentExecution, "RememberedAnswer | None"], None]


@dataclass
class AgentMemo:
    """What a scan's attempts in this process must not lose when one fails: the answers of agents that
    succeeded, by agent, room and a digest of their inputs (a retried attempt reuses them instead of calling
    the model again), and the executions of paid calls not yet taken for the spend ledger (`take_spent`).

    A remote run carries it both ways: the worker sends what is remembered (`remembered`), and the agents
    service streams each paid call back as it is made (`listener`, then `absorb` on the worker)."""

    entries: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    spent: list[AgentExecution] = field(default_factory=list)
    listener: MemoListener | None = field(default=None, repr=False)

    def take_spent(self) -> list[AgentExecution]:
        spent, self.spent = self.spent, []
        return spent

    @staticmethod
    def key(agent_name: str, room_id: str | None, inputs: Any) -> str:
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
        return f"{agent_name}:{room_id}:{digest}"

    def get(self, key: str) -> tuple[Any, Any] | None:
        return self.entries.get(key)

    def paid(self, execution: AgentExecution, *, key: str | None = None, answer: Any = None, usage: Any = None) -> None:
        """A call that was paid for; with `key`, one that succeeded, whose answer a retry reuses."""
        remembered = None
        if key is not None:
            self.entries[key] = (answer, usage)
            if self.listener is not None:
                remembered = _remembered(key, answer, usage)
        self.spent.append(execution)
        if self.listener is not None:
            self.listener(execution, remembered)

    def remembered(self) -> list[RememberedAnswer]:
        return [_remembered(key, answer, usage) for key, (answer, usage) in self.entries.items()]

    def remember(self, remembered: RememberedAnswer) -> None:
        agent_name = remembered.key.split(":", 1)[0]
        self.entries[remembered.key] = (
            _adapter(_ANSWER_TYPES[agent_name]).validate_python(remembered.answer),
            _adapter(Usage).validate_python(remembered.usage),
        )

    def absorb(self, execution: AgentExecution, remembered: RememberedAnswer | None) -> None:
        """A paid call the agents service made for this memo's scan."""
        if remembered is not None:
            self.remember(remembered)
        self.spent.append(execution)


# The answer each agent gives (providers.base), to carry remembered answers over the wire.
_ANSWER_TYPES: dict[str, Any] = {
    "room_type": RoomTypeAnswer,
    "room_checklist": ChecklistAnswers,
    "products": ChecklistAnswers,
    "house_type": HouseTypeAnswer,
    "house_checklist": ChecklistAnswers,
    "pros_cons": Narrative,
}


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _remembered(key: str, answer: Any, usage: Any) -> RememberedAnswer:
    return RememberedAnswer(
        key=key,
        answer=_adapter(_ANSWER_TYPES[key.split(":", 1)[0]]).dump_python(answer, mode="json"),
        usage=_adapter(Usage).dump_python(usage, mode="json"),
    )
