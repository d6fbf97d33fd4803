"""COCO object detector of the `local` provider: CenterNet (MobileNetV3 backbone, 80 COCO classes) from
the npm package `@vladmandic/human` (MIT), converted once to ONNX by `prepare` (see `tfjs_onnx.py`) and
run in onnxruntime: ~50 ms per look on 2 cores, two looks per photo (the photo and its mirror image).

    detector = load_detector()          # None when the converted file is absent (see `prepare`)
    boxes = detector.detect(image)      # list[Detection], boxes as fractions of the photo

Nothing is downloaded at run time: the file is made by `make models` (which fetches the pinned npm
tarball with `npm pack`, checks its integrity hash and converts it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image

from housescan.agents.local.backends import default_models_dir, default_threads, onnx_session, replaced_atomically

log = logging.getLogger(__name__)

#: Bumped whenever the converted graph changes, so stale files in the cache are not reused.
DETECTOR_VERSION = 1
NPM_PACKAGE = "@vladmandic/human"
NPM_VERSION = "3.3.6"
#: npm's integrity hash of the pinned tarball (`npm view @vladmandic/human@3.3.6 dist.integrity`).
NPM_INTEGRITY = "sha512-Nr5mPfq1gQ+uKeXY5uM3Fj8UxvF5CEh2s6txM5wRThqaW0mF9huooOuZSrT8hhGho0hGaXLFdAwfD/2+teCv6A=="
ONNX_FILENAME = f"centernet-coco-512-v{DETECTOR_VERSION}.onnx"
INPUT_SIZE = 512
STRIDE = 4
#: Detections below this score are dropped before anything else looks at them.
MIN_SCORE = 0.1
#: Same-class boxes overlapping more than this (IoU) are one object.
NMS_IOU = 0.5

COCO_LABELS = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog", "horse", "sheep", "cow",
    "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee",
    "skis", "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard",
    "tennis racket", "bottle", "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple",
    "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch",
    "potted plant", "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard",
    "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush",
)  # fmt: skip


@dataclass(frozen=True)
class Detection:
    label: str  # COCO class name
    score: float  # 0..1; from `Detector.detect` the mean of its two looks, a look that missed it counting 0
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 as fractions of the photo's width/height
    #: The higher of the two looks' scores (None for a single look, when it is `score`).
    best_look: float | None = None

    def at_best_look(self) -> Detection:
        """This detection as the look that saw it best saw it."""
        return self if self.best_look is None else replace(self, score=self.best_look, best_look=None)

    def mirrored(self) -> Detection:
        """The same detection with its box flipped left to right."""
        x1, y1, x2, y2 = self.box
        return replace(self, box=(round(1.0 - x2, 4), y1, round(1.0 - x1, 4), y2))

    @property
    def area(self) -> float:
        x1, y1, x2, y2 = self.box
        return max(0.0, x2 - x1) * max(0.0, y2 - y1)


def detector_path(models_dir: Path | None = None) -> Path:
    return (models_dir or default_models_dir()) / ONNX_FILENAME


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def decode(scores: np.ndarray, indices: np.ndarray, wh: np.ndarray, *, min_score: float = MIN_SCORE) -> list[Detection]:
    """Heat-map peaks (flat indices into (80, H, W)) and box sides (1, 4, H, W) to detections, with a
    per-class non-maximum suppression."""
    _, _, h, w = wh.shape
    found: list[Detection] = []
    for score, index in zip(scores.reshape(-1).tolist(), indices.reshape(-1).tolist(), strict=True):
        if score < min_score:
            break  # TopK output is sorted
        cls, rest = divmod(int(index), h * w)
        y, x = divmod(rest, w)
        left, top, right, bottom = (float(v) for v in wh[0, :, y, x])
        cx, cy = x * STRIDE, y * STRIDE
        box = (
            min(max((cx - left) / INPUT_SIZE, 0.0), 1.0),
            min(max((cy - top) / INPUT_SIZE, 0.0), 1.0),
            min(max((cx + right) / INPUT_SIZE, 0.0), 1.0),
            min(max((cy + bottom) / INPUT_SIZE, 0.0), 1.0),
        )
        if box[2] <= box[0] or box[3] <= box[1] or cls >= len(COCO_LABELS):
            continue
        rounded = (round(box[0], 4), round(box[1], 4), round(box[2], 4), round(box[3], 4))
        det = Detection(COCO_LABELS[cls], round(float(score), 4), rounded)
        if any(d.label == det.label and _iou(d.box, det.box) > NMS_IOU for d in found):
            continue
        found.append(det)
    return found


def merge_looks(first: Sequence[Detection], mirrored: Sequence[Detection]) -> list[Detection]:
    """One list from two looks at a photo (the second already flipped back): a box in both (same label,
    IoU above `NMS_IOU`) scores their mean and keeps the better look as `best_look`; a box in one look
    only scores half (the other look scored it 0). Strongest first; each box matches at most one other."""
    unmatched = list(mirrored)
    merged: list[Detection] = []
    for det in first:
        twins = [o for o in unmatched if o.label == det.label and _iou(o.box, det.box) > NMS_IOU]
        twin = max(twins, key=lambda o: o.score, default=None)
        if twin is None:
            merged.append(replace(det, score=round(det.score / 2, 4), best_look=det.score))
        else:
            unmatched.remove(twin)
            mean = round((det.score + twin.score) / 2, 4)
            merged.append(replace(det, score=mean, best_look=max(det.score, twin.score)))
    merged += [replace(o, score=round(o.score / 2, 4), best_look=o.score) for o in unmatched]
    merged.sort(key=lambda d: -d.score)
    return merged


class Detector:
    """The converted CenterNet in an onnxruntime session. Thread-safe (onnxruntime sessions are)."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = path
        self._sess = onnx_session(path, threads or default_threads())
        self.name = f"centernet-coco ({NPM_PACKAGE}@{NPM_VERSION})"

    def detect(self, image: Image.Image, *, min_score: float = MIN_SCORE) -> list[Detection]:
        """Detections on an RGB image and on its mirror image, merged (`merge_looks`): CenterNet finds
        some objects only one way round, and two looks that agree make a steadier score."""
        img = image if image.mode == "RGB" else image.convert("RGB")
        squashed = img.resize((INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)
        first = self.look(squashed, min_score=min_score)
        flipped = self.look(squashed.transpose(Image.Transpose.FLIP_LEFT_RIGHT), min_score=min_score)
        return merge_looks(first, [d.mirrored() for d in flipped])

    def look(self, squashed: Image.Image, *, min_score: float = MIN_SCORE) -> list[Detection]:
        """One look: detections on an RGB image already squashed to INPUT_SIZE x INPUT_SIZE (as the model
        was run by its authors)."""
        arr = np.asarray(squashed, dtype=np.float32)
        scores, indices, wh = self._sess.run(None, {"images": arr[None]})
        return decode(np.asarray(scores), np.asarray(indices), np.asarray(wh), min_score=min_score)


_lock = threading.Lock()


def load_detector(models_dir: Path | None = None, *, threads: int | None = None) -> Detector | None:
    """The detector from the models folder, or None (with a warning) when `make models` has not made it."""
    path = detector_path(models_dir)
    if not path.is_file():
        log.warning("object detector not found at %s; run `make models` (products will come from the classifier)", path)
        return None
    with _lock:
        return Detector(path, threads)


# --- one-off set-up (make models) ---------------------------------------------------------------------
MODEL_MEMBERS = ("package/models/centernet.json", "package/models/centernet.bin")
HEAT_NODE = "tower_0/keypoints"
WH_NODE = "tower_0/wh"


def check_integrity(tarball: Path, integrity: str = NPM_INTEGRITY) -> None:
    """Raise ValueError unless the tarball's sha512 is the pinned npm integrity hash."""
    import base64
    import hashlib

    algo, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise ValueError(f"{tarball}: {algo} {digest} is not the pinned {NPM_PACKAGE}@{NPM_VERSION} ({expected})")


def npm_pack(dest: Path) -> Path:
    """Fetch the pinned npm tarball with the ordinary npm client (the registry, nothing else)."""
    import shutil
    import subprocess

    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed once to fetch the detector's package (or pass --detector-tarball)")
    out = subprocess.run(  # noqa: S603 - a fixed command: npm, a pinned package name
        [npm, "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--pack-destination", str(dest), "--silent"],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    name = out.stdout.strip().splitlines()[-1]
    return dest / name


def export_detector(out_dir: Path, tarball: Path | None = None) -> Path:
    """Convert the pinned package's CenterNet to ONNX in `out_dir` (atomically) and check it runs."""
    import tarfile
    import tempfile

    import onnx

    from housescan.agents.local.tfjs_onnx import convert_files

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ONNX_FILENAME
    with tempfile.TemporaryDirectory(prefix="housescan-detector-") as tmp:
        work = Path(tmp)
        archive = tarball or npm_pack(work)
        check_integrity(archive)
        with tarfile.open(archive, "r:gz") as tar:
            for member in MODEL_MEMBERS:
                info = tar.getmember(member)
                extracted = tar.extractfile(info)
                if extracted is None:
                    raise RuntimeError(f"{member} missing from {archive}")
                (work / Path(member).name).write_bytes(extracted.read())
        model = convert_files(work / "centernet.json", (HEAT_NODE, WH_NODE))
        with replaced_atomically(target) as tmp_path:
            onnx.save(model, str(tmp_path))
            _check_detector(tmp_path)
    return target


def _check_detector(path: Path) -> None:
    """The converted graph runs and gives finite, bounded outputs on a synthetic photo."""
    detector = Detector(path, threads=1)
    img = Image.new("RGB", (640, 480), (200, 190, 180))
    arr = np.asarray(img.resize((INPUT_SIZE, INPUT_SIZE)), dtype=np.float32)
    scores, _, wh = detector._sess.run(None, {"images": arr[None]})
    if not (np.isfinite(scores).all() and np.isfinite(wh).all()) or float(np.max(scores)) > 1.0:
        raise RuntimeError(f"converted detector {path} gives invalid outputs")
