"""An idle BullMQ worker's blocking fetch (BZPOPMIN on the queue's marker) must not be cut by its own Redis
client's read timeout.

redis-py 8 gives every connection a 5 s socket timeout by default, as long as BullMQ's drainDelay (5 s): an
idle worker's fetch then timed out at the very moment Redis answered it, and redis-py retried it silently
with BullMQ's backoff (2, 4, 8, 16, 20 s ...). An answer cut so could carry the marker that the stalled-job
check sets when it puts a killed worker's job back to wait; the marker lost, the job waited for the sweep
(reproduced: a killed worker's scan picked up 78-82 s after the kill instead of within lock + check, 15 s).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from bullmq.worker import default_maximum_block_timeout  # type: ignore[import-untyped]

from housescan.jobs.bullmq import DRAIN_DELAY_SECONDS, BullMQQueue, RedisOptions
from tests.scaleout.conftest import REDIS_URL


async def test_an_idle_workers_blocking_fetch_outlasts_every_block_it_asks_redis_for(redis_prefix: str) -> None:
    queue = BullMQQueue(
        redis_url=REDIS_URL,
        options=RedisOptions(prefix=redis_prefix, lock_seconds=5, stalled_check_seconds=2),
        concurrency=2,
        max_attempts=3,
        backoff_seconds=0.05,
    )
    ran: asyncio.Queue[uuid.UUID] = asyncio.Queue()

    async def handle(scan_id: uuid.UUID) -> None:
        await ran.put(scan_id)

    await queue.start(handle)
    worker: Any = queue._worker
    fetch_started, fetch_ended_empty, fetch_failed = asyncio.Event(), asyncio.Event(), asyncio.Event()
    wait_for_job = worker.waitForJob

    async def observed_wait_for_job() -> int:
        fetch_started.set()
        result: int = await wait_for_job()
        if result == 0:
            fetch_ended_empty.set()
        return result

    worker.waitForJob = observed_wait_for_job
    retry = worker.bclient.get_connection_kwargs()["retry"]
    call_with_retry = retry.call_with_retry

    async def observed_call_with_retry(do: Any, fail: Any, *args: Any, **kwargs: Any) -> Any:
        async def failed(error: Exception, *rest: Any) -> Any:
            fetch_failed.set()
            return await fail(error, *rest)

        return await call_with_retry(do, failed, *args, **kwargs)

    retry.call_with_retry = observed_call_with_retry
    try:
        await asyncio.wait_for(fetch_started.wait(), 30)
        read_timeout = worker.bclient.connection.socket_timeout
        longest_block = max(DRAIN_DELAY_SECONDS, default_maximum_block_timeout)
        assert read_timeout is None or read_timeout > longest_block, (
            f"the blocking fetch's read timeout ({read_timeout} s) would cut a block of {longest_block} s"
        )

        # An idle fetch runs its whole block and is answered "nothing", never retried after a cut read.
        ended_or_failed = [asyncio.ensure_future(event.wait()) for event in (fetch_ended_empty, fetch_failed)]
        await asyncio.wait(ended_or_failed, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        for waiter in ended_or_failed:
            waiter.cancel()
        assert not fetch_failed.is_set(), "the idle fetch failed and was retried by redis-py"
        assert fetch_ended_empty.is_set()

        scan_id = uuid.uuid4()
        await queue.enqueue(scan_id)
        assert await asyncio.wait_for(ran.get(), 30) == scan_id
    finally:
        retry.call_with_retry = call_with_retry
        await queue.stop()
