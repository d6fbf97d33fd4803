"""Is a photo worth analysing? Blurred, too dark, over-exposed, too small, near-duplicate: measured at upload
on a small copy of the photo, stored with it, and said in the report's limitations.

The measures work on raw pixels (RGB or RGBA, uint8) and are written the same way in the web app
(web/src/lib/photoQuality.ts) so the browser and the server flag the same photos; a test feeds both the
same pixel arrays. Integer arithmetic where it matters, so both get the same numbers:

- luma = (299 R + 587 G + 114 B) / 1000;
- the pixels are box-summed by the whole factor f = max(1, short side // `QUALITY_SIDE`); give the
  measures a copy whose short side is about `QUALITY_SIDE` (the server decodes at reduced scale and
  resizes; the browser draws the photo that size on a canvas) so sharpness is read at one scale;
- brightness = the mean luma; clipped = the share of pixels with luma >= 250;
- sharpness = the variance of the 4-neighbour Laplacian over the interior pixels;
- dhash = 64 bits: a 9 x 8 grid of mean luma (cell edges at whole pixels), each bit "left < right",
  compared on integer sums (exact in both languages).

The thresholds were chosen by cross-validation on degraded copies of the development photos
(bench/photo_quality.py, bench/README-models.md).
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from housescan.storage.renditions import upright_size

#: The short side, in pixels, the measures read a photo at.
QUALITY_SIDE = 256
#: Flag thresholds (bench/photo_quality.py chooses them by cross-validation).
BLUR_MAX_SHARPNESS = 130.0
DARK_MAX_BRIGHTNESS = 50.0
OVEREXPOSED_MIN_CLIPPED = 0.25
SMALL_MIN_SHORT_SIDE = 160
DUPLICATE_MAX_DISTANCE = 13
CLIPPED_LUMA = 250

Flag = Literal["blurred", "too_dark", "overexposed", "too_small", "near_duplicate"]
FLAGS: tuple[Flag, ...] = ("blurred", "too_dark", "overexposed", "too_small", "near_duplicate")
#: One plain sentence per flag, as the report and the capture screen say it.
SENTENCES: dict[Flag, str] = {
    "blurred": "This photo looks blurred: details (cracks, damp, fittings) may not show. Retake it holding still.",
    "too_dark": "This photo is too dark to see much. Turn on the lights or open the curtains and retake it.",
    "overexposed": "This photo is washed out by light (a window or a flash). Retake it facing away from the light.",
    "too_small": "This photo is very small: it shows too little detail to judge. Send the original photo.",
    "near_duplicate": "This photo is almost the same as another photo of this room: it adds nothing new.",
}


@dataclass(frozen=True)
class Measures:
    width: int  # of the photo as uploaded
    height: int
    brightness: float  # mean luma 0..255
    clipped: float  # share of pixels at luma >= CLIPPED_LUMA
    sharpness: float  # variance of the Laplacian at QUALITY_SIDE
    dhash: str  # 16 hex digits


def luma_milli(pixels: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """1000 x luma of an (H, W, 3 or 4) uint8 array, exactly (integers)."""
    rgb = pixels[..., :3].astype(np.int64)
    return np.asarray(299 * rgb[..., 0] + 587 * rgb[..., 1] + 114 * rgb[..., 2], dtype=np.int64)


def box_sums(milli: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], int]:
    """1000 x luma summed over f x f blocks, f the whole factor that brings the short side near
    QUALITY_SIDE; and f."""
    h, w = milli.shape
    f = max(1, min(h, w) // QUALITY_SIDE)
    hh, ww = h // f, w // f
    return np.asarray(milli[: hh * f, : ww * f].reshape(hh, f, ww, f).sum(axis=(1, 3)), dtype=np.int64), f


def dhash(sums: npt.NDArray[np.int64]) -> str:
    """64 bits from a 9 x 8 grid of block sums: "this cell is darker than the next", compared exactly."""
    h, w = sums.shape
    xs = [i * w // 9 for i in range(10)]
    ys = [j * h // 8 for j in range(9)]
    bits = 0
    for j in range(8):
        y0, y1 = ys[j], max(ys[j + 1], ys[j] + 1)
        cells = []
        for i in range(9):
            x0, x1 = xs[i], max(xs[i + 1], xs[i] + 1)
            cells.append((int(sums[y0:y1, x0:x1].sum()), (y1 - y0) * (x1 - x0)))
        for (a, na), (b, nb) in itertools.pairwise(cells):
            bits = (bits << 1) | (a * nb < b * na)
    return f"{bits:016x}"


def measure_pixels(pixels: npt.NDArray[np.uint8], *, width: int | None = None, height: int | None = None) -> Measures:
    """The measures of an (H, W, 3|4) uint8 array; `width`/`height` are the photo's own size when the array
    is a smaller copy of it."""
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4) or pixels.shape[0] < 3 or pixels.shape[1] < 3:
        raise ValueError("expected an (H, W, 3 or 4) array of at least 3 x 3 pixels")
    sums, f = box_sums(luma_milli(pixels))
    unit = 1000 * f * f
    luma = sums / float(unit)
    centre = luma[1:-1, 1:-1]
    lap = 4.0 * centre - luma[:-2, 1:-1] - luma[2:, 1:-1] - luma[1:-1, :-2] - luma[1:-1, 2:]
    mean = float(lap.mean())
    return Measures(
        width=width or pixels.shape[1],
        height=height or pixels.shape[0],
        brightness=int(sums.sum()) / (unit * sums.size),
        clipped=int((sums >= CLIPPED_LUMA * unit).sum()) / sums.size,
        sharpness=float((lap * lap).mean() - mean * mean),
        dhash=dhash(sums),
    )


def flags_of(m: Measures) -> list[Flag]:
    """The flags of one photo on its own (near-duplicates need the room: `near_duplicates`)."""
    out: list[Flag] = []
    if m.sharpness < BLUR_MAX_SHARPNESS and m.brightness >= DARK_MAX_BRIGHTNESS:
        out.append("blurred")  # a dark photo is flat because it is dark: that is what it is flagged for
    if m.brightness < DARK_MAX_BRIGHTNESS:
        out.append("too_dark")
    if m.clipped >= OVEREXPOSED_MIN_CLIPPED:
        out.append("overexposed")
    if min(m.width, m.height) < SMALL_MIN_SHORT_SIDE:
        out.append("too_small")
    return out


def hash_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def is_near_duplicate(dhash_value: str, others: list[str]) -> bool:
    """Whether a photo is nearly the same as one of `others` (the earlier photos of its room)."""
    return any(hash_distance(dhash_value, other) <= DUPLICATE_MAX_DISTANCE for other in others)


def measure_photo(data: bytes) -> Measures:
    """Decode a photo at reduced scale (JPEG draft), upright, and measure it. ValueError if not an image."""
    try:
        image = Image.open(io.BytesIO(data))
        width, height = upright_size(image)
        if image.format == "JPEG":
            image.draft("RGB", (QUALITY_SIDE, QUALITY_SIDE))
        small = ImageOps.exif_transpose(image).convert("RGB")
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"cannot decode image: {exc}") from exc
    return measure_image(small, (width, height))


def measure_image(decoded: Image.Image, size: tuple[int, int]) -> Measures:
    """Measure an upright decoded copy of a photo whose own (upright) size is `size`: the copy is brought
    to a short side of `QUALITY_SIDE` first (the background renditions pass hands its copy here,
    `storage/renditions.py`, so a photo is decoded once)."""
    small = decoded if decoded.mode in ("RGB", "RGBA") else decoded.convert("RGB")
    short = min(small.size)
    if short > QUALITY_SIDE:
        scale = QUALITY_SIDE / short
        small = small.resize(
            (max(1, round(small.width * scale)), max(1, round(small.height * scale))), Image.Resampling.BOX
        )
    return measure_pixels(np.asarray(small, dtype=np.uint8), width=size[0], height=size[1])
