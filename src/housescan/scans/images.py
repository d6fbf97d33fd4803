"""Photo intake: decode to verify, reject what is not a safe photo, normalise what is.

A file is judged by decoding it, never by its name or the client's MIME type. EXIF orientation is
applied and the metadata (GPS position included) is dropped by re-encoding.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC/HEIF photos from phones, when the wheel is installed on this platform
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_FORMATS = {"HEIF"}
except ImportError:  # pragma: no cover - depends on the platform's wheels
    HEIF_FORMATS = set()

# Output format by decoded input format: HEIC is stored as JPEG so that every browser can show it.
_STORED_AS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", **dict.fromkeys(HEIF_FORMATS, "JPEG")}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ACCEPTED_DESCRIPTION = "JPEG, PNG, WebP" + (" or HEIC" if HEIF_FORMATS else "")


class ImageRejected(Exception):
    """The reason a person can read; raised for anything that is not an acceptable photo."""


@dataclass(frozen=True)
class NormalisedImage:
    data: bytes
    sha256: str  # of the bytes as uploaded: the same photo uploaded twice is recognised
    format: str
    width: int
    height: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]


def normalise_image(raw: bytes, *, max_bytes: int, max_pixels: int) -> NormalisedImage:
    """Verify and normalise one uploaded photo (CPU-bound: call it in a thread)."""
    if not raw:
        raise ImageRejected("the file is empty")
    if len(raw) > max_bytes:
        raise ImageRejected(f"the file is {len(raw):,} bytes, more than the limit of {max_bytes:,} bytes")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=[*_STORED_AS])
        except UnidentifiedImageError as exc:
            raise ImageRejected(f"not a photo in an accepted format ({ACCEPTED_DESCRIPTION})") from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("the image has too many pixels (possible decompression bomb)") from exc
        except Exception as exc:
            raise ImageRejected(f"the image header is damaged ({exc})") from exc
        width, height = image.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise ImageRejected(f"the image is {width}x{height} pixels, more than the limit of {max_pixels:,}")
        if getattr(image, "n_frames", 1) > 1 and image.format != "HEIF":
            raise ImageRejected("animated images are not accepted")
        try:
            image.load()
        except Exception as exc:
            raise ImageRejected(f"the image data is truncated or corrupt ({exc})") from exc
    source_format = image.format or ""
    stored_format = _STORED_AS[source_format]
    oriented = ImageOps.exif_transpose(image)
    if stored_format == "JPEG" and oriented.mode not in ("RGB", "L"):
        oriented = oriented.convert("RGB")
    buffer = io.BytesIO()
    save_options = {"quality": 90, "optimize": True} if stored_format in ("JPEG", "WEBP") else {"optimize": True}
    oriented.save(buffer, format=stored_format, **save_options)
    return NormalisedImage(
        data=buffer.getvalue(),
        sha256=hashlib.sha256(raw).hexdigest(),
        format=stored_format,
        width=oriented.width,
        height=oriented.height,
    )
