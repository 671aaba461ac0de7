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
from typing import BinaryIO

_TBI_PSEUDO_BIN = 37450


_TBI_BIN = struct.Struct("<Ii")  # bin, n_chunk
_CSI_BIN = struct.Struct("<IQi")  # bin, loffset, n_chunk
_CHUNK = struct.Struct("<QQ")
_INT = struct.Struct("<i")


def max_chunk_end(index: Path) -> int | None:
    """The virtual offset at which the indexed data ends, from a .tbi or .csi index; None if it is empty.

    htslib keeps, per reference, a pseudo-bin whose first chunk spans that reference's records: the
    largest of their ends is the end of the data. Without pseudo-bins every chunk end is compared."""
    data = gzip.decompress(index.read_bytes())
    magic = data[:4]
    if magic == b"TBI\x01":
        n_ref = _INT.unpack_from(data, 4)[0]
        at = 36 + _INT.unpack_from(data, 32)[0]
        pseudo, bin_struct, linear = _TBI_PSEUDO_BIN, _TBI_BIN, True
    elif magic == b"CSI\x01":
        _min_shift, depth, l_aux = struct.unpack_from("<iii", data, 4)
        at = 16 + l_aux
        n_ref = _INT.unpack_from(data, at)[0]
        at += 4
        pseudo, bin_struct, linear = ((1 << ((depth + 1) * 3)) - 1) // 7 + 1, _CSI_BIN, False
    else:
        raise ValueError("not a tabix or CSI index")
    pseudo_end: int | None = None
    any_end: int | None = None
    for _ in range(n_ref):
        n_bin = _INT.unpack_from(data, at)[0]
        at += 4
        for _ in range(n_bin):
            fields = bin_struct.unpack_from(data, at)
            at += bin_struct.size
            n_chunk = fields[-1]
            if fields[0] == pseudo:
                end = _CHUNK.unpack_from(data, at)[1]
                pseudo_end = end if pseudo_end is None or end > pseudo_end else pseudo_end
            elif pseudo_end is None:  # only needed for an index without pseudo-bins
                for c in range(n_chunk):
                    end = _CHUNK.unpack_from(data, at + 16 * c)[1]
                    any_end = end if any_end is None or end > any_end else any_end
            at += 16 * n_chunk
        if linear:
            at += 4 + 8 * _INT.unpack_from(data, at)[0]
    return pseudo_end if pseudo_end is not None else any_end


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


def _isize(fh: BinaryIO, offset: int, size: int) -> int:
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
