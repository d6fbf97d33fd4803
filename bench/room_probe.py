"""Issue 25, seventh step: would a room type learned from the dev photos beat the hand-written tables?

A linear probe (multinomial logistic regression, L2) on EfficientNet-Lite2's pooled last-layer features
(1,280 numbers per test-time view), trained on four folds and measured on the fifth, with the same grouped
folds and the same three deals as `cv_figures.py`. Two ways to train it: one mean feature vector per photo, or
every view a sample (nine times the examples; the photo's answer is the mean log-probability of its views).
Beside it, the mix of the probe with the room scores of the shipped rules (`a` the probe's weight).

    .venv/bin/python bench/room_probe.py [--cache PATH]

The shipped rules were chosen on all photos, so a mix with them is read against their in-sample figure
(156 of 163), and the probe alone against the out-of-fold headline (94.9 %, about 154.7 of 163).
Results and what was kept: bench/README-models.md, "Seventh step".
"""

from __future__ import annotations

import argparse
import pickle
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cv_figures import deal_folds  # a sibling bench script: the same grouped folds
from housescan.agents.local import backends, vision
from housescan.agents.local.images import decode, prepare_image, render, standard_views
from room_accuracy import truth_of

ROOT = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "rooms-dev"
DEFAULT_CACHE = Path("/tmp/housescan-cv/lite2-features.pkl")  # noqa: S108 (a cache of our own runs)
ROOMS = ("bathroom", "bedroom", "dining_room", "exterior", "hallway", "kitchen", "living_room")
PENALTIES = (0.01, 0.1, 1.0)
MIX = (0.25, 0.5, 1.0)
FOLDS, DEALS = 5, 3


def collect(cache: Path) -> list[dict[str, Any]]:
    """Per photo: its key, true room, the features of each view, and the shipped rules' room scores."""
    if cache.is_file():
        photos: list[dict[str, Any]] = pickle.loads(cache.read_bytes())  # noqa: S301 (written by this script)
        return photos
    import torch

    model = backends._load_torch_model(backends.LITE2)
    models = vision.VisionModels.load()
    photos = []
    for path in sorted(p for p in ROOT.glob("*/*") if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"}):
        img = prepare_image(decode(path.read_bytes()))
        batch = torch.from_numpy(render(img, standard_views(img.width, img.height), backends.LITE2.size))
        with torch.no_grad():
            features = model.extract_features(batch).mean(dim=(2, 3)).numpy()
        photos.append(
            {
                "key": f"{path.parent.name}/{path.name}",
                "truth": truth_of(path.parent.name)[0],
                "features": features,
                "shipped": dict(models.analyse(img).room_scores),
            }
        )
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(photos))
    return photos


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(1, keepdims=True))


def fit(x: np.ndarray, y: np.ndarray, penalty: float, steps: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Mean cross-entropy + penalty * |w|^2 / 2, minimised by Adam (full batch)."""
    w, b = np.zeros((x.shape[1], len(ROOMS))), np.zeros(len(ROOMS))
    target = np.eye(len(ROOMS))[y]
    moments = [[np.zeros_like(w), np.zeros_like(w)], [np.zeros_like(b), np.zeros_like(b)]]
    for t in range(1, steps + 1):
        g = (softmax(x @ w + b) - target) / len(x)
        for param, grad, (m, v) in ((w, x.T @ g + penalty * w, moments[0]), (b, g.sum(0), moments[1])):
            m[...] = 0.9 * m + 0.1 * grad
            v[...] = 0.999 * v + 0.001 * grad * grad
            param -= 0.025 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return w, b


def right_out_of_fold(photos: Sequence[dict[str, Any]], deal: int, per_view: bool) -> dict[tuple[float, float], int]:
    """Photos right, out of fold, for each (penalty, mix)."""
    y = np.array([ROOMS.index(p["truth"]) for p in photos])
    shipped = np.array([[max(p["shipped"].get(r, 0.0), 1e-4) for r in ROOMS] for p in photos])
    shipped_log = np.log(shipped / shipped.sum(1, keepdims=True))
    fold = np.array(deal_folds([p["key"] for p in photos], FOLDS, seed=deal))
    right: dict[tuple[float, float], int] = dict.fromkeys(((c, a) for c in PENALTIES for a in MIX), 0)
    for f in range(FOLDS):
        train, test = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        if per_view:
            x = np.concatenate([photos[i]["features"] for i in train])
            labels = np.concatenate([[y[i]] * len(photos[i]["features"]) for i in train])
        else:
            x = np.stack([photos[i]["features"].mean(0) for i in train])
            labels = y[train]
        mean, scale = x.mean(0), x.std(0) + 1e-6
        for penalty in PENALTIES:
            w, b = fit((x - mean) / scale, labels, penalty)
            probe = np.empty((len(test), len(ROOMS)))
            for row, i in enumerate(test):
                views = photos[i]["features"] if per_view else photos[i]["features"].mean(0, keepdims=True)
                probe[row] = np.log(softmax((views - mean) / scale @ w + b) + 1e-6).mean(0)
            for a in MIX:
                mixed = a * probe + (1 - a) * shipped_log[test]
                right[penalty, a] += int((mixed.argmax(1) == y[test]).sum())
    return right


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    start = time.perf_counter()
    photos = collect(args.cache)
    y = [p["truth"] for p in photos]
    shipped_right = sum(max(ROOMS, key=lambda r: p["shipped"].get(r, 0.0)) == t for p, t in zip(photos, y, strict=True))
    print(f"{len(photos)} photos; shipped rules, in sample: {shipped_right} right")
    for per_view in (False, True):
        by_deal = [right_out_of_fold(photos, deal, per_view) for deal in range(DEALS)]
        trained_on = "every view" if per_view else "one mean vector per photo"
        print(f"\nprobe trained on {trained_on}, right of {len(photos)}:")
        print("penalty  mix   " + "  ".join(f"deal {d}" for d in range(DEALS)) + "   mean")
        for key in by_deal[0]:
            counts = [r[key] for r in by_deal]
            print(f"{key[0]:<8} {key[1]:<5} " + "  ".join(f"{c:>6}" for c in counts) + f"  {np.mean(counts):6.1f}")
    print(f"\n{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
