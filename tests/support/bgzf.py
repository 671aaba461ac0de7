"""Write BGZF (blocked gzip) bytes with chosen block sizes, so tests can put block boundaries inside lines."""

from __future__ import annotations

import struct
import zlib

EOF_BLOCK = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")


def bgzf_block(data: bytes) -> bytes:
    """One BGZF member holding ``data`` (at most 65,536 bytes)."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = deflate.compress(data) + deflate.flush()
    header = b"\x1f\x8b\x08\x04" + b"\x00" * 4 + b"\x00\xff" + struct.pack("<HBBHH", 6, 66, 67, 2, len(body) + 25)
    return header + body + struct.pack("<II", zlib.crc32(data), len(data))


def bgzf(data: bytes, block: int = 65280, eof: bool = True) -> bytes:
    """``data`` as BGZF, ``block`` uncompressed bytes per member, with the end-of-file marker block."""
    blocks = [bgzf_block(data[i:i + block]) for i in range(0, len(data), block)]
    return b"".join(blocks) + (EOF_BLOCK if eof else b"")
