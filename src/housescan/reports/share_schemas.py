from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from housescan.review.schemas import Report

MAX_SHARE_DAYS = 365


class ShareCreate(BaseModel):
    expires_in_days: int = Field(default=30, ge=1, le=MAX_SHARE_DAYS)


class ShareCreated(BaseModel):
    id: uuid.UUID
    token: str = Field(description="shown once: only its hash is stored")
    url: str
    expires_at: datetime
    created_at: datetime


class ShareRead(BaseModel):
    id: uuid.UUID
    scan_id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    state: Literal["active", "expired", "revoked"]


class ShareList(BaseModel):
    items: list[ShareRead]


class SharedReport(BaseModel):
    """The report as a share link shows it: read-only, without costs or anything about its owner."""

    report: Report = Field(description="the merged report (as GET /api/v1/scans/{id}/report), read-only")
    expires_at: datetime
    pdf_url: str
