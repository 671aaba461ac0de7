"""Choose which VCF records reach cyvcf2: only those in knowledgebase gene windows.

Parsing every record of a million-record VCF with cyvcf2 costs about twice ``bcftools view``;
almost all of them lie outside the ~30 knowledgebase genes. So:

* bgzipped files with a tabix/CSI index are queried by region, one query per merged gene window,
  and the total record count comes from the index (records outside the windows are counted, not
  classified by FILTER);
* other files are streamed once as text: each line is split only up to FILTER, its contig and
  position tested against the windows (bisect), lines outside are counted (read, filtered,
  outside scope) and checked for the basic VCF shape, and the lines inside are written after the
  header to a small temporary VCF that cyvcf2 parses.

Both paths keep memory flat: nothing but the kept lines (a few per gene) is held.
"""

from __future__ import annotations

import bisect
import gzip
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import InputError
from annotator.genome import bare_contig

PASS_VALUES = ("PASS", ".")


@dataclass
class OutsideCounts:
    """Records never handed to cyvcf2."""

    read: int = 0
    filtered: int = 0
    outside: int = 0
    unclassified: bool = False  # indexed mode: FILTER of records outside windows is not read


@dataclass
class Windows:
    """Merged knowledgebase gene windows per bare contig, 0-based half-open."""

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


def index_path(path: Path) -> Path | None:
    for suffix in (".tbi", ".csi"):
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file() and candidate.stat().st_mtime >= path.stat().st_mtime - 1:
            return candidate
    return None


def first_record(path: Path, header_lines: int) -> tuple[str, int] | None:
    """(CHROM, POS) of the first data line, read as text; None for a file without records."""
    for n, line in enumerate(_text_lines(path), start=1):
        if n > header_lines and line.strip():
            cols = line.split("\t", 2)
            return (cols[0], int(cols[1])) if len(cols) > 2 and cols[1].isdigit() else None
    return None


def index_matches(vcf, path: Path, header_lines: int) -> bool:
    """Whether the index finds the file's own first record: a stale or foreign index (copied beside
    another VCF, say) would silently hide records, so such files are streamed instead."""
    first = first_record(path, header_lines)
    if first is None:
        return True
    chrom, pos = first
    try:
        return any(rec.POS == pos for rec in vcf(f"{chrom}:{pos}-{pos}"))
    except Exception:
        return False


def region_strings(windows: Windows, file_contigs: list[str]) -> Iterator[str]:
    """Region queries in the file's own contig names (a 'chr12' query on a '12' file finds nothing)."""
    for name in file_contigs:  # the file's own order: sequential reads, same order as streaming
        for start0, end0 in windows.by_contig.get(bare_contig(name), ()):
            yield f"{name}:{start0 + 1}-{end0}"


def _text_lines(path: Path) -> Iterator[str]:
    with path.open("rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    if gz:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            yield from handle
    else:
        with path.open("r", encoding="utf-8", newline="") as handle:
            yield from handle


def prefilter(path: Path, header_lines: int, windows: Windows, include_filtered: bool) -> tuple[Path, list[int], OutsideCounts]:
    """Stream ``path``; write header + in-window records to a temporary VCF. Returns it, the original
    line number of each kept record, and the counts of the records left out. The caller deletes the file."""
    counts = OutsideCounts()
    kept_lines: list[int] = []
    fd, tmp_name = tempfile.mkstemp(prefix="ctdna-annotator-", suffix=".vcf")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            for n, line in enumerate(_text_lines(path), start=1):
                if n <= header_lines:
                    out.write(line)
                    continue
                if not line.strip():
                    continue
                cols = line.split("\t", 7)
                if len(cols) < 8:
                    raise InputError(f"record has {len(cols)} tab-separated columns; a VCF record needs at least 8", path, n)
                if not cols[1].isdigit():
                    raise InputError(f"POS {cols[1]!r} is not a positive integer", path, n)
                if windows.hits(cols[0], int(cols[1]), len(cols[3])):
                    out.write(line if line.endswith("\n") else line + "\n")
                    kept_lines.append(n)
                    continue
                counts.read += 1
                passed = cols[6] in PASS_VALUES
                if not passed:
                    counts.filtered += 1
                if passed or include_filtered:
                    counts.outside += 1
    except (EOFError, OSError, gzip.BadGzipFile) as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None
    except UnicodeDecodeError:
        tmp.unlink(missing_ok=True)
        raise InputError("not a VCF: binary content after the header", path) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, kept_lines, counts
