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

Build = Literal["GRCh37", "GRCh38"]
BUILDS: tuple[Build, ...] = ("GRCh37", "GRCh38")

# Evidence levels and types are words of the knowledgebase's evidence scale (policy.yaml), which gives their
# meanings and order; validate.py checks every level and type used against it.
EvidenceLevel = str
EvidenceType = str
Role = Literal[
    "primary_driver", "on_target_resistance", "bypass_resistance", "histologic_transformation", "co_alteration", "other"
]
ResistanceRole = Literal["on_target_resistance", "bypass_resistance", "histologic_transformation"]
# How each resistance role is named in statements ("an on-target resistance mechanism").
RESISTANCE_KIND = {"on_target_resistance": "on-target", "bypass_resistance": "bypass", "histologic_transformation": "histologic"}
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
    agency: str | None = Field(None, description="labels: the regulator, e.g. 'FDA'")
    approval_date: dt.date | None = Field(None, description="labels: the date of the approval cited")
    approval_type: Literal["regular", "accelerated"] | None = Field(None, description="labels: the kind of approval")
    certain: bool = Field(
        False,
        description="True only when the record was checked (publisher, PubMed, regulator, registry);"
        " reports link only certain references. Unset: not checked.",
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


DrugCategory = Literal["targeted", "chemotherapy", "immunotherapy", "antiangiogenic", "antibody_drug_conjugate", "tool_compound"]


class DrugClass(_Cited):
    """A class of drugs that share a mechanism (and, for targeted drugs, usually their resistance).

    Drugs name their classes (``Drug.classes``); therapy conditions and cross-resistance name classes
    instead of listing drugs, so a new member of a class is covered without editing every rule."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    name: str = Field(description="display name, e.g. 'selective RET inhibitor'")
    category: DrugCategory = Field(description="tool_compound: preclinical only, not a systemic therapy a patient receives")


class TkiTarget(_Strict):
    gene: str
    generation: int | None = Field(None, ge=1, le=4)


class Drug(_Cited):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="lowercase INN, else code name")
    name: str
    synonyms: list[str] = []
    drug_class: str = Field(description="free-text description for readers; matching uses ``classes``")
    classes: list[str] = Field(min_length=1, description="drug class ids (drug_classes.yaml)")
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


class TherapyCondition(_Strict):
    """Prior therapy that makes a statement apply: any listed drug, TKI generation for the driver, drug class,
    or (``any_systemic``) any prior systemic therapy. Empty: no condition.

    ``most_recent``: only the most recent therapy targeting the driver is compared (a sequenced option such as
    crizotinib after alectinib is not for a patient who has had lorlatinib since)."""

    drugs: list[str] = []
    generations: list[int] = Field([], description="TKI generations for the driver of the entry (tki_for)")
    classes: list[str] = Field([], description="drug class ids")
    any_systemic: bool = Field(False, description="any prior systemic therapy (any drug that is not a tool compound)")
    most_recent: bool = False
    also: TherapyCondition | None = Field(
        None, description="a second condition that must hold too (a label after an EGFR-directed therapy AND platinum)"
    )

    def is_empty(self) -> bool:
        return not (self.drugs or self.generations or self.classes or self.any_systemic)

    def matches_drug(self, drug: Drug, driver: str | None) -> bool:
        """Whether ``drug`` is one this condition names (by id, TKI generation for ``driver``, or class)."""
        gens = [t.generation for t in drug.tki_for if t.gene == driver]
        return drug.id in self.drugs or any(g in self.generations for g in gens) or bool(set(self.classes) & set(drug.classes))


class MechanismContext(_Strict):
    driver: str = Field(description="driver gene group, e.g. EGFR, ALK, RET, ROS1, MET, KRAS")
    role: ResistanceRole = Field(description="histologic_transformation only for mechanisms of category 'histologic'")
    after: TherapyCondition = Field(
        default_factory=lambda: TherapyCondition(),
        description="the targeted therapy for the driver this is resistance to (drugs, generations, classes); empty: any"
        " targeted drug for the driver. On-target contexts are judged against the most recent one, bypass contexts against"
        " any (so neither most_recent nor any_systemic is written here)",
    )
    resists: TherapyCondition | None = Field(
        None, description="drugs or classes the alteration defeats, beyond ``after`` (class cross-resistance:"
        " a RET solvent-front mutation resists every selective RET inhibitor); never offered while it is present",
    )
    frequencies: list[Frequency] = []
    note: str | None = None


class Mechanism(_Cited):
    id: str
    alterations: list[str] = Field(min_length=1, description="alteration ids that constitute it")
    category: Literal["on_target", "bypass", "histologic", "microenvironment"]
    summary: str
    contexts: list[MechanismContext] = Field(min_length=1)


class Evidence(_Strict):
    level: EvidenceLevel = Field(description="a level of the evidence scale (policy.yaml)")
    type: EvidenceType = Field(description="a type of the evidence scale (policy.yaml)")
    statement: str
    negative: bool = Field(False, description="the study found no benefit or harm: the regimen is listed as not recommended")
    sources: list[SourceRef] = Field(min_length=1)


class AlleleContext(_Strict):
    """Other alterations a regimen's evidence required (EGFR C797S with T790M in trans) or excluded (without T790M)."""

    present: list[str] = Field([], description="alteration ids that must also be detected")
    absent: list[str] = Field([], description="alteration ids that must not be detected")
    phase: Literal["cis", "trans"] | None = Field(
        None, description="required phase relative to the ``present`` alterations; unknown phase lists the option as conditional"
    )

    @model_validator(mode="after")
    def _phase_needs_partner(self) -> AlleleContext:
        if self.phase and not self.present:
            raise ValueError("phase is relative to a 'present' alteration: name it")
        return self


class BiomarkerThreshold(_Strict):
    """The biomarker level the regimen's evidence selected patients by (e.g. a minimum MET copy number)."""

    alteration: str = Field(description="alteration id (an amplification) the threshold applies to")
    min_copy_number: float = Field(gt=0, description="tumor-level copy number the evidence required")
    statement: str
    sources: list[SourceRef] = Field(min_length=1)


class Regimen(_Cited):
    id: str
    drugs: list[str] = Field(description="drug ids, the drug for the original driver first")
    drug_classes: list[str] = Field([], description="when the source names only a class")
    answers: list[str] = Field(min_length=1, description="alteration ids this regimen addresses")
    driver: str | None = Field(None, description="driver context; null when driver-independent")
    evidence: list[Evidence] = Field(min_length=1)
    trials: list[str] = Field([], description="trial ids")
    after: TherapyCondition = Field(
        default_factory=lambda: TherapyCondition(),
        description="the prior therapy its evidence is after; never offered without it. Empty: first line"
        " (a regimen for the driver itself is then offered only before any targeted drug for the driver)",
    )
    standard: bool = Field(
        False, description="an approved or guideline therapy for the driver in the setting ``after`` names: a 'standard next step'"
    )
    allele_context: AlleleContext | None = None
    thresholds: list[BiomarkerThreshold] = []

    @model_validator(mode="after")
    def _something_given(self) -> Regimen:
        if not self.drugs and not self.drug_classes:
            raise ValueError("a regimen names drugs or drug classes")
        return self


TrialStatusValue = Literal[
    "not_yet_recruiting", "recruiting", "enrolling_by_invitation", "active_not_recruiting", "suspended",
    "terminated", "completed", "withdrawn", "unknown",
]
# Statuses under which a trial takes no new patient: never matched (a completion, or no longer recruiting).
NOT_ENROLLING_STATUSES = ("active_not_recruiting", "suspended", "terminated", "completed", "withdrawn")


class TrialStatus(_Strict):
    """A recruitment status as a citable source gave it on a date (ClinicalTrials.gov's vocabulary)."""

    value: TrialStatusValue
    as_of: dt.date = Field(description="the date the source gave this status")
    sources: list[SourceRef] = Field(min_length=1)


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
    arm_drugs: list[list[str]] = Field(
        [], description="drug ids of each arm; a patient who progressed on every drug of every arm is not matched"
    )
    after: TherapyCondition = Field(
        default_factory=lambda: TherapyCondition(),
        description="prior therapy the trial requires; empty: none stated",
    )
    before_progression: bool = Field(False, description="enrols patients still responding (pre-emptive): never matched at progression")
    setting: str
    status: TrialStatus | None = Field(None, description="null: not checked against a citable source")
    note: str | None = Field(None, description="what the sources report about the trial (e.g. results), not its status")

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


class EvidenceLevelDef(_Strict):
    level: str = Field(pattern=r"^[A-Z]$")
    meaning: str


class EvidenceTypeDef(_Strict):
    type: str = Field(pattern=r"^[a-z0-9_]+$")
    meaning: str


class ExclusionRule(_Strict):
    """A named reason a regimen that answers a finding is not offered (the code implements each id)."""

    id: str = Field(pattern=r"^[a-z_]+$")
    title: str = Field(description="short reason shown beside a not-recommended option")
    description: str


class Policy(_Cited):
    """How options are graded and filtered: the evidence scale (best first) and the exclusion rules (in the order applied)."""

    evidence_levels: list[EvidenceLevelDef] = Field(min_length=1, description="best first")
    evidence_types: list[EvidenceTypeDef] = Field(min_length=1, description="strongest first, the tie-breaker within a level")
    exclusion_rules: list[ExclusionRule] = Field(min_length=1)

    def level_rank(self, level: str) -> int:
        return next(i for i, d in enumerate(self.evidence_levels) if d.level == level)

    def type_rank(self, type_: str) -> int:
        return next(i for i, d in enumerate(self.evidence_types) if d.type == type_)

    def level_meaning(self, level: str) -> str:
        return next(d.meaning for d in self.evidence_levels if d.level == level)

    def rule(self, rule_id: str) -> ExclusionRule:
        return next(r for r in self.exclusion_rules if r.id == rule_id)


class Knowledgebase(_Strict):
    """The whole knowledgebase as loaded; ``sha256`` is computed by the loader, not written in YAML."""

    release: Release
    policy: Policy
    sha256: str
    references: list[Reference]
    genes: list[Gene]
    drug_classes: list[DrugClass]
    drugs: list[Drug]
    alterations: list[Alteration]
    mechanisms: list[Mechanism]
    regimens: list[Regimen]
    trials: list[Trial]

    def tumor_type(self, name: str) -> TumorType | None:
        """The knowledgebase tumor type called ``name`` (see :meth:`Release.tumor_type`), else None."""
        return self.release.tumor_type(name)
