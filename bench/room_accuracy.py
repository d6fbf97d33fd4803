"""Room-type (and house-type) accuracy of the offline `local` vision core on a labelled photo folder.

    python bench/room_accuracy.py [DATASET_DIR] [--per-room N] [--limit K] [--seed S]

DATASET_DIR (default ../shared/datasets/rooms-dev relative to the repository) holds one folder per
class: bathroom, bedroom, dining_room, hallway, kitchen, living_room, ... ; `exterior_front` and
`_exterior_{apartment,detached_house,townhouse}` count as room type `exterior`, the latter also give the
house type. Prints per-class accuracy, overall, a confusion matrix, house-type accuracy, ms/image and
peak RSS; then the "per room" mode: N photos of one class grouped as one room (as a real scan has),
classified together with classify_room.

Measurement only: nothing here fits anything to the photos.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from housescan.agents.local.vision import (
    ROOM_TYPES,
    ImageFindings,
    VisionModels,
    classify_house,
    classify_room,
)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".heic", ".bmp"}
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
    """Room type and (for _exterior_* folders) house type of a class folder."""
    if folder.startswith("_exterior_"):
        return "exterior", folder.removeprefix("_exterior_")
    if folder.startswith("exterior"):
        return "exterior", None
    return folder, None


def forced(f: ImageFindings) -> str:
    """Best room type, never `other` (for the top-1 accuracy figure)."""
    scores = {k: v for k, v in f.room_scores.items() if k != "other"}
    return max(scores, key=lambda k: scores[k])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    repo = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?", type=Path, default=repo.parent / "shared" / "datasets" / "rooms-dev")
    parser.add_argument("--per-room", type=int, default=3, help="photos per simulated room (0: skip)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many photos per class (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="seed for grouping photos into rooms")
    parser.add_argument("--errors", action="store_true", help="list each misclassified photo")
    args = parser.parse_args(argv)

    root: Path = args.dataset
    if not root.is_dir():
        print(f"no dataset at {root}", file=sys.stderr)
        return 2
    classes = sorted(p for p in root.iterdir() if p.is_dir())
    t0 = time.perf_counter()
    models = VisionModels.load()
    load_s = time.perf_counter() - t0
    print(f"models: {models.backend}  (load {load_s:.1f} s, RSS after load {peak_rss_mb():.0f} MB)")

    findings: dict[str, list[tuple[Path, ImageFindings]]] = defaultdict(list)
    times: list[float] = []
    for folder in classes:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if args.limit:
            files = files[: args.limit]
        for path in files:
            data = path.read_bytes()
            start = time.perf_counter()
            f = models.analyse_bytes(data)
            times.append((time.perf_counter() - start) * 1000.0)
            findings[folder.name].append((path, f))

    # ---- single photo ----
    labels = [r for r in ROOM_TYPES]
    confusion: Counter[tuple[str, str]] = Counter()
    per_class: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # correct, total, abstained
    house_ok = house_n = 0
    errors: list[str] = []
    for folder, items in findings.items():
        truth, house_truth = truth_of(folder)
        for path, f in items:
            pred = forced(f)
            confusion[(truth, pred)] += 1
            stats = per_class[truth]
            stats[0] += pred == truth
            stats[1] += 1
            stats[2] += classify_room([f]).room_types == ["other"]
            if pred != truth:
                top = ", ".join(f"{n} {p:.2f}" for n, p in f.evidence[:4])
                errors.append(f"  {folder}/{path.name}: {pred} ({top})")
            if house_truth is not None:
                ranked, _ = classify_house([], [f])
                house_ok += ranked[0] == house_truth
                house_n += 1

    print("\nSINGLE PHOTO (top-1, forced choice among room types)")
    total_ok = total_n = 0
    for truth in sorted(per_class):
        ok, n, abstained = per_class[truth]
        total_ok += ok
        total_n += n
        print(f"  {truth:<12} {ok:>3}/{n:<3} {100.0 * ok / n:5.1f}%   (verdict 'other': {abstained})")
    print(f"  {'OVERALL':<12} {total_ok:>3}/{total_n:<3} {100.0 * total_ok / max(total_n, 1):5.1f}%")
    macro = sum(ok / n for ok, n, _ in per_class.values()) / max(len(per_class), 1)
    print(f"  macro-average {100.0 * macro:.1f}%")

    used = [r for r in labels if any(k[1] == r or k[0] == r for k in confusion)]
    print("\nconfusion (rows truth, columns predicted)")
    print("  " + " " * 12 + "".join(f"{SHORT[r]:>6}" for r in used))
    for t in used:
        if not any(k[0] == t for k in confusion):
            continue
        print("  " + f"{t:<12}" + "".join(f"{confusion[(t, p)] or '.':>6}" for p in used))
    if house_n:
        print(f"\nhouse type on _exterior_* photos: {house_ok}/{house_n} = {100.0 * house_ok / house_n:.1f}%")
    if args.errors and errors:
        print("\nmisclassified:")
        print("\n".join(errors))

    times.sort()
    print(
        f"\nspeed: {sum(times) / len(times):.0f} ms/image mean, median {times[len(times) // 2]:.0f}, "
        f"p95 {times[int(len(times) * 0.95)]:.0f} ({len(times)} images)"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")

    # ---- per room ----
    if args.per_room > 0:
        rng = random.Random(args.seed)
        print(f"\nPER ROOM ({args.per_room} photos of the same class classified together, seed {args.seed})")
        by_truth: dict[str, list[ImageFindings]] = defaultdict(list)
        for folder, items in findings.items():
            by_truth[truth_of(folder)[0]].extend(f for _, f in items)
        r_ok = r_n = 0
        for truth in sorted(by_truth):
            items = list(by_truth[truth])
            rng.shuffle(items)
            groups = [items[i : i + args.per_room] for i in range(0, len(items), args.per_room)]
            groups = [g for g in groups if len(g) == args.per_room]
            ok = other = 0
            for g in groups:
                verdict = classify_room(g)
                ok += verdict.room_types[0] == truth
                other += verdict.room_types == ["other"]
            r_ok += ok
            r_n += len(groups)
            if groups:
                print(f"  {truth:<12} {ok:>3}/{len(groups):<3} {100.0 * ok / len(groups):5.1f}%   ('other': {other})")
        print(f"  {'OVERALL':<12} {r_ok:>3}/{r_n:<3} {100.0 * r_ok / max(r_n, 1):5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
