"""The scan job: the path of one scan through the worker, top to bottom (docs/ARCHITECTURE.md §2)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError

from housescan.agents.budget import AgentMemo
from housescan.agents.client import (
    ANALYSIS_UNAVAILABLE,
    ANALYSIS_UNAVAILABLE_RETRYING,
    AgentsError,
    AgentsUnavailable,
)
from housescan.agents.contract import AgentExecution, ScanResponse
from housescan.costs import service as costs_service
from housescan.ops import metrics
from housescan.ops.logs import bind_log_context, start_log_context
from housescan.realtime.service import ScanEventStream
from housescan.runtime import Runtime
from housescan.scans import reanalysis
from housescan.scans import run as scan_run
from housescan.scans import service as scans_service
from housescan.scans.events import ScanProcessing, ScanProgress

logger = logging.getLogger(__name__)

SAVE_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0)
T = TypeVar("T")


class ScanRetry(Exception):
    """Raised to hand the scan back to the queue for another attempt after backoff."""


class Memos:
    """The memos (`AgentMemo`) this process keeps between a scan's failed attempt and its retry, so that a
    retry here does not pay again for the agents that succeeded. A memo is kept only while its retry may
    still come here: it is taken by the next attempt in this process, whatever that attempt then finds, and
    `prune` (the sweep) drops those whose scan finished, went, or was claimed again by another worker."""

    def __init__(self) -> None:
        self._kept: dict[uuid.UUID, tuple[AgentMemo, int]] = {}

    def __contains__(self, scan_id: object) -> bool:
        return scan_id in self._kept

    def __len__(self) -> int:
        return len(self._kept)

    def take(self, scan_id: uuid.UUID) -> AgentMemo:
        kept = self._kept.pop(scan_id, None)
        return kept[0] if kept is not None else AgentMemo()

    def keep(self, scan_id: uuid.UUID, memo: AgentMemo, *, failed_attempt: int) -> None:
        self._kept[scan_id] = (memo, failed_attempt)

    async def prune(self, runtime: Runtime) -> None:
        kept = {scan_id: attempt for scan_id, (_, attempt) in self._kept.items()}
        if not kept:
            return
        async with runtime.sessionmaker() as db_session:
            waiting = await scan_run.awaiting_retry(db_session=db_session, attempts=kept)
        for scan_id in kept.keys() - waiting:
            self._kept.pop(scan_id, None)


async def run_scan(runtime: Runtime, scan_id: uuid.UUID, *, memos: Memos) -> None:
    """One attempt at one scan. `memos` keeps, across this process's attempts, the answers of agents that
    succeeded in an attempt that failed, so a retry does not pay for them again.

    The queue stops by cancelling this task (an orderly shutdown). An attempt interrupted so is handed back
    to the queue, not counted, with its reason (`scan_run.hand_back_after_stop`); the claim, the save and a
    failure's bookkeeping are each run to their end first (`_to_the_end`), so a stop never leaves half of one:
    a save either committed every result or none, and the hand-back finds the scan as that left it."""
    settings, events = runtime.settings, runtime.events
    start_log_context(scan_id=scan_id)

    memo = memos.take(scan_id)  # before the claim: once claimed again, a prune would drop it
    claimed, stopping = await _to_the_end(_claim(runtime, scan_id))
    if claimed is None:
        _stop_if(stopping)
        return  # deleted, still a draft, or already finished: nothing to do
    user_id = claimed.user_id
    bind_log_context(user_id=user_id, attempt=claimed.attempt)
    if claimed.recovered:
        logger.warning("scan claimed: attempt %d, after %s", claimed.attempt, scan_run.SERVER_STOPPED)
    else:
        logger.info("scan claimed: attempt %d", claimed.attempt)
    if claimed.attempt > settings.job_max_attempts:
        reason = f"gave up after {settings.job_max_attempts} attempts"
        if claimed.recovered:  # the last attempt ended with its process: say so
            reason = f"{scan_run.SERVER_STOPPED} ({reason})"
        _, stopped = await _to_the_end(_fail(runtime, claimed, reason, attempts=settings.job_max_attempts))
        _stop_if(stopping or stopped)
        return
    # The scan's events go out in order without the scan waiting for each write; progress that arrives
    # while the previous progress event is still queued is coalesced into the newest (realtime.service).
    scan_events = events.stream(user_id=user_id, scan_id=scan_id)
    message = "Analysing your photos"
    if claimed.recovered:
        message = f"Analysing your photos again: {scan_run.SERVER_STOPPED}"
    scan_events.send(ScanProcessing(scan_id=scan_id, message=message))
    reached = 0  # the progress last sent, which a hand-back's event keeps

    async def on_progress(progress: int, stage: str) -> None:
        nonlocal reached
        reached = progress
        scan_events.send(ScanProgress(scan_id=scan_id, progress=progress, stage=stage))

    try:
        _stop_if(stopping)  # the stop came during the claim
        clock = time.perf_counter()
        async with runtime.sessionmaker() as db_session:
            # The background measuring pass is best effort: what it missed is measured now, for the report.
            await scans_service.measure_unmeasured_photos(db_session=db_session, store=runtime.store, scan_id=scan_id)
            request = await scan_run.build_scan_request(
                db_session=db_session,
                store=runtime.store,
                scan_id=scan_id,
                user_id=user_id,
                budget_usd=settings.scan_budget_usd,
                budget_tokens=settings.scan_budget_tokens,
            )
        # A re-analysis runs only its rooms (review: POST .../reanalyse); a full run is unchanged.
        request = reanalysis.reanalysis_request(request, room_ids=claimed.reanalyse_room_ids)
        clock = metrics.stage_took("prepare", clock)
        response = await _analyse_while_scan_exists(
            runtime, scan_id, runtime.agents.run(request, on_progress=on_progress, memo=memo)
        )
        if response is None:  # deleted by its owner meanwhile: stop, and pay for nothing more
            await scan_events.close()
            await _record_spend(runtime, claimed, memo.take_spent())
            logger.info("scan deleted during its analysis: stopped")
            return
        clock = metrics.stage_took("analysis", clock)
        metrics.agents_ran(response.agent_executions)
        await on_progress(98, "Saving the report")
        # Every progress event is stored and sent (or given up on) before the results are saved. Progress
        # is best effort: a write that failed, e.g. in a database outage, must not fail the scan, whose
        # save below rides such an outage out.
        await scan_events.close()
        # With its paid calls' spend; the commit then announces `scan:completed` and notifies the owner.
        saved, stopping = await _to_the_end(_save_with_retries(runtime, claimed, response))
        metrics.stage_took("save", clock)
    except asyncio.CancelledError:
        await _to_the_end(_hand_back(runtime, claimed, memo, scan_events, progress=reached))
        raise
    except Exception as exc:
        _, stopped = await _to_the_end(_after_failure(runtime, claimed, memo, memos, scan_events, exc))
        _stop_if(stopped)
        return
    if not saved:  # deleted meanwhile, or another worker saved it first and announced it
        await _record_spend(runtime, claimed, memo.take_spent())
    else:
        metrics.scan_finished("succeeded")
        logger.info(
            "scan succeeded",
            extra={
                "tokens": response.cost_info.total_tokens_in + response.cost_info.total_tokens_out,
                "cost_usd": response.cost_info.total_cost_usd,
                "compute_seconds": response.cost_info.compute_seconds,
            },
        )
    _stop_if(stopping)  # the stop came during the save, which finished


async def _claim(runtime: Runtime, scan_id: uuid.UUID) -> scan_run.ClaimedScan | None:
    async with runtime.sessionmaker() as db_session:
        return await scan_run.claim_for_run(db_session=db_session, scan_id=scan_id)


async def _to_the_end(work: Coroutine[Any, Any, T]) -> tuple[T, bool]:
    """Run `work` to its end even if this task is cancelled meanwhile (the queue stopping): its result, and
    whether a stop came. If `work` failed after a stop came, the stop wins: CancelledError is raised."""
    task = asyncio.ensure_future(work)
    stopping = False
    while not task.done():
        try:
            await asyncio.wait({task})  # unlike awaiting the task, a cancellation here does not reach it
        except asyncio.CancelledError:
            stopping = True
    if stopping and (task.cancelled() or task.exception() is not None):
        raise asyncio.CancelledError
    return task.result(), stopping


def _stop_if(stopping: bool) -> None:
    """Pass on a stop held back while work ran to its end (`_to_the_end`)."""
    if stopping:
        raise asyncio.CancelledError


async def _hand_back(
    runtime: Runtime, claimed: scan_run.ClaimedScan, memo: AgentMemo, scan_events: ScanEventStream, *, progress: int
) -> None:
    """An attempt stopped by an orderly shutdown: its events sent, its paid calls recorded, the scan queued
    again with that attempt not counted and the reason told (scan_run.hand_back_after_stop)."""
    await scan_events.close()
    await _record_spend(runtime, claimed, memo.take_spent())
    try:
        async with runtime.sessionmaker() as db_session:
            handed_back = await scan_run.hand_back_after_stop(
                db_session=db_session,
                events=runtime.events,
                scan_id=claimed.scan_id,
                attempt=claimed.attempt,
                progress=progress,
            )
    except Exception:
        # Left `running`: the next start takes it up as a scan whose server stopped (that attempt counted).
        logger.exception("scan %s: could not be handed back to the queue on shutdown", claimed.scan_id)
        return
    if handed_back:
        metrics.scan_finished("interrupted")
        logger.warning(
            "scan %s: stopped by the shutdown; queued again, attempt %d not counted", claimed.scan_id, claimed.attempt
        )


async def _after_failure(
    runtime: Runtime,
    claimed: scan_run.ClaimedScan,
    memo: AgentMemo,
    memos: Memos,
    scan_events: ScanEventStream,
    exc: Exception,
) -> None:
    """A failed attempt: retried (ScanRetry is raised, the queue retries after backoff) or failed for good."""
    scan_id, settings = claimed.scan_id, runtime.settings
    await scan_events.close()  # what was sent goes out before the retry or the failure is announced
    await _record_spend(runtime, claimed, memo.take_spent())  # a failed attempt's calls were paid too
    reason = _reason(exc)  # the operator's, for the logs
    retryable = not isinstance(exc, AgentsError) or exc.retryable
    if retryable and claimed.attempt < settings.job_max_attempts:
        logger.warning("scan %s attempt %d failed: %s; retrying", scan_id, claimed.attempt, reason)
        async with runtime.sessionmaker() as db_session:
            await scan_run.requeue_after_error(
                db_session=db_session, scan_id=scan_id, error=_shown_reason(exc, reason, retrying=True)
            )
        memos.keep(scan_id, memo, failed_attempt=claimed.attempt)
        metrics.scan_finished("retried")
        raise ScanRetry(reason) from exc
    logger.error("scan %s failed for good: %s", scan_id, reason, exc_info=exc)
    await _fail(runtime, claimed, _shown_reason(exc, reason, retrying=False))


async def _analyse_while_scan_exists(
    runtime: Runtime, scan_id: uuid.UUID, analysis: Coroutine[Any, Any, ScanResponse]
) -> ScanResponse | None:
    """The analysis' response; None, with the analysis cancelled, once the scan is found deleted."""
    task = asyncio.ensure_future(analysis)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=runtime.settings.deleted_scan_check_seconds)
            if done:
                return task.result()
            try:
                async with runtime.sessionmaker() as db_session:
                    if not await scan_run.scan_exists(db_session=db_session, scan_id=scan_id):
                        return None
            except (OperationalError, DBAPIError, OSError) as exc:
                # A database that cannot answer now must not cost the analysis: look again next time.
                logger.warning("scan %s: could not check that the scan still exists (%s)", scan_id, exc)
    finally:
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _save_with_retries(runtime: Runtime, claimed: scan_run.ClaimedScan, response: ScanResponse) -> bool:
    """The save alone is retried on database errors, so a brief outage does not re-run the analysis."""
    scan_id = claimed.scan_id
    for delay in (*SAVE_RETRY_DELAYS, None):
        try:
            async with runtime.sessionmaker() as db_session:
                # A re-analysis keeps the other rooms' results: merged in the same transaction as the save.
                merged = await reanalysis.merge_reanalysis(
                    db_session=db_session, scan_id=scan_id, room_ids=claimed.reanalyse_room_ids, response=response
                )
                return await scan_run.save_results(
                    db_session=db_session,
                    settings=runtime.settings,
                    events=runtime.events,
                    sessionmaker=runtime.sessionmaker,
                    scan_id=scan_id,
                    response=merged,
                )
        except (OperationalError, DBAPIError, OSError) as exc:
            if delay is None:
                raise
            logger.warning("scan %s: saving results failed (%s); retrying in %.1fs", scan_id, exc, delay)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def _record_spend(runtime: Runtime, claimed: scan_run.ClaimedScan, executions: list[AgentExecution]) -> None:
    """The paid calls of an attempt whose results were not saved go to the spend ledger on their own: the
    money was spent all the same, and counts against the user's monthly budget."""
    if not executions:
        return
    try:
        async with runtime.sessionmaker() as db_session:
            await costs_service.record_spend(
                db_session=db_session, user_id=claimed.user_id, scan_id=claimed.scan_id, executions=executions
            )
            await db_session.commit()
    except Exception:
        logger.exception("scan %s: the spend of an attempt could not be recorded", claimed.scan_id)


async def _fail(runtime: Runtime, claimed: scan_run.ClaimedScan, reason: str, *, attempts: int | None = None) -> None:
    """Save the scan as failed; the commit announces `scan:failed` and notifies the owner."""
    async with runtime.sessionmaker() as db_session:
        failed = await scan_run.mark_failed(
            db_session=db_session,
            settings=runtime.settings,
            events=runtime.events,
            sessionmaker=runtime.sessionmaker,
            scan_id=claimed.scan_id,
            reason=reason,
            attempts=attempts,
        )
    if failed:
        metrics.scan_finished("failed")


def _shown_reason(exc: BaseException, reason: str, *, retrying: bool) -> str:
    """The scan's `error`, which the person reads: an agents service that could not be used is the
    operator's problem, told in a plain sentence (its detail is in the logs)."""
    if isinstance(exc, AgentsUnavailable):
        return ANALYSIS_UNAVAILABLE_RETRYING if retrying else ANALYSIS_UNAVAILABLE
    return f"retrying after: {reason}" if retrying else reason


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if isinstance(exc, AgentsError) else f"{type(exc).__name__}: {text}"[:2000]
