"""One set of queue tests, run against both queues: the embedded in-process queue and BullMQ on Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from housescan.jobs.base import JobHandler, JobQueue
from housescan.jobs.bullmq import BullMQQueue, RedisOptions
from housescan.jobs.inprocess import InProcessQueue
from tests.scaleout.conftest import REDIS_URL, eventually

QueueFactory = Callable[..., JobQueue]


@pytest.fixture(params=["in-process", "bullmq"])
async def make_queue(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[QueueFactory]:
    made: list[JobQueue] = []

    def make(*, concurrency: int = 2, max_attempts: int = 3, backoff_seconds: float = 0.05) -> JobQueue:
        queue: JobQueue
        if request.param == "in-process":
            queue = InProcessQueue(concurrency=concurrency, max_attempts=max_attempts, backoff_seconds=backoff_seconds)
        else:
            queue = BullMQQueue(
                redis_url=REDIS_URL,
                options=RedisOptions(prefix=redis_prefix, lock_seconds=5, stalled_check_seconds=2),
                concurrency=concurrency,
                max_attempts=max_attempts,
                backoff_seconds=backoff_seconds,
            )
        made.append(queue)
        return queue

    yield make
    for queue in made:
        await queue.stop()


def recorder(
    fail_times: int = 0, hold: asyncio.Event | None = None
) -> tuple[JobHandler, list[tuple[uuid.UUID, float]]]:
    """A handler recording each call; it fails the first `fail_times` calls of each scan."""
    calls: list[tuple[uuid.UUID, float]] = []

    async def handle(scan_id: uuid.UUID) -> None:
        calls.append((scan_id, time.monotonic()))
        if hold is not None:
            await hold.wait()
        if sum(1 for sid, _ in calls if sid == scan_id) <= fail_times:
            raise RuntimeError("analysis failed")

    return handle, calls


async def _health_is(queue: JobQueue, **expected: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        health = await queue.health()
        return all(getattr(health, name) == value for name, value in expected.items())

    return check


async def test_each_scan_runs_once_even_when_queued_twice(make_queue: QueueFactory) -> None:
    queue = make_queue()
    scans = [uuid.uuid4() for _ in range(6)]
    for scan_id in scans:
        await queue.enqueue(scan_id)
    await queue.enqueue(scans[0])  # the job id is the scan id: no second job
    health = await queue.health()
    assert health.waiting == 6 and health.active == 0
    assert health.oldest_waiting_seconds is not None and health.oldest_waiting_seconds >= 0

    handle, calls = recorder()
    await queue.start(handle)
    await eventually(lambda: len(calls) >= 6, message="all scans ran")
    await eventually(await _health_is(queue, waiting=0, active=0, completed=6), message="health counts")
    await asyncio.sleep(0.3)
    assert Counter(scan_id for scan_id, _ in calls) == Counter(scans)
    health = await queue.health()
    assert health.workers >= 1 and health.failed == 0 and health.oldest_waiting_seconds is None


async def test_queueing_a_running_scan_runs_it_once_more_after_that_run_never_beside_it(
    make_queue: QueueFactory,
) -> None:
    """A request that comes while the scan's job runs (a re-analysis asked for while the last run still
    sends its notifications) is not lost, nor run beside the running one: that job runs it once more."""
    queue = make_queue()
    hold = asyncio.Event()
    running = 0
    most_at_once = 0
    calls: list[uuid.UUID] = []

    async def handle(scan_id: uuid.UUID) -> None:
        nonlocal running, most_at_once
        calls.append(scan_id)
        running += 1
        most_at_once = max(most_at_once, running)
        try:
            if len(calls) == 1:
                await hold.wait()
        finally:
            running -= 1

    await queue.start(handle)
    scan_id = uuid.uuid4()
    await queue.enqueue(scan_id)
    await eventually(lambda: len(calls) == 1, message="the scan started")
    await eventually(await _health_is(queue, active=1), message="one active job")
    for _ in range(3):  # requests while it runs: one more run, not three
        await queue.enqueue(scan_id)
    hold.set()
    await eventually(lambda: len(calls) == 2, message="ran once more")
    await eventually(await _health_is(queue, active=0, waiting=0), message="finished")
    await queue.enqueue(scan_id)  # after the job ended: a job of its own
    await eventually(lambda: len(calls) == 3, message="a later request runs it again")
    await eventually(await _health_is(queue, active=0, waiting=0), message="finished again")
    assert most_at_once == 1, "never two runs of one scan at once"
    assert calls == [scan_id] * 3


async def test_a_finished_scan_can_be_queued_again(make_queue: QueueFactory) -> None:
    """A failed scan may be processed again: its old job must not block the new one."""
    queue = make_queue()
    handle, calls = recorder()
    await queue.start(handle)
    scan_id = uuid.uuid4()
    await queue.enqueue(scan_id)
    await eventually(lambda: len(calls) == 1)
    await eventually(await _health_is(queue, active=0, completed=1))
    await queue.enqueue(scan_id)
    await eventually(lambda: len(calls) == 2, message="ran a second time")


async def test_failures_are_retried_with_growing_backoff_then_succeed(make_queue: QueueFactory) -> None:
    queue = make_queue(max_attempts=3, backoff_seconds=0.05)
    handle, calls = recorder(fail_times=2)
    await queue.start(handle)
    scan_id = uuid.uuid4()
    await queue.enqueue(scan_id)
    await eventually(lambda: len(calls) == 3, message="three attempts")
    await eventually(await _health_is(queue, completed=1, failed=0, delayed=0), message="succeeded on the third")
    first, second, third = (at for _, at in calls)
    assert second - first >= 0.05 and third - second >= 0.1, "exponential backoff between attempts"


async def test_attempts_are_bounded_and_the_failure_is_counted(make_queue: QueueFactory) -> None:
    queue = make_queue(max_attempts=2, backoff_seconds=0.05)
    handle, calls = recorder(fail_times=100)
    await queue.start(handle)
    scan_id = uuid.uuid4()
    await queue.enqueue(scan_id)
    await eventually(await _health_is(queue, failed=1, delayed=0, active=0), message="failed for good")
    await asyncio.sleep(0.5)
    assert len(calls) == 2
    if isinstance(queue, BullMQQueue):
        assert await queue.failed_jobs() == [(str(scan_id), "analysis failed")], "failed set keeps the reason"


async def test_concurrency_runs_scans_side_by_side(make_queue: QueueFactory) -> None:
    queue = make_queue(concurrency=3)
    hold = asyncio.Event()
    handle, calls = recorder(hold=hold)
    await queue.start(handle)
    for _ in range(5):
        await queue.enqueue(uuid.uuid4())
    await eventually(lambda: len(calls) == 3, message="three at once")
    await asyncio.sleep(0.3)
    assert len(calls) == 3, "never more than the concurrency"
    health = await queue.health()
    assert (health.active, health.waiting) == (3, 2)
    hold.set()
    await eventually(lambda: len(calls) == 5)
    await eventually(await _health_is(queue, completed=5, active=0, waiting=0))


# ---------------------------------------------------------------------------------------------------------
# stopping a BullMQ worker (SIGTERM): the in-process queue's scans are re-offered by the start-up sweep


def _bullmq_worker(redis_prefix: str, **options: float) -> BullMQQueue:
    return BullMQQueue(
        redis_url=REDIS_URL,
        options=RedisOptions(prefix=redis_prefix, lock_seconds=5, stalled_check_seconds=2, **options),
        concurrency=2,
        max_attempts=3,
        backoff_seconds=0.05,
    )


async def test_stopping_a_worker_lets_its_running_scan_finish(redis_prefix: str) -> None:
    worker = _bullmq_worker(redis_prefix)
    release = asyncio.Event()
    handle, calls = recorder(hold=release)
    await worker.start(handle)
    await worker.enqueue(uuid.uuid4())
    await eventually(lambda: len(calls) == 1, message="running")
    stopping = asyncio.create_task(worker.stop())
    done, _ = await asyncio.wait({stopping}, timeout=0.5)
    assert not done, "stop waits for the running scan"
    release.set()
    await stopping
    producer = _bullmq_worker(redis_prefix)
    try:
        health = await producer.health()
        assert (health.completed, health.active, health.waiting, len(calls)) == (1, 0, 0, 1)
    finally:
        await producer.stop()


async def test_a_scan_still_running_after_the_grace_is_left_to_another_worker(redis_prefix: str) -> None:
    first = _bullmq_worker(redis_prefix, shutdown_grace_seconds=0.2)
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def never_ends(scan_id: uuid.UUID) -> None:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    await first.start(never_ends)
    scan_id = uuid.uuid4()
    await first.enqueue(scan_id)
    await asyncio.wait_for(started.wait(), 30)
    stopping = asyncio.create_task(first.stop())
    done, _ = await asyncio.wait({stopping}, timeout=30)
    assert done, "stop returns after the grace (BullMQ's own close waits for the scan without end)"
    assert cancelled.is_set(), "the scan was stopped, not left running in a closed worker"
    second = _bullmq_worker(redis_prefix)
    handle, calls = recorder()
    await second.start(handle)
    try:
        await eventually(lambda: len(calls) == 1, timeout=60, message="another worker runs it once its lock lapses")
        assert calls[0][0] == scan_id
        await eventually(await _health_is(second, completed=1, active=0), message="and it completes there")
    finally:
        await second.stop()
