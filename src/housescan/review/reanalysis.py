"""Re-analysis of some rooms of a finished scan: what to run again, and the saved results it keeps."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import (
    AgentExecution,
    ScanRequest,
    ScanResponse,
    ScanResult,
)
from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.errors import Conflict
from housescan.houses import service as houses_service
from housescan.jobs.base import JobQueue
from housescan.review.context import load_context, owned_scan, room_of
from housescan.review.report import rooms_with_new_photos
from housescan.scans import service as scans_service
from housescan.scans.models import AgentRun, HouseScanSummary, Scan, ScanStatus

REANALYSE_KEY = "reanalyse"


def rooms_to_reanalyse(scan: Scan, summary: HouseScanSummary | None) -> set[str] | None:
    """For the scan run: the rooms a re-analysis runs again (the others keep their saved results), or None
    for a full run. The choice holds only until the next save (it names the analysis it started from)."""
    raw = scan.inputs_snapshot.get(REANALYSE_KEY)
    if not isinstance(raw, dict) or summary is None or raw.get("since") != summary.derived_at.isoformat():
        return None
    return {str(room_id) for room_id in raw.get("rooms") or []} or None


async def _reanalysis(db_session: AsyncSession, scan_id: uuid.UUID) -> tuple[set[str], HouseScanSummary] | None:
    scan = await db_session.get(Scan, scan_id)
    if scan is None or REANALYSE_KEY not in scan.inputs_snapshot:
        return None  # a full run, as most are: its summary (a large JSON) need not be read
    summary = await db_session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == scan_id))
    chosen = rooms_to_reanalyse(scan, summary)
    return (chosen, summary) if chosen and summary is not None else None


async def reanalysis_request(*, db_session: AsyncSession, scan_id: uuid.UUID, request: ScanRequest) -> ScanRequest:
    """The scan run's request narrowed to the rooms being re-analysed (unchanged for a full run)."""
    found = await _reanalysis(db_session, scan_id)
    if found is None:
        return request
    rooms = [room for room in request.rooms if room.room_id in found[0]]
    return request.model_copy(update={"rooms": rooms}) if rooms else request


async def merge_reanalysis(*, db_session: AsyncSession, scan_id: uuid.UUID, response: ScanResponse) -> ScanResponse:
    """A re-analysis' response completed with what it did not run again, before the run saves it: the other
    rooms' saved results and agent runs (as reused answers: paid, and recorded, by the run that made them),
    and the house-level results of the full analysis (a house type judged from a few rooms would be worse).
    This run's own executions are all kept, so its spend is recorded as usual. The person's answers are in
    their own tables and are not touched at all."""
    found = await _reanalysis(db_session, scan_id)
    if found is None:
        return response
    chosen, summary = found
    previous = ScanResult.model_validate(summary.summary_json["result"])
    fresh = {room.room_id: room for room in response.result.rooms if room.room_id in chosen}
    kept = {room.room_id: room for room in previous.rooms if room.room_id not in chosen}
    order = [str(room.id) for room in await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan_id)]
    rooms = [fresh.get(room_id) or kept[room_id] for room_id in order if room_id in fresh or room_id in kept]
    runs = await db_session.scalars(
        select(AgentRun).where(AgentRun.scan_id == scan_id).order_by(AgentRun.started_at, AgentRun.agent_name)
    )
    reused = [
        AgentExecution(
            agent_name=run.agent_name,
            room_id=run.room_id,
            model=run.model,
            status="succeeded" if run.status == "succeeded" else "failed",
            error=run.error,
            tokens_in=run.tokens_in,
            tokens_out=run.tokens_out,
            requests=run.requests,
            cost_usd=run.cost_usd,
            cache_hit=True,
            started_at=run.started_at,
            finished_at=run.finished_at,
            output=run.output_json,
        )
        for run in runs
        if run.room_id is not None and run.room_id not in chosen
    ]
    result = previous.model_copy(update={"rooms": rooms})
    return response.model_copy(
        update={
            "result": result,
            "client_summary": summary.summary_json.get("client_summary") or response.client_summary,
            "agent_executions": [*reused, *response.agent_executions],
        }
    )


async def reanalyse(
    *,
    db_session: AsyncSession,
    settings: Settings,
    queue: JobQueue,
    user_id: uuid.UUID,
    scan_id: uuid.UUID,
    room_ids: Sequence[uuid.UUID] | None,
) -> list[uuid.UUID]:
    """Queue a finished scan again for some of its rooms (default: those whose photos changed). The person's
    answers and findings are untouched (they live in their own tables); the spend is checked and recorded as
    for any run. Returns the rooms that will run again."""
    scan = await owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    context = await load_context(db_session=db_session, scan=scan)
    if scan.status not in (ScanStatus.succeeded, ScanStatus.failed) or context.summary is None:
        raise Conflict(f"only an analysed scan can be re-analysed; this one is {scan.status}")
    if room_ids:
        chosen = [room_of(context, room_id).id for room_id in dict.fromkeys(room_ids)]
    else:
        changed = rooms_with_new_photos(context)
        chosen = [room.id for room in context.rooms if room.id in changed]
        if not chosen:
            raise Conflict("no room has new photos since the last analysis; name the rooms to analyse again")
    empty = [room_of(context, room_id).ordinal for room_id in chosen if not context.images_by_room.get(room_id)]
    if empty:
        raise Conflict(f"rooms {empty} have no photos")
    await costs_service.ensure_within_monthly_budget(db_session=db_session, settings=settings, user_id=user_id)
    since = context.summary.derived_at.isoformat()
    scan.inputs_snapshot = {
        **scan.inputs_snapshot,
        REANALYSE_KEY: {"rooms": [str(room_id) for room_id in chosen], "since": since},
    }
    scans_service.mark_queued(scan)
    await db_session.commit()
    await queue.enqueue(scan.id)  # after the commit: a worker that takes the job finds the scan queued
    return chosen
