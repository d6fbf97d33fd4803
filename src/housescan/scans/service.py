"""Scans as their owner handles them: create, upload photos, queue for processing, read, delete. The run
itself (claim, save, fail) is in `run.py`, driven by `job.py`."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from sqlalchemy import ColumnElement, String, and_, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from housescan.config import Settings
from housescan.costs import service as costs_service
from housescan.db.unit_of_work import after_commit
from housescan.errors import Conflict, NotFound, TooLarge, Unprocessable
from housescan.houses import service as houses_service
from housescan.houses.models import House, Room
from housescan.jobs.base import JobQueue
from housescan.pagination import keyset_page
from housescan.realtime.service import EventPublisher
from housescan.scans import quality
from housescan.scans.events import ScanUploaded
from housescan.scans.images import (
    ImageRejected,
    NormalisedImage,
    check_request_pixels,
    is_limit_reason,
    normalise_within_budget,
    too_large_reason,
)
from housescan.scans.models import AgentRun, HouseScanSummary, Image, Scan, ScanStatus
from housescan.scans.schemas import (
    AgentRunRead,
    DuplicateImage,
    HouseRead,
    ImageRead,
    RoomBrief,
    RoomRead,
    ScanCreate,
    ScanCreated,
    ScanDetail,
    ScanListItem,
    ScanPage,
    SummaryRead,
    UploadResult,
)
from housescan.scans.urls import ImageVariant, cache_seconds, signature_is_valid, signed_image_url
from housescan.storage import renditions
from housescan.storage.base import ObjectStore

ACCEPTS_PHOTOS = (ScanStatus.draft, ScanStatus.failed)
# A finished scan takes more photos too: the rooms they change are re-analysed (review: POST .../reanalyse).
ADDS_PHOTOS = (*ACCEPTS_PHOTOS, ScanStatus.succeeded)

logger = logging.getLogger(__name__)


class ScanNotFound(NotFound):
    message = "scan not found"


class SummaryNotReady(NotFound):
    message = "no summary for this scan (yet)"


class ScanStateConflict(Conflict):
    """The scan's state does not allow this (e.g. photos added to a running scan, a scan queued twice)."""


class TooManyRooms(Unprocessable):
    """More rooms than a scan may hold (`rooms_count`, or a room added to a full scan)."""


class UploadRejected(Unprocessable):
    """Photos refused; nothing was stored. `detail` lists every bad file and why."""

    statuses = (Unprocessable.status_code, TooLarge.status_code)

    def __init__(self, message: str, errors: list[dict[str, object]], *, too_large: bool = False) -> None:
        super().__init__({"message": message, "errors": errors})
        self.errors = errors
        if too_large:
            self.status_code = TooLarge.status_code


class RoomPhotos(NamedTuple):
    room: Room
    images: list[Image]


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    room_ordinal: int
    data: bytes  # kept up to one byte past the size limit (`photo_form`)
    size: int | None = None  # as sent (None: len(data)): what a refusal for size tells

    @property
    def sent_bytes(self) -> int:
        return len(self.data) if self.size is None else self.size


# ---------------------------------------------------------------------------------------------- create


async def create_scan(
    *, db_session: AsyncSession, user_id: uuid.UUID, body: ScanCreate, settings: Settings
) -> ScanCreated:
    """A draft scan with its rooms, of a new house (`address`) or one of the user's houses (`house_id`)."""
    labels = body.room_labels()
    if len(labels) > settings.max_rooms_per_scan:
        raise TooManyRooms(f"a scan has at most {settings.max_rooms_per_scan} rooms; {len(labels)} were given")
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
        inputs_snapshot={"address": house.address, "room_labels": labels, "house_type": body.house_type},
        detected_house_types=[],
        attempts=0,
    )
    db_session.add(scan)
    await db_session.flush()  # no ORM relationships here, so parents are written before their children
    rooms = houses_service.new_rooms(scan_id=scan.id, labels=labels)
    db_session.add_all(rooms)
    await db_session.commit()
    return ScanCreated(
        id=scan.id, status=scan.status, house_id=house.id, rooms=[RoomBrief.model_validate(room) for room in rooms]
    )


async def get_owned_scan(*, db_session: AsyncSession, user_id: uuid.UUID, scan_id: uuid.UUID) -> Scan:
    """The scan if this user owns it; another user's scan is as absent as a missing one."""
    scan = await db_session.scalar(select(Scan).where(Scan.id == scan_id, Scan.user_id == user_id))
    if scan is None:
        raise ScanNotFound()
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
    if scan.status not in ADDS_PHOTOS:
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

    async def check(file: UploadedFile, pixels: int) -> NormalisedImage | str:
        if file.room_ordinal not in rooms:
            return f"room_ordinal {file.room_ordinal} is not a room of this scan (0 to {len(rooms) - 1})"
        if file.sent_bytes > settings.max_image_bytes:
            return too_large_reason(file.sent_bytes, settings.max_image_bytes)
        try:
            return await normalise_within_budget(
                file.data,
                max_bytes=settings.max_image_bytes,
                max_pixels=settings.max_image_pixels,
                pixels=pixels,
                pixels_in_flight=settings.max_pixels_in_flight,
            )
        except ImageRejected as exc:
            return str(exc)

    # The checks take a while (some photos are decoded): no transaction stays open across them.
    await db_session.commit()
    try:  # the pixels of the whole request, from the headers, before any photo is decoded (scans/images.py)
        raws = [file.data for file in files]
        pixels = await check_request_pixels(raws, max_request_pixels=settings.max_request_pixels)
    except ImageRejected as exc:
        raise UploadRejected(str(exc), [], too_large=True) from None
    checked = await asyncio.gather(*(check(file, count) for file, count in zip(files, pixels, strict=True)))
    errors: list[dict[str, object]] = [
        {"file": file.filename, "index": index, "reason": outcome}
        for index, (file, outcome) in enumerate(zip(files, checked, strict=True))
        if isinstance(outcome, str)
    ]
    if errors:
        too_large = all(is_limit_reason(str(error["reason"])) for error in errors)
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
    if status not in ADDS_PHOTOS:
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
        try:
            await store.delete(keys)
        except Exception:  # the store failing again must not hide why the upload failed
            logger.exception("the files of a failed upload could not be deleted: %s", keys)
        raise
    # Renditions only of committed photos, made in the background (or at their first read): the upload
    # does not wait for them (storage/renditions.py). Deleting a photo deletes them.
    renditions.schedule(store, keys, quality_inspection(db_session))
    return [image for image, _ in new_images], duplicates


def quality_inspection(db_session: AsyncSession) -> renditions.Inspection:
    """The photo quality measures, read from the copy the renditions pass decodes anyway (measuring in the
    upload request cost it +284 %, bench/README-models.md) and kept on the photo's row by a session of
    its own (the request's is gone by then)."""
    sessionmaker = async_sessionmaker(db_session.bind, expire_on_commit=False)

    async def keep(object_key: str, measures: quality.Measures) -> None:
        async with sessionmaker() as session:
            await keep_measures(db_session=session, object_key=object_key, measures=measures)

    return renditions.Inspection(read=quality.measure_image, keep=keep)


async def keep_measures(*, db_session: AsyncSession, object_key: str, measures: quality.Measures) -> None:
    """Keep a photo's quality measures on its row, and commit."""
    await db_session.execute(
        update(Image).where(Image.object_key == object_key).values(quality=dataclasses.asdict(measures))
    )
    await db_session.commit()


async def measure_unmeasured_photos(*, db_session: AsyncSession, store: ObjectStore, scan_id: uuid.UUID) -> int:
    """Measure the scan's photos that the background renditions pass never measured (stored before the
    measures existed, or its process stopped first: that pass is best effort), one at a time and off the
    event loop; how many were measured. A photo that cannot be read or decoded is logged and left
    unmeasured: it has no flags, and the scan goes on."""
    keys = list(
        await db_session.scalars(
            select(Image.object_key).where(Image.scan_id == scan_id, _unmeasured()).order_by(Image.created_at, Image.id)
        )
    )
    await db_session.commit()  # no transaction stays open while photos are read and decoded
    measured = 0
    for object_key in keys:
        try:  # the photo's bytes are held by this call only: one photo in memory at a time
            measures = await asyncio.to_thread(quality.measure_photo, await store.get(object_key))
        except Exception:
            logger.warning("photo %s left unmeasured: it cannot be read or decoded", object_key, exc_info=True)
            continue
        await keep_measures(db_session=db_session, object_key=object_key, measures=measures)
        measured += 1
    return measured


def _unmeasured() -> ColumnElement[bool]:
    """A photo with no measures: SQL NULL, or the JSON null an ORM write of None leaves."""
    return or_(Image.quality.is_(None), cast(Image.quality, String) == "null")


async def scans_with_unmeasured_photos(*, db_session: AsyncSession) -> list[uuid.UUID]:
    """The ids of the scans that have a photo with no quality measures (ids only: no photo is loaded)."""
    rows = await db_session.scalars(select(Image.scan_id).where(_unmeasured()).distinct().order_by(Image.scan_id))
    return list(rows)


async def count_unmeasured_photos(*, db_session: AsyncSession, scan_id: uuid.UUID) -> int:
    return (
        await db_session.scalar(select(func.count()).select_from(Image).where(Image.scan_id == scan_id, _unmeasured()))
        or 0
    )


async def count_images(*, db_session: AsyncSession, scan_id: uuid.UUID) -> int:
    return await db_session.scalar(select(func.count()).select_from(Image).where(Image.scan_id == scan_id)) or 0


async def upload_photos(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    events: EventPublisher,
    settings: Settings,
    scan: Scan,
    files: Sequence[UploadedFile],
) -> UploadResult:
    """Store a request's photos (all or none), then tell the owner's tabs (`scan:uploaded`)."""
    stored, duplicates = await add_images(db_session=db_session, store=store, settings=settings, scan=scan, files=files)
    images_count = await count_images(db_session=db_session, scan_id=scan.id)
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan.id)
    await db_session.commit()  # the event is written by a session of its own
    await events.publish(
        user_id=scan.user_id,
        event=ScanUploaded(
            scan_id=scan.id,
            rooms_count=len(rooms),
            images_count=images_count,
            message=f"{len(stored)} photos stored, {len(duplicates)} duplicates skipped",
        ),
    )
    return UploadResult(images=[image_read(settings, image) for image in stored], duplicates=duplicates)


# ---------------------------------------------------------------------------------------------- process


def queue_scan(
    *, db_session: AsyncSession, queue: JobQueue, scan: Scan, reanalyse_room_ids: Sequence[uuid.UUID] | None = None
) -> None:
    """Mark the scan queued for a run, in full or of `reanalyse_room_ids` (no error, no attempt, no start or
    finish of an earlier run), and queue it once this transaction commits (db/unit_of_work.py): a worker that
    takes the job finds the scan queued, and a rollback queues nothing. An enqueue that fails leaves the scan
    queued in the database, where the workers' sweep finds it."""
    scan.status = ScanStatus.queued
    scan.reanalyse_room_ids = [str(room_id) for room_id in reanalyse_room_ids] if reanalyse_room_ids else None
    scan.error = None
    scan.attempts = 0
    scan.started_at = None
    scan.finished_at = None
    after_commit(db_session, partial(queue.enqueue, scan.id))


async def queue_for_processing(*, db_session: AsyncSession, queue: JobQueue, scan: Scan) -> Scan:
    if scan.status not in ACCEPTS_PHOTOS:
        raise ScanStateConflict(f"the scan is already {scan.status}")
    if await count_images(db_session=db_session, scan_id=scan.id) == 0:
        raise ScanStateConflict("the scan has no photos yet; upload at least one before processing")
    # A room without photos is not analysed: the report lists it as not photographed.
    queue_scan(db_session=db_session, queue=queue, scan=scan)
    await db_session.commit()
    return scan


async def start_processing(*, db_session: AsyncSession, settings: Settings, queue: JobQueue, scan: Scan) -> Scan:
    """Queue the owner's scan for analysis, if its photos are complete and the monthly budget allows it."""
    if scan.status in ACCEPTS_PHOTOS:
        await costs_service.ensure_within_monthly_budget(db_session=db_session, settings=settings, user_id=scan.user_id)
    return await queue_for_processing(db_session=db_session, queue=queue, scan=scan)


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
        thumbnail_url=signed_image_url(settings, image.id, variant="thumbnail"),
        medium_url=signed_image_url(settings, image.id, variant="medium"),
        created_at=image.created_at,
    )


async def rooms_with_images(*, db_session: AsyncSession, scan_id: uuid.UUID) -> list[RoomPhotos]:
    """The scan's rooms in order, each with its photos in upload order."""
    rooms = await houses_service.rooms_of_scan(db_session=db_session, scan_id=scan_id)
    images = await db_session.scalars(
        select(Image).where(Image.scan_id == scan_id).order_by(Image.created_at, Image.id)
    )
    by_room: dict[uuid.UUID, list[Image]] = {room.id: [] for room in rooms}
    for image in images:
        by_room[image.room_id].append(image)
    return [RoomPhotos(room, by_room[room.id]) for room in rooms]


async def find_summary(*, db_session: AsyncSession, scan_id: uuid.UUID) -> HouseScanSummary | None:
    return await db_session.scalar(select(HouseScanSummary).where(HouseScanSummary.scan_id == scan_id))


async def get_summary(*, db_session: AsyncSession, scan: Scan) -> HouseScanSummary:
    summary = await find_summary(db_session=db_session, scan_id=scan.id)
    if summary is None:
        raise SummaryNotReady()
    return summary


async def scan_detail(*, db_session: AsyncSession, settings: Settings, scan: Scan) -> ScanDetail:
    scan_id = scan.id
    house = await db_session.get_one(House, scan.house_id)
    rooms = await rooms_with_images(db_session=db_session, scan_id=scan_id)
    summary = await find_summary(db_session=db_session, scan_id=scan_id)
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
                images=[image_read(settings, image) for image in images],
            )
            for room, images in rooms
        ],
        summary=SummaryRead.model_validate(summary) if summary else None,
        agent_runs=[AgentRunRead.model_validate(run) for run in runs],
    )


async def list_scans(
    *,
    db_session: AsyncSession,
    settings: Settings,
    user_id: uuid.UUID,
    limit: int,
    cursor: str | None,
    house_id: uuid.UUID | None = None,
) -> ScanPage:
    """The user's scans, newest first; only those of `house_id` when given (another user's house: none)."""
    rooms_count = select(func.count()).where(Room.scan_id == Scan.id).correlate(Scan).scalar_subquery()
    images_count = select(func.count()).where(Image.scan_id == Scan.id).correlate(Scan).scalar_subquery()
    cover = (
        select(Image.id)
        .where(Image.scan_id == Scan.id)
        .order_by(Image.created_at, Image.id)
        .limit(1)
        .correlate(Scan)
        .scalar_subquery()
    )
    # The scan's place among its home's scans (1: the first), in the order the list gives them.
    other = aliased(Scan)
    of_house = other.house_id == Scan.house_id
    scan_number = (
        select(func.count())
        .where(
            of_house,
            or_(other.created_at < Scan.created_at, and_(other.created_at == Scan.created_at, other.id <= Scan.id)),
        )
        .correlate(Scan)
        .scalar_subquery()
    )
    house_scans = select(func.count()).where(of_house).correlate(Scan).scalar_subquery()
    query = (
        select(Scan, House, rooms_count, images_count, cover, scan_number, house_scans)
        .join(House, House.id == Scan.house_id)
        .where(Scan.user_id == user_id)
    )
    if house_id is not None:
        query = query.where(Scan.house_id == house_id)
    rows, next_cursor = await keyset_page(
        db_session,
        query,
        created_at=Scan.created_at,
        row_id=Scan.id,
        key=lambda row: (row[0].created_at, row[0].id),
        limit=limit,
        cursor=cursor,
    )
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
                cover_thumbnail_url=signed_image_url(settings, cover_id, variant="thumbnail") if cover_id else None,
                house_scan_number=number,
                house_scans_count=of_home,
            )
            for scan, house, n_rooms, n_images, cover_id, number, of_home in rows
        ],
        next_cursor=next_cursor,
    )


# ---------------------------------------------------------------------------------------------- delete


async def delete_scan(*, db_session: AsyncSession, store: ObjectStore, scan: Scan) -> None:
    """The scan, its rows and photos, and its house when no other scan is of it. A scan that is being analysed
    stops at the worker's next check (`job.py`); its spend stays in the ledger."""
    keys = list(await db_session.scalars(select(Image.object_key).where(Image.scan_id == scan.id)))
    await db_session.delete(scan)
    await db_session.flush()
    await db_session.execute(
        delete(House).where(House.id == scan.house_id, ~select(Scan.id).where(Scan.house_id == House.id).exists())
    )
    await db_session.commit()
    # Files go after the rows: a crash in between leaves orphan files, never rows pointing at nothing.
    await store.delete(keys)


class ImageLinkInvalid(NotFound):
    message = "image not found or link expired"


@dataclass(frozen=True)
class ImageContent:
    content_type: str
    etag: str  # a photo's bytes never change: one tag per photo and variant
    cache_seconds: int  # until its URL expires
    data: bytes | None  # None: the client already has it (If-None-Match matched)


async def signed_image_content(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    image_id: uuid.UUID,
    variant: ImageVariant,
    expires: int,
    signature: str,
    if_none_match: str | None = None,
) -> ImageContent:
    """A photo (`content`) or one of its renditions, by the signed URL its owner was given (see `urls`). A
    rendition that does not exist yet (a photo stored before renditions) is made now, once."""
    valid = signature_is_valid(settings, image_id, expires, signature)
    image = await db_session.get(Image, image_id) if valid else None
    if image is None:
        raise ImageLinkInvalid()
    await db_session.commit()  # no connection is held while the store answers (or a rendition is made)
    etag = f'"{image.id}-{variant}"'
    seconds = cache_seconds(expires)
    content_type = image.content_type if variant == "content" else renditions.CONTENT_TYPE
    if if_none_match is not None and etag in (tag.strip() for tag in if_none_match.split(",")):
        return ImageContent(content_type=content_type, etag=etag, cache_seconds=seconds, data=None)
    if variant == "content":
        return ImageContent(image.content_type, etag, seconds, await store.get(image.object_key))
    rendition = await renditions.read(store, image.object_key, variant, original_type=image.content_type)
    if not rendition.made:  # the photo cannot be decoded: its original stands in, under a tag of its own
        etag = f'"{image.id}-{variant}-original"'
    return ImageContent(rendition.content_type, etag, seconds, rendition.data)
