"""The header of a VCF or BCF: a cheap byte sniff for friendly errors, then htslib's own reading.

Two steps, each doing what it is good at:

1. ``sniff``: the first bytes say plain text, gzip/BGZF text or BCF. For text, the header lines
   are checked in Python, so a user hears "line 3 is not UTF-8", "duplicate sample name 'S1'" or
   "missing '#CHROM' line" with the line number, instead of htslib's "cannot parse VCF header".
   A UTF-8 byte-order mark is accepted (and removed before htslib sees the text).
2. ``read_header``: cyvcf2 (htslib) reads the header itself: samples, contig names and lengths,
   INFO/FORMAT declarations and the raw header text. A BCF has no text to sniff, so step 2 is all
   it gets; it is then read wherever a VCF is.

Which caller wrote the file is decided from the header by the table ``CALLERS`` (data, not code).
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from annotator.errors import InputError
from annotator.readers.common import ascii_digits
from annotator.readers.vcf.cells import VcfFile

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
UTF8_BOM = b"\xef\xbb\xbf"
VCF_COLUMNS = ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
Kind = Literal["vcf", "vcf.gz", "bcf"]

_META = re.compile(r"^##([\w.-]+)=(.*)$")
_DESC_FORMAT = re.compile(r"Format:\s*'?\s*([^\"']+)")
_DESC_QUOTED = re.compile(r"'([^']*\|[^']*)'")  # snpEff: Functional annotations: 'Allele | Annotation | ...'


@dataclass(frozen=True)
class CallerSign:
    """One way a header names the caller that wrote it: a ``##key`` present, or a word in ``##source``."""

    caller: str
    header_key: str | None = None
    source_word: str | None = None
    command_line_word: str | None = None  # a word inside ##GATKCommandLine (Mutect2 written by GATK4)


# First match wins; the order puts specific signs before generic ones.
CALLERS: tuple[CallerSign, ...] = (
    CallerSign("Mutect2", source_word="mutect"),
    CallerSign("Mutect2", command_line_word="Mutect2"),
    CallerSign("DRAGEN", header_key="DRAGENCommandLine"),
    CallerSign("DRAGEN", header_key="DRAGENVersion"),
    CallerSign("Sentieon", header_key="SentieonCommandLine"),
    CallerSign("SAGE", header_key="sageVersion"),
    CallerSign("SAGE", source_word="sage"),
    CallerSign("VarDict", source_word="vardict"),
    CallerSign("Strelka2", source_word="strelka"),
    CallerSign("LoFreq", source_word="lofreq"),
    CallerSign("FreeBayes", source_word="freebayes"),
    CallerSign("VarScan2", source_word="varscan"),
    CallerSign("Pisces", source_word="pisces"),
    CallerSign("PCGR", source_word="pcgr"),
    CallerSign("FusionCatcher", source_word="fusioncatcher"),
    CallerSign("bcftools", header_key="bcftools_callVersion"),
)


def _pipe_fields(description: str) -> list[str]:
    m = _DESC_FORMAT.search(description) or _DESC_QUOTED.search(description)
    return [f.strip() for f in m.group(1).split("|")] if m and "|" in m.group(1) else []


@dataclass
class VcfHeader:
    path: Path
    header_lines: int  # lines before the first record in the user's file (0 for BCF: it has no lines)
    samples: list[str]
    kind: Kind = "vcf"
    bom: bool = False  # the text starts with a UTF-8 byte-order mark (htslib cannot read it directly)
    contigs: dict[str, int] = field(default_factory=dict)  # contig -> length, for those that declare one
    contig_names: list[str] = field(default_factory=list)  # every ##contig ID, in header order
    first_contig: str | None = None  # CHROM of the first record of a text file
    reference_lines: list[str] = field(default_factory=list)
    info: set[str] = field(default_factory=set)
    format: set[str] = field(default_factory=set)
    format_number: dict[str, str] = field(default_factory=dict)  # FORMAT id -> declared Number (A, R, 1, .)
    info_number: dict[str, str] = field(default_factory=dict)
    csq_fields: list[str] = field(default_factory=list)
    ann_fields: list[str] = field(default_factory=list)
    bcsq_fields: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)
    raw: str = ""  # the header as htslib holds it
    htslib_messages: list[str] = field(default_factory=list)

    def first(self, key: str) -> str | None:
        values = self.meta.get(key)
        return values[0] if values else None

    @property
    def caller(self) -> str:
        """The caller that wrote the file (``CALLERS``), else its ``##source``, else "unknown"."""
        source_words = " ".join(self.meta.get("source", [])).lower()
        command_lines = " ".join(self.meta.get("GATKCommandLine", []))
        for sign in CALLERS:
            if sign.header_key and any(k == sign.header_key or k.startswith(sign.header_key + ".") for k in self.meta):
                return sign.caller  # Sentieon writes ##SentieonCommandLine.TNscope=...
            if sign.source_word and re.search(rf"\b{sign.source_word}", source_words):
                return sign.caller
            if sign.command_line_word and sign.command_line_word in command_lines:
                return sign.caller
        return self.first("source") or "unknown"


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    header_lines: int = 0
    bom: bool = False
    first_contig: str | None = None  # CHROM of the first record (text files): build evidence without ##contig lines


def sniff(path: Path) -> Sniffed:
    """What the file is, from its first bytes; text headers are checked line by line (see module doc)."""
    if path.is_dir():
        raise InputError("is a directory, not a file", path)
    if not path.is_file():
        raise InputError("file not found", path)
    with path.open("rb") as fh:
        head = fh.read(4)
    if head.startswith(b"BCF\x02"):
        return Sniffed("bcf")
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as gz:
                first = gz.read(4)
        except (EOFError, OSError, zlib.error) as exc:
            raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None
        if first.startswith(b"BCF\x02"):
            check_gzip_complete(path)
            return Sniffed("bcf")
        with gzip.open(path, "rb") as gz:
            sniffed = _check_text_header(path, gz, "vcf.gz")
        check_gzip_complete(path)
        return sniffed
    with path.open("rb") as fh:
        return _check_text_header(path, fh, "vcf")


def _check_text_header(path: Path, handle: Iterator[bytes], kind: Kind) -> Sniffed:
    bom = False
    n = 0
    try:
        for n, raw in enumerate(handle, start=1):
            if n == 1 and raw.startswith(UTF8_BOM):
                raw, bom = raw[len(UTF8_BOM):], True
            line = _decode(raw, path, n)
            if n == 1 and not (line.startswith("##fileformat=VCF") or line.startswith("#CHROM")):
                raise InputError("not a VCF: first line is not '##fileformat=VCF...'", path, 1)
            if line.startswith("##"):
                continue
            if line.startswith("#CHROM"):
                _check_columns(path, n, line.rstrip("\r\n")[1:].split("\t"))
                return Sniffed(kind, n, bom, _first_contig(handle))
            raise InputError("missing '#CHROM' header line before the first record", path, n)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None
    raise InputError("missing '#CHROM' header line" if n else "empty file (no VCF header)", path, n or None)


def _first_contig(handle: Iterator[bytes]) -> str | None:
    for raw in handle:
        if raw.strip():
            return raw.split(b"\t", 1)[0].decode("utf-8", "replace").strip()
    return None


def _decode(raw: bytes, path: Path, n: int) -> str:
    if b"\x00" in raw:
        raise InputError("not a VCF: the file is binary, not text, gzip or BCF", path, n if n > 1 else None)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        if n == 1:
            raise InputError("not a VCF: the file is binary, not text, gzip or BCF", path) from None
        byte = raw[exc.start]
        raise InputError(f"not UTF-8 at line {n}: byte 0x{byte:02x} at column {exc.start + 1} (re-save the file as UTF-8)", path, n) from None


def _check_columns(path: Path, n: int, columns: list[str]) -> None:
    if columns[:8] != VCF_COLUMNS:
        raise InputError("malformed #CHROM line (expected tab-separated VCF columns)", path, n)
    samples = columns[9:]
    seen: dict[str, int] = {}
    for i, name in enumerate(samples, start=10):
        if name in seen:
            raise InputError(f"duplicate sample name {name!r} in the #CHROM line (columns {seen[name]} and {i});"
                             " every sample column needs its own name", path, n)
        seen[name] = i
    if len(columns) == 9:
        raise InputError("the #CHROM line has a FORMAT column but no sample column", path, n)


def check_gzip_complete(path: Path) -> None:
    """Raise InputError when a gzip/BGZF file is truncated (htslib would silently stop early)."""
    with path.open("rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - len(BGZF_EOF)))
        if fh.read() == BGZF_EOF:
            return
    try:  # plain gzip (not BGZF) or a truncated BGZF: decompress to the end to find out
        with gzip.open(path, "rb") as gz:
            while gz.read(1 << 20):
                pass
    except (EOFError, gzip.BadGzipFile, OSError, zlib.error) as exc:
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None


def read_header(path: str | Path) -> VcfHeader:
    """Sniff, then read the header with htslib; every error names the user's file (never a temp file)."""
    from annotator.readers.htslib import capture_htslib_messages

    path = Path(path)
    sniffed = sniff(path)
    with capture_htslib_messages() as messages, _TempHeader(path, sniffed) as readable:
        try:
            vcf = _open_header(readable)
        except Exception as exc:
            reason = next((m.split("] ", 1)[-1] for m in reversed(messages()) if m.startswith("[E::")), None)
            text = (reason or " ".join(str(exc).split())).replace(str(readable), path.name)
            raise InputError(f"htslib cannot read the {'BCF' if sniffed.kind == 'bcf' else 'VCF'} header ({text})", path) from None
        try:
            header = _from_htslib(path, sniffed, vcf)
        finally:
            vcf.close()
    header.htslib_messages = [m.replace(str(readable), path.name) for m in messages()]
    return header


def _open_header(readable: Path) -> VcfFile:
    """cyvcf2 on the file's descriptor: by name, htslib also loads a tabix index beside the file (tens of ms
    for a large one), which the header does not need. If that fails, by name again, for htslib's own error."""
    import cyvcf2

    fd = os.open(readable, os.O_RDONLY)
    try:
        return cyvcf2.VCF(fd)
    except Exception:
        with contextlib.suppress(OSError):
            os.close(fd)
        return cyvcf2.VCF(str(readable))


class _TempHeader:
    """htslib cannot read a BOM: give it the header without one (records are streamed separately)."""

    def __init__(self, path: Path, sniffed: Sniffed) -> None:
        self.path, self.sniffed = path, sniffed
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        if not self.sniffed.bom:
            return self.path
        opener = gzip.open if self.sniffed.kind == "vcf.gz" else open
        fd, name = tempfile.mkstemp(prefix="ctdna-annotator-", suffix=".vcf")
        self.tmp = tmp = Path(name)
        with os.fdopen(fd, "wb") as out, opener(self.path, "rb") as src:
            for n, raw in enumerate(src, start=1):
                out.write(raw[len(UTF8_BOM):] if n == 1 else raw)
                if n >= self.sniffed.header_lines:
                    break
        return tmp

    def __exit__(self, *exc: object) -> None:
        if self.tmp is not None:
            self.tmp.unlink(missing_ok=True)


def _attrs(value: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,>]*)', value.strip("<>")):
        out[m.group(1)] = m.group(2).strip('"')
    return out


def _from_htslib(path: Path, sniffed: Sniffed, vcf: VcfFile) -> VcfHeader:
    raw = vcf.raw_header
    meta = _meta(raw)
    header = VcfHeader(path=path, header_lines=sniffed.header_lines, samples=list(vcf.samples), kind=sniffed.kind,
                       bom=sniffed.bom, meta=meta, raw=raw, first_contig=sniffed.first_contig)
    for value in meta.get("contig", []):
        a = _attrs(value)
        if "ID" in a:
            header.contig_names.append(a["ID"])
            if ascii_digits(a.get("length", "")):
                header.contigs[a["ID"]] = int(a["length"])
    for key in ("reference", "assembly", "genome_build", "source_reference"):
        header.reference_lines += [f"##{key}={v}" for v in meta.get(key, [])]
    for rec in vcf.header_iter():
        if rec.type in ("INFO", "FORMAT"):
            _declare(header, rec.type, rec.info())
    return header


def _meta(raw: str) -> dict[str, list[str]]:
    """Every ``##key=value`` line of the header, by key, in header order."""
    meta: dict[str, list[str]] = {}
    for line in raw.splitlines():
        m = _META.match(line)
        if m:
            meta.setdefault(m.group(1), []).append(m.group(2))
    return meta


def _declare(header: VcfHeader, kind: str, info: dict[str, str]) -> None:
    """Record one INFO or FORMAT declaration; the annotation layouts (CSQ, ANN, BCSQ) keep their field names."""
    ident, number, description = info.get("ID", ""), info.get("Number", "."), info.get("Description", "").strip('"')
    if kind == "FORMAT":
        header.format.add(ident)
        header.format_number[ident] = number
        return
    header.info.add(ident)
    header.info_number[ident] = number
    if ident == "CSQ":
        header.csq_fields = _pipe_fields(description)
    elif ident == "ANN":
        header.ann_fields = _pipe_fields(description)
    elif ident == "BCSQ":
        header.bcsq_fields = _pipe_fields(description)
