"""A re-analysis as the scan's run sees it: the request narrowed to the rooms that run again, and the response
completed with the saved results of the others before it is saved. (Asking for one is review/reanalysis.py.)"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import AgentExecution, ScanRequest, ScanResponse, ScanResult
from housescan.houses import service as houses_service
from housescan.scans.models import AgentRun, HouseScanSummary


def reanalysis_request(request: ScanRequest, *, room_ids: frozenset[str] | None) -> ScanRequest:
    """The scan run's request narrowed to the rooms a re-analysis runs again (`ClaimedScan.reanalyse_room_ids`;
    unchanged for a full run)."""
    if not room_ids:
        return request
    rooms = [room for room in request.rooms if room.room_id in room_ids]
    return request.model_copy(update={"rooms": rooms}) if rooms else request


async def merge_reanalysis(
    *, db_session: AsyncSession, scan_id: uuid.UUID, room_ids: frozenset[str] | None, response: ScanResponse
) -> ScanResponse:
    """A re-analysis' response completed with what it did not run again, before the run saves it: the other
    rooms' saved results and agent runs (as reused answers: paid, and recorded, by the run that made them),
    and the house-level results of the full analysis (a house type judged from a few rooms would be worse).
    This run's own executions are all kept, so its spend is recorded as usual. The person's answers are in
    their own tables and are not touched at all."""
    if not room_ids:
        return response
    summary = await db_session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == scan_id))
    if summary is None:
        return response
    chosen = room_ids
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
