"""Choose which VCF records reach cyvcf2: only those in knowledgebase gene windows (and, with a panel BED,
in its targets: background variants for the tumor-fraction estimate).

Parsing every record of a million-record VCF with cyvcf2 costs about twice ``bcftools view``;
almost all of them lie outside the ~30 knowledgebase genes. So:

* bgzipped files with a tabix/CSI index that matches them (``check_index``) are queried by region,
  one query per merged gene window, and the total record count comes from the index;
* other text files are streamed once (``prefilter``) through the block scanner of
  :mod:`annotator.readers.vcf_blocks`: a megabyte at a time, numpy finds the line ends and the tabs,
  checks every record for the basic VCF shape, and tests contig and position against the windows for
  all lines at once; lines outside are counted, odd lines take the old line-by-line path (same messages),
  and the lines inside are written after the header to a small temporary VCF that cyvcf2 parses.

Either way, records outside the windows are counted without reading their FILTER, so the counts mean
the same on both paths. Memory stays flat: nothing but the kept lines (a few per gene) is held.
"""

from __future__ import annotations

import bisect
import gzip
import os
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from annotator.errors import InputError
from annotator.genome import bare_contig
from annotator.readers import bgzf_index, vcf_blocks
from annotator.readers.common import ascii_digits, first_undecodable, open_text


class HeaderShape(Protocol):
    """What this module needs of a :class:`annotator.readers.vcf.VcfHeader` (not imported: that package imports this)."""

    @property
    def kind(self) -> str: ...

    @property
    def header_lines(self) -> int: ...



@dataclass
class OutsideCounts:
    """Records never handed to cyvcf2 (outside knowledgebase gene windows; their FILTER is not read)."""

    read: int = 0
    contigs: set[str] = field(default_factory=set)


@dataclass
class Windows:
    """Merged windows per bare contig, 0-based half-open: the knowledgebase genes, and the panel targets when
    a panel BED is given (:func:`union`)."""

    by_contig: dict[str, list[tuple[int, int]]]
    starts: dict[str, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.starts = {c: [s for s, _ in w] for c, w in self.by_contig.items()}

    def hits(self, contig: str, pos1: int, ref_len: int) -> bool:
        """Whether a record at 1-based ``pos1`` spanning ``ref_len`` reference bases touches a window."""
        key = contig if contig in self.by_contig else bare_contig(contig)
        windows = self.by_contig.get(key)
        if not windows:
            return False
        start0, end0 = pos1 - 1, pos1 - 1 + max(ref_len, 1)
        i = bisect.bisect_right(self.starts[key], end0 - 1) - 1
        return i >= 0 and start0 < windows[i][1]


def union(*parts: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[int, int]]]:
    """Windows per bare contig from several sources (gene windows, panel targets), sorted and merged, so that
    a record in two of them is read once."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for part in parts:
        for contig, windows in part.items():
            spans.setdefault(contig, []).extend(windows)
    out: dict[str, list[tuple[int, int]]] = {}
    for contig, windows in spans.items():
        merged: list[tuple[int, int]] = []
        for start, end in sorted(windows):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        out[contig] = merged
    return out


def index_path(path: Path) -> Path | None:
    for suffix in (".tbi", ".csi"):
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file() and candidate.stat().st_mtime >= path.stat().st_mtime - 1:
            return candidate
    return None


class IndexVerdict(NamedTuple):
    """Whether the index beside a file can be trusted (``problem`` None) and, when it can, how many records
    it counts (None when it keeps no counts: ask htslib)."""

    problem: str | None
    records: int | None = None


def check_index(vcf: Any, path: Path, header: HeaderShape) -> IndexVerdict:  # vcf: a cyvcf2.VCF (untyped)
    """Whether the index beside ``path`` can be trusted, and the record count it keeps.

    An index copied beside a rewritten file can still find the first record while hiding others, so
    three cheap checks: the index ends where the file's data ends (the largest chunk end offset in
    the index against the BGZF blocks of the file), and it finds the file's first and last records.
    The index file is read once here (its end and its record counts); htslib reads it once more for
    the queries.
    """
    index = index_path(path)
    if index is None:
        return IndexVerdict("its index is missing")
    try:
        summary = bgzf_index.read_index(index)
        layout = bgzf_index.BgzfLayout.of(path)
    except (OSError, ValueError, EOFError, zlib.error) as exc:
        return IndexVerdict(f"its index {index.name} cannot be read ({exc})")
    if summary.end is not None and summary.end not in layout.data_end_offsets():
        return IndexVerdict(f"its index {index.name} does not end where the file's data ends (stale, or made for another file)")
    for where, record in (("first", first_record(path, header)), ("last", last_record(path, header, layout))):
        if record is None:
            continue
        chrom, pos = record
        try:
            found = any(rec.POS == pos for rec in vcf(f"{chrom}:{pos}-{pos}"))
        except Exception:
            found = False
        if not found:
            return IndexVerdict(f"its index {index.name} does not find the file's {where} record ({chrom}:{pos})")
    return IndexVerdict(None, summary.records)


def first_record(path: Path, header: HeaderShape) -> tuple[str, int] | None:
    """(CHROM, POS) of the first data line, read as text; None for a BCF or a file without records."""
    if header.kind == "bcf":
        return None
    for n, line in enumerate(_text_lines(path), start=1):
        if n > header.header_lines and line.strip():
            return _chrom_pos(line)
    return None


def last_record(path: Path, header: HeaderShape, layout: bgzf_index.BgzfLayout | None = None) -> tuple[str, int] | None:
    """(CHROM, POS) of the last data line, from the file's last BGZF blocks (no full read; ``layout``: its
    blocks, when already read)."""
    if header.kind == "bcf":
        return None
    tail = (layout or bgzf_index.BgzfLayout.of(path)).tail_text()
    lines = [line for line in tail.splitlines() if line.strip() and not line.startswith("#")]
    return _chrom_pos(lines[-1]) if len(lines) > 1 or (lines and tail.startswith("\n")) else None


def _chrom_pos(line: str) -> tuple[str, int] | None:
    cols = line.split("\t", 2)
    return (cols[0], int(cols[1])) if len(cols) > 2 and ascii_digits(cols[1]) else None


def regions(windows: Windows, file_contigs: list[str]) -> Iterator[tuple[str, int, int]]:
    """(contig, start0, end0) queries in the file's own contig names (a 'chr12' query on a '12' file finds
    nothing), per contig in the file's order and, within it, in window order (sequential reads)."""
    for name in file_contigs:
        for start0, end0 in windows.by_contig.get(bare_contig(name), ()):
            yield name, start0, end0


def _text_lines(path: Path) -> Iterator[str]:
    with open_text(path, errors="replace") as handle:
        yield from handle


def line_at(path: Path, line_no: int) -> str | None:
    """Line ``line_no`` (1-based) of a text or gzipped file, or None."""
    try:
        for n, line in enumerate(_text_lines(path), start=1):
            if n == line_no:
                return line
    except (OSError, EOFError, zlib.error):
        return None
    return None


def prefilter(path: Path, header_lines: int, windows: Windows) -> tuple[Path, list[int], OutsideCounts]:
    """Stream ``path``; write header + in-window records to a temporary VCF. Returns it, the original
    line number of each kept record, and the count of the records left out. The caller deletes the file.

    The header is written without a UTF-8 byte-order mark (htslib cannot read one). The lines are found
    and tested a megabyte at a time (:mod:`annotator.readers.vcf_blocks`)."""
    fd, tmp_name = tempfile.mkstemp(prefix="ctdna-annotator-", suffix=".vcf")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            scanner = vcf_blocks.scan(path, header_lines, windows, out)
    except (EOFError, OSError, gzip.BadGzipFile, zlib.error) as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None
    except UnicodeDecodeError:
        tmp.unlink(missing_ok=True)
        raise _not_utf8(path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, scanner.kept_lines, OutsideCounts(scanner.outside, scanner.contigs)


def _not_utf8(path: Path) -> InputError:
    """Which line holds the first byte that is not UTF-8 (looked for only once decoding has failed)."""
    found = first_undecodable(path)
    if found is None:
        return InputError("not UTF-8 text", path)
    return InputError(f"not UTF-8 at line {found.line}: byte 0x{found.byte:02x} at column {found.column}"
                      " (re-save the file as UTF-8)", path, found.line)
