"""Drawing a repair list with fpdf2, with the inspection report's own pieces (`reports.render`): each finding
with its photos and the spots marked on them, what is asked for it, the note and the total. Pure: data in,
PDF bytes out (run it in a thread). A shared list (`audience` "reader") never says "you"."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from fpdf.enums import XPos, YPos

from housescan.clock import local_time
from housescan.repairs.schemas import RepairItemOut, RepairListOut
from housescan.reports.render import Document, Thumbnail, cost_range, finding_block, money, text
from housescan.review.schemas import Audience

ASKS = {"repair": "repair it", "replace": "replace it", "credit": "a credit"}


@dataclass
class RepairListData:
    repair_list: RepairListOut
    audience: Audience = "owner"
    # Small renditions of the findings' photos, by image id (missing ones are skipped).
    thumbnails: Mapping[uuid.UUID, Thumbnail] = field(default_factory=dict)
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))


def ask_line(item: RepairItemOut, currency: str) -> str:
    """e.g. "Asked: a credit of 500 EUR", "Asked: repair it (120 EUR)"."""
    if item.amount is None:
        return f"Asked: {ASKS[item.ask]}"
    if item.ask == "credit":
        return f"Asked: a credit of {money(item.amount, currency)}"
    return f"Asked: {ASKS[item.ask]} ({money(item.amount, currency)})"


def render_repair_list(data: RepairListData) -> bytes:
    shown = data.repair_list
    total = shown.total
    currency = total.currency
    owner = data.audience == "owner"
    pdf = Document(f"HouseScan repair list {str(shown.id)[:8]}, version {shown.version}", title="Repair list")
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 11, "Repair list", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, text(shown.address or "No address given"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    pdf.pairs(
        [
            ("Version", str(shown.version)),
            ("Saved", local_time(shown.updated_at, data.time_zone)),
        ]
    )
    if shown.newer_version:
        newer = (
            "You have saved a newer version since." if owner else "A newer version of this list has been made since."
        )
        pdf.paragraph(newer, size=9.5, style="B")
    pdf.ln(1)
    count = len(shown.items)
    things = f"{count} finding{'s' if count != 1 else ''} of the inspection"
    # The reader is the seller or landlord; "the owner" would read as them.
    who = "You ask" if owner else "The person who inspected this home asks"
    estimates = " Cost ranges are estimates, not quotes." if total.findings_with_costs else ""
    pdf.paragraph(f"{who} for each of these {things} to be repaired, replaced or credited.{estimates}")

    pdf.heading(f"Findings ({count})", keep_with=20)
    for item in shown.items:
        if item.finding is None:
            pdf.paragraph(f"- A finding since deleted. {ask_line(item, currency)}", size=9.5, style="I")
            continue
        finding_block(
            pdf,
            item.finding,
            where=item.finding.room_name,
            currency=currency,
            thumbnails=data.thumbnails,
            lead=f"{item.finding.severity.value.capitalize()}. {ask_line(item, currency)}",
        )

    if shown.note:
        pdf.heading("Note", size=12, keep_with=12)
        pdf.paragraph(shown.note)

    pdf.heading("Total", size=12, keep_with=16)
    # Nothing asked as an amount (repairs and replacements only) and nothing costed are not figures of 0.
    rows = [("Amounts asked", money(total.asked, currency))] if any(i.amount is not None for i in shown.items) else []
    if total.findings_with_costs:
        # Over some of the findings only, it says which share: else it reads as the whole list's.
        covers = (
            f", {total.findings_with_costs} of the {len(shown.items)} findings"
            if total.findings_with_costs < len(shown.items)
            else ""
        )
        rows.append(
            ("Estimated repairs", f"{cost_range(total.cost_low, total.cost_high, currency)} (estimates{covers})")
        )
    rows.append(("Currency", currency))
    pdf.pairs(rows)
    return bytes(pdf.output())
