from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from housescan.comparison.models import Verdict
from housescan.comparison.schemas import (
    MAX_SCANS,
    MIN_SCANS,
    ComparedCost,
    ComparedScan,
    Comparison,
    VerdictBody,
    VerdictOut,
)
from housescan.config import Settings
from housescan.csv_safe import moment_cell, money_cell, spreadsheet_safe_row
from housescan.db.base import utcnow
from housescan.errors import Unprocessable
from housescan.review import context as review_context
from housescan.review.brief import brief_of
from housescan.scans.models import Scan
from housescan.scans.service import ScanNotFound


class ScanIdsRejected(Unprocessable):
    """`scan_ids` names too few or too many scans, one twice, or something that is not a scan id."""


def parse_scan_ids(values: Sequence[str]) -> list[uuid.UUID]:
    """The scan ids of `scan_ids` given repeated, comma-separated, or both, in the order named."""
    parts = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not MIN_SCANS <= len(parts) <= MAX_SCANS:
        raise ScanIdsRejected(f"scan_ids: compare {MIN_SCANS} to {MAX_SCANS} scans, not {len(parts)}")
    ids: list[uuid.UUID] = []
    for part in parts:
        try:
            ids.append(uuid.UUID(part))
        except ValueError:
            raise ScanIdsRejected(f"scan_ids: not a scan id: {part}") from None
    if len(set(ids)) != len(ids):
        raise ScanIdsRejected("scan_ids: a scan is named twice")
    return ids


async def _owned_scans(db_session: AsyncSession, user_id: uuid.UUID, scan_ids: list[uuid.UUID]) -> list[Scan]:
    """The scans in the order named, read at once; 404 when any is not the user's."""
    found = {scan.id: scan for scan in await db_session.scalars(select(Scan).where(Scan.id.in_(scan_ids)))}
    if any(scan_id not in found or found[scan_id].user_id != user_id for scan_id in scan_ids):
        raise ScanNotFound()
    return [found[scan_id] for scan_id in scan_ids]


async def compare(
    *, db_session: AsyncSession, settings: Settings, user_id: uuid.UUID, scan_ids: list[uuid.UUID]
) -> Comparison:
    """Each home's figures as `GET .../report` computes them (review's brief: only what is compared), the
    scans' rows read together (one query a table)."""
    scans = await _owned_scans(db_session, user_id, scan_ids)
    contexts = await review_context.load_contexts(db_session=db_session, scans=scans)
    verdicts = {
        verdict.scan_id: verdict
        for verdict in await db_session.scalars(select(Verdict).where(Verdict.scan_id.in_(scan_ids)))
    }
    compared: list[ComparedScan] = []
    for scan, context in zip(scans, contexts, strict=True):
        brief = brief_of(context)
        verdict = verdicts.get(scan.id)
        costs = brief.costs
        compared.append(
            ComparedScan(
                scan_id=scan.id,
                address=context.house.address,
                scanned_at=scan.first_analysed_at or scan.created_at,
                house_type=brief.house_type,
                rooms=len(brief.rooms),
                room_names=[room.name for room in brief.rooms],
                findings_by_severity=brief.findings.counts,
                cost=ComparedCost(
                    low=costs.low,
                    high=costs.high,
                    currency=costs.currency,
                    findings_with_costs=costs.findings_with_costs,
                    findings_without_costs=costs.findings_without_costs,
                ),
                assessed=brief.assessed,
                pros=brief.pros,
                cons=brief.cons,
                rating=verdict.rating if verdict else None,
                note=verdict.note if verdict else None,
            )
        )
    return Comparison(scans=compared)


async def put_verdict(*, db_session: AsyncSession, scan: Scan, body: VerdictBody) -> VerdictOut:
    verdict = await db_session.get(Verdict, scan.id)
    if verdict is None:
        verdict = Verdict(scan_id=scan.id, rating=None, note=None)
        db_session.add(verdict)
    for name in body.model_fields_set:
        setattr(verdict, name, getattr(body, name))
    verdict.updated_at = utcnow()
    await db_session.commit()
    return VerdictOut(scan_id=scan.id, rating=verdict.rating, note=verdict.note)


CSV_COLUMNS = (
    "scan_id", "address", "house_type", "house_type_by", "rooms", "safety", "major", "maintenance", "note_findings",
    "cost_low", "cost_high", "currency", "assessed_by_person", "assessed_by_model", "not_assessed", "not_seen", "pros",
    "cons",
    "rating", "note", "scanned_at",
)  # fmt: skip


def as_csv(comparison: Comparison) -> str:
    """One home a row, columns added only at the end (a column is never renamed or moved); money as `money_cell`
    writes it (a home without any costed finding has empty cost cells, not 0); `scanned_at` in ISO 8601 UTC."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for scan in comparison.scans:
        counts = scan.findings_by_severity
        costed = scan.cost.findings_with_costs > 0
        writer.writerow(
            spreadsheet_safe_row((
                scan.scan_id, scan.address or "", scan.house_type.value or "not seen", scan.house_type.source,
                scan.rooms, counts.get("safety", 0), counts.get("major", 0), counts.get("maintenance", 0),
                counts.get("note", 0), money_cell(scan.cost.low if costed else None),
                money_cell(scan.cost.high if costed else None), scan.cost.currency, scan.assessed.by_person,
                scan.assessed.by_model, scan.assessed.not_assessed, scan.assessed.not_seen, "; ".join(scan.pros),
                "; ".join(scan.cons),
                "" if scan.rating is None else scan.rating, scan.note or "", moment_cell(scan.scanned_at),
            ))
        )  # fmt: skip
    return out.getvalue()
