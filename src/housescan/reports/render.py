"""Drawing the inspection report with fpdf2. Pure: data in, PDF bytes out (run it in a thread)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

NOT_ASSESSED = "Not assessed"
THUMB_WIDTH_MM = 42.0
THUMB_MAX_HEIGHT_MM = 32.0
_ASCII = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2022": "-",
        "\u00a0": " ",
    }
)


@dataclass
class Thumbnail:
    jpeg: bytes
    width: int
    height: int


@dataclass
class RoomSection:
    title: str
    ordinal: int
    photos: int
    thumbnails: list[Thumbnail]
    result: Mapping[str, Any]


@dataclass
class ReportData:
    scan_id: str
    address: str | None
    created_at: datetime
    finished_at: datetime | None
    derived_at: datetime
    status: str
    error: str | None
    result: Mapping[str, Any]
    client_summary: str
    cost: Mapping[str, Any]
    metadata: Mapping[str, Any]
    rooms: list[RoomSection]
    titles: Mapping[str, str] = field(default_factory=dict)


def text(value: object) -> str:
    """What the PDF core fonts can draw (Latin-1): common typography mapped, accents kept, the rest '?'."""
    raw = unicodedata.normalize("NFC", str(value)).translate(_ASCII)
    return raw.encode("latin-1", "replace").decode("latin-1")


def percent(value: object) -> str:
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else "-"


def humanise(identifier: str) -> str:
    return identifier.replace("_", " ")


class _Document(FPDF):
    def __init__(self, scan_id: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.scan_id = scan_id
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(15, 15, 15)
        self.set_title("HouseScan inspection report")
        self.set_author("HouseScan")
        self.set_creator("HouseScan")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, text(f"HouseScan report - scan {self.scan_id}"), align="L")
        self.cell(0, 5, f"page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # -- building blocks

    def heading(self, title: str, size: int = 14) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.set_font("Helvetica", "B", size)
        self.set_text_color(30, 60, 110)
        self.cell(0, size * 0.5, text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def paragraph(self, body: str, size: int = 10, style: str = "") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, size * 0.5, text(body), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def pairs(self, rows: Iterable[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font("Helvetica", "B", 10)
            self.cell(48, 5.5, text(label))
            self.set_font("Helvetica", "", 10)
            self.multi_cell(0, 5.5, text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, header: tuple[str, ...], rows: Sequence[tuple[str, ...]], widths: tuple[int, ...]) -> None:
        if not rows:
            self.paragraph("Nothing to report.", size=9, style="I")
            return
        self.set_font("Helvetica", "", 9)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=5,
            padding=1,
            cell_fill_color=(238, 242, 248),
            cell_fill_mode="ROWS",
        ) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(text(value))
        self.ln(2)

    def thumbnails(self, thumbs: list[Thumbnail]) -> None:
        x0, x_max = self.l_margin, self.w - self.r_margin
        x, row_height = x0, 0.0
        for thumb in thumbs:
            width = THUMB_WIDTH_MM
            height = width * thumb.height / max(thumb.width, 1)
            if height > THUMB_MAX_HEIGHT_MM:
                width, height = width * THUMB_MAX_HEIGHT_MM / height, THUMB_MAX_HEIGHT_MM
            if x + width > x_max:
                self.set_y(self.get_y() + row_height + 2)
                x, row_height = x0, 0.0
            if self.get_y() + height > self.h - self.b_margin:
                self.add_page()
            self.image(io.BytesIO(thumb.jpeg), x=x, y=self.get_y(), w=width, h=height)
            x += width + 2
            row_height = max(row_height, height)
        if thumbs:
            self.set_y(self.get_y() + row_height + 2)


def _answer_rows(answers: Mapping[str, Any], titles: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Checklist answers as (item, answer, confidence) rows; anything not judged reads 'Not assessed'."""
    unassessed = set(answers.get("unassessed") or [])
    confidence: Mapping[str, Any] = answers.get("confidence") or {}
    rows: list[tuple[str, str, str]] = []

    def title(item_id: str) -> str:
        return titles.get(item_id) or humanise(item_id)

    for item_id, value in (answers.get("booleans") or {}).items():
        shown = NOT_ASSESSED if value is None or item_id in unassessed else ("Yes" if value else "No")
        rows.append((title(item_id), shown, percent(confidence.get(item_id))))
    for item_id, value in (answers.get("categoricals") or {}).items():
        shown = NOT_ASSESSED if value in (None, "N/A") or item_id in unassessed else str(value)
        rows.append((title(item_id), shown, percent(confidence.get(item_id))))
    for item_id, value in (answers.get("conditionals") or {}).items():
        value = value or {}
        exists, condition = value.get("exists"), value.get("condition")
        if exists is None or item_id in unassessed:
            shown = NOT_ASSESSED
        elif not exists:
            shown = "Not present"
        else:
            shown = "Present" + (f", condition {condition}" if condition and condition != "N/A" else "")
            present = [humanise(name) for name, seen in (value.get("subitems") or {}).items() if seen]
            if present:
                shown += f" ({', '.join(present)})"
        rows.append((title(item_id), shown, percent(value.get("confidence", confidence.get(item_id)))))
    listed = {row_id for kind in ("booleans", "categoricals", "conditionals") for row_id in answers.get(kind) or {}}
    rows.extend((title(item_id), NOT_ASSESSED, "-") for item_id in sorted(unassessed - listed))
    return rows


def _product_rows(answers: Mapping[str, Any], titles: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """Products, the ones seen first."""
    rows = _answer_rows(answers, titles)
    order = {"Present": 0, "Yes": 0, "Not present": 1, "No": 1}
    return sorted(rows, key=lambda row: (order.get(row[1].split(",")[0].split(" (")[0], 2 if row[1] else 3), row[0]))


def _room_types(result: Mapping[str, Any]) -> str:
    types = [humanise(str(name)) for name in result.get("room_types") or []]
    if not types:
        return NOT_ASSESSED
    confidence = result.get("room_type_confidence")
    scores: Mapping[str, Any] = (result.get("details") or {}).get("scores") or {}
    shown = []
    for index, name in enumerate(result.get("room_types") or []):
        score = scores.get(name, confidence if index == 0 else None)
        shown.append(f"{humanise(str(name))} ({percent(score)})" if score is not None else humanise(str(name)))
    return ", ".join(shown)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def render_pdf(data: ReportData) -> bytes:
    pdf = _Document(data.scan_id)
    pdf.alias_nb_pages()
    pdf.add_page()
    result = data.result

    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 11, "HouseScan inspection report", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, text(data.address or "No address given"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)

    house_types = [humanise(str(name)) for name in result.get("house_types") or []]
    house_type = house_types[0] if house_types else NOT_ASSESSED
    if house_types and result.get("house_type_confidence") is not None:
        house_type += f" ({percent(result.get('house_type_confidence'))} confidence)"
    pdf.pairs(
        [
            ("House type", house_type),
            ("Other candidates", ", ".join(house_types[1:]) or "-"),
            ("Rooms", f"{len(data.rooms)} ({sum(room.photos for room in data.rooms)} photos)"),
            ("Scanned", _when(data.created_at)),
            ("Report derived", _when(data.derived_at)),
            ("Scan id", data.scan_id),
        ]
    )
    if data.error:
        pdf.paragraph(f"Note: {data.error}", size=9, style="I")

    if data.client_summary or result.get("summary"):
        pdf.heading("Summary")
        if data.client_summary:
            pdf.paragraph(data.client_summary, style="B")
        if result.get("summary"):
            pdf.paragraph(str(result["summary"]))

    pdf.heading("House checklist")
    pdf.grid(
        ("Item", "Answer", "Confidence"),
        _answer_rows(result.get("house_checklist") or {}, data.titles),
        (90, 65, 25),
    )

    pros_cons: Mapping[str, Any] = result.get("pros_cons") or {}
    pdf.heading("Pros and cons")
    for label, items in (("Pros", pros_cons.get("pros") or []), ("Cons", pros_cons.get("cons") or [])):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for item in items or ["None found."]:
            pdf.paragraph(f"- {item}")

    for room in data.rooms:
        if pdf.get_y() > pdf.h - 90:
            pdf.add_page()  # a room starts on a page where its photos and first rows fit
        else:
            pdf.ln(2)
        pdf.heading(f"{room.title}", size=13)
        outcome: Mapping[str, Any] = room.result
        rows = [("Detected type", _room_types(outcome)), ("Photos", str(room.photos))]
        if outcome.get("status") == "failed":
            rows.append(("Analysis", f"failed: {outcome.get('error') or 'no reason given'}"))
        elif not outcome:
            rows.append(("Analysis", "no result for this room"))
        pdf.pairs(rows)
        pdf.ln(1)
        pdf.thumbnails(room.thumbnails)
        if room.photos > len(room.thumbnails):
            pdf.paragraph(f"{room.photos - len(room.thumbnails)} more photos not shown.", size=8, style="I")
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, "Condition checklist", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.grid(("Item", "Answer", "Confidence"), _answer_rows(outcome.get("issues") or {}, data.titles), (90, 65, 25))
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, "Products", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.grid(
            ("Product", "Seen", "Confidence"), _product_rows(outcome.get("products") or {}, data.titles), (90, 65, 25)
        )

    cost = data.cost
    pdf.heading("Cost of the analysis")
    tokens_in, tokens_out = int(cost.get("total_tokens_in") or 0), int(cost.get("total_tokens_out") or 0)
    pdf.pairs(
        [
            ("Provider", str(cost.get("provider") or "-")),
            ("Tokens", f"{tokens_in + tokens_out:,} ({tokens_in:,} in, {tokens_out:,} out)"),
            ("Model requests", f"{int(cost.get('total_requests') or 0):,}"),
            ("Cost", f"${float(cost.get('total_cost_usd') or 0):.4f} USD"),
            ("Compute time", f"{float(cost.get('compute_seconds') or 0):.2f} s (sum over agents)"),
            ("Wall time", f"{float(data.metadata.get('execution_time_seconds') or 0):.2f} s"),
        ]
    )
    by_agent: dict[str, list[float]] = {}
    for entry in cost.get("by_agent") or []:
        totals = by_agent.setdefault(str(entry.get("agent_name")), [0, 0, 0.0, 0.0, 0])
        totals[0] += 1
        totals[1] += int(entry.get("tokens_in") or 0) + int(entry.get("tokens_out") or 0)
        totals[2] += float(entry.get("cost_usd") or 0)
        totals[3] += float(entry.get("seconds") or 0)
    pdf.grid(
        ("Agent", "Runs", "Tokens", "USD", "Seconds"),
        [
            (humanise(name), str(int(t[0])), f"{int(t[1]):,}", f"{t[2]:.4f}", f"{t[3]:.2f}")
            for name, t in by_agent.items()
        ],
        (60, 25, 35, 30, 30),
    )
    return bytes(pdf.output())
