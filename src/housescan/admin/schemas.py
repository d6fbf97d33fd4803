from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class FailedScan(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    user_email: str
    house_id: uuid.UUID
    address: str | None
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class FailedScanPage(BaseModel):
    items: list[FailedScan]
    total: int
    limit: int
    offset: int


class RetryAccepted(BaseModel):
    id: uuid.UUID
    status: str
    previous_error: str | None
