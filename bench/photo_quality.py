"""Photo quality flags (src/housescan/scans/quality.py): precision and recall of each flag on degraded copies
of the development photos made here in code, false alarms on the originals, thresholds chosen by grouped
cross-validation, and what the check adds to an upload, side by side.

    python bench/photo_quality.py [DATASET_DIR] [--folds 5] [--repeats 3] [--timing-photos 6]

Copies (made from each photo with Pillow, at the photo's own size; blur radii are given at the measures'
scale, `QUALITY_SIDE` px on the short side, and scaled to the photo):
- blurred: Gaussian blur of radius 2, 3 and 5 (positives for `blurred`); radius 1 is reported apart
  (a grey zone: soft, not useless);
- too dark: brightness x 0.15 and x 0.25 (positives for `too_dark`); over-exposed: x 2.5, x 3.5 and +140
  (positives for `overexposed`); x 0.7 and x 1.3 are fine photos (negatives for every flag);
- too small: downscaled to a short side of 96 and 150 px (positives for `too_small`);
- near-duplicates: a 90 % centre crop and a JPEG re-encode at quality 60 of each photo, paired with it
  (positives); every pair of two different photos of one class (negatives: a room's other photos).
The originals are negatives for every flag (their false alarms are counted).

Thresholds: on k-1 folds (grouped by home, as bench/cv_figures.py), the threshold with the highest recall
at a training precision of at least 0.9 (else the best F1); measured on the fold left out, pooled.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageFilter

from housescan.scans import quality
from housescan.scans.images import normalise_image
from housescan.storage.renditions import make_renditions

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cv_figures import deal_folds

REPO = Path(__file__).resolve().parent.parent
MIN_PRECISION = 0.9


@dataclass
class Copy:
    photo: int  # index of the photo it was made from
    kind: str  # "original", "blur2", "dark0.15", ...
    measures: quality.Measures


def degrade(img: Image.Image) -> dict[str, Image.Image]:
    short = min(img.size)
    scale = short / quality.QUALITY_SIDE
    out: dict[str, Image.Image] = {"original": img}
    for r in (1, 2, 3, 5):
        out[f"blur{r}"] = img.filter(ImageFilter.GaussianBlur(r * scale))
    for f in (0.15, 0.25, 0.7, 1.3, 2.5, 3.5):
        out[f"bright{f}"] = ImageEnhance.Brightness(img).enhance(f)
    out["plus140"] = Image.eval(img, lambda v: min(255, v + 140))
    for side in (96, 150):
        k = side / short
        out[f"small{side}"] = img.resize(
            (max(1, round(img.width * k)), max(1, round(img.height * k))), Image.Resampling.LANCZOS
        )
    return out


def jpeg(img: Image.Image, q: int = 90) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=q)
    return buf.getvalue()


def positive(flag: str, kind: str) -> bool:
    return {
        "blurred": kind in ("blur2", "blur3", "blur5"),
        "too_dark": kind in ("bright0.15", "bright0.25"),
        "overexposed": kind in ("bright2.5", "bright3.5", "plus140"),
        "too_small": kind in ("small96", "small150"),
    }[flag]


def counted(flag: str, kind: str) -> bool:
    """Copies that count for a flag: its positives and the negatives (grey-zone copies are left out)."""
    return kind != "blur1" and not (flag == "blurred" and kind.startswith("small"))


# flag -> (measure, direction: True if a low value flags, candidate thresholds)
MEASURE: dict[str, tuple[Callable[[quality.Measures], float], bool, Sequence[float]]] = {
    "blurred": (lambda m: m.sharpness, True, [5, 10, 15, 20, 30, 40, 50, 60, 80, 100, 130, 160, 200, 250, 300]),
    "too_dark": (lambda m: m.brightness, True, [20, 25, 30, 35, 40, 45, 50, 55, 60, 70]),
    "overexposed": (lambda m: m.clipped, False, [0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7]),
    "too_small": (lambda m: float(min(m.width, m.height)), True, [120, 160, 180, 200, 224, 256]),
}


def flagged(flag: str, m: quality.Measures, threshold: float) -> bool:
    value_of, low, _ = MEASURE[flag]
    value = value_of(m)
    hit = value < threshold if low else value >= threshold
    if flag == "blurred":  # as quality.flags_of: a dark photo is flagged dark, not blurred
        hit = hit and m.brightness >= quality.DARK_MAX_BRIGHTNESS
    return hit


def counts(flag: str, copies: Sequence[Copy], threshold: float) -> tuple[int, int, int]:
    tp = fp = fn = 0
    for c in copies:
        if not counted(flag, c.kind):
            continue
        said, truth = flagged(flag, c.measures, threshold), positive(flag, c.kind)
        tp += said and truth
        fp += said and not truth
        fn += truth and not said
    return tp, fp, fn


def choose(flag: str, copies: Sequence[Copy], thresholds: Sequence[float]) -> float:
    def key(t: float) -> tuple[bool, float, float]:
        tp, fp, fn = counts(flag, copies, t)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return p >= MIN_PRECISION, r if p >= MIN_PRECISION else f1, p

    return max(thresholds, key=key)


def pr_text(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else float("nan")
    r = tp / (tp + fn) if tp + fn else float("nan")
    return f"precision {p:.2f}, recall {r:.2f} ({tp} right, {fp} false alarms, {fn} missed)"


def duplicate_pairs(
    keys: Sequence[str], hashes: Sequence[str], copies_of: dict[int, list[str]]
) -> tuple[list[int], list[int]]:
    """Hamming distances of true near-duplicate pairs, and of pairs of different photos of one class."""
    same = [quality.hash_distance(hashes[i], h) for i, hs in copies_of.items() for h in hs]
    by_class: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        by_class.setdefault(key.split("/")[0], []).append(i)
    different = [
        quality.hash_distance(hashes[a], hashes[b])
        for members in by_class.values()
        for a, b in itertools.combinations(members, 2)
    ]
    return same, different


def timing(paths: Sequence[Path], n: int) -> None:
    """Per phone-size photo: the server's upload work (check and normalise, write and fsync) with and
    without the quality check, alternating."""
    photos = []
    for path in paths[:n]:
        img = Image.open(path).convert("RGB").resize((4032, 3024), Image.Resampling.BILINEAR)
        photos.append(jpeg(img, 90))
    with tempfile.TemporaryDirectory() as tmp:

        def upload(raw: bytes, check: bool) -> float:
            start = time.perf_counter()
            normalised = normalise_image(raw, max_bytes=50 * 1024 * 1024, max_pixels=100_000_000)
            if check:
                quality.measure_photo(raw)
            target = Path(tmp) / "photo.jpg"
            with target.open("wb") as fh:
                fh.write(normalised.data)
                fh.flush()
                os.fsync(fh.fileno())
            return (time.perf_counter() - start) * 1000.0

        without: list[float] = []
        with_check: list[float] = []
        check_alone: list[float] = []
        for _round in range(3):
            for raw in photos:
                without.append(upload(raw, False))
                with_check.append(upload(raw, True))
                start = time.perf_counter()
                quality.measure_photo(raw)
                check_alone.append((time.perf_counter() - start) * 1000.0)
        # the other place for it: the renditions pass decodes every photo anyway (in the background, after
        # the upload's commit); measuring its decoded copy costs a resize and the measures
        renditions: list[float] = []
        measured_there: list[float] = []
        for raw in photos:
            start = time.perf_counter()
            make_renditions(raw)
            renditions.append((time.perf_counter() - start) * 1000.0)
            with Image.open(io.BytesIO(raw)) as source:
                source.draft("RGB", (1280, 1280))
                decoded = source.convert("RGB")
            start = time.perf_counter()
            k = quality.QUALITY_SIDE / min(decoded.size)
            small = decoded.resize((round(decoded.width * k), round(decoded.height * k)), Image.Resampling.BOX)
            quality.measure_pixels(np.asarray(small, dtype=np.uint8))
            measured_there.append((time.perf_counter() - start) * 1000.0)
    r, m = statistics.median(renditions), statistics.median(measured_there)
    print(
        f"  in the background renditions pass instead: renditions {r:.0f} ms per photo, the measures on its "
        f"decoded copy {m:.1f} ms (+{100 * m / r:.0f} %), nothing added to the upload request"
    )
    a, b = statistics.median(without), statistics.median(with_check)
    print(
        f"\nCOST per 4032x3024 JPEG ({len(photos[0]) / 1e6:.1f} MB), median of {len(without)}: upload work "
        f"(check + strip metadata, write + fsync) {a:.1f} ms; with the quality check {b:.1f} ms "
        f"(+{100 * (b - a) / a:.0f} %); the check alone {statistics.median(check_alone):.1f} ms"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dataset", nargs="?", type=Path, default=REPO.parent / "shared" / "datasets" / "rooms-dev")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timing-photos", type=int, default=6)
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.dataset.glob("*/*.jpg"))
    if not paths:
        print(f"no photos in {args.dataset}", file=sys.stderr)
        return 2
    keys = [f"{p.parent.name}/{p.name}" for p in paths]
    copies: list[Copy] = []
    hashes: list[str] = []
    dup_hashes: dict[int, list[str]] = {}
    for i, path in enumerate(paths):
        img = Image.open(path).convert("RGB")
        for kind, copy in degrade(img).items():
            m = quality.measure_photo(jpeg(copy, 92))
            copies.append(Copy(i, kind, m))
            if kind == "original":
                hashes.append(m.dhash)
        w, h = img.size
        crop = img.crop((round(w * 0.05), round(h * 0.05), round(w * 0.95), round(h * 0.95)))
        dup_hashes[i] = [quality.measure_photo(jpeg(crop)).dhash, quality.measure_photo(jpeg(img, 60)).dhash]
    print(f"{len(paths)} photos, {len(copies)} copies")

    print(f"\nFLAGS: out of fold ({args.folds}-fold grouped by home, {args.repeats} deals pooled) and in sample")
    for flag, (_value, _low, thresholds) in MEASURE.items():
        pooled = [0, 0, 0]
        chosen: list[float] = []
        for rep in range(args.repeats):
            fold_of_photo = deal_folds(keys, args.folds, seed=rep)
            for f in range(args.folds):
                train = [c for c in copies if fold_of_photo[c.photo] != f]
                test = [c for c in copies if fold_of_photo[c.photo] == f]
                t = choose(flag, train, thresholds)
                chosen.append(t)
                pooled = [a + b for a, b in zip(pooled, counts(flag, test, t), strict=True)]
        everything = choose(flag, copies, thresholds)
        shipped = {
            "blurred": quality.BLUR_MAX_SHARPNESS,
            "too_dark": quality.DARK_MAX_BRIGHTNESS,
            "overexposed": quality.OVEREXPOSED_MIN_CLIPPED,
            "too_small": quality.SMALL_MIN_SHORT_SIDE,
        }[flag]
        print(f"  {flag}: out of fold {pr_text(*pooled)}; thresholds chosen {sorted(set(chosen))}")
        print(f"    chosen on all photos: {everything}: {pr_text(*counts(flag, copies, everything))}")
        print(f"    shipped ({shipped}): {pr_text(*counts(flag, copies, shipped))}")
        originals = [c for c in copies if c.kind == "original"]
        alarms = sum(flagged(flag, c.measures, shipped) for c in originals)
        print(f"    false alarms on the {len(originals)} originals at the shipped threshold: {alarms}")
    soft = [c for c in copies if c.kind == "blur1"]
    soft_flagged = sum("blurred" in quality.flags_of(c.measures) for c in soft)
    print(f"  radius-1 blur (grey zone) flagged blurred: {soft_flagged}/{len(soft)}")

    same, different = duplicate_pairs(keys, hashes, dup_hashes)
    print("\nNEAR-DUPLICATES (dHash distance): true pairs (crop, re-encode) vs two photos of one class")
    # by cross-validation: the largest distance with no false alarm among the training folds' pairs
    pooled_dup = [0, 0, 0]
    picked: list[int] = []
    for rep in range(args.repeats):
        fold_of_photo = deal_folds(keys, args.folds, seed=rep)
        for f in range(args.folds):
            train_keys = [k for i, k in enumerate(keys) if fold_of_photo[i] != f]
            test_idx = [i for i in range(len(keys)) if fold_of_photo[i] == f]
            _same, tr_diff = duplicate_pairs(
                train_keys,
                [hashes[i] for i in range(len(keys)) if fold_of_photo[i] != f],
                {n: dup_hashes[i] for n, i in enumerate(i for i in range(len(keys)) if fold_of_photo[i] != f)},
            )
            t = max((t for t in range(2, 17) if not any(d <= t for d in tr_diff)), default=2)
            picked.append(t)
            te_same, te_diff = duplicate_pairs(
                [keys[i] for i in test_idx],
                [hashes[i] for i in test_idx],
                {n: dup_hashes[i] for n, i in enumerate(test_idx)},
            )
            tp = sum(d <= t for d in te_same)
            pooled_dup = [
                pooled_dup[0] + tp,
                pooled_dup[1] + sum(d <= t for d in te_diff),
                pooled_dup[2] + len(te_same) - tp,
            ]
    print(f"  out of fold: {pr_text(*pooled_dup)}; distances chosen {sorted(set(picked))}")
    for t in (2, 4, 6, 8, 10, 12, 14, 16):
        tp = sum(d <= t for d in same)
        fp = sum(d <= t for d in different)
        mark = "  <- shipped" if t == quality.DUPLICATE_MAX_DISTANCE else ""
        print(f"  <= {t:>2}: {pr_text(tp, fp, len(same) - tp)} of {len(different)} different pairs{mark}")
    print(f"  distances: duplicates median {np.median(same):.0f} max {max(same)}; different min {min(different)}")

    timing(paths, args.timing_photos)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
