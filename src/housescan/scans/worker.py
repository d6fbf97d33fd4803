"""The scan worker: runs scan jobs from the runtime's queue and sweeps unfinished scans; inside `serve` in
embedded mode, and as the `housescan worker` process (BullMQ on Redis) scaled out.

The sweep runs here, not in API processes, at start-up and every `sweep_interval_seconds`:
- every scan left `queued` or `running` is offered to the queue again. Offering is harmless because the
  job id is the scan id: a scan whose job is waiting or delayed is skipped by the queue, one whose job is
  running is offered to that job once its run ends (where claiming a finished scan is a no-op), and a
  scan whose worker died is recovered by BullMQ's stalled-job check well before the sweep. A scan claimed
  while still `running` was left so by a process that died: that attempt counts, and the scan's `error` says
  the server stopped (scan_run.claim_for_run). One stopped in order was put back to `queued` uncounted
  (job.run_scan);
- every outcome event (`scan:completed`/`scan:failed`) that was committed with its scan's state but not
  emitted, because its process died in between, is emitted;
- the memos kept for retries (`job.Memos`) of scans that finished or were claimed by another worker go.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import AsyncIterator

from housescan.config import Settings
from housescan.notifications import service as notifications_service
from housescan.runtime import Runtime, create_runtime
from housescan.scans import run as scan_run
from housescan.scans.job import Memos, run_scan

logger = logging.getLogger(__name__)

# A scan's outcome event is emitted milliseconds after its commit; one still undelivered after this long
# was left by a process that died in between.
STRANDED_EVENT_AGE_SECONDS = 10.0


async def requeue_unfinished(runtime: Runtime) -> int:
    """Offer every `queued`/`running` scan to the queue; the queue skips those it already holds."""
    async with runtime.sessionmaker() as db_session:
        scan_ids = await scan_run.unfinished_scan_ids(db_session=db_session)
    for scan_id in scan_ids:
        await runtime.queue.enqueue(scan_id)
    if scan_ids:
        logger.info("offered %d unfinished scans to the queue", len(scan_ids))
    return len(scan_ids)


async def _sweep_forever(runtime: Runtime, memos: Memos) -> None:
    while True:
        try:
            await requeue_unfinished(runtime)
        except Exception:
            logger.exception("sweep: offering unfinished scans failed")
        try:
            await memos.prune(runtime)
        except Exception:
            logger.exception("sweep: dropping the memos of scans retried elsewhere failed")
        try:  # independent of the above: one failing must not hold back the other
            await runtime.events.redeliver_stranded(older_than_seconds=STRANDED_EVENT_AGE_SECONDS)
        except Exception:
            logger.exception("sweep: sending stranded outcome events failed")
        await notifications_service.send_pending(  # e-mails and pushes of those outcomes; never raises
            sessionmaker=runtime.sessionmaker, settings=runtime.settings, older_than_seconds=STRANDED_EVENT_AGE_SECONDS
        )
        await asyncio.sleep(runtime.settings.sweep_interval_seconds)


@contextlib.asynccontextmanager
async def consuming(runtime: Runtime) -> AsyncIterator[None]:
    """Run scan jobs from the runtime's queue, and sweep, for as long as the block lasts."""

    memos = Memos()

    async def handle(scan_id: uuid.UUID) -> None:
        await run_scan(runtime, scan_id, memos=memos)

    await runtime.queue.start(handle)
    sweeper = asyncio.create_task(_sweep_forever(runtime, memos), name="scan-sweeper")
    try:
        yield
    finally:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper


async def run_worker(settings: Settings, *, concurrency: int, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set); running scans may finish, within the queue's shutdown grace,
    before the process exits. Exits with status 1, one line logged, if Redis does not answer at start."""
    if not settings.redis_url:
        raise RuntimeError("`housescan worker` needs HOUSESCAN_REDIS_URL (embedded mode runs jobs inside `serve`)")
    runtime = create_runtime(settings, role="worker", concurrency=concurrency)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)

    from housescan.jobs.bullmq import QueueUnreachable

    try:
        async with consuming(runtime):
            logger.info("worker started: concurrency %d", concurrency)
            await stop.wait()
            logger.info("worker stopping: finishing the scans in hand")
    except QueueUnreachable as exc:
        logger.error("worker not started: %s", exc)
        raise SystemExit(1) from None
    finally:
        await runtime.close()
