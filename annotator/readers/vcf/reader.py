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

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from annotator.config import CallThresholds
from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.models import Counts, InputFile, ReadResult, SmallVariant
from annotator.normalize import plain_allele, short_hgvsp, translate_codon_change, trim_alleles, variant_type
from annotator.genome import is_primary_chromosome
from annotator.readers import vcf_scan
from annotator.readers.vcf.header import VcfHeader
from annotator.readers.htslib import HtslibMessages, capture_htslib_messages
from annotator.readers.htslib import summarize as summarize_htslib
from annotator.readers.common import NON_CODING_REASON, file_sha256, non_coding

GENERIC_SAMPLE_NAMES = {"tumor", "tumour", "sample", "sample1", "normal", "none", "unknown", "plasma"}
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
    calls: CallThresholds = field(default_factory=CallThresholds)
    # Whether the knowledgebase names an alteration (the pipeline passes matching's answer in: readers do not
    # import matching). When given, variants the annotation calls non-coding on every transcript are counted,
    # not returned, unless this says the knowledgebase names them (MET exon 14 splice-site and intronic
    # deletions are "intron_variant" to VEP). None: every variant is returned.
    known: Callable[[SmallVariant], bool] | None = None


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


def _info_values(rec, key: str) -> list | None:
    value = rec.INFO.get(key)
    if value is None:
        return None
    return [_num(v) for v in value] if isinstance(value, tuple) else [_num(value)]


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


def _per_allele(values: list | None, alt_i: int, n_alt: int) -> tuple[float | None, bool]:
    """The value for ALT ``alt_i`` of a per-allele field, and whether the field was event-level
    (one value for several ALTs, e.g. FORMAT/AF declared Number=1): then no allele gets it."""
    if not values:
        return None, False
    if len(values) >= n_alt:
        return values[alt_i], False
    if n_alt == 1:
        return values[0], False
    return None, True


def _vaf_depth(rec, rule: VafRule, t: int | None, alt_i: int, n_samples: int) -> tuple[float | None, int | None, str | None]:
    """VAF and depth of one ALT of the tumor column by the file's rule, and a note when the rule's field
    could not give a per-allele value (the VAF then comes from AD, or is unavailable)."""
    vaf = depth = None
    note = None
    name = rule.name
    n_alt = len(rec.ALT)
    ad = _cells(rec, "AD", t) if t is not None else None
    ad_vaf = _fraction(ad[alt_i + 1], sum(ad)) if ad is not None and len(ad) == n_alt + 1 and None not in ad else None
    if name in ("FORMAT/AF", "FORMAT/VF", "FORMAT/FREQ"):
        key = name.split("/")[1]
        vaf, event_level = _per_allele(_cells(rec, key, t), alt_i, n_alt)
        if event_level:
            vaf = ad_vaf
            note = (f"FORMAT/{key} holds one value for {n_alt} ALT alleles; "
                    + ("VAF computed from AD" if vaf is not None else "per-allele VAF unavailable"))
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
        vaf, event_level = _per_allele(_info_values(rec, "TVAF"), alt_i, n_alt)
        if event_level:
            note = f"INFO/TVAF holds one value for {n_alt} ALT alleles; per-allele VAF unavailable"
        depth = _info_num(rec, "TDP")
    elif name == "FORMAT/AD":
        vaf = ad_vaf  # a missing count (".,21") leaves the VAF unknown, not 100%
    elif name == "INFO/AF":
        vaf, event_level = _per_allele(_info_values(rec, "AF"), alt_i, n_alt)
        if event_level:
            note = f"INFO/AF holds one value for {n_alt} ALT alleles; per-allele VAF unavailable"
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
    return (round(vaf, 6) if vaf is not None else None), (int(depth) if depth is not None else None), note


def _alt_reads(rec, rule: VafRule, t: int, alt_i: int, vaf: float | None, depth: int | None) -> int | None:
    """Reads supporting ALT ``alt_i`` in the tumor column: AD, else AO, else VAF x depth."""
    ad = _cells(rec, "AD", t)
    if ad is not None and rule.name != "FORMAT/FREQ" and len(ad) == len(rec.ALT) + 1 and ad[alt_i + 1] is not None:
        return int(ad[alt_i + 1])
    ao = _cells(rec, "AO", t)
    if ao is not None and alt_i < len(ao) and ao[alt_i] is not None:
        return int(ao[alt_i])
    if vaf is not None and depth:
        return round(vaf * depth)
    return None


@dataclass(frozen=True)
class _Consequence:
    gene: str
    transcript: str | None
    hgvsc: str | None
    hgvsp: str | None
    preferred: bool
    source: str = ""
    terms: tuple[str, ...] = ()  # consequence terms (VEP Consequence, snpEff effect, bcftools csq), as written


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
            out.append(_Consequence(gene, get("Feature"), _strip_tx(get("HGVSc")), get("HGVSp"), preferred, "VEP CSQ",
                                    tuple((get("Consequence") or "").split("&"))))
    if header.ann_fields and (raw := rec.INFO.get("ANN")):
        for entry in str(raw).split(","):
            parts = [p.strip() for p in entry.split("|")]
            if len(parts) < 11 or parts[0] != alt:
                continue
            gene = index.scope_symbol(parts[3])
            if gene:
                out.append(_Consequence(gene, parts[6] or None, parts[9] or None, parts[10] or None, False, "snpEff ANN",
                                        tuple(parts[1].split("&"))))
    if header.bcsq_fields and (raw := rec.INFO.get("BCSQ")):
        f = {name.lower(): i for i, name in enumerate(header.bcsq_fields)}
        for entry in str(raw).split(","):
            parts = entry.split("|")
            if entry.startswith("@") or len(parts) < len(f):
                continue  # "@pos": the consequence is reported at another record of the same haplotype
            gene = index.scope_symbol(parts[f.get("gene", 1)])
            change = _bcsq_protein(parts[f.get("amino_acid_change", 5)])
            if gene:
                out.append(_Consequence(gene, parts[f.get("transcript", 2)] or None, None, change, False, "bcftools csq BCSQ",
                                        tuple(parts[f.get("consequence", 0)].split("&"))))
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


_BASES = re.compile(r"^[ACGTacgt]+$")


@dataclass
class Tally:
    """Where each record of one file went; becomes :class:`Counts` (the same on every reading path)."""

    read: int = 0
    outside: int = 0  # outside knowledgebase genes; FILTER not read
    passed: int = 0
    filtered: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> first record it skipped
    contigs: set[str] = field(default_factory=set)  # contig names the records use

    def skip(self, reason: str, where: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.examples.setdefault(reason, where)

    def counts(self) -> Counts:
        return Counts(records_read=self.read, passed_filters=self.passed, filtered=self.filtered,
                      outside_knowledgebase_genes=self.outside, filter_not_checked=self.outside,
                      skipped=sum(self.skipped.values()), skipped_reasons=dict(sorted(self.skipped.items())))


@dataclass
class _Run:
    """One file's reading: the fixed context and what it produced."""

    path: Path
    header: VcfHeader
    index: KbIndex
    options: VcfOptions
    rule: VafRule
    t: int | None
    tally: Tally = field(default_factory=Tally)
    alterations: list[SmallVariant] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    htslib: HtslibMessages | None = None  # what htslib has said so far while reading

    def why(self, exc: Exception) -> str:
        """htslib's own last error when it gave one (clearer than cyvcf2's exception), else the exception."""
        said = [m.split("] ", 1)[-1] for m in (self.htslib() if self.htslib is not None else []) if m.startswith("[E::")]
        return said[-1][:160] if said else _short(exc)


def read_vcf(path: str | Path, header: VcfHeader, index: KbIndex, options: VcfOptions) -> ReadResult:
    """Read one VCF or BCF; records in knowledgebase genes become alterations, the rest are counted.

    Only records in knowledgebase gene windows are parsed (see :mod:`annotator.readers.vcf_scan`):
    by index when the file has a valid one, else streamed (text files through a line pre-filter).
    """
    path = Path(path)
    tumor = choose_tumor_sample(header, options.tumor_sample)
    t = header.samples.index(tumor) if tumor is not None else None
    run = _Run(path, header, index, options, choose_vaf_rule(header, tumor), t)
    windows = vcf_scan.Windows(index.contig_windows())
    indexed = vcf_scan.index_path(path) is not None and not header.bom
    with capture_htslib_messages() as htslib_messages:
        run.htslib = htslib_messages
        if indexed:
            indexed = _read_indexed(run, windows)
            if not indexed:  # an index that does not match the file: start again, streaming
                run.tally, run.alterations = Tally(), []
        if not indexed:
            if header.kind == "bcf":
                _read_bcf_streamed(run, windows)
            else:
                _read_text_streamed(run, windows)
    run.warnings += _skip_warnings(run.tally) + _contig_warning(run) + summarize_htslib(header.htslib_messages + htslib_messages)
    mode = "indexed, by region" if indexed else "streamed"
    kind = "BCF" if header.kind == "bcf" else "VCF"
    return ReadResult(
        input=InputFile(role="vcf", file=path.name, sha256=file_sha256(path), format=f"{kind} ({header.caller}; {mode})",
                        vaf_rule=run.rule.name, tumor_sample=tumor),
        alterations=tuple(run.alterations),
        counts=run.tally.counts(),
        warnings=tuple(run.warnings),
        sample_name=tumor,
    )


# Skip reasons that deserve a warning of their own, beyond the count in the methods table.
_WARN_REASONS = ("IUPAC", "REF N", "caller genotype")


def _skip_warnings(tally: Tally) -> list[str]:
    return [f"{n} allele(s) in knowledgebase genes not used: {reason} (first: {tally.examples[reason]})"
            for reason, n in sorted(tally.skipped.items()) if reason.startswith(_WARN_REASONS)]


def _contig_warning(run: _Run) -> list[str]:
    """Say so when nothing in the file lies on a chromosome this tool recognises (e.g. unknown contig names)."""
    names = set(run.header.contig_names) | run.tally.contigs
    if not run.tally.read or any(is_primary_chromosome(n) for n in names):
        return []
    shown = ", ".join(sorted(names)[:4]) + (" ..." if len(names) > 4 else "")
    return [f"{run.path.name}: no header contig and no record lies on a recognised chromosome (found: {shown}); "
            f"all {run.tally.read} record(s) were counted outside knowledgebase genes"]


def _consume(run: _Run, rec, where: str) -> None:
    """One record inside a knowledgebase gene window (already counted as read)."""
    filt = rec.FILTER
    genes = run.index.genes_at(rec.CHROM, rec.start, rec.end)
    if not genes:
        run.tally.outside += 1
        return
    if filt is not None:
        run.tally.filtered += 1
        if not run.options.include_filtered:
            return
    else:
        run.tally.passed += 1
    run.alterations += _record_alterations(run, rec, genes, filt, where)


def _read_text_streamed(run: _Run, windows: vcf_scan.Windows) -> None:
    import cyvcf2  # imported here: only VCF inputs need it

    path = run.path
    kept_path, kept_lines, outside = vcf_scan.prefilter(path, run.header.header_lines, windows)
    run.tally.read += outside.read
    run.tally.outside += outside.read
    run.tally.contigs |= outside.contigs
    done = 0
    try:
        vcf = cyvcf2.VCF(str(kept_path))
        try:
            for rec in vcf:
                run.tally.read += 1
                run.tally.contigs.add(rec.CHROM)
                _consume(run, rec, f"line {kept_lines[done]}")
                done += 1
        finally:
            vcf.close()
    except RecordProblem as problem:
        raise InputError(str(problem), path, kept_lines[done]) from None
    except InputError:
        raise
    except Exception as exc:  # htslib refused a record: name its line in the user's file
        line = kept_lines[done] if done < len(kept_lines) else None
        raise InputError(_diagnose(path, line, run.why(exc)) if line else f"cannot read VCF ({_short(exc, kept_path, path)})", path, line) from None
    finally:
        kept_path.unlink(missing_ok=True)


def _read_bcf_streamed(run: _Run, windows: vcf_scan.Windows) -> None:
    """A BCF without a usable index: every record decoded by htslib, those outside windows only counted."""
    import cyvcf2

    last = "the first record"
    try:
        vcf = cyvcf2.VCF(str(run.path))
        try:
            for n, rec in enumerate(vcf, start=1):
                run.tally.read += 1
                run.tally.contigs.add(rec.CHROM)
                last = f"record {n} ({rec.CHROM}:{rec.POS})"
                if windows.hits(rec.CHROM, rec.POS, len(rec.REF)):
                    _consume(run, rec, last)
                else:
                    run.tally.outside += 1
        finally:
            vcf.close()
    except RecordProblem as problem:
        raise InputError(f"{last}: {problem}", run.path) from None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"record after {last} could not be decoded ({run.why(exc)})", run.path) from None


def _short(exc: Exception, tmp: Path | None = None, path: Path | None = None) -> str:
    text = " ".join(str(exc).split())[:160]
    return text.replace(str(tmp), path.name) if tmp and path else text


def _query(vcf, region: str):
    """Records in ``region``; a contig the index has no records for yields nothing (cyvcf2 raises)."""
    try:
        yield from vcf(region)
    except Exception as exc:
        if "no intervals found" not in str(exc):
            raise


def _read_indexed(run: _Run, windows: vcf_scan.Windows) -> bool:
    """Read by region through the index; False (nothing read) when the index does not match the file."""
    import cyvcf2

    path = run.path
    last = "the first record"
    try:
        vcf = cyvcf2.VCF(str(path))
        try:
            problem = vcf_scan.index_problem(vcf, path, run.header)
            if problem:
                run.warnings.append(f"{path.name}: {problem}; the file was read in full instead")
                return False
            total = vcf.num_records
            run.tally.contigs |= set(vcf.seqnames)
            previous_end: tuple[str, int] | None = None  # (contig, 0-based end) of the previous window
            for contig, start0, end0 in vcf_scan.regions(windows, list(vcf.seqnames)):
                for rec in _query(vcf, f"{contig}:{start0 + 1}-{end0}"):
                    if previous_end and previous_end[0] == contig and rec.start < previous_end[1]:
                        continue  # it overlapped the previous window too and was read there (not a same-site twin)
                    last = f"{rec.CHROM}:{rec.POS}"
                    run.tally.read += 1
                    _consume(run, rec, f"record {last}")
                previous_end = (contig, end0)
        finally:
            vcf.close()
    except RecordProblem as problem:
        raise InputError(f"record {last}: {problem}", path) from None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"record after {last} could not be parsed ({run.why(exc)})", path) from None
    outside = max(0, total - run.tally.read)
    run.tally.read += outside
    run.tally.outside += outside
    return True


def _unusable_alt(ref: str, alt: str) -> str | None:
    """Why an ALT allele cannot be an alteration, or None when it can."""
    if alt in (".", "*", "") or alt.startswith("<") or "[" in alt or "]" in alt:
        return "no ALT allele, or a symbolic or breakend ALT"
    if "N" in ref.upper():
        return "REF N (unknown reference base)"
    if not _BASES.match(ref):
        return "IUPAC ambiguity code in REF"
    if not _BASES.match(alt):
        return "IUPAC ambiguity code or N in ALT"
    return None


def _record_alterations(run: _Run, rec, genes: list[str], filt, where: str) -> list[SmallVariant]:
    header, index, t, tally, reference = run.header, run.index, run.t, run.tally, run.options.reference
    out: list[SmallVariant] = []
    ref = rec.REF
    alts = list(rec.ALT)
    site = f"{rec.CHROM}:{rec.POS} {ref}>{','.join(alts) or '.'}"
    reasons = {alt: _unusable_alt(ref, alt) for alt in alts}
    if not alts or all(reasons.values()):
        tally.skip(next((r for r in reasons.values() if r), "no ALT allele, or a symbolic or breakend ALT"), site)
        return out
    problem = check_value_counts(rec, header, t) or (reference.ref_problem(rec.CHROM, rec.POS, ref) if reference else None)  # type: ignore[attr-defined]
    if problem:
        raise RecordProblem(problem)
    calls = run.options.calls
    for alt_i, alt in enumerate(alts):
        allele = f"{rec.CHROM}:{rec.POS} {ref}>{alt}"
        if reasons[alt]:
            if not reasons[alt].startswith("no ALT"):  # '*' and '.' beside real ALTs are not findings to count
                tally.skip(reasons[alt], allele)
            continue
        vaf, depth, vaf_note = _vaf_depth(rec, run.rule, t, alt_i, len(header.samples))
        notes: list[str] = [vaf_note] if vaf_note else []
        if t is not None:
            if vaf is None and depth is None and _no_call(rec, t, run.header):
                tally.skip("no-call in the tumor column ('./.', no read counts)", allele)
                continue
            if vaf == 0:
                tally.skip("no alt reads in the tumor column", allele)
                continue
            called = _called(rec, t, run.header)
            if called is not None and alt_i + 1 not in called.alleles:  # 0/0, or 0/2 for ALT 1
                reads = _alt_reads(rec, run.rule, t, alt_i, vaf, depth)
                if reads is None:
                    tally.skip("caller genotype without this allele (e.g. 0/0) and no read counts", allele)
                    continue
                if reads < calls.genotype_zero_min_alt_reads or vaf is None or vaf < calls.genotype_zero_min_vaf:
                    tally.skip(f"caller genotype without this allele (e.g. 0/0) and fewer than {calls.genotype_zero_min_alt_reads}"
                               f" alt reads or VAF below {calls.genotype_zero_min_vaf:.1%}", allele)
                    continue
                notes.append(f"caller genotype {called.text}, {reads} alt reads")
        consequences = _consequences(rec, header, ref, alt, alts, index)
        chosen = _pick(consequences, index)
        gene = chosen.gene if chosen else genes[0]
        hgvsp = short_hgvsp(chosen.hgvsp) if chosen else None
        protein_source = chosen.source if hgvsp else None
        codon_hgvsp = codon_protein(index, rec.CHROM, rec.POS, ref, alt)
        if codon_hgvsp and hgvsp and codon_hgvsp != hgvsp:
            notes.append(f"annotation says {hgvsp}; knowledgebase codon table says {codon_hgvsp}")
        if codon_hgvsp and not hgvsp:
            hgvsp, protein_source = codon_hgvsp, "knowledgebase codon table"
        alteration = SmallVariant(
            gene=gene,
            type=variant_type(ref, alt),
            source=run.path.name,
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
        if _unlisted_non_coding(run.options, consequences, alteration):
            tally.skip(NON_CODING_REASON, allele)
            continue
        out.append(alteration)
    return out


def _unlisted_non_coding(options: VcfOptions, consequences: list[_Consequence], alteration: SmallVariant) -> bool:
    """Whether a variant is left out of the report rows: its annotation says non-coding on every transcript of
    the knowledgebase genes, and the knowledgebase does not name it.

    Unannotated variants are kept. The knowledgebase's exon tables cannot stand in for an annotation: they
    list only the exons its entries name (EGFR 18-21, MET 14), so a variant outside them may still be
    coding (EGFR exon 7), and every gene is kept whole."""
    if options.known is None or not consequences:
        return False
    return non_coding(t for c in consequences for t in c.terms) and not options.known(alteration)


def _genotype(rec, header: VcfHeader, t: int):
    """The tumor column's genotype [allele, ..., phased], or None when the file has no usable GT (Strelka2).

    Never reads ``rec.FORMAT``: on some records cyvcf2 crashes the process (segmentation fault) there.
    """
    if "GT" not in header.format:
        return None
    try:
        genotypes = rec.genotypes
    except Exception:  # cyvcf2 raises on GT-less or malformed genotype fields
        return None
    return genotypes[t] if genotypes and t < len(genotypes) else None


@dataclass(frozen=True)
class _Called:
    alleles: frozenset[int]  # allele indexes the tumor genotype calls (0 = REF)
    text: str  # as written: "0/0", "0|2"


def _called(rec, t: int, header: VcfHeader) -> _Called | None:
    """The tumor column's called genotype, or None when there is no GT or it is a no-call."""
    genotype = _genotype(rec, header, t)
    if not genotype:
        return None
    alleles = [a for a in genotype[:-1] if a is not None and a >= 0]
    if not alleles:
        return None
    text = ("|" if genotype[-1] else "/").join("." if a is None or a < 0 else str(a) for a in genotype[:-1])
    return _Called(frozenset(alleles), text)


def _no_call(rec, t: int, header: VcfHeader) -> bool:
    genotype = _genotype(rec, header, t)
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


def _diagnose(path: Path, line_no: int, reason: str) -> str:
    """Say what is wrong with the record htslib refused, by looking at that line ourselves."""
    text = vcf_scan.line_at(path, line_no)
    if text is not None:
        cols = text.rstrip("\r\n").split("\t")
        if len(cols) < 8:
            return f"record has {len(cols)} tab-separated columns; a VCF record needs at least 8"
        if not cols[1].isdigit():
            return f"POS {cols[1]!r} is not a positive integer"
    return f"record could not be parsed ({reason})"


def is_generic_sample_name(name: str | None) -> bool:
    return not name or name.strip().lower() in GENERIC_SAMPLE_NAMES

