from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field


class UserCost(BaseModel):
    user_id: uuid.UUID
    email: str
    scans: int = Field(description="scans with paid agent calls in the period, deleted ones included")
    agent_runs: int = Field(description="paid agent calls in the period, of succeeded and failed attempts alike")
    requests: int
    tokens_in: int
    tokens_out: int
    cost_usd: float


class CostReport(BaseModel):
    since: datetime
    until: datetime
    users: list[UserCost]
    total_cost_usd: float
    total_tokens: int


class BudgetStatus(BaseModel):
    monthly_budget_usd: float | None
    month_start: datetime
    spent_usd: float
    reserved_usd: float
    scan_budget_usd: float
