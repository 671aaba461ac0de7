"""Read small-variant VCFs (plain or bgzipped) into normalized alterations.

The header is read and checked in Python first (it is small): that gives clear errors for
non-VCF input, the build evidence, the sample columns and the annotation layouts before cyvcf2
streams the records. cyvcf2 objects never leave this module (their arrays point into C memory).

VAF and depth rules (one per file, chosen from the header and recorded in the JSON):

====================  =======================================================================
rule                  used when
====================  =======================================================================
FORMAT/AF             the tumor sample column has FORMAT AF (Mutect2, VarDict, SAGE)
FORMAT/AD             else FORMAT AD: alt / (ref + all alts) of the tumor column (bcftools)
none                  else: VAF "not available"; the alteration is still reported
====================  =======================================================================

Depth is FORMAT/DP of the tumor column, else the sum of its AD; INFO/DP only for files with at
most one sample (in a tumor/normal file INFO/DP sums both). INFO/AF is never read as a VAF in
these rules: GATK and bcftools write a genotype frequency there.
"""

from __future__ import annotations

import gzip
import math
import os
import re
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.models import Alteration, Counts, InputFile, ReadResult
from annotator.normalize import plain_allele, short_hgvsp, translate_codon_change, trim_alleles, variant_type
from annotator.readers import vcf_scan
from annotator.readers.common import file_sha256

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")
GENERIC_SAMPLE_NAMES = {"tumor", "tumour", "sample", "sample1", "normal", "none", "unknown", "plasma"}
_META = re.compile(r"^##(\w+)=(.*)$")
_DESC_FORMAT = re.compile(r"Format:\s*'?\s*([^\"']+)")
_DESC_QUOTED = re.compile(r"'([^']*\|[^']*)'")  # snpEff: Functional annotations: 'Allele | Annotation | ...'


def _pipe_fields(description: str) -> list[str]:
    m = _DESC_FORMAT.search(description) or _DESC_QUOTED.search(description)
    return [f.strip() for f in m.group(1).split("|")] if m and "|" in m.group(1) else []


@dataclass
class VcfHeader:
    path: Path
    header_lines: int
    samples: list[str]
    contigs: dict[str, int] = field(default_factory=dict)
    reference_lines: list[str] = field(default_factory=list)
    info: set[str] = field(default_factory=set)
    format: set[str] = field(default_factory=set)
    format_number: dict[str, str] = field(default_factory=dict)  # FORMAT id -> declared Number (A, R, 1, .)
    csq_fields: list[str] = field(default_factory=list)
    ann_fields: list[str] = field(default_factory=list)
    bcsq_fields: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)

    def first(self, key: str) -> str | None:
        values = self.meta.get(key)
        return values[0] if values else None

    @property
    def caller(self) -> str:
        """The caller that wrote the file, from its ``##source`` and caller-specific header keys."""
        source = " ".join(self.meta.get("source", [])).lower()
        if "mutect" in source or any("Mutect2" in v for v in self.meta.get("GATKCommandLine", [])):
            return "Mutect2"
        if "sageVersion" in self.meta or "sage" in source.split():
            return "SAGE"
        for key, name in (("vardict", "VarDict"), ("strelka", "Strelka2"), ("lofreq", "LoFreq"), ("freebayes", "FreeBayes"),
                          ("varscan", "VarScan2"), ("pisces", "Pisces"), ("pcgr", "PCGR")):
            if key in source:
                return name
        if "bcftools_callVersion" in self.meta:
            return "bcftools"
        return self.first("source") or "unknown"


def _open_text(path: Path):
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="strict"), True
    return path.open("r", encoding="utf-8-sig", errors="strict"), False


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
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None


def read_header(path: str | Path) -> VcfHeader:
    """Parse and check the VCF header; errors name the file and line."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path)
    is_gz = False
    try:
        handle, is_gz = _open_text(path)
        with handle:
            header = _parse_header_lines(path, handle)
    except UnicodeDecodeError:
        raise InputError("not a VCF: the file is binary, not text or gzip", path) from None
    except (EOFError, gzip.BadGzipFile, OSError) as exc:
        raise InputError(f"truncated or corrupt gzip file ({exc})", path) from None
    if is_gz:
        check_gzip_complete(path)
    return header


def _parse_header_lines(path: Path, handle) -> VcfHeader:
    meta: dict[str, list[str]] = {}
    n = 0
    for n, line in enumerate(handle, start=1):
        line = line.rstrip("\r\n")
        if n == 1 and not line.startswith("##fileformat=VCF") and not line.startswith("#CHROM"):
            raise InputError("not a VCF: first line is not '##fileformat=VCF...'", path, 1)
        if line.startswith("##"):
            m = _META.match(line)
            if m:
                meta.setdefault(m.group(1), []).append(m.group(2))
            continue
        if line.startswith("#CHROM"):
            columns = line[1:].split("\t")
            if columns[:8] != ["CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]:
                raise InputError("malformed #CHROM line (expected tab-separated VCF columns)", path, n)
            samples = columns[9:] if len(columns) > 9 else []
            return _header_from_meta(path, n, samples, meta)
        raise InputError("missing '#CHROM' header line before the first record", path, n)
    raise InputError("missing '#CHROM' header line" if n else "empty file (no VCF header)", path, n or None)


def _attrs(value: str) -> dict[str, str]:
    out = {}
    for m in re.finditer(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,>]*)', value.strip("<>")):
        out[m.group(1)] = m.group(2).strip('"')
    return out


def _header_from_meta(path: Path, n: int, samples: list[str], meta: dict[str, list[str]]) -> VcfHeader:
    header = VcfHeader(path=path, header_lines=n, samples=samples, meta=meta)
    for value in meta.get("contig", []):
        a = _attrs(value)
        if "ID" in a and a.get("length", "").isdigit():
            header.contigs[a["ID"]] = int(a["length"])
    for key in ("reference", "assembly", "genome_build", "GATKCommandLine", "source_reference"):
        header.reference_lines += [f"##{key}={v}" for v in meta.get(key, []) if key != "GATKCommandLine"]
    for value in meta.get("INFO", []):
        a = _attrs(value)
        header.info.add(a.get("ID", ""))
        if a.get("ID") == "CSQ":
            header.csq_fields = _pipe_fields(a.get("Description", ""))
        elif a.get("ID") == "ANN":
            header.ann_fields = _pipe_fields(a.get("Description", ""))
        elif a.get("ID") == "BCSQ":
            header.bcsq_fields = _pipe_fields(a.get("Description", ""))
    for value in meta.get("FORMAT", []):
        attrs = _attrs(value)
        header.format.add(attrs.get("ID", ""))
        header.format_number[attrs.get("ID", "")] = attrs.get("Number", ".")
    return header


def choose_tumor_sample(header: VcfHeader, requested: str | None) -> str | None:
    """The tumor/plasma column: --tumor-sample, ##tumor_sample, TUMOR, VarDict's first, or the only one."""
    samples = header.samples
    listing = ", ".join(samples) if samples else "(none)"
    if requested:
        if requested not in samples:
            raise InputError(f"sample {requested!r} is not a column of this VCF (columns: {listing})", header.path)
        return requested
    if not samples:
        return None
    stated = header.first("tumor_sample")
    if stated:
        if stated in samples:
            return stated
        # Pipelines such as bcbio rename columns after calling ("BATCH__T1"); accept one unambiguous match.
        close = [s for s in samples if s.endswith(stated) or stated in s]
        if len(close) == 1:
            return close[0]
        raise InputError(f"##tumor_sample={stated} names no sample column (columns: {listing}); use --tumor-sample", header.path)
    named = [s for s in samples if s.upper() in ("TUMOR", "TUMOUR")]
    if len(named) == 1:
        return named[0]
    if len(samples) == 1:
        return samples[0]
    if header.caller == "VarDict" and len(samples) == 2:
        return samples[0]  # var2vcf_paired.pl writes the tumor column first
    if header.caller == "SAGE" and len(samples) == 2:
        return samples[1]  # SAGE writes the reference (normal) column first, then the tumor
    normal = header.first("normal_sample")
    if normal in samples and len(samples) == 2:
        return next(s for s in samples if s != normal)
    tumor_like = [s for s in samples if re.search(r"tumou?r", s, re.I)]
    if len(tumor_like) == 1:
        return tumor_like[0]
    normal_like = [s for s in samples if re.search(r"normal|pbmc|germline|blood|buffy|(^|[_-])(n|wbc)$", s, re.I)]
    if len(samples) == 2 and len(normal_like) == 1:
        return next(s for s in samples if s not in normal_like)
    raise InputError(f"cannot tell which sample is the tumor; use --tumor-sample with one of: {listing}", header.path)


@dataclass(frozen=True)
class VcfOptions:
    tumor_sample: str | None = None
    include_filtered: bool = False
    reference: object | None = None  # annotator.reference.Reference: REF check and left-alignment


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value) or value < 0
    return isinstance(value, int) and value < 0


def _num(value) -> float | None:
    """A number from a cyvcf2 cell (numpy scalar, str, bytes), or None when missing."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            value = float(text) / (100 if value.strip().endswith("%") else 1)
        except ValueError:
            return None
    return None if _missing(value) else value


def _cells(rec, key: str, t: int) -> list | None:
    """The tumor column's values of one FORMAT field, or None when the record lacks it."""
    try:
        arr = rec.format(key)
    except KeyError:
        return None
    if arr is None:
        return None
    row = arr[t]
    if getattr(row, "ndim", 1) == 0:  # String-typed FORMAT fields come back one string per sample
        row = [row]
    return [_num(x) for x in row]


def _info_num(rec, key: str, alt_i: int = 0) -> float | None:
    value = rec.INFO.get(key)
    if isinstance(value, tuple):
        value = value[alt_i] if alt_i < len(value) else None
    return _num(value)


def _fraction(alt: float | None, total: float | None) -> float | None:
    return alt / total if alt is not None and total else None


@dataclass(frozen=True)
class VafRule:
    """How one caller's file says the tumor VAF and depth. ``needs``: FORMAT (or INFO) ids that select it."""

    name: str
    callers: str
    format_ids: tuple[str, ...] = ()
    info_ids: tuple[str, ...] = ()
    needs_samples: bool = True

    def applies(self, header: VcfHeader, has_tumor: bool) -> bool:
        if self.needs_samples and not has_tumor:
            return False
        if not self.needs_samples and header.samples and self.name == "INFO/AF":
            return False  # INFO/AF in a file with sample columns is a genotype frequency (GATK, bcftools)
        return all(f in header.format for f in self.format_ids) and all(i in header.info for i in self.info_ids)


VAF_RULES: tuple[VafRule, ...] = (
    VafRule("FORMAT/AF", "Mutect2, VarDict, SAGE", format_ids=("AF",)),
    VafRule("FORMAT/VF", "Illumina Pisces / TSO500", format_ids=("VF",)),
    VafRule("FORMAT/FREQ", "VarScan2 (percent string)", format_ids=("FREQ",)),
    VafRule("Strelka2 SNV tier1 counts", "Strelka2 somatic SNVs", format_ids=("AU", "CU", "GU", "TU")),
    VafRule("Strelka2 indel tier1 TIR/(TAR+TIR)", "Strelka2 somatic indels", format_ids=("TAR", "TIR")),
    VafRule("FORMAT/AO,RO", "FreeBayes", format_ids=("AO", "RO")),
    VafRule("INFO/TVAF", "PCGR-style tags", info_ids=("TVAF",), needs_samples=False),
    VafRule("FORMAT/AD", "bcftools and others", format_ids=("AD",)),
    VafRule("INFO/AF", "LoFreq (no sample columns)", info_ids=("AF",), needs_samples=False),
)
NO_RULE = VafRule("none", "no VAF field: reported as not available")


def choose_vaf_rule(header: VcfHeader, tumor: str | None) -> VafRule:
    """The first rule of VAF_RULES the header supports (the order is documented in the README)."""
    return next((r for r in VAF_RULES if r.applies(header, tumor is not None)), NO_RULE)


def _left_aligned(reference, chrom: str, pos: int, ref: str, alt: str) -> tuple[int, str, str] | None:
    if reference is None:
        return None
    moved = reference.left_align(chrom, pos, ref, alt)
    return moved if moved != (pos, ref, alt) else None


class RecordProblem(Exception):
    """A record htslib accepted but that breaks its own header's declarations; the caller adds the line."""


def check_value_counts(rec, header: VcfHeader, t: int | None) -> str | None:
    """A problem with a per-allele FORMAT field of the tumor column (Number=A/R), or None."""
    if t is None:
        return None
    n_alt = len(rec.ALT)
    for key in ("AF", "AD"):
        number = header.format_number.get(key)
        if key not in header.format or number not in ("A", "R"):
            continue
        values = _cells(rec, key, t)
        if values is None or all(v is None for v in values):
            continue
        expected = n_alt if number == "A" else n_alt + 1
        present = [v for v in values if v is not None] if len(values) > expected else values
        if len(present) != expected:
            return f"FORMAT {key} has {len(present)} value(s) for {n_alt} ALT allele(s); Number={number} needs {expected}"
    return None


def _vaf_depth(rec, rule: VafRule, t: int | None, alt_i: int, n_samples: int) -> tuple[float | None, int | None]:
    vaf = depth = None
    name = rule.name
    ad = _cells(rec, "AD", t) if t is not None else None
    if name == "FORMAT/AF" or name == "FORMAT/VF":
        values = _cells(rec, name.split("/")[1], t)
        vaf = values[alt_i] if values and alt_i < len(values) else (values[0] if values and len(values) == 1 else None)
    elif name == "FORMAT/FREQ":
        values = _cells(rec, "FREQ", t)
        vaf = values[0] if values and len(values) == 1 else (values[alt_i] if values and alt_i < len(values) else None)
    elif name.startswith("Strelka2 SNV"):
        tier1 = {b: (_cells(rec, f"{b}U", t) or [None])[0] for b in "ACGT"}
        alt = rec.ALT[alt_i].upper()
        total = sum(v for v in tier1.values() if v is not None)
        vaf = _fraction(tier1.get(alt), total)
    elif name.startswith("Strelka2 indel"):
        tar, tir = (_cells(rec, "TAR", t) or [None])[0], (_cells(rec, "TIR", t) or [None])[0]
        vaf = _fraction(tir, (tar or 0) + (tir or 0)) if tir is not None else None
    elif name == "FORMAT/AO,RO":
        ao, ro = _cells(rec, "AO", t) or [], (_cells(rec, "RO", t) or [None])[0]
        alt_count = ao[alt_i] if alt_i < len(ao) else None
        vaf = _fraction(alt_count, (ro or 0) + sum(a for a in ao if a is not None)) if alt_count is not None else None
    elif name == "INFO/TVAF":
        vaf = _info_num(rec, "TVAF", alt_i)
        depth = _info_num(rec, "TDP")
    elif name == "FORMAT/AD" and ad is not None and len(ad) > alt_i + 1 and None not in ad:
        vaf = _fraction(ad[alt_i + 1], sum(ad))  # a missing count (".,21") leaves the VAF unknown, not 100%
    elif name == "INFO/AF":
        vaf = _info_num(rec, "AF", alt_i)
    if depth is None and t is not None:
        dp = _cells(rec, "DP", t)
        if dp and dp[0] is not None:
            depth = dp[0]
        elif ad is not None and name != "FORMAT/FREQ":  # VarScan's AD is the alt count only
            known = [x for x in ad if x is not None]
            depth = sum(known) if known else None
    if depth is None and n_samples <= 1:
        depth = _info_num(rec, "DP")
    if vaf is not None and not 0 <= vaf <= 1:
        vaf = None
    return (round(vaf, 6) if vaf is not None else None), (int(depth) if depth is not None else None)


@dataclass(frozen=True)
class _Consequence:
    gene: str
    transcript: str | None
    hgvsc: str | None
    hgvsp: str | None
    preferred: bool
    source: str = ""


def _vep_allele(ref: str, alt: str, alts: list[str]) -> str:
    # VEP drops the shared first base when every ALT of the record starts with REF's first base.
    if all(len(a) != len(ref) and a[:1] == ref[:1] for a in alts):
        return alt[1:] or "-"
    return alt


def _consequences(rec, header: VcfHeader, ref: str, alt: str, alts: list[str], index: KbIndex) -> list[_Consequence]:
    out: list[_Consequence] = []
    if header.csq_fields and (raw := rec.INFO.get("CSQ")):
        f = {name: i for i, name in enumerate(header.csq_fields)}
        allele = _vep_allele(ref, alt, alts)
        for entry in str(raw).split(","):
            parts = entry.split("|")
            get = lambda k: parts[f[k]] if k in f and f[k] < len(parts) and parts[f[k]] else None  # noqa: E731
            if get("Allele") not in (allele, alt):
                continue
            gene = index.scope_symbol(get("SYMBOL") or "")
            if not gene:
                continue
            preferred = bool(get("MANE_SELECT") or get("MANE")) or get("CANONICAL") == "YES"
            out.append(_Consequence(gene, get("Feature"), _strip_tx(get("HGVSc")), get("HGVSp"), preferred, "VEP CSQ"))
    if header.ann_fields and (raw := rec.INFO.get("ANN")):
        for entry in str(raw).split(","):
            parts = [p.strip() for p in entry.split("|")]
            if len(parts) < 11 or parts[0] != alt:
                continue
            gene = index.scope_symbol(parts[3])
            if gene:
                out.append(_Consequence(gene, parts[6] or None, parts[9] or None, parts[10] or None, False, "snpEff ANN"))
    if header.bcsq_fields and (raw := rec.INFO.get("BCSQ")):
        f = {name.lower(): i for i, name in enumerate(header.bcsq_fields)}
        for entry in str(raw).split(","):
            parts = entry.split("|")
            if entry.startswith("@") or len(parts) < len(f):
                continue  # "@pos": the consequence is reported at another record of the same haplotype
            gene = index.scope_symbol(parts[f.get("gene", 1)])
            change = _bcsq_protein(parts[f.get("amino_acid_change", 5)])
            if gene:
                out.append(_Consequence(gene, parts[f.get("transcript", 2)] or None, None, change, False, "bcftools csq BCSQ"))
    return out


_BCSQ_AA = re.compile(r"^(\d+)([A-Z*])>(\d+)([A-Z*])$")


def _bcsq_protein(change: str) -> str | None:
    """bcftools csq writes amino-acid changes as '12G>12D'; only single-residue changes are named here."""
    m = _BCSQ_AA.match(change.strip())
    if not m or m.group(1) != m.group(3):
        return None
    return f"p.{m.group(2)}{m.group(1)}{'=' if m.group(2) == m.group(4) else m.group(4)}"


def _strip_tx(hgvsc: str | None) -> str | None:
    return hgvsc.rsplit(":", 1)[1] if hgvsc and ":" in hgvsc else hgvsc


def _pick(consequences: list[_Consequence], index: KbIndex) -> _Consequence | None:
    if not consequences:
        return None
    for c in consequences:
        if c.preferred:
            return c
    for c in consequences:
        kb_tx = (index.genes[c.gene].transcript or "").split(".")[0]
        if c.transcript and c.transcript.split(".")[0] == kb_tx:
            return c
    return consequences[0]


def read_vcf(path: str | Path, header: VcfHeader, index: KbIndex, options: VcfOptions) -> ReadResult:
    """Read one VCF; records in knowledgebase genes become alterations, the rest are counted.

    Only records in knowledgebase gene windows are parsed (see :mod:`annotator.readers.vcf_scan`).
    """
    path = Path(path)
    tumor = choose_tumor_sample(header, options.tumor_sample)
    t = header.samples.index(tumor) if tumor is not None else None
    rule = choose_vaf_rule(header, tumor)
    counts = dict(records_read=0, passed_filters=0, filtered=0, outside_knowledgebase_genes=0, skipped=0, filter_not_checked=0)
    alterations: list[Alteration] = []
    warnings: list[str] = []
    windows = vcf_scan.Windows(index.contig_windows())
    indexed = vcf_scan.index_path(path) is not None
    with capture_htslib_messages() as htslib_messages:
        outside = _read_indexed(path, windows, options, index, header, rule, t, counts, alterations, warnings) if indexed else None
        if outside is None:  # no index, or one that does not match the file
            indexed = False
            outside = _read_streamed(path, header, windows, options, index, rule, t, counts, alterations, warnings)
    counts["records_read"] += outside.read
    counts["filtered"] += outside.filtered
    if outside.unclassified:
        counts["filter_not_checked"] = outside.read
        counts["outside_knowledgebase_genes"] += outside.read
    else:
        counts["passed_filters"] += outside.read - outside.filtered
        counts["outside_knowledgebase_genes"] += outside.outside
    warnings += _summarize_htslib(htslib_messages)
    mode = "indexed, by region" if indexed else "streamed"
    return ReadResult(
        input=InputFile(role="vcf", file=path.name, sha256=file_sha256(path), format=f"VCF ({header.caller}; {mode})",
                        vaf_rule=rule.name, tumor_sample=tumor),
        alterations=tuple(alterations),
        counts=Counts(**counts),
        warnings=tuple(warnings),
        sample_name=tumor,
    )


def _consume(rec, path, header, index, options, rule, t, counts, alterations, warnings) -> None:
    counts["records_read"] += 1
    filt = rec.FILTER
    if filt is not None:
        counts["filtered"] += 1
        if not options.include_filtered:
            return
    else:
        counts["passed_filters"] += 1
    genes = index.genes_at(rec.CHROM, rec.start, rec.end)
    if not genes:
        counts["outside_knowledgebase_genes"] += 1
        return
    alterations += _record_alterations(rec, path, header, index, genes, rule, t, filt, counts, warnings, options.reference)


def _read_streamed(path, header, windows, options, index, rule, t, counts, alterations, warnings) -> vcf_scan.OutsideCounts:
    import cyvcf2  # imported here: only VCF inputs need it

    kept_path, kept_lines, outside = vcf_scan.prefilter(path, header.header_lines, windows, options.include_filtered)
    done = 0
    try:
        vcf = cyvcf2.VCF(str(kept_path), lazy=True)
        try:
            for rec in vcf:
                _consume(rec, path, header, index, options, rule, t, counts, alterations, warnings)
                done += 1
        finally:
            vcf.close()
    except RecordProblem as problem:
        raise InputError(str(problem), path, kept_lines[done]) from None
    except InputError:
        raise
    except Exception as exc:  # htslib refused a record: name its line in the user's file
        line = kept_lines[done] if done < len(kept_lines) else None
        raise InputError(_diagnose(path, line, exc) if line else f"cannot read VCF ({exc})", path, line) from None
    finally:
        kept_path.unlink(missing_ok=True)
    return outside


def _query(vcf, region: str):
    """Records in ``region``; a contig the index has no records for yields nothing (cyvcf2 raises)."""
    try:
        yield from vcf(region)
    except Exception as exc:
        if "no intervals found" not in str(exc):
            raise


def _read_indexed(path, windows, options, index, header, rule, t, counts, alterations, warnings) -> vcf_scan.OutsideCounts | None:
    import cyvcf2

    seen: set[tuple] = set()
    last = "the first record"
    try:
        vcf = cyvcf2.VCF(str(path), lazy=True)
        try:
            if not vcf_scan.index_matches(vcf, path, header.header_lines):
                warnings.append(f"{path.name}: its index does not match the file (stale or copied?); the file was read in full instead")
                return None
            total = vcf.num_records
            for region in vcf_scan.region_strings(windows, list(vcf.seqnames)):
                for rec in _query(vcf, region):
                    key = (rec.CHROM, rec.POS, rec.REF, tuple(rec.ALT))
                    if key in seen:  # a record overlapping two windows is returned twice
                        continue
                    seen.add(key)
                    last = f"{rec.CHROM}:{rec.POS}"
                    _consume(rec, path, header, index, options, rule, t, counts, alterations, warnings)
        finally:
            vcf.close()
    except RecordProblem as problem:
        raise InputError(f"record {last}: {problem}", path) from None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"record after {last} could not be parsed ({' '.join(str(exc).split())[:160]})", path) from None
    return vcf_scan.OutsideCounts(read=max(0, total - counts["records_read"]), unclassified=True)


def _record_alterations(rec, path, header, index, genes, rule, t, filt, counts, warnings, reference=None) -> list[Alteration]:
    out = []
    ref = rec.REF
    alts = list(rec.ALT)
    usable = [a for a in alts if a not in (".", "*", "") and not a.startswith("<") and "[" not in a and "]" not in a]
    if not usable:
        counts["skipped"] += 1
        return out
    problem = check_value_counts(rec, header, t) or (reference.ref_problem(rec.CHROM, rec.POS, ref) if reference else None)
    if problem:
        raise RecordProblem(problem)
    for alt_i, alt in enumerate(alts):
        if alt not in usable:
            continue
        vaf, depth = _vaf_depth(rec, rule, t, alt_i, len(header.samples))
        if t is not None and vaf is None and depth is None and _no_call(rec, t):
            counts["skipped"] += 1  # './.' with no read counts: the caller made no call here
            continue
        if t is not None and (vaf == 0 or _hom_ref(rec, t)):
            counts["skipped"] += 1  # the tumor column does not carry this allele (0 alt reads, or 0/0)
            continue
        consequences = _consequences(rec, header, ref, alt, alts, index)
        chosen = _pick(consequences, index)
        gene = chosen.gene if chosen else genes[0]
        hgvsp = short_hgvsp(chosen.hgvsp) if chosen else None
        protein_source = chosen.source if hgvsp else None
        notes: list[str] = []
        codon_hgvsp = codon_protein(index, rec.CHROM, rec.POS, ref, alt)
        if codon_hgvsp and hgvsp and codon_hgvsp != hgvsp:
            notes.append(f"annotation says {hgvsp}; knowledgebase codon table says {codon_hgvsp}")
        if codon_hgvsp and not hgvsp:
            hgvsp, protein_source = codon_hgvsp, "knowledgebase codon table"
        out.append(
            Alteration(
                gene=gene,
                type=variant_type(ref, alt),
                source=path.name,
                chrom=rec.CHROM,
                pos=rec.POS,
                ref=ref,
                alt=alt,
                hgvsp=hgvsp,
                hgvsc=chosen.hgvsc if chosen else None,
                transcript=chosen.transcript if chosen else None,
                protein_source=protein_source,
                left_aligned=_left_aligned(reference, rec.CHROM, rec.POS, ref, alt),
                vaf=vaf,
                depth=depth,
                filter=filt or "PASS",
                notes=tuple(notes),
            )
        )
    return out


@contextmanager
def capture_htslib_messages():
    """Collect what htslib prints on file descriptor 2, so that it reaches the report, not the terminal.

    htslib writes straight to fd 2, beneath Python's sys.stderr; the list is filled on exit.
    """
    messages: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            yield messages
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            messages += sink.read().decode("utf-8", "replace").splitlines()


def _summarize_htslib(messages: list[str]) -> list[str]:
    """htslib's complaints grouped by kind ("Contig '1' ..." and "Contig '2' ..." are one kind)."""
    groups: dict[str, list[str]] = {}
    for m in messages:
        if m.startswith("[W::") or m.startswith("[E::"):
            text = m.split("] ", 1)[-1].split(" (Quick workaround")[0].strip()
            kind = re.sub(r"'[^']*'|\bat \S+:\d+", "_", text)
            groups.setdefault(kind, []).append(text)
    out = []
    for texts in groups.values():
        more = len(texts) - 1
        out.append(f"htslib: {texts[0]}" + (f" (and {more} similar)" if more else ""))
    return out


def _genotype(rec, t: int):
    """The tumor column's genotype [allele, ..., phased], or None when the file has no usable GT (Strelka2)."""
    if "GT" not in (rec.FORMAT or []):
        return None
    try:
        genotypes = rec.genotypes
    except Exception:  # cyvcf2 raises on GT-less or malformed genotype fields
        return None
    return genotypes[t] if genotypes else None


def _hom_ref(rec, t: int) -> bool:
    genotype = _genotype(rec, t)
    alleles = [a for a in (genotype[:-1] if genotype else []) if a is not None and a >= 0]
    return bool(alleles) and all(a == 0 for a in alleles)


def _no_call(rec, t: int) -> bool:
    genotype = _genotype(rec, t)
    return genotype is None or all(allele is None or allele < 0 for allele in genotype[:-1])


def codon_protein(index: KbIndex, chrom: str, pos: int, ref: str, alt: str) -> str | None:
    """Protein change of a substitution inside a knowledgebase codon, from the codon table."""
    tpos, tref, talt = trim_alleles(pos, plain_allele(ref), plain_allele(alt))
    if not tref or len(tref) != len(talt):
        return None
    site = index.codon_at(chrom, tpos)
    if site is None:
        return None
    return translate_codon_change(site.start, site.ref_codon, site.gene.strand, site.number, tpos, tref, talt)


def _diagnose(path: Path, line_no: int, exc: Exception) -> str:
    """Say what is wrong with the record htslib refused, by looking at that line ourselves."""
    try:
        handle, _ = _open_text(path)
        with handle:
            for n, text in enumerate(handle, start=1):
                if n == line_no:
                    cols = text.rstrip("\r\n").split("\t")
                    if len(cols) < 8:
                        return f"record has {len(cols)} tab-separated columns; a VCF record needs at least 8"
                    if not cols[1].isdigit():
                        return f"POS {cols[1]!r} is not a positive integer"
                    return f"record could not be parsed ({' '.join(str(exc).split())[:160]})"
    except (OSError, EOFError, UnicodeDecodeError):
        pass
    return f"record could not be parsed ({' '.join(str(exc).split())[:160]})"


def is_generic_sample_name(name: str | None) -> bool:
    return not name or name.strip().lower() in GENERIC_SAMPLE_NAMES

