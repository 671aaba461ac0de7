"""Domain model: what the readers produce. Frozen, typed, no I/O.

Coordinates: ``pos`` is the 1-based position exactly as written in the input (VCF POS), so a
reader of the JSON finds the record again; intervals used for overlap tests are 0-based half-open
(``start``/``end``) and are computed where needed (see :mod:`annotator.genome`).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from annotator.genome import bare_contig

SmallVariantType = Literal["snv", "mnv", "insertion", "deletion", "delins"]
CopyNumberCallType = Literal["amplification", "copy_loss"]
CnStatus = Literal[
    "amplification", "likely_amplification", "equivocal", "broad_gain", "gain", "neutral", "cannot_exclude", "copy_loss", "loss", "not_assessed",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


class _Observation(_Frozen):
    """What every observation in a knowledgebase gene has. Each kind is a class of its own (a later kind,
    say a methylation call, adds a class to :data:`Observation`, not nullable fields to this one)."""

    gene: str
    source: str  # input file name (no directory)
    filter: str = "PASS"  # the caller's FILTER when not PASS (kept only with --include-filtered)
    notes: tuple[str, ...] = ()

    # Every kind says how it is named in a report and what makes two observations the same one.
    @property
    def label(self) -> str:
        raise NotImplementedError(f"{type(self).__name__} must say its label")

    @property
    def identity(self) -> tuple:
        raise NotImplementedError(f"{type(self).__name__} must say its identity")


class SmallVariant(_Observation):
    """An SNV, MNV or indel, as written in the input (``pos`` is the VCF POS, 1-based)."""

    kind: Literal["small_variant"] = "small_variant"
    type: SmallVariantType
    chrom: str
    pos: int
    ref: str
    alt: str
    hgvsp: str | None = None  # one-letter short form, e.g. "p.G12D"
    hgvsc: str | None = None
    transcript: str | None = None
    protein_source: str | None = None  # "VEP CSQ", "snpEff ANN", "knowledgebase codon table"
    left_aligned: tuple[int, str, str] | None = None  # (pos, ref, alt) after --reference left-alignment, when it differs
    vaf: float | None = None
    depth: int | None = None

    @property
    def label(self) -> str:
        if self.hgvsp:
            return f"{self.gene} {self.hgvsp.removeprefix('p.')}"
        return f"{self.gene} {self.chrom}:{self.pos} {self.ref}>{self.alt}"

    @property
    def identity(self) -> tuple:
        return (self.kind, self.gene, self.chrom, self.pos, self.ref, self.alt)


class ProteinChange(_Observation):
    """A protein change given without genomic coordinates (an OncoKB-style MAF row: gene and HGVSp only)."""

    kind: Literal["protein_change"] = "protein_change"
    type: SmallVariantType
    hgvsp: str  # one-letter short form, e.g. "p.G12D"
    protein_source: str | None = None

    @property
    def label(self) -> str:
        return f"{self.gene} {self.hgvsp.removeprefix('p.')}"

    @property
    def identity(self) -> tuple:
        return (self.kind, self.gene, self.hgvsp)


class CopyNumberCall(_Observation):
    """A gene's amplification or loss, as interpreted from its copy number (see :class:`GeneCopyNumber`)."""

    kind: Literal["copy_number"] = "copy_number"
    type: CopyNumberCallType
    copy_number: float | None = None  # as observed in the input
    adjusted_copy_number: float | None = None  # tumor-adjusted
    adjusted_interval: tuple[float, float] | None = None
    tumor_fraction: float | None = None  # the basis of the adjustment
    status: CnStatus
    focal: bool | None = None
    segment_length: int | None = None

    @property
    def label(self) -> str:
        return f"{self.gene} {'amplification' if self.type == 'amplification' else 'copy loss'}"

    @property
    def identity(self) -> tuple:
        return (self.kind, self.gene, self.type, self.copy_number)


class Fusion(_Observation):
    """A fusion (DNA rearrangement or RNA transcript), filed under its knowledgebase gene (``gene``).
    A same-gene event (``gene5 == gene3``) is an intragenic rearrangement, not a fusion."""

    kind: Literal["fusion"] = "fusion"
    fusion: str  # "GENE5::GENE3"
    gene5: str
    gene3: str
    supporting_reads: int | None = None
    breakpoint5: str | None = None
    breakpoint3: str | None = None
    evidence: Literal["dna", "rna"] | None = None  # DNA-level (SV) or RNA-level (fusion transcript)
    caller: str | None = None  # the tool that called it (Arriba, FusionCatcher, Manta...), when known
    confidence: Literal["low", "medium", "high"] | None = None  # the caller's confidence, mapped onto Arriba's scale
    reading_frame: Literal["in-frame", "out-of-frame", "stop-codon"] | None = None  # as the caller predicted it

    @property
    def intragenic(self) -> bool:
        return self.gene5 == self.gene3

    @property
    def label(self) -> str:
        return f"{self.gene} intragenic rearrangement ({self.fusion})" if self.intragenic else f"{self.fusion} fusion"

    @property
    def identity(self) -> tuple:
        # same-gene junctions are separate events; a fusion is one event whatever its breakpoints
        return (self.kind, self.fusion, self.breakpoint5, self.breakpoint3) if self.intragenic else (self.kind, self.fusion)


Observation = Annotated[SmallVariant | ProteinChange | CopyNumberCall | Fusion, Field(discriminator="kind")]


class GeneCopyNumber(_Frozen):
    """Copy number of one knowledgebase gene: as given in the input, then interpreted.

    ``copy_number`` is the value as observed/given; ``level`` says what it measures: ``plasma``
    (observed in the sample, diluted by normal DNA), ``tumor`` (purity-adjusted by the tool) or
    ``call`` (a discrete call only). The interpretation fields are filled by annotator.copynumber.
    """

    gene: str
    copy_number: float | None
    source: str
    level: Literal["plasma", "tumor", "call"] = "plasma"
    log2: float | None = None
    tool_call: str | None = None  # amp, gain, neutral, loss, del as the tool called it
    segment: str | None = None  # chrom:start-end of the segment the value comes from
    segment_length: int | None = None
    filter: str = "PASS"  # the caller's FILTER when not PASS (kept only with --include-filtered), e.g. "cnvQual"
    # interpretation
    adjusted_copy_number: float | None = None
    adjusted_interval: tuple[float, float] | None = None
    focal: bool | None = None
    status: CnStatus | None = None
    note: str | None = None


class Counts(_Frozen):
    """What one input held and where each record went; the same on every reading path of a file.

    ``passed_filters`` and ``filtered`` classify the records in knowledgebase genes; records outside
    them are counted, their FILTER never read (``filter_not_checked``, equal to
    ``outside_knowledgebase_genes`` for VCFs, whether the file was read by index or streamed), except those
    in panel targets (``--panel-bed``), whose alleles become ``background_variants``.
    """

    records_read: int = 0
    passed_filters: int = 0
    filtered: int = 0
    outside_knowledgebase_genes: int = 0
    skipped: int = 0  # records or alleles not used (no usable allele, no-calls, ...); why: skipped_reasons
    filter_not_checked: int = 0  # records outside knowledgebase genes, whose FILTER was not read
    # alleles of records outside knowledgebase genes but in panel targets (--panel-bed), read as background
    # variants for the tumor-fraction estimate (their records are counted in outside_knowledgebase_genes)
    background_variants: int = 0
    skipped_reasons: dict[str, int] = {}  # reason -> how many records or alleles it skipped

    def __add__(self, other: Counts) -> Counts:
        reasons = dict(self.skipped_reasons)
        for reason, n in other.skipped_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
        numbers = {k: getattr(self, k) + getattr(other, k) for k in type(self).model_fields if k != "skipped_reasons"}
        return Counts(**numbers, skipped_reasons=reasons)


class InputFile(_Frozen):
    # wbc: the matched white-blood-cell VCF (--wbc-vcf); panel: the assay's targets (--panel-bed); coverage: --coverage
    role: Literal["vcf", "maf", "cnv", "fusions", "wbc", "panel", "coverage"]
    file: str  # name only: reports never reveal the submitting machine's folders
    sha256: str
    format: str
    vaf_rule: str | None = None
    tumor_sample: str | None = None
    counts: Counts | None = None


class ReadResult(_Frozen):
    """What reading one input file yields."""

    input: InputFile
    alterations: tuple[Observation, ...]
    copy_numbers: tuple[GeneCopyNumber, ...] = ()
    counts: Counts = Counts()
    warnings: tuple[str, ...] = ()
    sample_name: str | None = None
    genome_build: str | None = None
    # Small variants in panel targets outside every knowledgebase gene (--panel-bed): for the tumor-fraction
    # estimate only, never report rows, never matched.
    background: tuple[SmallVariant, ...] = ()


class WbcCalls(_Frozen):
    """The matched white-blood-cell (buffy coat) calls of a plasma sample (``--wbc-vcf``), read with the plasma's
    VCF reader over the same knowledgebase gene windows: whether a plasma variant is also in the patient's blood
    cells (clonal hematopoiesis, germline). ``input`` is the file's report entry (role ``wbc``), with its counts.

    Alt reads: :class:`SmallVariant` has no alt-read field, so :meth:`alt_reads` derives them from VAF x depth:
    exact when the depth is the sum of the read counts the VAF came from (FORMAT/AD without FORMAT/DP), else
    off by the ratio of FORMAT/DP to the reads counted (usually a few percent).
    """

    variants: tuple[SmallVariant, ...]
    input: InputFile
    sample: str | None = None  # the column read (the file's only one, ##normal_sample, or a normal-like name)
    warnings: tuple[str, ...] = ()  # the reading's warnings, each naming the WBC file

    def find(self, variant: SmallVariant) -> SmallVariant | None:
        """The WBC call of the same allele, or None when the WBC file lacks it. Alleles are compared by position
        and bases, contig names compared bare (``chr7`` = ``7``), and after left-alignment when both were
        left-aligned (``--reference``); not by gene, which two files' annotations may name differently."""
        return self._by_allele.get(allele_key(variant))

    @cached_property
    def _by_allele(self) -> dict[tuple[str, int, str, str], SmallVariant]:
        """One look-up per plasma variant, not a scan of every WBC call (a panel adds thousands)."""
        return {allele_key(w): w for w in reversed(self.variants)}  # reversed: the first call of an allele wins

    @staticmethod
    def alt_reads(variant: SmallVariant) -> int | None:
        """Reads supporting the allele: VAF x depth, or None when either is unknown."""
        if variant.vaf is None or variant.depth is None:
            return None
        return round(variant.vaf * variant.depth)


def allele_key(v: SmallVariant) -> tuple[str, int, str, str]:
    pos, ref, alt = v.left_aligned or (v.pos, v.ref, v.alt)
    return bare_contig(v.chrom), pos, ref, alt


# --- the assay's targets and depth (issue 17) --------------------------------------------------------------

class Region(_Frozen):
    """One interval of a panel BED or a coverage file: 0-based half-open on a bare contig (``7``, not ``chr7``)."""

    chrom: str
    start: int
    end: int
    name: str = ""  # the BED name column (a panel target's name, often its gene), "" when none
    depth: float | None = None  # mean depth over the interval (coverage files)


class _Regions(_Frozen):
    """Regions by bare contig, sorted by start, with an overlap query that is right for nested or overlapping
    regions too (a running maximum of the ends bounds the backward scan)."""

    source: str  # the file's name (no directory)
    by_contig: dict[str, tuple[Region, ...]]
    _starts: dict[str, list[int]] = PrivateAttr(default_factory=dict)
    _reach: dict[str, list[int]] = PrivateAttr(default_factory=dict)  # max end of the regions up to each one

    @field_validator("by_contig")
    @classmethod
    def _sorted(cls, v: dict[str, tuple[Region, ...]]) -> dict[str, tuple[Region, ...]]:
        return {contig: tuple(sorted(regions, key=lambda r: (r.start, r.end))) for contig, regions in v.items()}

    def model_post_init(self, context: object, /) -> None:
        for contig, regions in self.by_contig.items():
            self._starts[contig] = [r.start for r in regions]
            reach, furthest = [], 0
            for r in regions:
                furthest = max(furthest, r.end)
                reach.append(furthest)
            self._reach[contig] = reach

    def overlapping(self, chrom: str, start: int, end: int) -> list[Region]:
        """The regions overlapping the 0-based half-open ``[start, end)`` on ``chrom`` (any naming), in order.
        An empty interval (an insertion point) counts as ``[start, start + 1)``."""
        contig = bare_contig(chrom)
        regions = self.by_contig.get(contig, ())
        if not regions:
            return []
        end = max(end, start + 1)
        starts, reach = self._starts[contig], self._reach[contig]
        found = []
        i = bisect.bisect_left(starts, end) - 1
        while i >= 0 and reach[i] > start:
            if regions[i].end > start:
                found.append(regions[i])
            i -= 1
        return found[::-1]

    def __len__(self) -> int:
        return sum(len(r) for r in self.by_contig.values())


class PanelTargets(_Regions):
    """The assay's targets (``--panel-bed``): where it can see anything at all."""

    def covers(self, chrom: str, start: int, end: int) -> bool:
        """Whether every base of the 0-based half-open interval lies in a target (the union of the targets contains
        it; an empty interval, an insertion point, counts as ``[start, start + 1)``). A target that touches only part
        of a codon does not cover the codon: the other bases were never sequenced."""
        end = max(end, start + 1)
        reached = start
        for r in self.overlapping(chrom, start, end):  # by start
            if r.start > reached:
                return False
            reached = max(reached, r.end)
        return reached >= end

    def targets_overlapping(self, chrom: str, start: int, end: int) -> list[Region]:
        return self.overlapping(chrom, start, end)


class CoverageTable(_Regions):
    """Depth per region (``--coverage``: mosdepth ``regions.bed.gz``, or a per-target table placed on the panel)."""

    def depth_over(self, chrom: str, start: int, end: int) -> float | None:
        """Mean depth over the 0-based half-open interval: the depths of the regions overlapping it, weighted by
        the length of each overlap; None when no region with a depth overlaps it."""
        return weighted_depth(self.overlapping(chrom, start, end), start, max(end, start + 1))

    def min_depth_over(self, chrom: str, start: int, end: int) -> float | None:
        """The lowest depth of any base of the 0-based half-open interval (an insertion point: ``[start, start + 1)``):
        a base no region with a depth covers counts as 0, a base several regions cover has the highest of their
        depths; None when no region with a depth overlaps the interval. A locus is only as readable as its worst base."""
        end = max(end, start + 1)
        regions = [r for r in self.overlapping(chrom, start, end) if r.depth is not None]
        if not regions:
            return None
        cuts = sorted({start, end, *(c for r in regions for c in (r.start, r.end) if start < c < end)})
        return min(max((r.depth or 0.0 for r in regions if r.start <= a and r.end >= b), default=0.0)
                   for a, b in zip(cuts, cuts[1:], strict=False))


def weighted_depth(regions: Sequence[Region], start: int, end: int) -> float | None:
    weights = [(min(r.end, end) - max(r.start, start), r.depth) for r in regions if r.depth is not None]
    total = sum(w for w, _ in weights)
    if not weights or total <= 0:
        return None
    return sum(w * d for w, d in weights if d is not None) / total
