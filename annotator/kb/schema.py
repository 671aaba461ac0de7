"""Typed schema of the curated knowledgebase (one pydantic model per YAML entry kind).

Coordinates in the YAML files are 1-based and inclusive, as genome browsers and Ensembl show
them, so that a reviewer can paste them; the matcher converts them once when it indexes the
knowledgebase. Every fact-bearing entry carries ``sources`` and ``last_reviewed``.

Cross-references (drug ids in regimens, alteration ids in mechanisms, ...) are checked in
:mod:`annotator.kb.validate`, which reports every problem at once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

BUILDS = ("GRCh37", "GRCh38")
Build = Literal["GRCh37", "GRCh38"]

EvidenceLevel = Literal["A", "B", "C", "D"]
EVIDENCE_LEVELS: dict[str, str] = {
    "A": "FDA-approved therapy or professional guideline for this indication",
    "B": "Well-powered clinical studies with expert consensus",
    "C": "Approved for another indication, or several small published studies",
    "D": "Preclinical data or case reports only",
}
EvidenceType = Literal[
    "approved", "phase3", "phase2", "phase1b", "phase1", "case_report", "ongoing_trial", "preclinical"
]
# ongoing_trial: a registered trial tests the regimen but the source reports no result yet; it ranks
# below case reports with observed responses and above preclinical data.
Role = Literal[
    "primary_driver", "on_target_resistance", "bypass_resistance", "co_alteration", "other"
]
AlterationKind = Literal[
    "protein_change",  # named amino-acid change(s), e.g. KRAS G12D
    "codon",  # any missense change at one codon, e.g. KRAS codon 61
    "exon_inframe_deletion",  # e.g. EGFR exon 19 deletions of any length and anchor
    "exon_insertion",  # e.g. EGFR exon 20 insertions
    "exon_skipping",  # e.g. MET exon 14 splice-site variants and deletions
    "amplification",
    "copy_loss",
    "fusion",
    "kinase_domain_duplication",
    "not_in_plasma_dna",  # protein/RNA expression, histology: a negative plasma test cannot exclude it
]

# Kinds that describe a rearrangement inside one gene: a same-gene SV or fusion-caller event is matched only to these.
INTRAGENIC_KINDS = ("kinase_domain_duplication",)


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host, and nothing a browser would strip or reinterpret.

    Reports turn knowledgebase URLs into links: any other scheme (``javascript:``, ``data:``...),
    a scheme-relative ``//host`` or a path would run or open something else when clicked. Browsers
    drop tabs, newlines and leading control characters from URLs, so any whitespace or control
    character is refused rather than trusted to be harmless."""
    if not isinstance(value, str) or re.search(r"[\x00-\x20\x7f-\x9f\s]", value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unbalanced '[' in the host
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and value.lower().startswith(parts.scheme.lower() + "://")


def _http_url(value: str) -> str:
    if not is_http_url(value):
        raise ValueError(f"{value!r} is not an http(s) URL (http:// or https:// and a host)")
    return value


# The type of every URL field of the knowledgebase.
HttpUrl = Annotated[str, AfterValidator(_http_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceRef(_Strict):
    """Where a fact comes from: a reference id (see references.yaml) and, for the review, a section."""

    ref: str
    section: str | None = None
    note: str | None = None


class _Cited(_Strict):
    sources: list[SourceRef] = Field(min_length=1)
    last_reviewed: dt.date
    deprecated: bool = False


class Reference(_Strict):
    id: str
    kind: Literal["review", "article", "trial_registry", "label", "web"]
    citation: str
    pmid: str | None = None
    doi: str | None = None
    nct_id: str | None = None
    url: HttpUrl | None = None
    certain: bool = Field(
        True,
        description="False for references cited only through the review (no verified identifier);"
        " reports link only certain references.",
    )


class Region(_Strict):
    """1-based inclusive interval on a named build; ``chrom`` without a ``chr`` prefix."""

    chrom: str
    start: int = Field(ge=1)
    end: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Region:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.chrom.lower().startswith("chr"):
            raise ValueError(f"chrom {self.chrom!r}: write contigs without 'chr'")
        return self


class BuildRegions(_Strict):
    GRCh37: Region
    GRCh38: Region


class Codon(_Strict):
    """A codon the matcher can translate: its lowest genomic base on each build and its coding-strand sequence."""

    number: int = Field(ge=1)
    ref: str = Field(pattern=r"^[ACGT]{3}$", description="reference codon on the coding strand")
    GRCh37: int = Field(ge=1)
    GRCh38: int = Field(ge=1)


class Exon(_Strict):
    number: int = Field(ge=1)
    GRCh37: Region
    GRCh38: Region


class Gene(_Cited):
    """A gene the knowledgebase places on both builds. Variant genes need a transcript; partner genes may not."""

    symbol: str
    name: str
    aliases: list[str] = []
    strand: Literal[1, -1]
    transcript: str | None = Field(None, pattern=r"^ENST\d{11}(\.\d+)?$")
    fusion_partner_only: bool = Field(
        False, description="known only as a fusion partner: used to name SV breakpoints, not a scope for variants or copy number"
    )
    refseq: str | None = None
    location: BuildRegions
    kinase: bool = False
    codons: list[Codon] = []
    exons: list[Exon] = []

    @model_validator(mode="after")
    def _transcript_for_variant_genes(self) -> Gene:
        if not self.fusion_partner_only and not self.transcript:
            raise ValueError("a gene in variant scope names its transcript")
        return self


class FusionSpec(_Strict):
    """Both partners named, or one of them null meaning any partner."""

    gene5: str | None
    gene3: str | None

    @model_validator(mode="after")
    def _one_named(self) -> FusionSpec:
        if not self.gene5 and not self.gene3:
            raise ValueError("a fusion names at least one partner")
        return self


class SpliceWindows(_Strict):
    """Bases around an exon, counted on the gene's coding strand, where a variant is read as disrupting its splicing.

    A small variant whose changed bases overlap a window (or a deletion across an exon boundary) matches the
    exon-skipping entry. The windows are curated facts of each entry, not constants of the matcher."""

    donor_exonic: int = Field(ge=0, strict=True, description="last bases of the exon, before its 3' (donor) splice site")
    donor_intronic: int = Field(ge=0, strict=True, description="first bases of the intron after the donor splice site")
    acceptor_intronic: int = Field(ge=0, strict=True, description="last bases of the intron before the 5' (acceptor) splice site")
    acceptor_exonic: int = Field(ge=0, strict=True, description="first bases of the exon after the acceptor splice site")


class Alteration(_Cited):
    id: str
    gene: str | None = Field(None, description="HGNC symbol; null only for non-genomic entries such as histologic transformation")
    name: str = Field(description="display name, e.g. 'KRAS G12D', 'MET amplification'")
    kind: AlterationKind
    protein: list[str] = Field([], description="one-letter changes without 'p.', e.g. ['G12D']")
    codon: int | None = None
    exon: int | None = None
    fusion: FusionSpec | None = None
    min_copy_number: float | None = Field(
        None, description="tumor-level copy number from which an amplification counts"
    )
    splice_windows: SpliceWindows | None = Field(
        None, description="exon_skipping: the splice-site windows around the exon (required for that kind, forbidden otherwise)"
    )
    duplicated_exons: list[int] = Field(
        [], description="kinase_domain_duplication: exons of the gene (genes.yaml) the duplicated segment must contain"
    )
    frame_independent: bool = Field(
        False, description="fusion/intragenic entries: a role is given even when the caller predicts an out-of-frame transcript"
    )
    driver: bool = Field(False, description="a primary oncogenic driver when no other driver is present")
    detection: str = Field(description="how it is detected (or why plasma DNA cannot show it)")
    unverified: bool = False

    @model_validator(mode="after")
    def _kind_fields(self) -> Alteration:
        need = {
            "protein_change": ("protein",),
            "codon": ("codon",),
            "exon_inframe_deletion": ("exon",),
            "exon_insertion": ("exon",),
            "exon_skipping": ("exon", "splice_windows"),
            "fusion": ("fusion",),
            "kinase_domain_duplication": ("duplicated_exons",),
        }.get(self.kind, ())
        for field in need:
            if not getattr(self, field):
                raise ValueError(f"kind {self.kind!r} needs field {field!r}")
        if self.gene is None and self.kind != "not_in_plasma_dna":
            raise ValueError(f"kind {self.kind!r} needs a gene")
        if self.splice_windows is not None and self.kind != "exon_skipping":
            raise ValueError(f"splice_windows is only for kind 'exon_skipping', not kind {self.kind!r}")
        if self.duplicated_exons and self.kind != "kinase_domain_duplication":
            raise ValueError("duplicated_exons is only for kind 'kinase_domain_duplication'")
        if self.frame_independent and self.kind not in ("fusion", *INTRAGENIC_KINDS):
            raise ValueError(f"frame_independent is only for fusions and intragenic rearrangements, not kind {self.kind!r}")
        return self


class TkiTarget(_Strict):
    gene: str
    generation: int | None = Field(None, ge=1, le=4)


class Drug(_Cited):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="lowercase INN, else code name")
    name: str
    synonyms: list[str] = []
    drug_class: str
    targets: list[str] = Field(min_length=1)
    tki_for: list[TkiTarget] = Field(
        [], description="drivers this drug is a targeted therapy for, with generation where one is used"
    )
    allele_specific: str | None = Field(
        None, description="alteration id the drug is restricted to (e.g. KRAS_G12C)"
    )
    status: str = Field(description="regulatory status in NSCLC, labelled with its source")


class Frequency(_Strict):
    value: str = Field(description="as written in the source, e.g. '10-19%'")
    population: str
    sources: list[SourceRef] = Field(min_length=1)


class PriorTherapyCondition(_Strict):
    """Which prior therapies make a context apply: drug ids and/or TKI generations for the driver."""

    drugs: list[str] = []
    generations: list[int] = []

    def is_empty(self) -> bool:
        return not self.drugs and not self.generations


class MechanismContext(_Strict):
    driver: str = Field(description="driver gene group, e.g. EGFR, ALK, RET, ROS1, MET, KRAS")
    role: Literal["on_target_resistance", "bypass_resistance"]
    after: PriorTherapyCondition = PriorTherapyCondition()
    frequencies: list[Frequency] = []
    note: str | None = None


def context_applies_after(ctx: MechanismContext, drug: Drug) -> bool:
    """Whether resistance in ``ctx`` is resistance to ``drug`` (a targeted drug for the context's driver)."""
    gens = [t.generation for t in drug.tki_for if t.gene == ctx.driver]
    if not gens:
        return False
    return ctx.after.is_empty() or drug.id in ctx.after.drugs or any(g in ctx.after.generations for g in gens)


class Mechanism(_Cited):
    id: str
    alterations: list[str] = Field(min_length=1, description="alteration ids that constitute it")
    category: Literal["on_target", "bypass", "histologic", "microenvironment"]
    summary: str
    contexts: list[MechanismContext] = Field(min_length=1)


class Evidence(_Strict):
    level: EvidenceLevel
    type: EvidenceType
    statement: str
    negative: bool = False
    sources: list[SourceRef] = Field(min_length=1)


class Regimen(_Cited):
    id: str
    drugs: list[str] = Field(description="drug ids, the drug for the original driver first")
    drug_classes: list[str] = Field([], description="when the source names only a class")
    answers: list[str] = Field(min_length=1, description="alteration ids this regimen addresses")
    driver: str | None = Field(None, description="driver context; null when driver-independent")
    evidence: list[Evidence] = Field(min_length=1)
    trials: list[str] = Field([], description="trial ids")
    after: PriorTherapyCondition = Field(
        default_factory=lambda: PriorTherapyCondition(),
        description="only offered when the most recent drug for the driver matches (e.g. crizotinib after alectinib)",
    )

    @model_validator(mode="after")
    def _something_given(self) -> Regimen:
        if not self.drugs and not self.drug_classes:
            raise ValueError("a regimen names drugs or drug classes")
        return self


class Trial(_Cited):
    id: str
    nct_id: str | None = Field(None, pattern=r"^NCT\d{8}$")
    acronym: str | None = None
    title: str
    phase: str | None = None
    design: Literal["interventional", "observational"]
    arms: list[str] = []
    biomarkers: list[str] = Field([], description="alteration ids it enrolls")
    driver: str | None = None
    prior_therapy: str | None = None
    after: PriorTherapyCondition = Field(
        default_factory=lambda: PriorTherapyCondition(),
        description="prior targeted therapy for the driver the trial requires (drugs or TKI generations); empty: not stated",
    )
    before_progression: bool = Field(False, description="enrols patients still responding (pre-emptive): never matched at progression")
    setting: str
    status: str

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not v:
            raise ValueError("empty id")
        return v


def tumor_type_key(name: str) -> str:
    """How tumor-type names are compared: case, hyphens, underscores and runs of spaces do not matter."""
    return " ".join(re.sub(r"[-_\s]+", " ", name).casefold().split())


class TumorType(_Strict):
    """A tumor type the knowledgebase is curated for; statements name it, run options are checked against it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_]*$", description="short id, written in statements ('EGFR-driven NSCLC')")
    name: str = Field(min_length=1, description="full name, listed when an unknown tumor type is refused, e.g. 'non-small cell lung cancer'")
    synonyms: list[str] = Field([], description="other names accepted for it (compared like the id and name)")

    def names(self) -> tuple[str, ...]:
        return (self.id, self.name, *self.synonyms)


class Release(_Strict):
    name: str
    version: str
    released: dt.date
    description: str
    tumor_types: list[TumorType] = Field(min_length=1, description="what the knowledgebase covers; the first is the default")

    @model_validator(mode="after")
    def _distinct_tumor_type_names(self) -> Release:
        seen: dict[str, str] = {}
        clashes = []
        for tt in self.tumor_types:
            for name in dict.fromkeys(tumor_type_key(n) for n in tt.names()):
                if not name:
                    clashes.append(f"tumor type {tt.id!r} has an empty name or synonym")
                elif name in seen:
                    clashes.append(f"tumor type name {name!r} of {tt.id!r} is already used by {seen[name]!r}")
                else:
                    seen[name] = tt.id
        if clashes:
            raise ValueError("; ".join(clashes))
        return self

    def tumor_type(self, name: str) -> TumorType | None:
        """The tumor type called ``name`` (id, name or synonym; case, hyphens and spaces ignored), else None."""
        key = tumor_type_key(name)
        return next((tt for tt in self.tumor_types if key in {tumor_type_key(n) for n in tt.names()}), None)

    def tumor_type_labels(self) -> list[str]:
        """The valid tumor types for an error message, e.g. ``['NSCLC (non-small cell lung cancer)']``."""
        return [f"{tt.id} ({tt.name})" for tt in self.tumor_types]


class Knowledgebase(_Strict):
    """The whole knowledgebase as loaded; ``sha256`` is computed by the loader, not written in YAML."""

    release: Release
    sha256: str
    references: list[Reference]
    genes: list[Gene]
    drugs: list[Drug]
    alterations: list[Alteration]
    mechanisms: list[Mechanism]
    regimens: list[Regimen]
    trials: list[Trial]

    def tumor_type(self, name: str) -> TumorType | None:
        """The knowledgebase tumor type called ``name`` (see :meth:`Release.tumor_type`), else None."""
        return self.release.tumor_type(name)
