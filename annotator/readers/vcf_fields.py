"""Numpy helpers of the block scanner (:mod:`annotator.readers.vcf_blocks`): where the lines of a buffer end,
where their first tabs are, and the contig, POS and REF length of the record lines that have the plain shape.

All positions are byte offsets into the buffer. numpy is imported inside the functions: this module is only
used when a VCF is streamed, and the rest of the package does not need numpy to import.

Two ways to find lines and tabs, the same answer:

* the usual buffer (no ``\\r``, no control bytes below 9): one pass for every byte <= 10, whose positions
  are the tabs and newlines in order; the newlines among them end the lines, and a line's tabs are the
  separators between its newline and the one before;
* any other buffer: the newlines and lone ``\\r``s (:func:`line_ends`), the tabs, and a binary search of the
  tabs for each line's start and end.

POS is parsed eight digits at a time (SWAR on little-endian 64-bit words read at any byte offset), and
contig names are compared as 64-bit words, so the work per line is a few array operations, not a loop
over its bytes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Ints = NDArray[np.int64]
    Words = NDArray[np.uint64]

MAX_CONTIG = 64  # longer contig names take the line-by-line path
MAX_POS_DIGITS = 16  # two 8-digit words; longer POS strings take the line-by-line path
ONES = 0x0101010101010101


@dataclass
class Layout:
    """Line ends and tab positions of the complete lines at the front of a buffer. ``seps[first_sep[i] + k]``
    is line i's tab k for k < ``tab_count[i]``."""

    ends: Ints  # index of each line's end byte
    seps: Ints
    first_sep: Ints
    tab_count: Ints

    def head(self, count: int) -> Layout:
        """The first ``count`` lines only."""
        return Layout(self.ends[:count], self.seps, self.first_sep[:count], self.tab_count[:count])


class Scratch:
    """A byte mask kept from piece to piece. A fresh megabyte per piece is given back to the system when
    freed and faulted in again at the next piece: that cost a quarter of the scan's time."""

    def __init__(self) -> None:
        self._mask: np.ndarray | None = None

    def mask(self, size: int) -> np.ndarray:
        import numpy as np

        if self._mask is None or len(self._mask) < size:
            self._mask = np.empty(size + (1 << 16), dtype=bool)
        return self._mask[:size]


def layout(buf: bytes, arr: np.ndarray, scratch: Scratch) -> Layout:
    """Where the complete lines of ``buf`` end and where their tabs are (``ends`` is empty if none ends)."""
    import numpy as np

    if b"\r" not in buf:
        seps = np.flatnonzero(np.less_equal(arr, 10, out=scratch.mask(len(arr))))
        kinds = arr[seps]
        newline = np.flatnonzero(kinds == 10)
        if len(newline) + np.count_nonzero(kinds == 9) == len(seps):
            first = np.concatenate(([0], newline[:-1] + 1)).astype(np.int64)
            return Layout(seps[newline], seps, first, newline - first)
    ends = line_ends(buf, arr)
    tabs = np.flatnonzero(arr[:int(ends[-1]) if len(ends) else 0] == 9)
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    first = np.searchsorted(tabs, starts)
    return Layout(ends, tabs, first, np.searchsorted(tabs, ends) - first)


def line_ends(buf: bytes, arr: np.ndarray) -> Ints:
    """Positions of ``\\n`` and of each ``\\r`` not followed by ``\\n``; a ``\\r`` in the last byte is left
    for the next piece (it may start a ``\\r\\n``)."""
    import numpy as np

    newlines = np.flatnonzero(arr == 10)
    if b"\r" not in buf:
        return newlines
    returns = np.flatnonzero(arr[:-1] == 13)
    lone = returns[arr[returns + 1] != 10]
    return np.union1d(newlines, lone) if len(lone) else newlines


@dataclass
class Fields:
    """The fast-path record lines of a buffer (``rows``: their line indexes) and their parsed columns."""

    rows: Ints
    starts: Ints
    contig_len: Ints
    pos: Ints
    ref_len: Ints
    change: np.ndarray  # change[i]: line i + 1 is on another contig than line i

    def runs(self) -> Iterator[tuple[int, int]]:
        """[lo, hi) index ranges of consecutive lines with the same contig."""
        import numpy as np

        bounds = [0, *(np.flatnonzero(self.change) + 1).tolist(), len(self.rows)]
        return zip(bounds[:-1], bounds[1:], strict=False)


def fast_fields(arr: np.ndarray, lines: Layout, starts: Ints, first: int, ascii_only: bool) -> Fields | None:
    """The record lines from index ``first`` on that the bulk path can handle, with their columns: a
    printable ASCII first byte, at least 7 tabs, ASCII throughout, a POS of 1-16 digits, a contig name
    of at most ``MAX_CONTIG`` bytes."""
    import numpy as np

    lead = arr[starts[first:]]
    ok = (lines.tab_count[first:] >= 7) & (lead > 32) & (lead < 127)
    if not ascii_only:
        wide = np.searchsorted(lines.ends, np.flatnonzero(arr >= 128)) - first  # lines with non-ASCII bytes
        ok[wide[(wide >= 0) & (wide < len(ok))]] = False
    if not ok.any():
        return None
    rows: Ints | slice = slice(first, None) if ok.all() else np.flatnonzero(ok) + first
    sep, line_starts = lines.first_sep[rows], starts[rows]
    tab1 = lines.seps[sep]
    words = WordReader(arr)
    pos, keep = parse_pos(words, tab1 + 1, lines.seps[sep + 1])
    contig_len = tab1 - line_starts
    keep &= contig_len <= MAX_CONTIG
    ref_len = lines.seps[sep + 3] - lines.seps[sep + 2] - 1
    indexes = np.arange(first, len(lines.ends)) if isinstance(rows, slice) else rows
    if not keep.all():
        if not keep.any():
            return None
        indexes, line_starts, contig_len, pos, ref_len = (a[keep] for a in (indexes, line_starts, contig_len, pos, ref_len))
    return Fields(indexes, line_starts, contig_len, pos, ref_len, _contig_changes(words, line_starts, contig_len))


class WordReader:
    """The little-endian 64-bit word at any byte offset of a buffer: a gather from a strided view of it.
    Offsets are clipped to the buffer; callers only read words that lie inside it."""

    def __init__(self, arr: np.ndarray) -> None:
        import numpy as np

        self.words = np.ndarray(shape=(max(len(arr) - 7, 1),), dtype="<u8",
                                buffer=arr if len(arr) >= 8 else np.zeros(8, np.uint8), strides=(1,))

    def at(self, offsets: Ints) -> Words:
        import numpy as np

        return self.words[np.clip(offsets, 0, len(self.words) - 1)]


@cache
def _tables() -> tuple[Words, Words, Words]:
    """For k = 0..8: the mask of a word's low k bytes, of its high k bytes, and '0' in its low 8 - k bytes."""
    import numpy as np

    low = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
    high = ~low[::-1]
    return low, high, np.uint64(0x30 * ONES) & ~high


def parse_pos(words: WordReader, begin: Ints, end: Ints) -> tuple[Ints, np.ndarray]:
    """The integers written in ``[begin, end)`` and whether each field is 1-16 ASCII digits.

    The field's last eight bytes are one word (the byte before ``end`` in its top byte), the eight before
    them another; bytes outside the field are replaced by '0' and each word is checked and converted
    with SWAR arithmetic."""
    import numpy as np

    width = end - begin
    ok = (width >= 1) & (width <= MAX_POS_DIGITS) & (end >= 16)  # the two words lie inside the buffer
    low_digits, low_ok = _eight_digits(words.at(end - 8), np.minimum(width, 8))
    value, ok = low_digits.astype(np.int64), ok & low_ok
    if (width > 8).any():
        high_digits, high_ok = _eight_digits(words.at(end - 16), np.clip(width - 8, 0, 8))
        value += high_digits.astype(np.int64) * 100_000_000
        ok &= high_ok
    return value, ok


def _eight_digits(word: Words, digits: Ints) -> tuple[Words, np.ndarray]:
    """The number written in the top ``digits`` bytes of each word (its lower bytes taken as '0'), and
    whether those bytes are all ASCII digits."""
    import numpy as np

    _, high, zero_fill = _tables()
    text = (word & high[digits]) | zero_fill[digits]
    zeros, nibbles = np.uint64(0x30 * ONES), np.uint64(0xF0 * ONES)
    ok = ((text & nibbles) == zeros) & (((text + np.uint64(0x06 * ONES)) & nibbles) == zeros)
    value = text - zeros
    value = value * np.uint64(10) + (value >> np.uint64(8))
    pairs = np.uint64(0x000000FF000000FF)
    value = ((value & pairs) * np.uint64(100 + (1_000_000 << 32))
             + ((value >> np.uint64(16)) & pairs) * np.uint64(1 + (10_000 << 32))) >> np.uint64(32)
    return value & np.uint64(0xFFFFFFFF), ok


def _contig_changes(words: WordReader, starts: Ints, lengths: Ints) -> np.ndarray:
    """change[i]: line i + 1's contig name differs from line i's (compared eight bytes at a time)."""
    import numpy as np

    low = _tables()[0]
    change = lengths[1:] != lengths[:-1]
    for offset in range(0, int(lengths.max()), 8):
        word = words.at(starts + offset) & low[np.clip(lengths - offset, 0, 8)]
        change |= word[1:] != word[:-1]
    return change
