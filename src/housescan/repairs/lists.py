"""Repair lists: findings picked from a report with what the buyer asks for each, behind a read-only link.

A version is editable until a reader opens its link; after that a change makes the next version (with a
new link) and the old link keeps showing the version that was sent."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.config import Settings
from housescan.csv_safe import money_cell, spreadsheet_safe_row
from housescan.db.base import utcnow
from housescan.errors import NotFound, Unprocessable
from housescan.repairs.models import RepairList
from housescan.repairs.pdf import RepairListData, render_repair_list
from housescan.repairs.schemas import (
    RepairItemIn,
    RepairItemOut,
    RepairListCreate,
    RepairListOut,
    RepairListPage,
    RepairListPatch,
    RepairShare,
    RepairTotal,
)
from housescan.reports import service as reports_service
from housescan.reports.shares import (
    FailureLimiter,
    LinkState,
    ShareNotFound,
    hash_token,
    link_state,
    new_link,
    plausible_token,
)
from housescan.review import finding_list
from housescan.review import report as review_report
from housescan.review.context import ScanContext, load_context
from housescan.review.findings import room_names_of
from housescan.review.schemas import Audience, FindingOut
from housescan.scans.models import Scan, ScanStatus
from housescan.storage.base import ObjectStore

SHARED_PATH = "/api/v1/shared/repair-lists"
# The web app's page of a shared list (web/src/App.tsx), what a reader is sent; SHARED_PATH is its JSON.
SHARED_PAGE_PATH = "/shared/repair-lists"


class RepairListNotFound(NotFound):
    message = "repair list not found"


class ForeignFindings(Unprocessable):
    """A repair list names findings that are not of its scan."""


class FindingListedTwice(Unprocessable):
    """A repair list names a finding more than once."""


def _checked_items(context: ScanContext, items: list[RepairItemIn]) -> list[dict[str, object]]:
    known = {finding.id for finding in context.findings}
    foreign = [str(item.finding_id) for item in items if item.finding_id not in known]
    if foreign:
        raise ForeignFindings(f"findings not of this scan: {', '.join(foreign)}")
    seen: set[uuid.UUID] = set()
    for item in items:
        if item.finding_id in seen:
            raise FindingListedTwice(f"finding listed twice: {item.finding_id}")
        seen.add(item.finding_id)
    return [item.model_dump(mode="json") for item in items]


def _state(row: RepairList, now: datetime) -> LinkState:
    return link_state(expires_at=row.expires_at, revoked_at=row.revoked_at, now=now)


def _new_link(row: RepairList, days: int) -> str:
    link = new_link(days=days, now=utcnow())
    row.token_hash, row.expires_at, row.revoked_at = link.token_hash, link.expires_at, None
    return link.token


def _share(row: RepairList, *, base_url: str | None, token: str | None) -> RepairShare:
    origin = base_url.rstrip("/") if base_url and token else None
    base = f"{origin}{SHARED_PATH}/{token}" if origin else None
    return RepairShare(
        token=token,
        url=base,
        page_url=f"{origin}{SHARED_PAGE_PATH}/{token}" if origin else None,
        csv_url=f"{base}.csv" if base else None,
        pdf_url=f"{base}/report.pdf" if base else None,
        expires_at=row.expires_at,
        state=_state(row, utcnow()),
        opened=row.opened_at is not None,
    )


#: The key of a list item that holds its finding as a reader first saw it (with the currency of its figures).
SENT = "sent"


def _findings_now(context: ScanContext) -> dict[uuid.UUID, FindingOut]:
    room_names = room_names_of(context)
    return {finding.id: finding_list.finding_out(finding, room_names) for finding in context.findings}


def _freeze(row: RepairList, context: ScanContext) -> None:
    """A version's findings as its reader first sees them: later edits of a finding (its title, its costs) or of
    the account's currency are not what was sent. A finding already removed stays removed."""
    findings = _findings_now(context)
    row.items = [
        {**_asked(raw), SENT: {"finding": finding.model_dump(mode="json"), "currency": context.currency}}
        if (finding := findings.get(uuid.UUID(str(raw["finding_id"])))) is not None
        else _asked(raw)
        for raw in row.items
    ]


def _asked(raw: dict[str, object]) -> dict[str, object]:
    """An item as the person asked it, without what was sent (a next version is made of the findings as they are)."""
    return {key: value for key, value in raw.items() if key != SENT}


def _shown(
    row: RepairList, context: ScanContext, settings: Settings, *, base_url: str | None = None, token: str | None = None
) -> RepairListOut:
    findings = _findings_now(context)
    images = {image.id: image for image in context.images}
    currency = context.currency
    items: list[RepairItemOut] = []
    for raw in row.items:
        item = RepairItemIn.model_validate(raw)
        sent = raw.get(SENT)
        finding = FindingOut.model_validate(sent["finding"]) if sent else findings.get(item.finding_id)
        currency = sent["currency"] if sent else currency
        photos = [
            review_report.report_image(settings, images[p])
            for p in (finding.photo_ids if finding else [])
            if p in images  # a photo deleted since it was sent
        ]
        items.append(
            RepairItemOut(finding_id=item.finding_id, ask=item.ask, amount=item.amount, finding=finding, photos=photos)
        )
    listed = [item.finding for item in items if item.finding is not None]
    costs = finding_list.cost_totals(listed, currency=currency)
    return RepairListOut(
        id=row.series_id,
        version=row.version,
        scan_id=row.scan_id,
        address=context.house.address,
        note=row.note,
        items=items,
        total=RepairTotal(
            asked=sum(item.amount or 0.0 for item in items),
            cost_low=costs.low,
            cost_high=costs.high,
            currency=currency,
            findings_with_costs=costs.findings_with_costs,
        ),
        share=_share(row, base_url=base_url, token=token),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def create_list(
    *,
    db_session: AsyncSession,
    settings: Settings,
    scan: Scan,
    body: RepairListCreate,
    base_url: str,
) -> RepairListOut:
    context = await load_context(db_session=db_session, scan=scan)
    now = utcnow()
    row = RepairList(
        series_id=uuid.uuid4(),
        version=1,
        scan_id=scan.id,
        user_id=scan.user_id,
        items=_checked_items(context, body.items),
        note=body.note,
        created_at=now,
        updated_at=now,
    )
    token = _new_link(row, body.expires_in_days)
    db_session.add(row)
    await db_session.commit()
    return _shown(row, context, settings, base_url=base_url, token=token)


async def _latest(db_session: AsyncSession, scan: Scan, list_id: uuid.UUID) -> RepairList:
    row = await db_session.scalar(
        select(RepairList)
        .where(RepairList.series_id == list_id, RepairList.scan_id == scan.id)
        .order_by(RepairList.version.desc())
        .limit(1)
    )
    if row is None:
        raise RepairListNotFound()
    return row


async def _list_of_scan(db_session: AsyncSession, scan: Scan, list_id: uuid.UUID) -> tuple[RepairList, ScanContext]:
    row = await _latest(db_session, scan, list_id)
    return row, await load_context(db_session=db_session, scan=scan)


async def get_list(*, db_session: AsyncSession, settings: Settings, scan: Scan, list_id: uuid.UUID) -> RepairListOut:
    return _shown(*await _list_of_scan(db_session, scan, list_id), settings)


async def _pdf(
    row: RepairList,
    context: ScanContext,
    *,
    settings: Settings,
    store: ObjectStore,
    audience: Audience,
    zone: ZoneInfo,
) -> tuple[bytes, str]:
    shown = _shown(row, context, settings)
    wanted = [photo for item in shown.items if item.finding for photo in item.finding.photo_ids]
    data = RepairListData(
        repair_list=shown,
        audience=audience,
        thumbnails=await reports_service.thumbnails_of(store, context.images, wanted),
        time_zone=zone,
    )
    pdf = await asyncio.to_thread(render_repair_list, data)
    return pdf, f"repair-list-{str(shown.id)[:8]}-v{shown.version}.pdf"


async def list_pdf(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    scan: Scan,
    list_id: uuid.UUID,
    tz: str | None = None,
) -> tuple[bytes, str]:
    """The owner's PDF of the list's latest version, its times in `tz` (an IANA name; 422 when unknown),
    else the account's time zone, else UTC."""
    zone = reports_service.time_zone(tz) if tz else None
    row, context = await _list_of_scan(db_session, scan, list_id)
    zone = zone or await reports_service.zone_of_account(db_session, scan.user_id)
    return await _pdf(row, context, settings=settings, store=store, audience="owner", zone=zone)


async def lists_of_scan(*, db_session: AsyncSession, settings: Settings, scan: Scan) -> RepairListPage:
    """The latest version of each of the scan's lists, newest list first."""
    newest = (
        select(RepairList.series_id, func.max(RepairList.version).label("version"))
        .where(RepairList.scan_id == scan.id)
        .group_by(RepairList.series_id)
        .subquery()
    )
    rows = await db_session.scalars(
        select(RepairList)
        .join(newest, (RepairList.series_id == newest.c.series_id) & (RepairList.version == newest.c.version))
        .order_by(RepairList.created_at.desc(), RepairList.id)
    )
    context = await load_context(db_session=db_session, scan=scan)
    return RepairListPage(items=[_shown(row, context, settings) for row in rows])


async def patch_list(
    *,
    db_session: AsyncSession,
    settings: Settings,
    scan: Scan,
    list_id: uuid.UUID,
    body: RepairListPatch,
    base_url: str,
) -> RepairListOut:
    context = await load_context(db_session=db_session, scan=scan)
    current = await _latest(db_session, scan, list_id)
    items = _checked_items(context, body.items) if body.items is not None else [_asked(i) for i in current.items]
    note = body.note if "note" in body.model_fields_set else current.note
    now = utcnow()
    token = None
    if current.opened_at is None:
        row = current
        row.items, row.note, row.updated_at = items, note, now
    else:
        row = RepairList(
            series_id=current.series_id,
            version=current.version + 1,
            scan_id=scan.id,
            user_id=scan.user_id,
            items=items,
            note=note,
            created_at=now,
            updated_at=now,
        )
        token = _new_link(row, RepairListCreate.model_fields["expires_in_days"].default)
        if _state(current, now) == "active":
            # The new version's link works as long as the one it follows (the person was told until when), not
            # whole days left (each new version lost up to a day); after an expired or revoked one, a fresh link.
            row.expires_at = current.expires_at
        db_session.add(row)
    await db_session.commit()
    return _shown(row, context, settings, base_url=base_url, token=token)


async def revoke_links(*, db_session: AsyncSession, scan: Scan, list_id: uuid.UUID) -> None:
    """Every version's link of the list answers 404 from now on."""
    await _latest(db_session, scan, list_id)
    now = utcnow()
    for row in await db_session.scalars(select(RepairList).where(RepairList.series_id == list_id)):
        row.revoked_at = row.revoked_at or now
    await db_session.commit()


async def reissue_link(
    *, db_session: AsyncSession, scan: Scan, list_id: uuid.UUID, days: int, base_url: str
) -> RepairShare:
    """A new link to the list's latest version, for when the one shown once is lost or was revoked. The
    version's previous token stops working (only one hash is kept per version); earlier versions' links stay
    as they are, so a revoked one stays dead."""
    row = await _latest(db_session, scan, list_id)
    token = _new_link(row, days)
    await db_session.commit()
    return _share(row, base_url=base_url, token=token)


async def shared_list(
    *, db_session: AsyncSession, settings: Settings, token: str, limiter: FailureLimiter, client: str
) -> RepairListOut:
    """The version behind a link, for a reader without sign-in; the first read freezes that version."""
    return _shown(*await _shared_row(db_session, token, limiter, client), settings)


async def shared_list_pdf(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    token: str,
    limiter: FailureLimiter,
    client: str,
    tz: str | None = None,
) -> tuple[bytes, str]:
    """The PDF of the version behind a link, speaking to its reader, its times in `tz` (an IANA name; 422
    when unknown, checked before the link is read), else in UTC, named; opening it freezes that version as
    reading it does."""
    zone = reports_service.time_zone(tz) if tz else reports_service.UTC
    row, context = await _shared_row(db_session, token, limiter, client)
    return await _pdf(row, context, settings=settings, store=store, audience="reader", zone=zone)


async def _shared_row(
    db_session: AsyncSession, token: str, limiter: FailureLimiter, client: str
) -> tuple[RepairList, ScanContext]:
    key = f"repair-list:{client}"
    limiter.refuse_if_throttled(key)
    row = None
    if plausible_token(token):
        row = await db_session.scalar(select(RepairList).where(RepairList.token_hash == hash_token(token)))
    scan = await db_session.get(Scan, row.scan_id) if row else None
    if row is None or scan is None or _state(row, utcnow()) != "active" or scan.status is not ScanStatus.succeeded:
        limiter.record_failure(key)
        raise ShareNotFound()
    context = await load_context(db_session=db_session, scan=scan)
    if row.opened_at is None:
        row.opened_at = utcnow()
        _freeze(row, context)
        await db_session.commit()
    return row, context


CSV_COLUMNS = ("finding", "room", "severity", "trade", "ask", "amount", "cost_low", "cost_high", "currency", "note")


def as_csv(repair_list: RepairListOut) -> str:
    """One row a listed finding, then the totals; money as `money_cell` writes it (a total over nothing asked or
    nothing costed is an empty cell, not 0)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    currency = repair_list.total.currency
    for item in repair_list.items:
        finding = item.finding
        writer.writerow(
            spreadsheet_safe_row(
                (
                    finding.title if finding else "(deleted finding)",
                    finding.room_name if finding else "",
                    finding.severity if finding else "",
                    finding.trade or "" if finding else "",
                    item.ask,
                    money_cell(item.amount),
                    money_cell(finding.cost_low if finding else None),
                    money_cell(finding.cost_high if finding else None),
                    currency,
                    finding.note or "" if finding else "",
                )
            )
        )
    total = repair_list.total
    asked = any(item.amount is not None for item in repair_list.items)
    costed = total.findings_with_costs > 0
    writer.writerow(
        spreadsheet_safe_row(
            (
                "Total",
                "",
                "",
                "",
                "",
                money_cell(total.asked if asked else None),
                money_cell(total.cost_low if costed else None),
                money_cell(total.cost_high if costed else None),
                currency,
                repair_list.note or "",
            )
        )
    )
    return out.getvalue()
