"""VAF and depth rules: one entry of ``VAF_RULES`` per way a caller writes the tumor VAF.

Each entry says when it applies (the FORMAT/INFO ids the header must declare, and whether it needs a
tumor column) and carries its own extractor, so supporting another caller's VAF field is one entry
here (in the right place: the first rule the header supports wins) plus a fixture. The README's
"VAF and depth" table lists the rules in this order.

Depth, whatever the rule: the extractor's own depth (INFO/TDP), else FORMAT/DP of the tumor column,
else the sum of its AD (unless the rule's AD is the alt count only, as VarScan2 writes it); INFO/DP
only for files with at most one sample (in a tumor/normal file INFO/DP sums both). INFO/AF is read
as a VAF only in files without sample columns: GATK and bcftools write a genotype frequency there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from annotator.readers.vcf.cells import (
    Cells,
    Record,
    TumorCells,
    fraction,
    info_num,
    info_values,
    per_allele,
)
from annotator.readers.vcf.header import VcfHeader


@dataclass(frozen=True)
class Allele:
    """One ALT allele of one record, as an extractor sees it."""

    rec: Record
    tumor: TumorCells | None  # the tumor column (rules with ``samples="tumor"`` always have one)
    alt_i: int
    n_alt: int
    ad_vaf: float | None  # alt / (ref + all alts) of the tumor AD, when every count is there

    def format_cells(self, key: str) -> Cells | None:
        return self.tumor(key) if self.tumor is not None else None

    def format_first(self, key: str) -> float | None:
        return self.tumor.first(key) if self.tumor is not None else None


class Reading(NamedTuple):
    """What an extractor found: the VAF, a depth when the rule has its own, a note when it fell short."""

    vaf: float | None = None
    depth: float | None = None
    note: str | None = None


Extractor = Callable[[Allele], Reading]
SampleNeed = Literal["tumor", "any", "none"]


@dataclass(frozen=True)
class VafRule:
    """How one caller's file says the tumor VAF (and maybe depth), and when a header calls for it."""

    name: str  # recorded in the JSON (inputs[].vaf_rule)
    callers: str
    extract: Extractor
    format_ids: tuple[str, ...] = ()  # FORMAT ids the header must declare
    info_ids: tuple[str, ...] = ()  # INFO ids the header must declare
    # "tumor": needs a tumor column; "any": with or without; "none": only in files without sample columns
    samples: SampleNeed = "tumor"
    ad_is_alt_count: bool = False  # the caller's AD is the alt count only (VarScan2): not summed as depth

    def applies(self, header: VcfHeader, has_tumor: bool) -> bool:
        if self.samples == "tumor" and not has_tumor:
            return False
        if self.samples == "none" and header.samples:
            return False
        return all(f in header.format for f in self.format_ids) and all(i in header.info for i in self.info_ids)


def format_fraction(key: str) -> Extractor:
    """A per-allele fraction in the tumor column (FORMAT/AF); one value for several ALTs falls back to AD."""

    def extract(a: Allele) -> Reading:
        vaf, event_level = per_allele(a.format_cells(key), a.alt_i, a.n_alt)
        if not event_level:
            return Reading(vaf)
        how = "VAF computed from AD" if a.ad_vaf is not None else "per-allele VAF unavailable"
        return Reading(a.ad_vaf, note=f"FORMAT/{key} holds one value for {a.n_alt} ALT alleles; {how}")

    return extract


def info_fraction(key: str, depth_key: str | None = None) -> Extractor:
    """A per-allele fraction in INFO (one sample, or none), with the depth in ``depth_key`` when given."""

    def extract(a: Allele) -> Reading:
        vaf, event_level = per_allele(info_values(a.rec, key), a.alt_i, a.n_alt)
        note = f"INFO/{key} holds one value for {a.n_alt} ALT alleles; per-allele VAF unavailable" if event_level else None
        return Reading(vaf, info_num(a.rec, depth_key) if depth_key else None, note)

    return extract


def strelka_snv(a: Allele) -> Reading:
    """Tier-1 count of the ALT base over the sum of tier-1 AU, CU, GU, TU."""
    tier1 = {b: a.format_first(f"{b}U") for b in "ACGT"}
    total = sum(v for v in tier1.values() if v is not None)
    return Reading(fraction(tier1.get(a.rec.ALT[a.alt_i].upper()), total))


def strelka_indel(a: Allele) -> Reading:
    """Tier-1 TIR / (TAR + TIR)."""
    tar, tir = a.format_first("TAR"), a.format_first("TIR")
    return Reading(fraction(tir, (tar or 0) + (tir or 0)) if tir is not None else None)


def freebayes(a: Allele) -> Reading:
    """AO of the allele / (RO + all AO)."""
    ao, ro = a.format_cells("AO") or [], a.format_first("RO")
    alt_count = ao[a.alt_i] if a.alt_i < len(ao) else None
    return Reading(fraction(alt_count, (ro or 0) + sum(x for x in ao if x is not None)) if alt_count is not None else None)


def allele_depths(a: Allele) -> Reading:
    return Reading(a.ad_vaf)  # a missing count (".,21") leaves the VAF unknown, not 100%


# First match wins: specific fields before AD, INFO/AF (files without samples) last.
VAF_RULES: tuple[VafRule, ...] = (
    VafRule("FORMAT/AF", "Mutect2, VarDict, SAGE", format_fraction("AF"), format_ids=("AF",)),
    VafRule("FORMAT/VF", "Illumina Pisces / TSO500", format_fraction("VF"), format_ids=("VF",)),
    VafRule("FORMAT/FREQ", "VarScan2 (percent string)", format_fraction("FREQ"), format_ids=("FREQ",), ad_is_alt_count=True),
    VafRule("Strelka2 SNV tier1 counts", "Strelka2 somatic SNVs", strelka_snv, format_ids=("AU", "CU", "GU", "TU")),
    VafRule("Strelka2 indel tier1 TIR/(TAR+TIR)", "Strelka2 somatic indels", strelka_indel, format_ids=("TAR", "TIR")),
    VafRule("FORMAT/AO,RO", "FreeBayes", freebayes, format_ids=("AO", "RO")),
    VafRule("INFO/TVAF", "PCGR-style tags", info_fraction("TVAF", "TDP"), info_ids=("TVAF",), samples="any"),
    VafRule("FORMAT/AD", "bcftools and others", allele_depths, format_ids=("AD",)),
    VafRule("INFO/AF", "LoFreq (no sample columns)", info_fraction("AF"), info_ids=("AF",), samples="none"),
)
NO_RULE = VafRule("none", "no VAF field: reported as not available", lambda a: Reading())


def choose_vaf_rule(header: VcfHeader, tumor: str | None) -> VafRule:
    """The first rule of VAF_RULES the header supports."""
    return next((r for r in VAF_RULES if r.applies(header, tumor is not None)), NO_RULE)


class VafDepth(NamedTuple):
    """The VAF (0-1, 6 decimals) and depth of one ALT of the tumor column, and why the VAF fell short."""

    vaf: float | None
    depth: int | None
    note: str | None


def vaf_depth(rec: Record, rule: VafRule, tumor: TumorCells | None, alt_i: int, n_samples: int) -> VafDepth:
    """VAF and depth of one ALT of the tumor column by the file's rule (see the module doc for depth)."""
    n_alt = len(rec.ALT)
    ad = tumor("AD") if tumor is not None else None
    vaf, depth, note = rule.extract(Allele(rec, tumor, alt_i, n_alt, _ad_vaf(ad, alt_i, n_alt)))
    if depth is None and tumor is not None:
        depth = _tumor_depth(rule, tumor, ad)
    if depth is None and n_samples <= 1:
        depth = info_num(rec, "DP")
    if vaf is not None and not 0 <= vaf <= 1:
        vaf = None
    return VafDepth(round(vaf, 6) if vaf is not None else None, int(depth) if depth is not None else None, note)


def _ad_vaf(ad: Cells | None, alt_i: int, n_alt: int) -> float | None:
    """alt / (ref + all alts) of the tumor AD; None unless it has every count of the record's alleles."""
    if ad is None or len(ad) != n_alt + 1:
        return None
    counts = [x for x in ad if x is not None]
    return fraction(counts[alt_i + 1], sum(counts)) if len(counts) == len(ad) else None


def _tumor_depth(rule: VafRule, tumor: TumorCells, ad: Cells | None) -> float | None:
    """FORMAT/DP of the tumor column, else the sum of its AD."""
    dp = tumor("DP")
    if dp and dp[0] is not None:
        return dp[0]
    if ad is not None and not rule.ad_is_alt_count:
        known = [x for x in ad if x is not None]
        return sum(known) if known else None
    return None


def alt_reads(rec: Record, rule: VafRule, tumor: TumorCells, alt_i: int, reading: VafDepth) -> int | None:
    """Reads supporting ALT ``alt_i`` in the tumor column: AD, else AO, else VAF x depth."""
    ad = tumor("AD")
    from_ad = ad[alt_i + 1] if ad is not None and not rule.ad_is_alt_count and len(ad) == len(rec.ALT) + 1 else None
    if from_ad is not None:
        return int(from_ad)
    ao = tumor("AO")
    from_ao = ao[alt_i] if ao is not None and alt_i < len(ao) else None
    if from_ao is not None:
        return int(from_ao)
    if reading.vaf is not None and reading.depth:
        return round(reading.vaf * reading.depth)
    return None
