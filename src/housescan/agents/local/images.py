"""Decoding photos once and cutting them into the views the classifiers see (test-time crops)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from housescan.agents.local.backends import FloatArray

#: Short side the decoded photo is reduced to before cutting views (zoomed crops stay sharp).
WORKING_SHORT_SIDE = 480
_MAX_PIXELS = 200_000_000


@dataclass(frozen=True)
class View:
    """A crop of the photo given as fractions of its width/height, optionally mirrored."""

    name: str
    box: tuple[float, float, float, float]  # left, top, right, bottom in 0..1
    flip: bool = False


def _register_heif() -> None:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except Exception:  # optional: HEIC photos decode only when pillow-heif is there
        return


_heif_registered = False


def decode(data: bytes, *, min_short_side: int = WORKING_SHORT_SIDE) -> Image.Image:
    """Decode image bytes to an upright RGB image whose short side is about `min_short_side`.

    Uses JPEG draft mode so a 12-megapixel photo is decoded at 1/2..1/8 scale, applies the EXIF
    orientation, flattens transparency on white. Raises ValueError for anything that is not an image.
    """
    global _heif_registered
    if not data:
        raise ValueError("empty image data")
    if not _heif_registered:
        _register_heif()
        _heif_registered = True
    try:
        opened = Image.open(io.BytesIO(data))
        if opened.width * opened.height > _MAX_PIXELS:
            raise ValueError(f"image too large: {opened.width}x{opened.height}")
        if opened.format == "JPEG":
            opened.draft("RGB", (min_short_side, min_short_side))
        opened.load()
        upright = ImageOps.exif_transpose(opened)
        return prepare_image(upright, min_short_side=min_short_side)
    except ValueError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"cannot decode image: {exc}") from exc


def prepare_image(img: Image.Image, *, min_short_side: int = WORKING_SHORT_SIDE) -> Image.Image:
    """Convert to RGB (transparency on white) and shrink so the short side is `min_short_side`."""
    if img.width < 1 or img.height < 1:
        raise ValueError("image has no pixels")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if img.mode != "RGB":
        img = img.convert("RGB")
    short = min(img.width, img.height)
    if short > min_short_side:
        scale = min_short_side / short
        size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
        img = img.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return img


def square_boxes(width: int, height: int, *, side_frac: float = 1.0) -> list[tuple[float, float, float, float]]:
    """Squares of `side_frac` x short side placed at the start, middle and end of the long axis
    (one box when the image is about square)."""
    w, h = float(width), float(height)
    side = min(w, h) * side_frac
    if max(w, h) - side < 0.15 * side:
        # about square: one centred box
        cx, cy = w / 2, h / 2
        return [((cx - side / 2) / w, (cy - side / 2) / h, (cx + side / 2) / w, (cy + side / 2) / h)]
    boxes = []
    for pos in (0.0, 0.5, 1.0):
        if w >= h:
            left = (w - side) * pos
            top = (h - side) / 2
        else:
            left = (w - side) / 2
            top = (h - side) * pos
        boxes.append((left / w, top / h, (left + side) / w, (top + side) / h))
    return boxes


def standard_views(width: int, height: int, zoom: float = 0.875) -> list[View]:
    """The test-time views: centre crop (and its mirror), the whole width in up to three squares, and
    a zoomed 2x2 grid of corner crops that makes small objects (taps, ovens, toilets) bigger."""
    views: list[View] = []
    (centre,) = square_boxes(width, height, side_frac=zoom)[1:2] or square_boxes(width, height, side_frac=zoom)
    views.append(View("centre", centre))
    views.append(View("centre_flip", centre, flip=True))
    for i, box in enumerate(square_boxes(width, height, side_frac=1.0)):
        views.append(View(f"span{i}", box))
    frac = 0.62
    short = min(width, height)
    fw, fh = short * frac / width, short * frac / height
    for name, (x, y) in {"tl": (0.0, 0.0), "tr": (1.0, 0.0), "bl": (0.0, 1.0), "br": (1.0, 1.0)}.items():
        left = (1.0 - fw) * x
        top = (1.0 - fh) * y
        # keep corner crops away from the extreme edges a little (less floor/ceiling only)
        left = min(max(left, 0.0), 1.0 - fw)
        top = min(max(top, 0.0), 1.0 - fh)
        views.append(View(f"corner_{name}", (left, top, left + fw, top + fh)))
    return views


def render(img: Image.Image, views: Sequence[View], size: int) -> FloatArray:
    """Cut, resize and normalise the views into an NCHW float32 batch ((pixel - 127) / 128)."""
    out = np.empty((len(views), 3, size, size), dtype=np.float32)
    w, h = img.size
    for i, view in enumerate(views):
        left, top, right, bottom = view.box
        box = (left * w, top * h, right * w, bottom * h)
        crop = img.resize((size, size), Image.Resampling.BILINEAR, box=box)
        if view.flip:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        arr = np.asarray(crop, dtype=np.float32)
        out[i] = ((arr - 127.0) / 128.0).transpose(2, 0, 1)
    return out
