"""The BullMQ worker's stop is bounded (real Redis): many rounds of start, work, stop under load each end
within a bound far below the fetch's block timeout, and a close that hangs is force-closed, logged, with
the worker's Redis connections gone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis.asyncio as aioredis

from housescan.jobs import bullmq
from housescan.jobs.bullmq import BullMQQueue, RedisOptions
from tests.scaleout.conftest import REDIS_URL

ROUNDS = 15
QUEUES_PER_ROUND = 6
# The fetch blocks for a minute here: a fetch left blocking by pause() would hold a stop past the close's own
# limit (bullmq.CLOSE_SECONDS), which force-closes it and logs an error. So the test needs no timing of its own
# (the machine's speed decides nothing): a stop that is bounded never reaches the force-close.
DRAIN_DELAY_SECONDS = 60


def _queue(prefix: str, name: str) -> BullMQQueue:
    options = RedisOptions(prefix=prefix, queue_name=name, shutdown_grace_seconds=20)
    return BullMQQueue(redis_url=REDIS_URL, options=options, concurrency=2, max_attempts=2, backoff_seconds=0.05)


async def _started_and_worked(queue: BullMQQueue) -> None:
    handled = asyncio.Event()

    async def handle(_scan_id: uuid.UUID) -> None:
        handled.set()

    await queue.start(handle)
    await queue.enqueue(uuid.uuid4())
    await asyncio.wait_for(handled.wait(), timeout=30)


async def _timed_stop(queue: BullMQQueue, after: float) -> float:
    await asyncio.sleep(after)  # spreads the stops over the worker's fetch cycle, not a wait for an event
    started = time.monotonic()
    await queue.stop()
    return time.monotonic() - started


async def _connections_named(name: str) -> int:
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        return sum(name in str(entry.get("name", "")) for entry in await client.client_list())
    finally:
        await client.aclose()


@contextlib.contextmanager
def cpu_load() -> Iterator[None]:
    """A thread spinning: the event loop gets the GIL in slices, as in a loaded suite. (Only around the
    stops: under it a worker's first job took some 10 s to be fetched, which would make the rounds slow.)"""
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            sum(range(10_000))

    threads = [threading.Thread(target=spin, daemon=True) for _ in range(1)]
    for thread in threads:
        thread.start()
    yield
    stop.set()
    for thread in threads:
        thread.join()


async def test_start_work_stop_rounds_under_load_each_stop_within_the_bound(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bullmq, "DRAIN_DELAY_SECONDS", DRAIN_DELAY_SECONDS)
    caplog.set_level(logging.ERROR, logger="housescan.jobs.bullmq")
    slowest = 0.0
    for round_number in range(ROUNDS):
        queues = [_queue(redis_prefix, f"close-{round_number}-{n}") for n in range(QUEUES_PER_ROUND)]
        await asyncio.gather(*(_started_and_worked(queue) for queue in queues))
        with cpu_load():
            stops = await asyncio.gather(
                *(_timed_stop(queue, after=n * 0.7 / QUEUES_PER_ROUND) for n, queue in enumerate(queues))
            )
        slowest = max(slowest, *stops)
        for queue in queues:
            assert await _connections_named(queue.worker_name) == 0, "a stopped worker holds no Redis connection"
    print(f"\nworker stop: {ROUNDS * QUEUES_PER_ROUND} stops, the slowest {slowest:.2f} s")
    assert "force-closing" not in caplog.text, "a stop was held by a blocking fetch until it was force-closed"


async def test_a_close_that_hangs_is_force_closed_and_logged(
    redis_prefix: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(bullmq, "CLOSE_SECONDS", 0.5)
    queue = _queue(redis_prefix, "close-hangs")
    await _started_and_worked(queue)
    worker = queue._worker
    assert await _connections_named(queue.worker_name) > 0
    never = asyncio.Event()

    async def close_that_hangs(force: bool = False) -> None:
        await never.wait()  # as a close waiting on a socket another task reads from

    monkeypatch.setattr(worker.backend, "close", close_that_hangs)
    with caplog.at_level(logging.ERROR, logger="housescan.jobs.bullmq"):
        started = time.monotonic()
        await asyncio.wait_for(queue.stop(), timeout=120)  # without the force-close it never returns
        elapsed = time.monotonic() - started
    print(f"\na hanging close was force-closed after {elapsed:.1f} s (CLOSE_SECONDS 0.5, twice)")
    assert "force-closing its Redis connections" in caplog.text
    assert await _connections_named(queue.worker_name) == 0
    never.set()
