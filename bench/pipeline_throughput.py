"""Images per second of the whole `local` pipeline next to bare inference of the same models, same run.

    python bench/pipeline_throughput.py [PHOTOS_DIR] [--rooms N] [--photos-per-room K] [--repeats R]

PHOTOS_DIR (default ../shared/datasets/rooms-dev) is searched recursively for JPEGs; without it, photos
are generated. Baseline: `VisionModels.analyse_bytes` over the same photos in a plain loop (decode +
views + model). Pipeline: `run_pipeline` with the local provider over rooms of K photos, files read by
the ImageLoader, six agents, checklists, narrative. Reports medians over R repeats, the ratio (goal
>= 0.9x) and the process's peak RSS with the models loaded (goal <= 600 MB). A third row, bare inference
with CenterNet alone (products without NanoDet's boxes, as before issue 25's fifth step), shows what the
second detector costs.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import resource
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from housescan.agents.contract import RoomInput, ScanRequest
from housescan.agents.images import ImageLoader
from housescan.agents.local.images import decode, prepare_image
from housescan.agents.local.vision import findings_from_view_probs, get_vision_models
from housescan.agents.pipeline import run_pipeline
from housescan.agents.providers.local import LocalProvider
from housescan.checklists.base import HOUSE_ITEMS, PRODUCT_ITEMS, ROOM_ITEMS

DEFAULT_PHOTOS = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "rooms-dev"


def find_photos(folder: Path, count: int) -> list[Path]:
    photos = sorted(folder.rglob("*.jpg"))[:count] if folder.is_dir() else []
    if len(photos) >= count:
        return photos
    generated = Path(tempfile.mkdtemp(prefix="housescan-bench-"))
    for n in range(count - len(photos)):
        image = Image.effect_mandelbrot((640, 480), (-2 + n * 0.01, -1.2, 1, 1.2), 60).convert("RGB")
        path = generated / f"generated-{n}.jpg"
        image.save(path, quality=90)
        photos.append(path)
    return photos


def bare(photos: list[bytes]) -> float:
    models = get_vision_models()
    start = time.perf_counter()
    for data in photos:
        models.analyse_bytes(data)
    return time.perf_counter() - start


def bare_centernet_only(photos: list[bytes]) -> float:
    models = get_vision_models()
    assert models.detector is not None, "run `make models`"
    start = time.perf_counter()
    for data in photos:
        img = prepare_image(decode(data))
        findings_from_view_probs(models.view_probs(img), models.tables, 0.0, models.detector.centernet.detect(img))
    return time.perf_counter() - start


async def pipeline(paths: list[Path], per_room: int, roots: list[Path]) -> float:
    rooms = [
        RoomInput(room_id=f"room-{n}", image_urls=[p.as_uri() for p in paths[n : n + per_room]])
        for n in range(0, len(paths), per_room)
    ]
    request = ScanRequest(
        rooms=rooms,
        house_checklist=list(HOUSE_ITEMS),
        rooms_checklist=list(ROOM_ITEMS),
        products_checklist=list(PRODUCT_ITEMS),
    )
    start = time.perf_counter()
    await run_pipeline(request, provider=LocalProvider(), loader=ImageLoader(local_roots=roots))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", nargs="?", type=Path, default=DEFAULT_PHOTOS)
    parser.add_argument("--rooms", type=int, default=8)
    parser.add_argument("--photos-per-room", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    paths = find_photos(args.photos, args.rooms * args.photos_per_room)
    data = [p.read_bytes() for p in paths]
    roots = sorted({p.parent.resolve() for p in paths})
    get_vision_models()  # load once, outside the timings
    bare(data[:2])  # warm-up
    bare_times, pipeline_times, one_detector_times = [], [], []
    for _ in range(args.repeats):  # interleaved, so that background noise hits all alike
        bare_times.append(bare(data))
        pipeline_times.append(asyncio.run(pipeline(paths, args.photos_per_room, roots)))
        one_detector_times.append(bare_centernet_only(data))
    n = len(data)
    bare_rate = n / statistics.median(bare_times)
    one_detector_rate = n / statistics.median(one_detector_times)
    pipeline_rate = n / statistics.median(pipeline_times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sizes = {Image.open(io.BytesIO(d)).size for d in data[:3]}
    print(
        f"{n} photos ({args.rooms} rooms x {args.photos_per_room}), e.g. {sorted(sizes)[0]} px; {args.repeats} repeats"
    )
    print(f"{'':24}{'images/s (median)':>20}{'runs (s)':>30}")
    print(f"{'bare inference':24}{bare_rate:>20.2f}{'  '.join(f'{t:.2f}' for t in bare_times):>30}")
    print(f"{'local pipeline':24}{pipeline_rate:>20.2f}{'  '.join(f'{t:.2f}' for t in pipeline_times):>30}")
    print(
        f"{'bare, CenterNet alone':24}{one_detector_rate:>20.2f}{'  '.join(f'{t:.2f}' for t in one_detector_times):>30}"
    )
    print(f"pipeline / bare: {pipeline_rate / bare_rate:.2f}x (goal >= 0.9x)")
    print(f"bare with both detectors / with CenterNet alone: {bare_rate / one_detector_rate:.2f}x")
    print(f"peak RSS with the models loaded: {peak_mb:.0f} MB (goal <= 600 MB)")


if __name__ == "__main__":
    main()
