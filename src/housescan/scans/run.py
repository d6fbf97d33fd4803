"""The run side of a scan, as the worker moves it through its states (docs/ARCHITECTURE.md §2): claim, the agents'
request, the one result transaction, a retry or a failure; and what the sweep offers to the queue again.
Each state change is one statement guarded by the state it expects, so two workers that hold the same
scan cannot both move it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, case, delete, func, insert, null, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import PIPELINE_VERSION, RoomInput, ScanRequest, ScanResponse
from housescan.checklists import service as checklists_service
from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.db.base import utcnow
from housescan.db.engine import SessionMaker
from housescan.houses import service as houses_service
from housescan.notifications import service as notifications_service
from housescan.realtime import service as realtime_service
from housescan.realtime.service import EventPublisher
from housescan.review import answers as review_answers
from housescan.scans import service as scans_service
from housescan.scans.events import ScanCompleted, ScanFailed, ScanProgress
from housescan.scans.models import AgentRun, HouseScanSummary, Scan, ScanStatus
from housescan.storage.base import ObjectStore

RUNNABLE = (ScanStatus.queued, ScanStatus.running)
# Why an attempt ended without an outcome of its own, in the words the scan's `error` shows them to the person
# and the operator. A scan claimed while still `running` was left so by a process that stopped mid-analysis
# (killed, crashed, power lost): that attempt counts, so a scan that brings the process down cannot loop.
SERVER_STOPPED = "the server stopped before the analysis finished"
RETRYING_AFTER_SERVER_STOPPED = f"retrying after: {SERVER_STOPPED}"
# An orderly shutdown (SIGTERM, Ctrl-C) hands the scan back to the queue instead: that attempt does not count.
SHUT_DOWN_DURING_ANALYSIS = (
    "paused: a shutdown (of the server or of its worker) stopped the analysis, which starts again when a worker "
    "runs again (not counted as a failed attempt)"
)
PAUSED_STAGE = "Paused: the service is restarting. The analysis starts again when it is back"
_SCANS = cast("Table", Scan.__table__)
_AGENT_RUNS = cast("Table", AgentRun.__table__)
_SUMMARIES = cast("Table", HouseScanSummary.__table__)

# save_results' statements, built once: it runs on every scan's path, and building and keying a statement
# costs more CPU than sending it.
_FINISH_RUNNING_SCAN = (
    update(_SCANS)
    .where(_SCANS.c.id == bindparam("scan_id"), _SCANS.c.status == ScanStatus.running)
    .values(
        status=ScanStatus.succeeded,
        finished_at=bindparam("finished_at"),
        first_analysed_at=func.coalesce(_SCANS.c.first_analysed_at, bindparam("finished_at")),
        detected_house_types=bindparam("house_types"),
        error=bindparam("error"),
        reanalyse_room_ids=null(),
    )
    .returning(_SCANS.c.house_id, _SCANS.c.user_id, _SCANS.c.inputs_snapshot)
)
_DELETE_AGENT_RUNS = delete(_AGENT_RUNS).where(_AGENT_RUNS.c.scan_id == bindparam("scan_id"))
_INSERT_AGENT_RUNS = insert(_AGENT_RUNS)
_SUMMARY_FIELDS = ("summary_json", "pros_cons_json", "cost_summary", "schema_version", "derived_at")
_UPSERT_SUMMARY = {
    dialect: upsert(_SUMMARIES).on_conflict_do_update(
        index_elements=[_SUMMARIES.c.scan_id],
        set_={name: upsert(_SUMMARIES).excluded[name] for name in _SUMMARY_FIELDS},
    )
    for dialect, upsert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}


@dataclass(frozen=True)
class ClaimedScan:
    scan_id: uuid.UUID
    user_id: uuid.UUID
    house_id: uuid.UUID
    attempt: int
    # A re-analysis: the rooms it runs again (the others keep their saved results); None: a full run.
    reanalyse_room_ids: frozenset[str] | None = None
    # The scan was still `running`: the process of its previous attempt stopped before that attempt ended.
    recovered: bool = False


async def claim_for_run(*, db_session: AsyncSession, scan_id: uuid.UUID) -> ClaimedScan | None:
    """Mark a queued (or orphaned running) scan as running; None when it is not runnable any more. An orphan's
    previous attempt counts, and its reason (`SERVER_STOPPED`) is recorded in the same statement."""
    result = await db_session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status.in_(RUNNABLE))
        .values(
            status=ScanStatus.running,
            started_at=utcnow(),
            attempts=Scan.attempts + 1,
            # SET reads the row as it was: a scan found `running` was orphaned.
            error=case((Scan.status == ScanStatus.running, RETRYING_AFTER_SERVER_STOPPED), else_=Scan.error),
        )
        .returning(Scan.user_id, Scan.house_id, Scan.attempts, Scan.reanalyse_room_ids, Scan.error)
    )
    row = result.one_or_none()
    await db_session.commit()
    if row is None:
        return None
    return ClaimedScan(
        scan_id=scan_id,
        user_id=row.user_id,
        house_id=row.house_id,
        attempt=row.attempts,
        reanalyse_room_ids=frozenset(row.reanalyse_room_ids) if row.reanalyse_room_ids else None,
        # Only the claim of an orphan writes this text (a retry or a hand-back writes its own reason).
        recovered=row.error == RETRYING_AFTER_SERVER_STOPPED,
    )


async def build_scan_request(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    scan_id: uuid.UUID,
    user_id: uuid.UUID,
    budget_usd: float | None = None,
    budget_tokens: int | None = None,
) -> ScanRequest:
    rooms = await scans_service.rooms_with_images(db_session=db_session, scan_id=scan_id)
    checklists = await checklists_service.merged_checklists(db_session=db_session, user_id=user_id)
    return ScanRequest(
        rooms=[
            RoomInput(
                room_id=str(room.id),
                label=room.label,
                image_urls=[store.internal_url(image.object_key) for image in images],
            )
            for room, images in rooms
            if images
        ],
        house_checklist=checklists.house,
        rooms_checklist=checklists.room,
        products_checklist=checklists.product,
        budget_usd=budget_usd,
        budget_tokens=budget_tokens,
    )


async def save_results(
    *,
    db_session: AsyncSession,
    settings: Settings,
    events: EventPublisher,
    sessionmaker: SessionMaker,
    scan_id: uuid.UUID,
    response: ScanResponse,
) -> bool:
    """Write a run's results, the `scan:completed` event and the owner's notifications in ONE transaction;
    its commit then delivers the event and sends the notifications (db/unit_of_work.py). Idempotent for
    the results: saving twice leaves the same result rows (each save that writes is announced by its own
    event).

    Returns False (and writes nothing) when the scan is no longer running: deleted meanwhile, or already
    saved by another worker. Written in Core statements, one per table, since this transaction is on
    every scan's path.
    """
    result = response.result
    now = utcnow()
    failed_rooms = [room for room in result.rooms if room.status == "failed"]
    error = (
        f"{len(failed_rooms)} of {len(result.rooms)} rooms could not be analysed: "
        + "; ".join(f"{room.room_id}: {room.error}" for room in failed_rooms)
        if failed_rooms
        else None
    )
    connection = await db_session.connection()
    finished = (
        await connection.execute(
            _FINISH_RUNNING_SCAN,
            {"scan_id": scan_id, "finished_at": now, "house_types": result.house_types, "error": error},
        )
    ).first()
    if finished is None:
        await db_session.rollback()
        return False
    house_id, user_id, inputs = finished
    person_house_type = await review_answers.person_house_type(
        db_session=db_session, scan_id=scan_id, inputs_snapshot=inputs or {}
    )
    await houses_service.record_detections(
        db_session=db_session,
        house_id=house_id,
        scan_id=scan_id,
        house_type=houses_service.house_type_to_show(
            person=person_house_type,
            model=result.house_types[0] if result.house_types else None,
            model_confidence=result.house_type_confidence,
        ),
        room_types={room.room_id: room.room_types for room in result.rooms},
    )
    await connection.execute(_DELETE_AGENT_RUNS, {"scan_id": scan_id})
    if response.agent_executions:
        await connection.execute(
            _INSERT_AGENT_RUNS,
            [
                {
                    "id": uuid.uuid4(),
                    "created_at": now,
                    "scan_id": scan_id,
                    "agent_name": execution.agent_name,
                    "room_id": execution.room_id,
                    "model": execution.model,
                    "status": execution.status,
                    "error": execution.error,
                    "input_json": None,
                    "output_json": execution.output,
                    "tokens_in": execution.tokens_in,
                    "tokens_out": execution.tokens_out,
                    "requests": execution.requests,
                    "cost_usd": execution.cost_usd,
                    "cache_hit": execution.cache_hit,
                    "started_at": execution.started_at,
                    "finished_at": execution.finished_at,
                }
                for execution in response.agent_executions
            ],
        )
    await connection.execute(
        _UPSERT_SUMMARY[connection.dialect.name],
        {
            "id": uuid.uuid4(),
            "scan_id": scan_id,
            "summary_json": response.model_dump(mode="json", exclude={"agent_executions"}),
            "pros_cons_json": result.pros_cons.model_dump(mode="json"),
            "cost_summary": response.cost_info.model_dump(mode="json"),
            "schema_version": response.metadata.pipeline_version or PIPELINE_VERSION,
            "derived_at": now,
        },
    )
    await costs_service.record_spend(
        db_session=db_session, user_id=user_id, scan_id=scan_id, executions=response.agent_executions
    )
    completed = ScanCompleted(scan_id=scan_id, message="Your report is ready", result=result.model_dump(mode="json"))
    await _stage_outcome(db_session, completed, user_id, settings, events, sessionmaker)
    await db_session.commit()
    return True


async def requeue_after_error(*, db_session: AsyncSession, scan_id: uuid.UUID, error: str) -> None:
    """Queue a running scan again after a failed attempt; `error` says so to the person."""
    await db_session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ScanStatus.running)
        .values(status=ScanStatus.queued, error=error)
    )
    await db_session.commit()


async def hand_back_after_stop(
    *, db_session: AsyncSession, events: EventPublisher, scan_id: uuid.UUID, attempt: int, progress: int
) -> bool:
    """Put a scan whose attempt an orderly shutdown interrupted back to `queued`, that attempt not counted,
    with the reason (`SHUT_DOWN_DURING_ANALYSIS`) and a `scan:progress` saying so to the person, in one
    transaction; the next start (or another worker) runs it. False when that attempt is not the scan's
    running one any more (it finished, failed, was retried or deleted meanwhile): nothing is written."""
    user_id = await db_session.scalar(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ScanStatus.running, Scan.attempts == attempt)
        .values(status=ScanStatus.queued, attempts=Scan.attempts - 1, error=SHUT_DOWN_DURING_ANALYSIS)
        .returning(Scan.user_id)
    )
    if user_id is None:
        await db_session.rollback()
        return False
    paused = ScanProgress(scan_id=scan_id, progress=progress, stage=PAUSED_STAGE, paused=True)
    await realtime_service.stage_event(db_session=db_session, events=events, user_id=user_id, event=paused)
    await db_session.commit()
    return True


async def mark_failed(
    *,
    db_session: AsyncSession,
    settings: Settings,
    events: EventPublisher,
    sessionmaker: SessionMaker,
    scan_id: uuid.UUID,
    reason: str,
    attempts: int | None = None,
) -> bool:
    """Fail a scan that is still queued or running, with its `scan:failed` event and the owner's
    notifications in the same transaction, whose commit delivers and sends them; False when the scan had
    already finished or gone. `attempts`, when given, is the number of attempts made to record (a claim that
    only finds them used up counted one that never ran)."""
    values = {"status": ScanStatus.failed, "error": reason, "finished_at": utcnow(), "reanalyse_room_ids": null()}
    if attempts is not None:
        values["attempts"] = attempts
    user_id = await db_session.scalar(
        update(Scan).where(Scan.id == scan_id, Scan.status.in_(RUNNABLE)).values(values).returning(Scan.user_id)
    )
    if user_id is None:
        await db_session.rollback()
        return False
    failed = ScanFailed(scan_id=scan_id, error=reason)
    await _stage_outcome(db_session, failed, user_id, settings, events, sessionmaker)
    await db_session.commit()
    return True


async def _stage_outcome(
    db_session: AsyncSession,
    event: ScanCompleted | ScanFailed,
    user_id: uuid.UUID,
    settings: Settings,
    events: EventPublisher,
    sessionmaker: SessionMaker,
) -> None:
    """A scan's outcome event and its owner's notifications, in the transaction that finishes the scan:
    its commit delivers the one and sends the others."""
    await realtime_service.stage_event(db_session=db_session, events=events, user_id=user_id, event=event)
    await notifications_service.stage_outcome(
        db_session=db_session,
        sessionmaker=sessionmaker,
        settings=settings,
        scan_id=event.scan_id,
        user_id=user_id,
        outcome="succeeded" if isinstance(event, ScanCompleted) else "failed",
    )


async def scan_exists(*, db_session: AsyncSession, scan_id: uuid.UUID) -> bool:
    return await db_session.scalar(select(Scan.id).where(Scan.id == scan_id)) is not None


async def awaiting_retry(*, db_session: AsyncSession, attempts: dict[uuid.UUID, int]) -> set[uuid.UUID]:
    """Of these scans, by the attempt that failed, those still waiting for their next attempt: runnable, and
    not claimed again since (by any worker)."""
    if not attempts:
        return set()
    rows = await db_session.execute(
        select(Scan.id, Scan.attempts).where(Scan.id.in_(attempts), Scan.status.in_(RUNNABLE))
    )
    return {scan_id for scan_id, attempt in rows if attempt == attempts[scan_id]}


async def unfinished_scan_ids(*, db_session: AsyncSession) -> list[uuid.UUID]:
    """Scans a worker should (re)run: `queued` and `running` ones. Offering a running scan to the queue is
    harmless (the job id is the scan id, so one whose job is alive is skipped) and recovers a scan whose
    process died."""
    rows = await db_session.scalars(select(Scan.id).where(Scan.status.in_(RUNNABLE)).order_by(Scan.created_at))
    return list(rows)
