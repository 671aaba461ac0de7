"""The block scanner behind :func:`annotator.readers.vcf_scan.prefilter`: which lines of a streamed (unindexed)
VCF text file lie in the windows, found a megabyte at a time with numpy instead of a Python loop per line.

The file is read as bytes in 1 MiB pieces (``gzip`` in binary mode for gzip and BGZF files, which inflates a
megabyte of BGZF members per call and raises the same errors as the text reader did). Each piece, joined to
the partial line carried from the last one, is cut at its last line end; the complete lines in front of the
cut are checked to be UTF-8 (``bytes.isascii`` first, ``bytes.decode`` only when that fails) and then
handled in bulk:

* line ends are the positions of ``\\n`` and of a ``\\r`` not followed by ``\\n`` (Python's text reader with
  ``newline=""``, which the line-by-line filter used, ends lines there too); a ``\\r`` at the end of a piece
  waits for the next piece;
* the header lines are written as one slice (the UTF-8 byte-order mark stripped from line 1);
* a record line takes the fast path when it starts with a printable ASCII byte, is ASCII throughout, has at
  least seven tabs (8 columns), a POS of 1-18 ASCII digits and a contig name of at most 64 bytes. Its
  columns are located from the tab positions (``np.searchsorted``), POS is parsed digit by digit across all
  lines at once, and the lines are grouped into runs of one contig: per run one dictionary look-up
  (contig name -> window arrays, cached, ``genome.bare_contig`` called once per name) and one
  ``np.searchsorted`` over the window starts make the same REF-length test as :meth:`Windows.hits`;
* every other record line (blank or whitespace-only, too few columns, a bad POS, non-ASCII bytes) goes
  through the line-by-line code, with the same messages and line numbers as before.

Only kept lines (a few per gene) and those odd lines are handled one by one in Python. Memory is one piece
and its index arrays (a few MiB), whatever the file size.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from annotator.errors import InputError
from annotator.genome import bare_contig

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Ints = NDArray[np.int64]

PIECE = 1 << 20
MAX_CONTIG = 64  # longer contig names take the line-by-line path
MAX_POS_DIGITS = 18  # fits an int64; longer POS strings take the line-by-line path
BOM = b"\xef\xbb\xbf"


class WindowSet(Protocol):
    """What the scanner needs of :class:`annotator.readers.vcf_scan.Windows` (not imported: it imports this)."""

    @property
    def by_contig(self) -> dict[str, list[tuple[int, int]]]: ...

    def hits(self, contig: str, pos1: int, ref_len: int) -> bool: ...


def pieces(path: Path) -> Iterator[bytes]:
    """The file's bytes, inflated if it is gzip or BGZF, in pieces of about ``PIECE`` bytes."""
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gz else path.open("rb")) as handle:
        while piece := handle.read(PIECE):
            yield piece


def record_columns(line: str, path: Path, n: int) -> list[str]:
    """The columns up to INFO of record line ``n``, checked for the basic VCF shape."""
    cols = line.split("\t", 7)
    if len(cols) < 8:
        raise InputError(f"record has {len(cols)} tab-separated columns; a VCF record needs at least 8", path, n)
    if not cols[1].isdigit():
        raise InputError(f"POS {cols[1]!r} is not a positive integer", path, n)
    return cols


@dataclass
class Lines:
    """The complete lines at the front of one buffer: ``ends[i]`` is the index of line i's end byte (its
    ``\\n``, its lone ``\\r``, or the newline appended after a last line that has none)."""

    buf: bytes
    arr: np.ndarray
    starts: Ints
    ends: Ints
    first: int  # line number of line 0, 1-based
    virtual_end: bool  # the last line's end byte was appended (end of file without a newline)

    def text(self, i: int) -> bytes:
        """Line i as the text reader returned it (its line end included, an appended newline not)."""
        end = int(self.ends[i]) + 1
        if self.virtual_end and i == len(self.ends) - 1:
            end -= 1
        return self.buf[int(self.starts[i]):end]

    def written(self, i: int) -> bytes:
        """Line i as a kept record is written: ending in ``\\n`` (one is added after a lone ``\\r``)."""
        start, end = int(self.starts[i]), int(self.ends[i])
        line = self.buf[start:end + 1]
        return line + b"\n" if self.buf[end] == 13 else line


@dataclass
class Scanner:
    """Feed it the file's bytes in order (:meth:`feed`, then :meth:`finish`); it writes the header lines and
    the records in windows to ``out`` and counts the others."""

    path: Path
    header_lines: int
    windows: WindowSet
    out: IO[bytes]
    kept_lines: list[int] = field(default_factory=list)
    outside: int = 0
    contigs: set[str] = field(default_factory=set)
    done: int = 0  # lines handled so far
    _pending: list[bytes] = field(default_factory=list)
    _cache: dict[bytes, tuple[Ints, Ints] | None] = field(default_factory=dict)

    def feed(self, piece: bytes) -> None:
        self._pending.append(piece)
        if b"\n" not in piece and b"\r" not in piece:
            return  # no line ends here: keep collecting (a very long line is joined once)
        buf = b"".join(self._pending)
        self._pending = []
        rest = self._scan(buf, final=False)
        if rest:
            self._pending.append(rest)

    def finish(self) -> None:
        """The last line when the file does not end with a line end."""
        if self._pending:
            self._scan(b"".join(self._pending) + b"\n", final=True)
            self._pending = []

    def _scan(self, buf: bytes, final: bool) -> bytes:
        """Handle the complete lines of ``buf``; return the partial line after them."""
        import numpy as np

        arr = np.frombuffer(buf, dtype=np.uint8)
        ends = line_ends(buf, arr)
        if not len(ends):
            return buf
        cut = int(ends[-1]) + 1
        ascii_only = buf.isascii()
        bad = None if ascii_only else _utf8_problem(buf, cut)
        if bad is not None:
            ends = ends[ends < bad.start]
        if len(ends):
            starts = np.concatenate(([0], ends[:-1] + 1))
            self._lines(Lines(buf, arr, starts, ends, self.done + 1, final and bad is None), ascii_only)
        if bad is not None:
            raise bad
        return buf[cut:]

    def _lines(self, lines: Lines, ascii_only: bool) -> None:
        count = len(lines.ends)
        header = min(max(self.header_lines - self.done, 0), count)
        if header:
            self._header(lines, header)
        if header < count:
            self._records(lines, header, ascii_only)
        self.done += count

    def _header(self, lines: Lines, count: int) -> None:
        end = int(lines.ends[count - 1]) + 1
        text = lines.buf[:end - 1 if lines.virtual_end and count == len(lines.ends) else end]
        if self.done == 0:
            while text.startswith(BOM):
                text = text[len(BOM):]
        self.out.write(text)

    def _records(self, lines: Lines, first: int, ascii_only: bool) -> None:
        import numpy as np

        fast = fast_fields(lines, first, ascii_only)
        kept: list[int] = []
        slow = np.ones(len(lines.ends), dtype=bool)
        slow[:first] = False
        if fast is not None:
            slow[fast.rows] = False
            kept.extend(self._fast(lines, fast))
        for i in np.flatnonzero(slow).tolist():
            if self._slow(lines, i):
                kept.append(i)
        for i in sorted(kept):
            self.out.write(lines.written(i))
            self.kept_lines.append(lines.first + i)

    def _slow(self, lines: Lines, i: int) -> bool:
        """The line-by-line test for one record line; whether it is kept."""
        line = lines.text(i).decode("utf-8")
        if not line.strip():
            return False
        cols = record_columns(line, self.path, lines.first + i)
        if self.windows.hits(cols[0], int(cols[1]), len(cols[3])):
            return True
        self.outside += 1
        self.contigs.add(cols[0])
        return False

    def _fast(self, lines: Lines, fast: Fields) -> list[int]:
        """Test the fast-path lines run by run (a run: consecutive lines on one contig); the kept rows."""
        import numpy as np

        kept: list[Ints] = []
        for lo, hi in fast.runs():
            name = lines.buf[int(fast.starts[lo]):int(fast.starts[lo] + fast.contig_len[lo])]
            hit = self._hits(name, fast.pos[lo:hi], fast.ref_len[lo:hi])
            inside = int(np.count_nonzero(hit)) if hit is not None else 0
            if inside:
                kept.append(fast.rows[lo:hi][hit])
            if inside < hi - lo:
                self.outside += hi - lo - inside
                self.contigs.add(name.decode("ascii"))
        return np.concatenate(kept).tolist() if kept else []

    def _hits(self, name: bytes, pos: Ints, ref_len: Ints) -> np.ndarray | None:
        """:meth:`Windows.hits` for many records on one contig (None: the contig has no windows)."""
        import numpy as np

        if name not in self._cache:
            self._cache[name] = _contig_windows(self.windows, name.decode("ascii"))
        windows = self._cache[name]
        if windows is None:
            return None
        starts, ends = windows
        start0 = pos - 1
        end0 = start0 + np.maximum(ref_len, 1)
        i = np.searchsorted(starts, end0 - 1, side="right") - 1
        return (i >= 0) & (start0 < ends[np.maximum(i, 0)])


def _contig_windows(windows: WindowSet, contig: str) -> tuple[Ints, Ints] | None:
    """The window starts and ends :meth:`Windows.hits` would search for ``contig``, as arrays."""
    import numpy as np

    spans = windows.by_contig.get(contig if contig in windows.by_contig else bare_contig(contig))
    if not spans:
        return None
    return np.array([s for s, _ in spans], dtype=np.int64), np.array([e for _, e in spans], dtype=np.int64)


def _utf8_problem(buf: bytes, cut: int) -> UnicodeDecodeError | None:
    try:
        buf[:cut].decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return None


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
    keys: np.ndarray  # contig bytes, zero-padded to the longest: one row per line

    def runs(self) -> Iterator[tuple[int, int]]:
        """[lo, hi) index ranges of consecutive lines with the same contig."""
        import numpy as np

        change = (self.contig_len[1:] != self.contig_len[:-1]) | (self.keys[1:] != self.keys[:-1]).any(axis=1)
        bounds = [0, *(np.flatnonzero(change) + 1).tolist(), len(self.rows)]
        return zip(bounds[:-1], bounds[1:], strict=False)


def fast_fields(lines: Lines, first: int, ascii_only: bool) -> Fields | None:
    """The record lines from index ``first`` on that the bulk path can handle, with their columns."""
    import numpy as np

    arr, starts, ends = lines.arr, lines.starts, lines.ends
    tabs = np.flatnonzero(arr[:int(ends[-1])] == 9)
    rows = np.arange(first, len(ends))
    first_tab = np.searchsorted(tabs, starts[first:])
    lead = arr[starts[first:]]
    ok = (np.searchsorted(tabs, ends[first:]) - first_tab >= 7) & (lead > 32) & (lead < 127)
    if not ascii_only:
        ok &= ~np.isin(rows, np.searchsorted(ends, np.flatnonzero(arr >= 128)))
    rows, first_tab = rows[ok], first_tab[ok]
    if not len(rows):
        return None
    tab1, tab2, tab3, tab4 = (tabs[first_tab + k] for k in range(4))
    pos, pos_ok = _parse_pos(arr, tab1 + 1, tab2)
    line_starts = starts[rows]
    contig_len = tab1 - line_starts
    ok = pos_ok & (contig_len <= MAX_CONTIG)
    if not ok.any():
        return None
    line_starts, contig_len = line_starts[ok], contig_len[ok]
    return Fields(rows[ok], line_starts, contig_len, pos[ok], (tab4 - tab3 - 1)[ok],
                  _contig_keys(arr, line_starts, contig_len))


def _parse_pos(arr: np.ndarray, begin: Ints, end: Ints) -> tuple[Ints, np.ndarray]:
    """POS values of the fields ``arr[begin:end]`` and whether each is 1-18 ASCII digits."""
    import numpy as np

    width = end - begin
    ok = (width >= 1) & (width <= MAX_POS_DIGITS)
    value = np.zeros(len(begin), dtype=np.int64)
    for k in range(int(width[ok].max()) if ok.any() else 0):
        more = ok & (width > k)
        digit = arr[np.where(more, begin + k, 0)].astype(np.int64) - 48
        ok &= ~more | ((digit >= 0) & (digit <= 9))
        value = np.where(more, value * 10 + digit, value)
    return value, ok


def _contig_keys(arr: np.ndarray, starts: Ints, lengths: Ints) -> np.ndarray:
    """Each line's contig bytes in a row, zero-padded (with the lengths, equal rows mean equal names)."""
    import numpy as np

    width = int(lengths.max()) if len(lengths) else 0
    offsets = np.arange(width)
    inside = offsets[None, :] < lengths[:, None]
    return np.where(inside, arr[np.where(inside, starts[:, None] + offsets[None, :], 0)], 0)
