#!/usr/bin/python3
"""ONNX Runtime inference benchmark for bench_peers.sh (imports neither torch nor the toolkit).

usage: PYTHON bench/cnn_ort.py MODEL.onnx [--threads 2] [--batch 32] [--seconds 5] [--latency N]
Runs the model that bench/cnn_torch.py exported (batch dimension dynamic) on random inputs with
one session: intra-op threads --threads, inter-op 1, graph optimisation ORT_ENABLE_ALL, the CPU
execution provider.  images/s at --batch, then N passes of one image (median and 99th
percentile, after 5 untimed ones); peak RSS of this process.
prints: images_per_s=X peak_rss_mib=Y lat_median_ms=M lat_p99_ms=P
"""
import argparse
import resource
import time

import sys

import numpy as np
try:    # from bench_peers.sh's venv (PyPI), not from a Debian package
    import onnxruntime as ort
except ImportError as e:
    sys.exit("cnn_ort.py: %s" % e)


def feeds(sess, n, rng):
    """Random inputs for n samples: images in 0..1, extra features standard normal."""
    d = {}
    for i in sess.get_inputs():
        shape = [n] + list(i.shape[1:])
        d[i.name] = (rng.random(shape) if len(shape) == 4 else rng.standard_normal(shape)).astype(np.float32)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("onnx")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--latency", type=int, default=0)
    a = ap.parse_args()

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    sess = ort.InferenceSession(a.onnx, so, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    big = feeds(sess, a.batch, rng)
    for _ in range(2):
        sess.run(None, big)
    n = 0
    t0 = time.perf_counter()
    while True:
        sess.run(None, big)
        n += 1
        el = time.perf_counter() - t0
        if el >= a.seconds:
            break
    out = "images_per_s=%.1f" % (n * a.batch / el)
    if a.latency > 0:
        one = feeds(sess, 1, rng)
        for _ in range(5):
            sess.run(None, one)
        t = []
        for _ in range(a.latency):
            s = time.perf_counter()
            sess.run(None, one)
            t.append(time.perf_counter() - s)
        t.sort()
        lat = " lat_median_ms=%.4f lat_p99_ms=%.4f" % (1e3 * t[a.latency // 2], 1e3 * t[int(0.99 * (a.latency - 1) + 0.5)])
    else:
        lat = ""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("%s peak_rss_mib=%.1f%s" % (out, rss, lat))


if __name__ == "__main__":
    main()
