"""Convert the CenterNet COCO detector shipped as a TensorFlow.js graph model (npm `@vladmandic/human`,
`models/centernet.json` + `centernet.bin`) into an ONNX graph, with numpy and `onnx` only.

The tfjs file is a TensorFlow GraphDef in JSON plus a binary weight file. Its network uses a small set
of ops (convolutions with fused bias/ReLU, depthwise convolutions, hard-swish arithmetic, squeeze-excite
means, bilinear upsampling, concatenation). Each is written as the equivalent ONNX op, with activations
kept in NCHW. The graph's own box decoding (top-k, gathers) is replaced by the standard CenterNet one in
ONNX (3x3 max-pool peaks + TopK) plus a few lines of numpy in `detector.py`.

No TensorFlow is needed (the alternative, tensorflow-cpu + tf2onnx, is a ~500 MB install that had to be
patched for the tfjs-only fused ops). `check_against_reference` in the tests compares a converted toy
graph with numpy; `prepare` checks the converted detector on a synthetic image.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

INPUT_NAME = "images"  # NHWC float32, raw RGB 0..255
SCORES_NAME = "scores"  # (1, K) peak scores, best first
INDICES_NAME = "indices"  # (1, K) flat indices into (80, H, W)
WH_NAME = "wh"  # (1, 4, H, W) distances left, top, right, bottom in input pixels
TOP_K = 100


class ConversionError(RuntimeError):
    pass


def read_weights(model_json: Mapping[str, Any], weights_dir: Path) -> dict[str, npt.NDArray[Any]]:
    """The weight tensors named in the manifest, de-quantised to float32 / int32."""
    out: dict[str, npt.NDArray[Any]] = {}
    for group in model_json["weightsManifest"]:
        data = b"".join((weights_dir / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            shape = [int(s) for s in w["shape"]]
            count = int(np.prod(shape)) if shape else 1
            quant = w.get("quantization")
            if quant:
                qdtype = quant["dtype"]
                if qdtype == "float16":
                    raw = np.frombuffer(data, dtype="<f2", count=count, offset=offset)
                    value = raw.astype(np.float32)
                    offset += 2 * count
                elif qdtype in ("uint8", "uint16"):
                    npdt = np.dtype("<u1" if qdtype == "uint8" else "<u2")
                    raw_q = np.frombuffer(data, dtype=npdt, count=count, offset=offset)
                    value = raw_q.astype(np.float32) * float(quant["scale"]) + float(quant["min"])
                    offset += npdt.itemsize * count
                else:
                    raise ConversionError(f"unsupported quantisation {qdtype} for {w['name']}")
            elif w["dtype"] == "float32":
                value = np.frombuffer(data, dtype="<f4", count=count, offset=offset).astype(np.float32)
                offset += 4 * count
            elif w["dtype"] == "int32":
                value = np.frombuffer(data, dtype="<i4", count=count, offset=offset).astype(np.int32)
                offset += 4 * count
            else:
                raise ConversionError(f"unsupported dtype {w['dtype']} for {w['name']}")
            out[w["name"]] = value.reshape(shape)
        if offset != len(data):
            raise ConversionError(f"weight file size {len(data)} does not match the manifest ({offset})")
    return out


def _attr_list(node: Mapping[str, Any], name: str) -> list[int]:
    return [int(i) for i in node.get("attr", {}).get(name, {}).get("list", {}).get("i", [])]


def _attr_str(node: Mapping[str, Any], name: str) -> str:
    raw = node.get("attr", {}).get(name, {}).get("s", "")
    return base64.b64decode(raw).decode() if raw else ""


def _attr_strs(node: Mapping[str, Any], name: str) -> list[str]:
    items = node.get("attr", {}).get(name, {}).get("list", {}).get("s", [])
    return [base64.b64decode(s).decode() for s in items]


@dataclass
class _Act:
    name: str  # ONNX tensor name (NCHW)
    h: int
    w: int


def convert(model_json: Mapping[str, Any], weights: Mapping[str, npt.NDArray[Any]], outputs: tuple[str, str]) -> Any:
    """ONNX ModelProto for the graph up to `outputs` = (heatmap node, box-size node) names.

    Input `images` (1, H, W, 3) raw RGB; outputs `scores`, `indices` (top-100 heat-map peaks) and `wh`.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes_json = model_json["modelTopology"]["node"]
    by_name = {n["name"]: n for n in nodes_json}
    initializers: list[Any] = []
    onnx_nodes: list[Any] = []
    acts: dict[str, _Act] = {}
    consts: dict[str, npt.NDArray[Any]] = dict(weights)
    counter = [0]

    def fresh(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def init(array: npt.NDArray[Any], prefix: str) -> str:
        name = fresh(prefix)
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    placeholder = [n for n in nodes_json if n["op"] == "Placeholder"]
    if len(placeholder) != 1:
        raise ConversionError("expected one input")
    dims = [int(d["size"]) for d in placeholder[0]["attr"]["shape"]["shape"]["dim"]]
    in_h, in_w = dims[1], dims[2]
    onnx_nodes.append(helper.make_node("Transpose", [INPUT_NAME], ["input_nchw"], perm=[0, 3, 1, 2]))
    acts[placeholder[0]["name"]] = _Act("input_nchw", in_h, in_w)

    def src(ref: str) -> str:
        return ref.split(":")[0] if not ref.endswith(":0") else ref[:-2]

    def operand(ref: str, like: _Act | None) -> tuple[str, _Act | None]:
        """An input as an ONNX name: an activation, or a constant shaped to broadcast in NCHW."""
        key = src(ref)
        if key in acts:
            return acts[key].name, acts[key]
        if key not in consts:
            raise ConversionError(f"unknown input {ref}")
        value = consts[key].astype(np.float32)
        if value.ndim >= 1 and value.size > 1:
            # NHWC per-channel constant -> (C, 1, 1)
            value = value.reshape(-1)[:, None, None]
        return init(value, "c"), None

    def conv(
        node: Mapping[str, Any], x: _Act, kernel: npt.NDArray[Any], bias: npt.NDArray[Any] | None, depthwise: bool
    ) -> _Act:
        strides = _attr_list(node, "strides")[1:3] or [1, 1]
        dilations = _attr_list(node, "dilations")[1:3] or [1, 1]
        padding = _attr_str(node, "padding")
        if _attr_str(node, "data_format") not in ("", "NHWC"):
            raise ConversionError(f"{node['name']}: data format")
        kh, kw = int(kernel.shape[0]), int(kernel.shape[1])
        if depthwise:
            cin, mult = int(kernel.shape[2]), int(kernel.shape[3])
            weight = kernel.reshape(kh, kw, cin * mult).transpose(2, 0, 1)[:, None, :, :]
            group = cin
        else:
            weight = kernel.transpose(3, 2, 0, 1)
            group = 1
        inputs = [x.name, init(weight.astype(np.float32), "w")]
        if bias is not None:
            inputs.append(init(bias.astype(np.float32).reshape(-1), "b"))
        if padding == "SAME":
            pad = "SAME_UPPER"
            oh, ow = -(-x.h // strides[0]), -(-x.w // strides[1])
        elif padding == "VALID":
            pad = "VALID"
            eff_h, eff_w = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
            oh, ow = -(-(x.h - eff_h + 1) // strides[0]), -(-(x.w - eff_w + 1) // strides[1])
        else:
            raise ConversionError(f"{node['name']}: padding {padding}")
        out = fresh("conv")
        onnx_nodes.append(
            helper.make_node(
                "Conv",
                inputs,
                [out],
                strides=strides,
                dilations=dilations,
                auto_pad=pad,
                group=group,
                kernel_shape=[kh, kw],
            )
        )
        return _Act(out, oh, ow)

    def fused(node: Mapping[str, Any], depthwise: bool) -> _Act:
        ins = node["input"]
        x = acts[src(ins[0])]
        ops = _attr_strs(node, "fused_ops")
        if not ops or ops[0] != "BiasAdd" or any(o not in ("BiasAdd", "Relu", "Relu6") for o in ops):
            raise ConversionError(f"{node['name']}: fused ops {ops}")
        result = conv(node, x, consts[src(ins[1])], consts[src(ins[2])], depthwise)
        for op in ops[1:]:
            result = activation(op, result)
        return result

    def activation(op: str, x: _Act) -> _Act:
        out = fresh(op.lower())
        if op == "Relu":
            onnx_nodes.append(helper.make_node("Relu", [x.name], [out]))
        elif op == "Relu6":
            lo, hi = init(np.array(0.0, np.float32), "lo"), init(np.array(6.0, np.float32), "hi")
            onnx_nodes.append(helper.make_node("Clip", [x.name, lo, hi], [out]))
        elif op == "Sigmoid":
            onnx_nodes.append(helper.make_node("Sigmoid", [x.name], [out]))
        else:
            raise ConversionError(op)
        return _Act(out, x.h, x.w)

    # topological order: the tfjs file lists nodes in an order that is already valid for this model,
    # but resolve dependencies to be safe.
    needed: set[str] = set()
    stack = [outputs[0], outputs[1]]
    while stack:
        name = src(stack.pop())
        if name in needed:
            continue
        needed.add(name)
        stack.extend(by_name[name].get("input", []))
    order: list[str] = []
    visited: set[str] = set()

    def visit(name: str) -> None:
        if name in visited:
            return
        visited.add(name)
        for dep in by_name[name].get("input", []):
            visit(src(dep))
        order.append(name)

    for name in sorted(needed):
        visit(name)

    for name in order:
        node = by_name[name]
        op = node["op"]
        ins = node.get("input", [])
        if op in ("Placeholder",):
            continue
        if op == "Const":
            if name not in consts:
                raise ConversionError(f"constant {name} has no weights")
            continue
        if all(src(i) in consts for i in ins) and op in ("Mul", "Add", "Sub"):
            a, b = consts[src(ins[0])], consts[src(ins[1])]
            consts[name] = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract}[op](a, b)
            continue
        if op == "_FusedConv2D":
            acts[name] = fused(node, depthwise=False)
        elif op == "FusedDepthwiseConv2dNative":
            acts[name] = fused(node, depthwise=True)
        elif op in ("Conv2D", "DepthwiseConv2dNative"):
            acts[name] = conv(node, acts[src(ins[0])], consts[src(ins[1])], None, op == "DepthwiseConv2dNative")
        elif op in ("Add", "Mul", "Sub"):
            like = acts.get(src(ins[0])) or acts.get(src(ins[1]))
            lhs, a_act = operand(ins[0], like)
            rhs, b_act = operand(ins[1], like)
            shape_src = a_act or b_act
            if shape_src is None:
                raise ConversionError(f"{name}: no activation input")
            if a_act and b_act and (a_act.h, a_act.w) != (b_act.h, b_act.w):
                # squeeze-excite: one side is (N, C, 1, 1): the other has the spatial size
                shape_src = a_act if a_act.h * a_act.w >= b_act.h * b_act.w else b_act
            out = fresh(op.lower())
            onnx_nodes.append(helper.make_node(op, [lhs, rhs], [out]))
            acts[name] = _Act(out, shape_src.h, shape_src.w)
        elif op in ("Relu", "Relu6", "Sigmoid"):
            acts[name] = activation(op, acts[src(ins[0])])
        elif op == "Identity":
            if src(ins[0]) in acts:
                acts[name] = acts[src(ins[0])]
            else:
                consts[name] = consts[src(ins[0])]
        elif op == "Mean":
            axes = sorted(int(a) for a in np.asarray(consts[src(ins[1])]).reshape(-1))
            keep = bool(node.get("attr", {}).get("keep_dims", {}).get("b", False))
            if axes != [1, 2] or not keep:
                raise ConversionError(f"{name}: Mean over {axes} keep_dims={keep}")
            out = fresh("gap")
            onnx_nodes.append(helper.make_node("GlobalAveragePool", [acts[src(ins[0])].name], [out]))
            acts[name] = _Act(out, 1, 1)
        elif op == "ConcatV2":
            axis = int(np.asarray(consts[src(ins[-1])]).reshape(-1)[0])
            if axis not in (3, -1):
                raise ConversionError(f"{name}: concat axis {axis}")
            parts = [acts[src(i)] for i in ins[:-1]]
            if len({(p.h, p.w) for p in parts}) != 1:
                raise ConversionError(f"{name}: concat of different sizes")
            out = fresh("concat")
            onnx_nodes.append(helper.make_node("Concat", [p.name for p in parts], [out], axis=1))
            acts[name] = _Act(out, parts[0].h, parts[0].w)
        elif op == "ResizeBilinear":
            x = acts[src(ins[0])]
            size = [int(v) for v in np.asarray(consts[src(ins[1])]).reshape(-1)]
            attrs = node.get("attr", {})
            if attrs.get("align_corners", {}).get("b") or attrs.get("half_pixel_centers", {}).get("b"):
                raise ConversionError(f"{name}: resize mode")
            scales = init(np.array([1.0, 1.0, size[0] / x.h, size[1] / x.w], np.float32), "scales")
            out = fresh("resize")
            onnx_nodes.append(
                helper.make_node(
                    "Resize",
                    [x.name, "", scales],
                    [out],
                    mode="linear",
                    coordinate_transformation_mode="asymmetric",
                )
            )
            acts[name] = _Act(out, size[0], size[1])
        else:
            raise ConversionError(f"{name}: op {op} is not supported")

    heat, wh = acts[outputs[0]], acts[outputs[1]]
    # CenterNet decoding: a peak is a heat-map value equal to the max of its 3x3 neighbourhood.
    onnx_nodes += [
        helper.make_node("MaxPool", [heat.name], ["pooled"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Equal", [heat.name, "pooled"], ["is_peak"]),
        helper.make_node("Cast", ["is_peak"], ["peak_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [heat.name, "peak_f"], ["peaks"]),
        helper.make_node("Reshape", ["peaks", init(np.array([1, -1], np.int64), "shape")], ["flat"]),
        helper.make_node("TopK", ["flat", init(np.array([TOP_K], np.int64), "k")], [SCORES_NAME, INDICES_NAME]),
        helper.make_node("Identity", [wh.name], [WH_NAME]),
    ]
    graph = helper.make_graph(
        onnx_nodes,
        "centernet",
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [1, in_h, in_w, 3])],
        [
            helper.make_tensor_value_info(SCORES_NAME, TensorProto.FLOAT, [1, TOP_K]),
            helper.make_tensor_value_info(INDICES_NAME, TensorProto.INT64, [1, TOP_K]),
            helper.make_tensor_value_info(WH_NAME, TensorProto.FLOAT, [1, 4, wh.h, wh.w]),
        ],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="housescan")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def convert_files(model_json_path: Path, outputs: tuple[str, str]) -> Any:
    model_json = json.loads(model_json_path.read_text(encoding="utf-8"))
    weights = read_weights(model_json, model_json_path.parent)
    return convert(model_json, weights, outputs)
