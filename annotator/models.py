"""Domain model: what the readers produce. Frozen, typed, no I/O.

Coordinates: ``pos`` is the 1-based position exactly as written in the input (VCF POS), so a
reader of the JSON finds the record again; intervals used for overlap tests are 0-based half-open
(``start``/``end``) and are computed where needed (see :mod:`annotator.genome`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

AlterationType = Literal[
    "snv", "mnv", "insertion", "deletion", "delins", "amplification", "copy_loss", "fusion"
]
SMALL_VARIANT_TYPES = ("snv", "mnv", "insertion", "deletion", "delins")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Alteration(_Frozen):
    """One observed alteration in a knowledgebase gene, normalized across input formats."""

    gene: str
    type: AlterationType
    source: str  # input file name (no directory)
    # small variants
    chrom: str | None = None
    pos: int | None = None
    ref: str | None = None
    alt: str | None = None
    hgvsp: str | None = None  # one-letter short form, e.g. "p.G12D"
    hgvsc: str | None = None
    transcript: str | None = None
    protein_source: str | None = None  # "VEP CSQ", "snpEff ANN", "knowledgebase codon table"
    left_aligned: tuple[int, str, str] | None = None  # (pos, ref, alt) after --reference left-alignment, when it differs
    vaf: float | None = None
    depth: int | None = None
    filter: str = "PASS"
    # copy number: as observed in the input; tumor-adjusted value and its basis
    copy_number: float | None = None
    adjusted_copy_number: float | None = None
    adjusted_interval: tuple[float, float] | None = None
    tumor_fraction: float | None = None
    cn_status: str | None = None
    focal: bool | None = None
    segment_length: int | None = None
    # fusions
    fusion: str | None = None  # "GENE5::GENE3"
    gene5: str | None = None
    gene3: str | None = None
    supporting_reads: int | None = None
    breakpoint5: str | None = None
    breakpoint3: str | None = None
    evidence: Literal["dna", "rna"] | None = None  # DNA-level (SV) or RNA-level (fusion transcript)
    caller: str | None = None  # the tool that called the fusion (Arriba, FusionCatcher, Manta...), when known
    confidence: Literal["low", "medium", "high"] | None = None  # the caller's confidence, mapped onto Arriba's scale
    reading_frame: Literal["in-frame", "out-of-frame", "stop-codon"] | None = None  # as the caller predicted it
    notes: tuple[str, ...] = ()
    # filled when the report is built
    kb_id: str | None = None  # knowledgebase alteration it matched (most specific)
    role: str | None = None
    relative_vaf: float | None = None  # VAF / the plasma primary driver's VAF

    @property
    def label(self) -> str:
        if self.type == "fusion":
            if self.gene5 is not None and self.gene5 == self.gene3:
                return f"{self.gene} intragenic rearrangement ({self.fusion})"
            return f"{self.fusion} fusion"
        if self.type == "amplification":
            return f"{self.gene} amplification"
        if self.type == "copy_loss":
            return f"{self.gene} copy loss"
        if self.hgvsp:
            return f"{self.gene} {self.hgvsp.removeprefix('p.')}"
        return f"{self.gene} {self.chrom}:{self.pos} {self.ref}>{self.alt}"


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
    status: str | None = None  # amplification, likely_amplification, broad_gain, gain, neutral, cannot_exclude, copy_loss
    note: str | None = None
    kb_id: str | None = None  # knowledgebase entry its amplification or loss matched (filled by the report)


class Counts(_Frozen):
    """What one input held and where each record went; the same on every reading path of a file.

    ``passed_filters`` and ``filtered`` classify the records in knowledgebase genes; records outside
    them are counted, their FILTER never read (``filter_not_checked``, equal to
    ``outside_knowledgebase_genes`` for VCFs, whether the file was read by index or streamed).
    """

    records_read: int = 0
    passed_filters: int = 0
    filtered: int = 0
    outside_knowledgebase_genes: int = 0
    skipped: int = 0  # records or alleles not used (no usable allele, no-calls, ...); why: skipped_reasons
    filter_not_checked: int = 0  # records outside knowledgebase genes, whose FILTER was not read
    skipped_reasons: dict[str, int] = {}  # reason -> how many records or alleles it skipped

    def __add__(self, other: Counts) -> Counts:
        reasons = dict(self.skipped_reasons)
        for reason, n in other.skipped_reasons.items():
            reasons[reason] = reasons.get(reason, 0) + n
        numbers = {k: getattr(self, k) + getattr(other, k) for k in type(self).model_fields if k != "skipped_reasons"}
        return Counts(**numbers, skipped_reasons=reasons)


class InputFile(_Frozen):
    role: Literal["vcf", "maf", "cnv", "fusions"]
    file: str  # name only: reports never reveal the submitting machine's folders
    sha256: str
    format: str
    vaf_rule: str | None = None
    tumor_sample: str | None = None
    counts: Counts | None = None


class ReadResult(_Frozen):
    """What reading one input file yields."""

    input: InputFile
    alterations: tuple[Alteration, ...]
    copy_numbers: tuple[GeneCopyNumber, ...] = ()
    counts: Counts = Counts()
    warnings: tuple[str, ...] = ()
    sample_name: str | None = None
    genome_build: str | None = None
