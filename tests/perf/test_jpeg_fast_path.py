"""The upload fast path: a JPEG that needs no rotation is stored as uploaded minus its metadata.

It must stay as safe as decode + re-encode: location metadata and trailing bytes gone, the pixels identical
to the upload's, and a truncated file still rejected (its structure walk fails, so it takes the full decode,
which names the damage).
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageChops

from housescan.scans.images import ImageRejected, normalise_image, strip_jpeg_metadata
from tests.helpers import encoded

LIMITS = {"max_bytes": 20_000_000, "max_pixels": 50_000_000}
GPS = {2: (51.0, 30.0, 0.0), 1: "N"}


def scene(size: tuple[int, int] = (640, 480)) -> Image.Image:
    image = Image.new("RGB", size, (120, 150, 200))
    for n in range(0, size[0], 16):
        image.paste(((n * 7) % 256, (n * 3) % 256, 90), (n, n % size[1], n + 12, min(size[1], n % size[1] + 60)))
    return image


def jpeg(image: Image.Image, *, orientation: int | None = None, gps: bool = True, **save: object) -> bytes:
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = GPS
    return encoded(image, "JPEG", exif=exif, comment=b"taken at 1 Secret Lane", quality=88, **save)


def pixels(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("orientation", [1, None])
@pytest.mark.parametrize("progressive", [False, True])
def test_unrotated_jpeg_is_stored_losslessly_without_metadata(orientation: int | None, progressive: bool) -> None:
    raw = jpeg(scene(), orientation=orientation, progressive=progressive)
    assert b"Exif" in raw and b"Secret Lane" in raw
    stored = normalise_image(raw + b"<script>alert(1)</script>PK\x03\x04", **LIMITS)
    assert (stored.format, stored.width, stored.height) == ("JPEG", 640, 480)
    assert b"Exif" not in stored.data and b"Secret Lane" not in stored.data and b"<script>" not in stored.data
    assert stored.data.startswith(b"\xff\xd8") and stored.data.endswith(b"\xff\xd9")
    assert len(stored.data) < len(raw)
    kept = pixels(stored.data)
    assert not kept.getexif(), "no EXIF at all, so no GPS"
    assert ImageChops.difference(kept.convert("RGB"), pixels(raw).convert("RGB")).getbbox() is None, "pixel-identical"


def test_rotated_jpeg_still_takes_the_re_encoding_path() -> None:
    raw = jpeg(scene((300, 200)), orientation=6)
    stored = normalise_image(raw, **LIMITS)
    assert (stored.width, stored.height) == (200, 300)
    assert 0x8825 not in pixels(stored.data).getexif()


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_jpeg_is_still_rejected(cut: int) -> None:
    raw = jpeg(scene((1024, 768)), orientation=1)
    with pytest.raises(ImageRejected, match="truncated or corrupt"):
        normalise_image(raw[: int(len(raw) * cut)], **LIMITS)


def test_strip_refuses_what_it_cannot_parse() -> None:
    raw = jpeg(scene(), orientation=1)
    assert strip_jpeg_metadata(raw[:-2]) is None, "no end-of-image marker"
    assert strip_jpeg_metadata(b"\xff\xd8\xff\xe1\xff\xff") is None, "segment length past the end"
    assert strip_jpeg_metadata(b"not a jpeg") is None
    header_only = raw[: raw.index(b"\xff\xda")] + b"\xff\xd9"
    assert strip_jpeg_metadata(header_only) is None, "no image data before the end-of-image marker"


def test_icc_profile_is_kept() -> None:
    profile = b"\x00" * 128 + b"acsp" + b"\x00" * 200  # opaque bytes: kept as they are, never parsed here
    stored = strip_jpeg_metadata(encoded(scene(), "JPEG", icc_profile=profile))
    assert stored is not None and b"ICC_PROFILE\x00" in stored
