"""The photos the `llm` provider sends: chosen evenly over a room's set, upright, downscaled and re-encoded as
JPEG, with an estimate of the input tokens each one costs."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageOps

JPEG_QUALITY = 85


@dataclass(frozen=True)
class PreparedImage:
    jpeg: bytes
    width: int
    height: int

    def token_estimate(self) -> int:
        # The dearer of the usual accountings: OpenAI's 512-px tiles, Anthropic's pixels / 750.
        tiles = math.ceil(self.width / 512) * math.ceil(self.height / 512)
        return max(85 + 170 * tiles, math.ceil(self.width * self.height / 750)) + 16


def _register_heif() -> None:
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover - pillow-heif is a dependency
        pass


_register_heif()


def pick_evenly(count: int, limit: int) -> list[int]:
    """Indices of at most `limit` of `count` photos, spread over the whole set."""
    if count <= limit:
        return list(range(count))
    if limit == 1:
        return [0]
    return sorted({round(i * (count - 1) / (limit - 1)) for i in range(limit)})


def downscale(photo: bytes, max_px: int) -> PreparedImage | None:
    """The photo as JPEG with its long side at most `max_px`, upright; None if it cannot be read."""
    try:
        with Image.open(io.BytesIO(photo)) as opened:
            image = ImageOps.exif_transpose(opened)
            image = image.convert("RGB")
            image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
            return PreparedImage(out.getvalue(), image.width, image.height)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def prepare_images(photos: Sequence[bytes], max_images: int, max_px: int) -> list[PreparedImage]:
    """Up to `max_images` readable photos, downscaled; unreadable ones are replaced by later ones if any."""
    chosen = pick_evenly(len(photos), max_images)
    rest = [i for i in range(len(photos)) if i not in chosen]
    prepared: list[PreparedImage] = []
    for index in chosen + rest:
        if len(prepared) >= max_images:
            break
        image = downscale(photos[index], max_px)
        if image is not None:
            prepared.append(image)
    return prepared
