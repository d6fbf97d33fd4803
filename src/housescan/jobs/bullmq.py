"""The scaled-out queue: BullMQ on Redis (`HOUSESCAN_REDIS_URL`), consumed by `housescan worker` processes.

The job id is the scan id, so a scan is never queued twice while a job for it is waiting, delayed or
active. A finished job (completed, or failed for good) is kept for dashboards and then replaced when the
same scan is queued again (a failed scan processed anew, or the sweep finding it unfinished).

Crash recovery: a worker holds a lock on each job it runs and renews it; when a worker dies the lock
expires after `lock_seconds` and the next stalled-job check (every `stalled_check_seconds`, run by any
live worker) moves the job back to waiting. A killed worker's scan is therefore re-run within
lock + check interval (15 s with the defaults), well inside the 30 s goal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bullmq import Queue, Worker  # type: ignore[import-untyped]
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio.retry import Retry
from redis.backoff import ConstantBackoff
from redis.exceptions import RedisError

from housescan.jobs.base import JobHandler, QueueHealth

logger = logging.getLogger(__name__)

JOB_NAME = "scan"
# States in which a job still stands for the scan (it will run, or is running).
_LIVE_STATES = {"waiting", "wait", "active", "delayed", "prioritized", "paused", "waiting-children"}
_FINISHED_STATES = {"completed", "failed"}
# Worker.close(force=True) has this long; then its Redis connections are cut (see `_close_bounded`).
CLOSE_SECONDS = 10.0
#: How long an idle worker's fetch blocks waiting for a job (BullMQ's drainDelay).
DRAIN_DELAY_SECONDS = 5
_FETCH_CHECK_SECONDS = 0.5
_RUN_AGAIN_SECONDS = 24 * 3600  # a request to run a scan again outlives any run it waits for

# Redis calls made while a request waits (enqueue, health, the sign-in throttles) give up after these, so a
# Redis that is down or unreachable costs a request seconds, not the minutes of BullMQ's own retries.
REDIS_CONNECT_TIMEOUT_SECONDS = 2.0
REDIS_COMMAND_TIMEOUT_SECONDS = 5.0
# A worker's connections may wait longer for a busy Redis; its blocking fetch (BZPOPMIN) waits up to
# BullMQ's maximum block timeout (10 s) by design, so its socket timeout allows that and a margin.
# redis-py's default (5 s, drainDelay's length) cut idle fetches as Redis answered them; redis-py retried them
# silently with BullMQ's backoff, and a cut answer could carry the wake-up marker of a job put back from
# stalled: a killed worker's scan then waited for the sweep (tests/scaleout/test_worker_fetch.py).
_WORKER_COMMAND_TIMEOUT_SECONDS = 30.0
_BLOCKING_FETCH_SECONDS = 10.0
_WORKER_FETCH_TIMEOUT_SECONDS = _BLOCKING_FETCH_SECONDS + 20.0


def quick_retry() -> Retry:
    """One more try after a short pause: a dropped connection is reconnected, a dead Redis is reported."""
    return Retry(ConstantBackoff(0.2), 1)


def bound_redis_client(
    client: Any, *, command_timeout: float, connect_timeout: float = REDIS_CONNECT_TIMEOUT_SECONDS, retry: Retry | None
) -> None:
    """Set the timeouts (and, unless `retry` is None, the retries) of a redis-py client's future connections.

    BullMQ builds its clients from a URL with no timeouts and 20 retries backing off up to 20 s each (minutes
    before a call to an unreachable Redis fails) and takes no options beside a URL; its clients connect on
    their first command, so changing the pool's connection settings before then applies to every connection.
    """
    client.get_connection_kwargs().update(socket_connect_timeout=connect_timeout, socket_timeout=command_timeout)
    if retry is not None:
        client.set_retry(retry)


def redacted_url(redis_url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(redis_url)
    if parts.password is None:
        return redis_url
    netloc = f"{parts.username or ''}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class QueueUnreachable(RuntimeError):
    """Redis did not answer a worker starting up."""


class RedisOptions(BaseSettings):
    """Redis-side names and timings (`HOUSESCAN_REDIS_*`). Separate prefixes let several deployments or
    test runs share one Redis server without seeing each other's jobs or events."""

    model_config = SettingsConfigDict(env_prefix="HOUSESCAN_REDIS_", env_file=None, extra="ignore")

    prefix: str = Field("housescan", min_length=1)  # BullMQ key prefix; the Socket.IO channel is "{prefix}:socketio"
    queue_name: str = Field("scans", min_length=1)
    # A dead worker's job is considered stalled this long after its last renewal.
    lock_seconds: float = Field(10.0, gt=0)
    stalled_check_seconds: float = Field(5.0, gt=0)
    keep_completed: int = Field(1000, ge=0)  # finished jobs kept for dashboards (the database keeps the scans)
    # On stop (SIGTERM), running scans may finish for this long; then they are left to another worker.
    # Under compose.yaml's stop_grace_period, so a worker closes its connections itself.
    shutdown_grace_seconds: float = Field(50.0, ge=0)
    keep_failed: int = Field(10_000, ge=0)

    @property
    def socketio_channel(self) -> str:
        return f"{self.prefix}:socketio"


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class BullMQQueue:
    """A producer in API processes (enqueue, health); also a consumer once `start` is called (workers)."""

    def __init__(
        self,
        *,
        redis_url: str,
        options: RedisOptions,
        concurrency: int,
        max_attempts: int,
        backoff_seconds: float,
    ) -> None:
        self._redis_url = redis_url
        self._options = options
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._backoff_seconds = backoff_seconds
        self._queue: Any = Queue(options.queue_name, {"connection": redis_url, "prefix": options.prefix})
        bound_redis_client(self._queue.client, command_timeout=REDIS_COMMAND_TIMEOUT_SECONDS, retry=quick_retry())
        self._worker: Any = None
        self.worker_name = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    @property
    def name(self) -> str:
        return str(self._options.queue_name)

    def _job_options(self, job_id: str) -> dict[str, Any]:
        return {
            "jobId": job_id,
            "attempts": self._max_attempts,
            # BullMQ waits delay * 2^(attempts made - 1): the same schedule as the in-process queue.
            "backoff": {"type": "exponential", "delay": max(1, round(self._backoff_seconds * 1000))},
            "removeOnComplete": {"count": self._options.keep_completed},
            "removeOnFail": {"count": self._options.keep_failed},
        }

    def _run_again_key(self, job_id: str) -> str:
        return f"{self._options.prefix}:{self._options.queue_name}:run-again:{job_id}"

    async def enqueue(self, scan_id: uuid.UUID) -> None:
        job_id = str(scan_id)
        state = _text(await self._queue.getJobState(job_id))
        if state == "active":
            # The job running now runs the scan once more when its run ends (`start`), unless it ended
            # meanwhile without seeing the request: then the request is taken back and a job added.
            run_again = self._run_again_key(job_id)
            await self._queue.client.set(run_again, b"1", ex=_RUN_AGAIN_SECONDS)
            state = _text(await self._queue.getJobState(job_id))
            if state == "active" or not await self._queue.client.delete(run_again):
                return
        if state in ("waiting", "wait"):
            # Jobs put back from 'stalled' can wait unseen by idle workers until something sets the queue's
            # marker (seen when every worker was killed at once); setting it again only wakes them up.
            await self._queue.client.zadd(self._queue.keys["marker"], {"0": 0})
        if state in _LIVE_STATES:
            return
        if state in _FINISHED_STATES:
            # An earlier run of this scan finished; the scan is runnable again, so its old job makes room.
            await self._queue.remove(job_id)
        # Adding an id that exists is a no-op in BullMQ: two processes enqueuing at once make one job.
        await self._queue.add(JOB_NAME, {"scanId": job_id}, self._job_options(job_id))

    async def check_reachable(self) -> None:
        """Raise QueueUnreachable, naming the Redis (without its password), unless it answers a PING now."""
        try:
            await self._queue.client.ping()
        except (RedisError, OSError) as exc:
            raise QueueUnreachable(f"Redis at {redacted_url(self._redis_url)} did not answer: {exc}") from exc

    async def start(self, handler: JobHandler) -> None:
        """Check that Redis answers (else QueueUnreachable), then run jobs with `handler`."""
        await self.check_reachable()

        async def process(job: Any, _token: str) -> None:
            # Shown by BullMQ dashboards: which worker took each attempt (a re-run after a crash shows two).
            await job.log(f"attempt {job.attemptsMade + 1} on worker {self.worker_name}")
            scan_id = uuid.UUID(job.data["scanId"])
            await handler(scan_id)
            while await self._queue.client.getdel(self._run_again_key(str(scan_id))):
                await handler(scan_id)

        lock_ms = round(self._options.lock_seconds * 1000)
        self._worker = Worker(
            self._options.queue_name,
            process,
            {
                "connection": self._redis_url,
                "prefix": self._options.prefix,
                "concurrency": self._concurrency,
                "lockDuration": lock_ms,
                "lockRenewTime": lock_ms // 2,
                "stalledInterval": round(self._options.stalled_check_seconds * 1000),
                # Stalls are bounded by the scan's own attempt counter in the database (run_scan gives up).
                "maxStalledCount": self._max_attempts,
                "drainDelay": DRAIN_DELAY_SECONDS,
                # Named, so that queue health can count live workers (each holds two Redis connections).
                "name": self.worker_name,
            },
        )
        # Bounded so that a Redis that stops answering shows as errors; BullMQ's retries kept (a worker rides
        # out a Redis restart).
        bound_redis_client(self._worker.client, command_timeout=_WORKER_COMMAND_TIMEOUT_SECONDS, retry=None)
        bound_redis_client(self._worker.bclient, command_timeout=_WORKER_FETCH_TIMEOUT_SECONDS, retry=None)
        self._worker.on("failed", self._on_failed)
        self._worker.on("stalled", self._on_stalled)
        self._worker.on("error", self._on_error)

    @staticmethod
    def _on_failed(job: Any, error: BaseException) -> None:
        attempts, made = job.opts.get("attempts", 1), job.attemptsMade  # counted already when this fires
        if made >= attempts:
            logger.error("scan %s: job failed for good after %d attempts: %s", job.id, made, error)
        else:
            logger.warning("scan %s: attempt %d failed (%s); retrying", job.id, made, error)

    @staticmethod
    def _on_stalled(job_id: Any, *_: Any) -> None:
        logger.warning("scan %s: its worker stopped answering; the job is queued again", _text(job_id))

    @staticmethod
    def _on_error(error: BaseException, *_: Any) -> None:
        logger.error("queue worker error: %s", error)

    async def stop(self) -> None:
        """Stop taking jobs, let running ones finish for at most `shutdown_grace_seconds`, close.

        BullMQ's own graceful close stops renewing the locks of running jobs as soon as its fetch loop
        ends, so a scan longer than the lock would be re-run elsewhere while it still runs here; and it
        waits for them without a bound. Pausing first keeps the loop, and the renewals, alive while the
        scans finish; what still runs after the grace is cancelled, and its lock lapses so that the
        stalled-job check of another worker queues it again. It is cancelled here, not by the close (which
        does not wait for cancelled jobs): its handler's own bookkeeping on cancellation (the scan job puts its
        scan back to queued in the database, the attempt not counted) runs before the connections close.

        pause() cancels the worker's blocking fetch (BZPOPMIN) only when it has begun: a fetch task the
        loop made just before, not yet running, starts after and blocks for up to the block timeout,
        holding the stop for as long (reproduced: 1 stop in about 150 under load took the whole grace).
        Such a fetch is cancelled here as soon as it shows. And Worker.close swallows cancellation
        (it shields its teardown in a loop), so `asyncio.wait_for` cannot bound it: `_close_bounded`.
        """
        if self._worker is not None:
            worker, self._worker = self._worker, None
            await worker.pause(do_not_wait_active=True)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self._options.shutdown_grace_seconds
            # Read the set anew each time: a fetch under way when the pause came may still start a job.
            while running := [task for task in worker.processing if not task.done()]:
                fetch = worker.waiting
                if fetch is not None and not fetch.done():
                    fetch.cancel()  # paused: getNextJob returns no job
                if loop.time() >= deadline:
                    logger.warning(
                        "queue worker stopping: %d job(s) still running after %.0f s are stopped and left to another"
                        " worker",
                        len(worker.jobs),
                        self._options.shutdown_grace_seconds,
                    )
                    await _cancel_and_wait(running)
                    break
                await asyncio.wait(running, timeout=min(_FETCH_CHECK_SECONDS, deadline - loop.time()))
            await _close_bounded(worker)
        await self._queue.close()

    async def health(self) -> QueueHealth:
        counts = await self._queue.getJobCounts(
            "waiting", "active", "delayed", "prioritized", "completed", "failed", "paused"
        )
        oldest: float | None = None
        first = await self._queue.getJobs(["wait"], 0, 0, True)
        if first:
            oldest = max(0.0, time.time() - first[0].timestamp / 1000)
        return QueueHealth(
            backend="bullmq",
            waiting=counts.get("waiting", 0) + counts.get("prioritized", 0) + counts.get("paused", 0),
            active=counts.get("active", 0),
            delayed=counts.get("delayed", 0),
            completed=counts.get("completed", 0),
            failed=counts.get("failed", 0),
            workers=await self._live_workers(),
            oldest_waiting_seconds=oldest,
        )

    async def _live_workers(self) -> int:
        """Workers connected to Redis now (a killed worker's connections are gone at once)."""
        clients = await self._queue.get_workers()
        named = {_text(client.get("rawname", "")) for client in clients}
        unnamed = sum(1 for name in named if ":w:" not in name)
        return len(named) - unnamed + sum(":w:" not in _text(c.get("rawname", "")) for c in clients) // 2

    async def job_logs(self, scan_id: uuid.UUID) -> list[str]:
        """The log lines of a scan's job (one per attempt: the worker that took it)."""
        result = await self._queue.getJobLogs(str(scan_id))
        return [_text(line) for line in result["logs"]]

    async def failed_jobs(self, limit: int = 100) -> list[tuple[str, str]]:
        """The failed set with each job's reason (newest first), for operators."""
        jobs = await self._queue.getJobs(["failed"], 0, limit - 1, False)
        return [(str(job.id), str(job.failedReason)) for job in jobs]

    async def obliterate(self) -> None:
        """Delete every key of this queue (tests and benchmarks only)."""
        await self._queue.obliterate(force=True)


async def _cancel_and_wait(running: list[asyncio.Task[Any]]) -> None:
    """Cancel the jobs still running after the grace, and give their handlers CLOSE_SECONDS to end."""
    for task in running:
        task.cancel()
    _, pending = await asyncio.wait(running, timeout=CLOSE_SECONDS)
    if pending:
        logger.error("queue worker: %d cancelled job(s) still not ended after %.0f s", len(pending), CLOSE_SECONDS)


_abandoned: set[asyncio.Future[Any]] = set()  # closes that never finished, kept from the garbage collector


async def _close_bounded(worker: Any) -> None:
    """worker.close(force=True) within CLOSE_SECONDS; else, logged, its Redis connections are cut without
    waiting for their sockets to close (a close waiting on a socket another task reads from is what
    hangs), and it has CLOSE_SECONDS more before it is left behind."""
    closing = asyncio.ensure_future(worker.close(force=True))
    done, _ = await asyncio.wait({closing}, timeout=CLOSE_SECONDS)
    if not done:
        logger.error("queue worker: close took over %.0f s; force-closing its Redis connections", CLOSE_SECONDS)
        await _cut_connections(worker)
        done, _ = await asyncio.wait({closing}, timeout=CLOSE_SECONDS)
    if not done:
        logger.error("queue worker: close still not finished after the force-close; left behind")
        worker.closed = True  # its loop stops at its next turn
        _abandoned.add(closing)
        closing.add_done_callback(_abandoned.discard)
    elif not closing.cancelled() and closing.exception() is not None:
        logger.error("queue worker: close failed: %s", closing.exception())


async def _cut_connections(worker: Any) -> None:
    backend = worker.backend
    for holder in (getattr(backend, "blocking_connection", None), getattr(backend, "connection", None)):
        pool = getattr(getattr(holder, "conn", None), "connection_pool", None)
        if pool is None:
            continue
        for connection in [*pool._available_connections, *pool._in_use_connections]:
            try:
                await asyncio.wait_for(connection.disconnect(nowait=True), timeout=1.0)
            except Exception as exc:
                logger.warning("queue worker: cutting a Redis connection failed: %s", exc)
