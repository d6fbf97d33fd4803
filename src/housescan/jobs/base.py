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
        """Queue a scan; a scan already waiting is not queued twice (the job id is the scan id). A scan whose
        job is running is run once more by that job when its run ends: the request came after the run
        began (e.g. a re-analysis asked for while the previous run was still sending its notifications),
        and a second job beside it could run the scan twice at once."""
        ...

    async def start(self, handler: JobHandler) -> None: ...

    async def stop(self) -> None: ...

    async def health(self) -> QueueHealth: ...
