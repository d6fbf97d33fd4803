"""Scans: create, upload, queue, read, delete; and the state changes of a scan's run."""

from __future__ import annotations

import asyncio
import base64
import binascii
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Select, Table, bindparam, delete, func, insert, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.agents.contract import PIPELINE_VERSION, RoomInput, ScanRequest, ScanResponse
from housescan.checklists import service as checklists_service
from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.db.base import utcnow
from housescan.houses import service as houses_service
from housescan.houses.models import House, Room
from housescan.realtime import service as realtime_service
from housescan.realtime.service import StagedEvent
from housescan.scans.images import ImageRejected, NormalisedImage, normalise_image
from housescan.scans.models import AgentRun, HouseScanSummary, Image, Scan, ScanStatus
from housescan.scans.schemas import (
    AgentRunRead,
    DuplicateImage,
    HouseRead,
    ImageRead,
    RoomRead,
    ScanCreate,
    ScanDetail,
    ScanListItem,
    ScanPage,
    SummaryRead,
)
from housescan.scans.urls import signed_image_url
from housescan.storage.base import ObjectStore

RUNNABLE = (ScanStatus.queued, ScanStatus.running)
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
        detected_house_types=bindparam("house_types"),
        error=bindparam("error"),
    )
    .returning(_SCANS.c.house_id, _SCANS.c.user_id)
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


class ScanNotFound(Exception):
    pass


class ScanStateConflict(Exception):
    pass


class UploadRejected(Exception):
    def __init__(self, message: str, errors: list[dict[str, object]], *, too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors
        self.too_large = too_large


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    room_ordinal: int
    data: bytes


# ---------------------------------------------------------------------------------------------- create


async def create_scan(*, db_session: AsyncSession, user_id: uuid.UUID, body: ScanCreate, settings: Settings) -> Scan:
    labels = body.room_labels()
    if len(labels) > settings.max_rooms_per_scan:
        raise ScanStateConflict(f"a scan has at most {settings.max_rooms_per_scan} rooms")
    if body.house_id is not None:
        house = await houses_service.get_owned_house(db_session=db_session, user_id=user_id, house_id=body.house_id)
    else:
        house = houses_service.new_house(user_id=user_id, address=body.address)
        db_session.add(house)
        await db_session.flush()
    scan = Scan(
        id=uuid.uuid4(),
        house_id=house.id,
        user_id=user_id,
        status=ScanStatus.draft,
        inputs_snapshot={"address": house.address, "room_labels": labels},
        detected_house_types=[],
        attempts=0,
    )
    db_session.add(scan)
    await db_session.flush()  # no ORM relationships here, so parents are written before their children
    db_session.add_all(houses_service.new_rooms(scan_id=scan.id, labels=labels))
    await db_session.commit()
    return scan


async def get_owned_scan(*, db_session: AsyncSession, user_id: uuid.UUID, scan_id: uuid.UUID) -> Scan:
    """The scan if this user owns it; another user's scan is as absent as a missing one."""
    scan = await db_session.scalar(select(Scan).where(Scan.id == scan_id, Scan.user_id == user_id))
    if scan is None:
        raise ScanNotFound(scan_id)
    return scan


# ---------------------------------------------------------------------------------------------- upload


async def add_images(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    scan: Scan,
    files: Sequence[UploadedFile],
) -> tuple[list[Image], list[DuplicateImage]]:
    """Validate every file first; store all of them or none."""
    if scan.status not in (ScanStatus.draft, ScanStatus.failed):
        raise ScanStateConflict(f"photos cannot be added to a {scan.status} scan")
    if not files:
        raise UploadRejected("no files were sent in the `images` field", [])
    if len(files) > settings.max_images_per_request:
        raise UploadRejected(
            f"{len(files)} files sent; at most {settings.max_images_per_request} per request",
            [],
            too_large=True,
        )
    rooms = {room.ordinal: room for room in await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan.id)}
    existing = {
        sha: image_id
        for sha, image_id in await db_session.execute(select(Image.sha256, Image.id).where(Image.scan_id == scan.id))
    }
    if len(existing) + len(files) > settings.max_images_per_scan:
        raise UploadRejected(
            f"a scan holds at most {settings.max_images_per_scan} photos; it has {len(existing)}",
            [],
            too_large=True,
        )

    async def check(file: UploadedFile) -> NormalisedImage | str:
        if file.room_ordinal not in rooms:
            return f"room_ordinal {file.room_ordinal} is not a room of this scan (0 to {len(rooms) - 1})"
        try:
            return await asyncio.to_thread(
                normalise_image,
                file.data,
                max_bytes=settings.max_image_bytes,
                max_pixels=settings.max_image_pixels,
            )
        except ImageRejected as exc:
            return str(exc)

    # The checks take a while (some photos are decoded): no transaction stays open across them.
    await db_session.commit()
    checked = await asyncio.gather(*(check(file) for file in files))
    errors: list[dict[str, object]] = [
        {"file": file.filename, "index": index, "reason": outcome}
        for index, (file, outcome) in enumerate(zip(files, checked, strict=True))
        if isinstance(outcome, str)
    ]
    if errors:
        too_large = all("more than the limit" in str(error["reason"]) for error in errors)
        raise UploadRejected(
            f"{len(errors)} of {len(files)} files were rejected; nothing was stored",
            errors,
            too_large=too_large,
        )

    new_images: list[tuple[Image, NormalisedImage]] = []
    duplicates: list[DuplicateImage] = []
    seen_in_request: set[str] = set()
    for file, normalised in zip(files, checked, strict=True):
        assert isinstance(normalised, NormalisedImage)
        if normalised.sha256 in existing or normalised.sha256 in seen_in_request:
            duplicates.append(
                DuplicateImage(
                    file=file.filename,
                    room_ordinal=file.room_ordinal,
                    sha256=normalised.sha256,
                    existing_image_id=existing.get(normalised.sha256),
                )
            )
            continue
        seen_in_request.add(normalised.sha256)
        image_id = uuid.uuid4()
        image = Image(
            id=image_id,
            scan_id=scan.id,
            room_id=rooms[file.room_ordinal].id,
            object_key=f"scans/{scan.id}/{image_id}.{normalised.extension}",
            sha256=normalised.sha256,
            content_type=normalised.content_type,
            width=normalised.width,
            height=normalised.height,
            bytes=len(normalised.data),
            original_filename=file.filename[:255] or None,
        )
        new_images.append((image, normalised))

    status = await db_session.scalar(select(Scan.status).where(Scan.id == scan.id))
    if status not in (ScanStatus.draft, ScanStatus.failed):
        raise ScanStateConflict(f"photos cannot be added to a {status or 'deleted'} scan")
    keys = [image.object_key for image, _ in new_images]
    try:
        # Every put finishes (none is left running) before a failure is handled: then no file can
        # appear after the clean-up below.
        outcomes = await asyncio.gather(
            *(
                store.put(image.object_key, normalised.data, normalised.content_type)
                for image, normalised in new_images
            ),
            return_exceptions=True,
        )
        failure = next((outcome for outcome in outcomes if isinstance(outcome, BaseException)), None)
        if failure is not None:
            raise failure
        db_session.add_all(image for image, _ in new_images)
        await db_session.commit()
    except BaseException:
        await db_session.rollback()
        await store.delete(keys)
        raise
    return [image for image, _ in new_images], duplicates


async def count_images(*, db_session: AsyncSession, scan_id: uuid.UUID) -> int:
    return await db_session.scalar(select(func.count()).select_from(Image).where(Image.scan_id == scan_id)) or 0


# ---------------------------------------------------------------------------------------------- process


async def queue_for_processing(*, db_session: AsyncSession, scan: Scan) -> Scan:
    if scan.status not in (ScanStatus.draft, ScanStatus.failed):
        raise ScanStateConflict(f"the scan is already {scan.status}")
    if await count_images(db_session=db_session, scan_id=scan.id) == 0:
        raise ScanStateConflict("the scan has no photos yet; upload at least one before processing")
    rooms_without_photos = await db_session.scalars(
        select(Room.ordinal)
        .where(Room.scan_id == scan.id, ~select(Image.id).where(Image.room_id == Room.id).exists())
        .order_by(Room.ordinal)
    )
    missing = list(rooms_without_photos)
    if missing:
        raise ScanStateConflict(f"rooms {missing} have no photos yet; every room needs at least one")
    scan.status = ScanStatus.queued
    scan.error = None
    scan.attempts = 0
    scan.started_at = None
    scan.finished_at = None
    await db_session.commit()
    return scan


@dataclass(frozen=True)
class ClaimedScan:
    scan_id: uuid.UUID
    user_id: uuid.UUID
    house_id: uuid.UUID
    attempt: int


async def claim_for_run(*, db_session: AsyncSession, scan_id: uuid.UUID) -> ClaimedScan | None:
    """Mark a queued (or orphaned running) scan as running; None when it is not runnable any more."""
    result = await db_session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status.in_(RUNNABLE))
        .values(status=ScanStatus.running, started_at=utcnow(), attempts=Scan.attempts + 1)
        .returning(Scan.user_id, Scan.house_id, Scan.attempts)
    )
    row = result.one_or_none()
    await db_session.commit()
    if row is None:
        return None
    return ClaimedScan(scan_id=scan_id, user_id=row.user_id, house_id=row.house_id, attempt=row.attempts)


async def build_scan_request(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    scan_id: uuid.UUID,
    user_id: uuid.UUID,
    budget_usd: float | None = None,
    budget_tokens: int | None = None,
) -> ScanRequest:
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan_id)
    images = await db_session.scalars(
        select(Image).where(Image.scan_id == scan_id).order_by(Image.created_at, Image.id)
    )
    urls_by_room: dict[uuid.UUID, list[str]] = {}
    for image in images:
        urls_by_room.setdefault(image.room_id, []).append(store.internal_url(image.object_key))
    checklists = await checklists_service.merged_checklists(db_session=db_session, user_id=user_id)
    return ScanRequest(
        rooms=[
            RoomInput(room_id=str(room.id), label=room.label, image_urls=urls_by_room[room.id])
            for room in rooms
            if room.id in urls_by_room
        ],
        house_checklist=checklists.house,
        rooms_checklist=checklists.room,
        products_checklist=checklists.product,
        budget_usd=budget_usd,
        budget_tokens=budget_tokens,
    )


async def save_results(*, db_session: AsyncSession, scan_id: uuid.UUID, response: ScanResponse) -> StagedEvent | None:
    """Write a run's results, and the `scan:completed` event announcing them, in ONE transaction.
    Idempotent for the results: saving twice leaves the same result rows (each save that writes is
    announced by its own event).

    Returns the event for the caller to deliver after the commit, or None (and writes nothing) when the
    scan is no longer running: deleted meanwhile, or already saved by another worker. Written in Core
    statements, one per table, since this transaction is on every scan's path.
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
        return None
    house_id, user_id = finished
    await houses_service.record_detections(
        db_session=db_session,
        house_id=house_id,
        scan_id=scan_id,
        house_type=result.house_types[0] if result.house_types else None,
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
    completed = await realtime_service.stage_event(
        db_session=db_session,
        user_id=user_id,
        scan_id=scan_id,
        event="scan:completed",
        payload={"scanId": str(scan_id), "message": "Your report is ready", "result": result.model_dump(mode="json")},
    )
    await db_session.commit()
    return completed


async def requeue_after_error(*, db_session: AsyncSession, scan_id: uuid.UUID, reason: str) -> None:
    await db_session.execute(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status == ScanStatus.running)
        .values(status=ScanStatus.queued, error=f"retrying after: {reason}")
    )
    await db_session.commit()


async def mark_failed(*, db_session: AsyncSession, scan_id: uuid.UUID, reason: str) -> StagedEvent | None:
    """Fail a scan that is still queued or running, with its `scan:failed` event in the same transaction;
    returns the event to deliver after the commit, or None when the scan had already finished or gone."""
    user_id = await db_session.scalar(
        update(Scan)
        .where(Scan.id == scan_id, Scan.status.in_(RUNNABLE))
        .values(status=ScanStatus.failed, error=reason, finished_at=utcnow())
        .returning(Scan.user_id)
    )
    if user_id is None:
        await db_session.rollback()
        return None
    failed = await realtime_service.stage_event(
        db_session=db_session,
        user_id=user_id,
        scan_id=scan_id,
        event="scan:failed",
        payload={"scanId": str(scan_id), "error": reason},
    )
    await db_session.commit()
    return failed


async def unfinished_scan_ids(*, db_session: AsyncSession) -> list[uuid.UUID]:
    """Scans a worker should (re)run: `queued` and `running` ones. Offering a running scan to the queue is
    harmless (the job id is the scan id, so one whose job is alive is skipped) and recovers a scan whose
    process died."""
    rows = await db_session.scalars(select(Scan.id).where(Scan.status.in_(RUNNABLE)).order_by(Scan.created_at))
    return list(rows)


# ---------------------------------------------------------------------------------------------- read


def image_read(settings: Settings, image: Image) -> ImageRead:
    return ImageRead(
        id=image.id,
        room_id=image.room_id,
        sha256=image.sha256,
        content_type=image.content_type,
        width=image.width,
        height=image.height,
        bytes=image.bytes,
        url=signed_image_url(settings, image.id),
        created_at=image.created_at,
    )


async def get_summary(*, db_session: AsyncSession, user_id: uuid.UUID, scan_id: uuid.UUID) -> HouseScanSummary:
    await get_owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    summary = await db_session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == scan_id))
    if summary is None:
        raise ScanNotFound(scan_id)
    return summary


async def scan_detail(
    *, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID, scan_id: uuid.UUID
) -> ScanDetail:
    scan = await get_owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    house = await db_session.get_one(House, scan.house_id)
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan_id)
    images = await db_session.scalars(
        select(Image).where(Image.scan_id == scan_id).order_by(Image.created_at, Image.id)
    )
    images_by_room: dict[uuid.UUID, list[ImageRead]] = {}
    for image in images:
        images_by_room.setdefault(image.room_id, []).append(image_read(settings, image))
    summary = await db_session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == scan_id))
    runs = await db_session.scalars(
        select(AgentRun).where(AgentRun.scan_id == scan_id).order_by(AgentRun.started_at, AgentRun.agent_name)
    )
    return ScanDetail(
        id=scan.id,
        status=scan.status,
        error=scan.error,
        attempts=scan.attempts,
        created_at=scan.created_at,
        started_at=scan.started_at,
        finished_at=scan.finished_at,
        detected_house_types=scan.detected_house_types,
        house=HouseRead.model_validate(house),
        rooms=[
            RoomRead(
                id=room.id,
                ordinal=room.ordinal,
                label=room.label,
                detected_room_types=room.detected_room_types,
                images=images_by_room.get(room.id, []),
            )
            for room in rooms
        ],
        summary=SummaryRead.model_validate(summary) if summary else None,
        agent_runs=[AgentRunRead.model_validate(run) for run in runs],
    )


def _encode_cursor(scan: Scan) -> str:
    return base64.urlsafe_b64encode(f"{scan.created_at.isoformat()}|{scan.id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        created_at, scan_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(created_at), uuid.UUID(scan_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("invalid cursor") from exc


async def list_scans(*, db_session: AsyncSession, user_id: uuid.UUID, limit: int, cursor: str | None) -> ScanPage:
    """The user's scans, newest first, by keyset pagination on (created_at, id)."""
    rooms_count = select(func.count()).where(Room.scan_id == Scan.id).correlate(Scan).scalar_subquery()
    images_count = select(func.count()).where(Image.scan_id == Scan.id).correlate(Scan).scalar_subquery()
    query: Select[Scan, House, int, int] = (
        select(Scan, House, rooms_count, images_count)
        .join(House, House.id == Scan.house_id)
        .where(Scan.user_id == user_id)
        .order_by(Scan.created_at.desc(), Scan.id.desc())
        .limit(limit + 1)
    )
    if cursor:
        created_at, scan_id = _decode_cursor(cursor)
        query = query.where(tuple_(Scan.created_at, Scan.id) < tuple_(created_at, scan_id))
    rows = (await db_session.execute(query)).all()
    page = rows[:limit]
    return ScanPage(
        items=[
            ScanListItem(
                id=scan.id,
                status=scan.status,
                error=scan.error,
                house_id=house.id,
                address=house.address,
                house_type=house.house_type,
                rooms_count=n_rooms,
                images_count=n_images,
                created_at=scan.created_at,
                finished_at=scan.finished_at,
            )
            for scan, house, n_rooms, n_images in page
        ],
        next_cursor=_encode_cursor(page[-1][0]) if len(rows) > limit else None,
    )


# ---------------------------------------------------------------------------------------------- delete


async def delete_scan(*, db_session: AsyncSession, store: ObjectStore, user_id: uuid.UUID, scan_id: uuid.UUID) -> None:
    scan = await get_owned_scan(db_session=db_session, user_id=user_id, scan_id=scan_id)
    keys = list(await db_session.scalars(select(Image.object_key).where(Image.scan_id == scan_id)))
    await db_session.delete(scan)
    await db_session.commit()
    # Files go after the rows: a crash in between leaves orphan files, never rows pointing at nothing.
    await store.delete(keys)


async def get_image_for_download(*, db_session: AsyncSession, image_id: uuid.UUID) -> Image | None:
    return await db_session.get(Image, image_id)
