from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


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


class OutcomeCounts(BaseModel):
    """Scans created in the period, by the state they are in now."""

    total: int
    succeeded: int
    partial: int = Field(description="succeeded scans with rooms that could not be analysed (part of `succeeded`)")
    failed: int
    running: int
    queued: int
    draft: int


class AgentProcessing(BaseModel):
    agent_name: str
    runs: int = Field(description="runs timed (answers reused from an earlier attempt are not counted)")
    failed: int = Field(description="of those runs, the ones that failed")
    p50: float | None
    p95: float | None


class ProcessingSeconds(BaseModel):
    """Seconds from a succeeded scan's start (its last attempt's) to its report, and per agent run."""

    count: int = Field(description="succeeded scans timed")
    p50: float | None
    p95: float | None
    by_agent: list[AgentProcessing]


class FailureReason(BaseModel):
    reason: str = Field(description="the failure's message with its particulars (ids, numbers, addresses) elided")
    count: int
    example: str = Field(description="the most recent message of the group, as it was recorded")
    last_seen: datetime


class DayScans(BaseModel):
    date: date
    succeeded: int
    failed: int
    other: int = Field(description="still draft, queued or running")


class DaySpend(BaseModel):
    date: date
    cost_usd: float
    calls: int = Field(description="paid agent calls, of succeeded and failed attempts alike")
    tokens_in: int
    tokens_out: int


class OutboxHealth(BaseModel):
    """The notification outbox now (all time, not the period): what waits to be sent and what was given up."""

    waiting: int = Field(description="e-mails and pushes not sent yet (pending or being sent)")
    retrying: int = Field(description="of those, the ones that failed at least once and wait for a next attempt")
    given_up: int = Field(description="not sent within the retry period (HOUSESCAN_NOTIFICATION_RETRY_HOURS)")
    waiting_email: int
    given_up_email: int
    oldest_waiting_since: datetime | None = Field(description="when the oldest waiting message was written")
    next_attempt_at: datetime | None = Field(description="the soonest retry scheduled")
    last_error: str | None = Field(description="the error of the most recently written message that failed")


class AdminAnalytics(BaseModel):
    """Operators' figures over the last `days` UTC days (today included): scans created in the period, their
    agent runs, and the spend recorded in the period (the ledger keeps deleted scans' spend)."""

    days: int
    since: datetime
    until: datetime
    success_rate: float | None = Field(description="succeeded / (succeeded + failed), 0-1; null before any ended")
    outcomes: OutcomeCounts
    processing_seconds: ProcessingSeconds
    failures_by_reason: list[FailureReason] = Field(description="the most frequent first, at most 20 groups")
    scans_per_day: list[DayScans] = Field(description="every day of the period, oldest first, by creation day")
    spend_per_day: list[DaySpend] = Field(description="every day of the period, oldest first")
    total_cost_usd: float
    notifications: OutboxHealth


class Readiness(BaseModel):
    status: Literal["ready"]
    checks: dict[str, str] = Field(description="database, queue, storage: 'ok' or what failed")
    workers: int | None = Field(description="workers taking scans now (the queue's count); null if unknown")
