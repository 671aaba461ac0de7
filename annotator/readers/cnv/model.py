"""What every copy-number format shares: the format entry, a segment, a table row and its numbers.

A format entry (:class:`CnvFormat`) pairs the header that identifies a file with the reading that
turns it into per-gene values (its ``rows``: segments by coordinates, gene-level rows, or VCF
records), as CNVkit pairs each format with its reader.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.models import GeneCopyNumber

Level = Literal["plasma", "tumor", "call"]


@dataclass(frozen=True)
class ReadContext:
    """What one read of a copy-number file needs beside the file; ``notes`` collects its warnings."""

    index: KbIndex
    sample: str | None = None  # --tumor-sample
    include_filtered: bool = False
    notes: list[str] = field(default_factory=list)


@dataclass
class GeneCalls:
    """Per-gene values of one file and what became of its records."""

    calls: list[GeneCopyNumber]
    read: int
    outside: int
    filtered: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)


class CnvRows(Protocol):
    """How a format's records become per-gene values (a segment table, a gene-level table, VCF records)."""

    def read(self, path: Path, spec: CnvFormat, context: ReadContext) -> GeneCalls: ...


@dataclass(frozen=True)
class CnvFormat:
    """One copy-number format: its name, what its numbers measure, how it is recognised and read.

    Detection is by header: the first entry of the registry (in order) whose ``required`` columns are
    all present, ``forbidden`` none, and which has at least ``min_columns`` columns."""

    name: str
    level: Level  # plasma | tumor | call (see annotator.readers.cnv)
    required: tuple[str, ...]  # lower-cased header columns that identify the format
    rows: CnvRows
    forbidden: tuple[str, ...] = ()
    min_columns: int = 0


@dataclass(frozen=True)
class Segment:
    chrom: str
    start: int  # 1-based inclusive, as the tools write them (BED-like CNVkit starts are 0-based: converted)
    end: int
    copy_number: float | None
    log2: float | None
    call: str | None
    line: int | None  # line in the file (None in a BCF)
    filter: str = "PASS"  # the caller's FILTER (VCF): "PASS" or the failed filter ids as written, e.g. "cnvQual"


class Span(NamedTuple):
    """Where a table row's segment lies (1-based inclusive), before its values are read."""

    chrom: str
    start: int
    end: int
    line: int

    def segment(self, copy_number: float | None = None, log2: float | None = None, call: str | None = None) -> Segment:
        return Segment(self.chrom, self.start, self.end, copy_number, log2, call, self.line)


class GeneValue(NamedTuple):
    """A gene-level row's value: a copy number, or the tool's discrete call."""

    copy_number: float | None = None
    tool_call: str | None = None


# A log2 copy ratio above this is no measurement: 2 x 2^30 is two billion copies, while the highest focal
# amplifications reach a few hundred (log2 about 7-8). It also keeps 2 x 2^log2 from overflowing a float
# (log2 above 1023), which used to end the run with a traceback.
MAX_LOG2 = 30.0
CALL_WORDS = {
    "amplification": "amp", "amp": "amp", "gain": "gain", "deletion": "del", "del": "del", "loss": "loss",
    "deep deletion": "del", "homdel": "del", "shallow deletion": "loss", "wild type": "neutral", "neutral": "neutral",
    "2": "amp", "1": "gain", "0": "neutral", "-1": "loss", "-2": "del", "+": "gain", "-": "loss",
}


def number(raw: str, what: str, path: Path, line: int | None) -> float | None:
    """A finite number; None for the tools' missing-value words."""
    if raw.strip() in ("", "NA", "nan", "NaN", ".", "None"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise InputError(f"{what} {raw!r} is not a number", path, line) from None
    if math.isinf(value):
        raise InputError(f"{what} {raw!r} is not a finite number", path, line)
    return value


def log2_ratio(raw: str, what: str, path: Path, line: int | None) -> float | None:
    value = number(raw, what, path, line)
    if value is not None and value > MAX_LOG2:
        raise InputError(f"{what} {raw.strip()!r} is not a plausible log2 copy ratio (above {MAX_LOG2:g}:"
                         f" more than {2 * 2**MAX_LOG2:,.0f} copies)", path, line)
    return value


def integer(raw: str, what: str, path: Path, line: int | None) -> int:
    try:
        return int(float(raw))
    except ValueError:
        raise InputError(f"{what} {raw!r} is not an integer", path, line) from None


def check_columns(columns: Iterable[str], idx: dict[str, int], header: list[str], path: Path, line: int) -> None:
    """A format read by force (--cnv-format) on a file without the columns it reads: say which are missing."""
    missing = [c for c in columns if c not in idx]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)} (found: {', '.join(header)})", path, line)


@dataclass(frozen=True)
class Row:
    """One data row of a copy-number table: cells by lower-cased column name, and where the row is.

    ``notes`` collects the read's warnings; ``sample_column`` is the column a per-sample matrix (GISTIC)
    is read from, chosen once per file."""

    path: Path
    line: int
    cells: list[str]
    idx: dict[str, int]
    notes: list[str]
    sample_column: str = ""

    def has(self, column: str) -> bool:
        return column in self.idx

    def cell(self, column: str) -> str:
        return self.cells[self.idx[column]]

    def number(self, column: str, what: str) -> float | None:
        return number(self.cell(column), what, self.path, self.line)

    def log2(self, column: str, what: str) -> float | None:
        return log2_ratio(self.cell(column), what, self.path, self.line)

    def call(self, column: str) -> str:
        """The tool's discrete call in ``column`` as amp/gain/neutral/loss/del."""
        raw = self.cell(column).strip()
        tool_call = CALL_WORDS.get(raw.lower())
        if tool_call is None:
            raise InputError(f"copy-number call {raw!r} is not one of {', '.join(sorted(set(CALL_WORDS)))}", self.path, self.line)
        return tool_call

    def span(self, chrom: str, start: str = "start", end: str = "end", zero_based: bool = False) -> Span:
        """The row's segment coordinates from its columns ``chrom``, ``start`` and ``end`` (0-based starts converted)."""
        first = integer(self.cell(start), start, self.path, self.line) + (1 if zero_based else 0)
        last = integer(self.cell(end), end, self.path, self.line)
        if last < first:
            raise InputError(f"segment end {last} is before its start {first}", self.path, self.line)
        return Span(self.cell(chrom), first, last, self.line)
