"""Small renditions of every photo, stored next to the original in the same store: a thumbnail (longest side
320) and a medium one (longest side 1280), WebP, upright, without metadata.

The original `scans/S/I.jpg` has `scans/S/I.320.webp` and `scans/S/I.1280.webp`. Deleting an object from a
store deletes its renditions too (`local.py`, `s3.py`), so every path that deletes photos removes them.

Making them costs a decode at reduced scale and two WebP encodes, ~150 ms of CPU per 12 MP phone photo: many
times what storing the photo costs (its structure is walked, not decoded; `scans/images.py`). So an upload
does not wait for them: once its photos are committed it queues them here and one low-priority thread
per process makes them in the background (`schedule`). A rendition that is asked for before it exists is
made at once, by the request, and kept (`read`), which also covers photos stored before renditions
existed. Renditions are only ever made of committed photos, so a refused or failed upload leaves none; one
made while its photo was being deleted is removed again (`_keep_only_if_original_exists`).

Whoever schedules a photo may also read something else from its decoded copy (`Inspection`: the photo
quality measures, `scans/quality.py`), so that a photo is decoded once, never in the upload request.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import io
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from PIL import Image, ImageOps

from housescan.storage.base import ObjectNotFound, ObjectStore

logger = logging.getLogger(__name__)

Variant = Literal["thumbnail", "medium"]
LONGEST_SIDE: dict[Variant, int] = {"thumbnail": 320, "medium": 1280}
CONTENT_TYPE = "image/webp"
_QUALITY: dict[Variant, int] = {"thumbnail": 70, "medium": 78}
# WebP effort 0 (fastest) .. 6 (smallest): 1 takes half the CPU of 3 for files ~5-25% larger (bench/README.md)
_WEBP_METHOD = 1


def rendition_key(object_key: str, variant: Variant) -> str:
    stem = object_key.rsplit(".", 1)[0] if "." in object_key.rsplit("/", 1)[-1] else object_key
    return f"{stem}.{LONGEST_SIDE[variant]}.webp"


def rendition_keys(object_key: str) -> list[str]:
    return [rendition_key(object_key, variant) for variant in LONGEST_SIDE]


def with_renditions(keys: Iterable[str]) -> list[str]:
    """The keys and the keys of their renditions (what deleting the objects must delete)."""
    out: list[str] = []
    for key in keys:
        out.append(key)
        if not is_rendition_key(key):
            out.extend(rendition_keys(key))
    return out


def is_rendition_key(key: str) -> bool:
    return any(key.endswith(f".{side}.webp") for side in LONGEST_SIDE.values())


# ---------------------------------------------------------------------------------------------- pixels


def _fit(image: Image.Image, side: int) -> Image.Image:
    fitted = image.copy()
    # reducing_gap: an integer-factor (box) reduce first, then a bilinear resample of the last < 2x
    fitted.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return fitted


def _webp(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    # No exif/icc_profile/xmp given: the rendition carries no metadata.
    image.save(buffer, format="WEBP", quality=quality, method=_WEBP_METHOD)
    return buffer.getvalue()


@dataclass(frozen=True)
class Inspection:
    """Something read from a photo's decoded copy while its renditions are made: `read` (in the rendition
    thread) gets the upright copy (longest side >= 1280 or the photo's own) and the photo's own upright size;
    `keep` is awaited with the photo's key and what `read` returned. A failure of either is logged and
    leaves the renditions alone."""

    read: Callable[[Image.Image, tuple[int, int]], Any]
    keep: Callable[[str, Any], Awaitable[None]]


def upright_size(image: Image.Image) -> tuple[int, int]:
    """An opened (not yet decoded) photo's size once turned upright by its EXIF orientation."""
    width, height = image.size
    if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):  # turned a quarter
        return height, width
    return width, height


def make_renditions(data: bytes) -> dict[Variant, bytes]:
    """The WebP renditions of a photo (CPU-bound: call it in a thread). Raises on a file Pillow cannot decode."""
    return _make(data, None)[0]


_NOT_READ = object()


def _make(data: bytes, read: Callable[[Image.Image, tuple[int, int]], Any] | None) -> tuple[dict[Variant, bytes], Any]:
    with Image.open(io.BytesIO(data)) as source:
        size = upright_size(source)
        largest = max(LONGEST_SIDE.values())
        source.draft("RGB", (largest, largest))  # JPEG: decode at the smallest DCT scale still >= 1280
        upright = ImageOps.exif_transpose(source)  # stored photos are upright already; older ones may not be
        if upright.mode not in ("RGB", "RGBA"):
            has_alpha = upright.mode in ("LA", "PA") or (upright.mode == "P" and "transparency" in upright.info)
            upright = upright.convert("RGBA" if has_alpha else "RGB")
        medium = _fit(upright, LONGEST_SIDE["medium"])
        thumbnail = _fit(medium, LONGEST_SIDE["thumbnail"])
        made: dict[Variant, bytes] = {
            "thumbnail": _webp(thumbnail, _QUALITY["thumbnail"]),
            "medium": _webp(medium, _QUALITY["medium"]),
        }
        read_out: Any = _NOT_READ
        if read is not None:
            try:
                read_out = read(upright, size)
            except Exception:
                logger.warning("the photo's inspection failed", exc_info=True)
        return made, read_out


# ---------------------------------------------------------------------------------------------- making


def _lower_this_threads_priority() -> None:
    """The background thread yields the CPU to requests (Linux: a thread has its own nice value). Not
    SCHED_IDLE, which saved a few milliseconds per scan while renditions were being made but gets the
    thread almost no CPU on a machine kept busy (under `stress-ng` a browser test waited past its 20 s
    for a thumbnail that thread held)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)


_background_executor: concurrent.futures.ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _background() -> concurrent.futures.ThreadPoolExecutor:
    global _background_executor
    with _executor_lock:
        if _background_executor is None:
            _background_executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="renditions", initializer=_lower_this_threads_priority
            )
        return _background_executor


@dataclass(frozen=True)
class Rendition:
    data: bytes
    content_type: str
    made: bool  # False: the rendition could not be made and this is the original (the fallback)


@dataclass
class _Work:
    """This process's rendition work on one event loop: what is queued, what the background thread is
    making, and what requests are making (one of each per photo at a time: a request asking for a
    rendition that another request is making waits for it; one the background thread is making, it makes
    itself, since that thread may get little CPU while the machine is busy)."""

    queued: collections.OrderedDict[str, tuple[ObjectStore, Inspection | None]] = field(
        default_factory=collections.OrderedDict
    )
    making: dict[str, asyncio.Task[dict[Variant, bytes] | None]] = field(default_factory=dict)
    making_for_requests: dict[str, asyncio.Task[dict[Variant, bytes] | None]] = field(default_factory=dict)
    consumer: asyncio.Task[None] | None = None
    idle_event: asyncio.Event = field(default_factory=asyncio.Event)


_work_by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Work] = weakref.WeakKeyDictionary()


def _work() -> _Work:
    loop = asyncio.get_running_loop()
    work = _work_by_loop.get(loop)
    if work is None:
        work = _work_by_loop[loop] = _Work()
        work.idle_event.set()
    return work


async def _make_and_store(
    store: ObjectStore,
    object_key: str,
    executor: concurrent.futures.Executor | None,
    inspection: Inspection | None = None,
) -> dict[Variant, bytes] | None:
    """Make and store the renditions of one photo; None when the photo is gone or cannot be decoded."""
    try:
        original = await store.get(object_key)
    except ObjectNotFound:
        return None
    loop = asyncio.get_running_loop()
    try:
        renditions, read_out = await loop.run_in_executor(
            executor, _make, original, inspection.read if inspection else None
        )
    except Exception:
        logger.warning("no renditions for %s: the photo cannot be decoded", object_key, exc_info=True)
        return None
    if inspection is not None and read_out is not _NOT_READ:
        try:
            await inspection.keep(object_key, read_out)
        except Exception:
            logger.warning("what was read from %s was not kept", object_key, exc_info=True)
    keys = [rendition_key(object_key, variant) for variant in renditions]
    outcomes = await asyncio.gather(
        *(store.put(key, renditions[variant], CONTENT_TYPE) for key, variant in zip(keys, renditions, strict=True)),
        return_exceptions=True,
    )
    failure = next((outcome for outcome in outcomes if isinstance(outcome, BaseException)), None)
    if failure is not None:
        with contextlib.suppress(Exception):
            await store.delete(keys)
        if not isinstance(failure, Exception):
            raise failure
        logger.warning("renditions of %s not stored", object_key, exc_info=failure)
        return renditions  # served this once; made again next time
    await _keep_only_if_original_exists(store, object_key, keys)
    return renditions


async def _keep_only_if_original_exists(store: ObjectStore, object_key: str, keys: Sequence[str]) -> None:
    """A photo deleted (by another process) while its renditions were being made leaves none behind."""
    if not await store.exists(object_key):
        await store.delete(keys)


def _start_making(
    work: _Work, store: ObjectStore, object_key: str, *, urgent: bool, inspection: Inspection | None = None
) -> asyncio.Task[dict[Variant, bytes] | None]:
    task = work.making_for_requests.get(object_key) or (None if urgent else work.making.get(object_key))
    if task is None:
        _queued_store, queued_inspection = work.queued.pop(object_key, (store, None))
        inspection = inspection or queued_inspection  # a request making a queued photo does its inspection too
        tasks = work.making_for_requests if urgent else work.making
        executor = None if urgent else _background()  # urgent: the default pool, at normal priority
        task = asyncio.ensure_future(_make_and_store(store, object_key, executor, inspection))
        tasks[object_key] = task
        task.add_done_callback(lambda _done: tasks.pop(object_key, None))
    return task


def schedule(store: ObjectStore, object_keys: Iterable[str], inspection: Inspection | None = None) -> None:
    """Queue the renditions of newly stored photos, made one at a time in the background (and the
    `inspection` of each, if given)."""
    work = _work()
    for key in object_keys:
        if key not in work.making and key not in work.making_for_requests:
            work.queued[key] = (store, inspection)
    if work.queued and (work.consumer is None or work.consumer.done()):
        work.idle_event.clear()
        work.consumer = asyncio.ensure_future(_consume(work))


async def _consume(work: _Work) -> None:
    try:
        while work.queued:
            object_key, (store, inspection) = work.queued.popitem(last=False)
            with contextlib.suppress(Exception):
                await asyncio.shield(_start_making(work, store, object_key, urgent=False, inspection=inspection))
    finally:
        work.idle_event.set()


async def idle() -> None:
    """Wait until this process makes no rendition and has none queued (tests, benchmarks, shutdown)."""
    work = _work()
    while work.queued or work.making or work.making_for_requests or not work.idle_event.is_set():
        await work.idle_event.wait()
        if work.making or work.making_for_requests:
            await asyncio.gather(*work.making.values(), *work.making_for_requests.values(), return_exceptions=True)


async def settle(object_keys: Iterable[str]) -> None:
    """Before photos are deleted: drop their queued work and wait for what is being made of them."""
    work = _work_by_loop.get(asyncio.get_running_loop())
    if work is None:
        return
    running: list[asyncio.Task[dict[Variant, bytes] | None]] = []
    for key in object_keys:
        work.queued.pop(key, None)
        running.extend(tasks[key] for tasks in (work.making, work.making_for_requests) if key in tasks)
    if running:
        await asyncio.gather(*(asyncio.shield(task) for task in running), return_exceptions=True)


async def read(store: ObjectStore, object_key: str, variant: Variant, *, original_type: str) -> Rendition:
    """One rendition of a stored photo: the stored one, or made now (and kept) when it does not exist yet.
    A photo that cannot be decoded is answered with the original itself."""
    try:
        return Rendition(await store.get(rendition_key(object_key, variant)), CONTENT_TYPE, made=True)
    except ObjectNotFound:
        pass
    made = await asyncio.shield(_start_making(_work(), store, object_key, urgent=True))
    if made is not None:
        return Rendition(made[variant], CONTENT_TYPE, made=True)
    return Rendition(await store.get(object_key), original_type, made=False)
