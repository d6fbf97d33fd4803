"""The embedded queue: asyncio tasks inside the `serve` process, with bounded retries and backoff.

Nothing here survives the process: the database does. At start-up the scans left `queued` or `running`
are offered to the queue again by the scan worker's sweep.

`stop` (an orderly shutdown) cancels the jobs that are running and waits for their handlers to end: a handler
that must leave its job in order first (the scan job hands its scan back to the database's queue) does that
on CancelledError before re-raising it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid

from housescan.jobs.base import JobHandler, QueueHealth

logger = logging.getLogger(__name__)


class InProcessQueue:
    def __init__(self, *, concurrency: int, max_attempts: int, backoff_seconds: float) -> None:
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._backoff_seconds = backoff_seconds
        self._queue: asyncio.Queue[tuple[uuid.UUID, int]] = asyncio.Queue()
        self._waiting_since: dict[uuid.UUID, float] = {}
        self._active: set[uuid.UUID] = set()
        self._delayed: set[uuid.UUID] = set()
        self._again: set[uuid.UUID] = set()
        self._completed = 0
        self._failed = 0
        self._workers: list[asyncio.Task[None]] = []
        self._timers: set[asyncio.Task[None]] = set()

    async def enqueue(self, scan_id: uuid.UUID) -> None:
        if scan_id in self._active:
            self._again.add(scan_id)
            return
        if scan_id in self._waiting_since or scan_id in self._delayed:
            return
        self._put(scan_id, attempt=1)

    def _put(self, scan_id: uuid.UUID, attempt: int) -> None:
        self._waiting_since[scan_id] = time.monotonic()
        self._queue.put_nowait((scan_id, attempt))

    async def start(self, handler: JobHandler) -> None:
        self._workers = [
            asyncio.create_task(self._work(handler), name=f"scan-worker-{n}") for n in range(self._concurrency)
        ]

    async def stop(self) -> None:
        if self._active:
            logger.info("queue stopping: %d running job(s) cancelled", len(self._active))
        for task in [*self._workers, *self._timers]:
            task.cancel()
        for task in [*self._workers, *self._timers]:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers.clear()
        self._timers.clear()

    async def join(self) -> None:
        """Wait until nothing is waiting, delayed or running (for tests and the CLI)."""
        while self._waiting_since or self._active or self._delayed:  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    async def _work(self, handler: JobHandler) -> None:
        while True:
            scan_id, attempt = await self._queue.get()
            self._waiting_since.pop(scan_id, None)
            self._active.add(scan_id)
            try:
                await handler(scan_id)
                while scan_id in self._again:
                    self._again.discard(scan_id)
                    await handler(scan_id)
            except Exception:
                if attempt >= self._max_attempts:
                    self._failed += 1
                    logger.exception("scan %s: job failed for good after %d attempts", scan_id, attempt)
                else:
                    logger.warning("scan %s: attempt %d failed, retrying", scan_id, attempt, exc_info=True)
                    self._retry_later(scan_id, attempt + 1)
            else:
                self._completed += 1
            finally:
                self._active.discard(scan_id)
                self._again.discard(scan_id)

    def _retry_later(self, scan_id: uuid.UUID, attempt: int) -> None:
        delay = self._backoff_seconds * 2 ** (attempt - 2)
        self._delayed.add(scan_id)

        async def requeue() -> None:
            await asyncio.sleep(delay)
            self._delayed.discard(scan_id)
            self._put(scan_id, attempt)

        task = asyncio.create_task(requeue())
        self._timers.add(task)
        task.add_done_callback(self._timers.discard)

    async def health(self) -> QueueHealth:
        now = time.monotonic()
        oldest = min(self._waiting_since.values(), default=None)
        return QueueHealth(
            backend="in-process",
            waiting=len(self._waiting_since),
            active=len(self._active),
            delayed=len(self._delayed),
            completed=self._completed,
            failed=self._failed,
            workers=sum(not task.done() for task in self._workers),
            oldest_waiting_seconds=None if oldest is None else now - oldest,
        )
