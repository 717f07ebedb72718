#!/usr/bin/python3
"""onnx_check.py: checks a model that cnnconvert exported to ONNX.

    onnx_check.py has-ort
        exits 0 when onnxruntime can be imported (PyPI only: in a venv).
    onnx_check.py checker MODEL.onnx
        onnx.checker (full check) and strict shape inference, with the output's shape:
        prints "ok OUTPUT-SHAPE".
    onnx_check.py ort MODEL.onnx IMAGES.tsr PRED [--seg]
        runs the model in ONNX Runtime on the images of the stream (raw u8 pixels, N x C x H x W
        floats; laplacian_var as the features input where the model has one) and compares
        with cnnpredict's output: PRED is its table (p_CLASS columns) or, with --seg, its
        --stream output (pred_mask, probabilities as u8), and the difference is in units of 1/255.
        Prints "max abs diff X".
"""
import os
import sys

import numpy as np
import onnx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsread  # noqa: E402

try:
    import onnxruntime  # PyPI only, in a venv: the test skips without it
except ImportError:
    onnxruntime = None


def checker(path):
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    s = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    dims = s.graph.output[0].type.tensor_type.shape.dim
    print("ok " + "x".join(d.dim_param or str(d.dim_value) for d in dims))


def records(path):
    out = []

    def emit(rec):
        meta, tensors = rec
        t = {}
        for name, dname, fmt, dims, data in tensors:
            if fmt is not None:
                t[name] = np.frombuffer(data, dtype={"u8": np.uint8, "f32": np.float32}[dname]).reshape(dims)
        out.append({"meta": meta, "tensors": t})
    tsread.read(open(path, "rb").read(), emit, tsread.xxh3_function())
    return out


def ort(path, images, pred, seg):
    sess = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    recs = records(images)
    x = np.stack([np.transpose(r["tensors"]["image"], (2, 0, 1)) for r in recs]).astype(np.float32)
    feed = {"pixels": x}
    if "features" in names:
        feed["features"] = np.array([[float(r["meta"]["laplacian_var"])] for r in recs], np.float32)
    y = sess.run(None, feed)[0]
    if seg:
        want = np.stack([r["tensors"]["pred_mask"] for r in records(pred)]).astype(np.float32)
        print("max abs diff %.4g (255 p against the u8 masks)" % np.abs(y[:, 0] * 255 - want).max())
        return
    lines = open(pred).read().splitlines()
    head = lines[0].split("\t")
    cols = [i for i, h in enumerate(head) if h.startswith("p_")]
    want = np.array([[float(l.split("\t")[i]) for i in cols] for l in lines[1:]])
    if y.shape[1] == 1:         # one sigmoid unit: p_ columns are 1 - p and p
        y = np.concatenate([1 - y, y], axis=1)
    print("max abs diff %.3g" % np.abs(y - want).max())


if __name__ == "__main__":
    if sys.argv[1] == "has-ort":
        sys.exit(0 if onnxruntime else 1)
    if sys.argv[1] == "checker":
        checker(sys.argv[2])
    else:
        ort(sys.argv[2], sys.argv[3], sys.argv[4], "--seg" in sys.argv)
