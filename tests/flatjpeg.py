#!/usr/bin/python3
# A baseline gray JPEG of W x H (multiples of 32) whose every 8x8 block is flat gray 128:
# each block is DC difference 0 ('00') and end-of-block ('1010') in the standard tables.
import struct, sys
w, h, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def seg(marker, body):
    return struct.pack(">BBH", 0xFF, marker, len(body) + 2) + body
dc_bits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]
dc_vals = list(range(12))
ac_bits = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7D]
ac_vals = bytes.fromhex(
    "01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa")
blocks = (w // 8) * (h // 8)
assert blocks % 4 == 0
data = b"\xff\xd8"
data += seg(0xDB, b"\x00" + bytes([1] * 64))
data += seg(0xC0, struct.pack(">BHHB", 8, h, w, 1) + b"\x01\x11\x00")
data += seg(0xC4, b"\x00" + bytes(dc_bits) + bytes(dc_vals) + b"\x10" + bytes(ac_bits) + ac_vals)
data += seg(0xDA, b"\x01\x01\x00\x00\x3f\x00")
data += b"\x28\xa2\x8a" * (blocks // 4) + b"\xff\xd9"
open(out, "wb").write(data)
