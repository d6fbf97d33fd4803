"""Accuracy and cost of the offline `local` vision core on the labelled development photos, before (the
classifier alone, as it was) and after (classifier + object detector) in one run.

    python bench/room_accuracy.py [DATASET_DIR] [--labels CSV] [--limit K] [--seeds 0,1,2,3] [--errors]

DATASET_DIR (default ../shared/datasets/rooms-dev) holds one folder per class: bathroom, bedroom,
dining_room, hallway, kitchen, living_room, ...; `exterior_front` and `_exterior_{apartment,
detached_house,townhouse}` count as room type `exterior`, the latter also give the house type
(`exterior_front` photos are detached single-family homes, see the dataset's SOURCES.md).
--labels (default bench/labels/products-dev.csv) is our hand-made presence table of products per photo.

Reports, each "before" next to "after":
- room type per photo (top-1 among room types, and how often the verdict is `other`), per class;
- room type per room: every 3 photos of one class together, over several shufflings (seeds);
- product precision / recall per product, per photo (before: the old rule, classifier confidence >= 0.2;
  after: `product_rules.SEEN_RULES`), with the detector's precision at a few score thresholds;
- house type on exterior photos: precision where it answers, and coverage;
- ms per image (decode, classifier, detector) and the peak RSS of each phase.

Measurement only: nothing here fits anything to the photos. Phase 1 (before) runs the classifier alone;
phase 2 loads the detector and adds it, so the peak RSS of each is its own.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from housescan.agents.local import evidence, product_rules
from housescan.agents.local.backends import imagenet_labels, load_classifier
from housescan.agents.local.detector import Boxes, load_detectors
from housescan.agents.local.images import decode
from housescan.agents.local.vision import (
    ROOM_TYPES,
    ImageFindings,
    VisionModels,
    classify_house,
    classify_room,
    configured_specs,
    decide_house,
    findings_from_view_probs,
)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".bmp"}
OLD_PRESENT = 0.2  # the provider's rule before: a product was "present" from classifier confidence 0.2
REPO = Path(__file__).resolve().parent.parent
SHORT = {
    "bedroom": "bed",
    "living_room": "liv",
    "kitchen": "kit",
    "bathroom": "bath",
    "dining_room": "din",
    "office": "off",
    "hallway": "hall",
    "laundry": "laun",
    "garage": "gar",
    "exterior": "ext",
    "other": "oth",
}


def truth_of(folder: str) -> tuple[str, str | None]:
    """Room type and house type (exterior photos only) of a class folder."""
    if folder.startswith("_exterior_"):
        return "exterior", folder.removeprefix("_exterior_")
    if folder.startswith("exterior"):
        return "exterior", "detached_house"
    return folder, None


def forced(f: ImageFindings) -> str:
    """Best room type, never `other` (for the top-1 accuracy figure)."""
    scores = {k: v for k, v in f.room_scores.items() if k != "other"}
    return max(scores, key=lambda k: scores[k])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class Photo:
    key: str  # "class/file"
    room: str
    house: str | None
    before: ImageFindings
    after: ImageFindings | None = None


def read_labels(path: Path) -> dict[str, set[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return {row["file"]: {k for k, v in row.items() if k != "file" and v.strip() == "1"} for row in rows}


def label_columns(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [c for c in next(csv.reader(fh)) if c != "file"]


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f}%" if b else "   n/a"


def room_report(photos: Sequence[Photo], pick: Callable[[Photo], ImageFindings], errors: bool) -> tuple[int, int]:
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    confusion: Counter[tuple[str, str]] = Counter()
    wrong: list[str] = []
    for p in photos:
        f = pick(p)
        pred = forced(f)
        confusion[(p.room, pred)] += 1
        stats = per_class[p.room]
        stats[0] += pred == p.room
        stats[1] += 1
        stats[2] += classify_room([f]).room_types == ["other"]
        if pred != p.room:
            objects = ", ".join(f"{d.label} {d.score:.2f}" for d in f.detections[:3])
            top = ", ".join(f"{n} {q:.2f}" for n, q in f.evidence[:3])
            wrong.append(f"    {p.key}: {pred} ({top}{'; ' + objects if objects else ''})")
    ok = sum(s[0] for s in per_class.values())
    n = sum(s[1] for s in per_class.values())
    for room in sorted(per_class):
        c, t, o = per_class[room]
        print(f"    {room:<12} {c:>3}/{t:<3} {pct(c, t)}   (verdict 'other': {o})")
    print(f"    {'OVERALL':<12} {ok:>3}/{n:<3} {pct(ok, n)}")
    used = [r for r in ROOM_TYPES if any(r in k for k in confusion)]
    print("    confusion (rows truth, columns predicted): " + " ".join(f"{SHORT[r]:>5}" for r in used))
    for t in used:
        if any(k[0] == t for k in confusion):
            print(f"    {t:>42} " + " ".join(f"{confusion[(t, q)] or '.':>5}" for q in used))
    if errors and wrong:
        print("    misclassified:\n" + "\n".join(wrong))
    return ok, n


def per_room_report(
    photos: Sequence[Photo], pick: Callable[[Photo], ImageFindings], seeds: Sequence[int], size: int
) -> list[float]:
    by_truth: dict[str, list[Photo]] = defaultdict(list)
    for p in photos:
        by_truth[p.room].append(p)
    results = []
    for seed in seeds:
        rng = random.Random(seed)
        ok = n = other = 0
        per: dict[str, str] = {}
        for truth in sorted(by_truth):
            items = list(by_truth[truth])
            rng.shuffle(items)
            groups = [items[i : i + size] for i in range(0, len(items) - size + 1, size)]
            c = 0
            for g in groups:
                verdict = classify_room([pick(p) for p in g])
                c += verdict.room_types[0] == truth
                other += verdict.room_types == ["other"]
            ok += c
            n += len(groups)
            per[truth] = f"{c}/{len(groups)}"
        results.append(ok / n if n else 0.0)
        detail = " ".join(f"{SHORT[k]} {v}" for k, v in per.items())
        print(f"    seed {seed}: {ok}/{n} {pct(ok, n)}  ('other' {other})  {detail}")
    print(f"    mean {100.0 * sum(results) / len(results):.1f}%  min {100.0 * min(results):.1f}%")
    return results


def product_report(
    photos: Sequence[Photo], labels: dict[str, set[str]], columns: Sequence[str]
) -> dict[str, tuple[int, int, int, int, int, int]]:
    """Per product: before tp, fp, fn and after tp, fp, fn over the labelled photos."""
    out: dict[str, tuple[int, int, int, int, int, int]] = {}
    labelled = [p for p in photos if p.key in labels and p.after is not None]
    print(f"    {len(labelled)} labelled photos; precision / recall (tp fp fn)")
    print(f"    {'product':<13} {'before':>28}   {'after':>28}")
    totals = [0] * 6
    for product in columns:
        counts = [0] * 6
        for p in labelled:
            truth = product in labels[p.key]
            before = p.before.products.get(product, 0.0) >= OLD_PRESENT
            assert p.after is not None
            in_room = classify_room([p.after]).room_types  # the photo's own room verdict, as a one-photo room
            after = product_rules.seen_precision(product, p.after.sightings.get(product, []), in_room) is not None
            for offset, said in ((0, before), (3, after)):
                if said and truth:
                    counts[offset] += 1
                elif said:
                    counts[offset + 1] += 1
                elif truth:
                    counts[offset + 2] += 1
        out[product] = tuple(counts)  # type: ignore[assignment]
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
        print(f"    {product:<13} {_pr(*counts[:3]):>28}   {_pr(*counts[3:]):>28}")
    print(f"    {'ALL':<13} {_pr(*totals[:3]):>28}   {_pr(*totals[3:]):>28}")
    # the detector's own precision / recall at a few box-score thresholds (one box of the label suffices)
    print("    detector alone, precision/recall by minimum box score:")
    for product in columns:
        labels_of = evidence.DETECTOR_PRODUCTS.get(product)
        if not labels_of:
            continue
        cells = []
        for thr in (0.25, 0.3, 0.35, 0.4, 0.5):
            tp = fp = fn = 0
            for p in labelled:
                assert p.after is not None
                said = any(d.label in labels_of and d.score >= thr for d in p.after.detections)
                truth = product in labels[p.key]
                tp += said and truth
                fp += said and not truth
                fn += truth and not said
            cells.append(f"{thr:.2f}: {_short_pr(tp, fp, fn)}")
        print(f"      {product:<13} " + "  ".join(cells))
    return out


def _pr(tp: int, fp: int, fn: int) -> str:
    p = f"{tp / (tp + fp):.2f}" if tp + fp else " n/a"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else " n/a"
    return f"{p} / {r} ({tp} {fp} {fn})"


def _short_pr(tp: int, fp: int, fn: int) -> str:
    p = f"{tp / (tp + fp):.2f}" if tp + fp else "n/a"
    r = f"{tp / (tp + fn):.2f}" if tp + fn else "n/a"
    return f"{p}/{r}"


def house_report(photos: Sequence[Photo]) -> None:
    exteriors = [p for p in photos if p.house is not None]
    if not exteriors:
        return
    b_ok = 0
    a_ok = a_n = 0
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for p in exteriors:
        ranked, _ = classify_house([], [p.before])
        b_ok += ranked[0] == p.house
        assert p.after is not None
        decision = decide_house([], [p.after])
        stats = per[p.house]
        stats[2] += 1
        if decision.house_types:
            a_n += 1
            stats[1] += 1
            correct = decision.house_types[0] == p.house
            a_ok += correct
            stats[0] += correct
    n = len(exteriors)
    print(f"    before: always answers: precision {pct(b_ok, n)} ({b_ok}/{n}), coverage 100%")
    print(f"    after:  precision {pct(a_ok, a_n)} ({a_ok}/{a_n}), coverage {pct(a_n, n)} ({a_n}/{n})")
    for house, (ok, answered, total) in sorted(per.items()):
        print(f"      {house:<15} answered {answered}/{total}, right {ok}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?", type=Path, default=REPO.parent / "shared" / "datasets" / "rooms-dev")
    parser.add_argument("--labels", type=Path, default=REPO / "bench" / "labels" / "products-dev.csv")
    parser.add_argument("--limit", type=int, default=0, help="at most this many photos per class (0: all)")
    parser.add_argument("--seeds", default="0,1,2,3", help="shufflings for the per-room figures")
    parser.add_argument("--per-room", type=int, default=3, help="photos per simulated room")
    parser.add_argument("--errors", action="store_true", help="list each misclassified photo")
    args = parser.parse_args(argv)

    root: Path = args.dataset
    if not root.is_dir():
        print(f"no dataset at {root}", file=sys.stderr)
        return 2
    files: list[tuple[Path, str]] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        found = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        files += [(p, folder.name) for p in found[: args.limit or None]]

    # ---- phase 1: before (the classifier alone) ----
    t0 = time.perf_counter()
    models = VisionModels([load_classifier(spec) for spec in configured_specs()], imagenet_labels())
    print(f"classifier: {models.backend} (load {time.perf_counter() - t0:.1f} s)")
    photos: list[Photo] = []
    decode_ms: list[float] = []
    clf_ms: list[float] = []
    for path, folder in files:
        data = path.read_bytes()
        t = time.perf_counter()
        img = decode(data)
        decode_ms.append((time.perf_counter() - t) * 1000.0)
        t = time.perf_counter()
        probs = models.view_probs(img)
        before = findings_from_view_probs(probs, models.tables)
        clf_ms.append((time.perf_counter() - t) * 1000.0)
        room, house = truth_of(folder)
        photos.append(Photo(f"{folder}/{path.name}", room, house, before))
    rss_before = peak_rss_mb()

    # ---- phase 2: after (+ the detector) ----
    t0 = time.perf_counter()
    detector = load_detectors()
    if detector is None:
        print("the detectors are missing: run `make models`", file=sys.stderr)
        return 2
    print(f"detectors: {', '.join(detector.names)} (load {time.perf_counter() - t0:.1f} s)")
    with_detector = VisionModels(models.classifiers, imagenet_labels(), detector)
    det_ms: list[float] = []
    after_clf_ms: list[float] = []
    for (path, _), p in zip(files, photos, strict=True):
        img = decode(path.read_bytes())
        t = time.perf_counter()
        probs = with_detector.view_probs(img)  # timed again: next to the detector's session it can be slower
        after_clf_ms.append((time.perf_counter() - t) * 1000.0)
        t = time.perf_counter()
        boxes: Boxes = detector.detect(img)
        det_ms.append((time.perf_counter() - t) * 1000.0)
        p.after = findings_from_view_probs(probs, models.tables, 0.0, boxes.for_rooms, boxes.for_products)
    rss_after = peak_rss_mb()

    def before(p: Photo) -> ImageFindings:
        return p.before

    def after(p: Photo) -> ImageFindings:
        assert p.after is not None
        return p.after

    print(f"\n{len(photos)} photos from {root}")
    print("\nROOM TYPE, SINGLE PHOTO (top-1 among room types)")
    print("  before (classifier alone):")
    room_report(photos, before, args.errors)
    print("  after (classifier + detector):")
    room_report(photos, after, args.errors)

    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    print(f"\nROOM TYPE, PER ROOM ({args.per_room} photos of one class together)")
    print("  before:")
    per_room_report(photos, before, seeds, args.per_room)
    print("  after:")
    per_room_report(photos, after, seeds, args.per_room)

    if args.labels.is_file():
        print(f"\nPRODUCTS (presence per photo, labels {args.labels.relative_to(REPO)})")
        product_report(photos, read_labels(args.labels), label_columns(args.labels))

    print("\nHOUSE TYPE (exterior photos; exterior_front = detached_house)")
    house_report(photos)

    def stats(ms: list[float]) -> str:
        s = sorted(ms)
        return f"mean {sum(s) / len(s):.0f} ms, median {s[len(s) // 2]:.0f}, p95 {s[int(len(s) * 0.95)]:.0f}"

    mean_before = (sum(decode_ms) + sum(clf_ms)) / len(photos)
    mean_after = (sum(decode_ms) + sum(after_clf_ms) + sum(det_ms)) / len(photos)
    print("\nCOST (per photo, this process, 2 shared cores)")
    print(f"  decode {stats(decode_ms)}; classifier alone {stats(clf_ms)}")
    print(f"  with the detector: classifier {stats(after_clf_ms)}, detector (two looks) {stats(det_ms)}")
    print(f"  before: {1000.0 / mean_before:.2f} images/s, peak RSS {rss_before:.0f} MB")
    print(
        f"  after:  {1000.0 / mean_after:.2f} images/s ({mean_before / mean_after:.2f}x), peak RSS {rss_after:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
