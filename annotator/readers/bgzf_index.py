"""What a tabix (.tbi) or CSI index says about its file, and where a BGZF file's data really ends.

Enough of both formats (SAM/BAM specification, section 5, and the tabix and CSI specifications) to
tell whether an index was made for the file beside it: the largest chunk end of the index must be
the virtual offset at which the file's data ends. Pure Python over the index (one walk from bin to
bin) and the BGZF block headers (one 18-byte read per block, done once per file: :class:`BgzfLayout`);
no record is decompressed but the last ones.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

_TBI_PSEUDO_BIN = 37450


_TBI_BIN = struct.Struct("<Ii")  # bin, n_chunk
_CSI_BIN = struct.Struct("<IQi")  # bin, loffset, n_chunk
_CHUNK = struct.Struct("<QQ")
_INT = struct.Struct("<i")
_BLOCK_HEAD = struct.Struct("<4s8s2s2xH")  # magic and flags, MTIME to XLEN, subfield "BC" (at 12), its length, BSIZE - 1 (at 16)


class IndexSummary(NamedTuple):
    """What the index says of its file: where the indexed data ends (a virtual offset; None if empty) and
    how many records it counts (None when it keeps no per-reference counts)."""

    end: int | None
    records: int | None


def read_index(index: Path) -> IndexSummary:
    """The end of the indexed data and the record count, from a .tbi or .csi index.

    htslib keeps, per reference, a pseudo-bin whose first chunk spans that reference's records and whose
    second holds its mapped and unmapped record counts: the largest of the ends is the end of the data.
    Without pseudo-bins every chunk end is compared (and the records are not counted)."""
    data = _decompress(index.read_bytes())
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
    walk = _Walk(data, at, n_ref, pseudo, bin_struct, linear)
    try:
        summary = walk.pseudo_bins()
        return summary if summary is not None else IndexSummary(walk.any_chunk_end(), None)
    except struct.error as exc:
        raise ValueError(f"the index is truncated ({exc})") from None


def max_chunk_end(index: Path) -> int | None:
    """The virtual offset at which the indexed data ends (see :func:`read_index`)."""
    return read_index(index).end


@dataclass(frozen=True)
class _Walk:
    """One walk over the bins of every reference. Bins are variable-length (each names its chunk count),
    but most hold one chunk: runs of one-chunk bins are read at once as a numpy record array, and only the
    others (the pseudo-bin holds two) one by one."""

    data: bytes
    start: int
    n_ref: int
    pseudo: int
    bin_struct: struct.Struct
    linear: bool  # a .tbi keeps a linear index after each reference's bins

    def _bins(self) -> Iterator[tuple[Any, Any, int, int]]:
        """Per stretch of bins: (bin ids, chunk ends) of a run of one-chunk bins as arrays, with n_chunk 1 and
        the offset after the run; or one other bin as ((bin id,), (), its n_chunk, offset of its first chunk)."""
        import numpy as np  # already loaded with cyvcf2

        data, at = self.data, self.start
        size = self.bin_struct.size
        one = np.dtype([("head", f"V{size - 4}"), ("n", "<i4"), ("beg", "<u8"), ("end", "<u8")])
        bin_id = np.dtype("<u4")
        for _ in range(self.n_ref):
            n_bin = _INT.unpack_from(data, at)[0]
            at += 4
            left, window = n_bin, 64
            while left:
                count = min(left, window, (len(data) - at) // one.itemsize)
                if count <= 0:
                    raise ValueError("the index ends inside its bins (truncated)")
                run = np.frombuffer(data, one, count, at)
                irregular = np.flatnonzero(run["n"] != 1)
                ones = int(irregular[0]) if irregular.size else count
                if ones:
                    ids = np.ndarray(ones, bin_id, data, at, (one.itemsize,))
                    yield ids, run["end"][:ones], 1, at + ones * one.itemsize
                    at, left = at + ones * one.itemsize, left - ones
                window = window * 2 if ones == count else 64
                if irregular.size:
                    fields = self.bin_struct.unpack_from(data, at)
                    yield (fields[0],), (), fields[-1], at + size
                    at, left = at + size + 16 * fields[-1], left - 1
            if self.linear:
                at += 4 + 8 * _INT.unpack_from(data, at)[0]

    def pseudo_bins(self) -> IndexSummary | None:
        """The end of the data and the record count from the pseudo-bins; None when the index has none."""
        end: int | None = None
        records = 0
        for ids, _, n_chunk, at in self._bins():
            if n_chunk < 2 or ids[0] != self.pseudo:
                continue  # a pseudo-bin has two chunks: its span and its counts
            chunk_end = _CHUNK.unpack_from(self.data, at)[1]
            mapped, unmapped = _CHUNK.unpack_from(self.data, at + 16)
            end = chunk_end if end is None or chunk_end > end else end
            records += mapped + unmapped
        return None if end is None else IndexSummary(end, records)

    def any_chunk_end(self) -> int | None:
        """The largest end of any chunk (an index without pseudo-bins)."""
        best: int | None = None
        for _, ends, n_chunk, at in self._bins():
            if n_chunk == 1 and len(ends):
                found = int(ends.max())
            else:
                found = max((_CHUNK.unpack_from(self.data, at + 16 * c)[1] for c in range(n_chunk)), default=-1)
            best = found if found >= 0 and (best is None or found > best) else best
        return best


def _decompress(raw: bytes) -> bytes:
    """A BGZF file's content, block by block (an index is BGZF); plain gzip through :mod:`gzip`."""
    out = []
    offset = 0
    try:
        while offset < len(raw):
            magic, _, subfield, size = _BLOCK_HEAD.unpack_from(raw, offset)
            if magic != b"\x1f\x8b\x08\x04" or subfield != b"BC":
                return gzip.decompress(raw)
            end = offset + size + 1
            out.append(zlib.decompress(raw[offset + 18:end - 8], -15))
            offset = end
    except (struct.error, zlib.error):
        return gzip.decompress(raw)  # not BGZF after all: gzip says what is wrong with it
    return b"".join(out)


@dataclass(frozen=True)
class BgzfLayout:
    """The BGZF blocks of a file: (file offset, block size, uncompressed size) each, read once."""

    path: Path
    blocks: tuple[tuple[int, int, int], ...]

    @classmethod
    def of(cls, path: Path) -> BgzfLayout:
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
                fh.seek(offset + size - 4)
                isize = fh.read(4)
                if len(isize) < 4:
                    raise ValueError("truncated BGZF block")
                out.append((offset, size, struct.unpack("<I", isize)[0]))
                offset += size
        return cls(path, tuple(out))

    def data_end_offsets(self) -> set[int]:
        """Virtual offsets at which a reader has consumed the file's last byte of data (htslib may record
        either the end of the last data block or the start of the following empty block)."""
        data = [b for b in self.blocks if b[2] > 0]
        if not data:
            return {0}
        last_off, last_size, last_isize = data[-1]
        ends = {(last_off << 16) | last_isize}
        following = last_off + last_size
        if any(off == following for off, _, _ in self.blocks):
            ends.add(following << 16)
        return ends

    def tail_text(self, blocks: int = 2) -> str:
        """The decompressed text of the last ``blocks`` data blocks (enough to hold the last record)."""
        chunks = []
        with self.path.open("rb") as fh:
            for off, size, _ in [b for b in self.blocks if b[2] > 0][-blocks:]:
                fh.seek(off)
                chunks.append(zlib.decompress(fh.read(size)[18:-8], -15))
        return b"".join(chunks).decode("utf-8", "replace")


def data_end_offsets(path: Path) -> set[int]:
    """See :meth:`BgzfLayout.data_end_offsets`."""
    return BgzfLayout.of(path).data_end_offsets()


def tail_text(path: Path, blocks: int = 2) -> str:
    """See :meth:`BgzfLayout.tail_text`."""
    return BgzfLayout.of(path).tail_text(blocks)
