"""Repair lists: findings picked from a report with what the buyer asks for each, behind a read-only link.

A version is editable until a reader opens its link; after that a change makes the next version (with a
new link) and the old link keeps showing the version that was sent."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any
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
    RepairVersionOut,
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
from housescan.review.models import SEVERITY_ORDER, Severity
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


def _checked_items(
    context: ScanContext, items: list[RepairItemIn], earlier: Sequence[dict[str, Any]] = ()
) -> list[dict[str, object]]:
    """The items to store; a finding not on the report (deleted since the list was saved, or of another scan) is
    refused with its title where a version sent it, so the person knows which one to take off."""
    known = {finding.id for finding in context.findings}
    titles = {str(raw["finding_id"]): raw[SENT]["finding"]["title"] for raw in earlier if raw.get(SENT)}
    missing = [item.finding_id for item in items if item.finding_id not in known]
    if missing:
        named = [f"“{titles[str(i)]}”" if str(i) in titles else f"finding {i}" for i in missing]
        raise ForeignFindings(
            f"{'These findings are' if len(named) > 1 else 'This finding is'} no longer on the report "
            f"(deleted since, or of another inspection): {', '.join(named)}. Take {'them' if len(named) > 1 else 'it'}"
            " off the list and save again."
        )
    seen: set[uuid.UUID] = set()
    for item in items:
        if item.finding_id in seen:
            raise FindingListedTwice(f"A finding is on the list twice: {item.finding_id}. List it once.")
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


def _currency(row: RepairList, context: ScanContext) -> str:
    """The currency the version was saved in; one saved before that was kept: what was sent, else the account's."""
    sent = next((raw[SENT]["currency"] for raw in row.items if raw.get(SENT)), None)
    return row.currency or sent or context.currency


def _order(item: RepairItemOut) -> tuple[int, int, str, str]:
    """Most serious first (the report's severity order), then by room; a finding since deleted last."""
    finding = item.finding
    if finding is None:
        return (1, 0, "", "")
    room = (finding.room_name or "").casefold()
    return (0, SEVERITY_ORDER[Severity(finding.severity)], room, finding.title.casefold())


def _without_estimates(finding: FindingOut) -> FindingOut:
    return finding.model_copy(update={"cost_low": None, "cost_high": None, "cost_source": None})


def _shown(
    row: RepairList,
    context: ScanContext,
    settings: Settings,
    *,
    base_url: str | None = None,
    token: str | None = None,
    reader: bool = False,
) -> RepairListOut:
    """The version as its owner sees it, or (`reader`) as the reader of its link does: the estimates only when
    the owner chose to show them."""
    findings = _findings_now(context)
    images = {image.id: image for image in context.images}
    currency = _currency(row, context)
    hide_costs = reader and not row.show_estimates
    items: list[RepairItemOut] = []
    for raw in row.items:
        item = RepairItemIn.model_validate(raw)
        sent = raw.get(SENT)
        finding = FindingOut.model_validate(sent["finding"]) if sent else findings.get(item.finding_id)
        if finding is not None and hide_costs:
            finding = _without_estimates(finding)
        photos = [
            review_report.report_image(settings, images[p])
            for p in (finding.photo_ids if finding else [])
            if p in images  # a photo deleted since it was sent
        ]
        items.append(
            RepairItemOut(finding_id=item.finding_id, ask=item.ask, amount=item.amount, finding=finding, photos=photos)
        )
    items.sort(key=_order)
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
        show_estimates=row.show_estimates,
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
        currency=context.currency,
        show_estimates=body.show_estimates,
        created_at=now,
        updated_at=now,
    )
    token = _new_link(row, body.expires_in_days)
    db_session.add(row)
    await db_session.commit()
    return await _owners(db_session, row, _shown(row, context, settings, base_url=base_url, token=token))


def _version_out(row: RepairList, now: datetime) -> RepairVersionOut:
    return RepairVersionOut(
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        opened=row.opened_at is not None,
        state=_state(row, now),
    )


async def _versions_of(
    db_session: AsyncSession, series_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[RepairVersionOut]]:
    rows = await db_session.scalars(
        select(RepairList).where(RepairList.series_id.in_(series_ids)).order_by(RepairList.version)
    )
    now = utcnow()
    versions: dict[uuid.UUID, list[RepairVersionOut]] = {}
    for row in rows:
        versions.setdefault(row.series_id, []).append(_version_out(row, now))
    return versions


async def _owners(db_session: AsyncSession, row: RepairList, shown: RepairListOut) -> RepairListOut:
    """The owner's view adds every version of the list, so an earlier one can be opened and downloaded."""
    versions = (await _versions_of(db_session, [row.series_id])).get(row.series_id, [])
    shown.versions = versions
    shown.newer_version = any(v.version > row.version for v in versions)
    return shown


async def _latest(db_session: AsyncSession, scan: Scan, list_id: uuid.UUID, version: int | None = None) -> RepairList:
    """The list's latest version, or the one asked for."""
    query = select(RepairList).where(RepairList.series_id == list_id, RepairList.scan_id == scan.id)
    if version is not None:
        query = query.where(RepairList.version == version)
    row = await db_session.scalar(query.order_by(RepairList.version.desc()).limit(1))
    if row is None:
        raise RepairListNotFound()
    return row


async def _list_of_scan(
    db_session: AsyncSession, scan: Scan, list_id: uuid.UUID, version: int | None = None
) -> tuple[RepairList, ScanContext]:
    row = await _latest(db_session, scan, list_id, version)
    return row, await load_context(db_session=db_session, scan=scan)


async def get_list(
    *, db_session: AsyncSession, settings: Settings, scan: Scan, list_id: uuid.UUID, version: int | None = None
) -> RepairListOut:
    """The list's latest version, or `version` (404 when the list has none of that number)."""
    row, context = await _list_of_scan(db_session, scan, list_id, version)
    return await _owners(db_session, row, _shown(row, context, settings))


async def _pdf(
    row: RepairList,
    context: ScanContext,
    *,
    db_session: AsyncSession,
    settings: Settings,
    store: ObjectStore,
    audience: Audience,
    zone: ZoneInfo,
) -> tuple[bytes, str]:
    shown = _shown(row, context, settings, reader=audience == "reader")
    shown.newer_version = await _has_newer(db_session, row)
    wanted = [photo for item in shown.items if item.finding for photo in item.finding.photo_ids]
    data = RepairListData(
        repair_list=shown,
        audience=audience,
        thumbnails=await reports_service.thumbnails_of(store, context.images, wanted),
        time_zone=zone,
    )
    pdf = await asyncio.to_thread(render_repair_list, data)
    return pdf, f"{_file_stem(shown)}.pdf"


def _file_stem(repair_list: RepairListOut) -> str:
    return f"repair-list-{str(repair_list.id)[:8]}-v{repair_list.version}"


def csv_name(repair_list: RepairListOut) -> str:
    """Named as the PDF is, with the version: two versions downloaded are two files."""
    return f"{_file_stem(repair_list)}.csv"


async def list_pdf(
    *,
    db_session: AsyncSession,
    store: ObjectStore,
    settings: Settings,
    scan: Scan,
    list_id: uuid.UUID,
    tz: str | None = None,
    version: int | None = None,
) -> tuple[bytes, str]:
    """The owner's PDF of the list's latest version (or `version`), its times in `tz` (an IANA name; 422 when
    unknown), else the account's time zone, else UTC."""
    zone = reports_service.time_zone(tz) if tz else None
    row, context = await _list_of_scan(db_session, scan, list_id, version)
    zone = zone or await reports_service.zone_of_account(db_session, scan.user_id)
    return await _pdf(row, context, db_session=db_session, settings=settings, store=store, audience="owner", zone=zone)


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
    latest = list(rows)
    context = await load_context(db_session=db_session, scan=scan)
    versions = await _versions_of(db_session, [row.series_id for row in latest])
    return RepairListPage(
        items=[
            _shown(row, context, settings).model_copy(update={"versions": versions.get(row.series_id, [])})
            for row in latest
        ]
    )


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
    if body.items is not None:
        sent_before = await db_session.scalars(select(RepairList).where(RepairList.series_id == current.series_id))
        items = _checked_items(context, body.items, [raw for version in sent_before for raw in version.items])
    else:
        items = [_asked(i) for i in current.items]
    note = body.note if "note" in body.model_fields_set else current.note
    show_estimates = current.show_estimates if body.show_estimates is None else body.show_estimates
    now = utcnow()
    token = None
    if current.opened_at is None:
        row = current
        row.items, row.note, row.updated_at = items, note, now
        row.currency, row.show_estimates = context.currency, show_estimates
    else:
        row = RepairList(
            series_id=current.series_id,
            version=current.version + 1,
            scan_id=scan.id,
            user_id=scan.user_id,
            items=items,
            note=note,
            currency=context.currency,
            show_estimates=show_estimates,
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
    return await _owners(db_session, row, _shown(row, context, settings, base_url=base_url, token=token))


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
    """The version behind a link, for a reader without sign-in; the first read freezes that version. It says
    whether a newer version exists, not what it holds: sending that is the owner's choice."""
    row, context = await _shared_row(db_session, token, limiter, client)
    shown = _shown(row, context, settings, reader=True)
    shown.newer_version = await _has_newer(db_session, row)
    return shown


async def _has_newer(db_session: AsyncSession, row: RepairList) -> bool:
    newer = await db_session.scalar(
        select(func.count())
        .select_from(RepairList)
        .where(RepairList.series_id == row.series_id, RepairList.version > row.version)
    )
    return bool(newer)


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
    return await _pdf(row, context, db_session=db_session, settings=settings, store=store, audience="reader", zone=zone)


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
    """The columns' names first, one row a listed finding, the totals, the note, then the address, version and
    date saved; money as `money_cell` writes it (a total over nothing asked or
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
                "",
            )
        )
    )
    if repair_list.note:
        writer.writerow(spreadsheet_safe_row(("Note to the reader", repair_list.note)))
    # What the list is of and when it was saved, below the table (a spreadsheet keeps no file name; above it,
    # importers would take these rows for the columns).
    writer.writerow(spreadsheet_safe_row(("Address", repair_list.address or "")))
    writer.writerow(spreadsheet_safe_row(("Version", str(repair_list.version))))
    writer.writerow(spreadsheet_safe_row(("Saved", repair_list.updated_at.date().isoformat())))
    return out.getvalue()
