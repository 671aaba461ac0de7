"""The assay's targets: a panel BED (``--panel-bed``), plain or gzipped.

BED coordinates are 0-based half-open, as inside this tool, so they are kept as written; contigs are
stored bare (``chr7`` -> ``7``, :func:`annotator.genome.bare_contig`), so any naming matches the VCF's.
Blank, ``#`` comment, ``track`` and ``browser`` lines are skipped. A line needs at least 3 columns
(chrom, start, end); the 4th, when present, names the target; further columns (score, strand, BED12
blocks) are not used. A line that cannot be a target is an error naming the file and line.
"""

from __future__ import annotations

import gzip
import zlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from annotator.errors import InputError
from annotator.genome import bare_contig
from annotator.models import PanelTargets, Region
from annotator.readers.common import ascii_digits, open_text, undecodable_line

_SKIPPED_PREFIXES = ("#", "track", "browser")


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, line without its end) of a plain or gzipped text file; unreadable files are one error."""
    try:
        with open_text(path) as handle:
            try:
                yield from enumerate((line.rstrip("\r\n") for line in handle), start=1)
            except UnicodeDecodeError:
                raise InputError("not UTF-8 text", path, undecodable_line(path)) from None
    except (EOFError, gzip.BadGzipFile, OSError, zlib.error) as exc:
        raise InputError(f"cannot read ({' '.join(str(exc).split()) or type(exc).__name__})", path) from None






def bed_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, columns) of the data lines of a BED-like file: tab-separated (or, without tabs, split on
    white space); blank, comment, ``track`` and ``browser`` lines skipped."""
    for n, line in text_lines(path):
        if not line.strip() or line.lstrip().startswith(_SKIPPED_PREFIXES):
            continue
        yield n, [c.strip() for c in (line.split("\t") if "\t" in line else line.split())]


def interval(cols: list[str], path: Path, n: int) -> tuple[str, int, int]:
    """(bare contig, start, end) of a BED line's first three columns, checked."""
    if len(cols) < 3:
        raise InputError(f"{len(cols)} column(s); a BED line needs chrom, start and end", path, n)
    chrom, start_text, end_text = cols[:3]
    if not chrom:
        raise InputError("empty chrom", path, n)
    for name, text in (("start", start_text), ("end", end_text)):
        if not ascii_digits(text):
            raise InputError(f"{name} {text!r} is not a non-negative integer", path, n)
    start, end = int(start_text), int(end_text)
    if end < start:
        raise InputError(f"end {end} is before start {start} (BED is 0-based half-open: start < end)", path, n)
    return bare_contig(chrom), start, end


def read_panel_bed(path: str | Path) -> PanelTargets:
    """The targets of a panel BED, by bare contig; an empty panel is an error."""
    path = Path(path)
    by_contig: dict[str, list[Region]] = defaultdict(list)
    for n, cols in bed_rows(path):
        chrom, start, end = interval(cols, path, n)
        by_contig[chrom].append(Region(chrom=chrom, start=start, end=end, name=cols[3] if len(cols) > 3 else ""))
    if not by_contig:
        raise InputError("no targets (a panel BED needs chrom, start and end lines)", path)
    return PanelTargets(source=path.name, by_contig={c: tuple(r) for c, r in by_contig.items()})
