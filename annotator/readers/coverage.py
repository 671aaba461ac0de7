"""Depth per region (``--coverage``): what the assay actually read at each locus, plain or gzipped.

Two layouts, told apart by the first data line:

* mosdepth ``*.regions.bed.gz`` (no header): ``chrom start end [name] depth``, 0-based half-open as BED,
  the depth the last column (4 or 5 columns);
* a table with a header (tab-separated; a leading ``#`` on the header is allowed), either
  ``chrom start end depth`` (0-based half-open, as BED) or ``target depth``, whose targets are the names of
  the panel BED's 4th column (every panel interval of that name gets the depth; needs ``--panel-bed``).

Contigs are stored bare, as the panel's. A line that cannot be read is an error naming the file and line.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import InputError
from annotator.models import CoverageTable, InputFile, PanelTargets, Region
from annotator.readers.common import ascii_digits, file_sha256
from annotator.readers.panel import interval, read_panel_bed, text_lines

_ALIASES = {  # a header column -> what it is
    "chrom": "chrom", "chr": "chrom", "chromosome": "chrom", "contig": "chrom",
    "start": "start", "end": "end", "stop": "end",
    "depth": "depth", "mean_depth": "depth", "mean_coverage": "depth", "mean": "depth",
    "target": "target", "name": "target",
}
_BY_REGION = ("chrom", "start", "end", "depth")
_BY_TARGET = ("target", "depth")
_EXPECTED = "expected a header with chrom, start, end, depth or with target, depth, or mosdepth's chrom start end [name] depth"


def _columns(line: str) -> list[str]:
    return [c.strip() for c in (line.split("\t") if "\t" in line else line.split())]


def _data_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Lines that are not blank, ``track`` or ``browser``; ``#`` lines pass (one may be the header)."""
    for n, line in text_lines(path):
        if line.strip() and not line.lstrip().startswith(("track", "browser")):
            yield n, line


def _header(cells: list[str]) -> dict[str, int] | None:
    """Where each known column is, when ``cells`` is a header naming a depth; else None."""
    names = [_ALIASES.get(c.lower().lstrip("#").strip()) for c in cells]
    found = {name: i for i, name in reversed(list(enumerate(names))) if name}
    return found if "depth" in found else None


def _depth(text: str, path: Path, n: int) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not math.isfinite(value) or value < 0:
        raise InputError(f"depth {text!r} is not a non-negative number", path, n)
    return value


def _bed_regions(first: tuple[int, str], lines: Iterator[tuple[int, str]], path: Path) -> Iterator[Region]:
    """mosdepth regions: ``chrom start end [name] depth``."""
    for n, line in (first, *lines):
        if line.startswith("#"):
            continue
        cols = _columns(line)
        if len(cols) not in (4, 5):
            raise InputError(f"{len(cols)} column(s); {_EXPECTED}", path, n)
        chrom, start, end = interval(cols, path, n)
        yield Region(chrom=chrom, start=start, end=end, name=cols[3] if len(cols) == 5 else "",
                     depth=_depth(cols[-1], path, n))


def _table_regions(where: dict[str, int], lines: Iterator[tuple[int, str]], path: Path,
                   panel: PanelTargets | None) -> Iterator[Region]:
    """A table with a header: by region (chrom, start, end) or by the panel's target names."""
    by_region = all(c in where for c in _BY_REGION)
    if not by_region and "target" not in where:
        raise InputError(f"the header names a depth but neither chrom, start, end nor target; {_EXPECTED}", path)
    if not by_region and panel is None:
        raise InputError("a per-target coverage table (target, depth) needs --panel-bed to place its targets", path)
    named = _targets_by_name(panel) if panel is not None else {}
    width = max(where.values()) + 1
    for n, line in lines:
        if line.startswith("#"):
            continue
        cols = _columns(line)
        if len(cols) < width:
            raise InputError(f"{len(cols)} column(s); the header needs {width}", path, n)
        depth = _depth(cols[where["depth"]], path, n)
        if by_region:
            chrom, start, end = interval([cols[where["chrom"]], cols[where["start"]], cols[where["end"]]], path, n)
            yield Region(chrom=chrom, start=start, end=end, name=cols[where["target"]] if "target" in where else "", depth=depth)
            continue
        targets = named.get(cols[where["target"]])
        if not targets:
            raise InputError(f"target {cols[where['target']]!r} is not a target name of the panel BED ({panel.source if panel else ''})",
                             path, n)
        yield from (t.model_copy(update={"depth": depth}) for t in targets)


def _targets_by_name(panel: PanelTargets) -> dict[str, list[Region]]:
    named: dict[str, list[Region]] = defaultdict(list)
    for regions in panel.by_contig.values():
        for r in regions:
            if r.name:
                named[r.name].append(r)
    return named


def read_coverage(path: str | Path, panel: PanelTargets | None = None) -> CoverageTable:
    """Depth per region of a coverage file (see the module docstring); ``panel`` places a per-target table."""
    path = Path(path)
    lines = _data_lines(path)
    regions: Iterator[Region] = iter(())
    for n, line in lines:
        cells = _columns(line)
        where = _header(cells)
        if where is not None:
            regions = _table_regions(where, lines, path, panel)
            break
        if line.startswith("#"):
            continue
        if len(cells) >= 3 and ascii_digits(cells[1]) and ascii_digits(cells[2]):
            regions = _bed_regions((n, line), lines, path)
            break
        raise InputError(f"neither a header nor a region line; {_EXPECTED}", path, n)
    by_contig: dict[str, list[Region]] = defaultdict(list)
    for region in regions:
        by_contig[region.chrom].append(region)
    if not by_contig:
        raise InputError(f"no regions with a depth; {_EXPECTED}", path)
    return CoverageTable(source=path.name, by_contig={c: tuple(r) for c, r in by_contig.items()})


@dataclass(frozen=True)
class AssayFiles:
    """The assay's targets and depth of one sample (``--panel-bed``, ``--coverage``), read before any variant."""

    panel: PanelTargets | None = None
    coverage: CoverageTable | None = None
    inputs: tuple[InputFile, ...] = ()  # their report entries (roles panel, coverage)


def read_assay(panel_bed: str | Path | None, coverage: str | Path | None) -> AssayFiles:
    """Both files, each refused with one error naming its file and line; a per-target coverage table is placed on
    the panel's targets."""
    panel = read_panel_bed(panel_bed) if panel_bed else None
    depth = read_coverage(coverage, panel) if coverage else None
    entries = []
    if panel_bed:
        entries.append(InputFile(role="panel", file=Path(panel_bed).name, sha256=file_sha256(panel_bed), format="BED"))
    if coverage:
        entries.append(InputFile(role="coverage", file=Path(coverage).name, sha256=file_sha256(coverage), format="depth per region"))
    return AssayFiles(panel, depth, tuple(entries))
