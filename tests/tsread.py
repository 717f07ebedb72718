#!/usr/bin/python3
"""tsread.py: an independent reader of tensor streams, written from
man/tensorstream.5 alone to check that the page is complete and that the C
library writes what it says.  Prints each record as one line of JSON:

  {"meta": {"id": "a1", ...},
   "tensors": [{"name": "image", "dtype": "u8", "shape": [2, 2, 3], "data": [...]}, ...]}

Numbers come out as JSON numbers (non-finite floats as the strings "nan",
"inf", "-inf"); bytes tensors and unknown dtypes as "hex".

usage: tsread.py [-s] [FILE]      FILE "-" or none: standard input
  -s   summary: "nbytes" instead of the data

Limits of this checker:
- It reads the whole input into memory; it is a test tool, not a filter.
- zstd frames are decompressed by the zstd(1) program, which skips
  skippable frames, so the frames are first walked here (frame and block
  headers only, RFC 8878) to find the end frames; each part between end
  frames then goes through "zstd -dc" on its own and must hold exactly the
  number of records its end frame counts.  A damaged or truncated part is
  reported as a whole; the C reader may deliver some of its records first.
- Record checksums (XXH3_64bits) are verified with the python xxhash module
  or, failing that, libxxhash through ctypes; with neither, they are not
  verified and a note says so on stderr.

Exit status 0; 1 after an error, printed as "tsread.py: NAME: record N: what";
2 for a usage error.
"""
import ctypes
import ctypes.util
import json
import math
import os
import struct
import subprocess
import sys

ZSTD_MAGIC = 0xFD2FB528
END_MAGIC = 0x184D2A5E
HEAD_MAGIC = 0x184D2A5D
MAX_META, MAX_TENSORS, MAX_STRING, MAX_DIMS = 65536, 4096, 1 << 20, 4
DTYPES = {1: ("u8", "B", 1), 2: ("i32", "i", 4), 3: ("f32", "f", 4), 4: ("bytes", None, 0),
          5: ("u16", "H", 2), 6: ("i64", "q", 8), 7: ("f64", "d", 8)}


class StreamError(Exception):
    pass


def xxh3_function():
    try:
        import xxhash
        return xxhash.xxh3_64_intdigest
    except ImportError:
        pass
    for name in ("libxxhash.so.0", ctypes.util.find_library("xxhash")):
        if not name:
            continue
        try:
            lib = ctypes.CDLL(name)
            f = lib.XXH3_64bits
        except (OSError, AttributeError):
            continue
        f.argtypes = (ctypes.c_char_p, ctypes.c_size_t)
        f.restype = ctypes.c_uint64
        return lambda b: f(bytes(b), len(b))
    return None


def max_record():
    """TS_MAX_RECORD: bytes, or with a K, M or G suffix (KiB, MiB, GiB), from 32 to 2^63;
    unset: 2 GiB; anything else is an error."""
    e = os.environ.get("TS_MAX_RECORD")
    if e is None:
        return 1 << 31
    shift = {"k": 10, "m": 20, "g": 30}.get(e[-1:].lower(), 0)
    digits = e[:-1] if shift else e
    if not (digits.isascii() and digits.isdigit()):
        raise StreamError("TS_MAX_RECORD='%s': not a size" % e)
    v = int(digits) << shift
    if v < 32 or v >= 1 << 63:
        raise StreamError("TS_MAX_RECORD='%s': out of range" % e)
    return v


def walk_frames(data):
    """Yields ("zstd", bytes), ("end", count) and ("skip", None) for each frame;
    raises StreamError on anything that is not a whole frame."""
    pos, n = 0, len(data)
    started = False
    while pos < n:
        if n - pos < 4:
            raise StreamError("unexpected end of input (truncated stream)")
        magic = struct.unpack_from("<I", data, pos)[0]
        if magic & 0xFFFFFFF0 == 0x184D2A50:
            if n - pos < 8:
                raise StreamError("truncated skippable frame header")
            size = struct.unpack_from("<I", data, pos + 4)[0]
            if pos + 8 + size > n:
                raise StreamError("truncated %s" % ("end frame" if magic == END_MAGIC else
                                                    "stream header" if magic == HEAD_MAGIC else "skippable frame"))
            body = data[pos + 8:pos + 8 + size]
            pos += 8 + size
            started = True
            if magic == HEAD_MAGIC:
                if size != 16 or body[:8] != b"TSTREAM\0":
                    raise StreamError("malformed stream header")
                version, flags = struct.unpack_from("<II", body, 8)
                if version != 1 or flags != 0:
                    raise StreamError("stream version %d, flags %#x: not version 1" % (version, flags))
                yield ("head", None)
                continue
            if magic != END_MAGIC:
                yield ("skip", None)
                continue
            if size != 16 or body[:8] != b"TSTREAM\0":
                raise StreamError("malformed end frame")
            yield ("end", struct.unpack_from("<Q", body, 8)[0])
            continue
        if magic != ZSTD_MAGIC:
            raise StreamError("not a tensor stream (no stream header at the start)" if not started
                              else "corrupt stream: data that is not a zstd frame")
        start = pos
        pos += 4
        if pos >= n:
            raise StreamError("unexpected end of input (truncated stream)")
        fhd = data[pos]
        pos += 1
        fcs_flag, single, checksum, dict_flag = fhd >> 6, (fhd >> 5) & 1, (fhd >> 2) & 1, fhd & 3
        if fhd & 0x08:
            raise StreamError("corrupt stream: reserved bit set in a zstd frame header")
        pos += 0 if single else 1
        dsize = (0, 1, 2, 4)[dict_flag]
        pos += dsize + ((1 if single else 0), 2, 4, 8)[fcs_flag]
        while True:
            if pos + 3 > n:
                raise StreamError("unexpected end of input (truncated stream)")
            h = int.from_bytes(data[pos:pos + 3], "little")
            last, btype, bsize = h & 1, (h >> 1) & 3, h >> 3
            if btype == 3:
                raise StreamError("corrupt stream: reserved zstd block type")
            pos += 3 + (1 if btype == 1 else bsize)
            if last:
                break
        pos += 4 if checksum else 0
        if pos > n:
            raise StreamError("unexpected end of input (truncated stream)")
        started = True
        yield ("zstd", data[start:pos])


def unzstd(frames):
    p = subprocess.run(["zstd", "-dcq"], input=frames, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        msg = p.stderr.decode(errors="replace").strip().splitlines()
        raise StreamError("corrupt stream (zstd: %s)" % (msg[-1] if msg else "exit %d" % p.returncode))
    return p.stdout


def pad8(n):
    return (n + 7) & ~7


def text(b):
    return b.decode("utf-8", errors="surrogateescape")


def decode_record(p, pos, xxh3, limit):
    """Decodes the record at p[pos:]; returns (record, its length)."""
    if len(p) - pos < 24:
        raise StreamError("end frame inside a record (record truncated)")
    magic, version, flags, nmeta, ntensor, body_len = struct.unpack_from("<4sHHIIQ", p, pos)
    if magic != b"TSR1":
        raise StreamError("not a tensor stream record (bad magic)")
    if version != 1:
        raise StreamError("unsupported record version %d (this reader knows 1)" % version)
    if flags != 0:
        raise StreamError("unsupported record flags 0x%04x" % flags)
    if nmeta > MAX_META:
        raise StreamError("%d metadata entries exceed the limit of %d" % (nmeta, MAX_META))
    if ntensor > MAX_TENSORS:
        raise StreamError("%d tensors exceed the limit of %d" % (ntensor, MAX_TENSORS))
    if body_len % 8:
        raise StreamError("body length %d is not a multiple of 8" % body_len)
    total = 32 + body_len
    if total > limit:
        raise StreamError("record body of %d bytes exceeds the record limit of %d bytes (TS_MAX_RECORD)"
                          % (body_len, limit))
    if len(p) - pos < total:
        raise StreamError("end frame inside a record (record truncated)")
    rec = memoryview(p)[pos:pos + total]
    if xxh3 is not None and xxh3(rec[:24 + body_len]) != struct.unpack_from("<Q", rec, 24 + body_len)[0]:
        raise StreamError("record checksum mismatch (corrupt data)")
    end = 24 + body_len
    at = 24

    def need(n, what):
        if n > end - at:
            raise StreamError("%s runs past the record" % what)

    def zeros(a, b, what):
        if any(rec[a:b]):
            raise StreamError("%s: nonzero padding" % what)

    def string(a, n, what):
        if n >= MAX_STRING or a + n >= end or rec[a + n] != 0 or 0 in rec[a:a + n]:
            raise StreamError("%s is malformed" % what)
        return text(bytes(rec[a:a + n]))

    meta = {}
    for i in range(nmeta):
        what = "metadata entry %d" % (i + 1)
        need(8, what)
        klen, vlen = struct.unpack_from("<II", rec, at)
        if klen == 0:
            raise StreamError("%s is malformed" % what)
        k = string(at + 8, klen, what)
        v = string(at + 9 + klen, vlen, what)
        size = pad8(10 + klen + vlen)
        need(size, what)
        zeros(at + 10 + klen + vlen, at + size, what)
        meta.setdefault(k, v)       # a repeated key: the first one counts
        at += size
    tensors = []
    for i in range(ntensor):
        what = "tensor %d" % (i + 1)
        need(16, what)
        nlen, dtype, ndim, reserved, nbytes = struct.unpack_from("<HBBIQ", rec, at)
        if ndim > MAX_DIMS:
            raise StreamError("%s has %d dimensions (at most %d)" % (what, ndim, MAX_DIMS))
        h = pad8(17 + 8 * ndim + nlen)
        need(h, what)
        if nlen == 0 or reserved != 0:
            raise StreamError("%s header is malformed" % what)
        dims = list(struct.unpack_from("<%dQ" % ndim, rec, at + 16))
        name = string(at + 16 + 8 * ndim, nlen, what + " header")
        zeros(at + 17 + 8 * ndim + nlen, at + h, what)
        if nbytes > end - at - h or pad8(nbytes) > end - at - h:
            raise StreamError("tensor '%s' data runs past the record" % name)
        if dtype == 0:
            raise StreamError("tensor '%s' has dtype code 0 (reserved)" % name)
        if dtype in DTYPES:
            dname, fmt, size = DTYPES[dtype]
            count = math.prod(dims)
            ok = (ndim == 1 and dims[0] == nbytes) if dtype == 4 else count * size == nbytes
            if not ok:
                raise StreamError("tensor '%s': shape does not match its %d bytes" % (name, nbytes))
        else:
            dname, fmt = "dtype%d" % dtype, None
        data = bytes(rec[at + h:at + h + nbytes])
        zeros(at + h + nbytes, at + h + pad8(nbytes), "tensor '%s'" % name)
        tensors.append((name, dname, fmt, dims, data))
        at += h + pad8(nbytes)
    if at != end:
        raise StreamError("%d stray bytes after the last tensor" % (end - at))
    return (meta, tensors), total


def number(x):
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def as_json(record, summary):
    meta, tensors = record
    out = []
    for name, dname, fmt, dims, data in tensors:
        t = {"name": name, "dtype": dname, "shape": dims}
        if summary:
            t["nbytes"] = len(data)
        elif fmt is None:
            t["hex"] = data.hex()
        else:
            t["data"] = [number(x[0]) for x in struct.iter_unpack("<" + fmt, data)]
        out.append(t)
    return json.dumps({"meta": meta, "tensors": out}, ensure_ascii=False)


def read(data, emit, xxh3):
    """Reads the stream in data, calling emit(record) for each; returns the count."""
    limit = max_record()
    nrec = 0
    part = []           # zstd frames since the last end frame
    open_part = False   # a header read, its end frame not yet
    parts = 0

    def records(frames):
        nonlocal nrec
        p = unzstd(b"".join(frames))
        pos = n = 0
        while pos < len(p):
            rec, size = decode_record(p, pos, xxh3, limit)
            emit(rec)
            nrec += 1
            n += 1
            pos += size
        return n

    try:
        try:
            for kind, value in walk_frames(data):
                if kind == "head":
                    if open_part:
                        raise StreamError("a stream header before the end frame of the stream before it (truncated)")
                    open_part, parts = True, parts + 1
                elif kind == "zstd":
                    if not open_part:
                        raise StreamError("no stream header" if parts == 0 else
                                          "data after an end frame without a stream header")
                    part.append(value)
                elif kind == "end":
                    if not open_part:
                        raise StreamError("an end frame without a stream header before it")
                    open_part = False
                    frames, part = part, []
                    n = records(frames) if frames else 0
                    if n != value:
                        raise StreamError("end frame counts %d records but %d were read (records lost)" % (value, n))
        except StreamError:
            if part:            # deliver the whole frames before the damage, then report it
                records(part)
            raise
        if part:
            records(part)
        if open_part:
            raise StreamError("stream ends without its end frame (truncated)")
        if parts == 0:
            raise StreamError("empty input: no stream header" if not data else "no stream header")
    except StreamError as e:
        raise StreamError("record %d: %s" % (nrec + 1, e))
    return nrec


def main(argv):
    summary = False
    args = argv[1:]
    if args and args[0] == "-s":
        summary, args = True, args[1:]
    if len(args) > 1 or (args and args[0].startswith("-") and args[0] != "-"):
        print("usage: tsread.py [-s] [FILE]", file=sys.stderr)
        return 2
    name = args[0] if args else "-"
    try:
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as f:
                data = f.read()
    except OSError as e:
        print("tsread.py: %s: %s" % (name, e.strerror), file=sys.stderr)
        return 1
    xxh3 = xxh3_function()
    if xxh3 is None:
        print("tsread.py: note: no xxhash module or libxxhash: record checksums not verified", file=sys.stderr)
    out = sys.stdout
    try:
        read(data, lambda r: print(as_json(r, summary), file=out), xxh3)
    except StreamError as e:
        out.flush()
        print("tsread.py: %s: %s" % (name, e), file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
