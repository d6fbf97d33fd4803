"""The queue seam: it carries scan ids only; the database holds each scan's state."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol

from pydantic import BaseModel

JobHandler = Callable[[uuid.UUID], Awaitable[None]]


class QueueHealth(BaseModel):
    backend: str
    waiting: int
    active: int
    delayed: int
    completed: int
    failed: int
    workers: int
    oldest_waiting_seconds: float | None


class JobQueue(Protocol):
    async def enqueue(self, scan_id: uuid.UUID) -> None:
        """Queue a scan; a scan already waiting or running is not queued twice (the job id is the scan id)."""
        ...

    async def start(self, handler: JobHandler) -> None: ...

    async def stop(self) -> None: ...

    async def health(self) -> QueueHealth: ...
