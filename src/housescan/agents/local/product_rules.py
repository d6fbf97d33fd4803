"""When a product counts as seen in a room: the score a sighting must reach, the rooms a product is out of
place in, and the precision stated with the answer (out of fold, `measured.PRODUCT_PRECISION`). The
sightings themselves come from `evidence.product_sightings`.
"""

from __future__ import annotations

from collections.abc import Iterable

from housescan.agents.local import measured
from housescan.agents.local.evidence import Sighting

#: product -> [(source, minimum score, precision)]: a product is "seen" when one sighting from `source`
#: reaches the score; the answer's confidence is the precision that rule had on the development photos
#: (bench/room_accuracy.py, hand-labelled presence in bench/labels/products-dev.csv). Products without
#: a rule here are never asserted: their precision was not measured (their sightings are still reported).
#: One box score and one classifier score for every product (not tuned product by product; a threshold per
#: product was tried and did not hold out of fold, README-models.md). A source takes part for a product
#: only when on its own it was at least 0.85 precise there on the development photos. Both scores, and that
#: level, chosen by cross-validation (bench/cv_figures.py) at a training precision of 0.93, itself chosen by
#: cross-validation from 0.9 / 0.93 / 0.95 (the one nearest "precision 0.9 at recall 0.6" held out). A box is
#: both detectors' (CenterNet's and NanoDet's, merged: `detector.Detectors`).
DETECTOR_SEEN = 0.35
CLASSIFIER_SEEN = 0.6
#: room -> the products that make a room what it is (hand-written: a bathroom has a toilet, a kitchen an
#: oven). Such a room nearly always holds one, so in it a weaker box shows the product: the detector's
#: boxes of these objects are often cut by the frame or seen at an angle, and score low.
ROOM_PRODUCTS: dict[str, frozenset[str]] = {
    "bathroom": frozenset({"toilet", "sink", "bathtub", "shower"}),
    "kitchen": frozenset({"oven", "refrigerator", "microwave", "sink"}),
    "bedroom": frozenset({"bed"}),
    "living_room": frozenset({"sofa"}),
    "dining_room": frozenset({"dining_table"}),
}
#: The box score that shows a product in a room it makes what it is (DETECTOR_SEEN elsewhere; chosen by
#: cross-validation together with `NOT_IN_ROOMS`).
DETECTOR_SEEN_IN_ITS_ROOM = 0.3
#: The classifier's score that shows a product in a room it makes what it is (CLASSIFIER_SEEN elsewhere;
#: chosen by cross-validation from none, 0.15 and 0.25): ImageNet's "bathtub" or "toaster" reading is weak on
#: a photo of the whole room, and in a bathroom or a kitchen a weak one is the thing itself.
CLASSIFIER_SEEN_IN_ITS_ROOM: float | None = 0.15
#: A product is answered only when its rule's out-of-fold precision is above this (the report shows a
#: presence from a stated confidence of 0.5): one wrong more often than right out of fold, or never said
#: there, is "not seen" (its sightings are still listed).
MIN_STATED_PRECISION = 0.5
_OUTDOORS = frozenset({"exterior", "garage"})
_LIVING = frozenset({"bedroom", "living_room", "dining_room", "office", "hallway"})
#: product -> room types where a sighting of it is most often something else (hand-written from what rooms
#: hold: an island in a kitchen reads as a dining table, pillars in a hall as a four-poster bed). There it is
#: not answered ("not seen"); a room named by one of several types is excluded only when all of them are.
#: Kept because it raised the out-of-fold product precision (bench/cv_figures.py, `ProductRules.by_room`).
NOT_IN_ROOMS: dict[str, frozenset[str]] = {
    "bed": frozenset({"bathroom", "kitchen", "hallway", "dining_room", "laundry"}) | _OUTDOORS,
    "sofa": frozenset({"bathroom", "kitchen", "laundry"}) | _OUTDOORS,
    "dining_table": frozenset({"kitchen", "bathroom", "laundry"}) | _OUTDOORS,
    "tv": frozenset({"bathroom", "laundry"}) | _OUTDOORS,
    "toilet": frozenset({"kitchen"}) | _LIVING | _OUTDOORS,
    "bathtub": frozenset({"kitchen", "laundry"}) | _LIVING | _OUTDOORS,
    "shower": frozenset({"kitchen"}) | _LIVING | _OUTDOORS,
    "sink": _LIVING | _OUTDOORS,
    "oven": frozenset({"bathroom", "bedroom", "hallway", "laundry"}) | _OUTDOORS,
    "refrigerator": frozenset({"bathroom", "bedroom", "hallway", "exterior"}),
    "microwave": frozenset({"bathroom", "bedroom", "hallway", "exterior"}),
}
#: Whether `NOT_IN_ROOMS` applies (the bench switches it to measure it).
BY_ROOM = True


def out_of_place(product: str, room_types: Iterable[str]) -> bool:
    """True when every one of the room's types is a room where this product is not answered."""
    types = list(room_types)
    return bool(types) and all(t in NOT_IN_ROOMS.get(product, ()) for t in types)


_D_ = ("detector", DETECTOR_SEEN)
_C_ = ("classifier", CLASSIFIER_SEEN)
#: product -> sources (a source takes part when alone it was at least 0.85 precise on the development photos,
#: the level cross-validation chose) and precision: the out-of-fold precision of the product's rule
#: (`measured.PRODUCT_PRECISION`, written by bench/cv_figures.py), (right + 1) / (said + 2), never 1.0.
#: No source was that precise for a bathtub (ImageNet's "bathtub" reads showers and basins), so it is never
#: answered. Ovens come from the boxes again since NanoDet's join CenterNet's (CenterNet alone fired on
#: fireplaces and heaters); toilets from the classifier only (the merged toilet box was not 0.85 precise alone).
_SOURCES: dict[str, tuple[tuple[str, float], ...]] = {
    "bed": (_D_, _C_),
    "sofa": (_D_, _C_),
    "tv": (_D_,),
    "dining_table": (_D_, _C_),
    "toilet": (_C_,),
    "sink": (_D_, _C_),
    "shower": (_C_,),
    "oven": (_D_, _C_),
    "refrigerator": (_D_, _C_),
    "microwave": (_D_,),
}
_SEEN: dict[str, tuple[tuple[tuple[str, float], ...], float]] = {
    product: (sources, precision)
    for product, sources in _SOURCES.items()
    if (precision := measured.PRODUCT_PRECISION.get(product, (0.0, 0.0))[0]) > MIN_STATED_PRECISION
}
SEEN_RULES: dict[str, tuple[tuple[str, float, float], ...]] = {
    product: tuple((source, score, precision) for source, score in sources)
    for product, (sources, precision) in _SEEN.items()
}


def seen_precision(product: str, sightings: Iterable[Sighting], room_types: Iterable[str] = ()) -> float | None:
    """The measured precision of the first rule the sightings meet, or None ("not seen"). In a room of
    `room_types` that the product makes what it is (`ROOM_PRODUCTS`), a box of `DETECTOR_SEEN_IN_ITS_ROOM`
    or a classifier score of `CLASSIFIER_SEEN_IN_ITS_ROOM` is enough; in a room it is out of place in
    (`NOT_IN_ROOMS`), nothing is."""
    found = list(sightings)
    room_types = list(room_types)
    if BY_ROOM and out_of_place(product, room_types):
        return None
    at_home = any(product in ROOM_PRODUCTS.get(room, ()) for room in room_types)
    for source, min_score, precision in SEEN_RULES.get(product, ()):
        in_its_room = DETECTOR_SEEN_IN_ITS_ROOM if source == "detector" else CLASSIFIER_SEEN_IN_ITS_ROOM
        if at_home and in_its_room is not None:
            min_score = min(min_score, in_its_room)
        if any(s[2] == source and s[0] >= min_score for s in found):
            return precision
    return None
