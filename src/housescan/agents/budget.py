"""Per-scan spending limits for LLM calls, and the memo that keeps a retried scan from paying twice."""

from __future__ import annotations

import hashlib
import json
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from housescan.agents.client import AgentsError
from housescan.agents.contract import AgentExecution


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


CURRENT_BUDGET: ContextVar[Budget | None] = ContextVar("housescan_budget", default=None)


@dataclass
class AgentMemo:
    """What a scan's attempts in this process must not lose when one fails: the answers of agents that
    succeeded, by agent, room and a digest of their inputs (a retried attempt reuses them instead of calling
    the model again), and the executions of paid calls not yet taken for the spend ledger (`take_spent`)."""

    entries: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    spent: list[AgentExecution] = field(default_factory=list)

    def take_spent(self) -> list[AgentExecution]:
        spent, self.spent = self.spent, []
        return spent

    @staticmethod
    def key(agent_name: str, room_id: str | None, inputs: Any) -> str:
        digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
        return f"{agent_name}:{room_id}:{digest}"

    def get(self, key: str) -> tuple[Any, Any] | None:
        return self.entries.get(key)

    def put(self, key: str, answer: Any, usage: Any) -> None:
        self.entries[key] = (answer, usage)
