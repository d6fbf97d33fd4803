"""The rooms of one scan judged together: a home seldom has two kitchens or two dining rooms, so when the
models read two rooms as kitchens, the one with the weaker kitchen evidence becomes what it reads as next,
named with the kitchen after it ("dining room, kitchen"), unless that runner-up is much weaker (strong
evidence of a second kitchen stands). An open-plan living room read as a dining room next to a clearer
dining room so becomes "living room, dining room". Rooms a home often has several of (bedrooms, bathrooms,
living rooms) are left alone. A room the person named (its name says "Kitchen") is never changed: the
person's type is the answer the report shows, and that room owns the type, so another room the models read
as a kitchen is the duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Room types a home has one of, for this rule, and ...
ONE_PER_HOME: tuple[str, ...] = ("kitchen", "dining_room")
#: ... a second room read as one of them becomes its runner-up when that scores at least this fraction of
#: its score for the type (None: the rule is off). Both chosen by cross-validation over homes simulated from
#: the development photos (bench/cv_figures.py: kitchen alone, + dining room, + living room; 0-0.85).
RUNNER_UP_RATIO: float | None = 0.35


@dataclass(frozen=True)
class RoomReading:
    """One room of a scan as the joint rule sees it."""

    room_types: Sequence[str]  # the room's own verdict, best first
    scores: Mapping[str, float]  # room type -> score for the room's photos
    person: str | None = None  # the room type the person gave (e.g. from the room's name "Kitchen")


def judge_together(
    rooms: Sequence[RoomReading],
    *,
    one_per_home: Sequence[str] = ONE_PER_HOME,
    runner_up_ratio: float | None = RUNNER_UP_RATIO,
) -> list[list[str]]:
    """Each room's types, best first, after judging the scan's rooms together (a named room's as they were)."""
    out = [list(room.room_types) for room in rooms]
    if runner_up_ratio is None:
        return out
    for kind in one_per_home:
        claimants = [i for i, room in enumerate(rooms) if room.person is None and room.room_types[:1] == [kind]]
        by_strength = sorted(claimants, key=lambda i: -rooms[i].scores.get(kind, 0.0))
        # a room the person named owns its type; otherwise the clearest of the claimants does
        duplicates = by_strength if any(room.person == kind for room in rooms) else by_strength[1:]
        for i in duplicates:
            scores = rooms[i].scores
            others = [t for t in scores if t not in (kind, "other")]
            if not others:
                continue
            runner_up = max(others, key=lambda t: scores[t])
            if scores[runner_up] >= runner_up_ratio * scores.get(kind, 0.0):
                out[i] = [runner_up, kind]
    return out
