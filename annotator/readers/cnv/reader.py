"""Reading one copy-number file: its format (asked for, else detected from the header), then its rows."""

from __future__ import annotations

from pathlib import Path

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.models import Counts, InputFile, ReadResult
from annotator.readers.cnv.formats import FORMATS
from annotator.readers.cnv.model import ReadContext
from annotator.readers.common import (
    detect_by_columns,
    file_sha256,
    looks_like_vcf,
    read_table,
    resolve_format,
)


def detect_format(path: Path) -> str:
    """The format key of a file: VCF by its content, tables by the first entry whose header matches."""
    if looks_like_vcf(path):
        return "vcf"
    header, n, _ = read_table(path)
    by_header = [key for key, spec in FORMATS.items() if spec.required]  # VCF has no header of columns
    key = detect_by_columns(header, FORMATS, by_header)
    if key is not None and len(header) >= FORMATS[key].min_columns:
        return key
    raise InputError(
        f"unrecognized copy-number format (header: {', '.join(header[:8])}); use --cnv-format with one of: {', '.join(FORMATS)}",
        path, n,
    )


def read_copy_number(path: str | Path, index: KbIndex, fmt: str | None = None, sample: str | None = None,
                     include_filtered: bool = False) -> ReadResult:
    """Per-gene copy numbers of one file. Formats with a FILTER notion (VCF CNV records) skip non-PASS
    records and count them (``Counts.filtered``) unless ``include_filtered``, which keeps them with
    ``filter`` set. No other supported copy-number format has a filter or quality column."""
    path = Path(path)
    key = resolve_format(path, fmt, FORMATS, detect_format, "--cnv-format")
    spec = FORMATS[key]
    context = ReadContext(index, sample, include_filtered)
    got = spec.rows.read(path, spec, context)
    # Every record's FILTER is read (no record goes unchecked): passed_filters + filtered = records_read.
    skipped = sum(got.skipped_reasons.values())
    counts = Counts(records_read=got.read, passed_filters=got.read - got.filtered, filtered=got.filtered, skipped=skipped,
                    outside_knowledgebase_genes=got.outside, skipped_reasons=got.skipped_reasons)
    return ReadResult(
        input=InputFile(role="cnv", file=path.name, sha256=file_sha256(path), format=f"{spec.name} ({spec.level}-level)"),
        alterations=(),
        copy_numbers=tuple(got.calls),
        counts=counts,
        warnings=tuple(context.notes),
    )
