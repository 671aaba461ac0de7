"""The sample sheet shared by ``batch``, the Snakemake workflow and later commands.

CSV or TSV (by extension, else sniffed), one row per sample, one column per ``annotate`` option:

=====================  ========  =============================================================
column                 required  meaning (multi-valued cells are ';'-separated, in order)
=====================  ========  =============================================================
sample_id              yes       the report's sample id (file names are built from it)
vcf                    yes       VCF/MAF file(s) of the sample
cnv                              copy-number file(s)
fusions                          fusion / SV file(s)
wbc_vcf                          matched white-blood-cell VCF/BCF (one file; see ``annotate --wbc-vcf``)
panel_bed                        the assay's targets, BED (one file; see ``annotate --panel-bed``)
coverage                         depth per region or target (one file; see ``annotate --coverage``)
tumor_sample                     tumor column of the VCF (or MAF barcode)
genome                           GRCh37 / GRCh38 (aliases accepted)
tumor_type                       default NSCLC; one of the knowledgebase's tumor types (or a synonym)
prior_therapy                    prior therapies in order of administration
driver                           known primary driver, e.g. "EGFR L858R"
tumor_fraction                   0-1
tumor_fraction_file              ichorCNA params.txt (not with tumor_fraction)
ploidy                           tumor ploidy, 0.5-10
cnv_format                       force one copy-number format
reference                        genome FASTA
include_filtered                 true/false
=====================  ========  =============================================================

Relative paths resolve against the sheet's folder. Every problem (unknown column, duplicate id,
missing file, bad value) is collected and reported at once, before any sample is annotated, each
naming its physical line (blank and ``#`` comment lines count; a quoted cell may span lines) and
column. A row's options are validated by the model ``annotate`` uses
(:class:`annotator.config.SampleOptions`), so a value is refused with the same words on both paths
(``line 3: ploidy '0' is outside 0.5-10`` here, ``--ploidy '0' is outside 0.5-10`` there). Tumor
types are checked against the knowledgebase by :func:`tumor_type_problems`, once it is loaded.

Sample ids name the report files (``pipeline.safe_file_stem``), so an id is refused when it holds a
path separator, ``..`` or a control character (tab, newline, bidi override...), and two ids are
refused when their file names differ only by case or sanitizing (``P_1``, ``P 1``, ``p_1``): on a
case-insensitive file system or after sanitizing, one report would overwrite the other.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from annotator.config import DEFAULT_TUMOR_TYPE, SampleOptions, tumor_type_problem, validate_options
from annotator.errors import InputError
from annotator.kb.schema import Knowledgebase
from annotator.pipeline import option_context, safe_file_stem

# File stems a run writes beside the reports: a sample named so would have its report overwritten.
RESERVED_STEMS = {"cohort": "cohort summary (cohort.tsv, cohort.html)", "batch_status": "status file (batch_status.tsv)"}

COLUMNS = {
    "sample_id": True, "vcf": True, "cnv": False, "fusions": False, "wbc_vcf": False, "panel_bed": False, "coverage": False,
    "tumor_sample": False, "genome": False,
    "tumor_type": False, "prior_therapy": False, "driver": False, "tumor_fraction": False, "tumor_fraction_file": False,
    "ploidy": False, "cnv_format": False, "reference": False, "include_filtered": False,
}
PATH_COLUMNS = ("vcf", "cnv", "fusions", "wbc_vcf", "panel_bed", "coverage", "tumor_fraction_file", "reference")
MULTI = ("vcf", "cnv", "fusions", "prior_therapy")
OPTION_COLUMNS = tuple(c for c in COLUMNS if c in SampleOptions.model_fields)  # validated by SampleOptions


@dataclass(frozen=True)
class SampleRow:
    sample_id: str
    line: int
    vcf: tuple[Path, ...]
    cnv: tuple[Path, ...] = ()
    fusions: tuple[Path, ...] = ()
    prior_therapy: tuple[str, ...] = ()
    options: SampleOptions = field(default_factory=SampleOptions)  # the single-valued options, validated
    driver: str | None = None
    wbc_vcf: Path | None = None
    panel_bed: Path | None = None
    coverage: Path | None = None

    def input_paths(self) -> list[Path]:
        single = [p for p in (self.wbc_vcf, self.panel_bed, self.coverage) if p]
        paths = [*self.vcf, *self.cnv, *self.fusions, *single]
        for path in (self.options.tumor_fraction_file, self.options.reference):
            if path:
                paths.append(Path(path))
        return paths


class SampleSheetError(InputError):
    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(problems), path)


def _delimiter(path: Path, first_line: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab", ".txt"):
        return "\t"
    if path.suffix.lower() == ".csv":
        return ","
    return "\t" if first_line.count("\t") >= first_line.count(",") else ","


def _skipped(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


class _Record(NamedTuple):
    line: int  # physical line the record begins on
    cells: list[str]


class _Lines:
    """Physical lines for ``csv.reader``, skipping blank and comment lines only between records (a
    quoted cell may span lines, and its continuation lines are never skipped); ``start`` is the
    physical line number of the record last begun."""

    def __init__(self, text: str):
        self._lines = iter(io.StringIO(text, newline=""))  # keeps '\r\n' inside quoted cells intact
        self.number = 0
        self.start = 0
        self.at_record_start = True

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while True:
            line = next(self._lines)
            self.number += 1
            if not self.at_record_start:
                return line
            if not _skipped(line):
                self.at_record_start = False
                self.start = self.number
                return line

    def records(self, reader: Iterator[list[str]]) -> Iterator[_Record]:
        """Every record, with the line it begins on."""
        while True:
            self.at_record_start = True
            try:
                cells = next(reader)
            except StopIteration:
                return
            yield _Record(self.start, cells)


def sample_id_problem(sample_id: str) -> str | None:
    """Why ``sample_id`` cannot name report files, or None."""
    if "/" in sample_id or "\\" in sample_id:
        return "contains a path separator"
    if ".." in sample_id:
        return "contains '..'"
    # Cc: tab, newline, NUL...; Cf: bidi overrides, zero-width characters; Zl/Zp: line/paragraph separators.
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in sample_id):
        return "contains a control character (tab, newline or other)"
    return None


def _sheet_text(path: Path) -> str:
    if not path.is_file():
        raise InputError("sample sheet not found", path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("sample sheet is not a text file", path) from None


def _read_header(path: Path, lines: _Lines, records: Iterator[_Record]) -> list[str]:
    """The header's column names, lower case; an unreadable header line is one error."""
    try:
        _, header = next(records)
    except csv.Error as exc:
        raise InputError(f"line {lines.number}: {exc}", path) from None
    return [h.strip().lower() for h in header]


def _header_problems(path: Path, header: list[str]) -> list[str]:
    """Unknown columns (reported with the rows' problems); a missing required column stops here."""
    problems: list[str] = []
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    missing = [c for c, required in COLUMNS.items() if required and c not in header]
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
        raise SampleSheetError(path, problems)
    return problems


def _cell_values(raw: dict[str, str], column: str) -> list[str]:
    """A cell's values: ';'-separated in a multi-valued column, else the cell itself (none when blank)."""
    if column in MULTI:
        return [v.strip() for v in raw.get(column, "").split(";") if v.strip()]
    return [raw[column]] if raw.get(column) else []


class _FirstId(NamedTuple):
    sample_id: str
    line: int


class _SheetCheck:
    """Builds the rows of a sheet and collects every problem of every row (earlier rows are remembered
    so that a duplicate id, or two ids writing the same files, name the first one)."""

    def __init__(self, base: Path, header: list[str], kb: Knowledgebase | None, problems: list[str]):
        self.base = base
        self.header = header
        self.kb = kb
        self.problems = problems
        self.seen: dict[str, int] = {}
        self.stems: dict[str, _FirstId] = {}  # case-folded file stem -> the first id writing it

    def row(self, record: _Record) -> SampleRow | None:
        """The record as a row, or None when it has a problem that leaves no row (its problems are kept)."""
        n, cells = record
        if len(cells) > len(self.header):
            self.problems.append(f"line {n}: {len(cells)} cells for {len(self.header)} columns")
            return None
        raw = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(self.header) if h in COLUMNS}
        sid = raw.get("sample_id", "")
        if not sid:
            self.problems.append(f"line {n}: empty sample_id")
            return None
        duplicate = self._check_id(n, sid)
        if not _cell_values(raw, "vcf"):
            self.problems.append(f"line {n}: sample {sid!r} has no vcf")
        paths = {key: self._paths(n, sid, key, _cell_values(raw, key)) for key in PATH_COLUMNS}
        options = self._options(n, raw, paths)
        if duplicate or options is None:
            return None  # its files and cells were still checked, so every problem shows at once
        return SampleRow(sid, n, tuple(paths["vcf"]), tuple(paths["cnv"]), tuple(paths["fusions"]),
                         tuple(_cell_values(raw, "prior_therapy")), options, raw.get("driver") or None,
                         *(paths[key][0] if paths[key] else None for key in ("wbc_vcf", "panel_bed", "coverage")))

    def _check_id(self, n: int, sid: str) -> bool:
        """Record the id's problems; whether it is a duplicate."""
        bad_id = sample_id_problem(sid)
        if bad_id:
            self.problems.append(f"line {n}: sample_id {sid!r} {bad_id}; report file names are built from it")
        duplicate = sid in self.seen
        if duplicate:
            self.problems.append(f"line {n}: duplicate sample_id {sid!r} (first on line {self.seen[sid]})")
        elif not bad_id:
            self._check_stem(n, sid)
        self.seen.setdefault(sid, n)
        return duplicate

    def _check_stem(self, n: int, sid: str) -> None:
        """The id's report files must not be the run's own files, nor another id's (ignoring case)."""
        stem = safe_file_stem(sid)
        key = stem.casefold()
        other = self.stems.get(key)
        if key in RESERVED_STEMS:
            self.problems.append(f"line {n}: sample_id {sid!r} would write {stem}.*, which the run's own"
                                 f" {RESERVED_STEMS[key]} uses; rename the sample")
        if other:
            self.problems.append(f"line {n}: sample_id {sid!r} and {other.sample_id!r} (line {other.line}) would write the same"
                                 f" report files ({stem}.*, compared ignoring case)")
        self.stems.setdefault(key, _FirstId(sid, n))

    def _paths(self, n: int, sid: str, key: str, items: list[str]) -> list[Path]:
        """A path column's files, relative to the sheet's folder; each missing one is a problem."""
        paths = [(self.base / p) if not Path(p).is_absolute() else Path(p) for p in items]
        for p in paths:
            if not p.is_file():
                self.problems.append(f"line {n}: sample {sid!r}: {key} file not found: {p}")
        return paths

    def _options(self, n: int, raw: dict[str, str], paths: dict[str, list[Path]]) -> SampleOptions | None:
        """The row's single-valued options, validated as ``annotate`` validates them; with a knowledgebase, the tumor type too."""
        cells = {k: raw[k] for k in OPTION_COLUMNS if raw.get(k)}  # a blank cell means the default
        cells.update({k: str(paths[k][0]) for k in ("tumor_fraction_file", "reference") if paths[k]})
        options, bad = validate_options(SampleOptions, cells, prefix=f"line {n}: ", context=option_context())
        self.problems += bad
        if self.kb is not None and not any("tumor_type" in b for b in bad):
            unknown = tumor_type_problem(cells.get("tumor_type") or DEFAULT_TUMOR_TYPE, self.kb)
            if unknown:
                self.problems.append(f"line {n}: {unknown}")
        return options


def read_samplesheet(path: str | Path, kb: Knowledgebase | None = None) -> list[SampleRow]:
    """The sheet's rows, or SampleSheetError with every problem of every row; with ``kb``, tumor types too."""
    path = Path(path)
    text = _sheet_text(path)
    first = next((ln for ln in io.StringIO(text, newline="") if not _skipped(ln)), None)
    if first is None:
        raise InputError("sample sheet is empty", path)
    lines = _Lines(text)
    records = lines.records(csv.reader(lines, delimiter=_delimiter(path, first)))
    header = _read_header(path, lines, records)
    problems = _header_problems(path, header)
    try:
        numbered = list(records)
    except csv.Error as exc:  # e.g. a quoted cell never closed
        raise SampleSheetError(path, [*problems, f"line {lines.start}: {exc}"]) from None
    check = _SheetCheck(path.parent, header, kb, problems)
    rows = [row for record in numbered if (row := check.row(record)) is not None]
    if not rows and not problems:
        problems.append("no samples")
    if problems:
        raise SampleSheetError(path, problems)
    return rows


def tumor_type_problems(rows: list[SampleRow], kb: Knowledgebase) -> list[str]:
    """Every row whose tumor type is not one of the knowledgebase's (``line N: tumor_type 'x' is not ...``)."""
    problems: list[str] = []
    for row in rows:
        problem = row.options.tumor_type_problem(kb)
        if problem:
            problems.append(f"line {row.line}: {problem}")
    return problems
