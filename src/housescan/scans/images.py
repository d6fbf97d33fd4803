"""Photo intake: verify, reject what is not a safe photo, normalise what is.

A file is judged by its content, never by its name or the client's MIME type. EXIF orientation is applied
and the metadata (GPS position included) is dropped.

A JPEG that needs no rotation (EXIF orientation 1 or absent) is verified by its structure, not decoded: the
header (format, size, pixel limit) and then every segment and the entropy-coded data up to the end-of-image
marker are walked. It is stored as its original compressed data with the metadata segments (APP1 EXIF/XMP,
APP13 IPTC, comments, other application segments) and anything after the end-of-image marker removed:
lossless and pixel-identical. The pixels are decoded once, by the analysis, which reports a photo it cannot
decode. Anything whose structure is not plain (truncated, a marker where none may be) and everything
else (rotation to apply, PNG, WebP, HEIC) is decoded in full and re-encoded, so damage is named at upload.

Pixels are bounded twice, from the headers before anything is decoded: all photos of one request together
(`max_request_pixels`, a 413 that says so), and the photos being checked at once in this process across
all requests (`max_pixels_in_flight`, a photo waits its turn): 40 flat 7000x7000 PNGs no longer take a
server to gigabytes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import io
import re
import warnings
import weakref
from collections.abc import AsyncIterator
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


# Limits are told in the units a person sees on a phone ("31.6 MB — the limit is 25 MB"); the web app
# checks and words them the same way before uploading (web/src/lib/photoCheck.ts).
LIMIT_PHRASE = "the limit is"
NOT_A_PHOTO = f"this is not a photo ({ACCEPTED_DESCRIPTION})"
_MB = 1024 * 1024


def human_megabytes(size: int) -> str:
    """`31.6 MB`, `25 MB`, `19.5 kB` (MB of 1,048,576 bytes, as phones and browsers count a photo's size)."""
    if size < _MB:
        return f"{size / 1024:.1f}".removesuffix(".0") + " kB"
    return f"{size / _MB:.1f}".removesuffix(".0") + " MB"


def too_large_reason(size: int, max_bytes: int) -> str:
    shown, limit = human_megabytes(size), human_megabytes(max_bytes)
    if shown == limit:  # a few bytes over: the rounded figures would read as equal
        shown = f"just over {limit}"
    return f"the file is {shown} — {LIMIT_PHRASE} {limit}"


# The smallest photo that can be measured and analysed, and the longest strip. The measures need a 9 x 8
# grid (dhash) and a Laplacian; the classifiers cut crops of 0.62 of the short side and scale them to
# 224 pixels; the detector squashes the whole photo square. Under 32 pixels a side there is nothing to
# judge, and past 10:1 it is a strip, not a room (phone panoramas are about 4:1 to 8:1). A small photo
# above the floor is kept with the quality check's "too small" warning (quality.SMALL_MIN_SHORT_SIDE).
MIN_PHOTO_SIDE = 32
MAX_PHOTO_ASPECT = 10


def shape_problem(width: int, height: int) -> str | None:
    """Why a photo of this size cannot be analysed, or None."""
    if min(width, height) >= MIN_PHOTO_SIDE and max(width, height) <= MAX_PHOTO_ASPECT * min(width, height):
        return None
    return (
        f"the photo is {width}x{height} pixels: a photo must be at least {MIN_PHOTO_SIDE} pixels on each side"
        f" and no more than {MAX_PHOTO_ASPECT}:1 wide"
    )


def is_limit_reason(reason: str) -> bool:
    """A reason that is about a limit (size, pixels), not about the file's content: the answer is a 413."""
    return LIMIT_PHRASE in reason or "more than the limit" in reason


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
        raise ImageRejected(too_large_reason(len(raw), max_bytes))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(raw), formats=[*_STORED_AS])
        except UnidentifiedImageError as exc:
            raise ImageRejected(NOT_A_PHOTO) from exc
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("the image has too many pixels (possible decompression bomb)") from exc
        except Exception as exc:
            raise ImageRejected(f"the image header is damaged ({exc})") from exc
        width, height = image.size
        if width < 1 or height < 1 or width * height > max_pixels:
            raise ImageRejected(
                f"the image is {width}x{height} pixels ({width * height / 1e6:.1f} MP) — {LIMIT_PHRASE}"
                f" {max_pixels / 1e6:g} MP"
            )
        problem = shape_problem(width, height)
        if problem is not None:
            raise ImageRejected(problem)
        if getattr(image, "n_frames", 1) > 1 and image.format != "HEIF":
            raise ImageRejected("animated images are not accepted")
        source_format = image.format or ""
        if source_format == "JPEG" and image.mode in ("RGB", "L") and _orientation(image) == 1:
            stripped = strip_jpeg_metadata(raw)
            if stripped is not None:
                return NormalisedImage(
                    data=stripped,
                    sha256=hashlib.sha256(raw).hexdigest(),
                    format="JPEG",
                    width=width,
                    height=height,
                )
        try:
            image.load()
        except Exception as exc:
            raise ImageRejected(f"the image data is truncated or corrupt ({exc})") from exc
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


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation a viewer would apply (1 when absent or not one of the eight valid values)."""
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # unreadable EXIF: the full path decides, and re-encodes
        return 0
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


# JPEG segments kept when storing a JPEG as uploaded: what decoding needs (tables, frame, restart interval,
# JFIF density, ICC colour profile, Adobe colour transform). Everything else before the first scan
# (APP1 EXIF/XMP with GPS, APP13 IPTC, comments, maker notes in other APPn) is dropped.
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_KEPT_MARKERS = {*_SOF_MARKERS, 0xC4, 0xCC, 0xDB, 0xDD, 0xE0, 0xE2, 0xEE}
_SOS, _EOI = 0xDA, 0xD9
# In entropy-coded data 0xFF is followed by 0x00 (stuffing), a restart marker or more 0xFF fill bytes;
# any other byte after it is the marker that ends the data.
_MARKER_AFTER_SCAN_DATA = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_APP_SIGNATURES = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}


def strip_jpeg_metadata(raw: bytes) -> bytes | None:
    """The JPEG without its metadata segments and without anything after the end-of-image marker, its
    compressed image data untouched; None when its structure is not plain enough to do that safely."""
    if not raw.startswith(b"\xff\xd8"):
        return None
    out = [b"\xff\xd8"]
    pos, size = 2, len(raw)
    scans = 0
    while pos < size:
        if raw[pos] != 0xFF:
            return None
        while pos < size and raw[pos] == 0xFF:  # fill bytes before a marker
            pos += 1
        if pos >= size:
            return None
        marker = raw[pos]
        pos += 1
        if marker == _EOI:
            if not scans:
                return None  # no image data at all
            out.append(b"\xff\xd9")
            return b"".join(out)
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xD8):
            return None  # a restart marker outside entropy-coded data, TEM, or a second SOI
        if pos + 2 > size:
            return None
        length = int.from_bytes(raw[pos : pos + 2], "big")
        end = pos + length
        if length < 2 or end > size:
            return None
        # Application segments are kept only when they are what they claim (JFIF, ICC profile, Adobe).
        signature = _APP_SIGNATURES.get(marker)
        keep = (marker in _KEPT_MARKERS or marker == _SOS) and (
            signature is None or raw[pos + 2 : pos + 2 + len(signature)] == signature
        )
        if keep:
            out.append(raw[pos - 2 : end])
        pos = end
        if marker == _SOS:
            scans += 1
            # Entropy-coded data: runs until a marker other than a stuffed 0xFF00 or a restart marker.
            start = pos
            found = _MARKER_AFTER_SCAN_DATA.search(raw, pos)
            if found is None:
                return None  # no end-of-image: truncated
            pos = found.start()
            out.append(raw[start:pos])
    return None


# ---------------------------------------------------------------------------------------------- pixel budget


def declared_pixels(raw: bytes) -> int:
    """The pixels a photo says it has, from its header alone (0 when the header cannot be read: the full
    check names that file's problem)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(raw), formats=[*_STORED_AS]) as image:
                width, height = image.size
        except Exception:
            return 0
    return max(width, 0) * max(height, 0)


def request_pixels_problem(pixels: list[int], *, max_request_pixels: int) -> str | None:
    """Why one request's photos are too many pixels together (the reason of a 413), or None."""
    total = sum(pixels)
    if total <= max_request_pixels:
        return None
    return (
        f"the photos of this request have {total:,} pixels together, more than the limit of"
        f" {max_request_pixels:,} pixels per request; send them in several requests"
    )


class PixelBudget:
    """Bounds the decoded pixels being checked at once in this process, across all requests: a photo waits
    for room before its check starts (first come, first served), so memory stays bounded however many
    uploads arrive together."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.in_use = 0
        self.peak = 0
        self._waiters: collections.deque[tuple[int, asyncio.Future[None]]] = collections.deque()

    @contextlib.asynccontextmanager
    async def reserve(self, pixels: int) -> AsyncIterator[None]:
        pixels = min(max(pixels, 1), self.capacity)  # one photo never waits for more room than there is
        if self._waiters or self.in_use + pixels > self.capacity:
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append((pixels, waiter))
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._release(pixels)  # granted just as it was cancelled: hand the room on
                else:
                    self._waiters = collections.deque(w for w in self._waiters if w[1] is not waiter)
                    self._wake()
                raise
        else:
            self.in_use += pixels
        self.peak = max(self.peak, self.in_use)
        try:
            yield
        finally:
            self._release(pixels)

    def _release(self, pixels: int) -> None:
        self.in_use -= pixels
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.in_use + self._waiters[0][0] <= self.capacity:
            pixels, waiter = self._waiters.popleft()
            if not waiter.done():
                self.in_use += pixels
                waiter.set_result(None)


_budgets: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PixelBudget] = weakref.WeakKeyDictionary()


def pixel_budget(capacity: int) -> PixelBudget:
    """This process's budget (one per event loop), made with `capacity` on first use."""
    loop = asyncio.get_running_loop()
    budget = _budgets.get(loop)
    if budget is None or budget.capacity != capacity:
        budget = _budgets[loop] = PixelBudget(capacity)
    return budget


async def check_request_pixels(raws: list[bytes], *, max_request_pixels: int) -> list[int]:
    """Each photo's declared pixels; `ImageRejected` (a 413's reason) when together they are over the limit
    of one request. Only headers are read."""
    pixels = await asyncio.to_thread(lambda: [declared_pixels(raw) for raw in raws])
    problem = request_pixels_problem(pixels, max_request_pixels=max_request_pixels)
    if problem is not None:
        raise ImageRejected(problem)
    return pixels


async def normalise_within_budget(
    raw: bytes, *, max_bytes: int, max_pixels: int, pixels: int, pixels_in_flight: int
) -> NormalisedImage:
    """`normalise_image` in a worker thread once this process has room for its pixels."""
    async with pixel_budget(pixels_in_flight).reserve(pixels):
        return await asyncio.to_thread(normalise_image, raw, max_bytes=max_bytes, max_pixels=max_pixels)
