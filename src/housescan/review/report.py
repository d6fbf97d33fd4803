"""The report as a living document (ARCHITECTURE §6): the models' answers overlaid by the person's
(`item_answers`), findings, room edits, limitations and conclusions, assembled into one `Report`.

The models' raw output stays as the scan run saved it (`house_scan_summary`, `agents_runs`); the person's
answers and findings live in this domain's tables and win on read."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.config import Settings
from housescan.review.conclusions import assessed_of, not_seen, pros_and_cons, summary_text
from housescan.review.context import HOUSE, HOUSE_TYPE, PRODUCT_PREFIX, ROOM_TYPE, ScanContext, load_context
from housescan.review.finding_list import cost_totals, ordered_findings
from housescan.review.item_answers import (
    ABSENCE_MIN_CONFIDENCE,
    HOUSE_TYPE_MIN_CONFIDENCE,
    PRESENCE_MIN_CONFIDENCE,
    checklist_answers,
    house_type_answer,
    room_type_answer,
)
from housescan.review.limitations import limitations_of, photo_quality_of
from housescan.review.photo_subjects import photo_hint, photo_subject, subjects_of
from housescan.review.schemas import Answer, Audience, Report, ReportHouse, ReportImage, ReportRoom
from housescan.review.wording import room_name
from housescan.scans.models import Image, Scan
from housescan.scans.schemas import AssessedCounts, ScanPage
from housescan.scans.urls import signed_image_url


def rooms_with_new_photos(context: ScanContext) -> set[uuid.UUID]:
    """Rooms whose photos changed since the analysis that is saved: a photo added after it, or no result
    for the room at all (it failed or was added later)."""
    if context.summary is None:
        return set()
    since: datetime = context.summary.derived_at
    changed = {image.room_id for image in context.images if image.created_at > since}
    analysed = {
        str(room.get("room_id"))
        for room in context.result.get("rooms") or []
        if room.get("status", "succeeded") == "succeeded"
    }
    changed.update(
        room.id for room in context.rooms if str(room.id) not in analysed and context.images_by_room.get(room.id)
    )
    return changed


def build_report(context: ScanContext, *, settings: Settings, audience: Audience = "owner") -> Report:
    house_type = house_type_answer(context)
    result = context.result
    house_checklist = checklist_answers(
        context,
        scope=HOUSE,
        room_id=None,
        items=context.house_items,
        kind=house_type.value,
        answers=result.get("house_checklist") or {},
        agent="house_checklist",
    )
    rooms: list[ReportRoom] = []
    changed = rooms_with_new_photos(context)
    for room in context.rooms:
        room_result = context.room_result(room.id)
        analysed = context.room_analysed(room.id)
        room_type = room_type_answer(context, room)
        kind = room_type.value if isinstance(room_type.value, str) else None
        checklist = checklist_answers(
            context,
            scope=str(room.id),
            room_id=room.id,
            items=context.room_items,
            kind=kind,
            answers=room_result.get("issues") or {},
            agent="room_checklist",
        )
        products = checklist_answers(
            context,
            scope=str(room.id),
            room_id=room.id,
            items=context.product_items,
            kind=kind,
            answers=room_result.get("products") or {},
            agent="products",
            products=True,
        )
        for answer in products.values():
            if not_seen(answer, analysed=analysed):
                answer.text = "Not seen"  # the models looked for it in this room's photos: not "not assessed"
        images = context.images_by_room.get(room.id, [])
        subjects = subjects_of(kind, checklist, products)
        report_room = ReportRoom(
            id=room.id,
            ordinal=room.ordinal,
            label=room.label,
            name=room_name(room.label, kind, room.ordinal),
            room_type=room_type,
            checklist=checklist,
            products=products,
            images=[report_image(settings, image) for image in images],
            not_assessed=sum(answer.value is None for answer in checklist.values())
            + sum(answer.value is None and not not_seen(answer, analysed=analysed) for answer in products.values()),
            not_seen=sum(not_seen(answer, analysed=analysed) for answer in products.values()),
            checked=sum(answer.source == "person" for answer in checklist.values()),
            checklist_total=len(checklist),
            analysed=analysed,
            photos_changed=room.id in changed,
            photo_subjects=[photo_subject(subject) for subject in subjects],
        )
        report_room.what_to_photograph = photo_hint(report_room, subjects, audience=audience)
        rooms.append(report_room)
    names = {room.id: room.name for room in rooms}
    findings = ordered_findings(context.findings, room_names=names)
    assessed = assessed_of(house_checklist, rooms)
    limitations = limitations_of(house_checklist, rooms, assessed, audience=audience)
    limitations.photo_quality = photo_quality_of(context, rooms)
    pros, cons = pros_and_cons(house_type, house_checklist, rooms, findings)
    return Report(
        scan_id=context.scan.id,
        status=str(context.scan.status),
        house=ReportHouse(address=context.house.address, house_type=house_type, checklist=house_checklist),
        rooms=rooms,
        findings=findings.items,
        finding_counts=findings.counts,
        pros=pros,
        cons=cons,
        summary=summary_text(house_type, rooms, findings, assessed, problems=len(cons), audience=audience),
        assessed=assessed,
        limitations=limitations,
        costs=cost_totals(findings.items, currency=context.currency),
        audience=audience,
        scanned_at=context.scan.first_analysed_at,
        updated_at=last_change(context),
        derived_at=context.summary.derived_at if context.summary else None,
        thresholds={
            "presence_min_confidence": PRESENCE_MIN_CONFIDENCE,
            "absence_min_confidence": ABSENCE_MIN_CONFIDENCE,
            "house_type_min_confidence": HOUSE_TYPE_MIN_CONFIDENCE,
        },
    )


def last_change(context: ScanContext) -> datetime | None:
    """The report's "updated": its newest analysis, photo or edit by the person (`edited_at`: answers,
    findings added, changed or deleted, rooms renamed, added or removed)."""
    moments = [
        *((context.summary.derived_at,) if context.summary else ()),
        *((context.scan.edited_at,) if context.scan.edited_at else ()),
        *(answer.answered_at for answer in context.answers.values()),
        *(finding.updated_at for finding in context.findings),
        *(image.created_at for image in context.images),
    ]
    return max(moments, default=None)


def report_image(settings: Settings, image: Image) -> ReportImage:
    return ReportImage(
        id=image.id,
        url=signed_image_url(settings, image.id),
        thumbnail_url=signed_image_url(settings, image.id, variant="thumbnail"),
        medium_url=signed_image_url(settings, image.id, variant="medium"),
        created_at=image.created_at,
    )


async def get_report(*, db_session: AsyncSession, settings: Settings, scan: Scan) -> Report:
    return build_report(await load_context(db_session=db_session, scan=scan), settings=settings)


async def with_digests(*, db_session: AsyncSession, settings: Settings, page: ScanPage) -> ScanPage:
    """A page of the scans list with each report in brief (findings by severity, how much is assessed,
    scanned and updated), each read as `GET .../report` reads it, so the list and the report never disagree."""
    scans = {
        scan.id: scan for scan in await db_session.scalars(select(Scan).where(Scan.id.in_([i.id for i in page.items])))
    }
    items = []
    for item in page.items:
        report = build_report(await load_context(db_session=db_session, scan=scans[item.id]), settings=settings)
        items.append(
            item.model_copy(
                update={
                    "findings_by_severity": report.finding_counts,
                    "assessed": AssessedCounts(**report.assessed.model_dump(include=set(AssessedCounts.model_fields))),
                    "scanned_at": report.scanned_at,
                    "updated_at": report.updated_at,
                }
            )
        )
    return page.model_copy(update={"items": items})


async def report_of_scan(
    *, db_session: AsyncSession, settings: Settings, scan: Scan, audience: Audience = "owner"
) -> tuple[Report, ScanContext]:
    """The report of a scan already known to be readable (the owner's, or a valid share link's reader's)."""
    context = await load_context(db_session=db_session, scan=scan)
    return build_report(context, settings=settings, audience=audience), context


def answer_in(report: Report, scope: str, item_id: str) -> Answer:
    if scope == HOUSE:
        if item_id == HOUSE_TYPE:
            return report.house.house_type
        return report.house.checklist[item_id]
    room = next(room for room in report.rooms if str(room.id) == scope)
    if item_id == ROOM_TYPE:
        return room.room_type
    if item_id.startswith(PRODUCT_PREFIX):
        return room.products[item_id.removeprefix(PRODUCT_PREFIX)]
    return room.checklist[item_id]
