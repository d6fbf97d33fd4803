from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class UserCost(BaseModel):
    user_id: uuid.UUID
    email: str
    scans: int
    agent_runs: int
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
