#!/usr/bin/python3
"""tswrite.py: writes tensor streams from Python, from man/tensorstream.5 and
the record layout in libcommon/stream/tstream.h, for tests that need records no tool
makes (a true and a predicted mask side by side, bad shapes, f32 masks).

    import tswrite
    tswrite.write("s.tsr", [({"id": "a"}, [("mask", mask_u8_array), ...]), ...])

Tensors are numpy arrays of dtype uint8, int32 or float32, or Python bytes
(an opaque "bytes" tensor, such as the "encoded" PNG or JPEG of an image).
The stream is one
zstd frame (content checksum on) and the end frame.
"""
import os
import struct
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsread  # noqa: E402

CODES = {np.dtype(np.uint8): 1, np.dtype(np.int32): 2, np.dtype(np.float32): 3}


def pad(b):
    return b + b"\0" * (-len(b) % 8)


def record(meta, tensors):
    body = b""
    for k, v in meta.items():
        k, v = k.encode(), v.encode()
        body += pad(struct.pack("<II", len(k), len(v)) + k + b"\0" + v + b"\0")
    for name, a in tensors:
        if isinstance(a, bytes):    # opaque bytes (an encoded PNG or JPEG): code 4, one dimension
            code, shape, data = 4, (len(a),), a
        else:
            a = np.ascontiguousarray(a)
            code, shape = CODES[a.dtype], a.shape
            data = a.astype(a.dtype.newbyteorder("<")).tobytes()
        head = struct.pack("<HBBIQ", len(name), code, len(shape), 0, len(data))
        head += struct.pack("<%dQ" % len(shape), *shape) + name.encode() + b"\0"
        body += pad(head) + pad(data)
    header = b"TSR1" + struct.pack("<HHIIQ", 1, 0, len(meta), len(tensors), len(body))
    return header + body + struct.pack("<Q", tsread.xxh3_function()(header + body))


def write(path, records):
    payload = b"".join(record(m, t) for m, t in records)
    z = subprocess.run(["zstd", "-q", "--check", "-c"], input=payload, stdout=subprocess.PIPE,
                       check=True).stdout
    head = struct.pack("<II", tsread.HEAD_MAGIC, 16) + b"TSTREAM\0" + struct.pack("<II", 1, 0)
    end = struct.pack("<II", tsread.END_MAGIC, 16) + b"TSTREAM\0" + struct.pack("<Q", len(records))
    with open(path, "wb") as f:
        f.write(head + z + end)
