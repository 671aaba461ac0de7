"""What a tabix (.tbi) or CSI index says about its file, and where a BGZF file's data really ends.

Enough of both formats (SAM/BAM specification, section 5, and the tabix and CSI specifications) to
tell whether an index was made for the file beside it: the largest chunk end of the index must be
the virtual offset at which the file's data ends. Pure Python over the index (a few kB) and the
BGZF block headers (one 18-byte read per block); no record is decompressed but the last ones.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

_TBI_PSEUDO_BIN = 37450


def max_chunk_end(index: Path) -> int | None:
    """The largest chunk end (a BGZF virtual offset) in a .tbi or .csi index; None if it has no chunks."""
    data = gzip.decompress(index.read_bytes())
    magic = data[:4]
    if magic == b"TBI\x01":
        n_ref, = struct.unpack_from("<i", data, 4)
        l_nm, = struct.unpack_from("<i", data, 32)
        at = 36 + l_nm
        pseudo, has_loffset = _TBI_PSEUDO_BIN, False
    elif magic == b"CSI\x01":
        _min_shift, depth, l_aux = struct.unpack_from("<iii", data, 4)
        at = 16 + l_aux
        n_ref, = struct.unpack_from("<i", data, at)
        at += 4
        pseudo, has_loffset = ((1 << ((depth + 1) * 3)) - 1) // 7 + 1, True
    else:
        raise ValueError("not a tabix or CSI index")
    best: int | None = None
    for _ in range(n_ref):
        n_bin, = struct.unpack_from("<i", data, at)
        at += 4
        for _ in range(n_bin):
            bin_id, = struct.unpack_from("<I", data, at)
            at += 4 + (8 if has_loffset else 0)
            n_chunk, = struct.unpack_from("<i", data, at)
            at += 4
            if bin_id != pseudo:
                for c in range(n_chunk):
                    _beg, end = struct.unpack_from("<QQ", data, at + 16 * c)
                    best = end if best is None or end > best else best
            at += 16 * n_chunk
        if not has_loffset:
            n_intv, = struct.unpack_from("<i", data, at)
            at += 4 + 8 * n_intv
    return best


def _blocks(path: Path) -> list[tuple[int, int]]:
    """(file offset, block size) of every BGZF block."""
    out = []
    with path.open("rb") as fh:
        offset = 0
        while True:
            head = fh.read(18)
            if not head:
                break
            if len(head) < 18 or head[:4] != b"\x1f\x8b\x08\x04" or head[12:14] != b"BC":
                raise ValueError("not a BGZF file")
            size = struct.unpack_from("<H", head, 16)[0] + 1
            out.append((offset, size))
            offset += size
            fh.seek(offset)
    return out


def _isize(fh, offset: int, size: int) -> int:
    fh.seek(offset + size - 4)
    return struct.unpack("<I", fh.read(4))[0]


def data_end_offsets(path: Path) -> set[int]:
    """Virtual offsets at which a reader has consumed the file's last byte of data (htslib may record
    either the end of the last data block or the start of the following empty block)."""
    blocks = _blocks(path)
    with path.open("rb") as fh:
        sized = [(off, size, _isize(fh, off, size)) for off, size in blocks]
    data = [b for b in sized if b[2] > 0]
    if not data:
        return {0}
    last_off, last_size, last_isize = data[-1]
    ends = {(last_off << 16) | last_isize}
    following = last_off + last_size
    if any(off == following for off, _, _ in sized):
        ends.add(following << 16)
    return ends


def tail_text(path: Path, blocks: int = 2) -> str:
    """The decompressed text of the last ``blocks`` data blocks (enough to hold the last record)."""
    with path.open("rb") as fh:
        sized = [(off, size) for off, size in _blocks(path) if _isize(fh, off, size) > 0]
        chunks = []
        for off, size in sized[-blocks:]:
            fh.seek(off)
            chunks.append(zlib.decompress(fh.read(size)[18:-8], -15))
    return b"".join(chunks).decode("utf-8", "replace")
