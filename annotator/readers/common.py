"""Helpers every reader shares: checksums, opening plain or gzipped files, finding the first byte that is not
UTF-8, and header-checked, line-numbered TSV reading."""

from __future__ import annotations

import csv
import gzip
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, BinaryIO, NamedTuple, Protocol

from annotator.errors import InputError


def ascii_digits(text: str) -> bool:
    """Whether ``text`` is one or more of 0-9. ``str.isdigit`` also takes '²' or '٣', which ``int`` refuses or
    reads as a number no VCF, BED or table meant: the caller then says the cell is wrong, and never crashes."""
    return text.isascii() and text.isdigit()


def file_sha256(path: str | Path) -> str:
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def _cells(text: str, path: Path, line: int) -> list[str]:
    """The tab-separated cells of one line. Lines without quotes are split directly (most lines, and
    faster); quoted ones go through ``csv``, whose field limit (128 KB) becomes an error naming the line."""
    if '"' not in text and len(text) <= _FIELD_LIMIT:
        return text.split("\t")
    try:
        return next(csv.reader([text], delimiter="\t"))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise InputError(f"a cell is longer than {_FIELD_LIMIT:,} characters (is this a table of this format?)", path, line) from None
        raise InputError(f"cannot split the row into cells ({exc})", path, line) from None


_FIELD_LIMIT = csv.field_size_limit()


def read_tsv(path: str | Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a tab-separated file whose header has ``required`` columns.

    Lines starting with '#' before the header are comments. Column names are matched
    case-insensitively and returned lower-cased.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            lines = enumerate(fh, start=1)
            header: list[str] | None = None
            header_line = 0
            for n, text in lines:
                if not text.strip() or (text.startswith("#") and not _looks_like_header(text, required)):
                    continue
                header = [c.strip().lower().lstrip("#") for c in text.rstrip("\r\n").split("\t")]
                header_line = n
                break
            if header is None:
                raise InputError(f"empty file: no header with columns {', '.join(required)}", path)
            missing = [c for c in required if c not in header]
            if missing:
                raise InputError(
                    f"missing column(s) {', '.join(missing)} (found: {', '.join(header)})", path, header_line
                )
            for n, text in lines:
                if not text.strip() or text.startswith("#"):
                    continue
                cells = _cells(text.rstrip("\r\n"), path, n)
                if len(cells) < len(required):
                    raise InputError(f"row has {len(cells)} column(s); the header has {len(header)}", path, n)
                yield n, dict(zip(header, (c.strip() for c in cells), strict=False))  # extra cells beyond the header are dropped
    except UnicodeDecodeError:
        raise InputError("not a text file (binary content)", path, undecodable_line(path)) from None


def _looks_like_header(text: str, required: tuple[str, ...]) -> bool:
    cols = [c.strip().lower().lstrip("#") for c in text.split("\t")]
    return all(r in cols for r in required)


def read_table(path: Path) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]]:
    """Header columns (lower-cased, a leading '#' dropped), the header's line number, and the data rows
    (line number, cells) of a tab-separated file.

    The rows are streamed: the file is read again from its start when they are first asked for, one
    line at a time, so memory does not grow with the number of rows (a 5M-bin CNVkit .cnr, a
    1M-row fusion table). Before the header, blank lines, '##' meta lines and SAM-style '@' lines
    (GATK) are skipped; a header that itself starts with a single '#' (Arriba, STAR-Fusion) is the
    header. Later '#' lines are comments.
    """
    try:
        with path.open(encoding="utf-8-sig") as fh:
            for n, text in enumerate(fh, start=1):
                if not text.strip() or text.startswith(("##", "@")):
                    continue
                header = [c.strip().lower().lstrip("#").strip() for c in text.rstrip("\n").split("\t")]
                return header, n, _table_rows(path, n)
    except UnicodeDecodeError:
        raise InputError("not a text file (binary content)", path, undecodable_line(path)) from None
    raise InputError("empty file: no header line", path)


def _table_rows(path: Path, header_line: int) -> Iterator[tuple[int, list[str]]]:
    try:
        with path.open(encoding="utf-8-sig") as fh:
            for n, text in enumerate(fh, start=1):
                if n <= header_line or not text.strip() or text.startswith("#"):
                    continue
                yield n, _cells(text.rstrip("\n"), path, n)
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", path, undecodable_line(path)) from None


def is_gzipped(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic (plain gzip and BGZF alike)."""
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def open_bytes(path: Path) -> BinaryIO:
    """``path`` for reading bytes, inflated when it is gzipped."""
    return gzip.open(path, "rb") if is_gzipped(path) else path.open("rb")  # type: ignore[return-value]  # a GzipFile reads as a BinaryIO does (typeshed types it apart)


def open_text(path: Path, errors: str = "strict") -> IO[str]:
    """``path`` as UTF-8 text (a byte-order mark dropped, line ends kept as they are), inflated when gzipped."""
    if is_gzipped(path):
        return gzip.open(path, "rt", encoding="utf-8-sig", errors=errors, newline="")
    return path.open("r", encoding="utf-8-sig", errors=errors, newline="")


class Undecodable(NamedTuple):
    """Where the first byte that is not UTF-8 lies: its line (1-based), the byte, its column (1-based)."""

    line: int
    byte: int
    column: int


def first_undecodable(path: Path) -> Undecodable | None:
    """The first byte that is not UTF-8, plain or gzipped file (text is decoded in blocks, so the error alone
    does not say where); looked for only once decoding has failed."""
    with open_bytes(path) as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return Undecodable(n, raw[exc.start], exc.start + 1)
    return None


def undecodable_line(path: Path) -> int | None:
    """The line of the first byte that is not UTF-8 (see :func:`first_undecodable`)."""
    found = first_undecodable(path)
    return found.line if found is not None else None


def looks_like_vcf(path: Path) -> bool:
    """A VCF by its first bytes: the ##fileformat line, or gzip/BGZF compression (tables are plain text)."""
    with path.open("rb") as fh:
        head = fh.read(64)
    return head.startswith(b"##fileformat=VCF") or head[:2] == b"\x1f\x8b"


def resolve_format(path: Path, fmt: str | None, formats: Mapping[str, object], detect: Callable[[Path], str | None],
                   option: str) -> str:
    """The format key of an input file: the one asked for (``option``, e.g. --cnv-format), else detected.

    Checks the file exists first, so a missing file is reported as such, not as an unknown format."""
    if not path.is_file():
        raise InputError("is a directory, not a file" if path.is_dir() else "file not found", path)
    key = fmt or detect(path)
    if key is None or key not in formats:
        raise InputError(f"unknown {option} {key!r}; choose from {', '.join(formats)}")
    return key


class ColumnFormat(Protocol):
    """A table format as detection sees it: the columns its header must have (``forbidden`` is optional)."""

    @property
    def required(self) -> Sequence[str]: ...


def detect_by_columns(header: list[str], formats: Mapping[str, ColumnFormat], order: list[str]) -> str | None:
    """The first format in ``order`` whose ``required`` columns are all in ``header`` and ``forbidden`` none."""
    for key in order:
        fmt = formats[key]
        if all(c in header for c in fmt.required) and not any(c in header for c in getattr(fmt, "forbidden", ())):
            return key
    return None


# --- coding or not: which small variants in knowledgebase genes become report rows -------------------
NON_CODING_REASON = "non-coding variant in a knowledgebase gene (not listed)"
# Consequence terms that say a variant changes no coding base and no splice region: VEP and snpEff
# (Sequence Ontology names, lower-cased), bcftools csq, and MAF Variant_Classification. Any other term,
# including splice_region_variant, splice_polypyrimidine_tract_variant and terms not listed here, keeps the
# variant: only an annotation that positively says "non-coding" on every transcript drops a row.
NON_CODING_TERMS = frozenset({
    "intron_variant", "upstream_gene_variant", "downstream_gene_variant", "5_prime_utr_variant", "3_prime_utr_variant",
    "intergenic_variant", "intergenic_region", "intragenic_variant", "non_coding_transcript_exon_variant",
    "non_coding_transcript_variant", "non_coding_exon_variant", "nmd_transcript_variant", "regulatory_region_variant",
    "tf_binding_site_variant", "conserved_intron_variant", "conserved_intergenic_variant", "mature_mirna_variant",
    # bcftools csq
    "intron", "5_prime_utr", "3_prime_utr", "non_coding", "intergenic",
    # MAF Variant_Classification (vcf2maf, cBioPortal)
    "3'utr", "5'utr", "3'flank", "5'flank", "igr", "rna", "lincrna",
})


def non_coding(terms: Iterable[str]) -> bool:
    """True only when the annotation gives terms and every one of them is a non-coding term; False when
    any term is coding or splice-related (or unknown), and when there is no annotation at all."""
    seen = False
    for term in terms:
        term = term.strip().lower().lstrip("*")
        if not term:
            continue
        seen = True
        if term not in NON_CODING_TERMS:
            return False
    return seen
