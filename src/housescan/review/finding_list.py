"""Findings as the report lists them: ordered by severity, counted, and their cost ranges totalled."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from housescan.review.models import SEVERITY_ORDER, Finding, Severity
from housescan.review.schemas import CostRange, CostTotals, FindingList, FindingOut, Mark


def finding_out(finding: Finding, room_names: Mapping[uuid.UUID, str] | None = None) -> FindingOut:
    return FindingOut(
        id=finding.id,
        room_id=finding.room_id,
        title=finding.title,
        severity=finding.severity,
        note=finding.note,
        photo_ids=[uuid.UUID(photo) for photo in finding.photo_ids],
        source="person" if finding.source == "person" else "model",
        checklist_item_id=finding.checklist_item_id,
        trade=finding.trade,
        cost_low=finding.cost_low,
        cost_high=finding.cost_high,
        cost_source=finding.cost_source,
        marks=[Mark.model_validate(mark) for mark in finding.marks or []],
        room_name=(room_names or {}).get(finding.room_id) if finding.room_id else None,
        created_at=finding.created_at,
        updated_at=finding.updated_at,
    )


def ordered_findings(findings: Iterable[Finding], *, room_names: Mapping[uuid.UUID, str] | None = None) -> FindingList:
    ordered = sorted(findings, key=lambda f: (SEVERITY_ORDER[Severity(f.severity)], f.created_at, str(f.id)))
    counts = Counter(str(finding.severity) for finding in ordered)
    return FindingList(
        items=[finding_out(finding, room_names) for finding in ordered],
        counts={s.value: counts.get(s.value, 0) for s in Severity},
    )


def cost_totals(findings: Sequence[FindingOut], *, currency: str) -> CostTotals:
    """Totals of the findings' cost ranges, overall, per trade and per severity."""
    priced = [f for f in findings if f.cost_low is not None and f.cost_high is not None]
    by_trade: dict[str, CostRange] = {}
    by_severity: dict[str, CostRange] = {}
    for finding in priced:
        low, high = finding.cost_low or 0.0, finding.cost_high or 0.0
        for totals, key in ((by_trade, str(finding.trade or "unassigned")), (by_severity, str(finding.severity))):
            total = totals.setdefault(key, CostRange(low=0, high=0))
            total.low, total.high, total.count = total.low + low, total.high + high, total.count + 1
    return CostTotals(
        low=sum(f.cost_low or 0.0 for f in priced),
        high=sum(f.cost_high or 0.0 for f in priced),
        currency=currency,
        by_trade=by_trade,
        by_severity={s.value: by_severity[s.value] for s in Severity if s.value in by_severity},
        findings_with_costs=len(priced),
        findings_without_costs=len(findings) - len(priced),
    )
