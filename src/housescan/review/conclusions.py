"""What the report concludes from its current answers and findings: how much is assessed and by whom, pros
and cons, and the summary. Never from the models' own text."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from housescan.review.models import Severity
from housescan.review.schemas import NOT_VISIBLE, Answer, Assessed, Audience, FindingList, ReportRoom
from housescan.review.wording import (
    HOUSE_NAMES,
    ROOM_NAMES,
    article,
    capitalise,
    count_phrase,
    humanise,
    is_defect,
    join_words,
)


class Judgement(Protocol):
    """What pros, cons and the assessed counts read of an answer."""

    @property
    def value(self) -> Any: ...
    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str | None: ...
    @property
    def kind(self) -> str | None: ...


class JudgedPlace(Protocol):
    """What pros and cons read of a room."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def room_type(self) -> Answer: ...
    @property
    def checklist(self) -> Mapping[str, Judgement]: ...
    @property
    def products(self) -> Mapping[str, Judgement]: ...


class AssessedRoom(Protocol):
    """What the assessed counts read of a room."""

    @property
    def checklist(self) -> Mapping[str, Judgement]: ...
    @property
    def products(self) -> Mapping[str, Judgement]: ...
    @property
    def analysed(self) -> bool: ...


def not_seen(answer: Judgement, *, analysed: bool) -> bool:
    """A product the models looked for in an analysed room's photos and did not see. That is an answer ("not
    seen", never "absent"), so it is not counted with the items nobody assessed."""
    return analysed and answer.kind == "product" and answer.source == "model" and answer.value is None


def assessed_of(house: Mapping[str, Judgement], rooms: Sequence[AssessedRoom]) -> Assessed:
    """How much of the checklists is answered, and by whom: every item is judged by the person, answered by
    the models, looked for by the models and not seen, or not assessed by anyone."""
    every = [
        *((answer, False) for answer in house.values()),
        *((answer, room.analysed) for room in rooms for answer in (*room.checklist.values(), *room.products.values())),
    ]
    seen_nowhere = sum(not_seen(answer, analysed=analysed) for answer, analysed in every)
    return Assessed(
        total=len(every),
        by_person=sum(answer.source == "person" for answer, _ in every),
        by_model=sum(answer.source == "model" and answer.value is not None for answer, _ in every),
        not_seen=seen_nowhere,
        not_assessed=sum(answer.value is None for answer, _ in every) - seen_nowhere,
        not_visible=sum(answer.value == NOT_VISIBLE for answer, _ in every),
    )


def _said_once(lines: Iterable[str]) -> list[str]:
    """Each line once (the same point reached from an answer and from a finding is said once)."""
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        key = " ".join(line.lower().split())
        if key not in seen:
            seen.add(key)
            kept.append(capitalise(line))
    return kept


def pros_and_cons(
    house_type: Answer, house: Mapping[str, Judgement], rooms: Sequence[JudgedPlace], findings: FindingList
) -> tuple[list[str], list[str]]:
    """Pros and cons from the current answers and findings only: each is a person's answer, a finding, or a
    model's answer that passed the thresholds above. A finding made from a checklist item stands for that
    item: the item's own con is not said again."""
    pros: list[str] = []
    cons: list[str] = []
    documented = {(f.room_id, f.checklist_item_id) for f in findings.items if f.checklist_item_id}

    def judge(where: str, room_id: uuid.UUID | None, answers: Mapping[str, Judgement]) -> None:
        for item_id, answer in answers.items():
            title = (answer.title or humanise(item_id)).lower()
            value = answer.value
            quality = value.get("condition") if isinstance(value, dict) else value
            if quality in ("Good", "Excellent"):
                pros.append(f"{where}{title}: {str(quality).lower()}")
            elif (room_id, item_id) in documented:
                continue
            elif quality == "Poor":
                cons.append(f"{where}{title}: poor")
            elif value is True and answer.kind == "boolean" and is_defect(item_id):
                cons.append(f"{where}{title}")

    judge("", None, house)
    for room in rooms:
        judge(f"{room.name}: ", room.id, room.checklist)
    types = Counter(room.room_type.value for room in rooms if isinstance(room.room_type.value, str))
    if types["bathroom"] >= 2:
        pros.append(f"{count_phrase(types['bathroom'], 'bathroom').capitalize()}")
    if types["bedroom"] >= 3:
        pros.append(f"{count_phrase(types['bedroom'], 'bedroom').capitalize()}")
    for room in rooms:
        present = [answer.title or name for name, answer in room.products.items() if answer.value is True]
        if room.room_type.value == "kitchen" and len(present) >= 3:
            pros.append(f"{room.name}: equipped ({join_words([p.lower() for p in present])})")
    for finding in findings.items:
        if finding.severity is not Severity.note:
            cons.append(f"{finding.title} ({finding.severity.value})")
    return _said_once(pros), _said_once(cons)


def summary_text(
    house_type: Answer,
    rooms: Sequence[ReportRoom],
    findings: FindingList,
    assessed: Assessed,
    *,
    problems: int = 0,
    audience: Audience = "owner",
) -> str:
    """`problems`: the cons the answers give (a poor rating, a defect seen) besides the findings."""
    kind = HOUSE_NAMES.get(str(house_type.value)) if house_type.value else None
    head = article(kind).capitalize() if kind else "A home whose type is not determined"
    # Only what was photographed is described as seen; a room without photos is named as such, never as
    # seen nor as absent (an exterior finished without photos is not "an exterior view").
    seen = [room for room in rooms if room.images]
    unseen = [room.name for room in rooms if not room.images]
    counts = Counter(room.room_type.value if isinstance(room.room_type.value, str) else "other" for room in seen)
    ordered = sorted(counts.items(), key=lambda kv: (kv[0] == "other", -kv[1], kv[0]))
    described = [count_phrase(n, *ROOM_NAMES.get(t, (humanise(t), humanise(t) + "s"))) for t, n in ordered]
    if seen:
        sentence = f"{head} with {count_phrase(len(seen), 'photographed room')}: {join_words(described)}."
    elif rooms:
        sentence = f"{head}; none of its rooms was photographed."
    else:
        sentence = f"{head}; no rooms were recorded."
    parts = [sentence]
    if seen and unseen:
        parts.append(f"{join_words(unseen)}: no photos.")
    total = sum(findings.counts.values())
    who = "you" if audience == "owner" else "the person who inspected this home"
    checked = f"{who} checked {assessed.by_person} of {assessed.total} items"
    caveat = (
        ": this is not a clean bill of health, only what was looked at so far"
        if assessed.by_person * 2 < assessed.total
        else ""
    )
    if total:
        by = [f"{n} {severity}" for severity, n in findings.counts.items() if n]
        parts.append(f"{count_phrase(total, 'finding').capitalize()} recorded ({', '.join(by)}).")
        parts.append(capitalise(checked) + ".")
    elif problems:
        one = problems == 1
        parts.append(
            f"No findings recorded yet, but {count_phrase(problems, 'answer')} {'points' if one else 'point'} to a "
            f"problem (the cons): make {'it a finding' if one else 'them findings'} to say who to call and what it "
            f"may cost. {capitalise(checked)}{caveat}."
        )
    elif caveat:
        parts.append(f"No findings recorded, but {checked}{caveat}.")
    else:
        parts.append(f"No findings recorded; {checked}.")
    if assessed.not_assessed:
        verb = "was" if assessed.not_assessed == 1 else "were"
        parts.append(f"{count_phrase(assessed.not_assessed, 'item').capitalize()} {verb} not assessed by anyone.")
    return " ".join(parts)
