"""The block scanner behind :func:`annotator.readers.vcf_scan.prefilter`: which lines of a streamed (unindexed)
VCF text file lie in the windows, found a megabyte at a time with numpy instead of a Python loop per line.

The file is read as bytes in 1 MiB pieces: ``gzip`` in binary mode for gzip and BGZF files (a megabyte of
BGZF members per call, with the same CRC checks and errors as the text reader had), inflated one piece
ahead in a thread so that inflating overlaps the scan (zlib and numpy release the GIL). Each piece, joined
to the partial line carried from the last one, is cut after its last line end; the complete lines before
the cut are checked to be UTF-8 (``bytes.isascii`` first, ``bytes.decode`` only when that fails; on a bad
byte the lines before it are handled first, then the error is raised as before) and handled in bulk
(:mod:`annotator.readers.vcf_fields` finds the line ends, tabs, contig, POS and REF length):

* line ends are ``\n`` and a ``\r`` not followed by ``\n`` (the text reader with ``newline=""`` that the
  line-by-line filter used ended lines there too); a ``\r`` at the end of a piece waits for the next;
* the header lines are written as one slice (UTF-8 byte-order marks stripped from the start of line 1);
* a record line takes the fast path when it starts with a printable ASCII byte, is ASCII throughout, has at
  least 7 tabs (8 columns), a POS of 1-16 ASCII digits and a contig name of at most 64 bytes. Lines are
  grouped into runs on one contig: per run one dictionary look-up (contig name -> window arrays, cached,
  so ``genome.bare_contig`` runs once per name) and one ``np.searchsorted`` over the window starts make
  the REF-length test of :meth:`Windows.hits` for the whole run;
* every other record line (blank or whitespace-only, too few columns, a POS that is not plain digits,
  non-ASCII bytes) goes through the line-by-line code of old, with the same messages and line numbers.

Kept lines (a few per gene) and odd lines are the only ones handled one by one in Python. Memory is a few
pieces and their index arrays (tens of MiB at most), whatever the file size. One difference remains, by
design: in a file with two different errors a few KiB apart (a short record, then a byte that is not
UTF-8), the old reader reported whichever its 8 KiB read-ahead met first; the scanner reports the first
in the file.
"""

from __future__ import annotations

import gzip
import queue
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from annotator.errors import InputError
from annotator.genome import bare_contig
from annotator.readers import vcf_fields
from annotator.readers.common import ascii_digits, is_gzipped

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    Ints = NDArray[np.int64]

PIECE = 1 << 20
BOM = b"\xef\xbb\xbf"


class WindowSet(Protocol):
    """What the scanner needs of :class:`annotator.readers.vcf_scan.Windows` (not imported: it imports this)."""

    @property
    def by_contig(self) -> dict[str, list[tuple[int, int]]]: ...

    def hits(self, contig: str, pos1: int, ref_len: int) -> bool: ...


def pieces(path: Path) -> Generator[bytes, None, None]:
    """The file's bytes, inflated if it is gzip or BGZF, in pieces of about ``PIECE`` bytes.

    A gzipped file is inflated one piece ahead in a thread (zlib releases the GIL), so inflating overlaps
    the scan of the previous piece; errors are raised here, as they were raised in the thread."""
    if not is_gzipped(path):
        with path.open("rb") as handle:
            while piece := handle.read(PIECE):
                yield piece
        return
    ahead = _ReadAhead(path)
    try:
        yield from ahead
    finally:
        ahead.stop()


class _ReadAhead:
    """Pieces of a gzipped file read by a daemon thread into a short queue."""

    def __init__(self, path: Path) -> None:
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=2)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path,), name="vcf-read-ahead", daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            with gzip.open(path, "rb") as handle:
                while not self._stopped.is_set() and (piece := handle.read(PIECE)):
                    self._put(piece)
            self._put(None)
        except BaseException as exc:  # handed to the reading thread, which raises it
            self._put(exc)

    def _put(self, item: bytes | BaseException | None) -> None:
        while not self._stopped.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def __iter__(self) -> Iterator[bytes]:
        while (item := self._queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


def scan(path: Path, header_lines: int, windows: WindowSet, out: IO[bytes]) -> Scanner:
    """Read ``path`` through a :class:`Scanner` writing to ``out``; the scanner holds the results."""
    if path.stat().st_size >= LARGE_FILE_BYTES:  # a panel VCF leaves the process's allocator as it was
        keep_freed_memory()
    scanner = Scanner(path, header_lines, windows, out)
    stream = pieces(path)
    try:
        for piece in stream:
            scanner.feed(piece)
    finally:
        stream.close()  # stops the read-ahead thread at once, also when a line is refused
    scanner.finish()
    return scanner


LARGE_FILE_BYTES = 8 << 20  # below this the scan is a few pieces and the allocator's defaults cost nothing


@cache
def keep_freed_memory() -> None:
    """Ask glibc to keep freed memory for reuse instead of giving it back to the system at once.

    Each piece allocates and frees a few blocks of about 1 MiB in both threads; by default glibc maps
    every block of 128 KiB or more afresh (or trims it off the heap when freed), and the page faults
    of mapping them back, serialised between the two threads, cost about a tenth of a streamed run.
    With these limits (blocks under 16 MiB come from the heap, up to 64 MiB of free heap is kept) the
    process keeps its peak instead of shrinking after the scan. No effect where ``mallopt`` is missing."""
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return
    mallopt(-1, 64 << 20)  # M_TRIM_THRESHOLD
    mallopt(-3, 16 << 20)  # M_MMAP_THRESHOLD


def record_columns(line: str, path: Path, n: int) -> list[str]:
    """The columns up to INFO of record line ``n``, checked for the basic VCF shape."""
    cols = line.split("\t", 7)
    if len(cols) < 8:
        raise InputError(f"record has {len(cols)} tab-separated columns; a VCF record needs at least 8", path, n)
    if not ascii_digits(cols[1]):
        raise InputError(f"POS {cols[1]!r} is not a positive integer", path, n)
    return cols


@dataclass
class Lines:
    """The complete lines at the front of one buffer: ``ends[i]`` is the index of line i's end byte (its
    ``\\n``, its lone ``\\r``, or the newline appended after a last line that has none)."""

    buf: bytes
    arr: np.ndarray
    starts: Ints
    layout: vcf_fields.Layout
    first: int  # line number of line 0, 1-based
    virtual_end: bool  # the last line's end byte was appended (end of file without a newline)

    @property
    def ends(self) -> Ints:
        return self.layout.ends

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
    _scratch: vcf_fields.Scratch = field(default_factory=vcf_fields.Scratch)

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
        found = vcf_fields.layout(buf, arr, self._scratch)
        if not len(found.ends):
            return buf
        cut = int(found.ends[-1]) + 1
        ascii_only = buf.isascii()
        bad = None if ascii_only else _utf8_problem(buf, cut)
        if bad is not None:
            found = found.head(int(np.searchsorted(found.ends, bad.start)))
        if len(found.ends):
            starts = np.concatenate(([0], found.ends[:-1] + 1)).astype(np.int64)
            self._lines(Lines(buf, arr, starts, found, self.done + 1, final and bad is None), ascii_only)
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

        fast = vcf_fields.fast_fields(lines.arr, lines.layout, lines.starts, first, ascii_only)
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

    def _fast(self, lines: Lines, fast: vcf_fields.Fields) -> list[int]:
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
