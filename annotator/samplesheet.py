"""The sample sheet shared by ``batch``, the Snakemake workflow and later commands.

CSV or TSV (by extension, else sniffed), one row per sample, one column per ``annotate`` option:

=====================  ========  =============================================================
column                 required  meaning (multi-valued cells are ';'-separated, in order)
=====================  ========  =============================================================
sample_id              yes       the report's sample id (file names are built from it)
vcf                    yes       VCF/MAF file(s) of the sample
cnv                              copy-number file(s)
fusions                          fusion / SV file(s)
tumor_sample                     tumor column of the VCF (or MAF barcode)
genome                           GRCh37 / GRCh38 (aliases accepted)
tumor_type                       default NSCLC
prior_therapy                    prior therapies in order of administration
driver                           known primary driver, e.g. "EGFR L858R"
tumor_fraction                   0-1
tumor_fraction_file              ichorCNA params.txt
ploidy                           tumor ploidy
cnv_format                       force one copy-number format
reference                        genome FASTA
include_filtered                 true/false
=====================  ========  =============================================================

Relative paths resolve against the sheet's folder. Every problem (unknown column, duplicate id,
missing file, bad value) is collected and reported at once, before any sample is annotated.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import InputError

COLUMNS = {
    "sample_id": True, "vcf": True, "cnv": False, "fusions": False, "tumor_sample": False, "genome": False,
    "tumor_type": False, "prior_therapy": False, "driver": False, "tumor_fraction": False, "tumor_fraction_file": False,
    "ploidy": False, "cnv_format": False, "reference": False, "include_filtered": False,
}
PATH_COLUMNS = ("vcf", "cnv", "fusions", "tumor_fraction_file", "reference")
MULTI = ("vcf", "cnv", "fusions", "prior_therapy")


@dataclass(frozen=True)
class SampleRow:
    sample_id: str
    line: int
    vcf: tuple[Path, ...]
    cnv: tuple[Path, ...] = ()
    fusions: tuple[Path, ...] = ()
    prior_therapy: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)  # the single-valued options, as typed values

    def input_paths(self) -> list[Path]:
        paths = [*self.vcf, *self.cnv, *self.fusions]
        for key in ("tumor_fraction_file", "reference"):
            if self.options.get(key):
                paths.append(Path(self.options[key]))
        return paths


class SampleSheetError(InputError):
    def __init__(self, path: Path, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s): " + "; ".join(problems), path)


def _delimiter(path: Path, text: str) -> str:
    if path.suffix.lower() in (".tsv", ".tab", ".txt"):
        return "\t"
    if path.suffix.lower() == ".csv":
        return ","
    first = text.splitlines()[0] if text else ""
    return "\t" if first.count("\t") >= first.count(",") else ","


def read_samplesheet(path: str | Path) -> list[SampleRow]:
    path = Path(path)
    if not path.is_file():
        raise InputError("sample sheet not found", path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("sample sheet is not a text file", path) from None
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise InputError("sample sheet is empty", path)
    reader = csv.reader(lines, delimiter=_delimiter(path, "\n".join(lines)))
    header = [h.strip().lower() for h in next(reader)]
    problems: list[str] = []
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        problems.append(f"unknown column(s) {', '.join(unknown)} (known: {', '.join(COLUMNS)})")
    missing = [c for c, required in COLUMNS.items() if required and c not in header]
    if missing:
        problems.append(f"missing required column(s) {', '.join(missing)}")
    if missing:
        raise SampleSheetError(path, problems)
    base = path.parent
    rows: list[SampleRow] = []
    seen: dict[str, int] = {}
    for n, cells in enumerate(reader, start=2):
        if len(cells) > len(header):
            problems.append(f"line {n}: {len(cells)} cells for {len(header)} columns")
            continue
        raw = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h in COLUMNS}
        sid = raw.get("sample_id", "")
        if not sid:
            problems.append(f"line {n}: empty sample_id")
            continue
        duplicate = sid in seen
        if duplicate:
            problems.append(f"line {n}: duplicate sample_id {sid!r} (first on line {seen[sid]})")
        seen.setdefault(sid, n)
        values = {k: [v.strip() for v in raw.get(k, "").split(";") if v.strip()] for k in MULTI}
        if not values["vcf"]:
            problems.append(f"line {n}: sample {sid!r} has no vcf")
        options: dict = {}
        for key in ("tumor_sample", "genome", "tumor_type", "driver", "cnv_format"):
            if raw.get(key):
                options[key] = raw[key]
        for key in ("tumor_fraction", "ploidy"):
            if raw.get(key):
                try:
                    options[key] = float(raw[key])
                except ValueError:
                    problems.append(f"line {n}: {key} {raw[key]!r} is not a number")
        if raw.get("include_filtered"):
            flag = raw["include_filtered"].lower()
            if flag not in ("true", "false", "yes", "no", "1", "0"):
                problems.append(f"line {n}: include_filtered {raw['include_filtered']!r} is not true/false")
            options["include_filtered"] = flag in ("true", "yes", "1")
        resolved: dict[str, list[Path]] = {}
        for key in PATH_COLUMNS:
            items = values.get(key) if key in MULTI else ([raw[key]] if raw.get(key) else [])
            paths = [(base / p) if not Path(p).is_absolute() else Path(p) for p in items or []]
            for p in paths:
                if not p.is_file():
                    problems.append(f"line {n}: sample {sid!r}: {key} file not found: {p}")
            resolved[key] = paths
        for key in ("tumor_fraction_file", "reference"):
            if resolved[key]:
                options[key] = str(resolved[key][0])
        if duplicate:
            continue  # its files were still checked, so every problem shows at once
        rows.append(SampleRow(sid, n, tuple(resolved["vcf"]), tuple(resolved["cnv"]), tuple(resolved["fusions"]),
                              tuple(values["prior_therapy"]), options))
    if not rows and not problems:
        problems.append("no samples")
    if problems:
        raise SampleSheetError(path, problems)
    return rows
