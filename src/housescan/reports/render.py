"""Drawing the inspection report with fpdf2. Pure: data in, PDF bytes out (run it in a thread).

It draws the same merged report the web app shows (`review.schemas.Report`), with the same words for each
value (`Answer.text`) and for how sure a model is: findings by severity first (each with its photos, the
spots marked on them, who to call and what it may cost), then the scope and limitations (what nobody judged,
the photos that may show too little, the findings' cost totals), the summary, pros and cons, the house and
each room. Items no one assessed are collapsed into one line per section in the rooms. The analysis cost is
the owner's only, one line. A shared report (`audience` "reader") never says "you". Times are shown in the
time zone the render is given, which the PDF names.
"""

from __future__ import annotations

import io
import math
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from housescan.clock import local_time
from housescan.comparison.schemas import AnswerChange, Changes, HouseChanges, RoomChanges
from housescan.review.conclusions import not_seen
from housescan.review.schemas import Answer, CostRange, FindingOut, Mark, PhotoQualityLimit, Report, ReportRoom

THUMB_WIDTH_MM = 42.0
THUMB_MAX_HEIGHT_MM = 32.0
FINDING_THUMB_WIDTH_MM = 56.0  # large enough to see the marked spot
# Item, answer, who answered: "Model · right 9 times in 10" fits its column on one line.
ANSWER_COLUMNS = (54, 86, 40)
# Marks: a strong colour no photo of a home is likely to have, outlined in white so it shows on any photo.
MARK_COLOUR = (236, 0, 140)
MARK_OUTLINE = (255, 255, 255)
MARK_LINE_MM = 0.7
MARK_OUTLINE_MM = 1.5
PIN_RADIUS_MM = 1.4
ARROW_HEAD_MM = 2.6
DEFAULT_ARROW = 0.15  # an arrow without w/h: its tail this far to the lower right of its tip (fractions)
TRADE_TITLES = {
    "electrician": "an electrician",
    "plumber": "a plumber",
    "heating": "a heating engineer",
    "roofer": "a roofer",
    "builder": "a builder",
    "damp_specialist": "a damp specialist",
    "carpenter": "a carpenter",
    "glazier": "a glazier",
    "pest_control": "pest control",
    "general": "a general contractor",
    "other": "another trade",
    "unassigned": "no trade named",
}
SEVERITY_TITLES = {
    "safety": "Safety",
    "major": "Major",
    "maintenance": "Maintenance",
    "note": "Notes",
}
SEVERITY_COLOURS = {
    "safety": (180, 20, 20),
    "major": (200, 90, 0),
    "maintenance": (150, 120, 0),
    "note": (70, 90, 120),
}
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
class ReportData:
    report: Report
    created_at: datetime
    # Small renditions of the photos the report shows, by image id (missing ones are skipped).
    thumbnails: Mapping[uuid.UUID, Thumbnail] = field(default_factory=dict)
    # The owner's view only: the analysis cost (None in shared views).
    cost: Mapping[str, Any] | None = None
    photos_per_room: int = 6
    # The zone every time in the PDF is shown in (and named).
    time_zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    # What changed since an earlier scan of the house, for an appendix (the owner's PDF, when asked).
    changes: Changes | None = None


def text(value: object) -> str:
    """What the PDF core fonts can draw (Latin-1): common typography mapped, accents kept, the rest '?'."""
    raw = unicodedata.normalize("NFC", str(value)).translate(_ASCII)
    return raw.encode("latin-1", "replace").decode("latin-1")


def percent(value: object) -> str:
    return f"{float(value) * 100:.0f}%" if isinstance(value, int | float) else "-"


@dataclass(frozen=True)
class Voice:
    """Who the words speak to: the owner ("you"), or a reader of a shared report (the person who inspected the
    home: "the owner" would read as the property's owner to a seller or landlord)."""

    person: str = "You"
    answer: str = "your answer"
    yourself: str = "yourself"

    @classmethod
    def of(cls, report: Report) -> Voice:
        return (
            cls()
            if report.audience == "owner"
            else cls("Person who inspected", "answered by the person who inspected", "in the app")
        )


OWNER = Voice()


def times_in_ten(precision: float) -> str:
    """A measured precision in words: 0.9 is "9 times in 10"; never "10 in 10", as it is never certainty."""
    return f"{min(9, max(1, round(precision * 10)))} times in 10"


def source_text(answer: Answer, voice: Voice = OWNER) -> str:
    """Who answered, in the web app's words: "Model · right 9 times in 10" when the figure is how often this
    kind of answer was right on test photos, "Model · 82%" when it is the model's own (or stated) figure."""
    if answer.source == "person":
        return voice.person
    if answer.value is None:
        return "-"
    if answer.confidence_basis == "out_of_fold_precision" and answer.confidence is not None:
        return f"Model \u00b7 right {times_in_ten(answer.confidence)}"
    return f"Model \u00b7 {percent(answer.confidence)}" if answer.confidence is not None else "Model"


def confidence_sentence(answer: Answer) -> str | None:
    """What a model's figure means, in the web app's sentence; None for a person's answer or no figure."""
    if answer.source == "person" or answer.value is None:
        return None
    photos = f" ({answer.measured_on} photos)" if answer.measured_on is not None else ""
    kind = "sighting" if answer.kind == "product" else "answer"
    if answer.confidence_basis == "out_of_fold_precision" and answer.confidence is not None:
        return f"This kind of {kind} is right {times_in_ten(answer.confidence)} on our test photos{photos}."
    if answer.confidence_basis == "model_score" and answer.measured_precision is not None:
        return (
            f"The model's own score for these photos is {percent(answer.confidence)}; this kind of {kind} is right "
            f"{times_in_ten(answer.measured_precision)} on our test photos{photos}."
        )
    if answer.confidence_basis == "stated_by_model":
        return "The figure is the model's own statement, not a measurement."
    return None


def with_meaning(shown: str, answer: Answer) -> str:
    """An answer's words, with what the model's figure means on the next line when it has one."""
    meaning = confidence_sentence(answer)
    return f"{shown}\n{meaning}" if meaning else shown


def room_type_line(answer: Answer, voice: Voice = OWNER) -> str:
    """The room type, and which label each percentage belongs to when the model gave two."""
    if answer.source == "person":
        said = f"; the model said {answer.model_value.replace('_', ' ')}" if answer.model_value else ""
        return f"{answer.text} ({voice.answer}{said})"
    if answer.value is None:
        return "Not determined"
    shown = []
    for candidate in answer.candidates:
        name = candidate.value.replace("_", " ")
        shown.append(f"{name} {percent(candidate.confidence)}" if candidate.confidence is not None else name)
    return with_meaning(f"{answer.text} (model: {', '.join(shown)})" if shown else answer.text, answer)


def house_type_line(answer: Answer, threshold: float | None, voice: Voice = OWNER) -> str:
    if answer.source == "person":
        return f"{answer.text} ({voice.answer})"
    if answer.value is not None:
        return f"{answer.text} ({source_text(answer)})"
    if answer.candidates and threshold is not None:
        guess = answer.candidates[0]
        return (
            f"Not determined (the model's best guess, {guess.value.replace('_', ' ')} at "
            f"{percent(guess.confidence)}, is under the {percent(threshold)} it needs)"
        )
    return "Not determined"


class Document(FPDF):
    """An A4 HouseScan document: `footer` on every page's foot with its page number; headings, paragraphs,
    tables and photos with their marks drawn over them."""

    def __init__(self, footer: str, title: str = "HouseScan inspection report") -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(15, 15, 15)
        self.set_title(title)
        self.set_author("HouseScan")
        self.set_creator("HouseScan")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(120, 120, 120)
        self.cell(0, 5, text(self.footer_text), align="L")
        self.cell(0, 5, f"page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def room_left(self) -> float:
        return float(self.page_break_trigger - self.get_y())

    def keep(self, height: float) -> None:
        """Start a new page unless `height` mm fit here: a heading never stays alone at a page's foot."""
        if self.room_left() < height:
            self.add_page()

    def heading(
        self, title: str, size: int = 14, keep_with: float = 30, colour: tuple[int, int, int] = (30, 60, 110)
    ) -> None:
        self.keep(size * 0.5 + 4 + keep_with)
        self.ln(2)
        self.set_font("Helvetica", "B", size)
        self.set_text_color(*colour)
        self.cell(0, size * 0.5, text(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def paragraph(self, body: str, size: float = 10, style: str = "", colour: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.set_font("Helvetica", style, size)
        self.set_text_color(*colour)
        self.multi_cell(0, size * 0.5, text(body), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)

    def labelled(self, label: str, body: str, size: float = 9.5) -> None:
        """A paragraph that opens with `label` in bold."""
        self.set_font("Helvetica", "B", size)
        self.write(size * 0.5, text(label) + " ")
        self.set_font("Helvetica", "", size)
        self.write(size * 0.5, text(body))
        self.ln(size * 0.5)

    def pairs(self, rows: Iterable[tuple[str, str]]) -> None:
        for label, value in rows:
            self.set_font("Helvetica", "B", 10)
            self.cell(42, 5.5, text(label))
            self.set_font("Helvetica", "", 10)
            self.multi_cell(0, 5.5, text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, header: tuple[str, ...], rows: Sequence[tuple[str, ...]], widths: tuple[int, ...]) -> None:
        self.set_font("Helvetica", "", 9)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=5,
            padding=1,
            cell_fill_color=(238, 242, 248),
            cell_fill_mode="ROWS",
            v_align="TOP",  # a cell's first line (an answer, who gave it) reads across the row
            repeat_headings=1,
        ) as table:
            for row in [header, *rows]:
                cells = table.row()
                for value in row:
                    cells.cell(text(value))
        self.ln(2)

    def thumbnails(
        self,
        thumbs: Sequence[Thumbnail],
        width_mm: float = THUMB_WIDTH_MM,
        marks: Sequence[Sequence[Mark]] = (),
    ) -> None:
        """Photos in rows; `marks[i]` are drawn over the i-th photo."""
        x0, x_max = self.l_margin, self.w - self.r_margin
        x, row_height = x0, 0.0
        max_height = THUMB_MAX_HEIGHT_MM * width_mm / THUMB_WIDTH_MM
        for index, thumb in enumerate(thumbs):
            width = width_mm
            height = width * thumb.height / max(thumb.width, 1)
            if height > max_height:
                width, height = width * max_height / height, max_height
            if x + width > x_max:
                self.set_y(self.get_y() + row_height + 2)
                x, row_height = x0, 0.0
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
            self.image(io.BytesIO(thumb.jpeg), x=x, y=self.get_y(), w=width, h=height)
            for mark in marks[index] if index < len(marks) else ():
                self.mark(mark, x, self.get_y(), width, height)
            x += width + 2
            row_height = max(row_height, height)
        if thumbs:
            self.set_y(self.get_y() + row_height + 2)

    def mark(self, mark: Mark, left: float, top: float, width: float, height: float) -> None:
        """One mark over a photo drawn at (left, top) with this size: white first, wider, then the colour."""
        tip = (left + mark.x * width, top + mark.y * height)
        for colour, line in ((MARK_OUTLINE, MARK_OUTLINE_MM), (MARK_COLOUR, MARK_LINE_MM)):
            self.set_draw_color(*colour)
            self.set_fill_color(*colour)
            self.set_line_width(line)
            if mark.shape == "box":
                self.rect(tip[0], tip[1], (mark.w or 0) * width, (mark.h or 0) * height, style="D")
            elif mark.shape == "pin":
                self.circle(tip[0], tip[1], PIN_RADIUS_MM + (line - MARK_LINE_MM) / 2, style="F")
            else:
                self._arrow(tip, mark, left, top, width, height, outline=line - MARK_LINE_MM)
        self.set_draw_color(0, 0, 0)
        self.set_fill_color(255, 255, 255)
        self.set_line_width(0.2)

    def _arrow(
        self,
        tip: tuple[float, float],
        mark: Mark,
        left: float,
        top: float,
        width: float,
        height: float,
        *,
        outline: float,
    ) -> None:
        tail_x = min(max(mark.x + (DEFAULT_ARROW if mark.w is None else mark.w), 0.0), 1.0)
        tail_y = min(max(mark.y + (DEFAULT_ARROW if mark.h is None else mark.h), 0.0), 1.0)
        tail = (left + tail_x * width, top + tail_y * height)
        length = math.dist(tip, tail)
        if length < 0.01:
            self.circle(tip[0], tip[1], PIN_RADIUS_MM + outline / 2, style="F")
            return
        ux, uy = (tail[0] - tip[0]) / length, (tail[1] - tip[1]) / length
        head = ARROW_HEAD_MM + outline
        base = (tip[0] + ux * head, tip[1] + uy * head)
        self.line(base[0], base[1], tail[0], tail[1])
        wing = head * 0.55
        self.polygon(
            [
                (tip[0] - ux * outline / 2, tip[1] - uy * outline / 2),
                (base[0] - uy * wing, base[1] + ux * wing),
                (base[0] + uy * wing, base[1] - ux * wing),
            ],
            style="F",
        )


def _answer_rows(answers: Mapping[str, Answer], voice: Voice = OWNER) -> list[tuple[str, str, str]]:
    """The assessed answers (a person's or a model's), each with who gave it; notes follow the value."""
    rows = []
    for item_id, answer in answers.items():
        if answer.value is None:
            continue
        shown = answer.text
        if answer.note:
            shown += f" - note: {answer.note}"
        if answer.photo_ids:
            shown += f" ({len(answer.photo_ids)} photo{'s' if len(answer.photo_ids) > 1 else ''})"
        rows.append((answer.title or item_id.replace("_", " "), shown, source_text(answer, voice)))
    return rows


def _answers_table(pdf: Document, rows: Sequence[tuple[str, str, str]], answers: Iterable[Answer]) -> None:
    """Answers one a row, then what the models' figures in it mean, each sentence once (not on every row)."""
    pdf.grid(("Item", "Answer", "By"), rows, ANSWER_COLUMNS)
    meanings = dict.fromkeys(sentence for answer in answers if (sentence := confidence_sentence(answer)))
    if meanings:
        pdf.paragraph(" ".join(meanings), size=8, style="I", colour=(90, 90, 90))


def _not_assessed(answers: Iterable[Answer]) -> int:
    return sum(answer.value is None for answer in answers)


def _collapsed_line(pdf: Document, count: int) -> None:
    if count:
        noun = "item" if count == 1 else "items"
        pdf.paragraph(f"{count} {noun} not assessed", size=9, style="I", colour=(110, 110, 110))


def money(amount: float, currency: str) -> str:
    return f"{amount:,.0f} {currency}" if amount == round(amount) else f"{amount:,.2f} {currency}"


def cost_range(low: float, high: float, currency: str) -> str:
    return money(low, currency) if low == high else f"{money(low, currency).split()[0]} - {money(high, currency)}"


def trade_title(trade: object) -> str:
    return TRADE_TITLES.get(str(trade), str(trade).replace("_", " "))


def finding_block(
    pdf: Document,
    finding: FindingOut,
    *,
    where: str | None,
    currency: str,
    thumbnails: Mapping[uuid.UUID, Thumbnail],
    lead: str | None = None,
) -> None:
    """A finding: its title and room, `lead` (a line said first, bold), its note, who to call and what it may
    cost, then its photos with their marks drawn over them."""
    pdf.keep(14)
    pdf.set_font("Helvetica", "B", 10)
    pdf.multi_cell(
        0, 5.5, text(f"- {finding.title}" + (f" ({where})" if where else "")), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    details = []
    if finding.trade:
        details.append(f"Call {trade_title(finding.trade)}")
    if finding.cost_low is not None and finding.cost_high is not None:
        details.append(f"estimated {cost_range(finding.cost_low, finding.cost_high, currency)}")
    for line, style in ((lead, "B"), (finding.note, ""), ("; ".join(details), "")):
        if line:
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font("Helvetica", style, 9.5)
            pdf.multi_cell(0, 5, text(line[:1].upper() + line[1:]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    shown = [photo for photo in finding.photo_ids if photo in thumbnails]
    if shown:
        pdf.ln(1)
        marks = [[mark for mark in finding.marks if mark.photo_id == photo] for photo in shown]
        pdf.thumbnails([thumbnails[photo] for photo in shown], width_mm=FINDING_THUMB_WIDTH_MM, marks=marks)
    pdf.ln(1)


def _findings(pdf: Document, report: Report, data: ReportData) -> None:
    counts = report.finding_counts
    total = sum(counts.values())
    listed = ", ".join(f"{n} {severity}" for severity, n in counts.items() if n)
    pdf.heading(f"Findings ({listed})" if total else "Findings", keep_with=20)
    if not total:
        pdf.paragraph("No findings recorded.", size=9, style="I")
        return
    names = {room.id: room.name for room in report.rooms}
    for severity, title in SEVERITY_TITLES.items():
        group = [finding for finding in report.findings if finding.severity.value == severity]
        if not group:
            continue
        pdf.heading(f"{title} ({len(group)})", size=11, keep_with=16, colour=SEVERITY_COLOURS[severity])
        for finding in group:
            where = names.get(finding.room_id) if finding.room_id else None
            finding_block(pdf, finding, where=where, currency=report.costs.currency, thumbnails=data.thumbnails)


def _grouped_items(report: Report, reason: str) -> list[tuple[str, str]]:
    """Unjudged checklist items, one line per place: ("Kitchen", "Walls, Floor")."""
    places: dict[str, list[str]] = {}
    for item in report.limitations.items:
        if item.reason == reason:
            places.setdefault(item.room_name or "The home", []).append(item.title)
    return [(place, ", ".join(titles)) for place, titles in places.items()]


def _cost_rows(totals: Mapping[str, CostRange], titles: Mapping[str, str], currency: str) -> list[tuple[str, ...]]:
    return [
        (titles.get(key, key), str(total.count), cost_range(total.low, total.high, currency))
        for key, total in totals.items()
    ]


def _photo_quality(pdf: Document, report: Report) -> None:
    """Photos that may show too little, one line a photo (as the web app lists them): its room and number,
    then the sentence of each of its flags."""
    by_photo: dict[uuid.UUID, list[PhotoQualityLimit]] = {}
    for limit in report.limitations.photo_quality:
        by_photo.setdefault(limit.image_id, []).append(limit)
    if not by_photo:
        return
    images = {room.id: [image.id for image in room.images] for room in report.rooms}
    pdf.heading(f"Photos that may show too little ({len(by_photo)})", size=10, keep_with=10, colour=(60, 60, 60))
    for image_id, limits in by_photo.items():
        in_room = images.get(limits[0].room_id, [])
        number = f", photo {in_room.index(image_id) + 1}" if image_id in in_room else ""
        pdf.labelled(f"{limits[0].room_name}{number}:", " ".join(limit.sentence for limit in limits))


def _scope_and_limitations(pdf: Document, report: Report) -> None:
    limits = report.limitations
    pdf.heading("Scope and limitations", keep_with=20)
    pdf.paragraph(limits.statement)
    pdf.ln(1)
    rooms = [
        ("Rooms without photos", ", ".join(room.name for room in limits.rooms_without_photos)),
        ("Rooms not analysed", ", ".join(room.name for room in limits.rooms_not_analysed)),
    ]
    pdf.pairs([(label, names) for label, names in rooms if names])
    _photo_quality(pdf, report)
    if limits.what_to_photograph:
        pdf.heading("What the photos did not show", size=10, keep_with=10, colour=(60, 60, 60))
        for hint in limits.what_to_photograph:
            pdf.paragraph(hint.sentence, size=9.5)
    for reason, title, count in (
        ("not_assessed", "Not assessed by anyone", limits.not_assessed),
        ("not_visible", "Looked for, not visible", limits.not_visible),
    ):
        if count:
            pdf.heading(f"{title} ({count})", size=10, keep_with=10, colour=(60, 60, 60))
            pdf.pairs(_grouped_items(report, reason))
    costs = report.costs
    if not costs.findings_with_costs:
        return
    pdf.heading("Estimated repair costs", size=11, keep_with=24)
    unpriced = costs.findings_without_costs
    pdf.paragraph(
        f"{cost_range(costs.low, costs.high, costs.currency)} for {costs.findings_with_costs} "
        f"finding{'s' if costs.findings_with_costs != 1 else ''} with an estimate"
        + (f"; {unpriced} without one." if unpriced else ".")
        + " Estimates, not quotes.",
        size=9.5,
    )
    pdf.ln(1)
    severity = _cost_rows(costs.by_severity, SEVERITY_TITLES, costs.currency)
    trades = {key: trade_title(key).capitalize() for key in costs.by_trade}
    pdf.grid(("By severity", "Findings", "Estimate"), severity, (62, 30, 88))
    pdf.grid(("By trade", "Findings", "Estimate"), _cost_rows(costs.by_trade, trades, costs.currency), (62, 30, 88))


def _room(pdf: Document, room: ReportRoom, data: ReportData) -> None:
    voice = Voice.of(data.report)
    pdf.heading(room.name, size=13, keep_with=50)
    rows = [("Type", room_type_line(room.room_type, voice)), ("Photos", str(len(room.images)))]
    if not room.analysed and data.report.status == "succeeded":
        rows.append(
            ("Analysis", f"the models could not analyse this room; its items are to be answered {voice.yourself}")
        )
    pdf.pairs(rows)
    pdf.ln(1)
    shown = [data.thumbnails[image.id] for image in room.images[: data.photos_per_room] if image.id in data.thumbnails]
    pdf.thumbnails(shown)
    if len(room.images) > len(shown):
        pdf.paragraph(f"{len(room.images) - len(shown)} more photos in the app.", size=8, style="I")
    answered = _answer_rows(room.checklist, voice)
    products = [
        (
            answer.title or name,
            answer.text + (f" - note: {answer.note}" if answer.note else ""),
            source_text(answer, voice),
        )
        for name, answer in room.products.items()
        if answer.value is not None
    ]
    if answered or products:
        pdf.keep(18)
        shown_answers = [a for a in (*room.checklist.values(), *room.products.values()) if a.value is not None]
        _answers_table(pdf, [*answered, *products], shown_answers)
    unseen = [
        answer.title or name for name, answer in room.products.items() if not_seen(answer, analysed=room.analysed)
    ]
    if unseen:
        pdf.paragraph(f"Looked for by the models, not seen in its photos: {', '.join(unseen)}.", size=9)
    _collapsed_line(pdf, room.not_assessed)


PAIRED_BY = {
    "person": "paired by you",
    "label": "the room of the same name",
    "type": "the room of the same type",
    "ordinal": "the room in the same place in the list",
}


def _findings_line(findings: Sequence[FindingOut]) -> str:
    return "; ".join(f"{finding.title} ({finding.severity.value})" for finding in findings) or "None"


def _findings_pairs(changes: RoomChanges | HouseChanges) -> list[tuple[str, str]]:
    gone = _findings_line(changes.findings_resolved)
    if changes.findings_resolved:  # nobody said they were fixed: the later scan did not record them
        gone += " (fixed, or not recorded again)"
    return [("New findings", _findings_line(changes.findings_new)), ("Not recorded this time", gone)]


def _answers_changed(pdf: Document, answers: Sequence[AnswerChange], *, compared: bool) -> None:
    changed = [change for change in answers if not change.not_checked_again]
    not_again = [change for change in answers if change.not_checked_again]
    if changed:
        rows = [
            (_change_title(change), change.before.text, change.after.text, source_text(change.after))
            for change in changed
        ]
        pdf.ln(1)
        pdf.grid(("Answer changed", "Then", "Now", "By"), rows, (56, 50, 50, 24))
    elif compared:
        pdf.paragraph("No answer changed.", size=9, style="I")
    if not_again:
        listed = ", ".join(f"{_change_title(change)} (then: {change.before.text})" for change in not_again)
        pdf.paragraph(f"Not checked this time ({len(not_again)}): {listed}.", size=9)


def _room_changes(pdf: Document, room: RoomChanges) -> None:
    pdf.heading(room.label, size=12, keep_with=24)
    paired = PAIRED_BY.get(room.paired_by, room.paired_by)
    then = f"{room.earlier_label} ({paired})" if room.earlier_room_id else None
    pdf.pairs(
        [
            ("Compared with", then or "nothing: a room new in this scan"),
            ("Photos", f"{len(room.photos.before)} then, {len(room.photos.now)} now"),
            *_findings_pairs(room),
        ]
    )
    _answers_changed(pdf, room.answers_changed, compared=room.earlier_room_id is not None)


def _house_changes(pdf: Document, house: HouseChanges) -> None:
    pdf.heading("The whole home", size=12, keep_with=24)
    pdf.paragraph("Findings of no room, the house type and the house checklist.", size=9)
    pdf.pairs(_findings_pairs(house))
    _answers_changed(pdf, house.answers_changed, compared=True)


def _change_title(change: AnswerChange) -> str:
    return change.after.title or change.item_id.replace("_", " ")


def _changes_appendix(pdf: Document, changes: Changes, zone: ZoneInfo) -> None:
    pdf.add_page()
    pdf.heading(f"Changes since {local_time(changes.since_scanned_at, zone)}", keep_with=20)
    pdf.paragraph(
        "The whole home, then each room of this scan next to the room of the earlier scan of this home it is "
        "compared with: the findings new and not recorded this time, the checklist answers that changed, and the "
        "photos then and now.",
        size=9.5,
    )
    if changes.house is not None:
        _house_changes(pdf, changes.house)
    for room in changes.rooms:
        _room_changes(pdf, room)


def render_pdf(data: ReportData) -> bytes:
    report = data.report
    voice = Voice.of(report)
    pdf = Document(f"HouseScan report {str(report.scan_id)[:8]}")
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 11, "HouseScan inspection report", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", "", 10)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, text(report.house.address or "No address given"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    photos = sum(len(room.images) for room in report.rooms)
    pdf.pairs(
        [
            (
                "House type",
                house_type_line(report.house.house_type, report.thresholds.get("house_type_min_confidence"), voice),
            ),
            ("Rooms", f"{len(report.rooms)} ({photos} photos)"),
            ("Scanned", local_time(report.scanned_at or report.derived_at or data.created_at, data.time_zone)),
            ("Updated", local_time(report.updated_at or report.derived_at, data.time_zone)),
        ]
    )
    pdf.ln(1)
    pdf.paragraph(report.summary)

    _findings(pdf, report, data)
    _scope_and_limitations(pdf, report)

    pdf.heading("Pros and cons", keep_with=16)
    for label, items in (("Pros", report.pros), ("Cons", report.cons)):
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(0, 6, label, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        for item in items or ["None recorded."]:
            pdf.paragraph(f"- {item}")

    pdf.heading("House checklist", keep_with=24)
    house_rows = _answer_rows(report.house.checklist, voice)
    if house_rows:
        _answers_table(pdf, house_rows, report.house.checklist.values())
    _collapsed_line(pdf, _not_assessed(report.house.checklist.values()))

    for room in report.rooms:
        _room(pdf, room, data)

    if data.cost is not None:
        cost = data.cost
        pdf.heading("Cost of the analysis", size=11, keep_with=8)
        tokens = int(cost.get("total_tokens_in") or 0) + int(cost.get("total_tokens_out") or 0)
        pdf.paragraph(
            f"${float(cost.get('total_cost_usd') or 0):.4f} USD, {tokens:,} tokens, "
            f"{float(cost.get('compute_seconds') or 0):.1f} s of computing. Visible to you only.",
            size=9,
        )
    if data.changes is not None:
        _changes_appendix(pdf, data.changes, data.time_zone)
    return bytes(pdf.output())
