"""The report model's classes: everything a renderer shows, already sorted and worded.

Renderers (HTML, PDF, JSON) only format this model; the JSON Schema in
``docs/report.schema.json`` is generated from it (``ReportModel.model_json_schema()``).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from annotator import __version__
from annotator.config import CallThresholds, CnvThresholds, PlasmaThresholds
from annotator.config_assay import AssayThresholds
from annotator.kb.schema import Build, Role, TrialStatusValue
from annotator.matching import MatchLevel
from annotator.models import (
    CopyNumberCall,
    Counts,
    Fusion,
    GeneCopyNumber,
    InputFile,
    Observation,
    ProteinChange,
    SmallVariant,
)
from annotator.plasma import Informative, Verdict

# The report contract's version. Adding a field: minor version and a CHANGELOG line. Renaming or removing
# one, or changing what it means: major version and a migration note in CHANGELOG.md.
SCHEMA_VERSION: Literal["3.2"] = "3.2"
RESEARCH_USE = (
    "For research use only. This report supports, and does not replace, the judgement of qualified"
    " professionals (molecular pathologists, oncologists) at a molecular tumor board. Findings from"
    " plasma cell-free DNA should be interpreted with the clinical picture and, where needed,"
    " confirmed in tissue."
)


class _Model(BaseModel):
    # Serialised output always carries every field: the published schema says so (defaults are required).
    model_config = ConfigDict(frozen=True, extra="forbid", json_schema_serialization_defaults_required=True)


class KnowledgebaseInfo(_Model):
    name: str
    version: str
    sha256: str


class PrimaryDriver(_Model):
    gene: str
    alteration: str
    source: Literal["plasma", "stated"]


class SampleInfo(_Model):
    id: str
    tumor_type: str = Field(description="as given (--tumor-type or the sheet); settings.tumor_type is the knowledgebase's id for it")
    prior_therapies: list[str] = Field(description="as given, in order of administration; the last is the most recent")
    prior_therapy_ids: list[str] = Field(description="knowledgebase drug ids of the recognised prior therapies")
    primary_driver: PrimaryDriver | None = Field(description="the first of primary_drivers, for readers of one driver")
    primary_drivers: list[PrimaryDriver] = Field(description="every primary driver (two or more are flagged)")
    tumor_sample: str | None = None


class Link(_Model):
    label: str
    url: str | None = None


class FindingOut(_Model):
    gene: str
    alteration: str
    role: Role
    kb_id: str
    match_level: MatchLevel
    mechanism_id: str | None
    statement: str
    resistance_to: str | None = None
    vaf: float | None = None
    copy_number: float | None = None
    adjusted_copy_number: float | None = None
    frequencies: list[str] = []
    detail: str


class EvidenceOut(_Model):
    level: str = Field(description="a level of the knowledgebase's evidence scale (policy.yaml), e.g. 'A'")
    level_meaning: str
    type: str = Field(description="a type of the knowledgebase's evidence scale, e.g. 'approved', 'phase3'")
    statement: str
    negative: bool
    references: list[Link]


class ThresholdOut(_Model):
    alteration: str = Field(description="display name of the knowledgebase alteration the threshold is for")
    required_copy_number: float = Field(description="the tumor-level copy number the evidence selected for")
    sample_copy_number: float | None = Field(description="this sample's copy number (see sample_basis); null: not measured")
    sample_basis: Literal["tumor-adjusted", "observed"] | None = Field(description="observed: no tumor fraction to adjust it")
    below: bool = Field(description="the sample's level is below the required one")
    statement: str


class TherapyOut(_Model):
    id: str
    regimen: str = Field(description="display name, the drug (or class) for the original driver first")
    drugs: list[str] = Field(description="international nonproprietary names (INN), e.g. 'trastuzumab emtansine'")
    drug_ids: list[str] = Field(description="knowledgebase drug ids, in the order of drugs")
    drug_classes: list[str]
    targets: list[str]
    answers: list[str] = Field(description="display names of the findings this regimen answers")
    driver_context: str | None
    evidence: list[EvidenceOut]
    trials: list[str]
    references: list[Link]
    after: str | None = Field(description="the prior therapy its evidence is after, in words; null: first line")
    conditional: str | None = Field(description="what must still be confirmed for it to apply (e.g. the phase of two alleles)")
    thresholds: list[ThresholdOut] = Field(description="biomarker levels its evidence selected for, beside this sample's")


class NotRecommendedOut(_Model):
    """An option that answers a finding but that a rule of the knowledgebase's policy removed."""

    therapy: TherapyOut
    rule: str = Field(description="id of the exclusion rule (policy.yaml) that removed it")
    rule_title: str
    reason: str = Field(description="the rule's specifics for this sample (for a negative result, its statement)")


class ScaleLevel(_Model):
    level: str
    meaning: str


class KbEntryOut(_Model):
    """A knowledgebase alteration a finding matched, for the report's appendix (anchor ``kb-<id>``)."""

    id: str
    name: str
    detection: str
    mechanisms: list[str]
    sources: list[Link]


class TrialOut(_Model):
    id: str
    match_basis: Literal["biomarker", "setting"] = Field(
        description="biomarker: enrols an alteration found here; setting: enrols the driver after its targeted therapy, no biomarker"
    )
    nct_id: str | None
    acronym: str | None
    title: str
    phase: str | None
    design: Literal["interventional", "observational"]
    arms: list[str]
    setting: str
    prior_therapy: str | None
    status: str = Field(description="display text: the status with its source and date, or 'status not checked'")
    status_value: TrialStatusValue | None = Field(description="ClinicalTrials.gov vocabulary; null: not checked against a citable source")
    status_as_of: dt.date | None
    status_source: str | None = Field(description="reference ids of the status; null when not checked")
    note: str | None = Field(description="what the knowledgebase's sources report about the trial (e.g. results)")
    url: str | None
    alterations: list[str]
    therapies: list[str]


class Summary(_Model):
    framing: Literal["diagnostic", "resistance"] = Field(
        description="diagnostic: no prior targeted therapy (driver, first-line options, co-alterations); resistance: after targeted therapy"
    )
    headline: str
    uncurated: list[str] = Field(description="alterations in driver or resistance genes the knowledgebase does not interpret in this context")
    resistance_mechanisms: list[str]
    top_therapies: list[str]
    cannot_exclude: list[str]
    flags: list[str]


class VariantOriginOut(_Model):
    """Where one plasma variant may come from: evidence with its numbers, not a verdict."""

    label: str
    gene: str
    verdict: Verdict = Field(description="ch: read as clonal hematopoiesis; possible_ch: may be CH, kept; possible_germline; tumor")
    excluded: bool = Field(description="left out of findings and therapies (ch, possible_germline)")
    reason: str = Field(description="the rule that read it, with its numbers, in words")
    vaf: float | None
    depth: int | None
    wbc_vaf: float | None = Field(description="its VAF in the matched white-blood-cell calls; null: not there, or none given")
    tumor_fraction: float | None = Field(description="the tumor fraction the rule read the VAF against; null: not used or unknown")
    numbers: dict[str, float | None] = Field(description="the numbers behind the reading (vaf, wbc_vaf, tumor_fraction, expected_clonal_vaf)")
    recommendation: str | None
    references: list[Link]


class RecommendationOut(_Model):
    topic: Literal["not_informative", "transformation", "germline"]
    text: str
    references: list[Link]


class TransformationOut(_Model):
    """Concurrent TP53 and RB1 inactivation after targeted therapy: a possible small-cell transformation signal."""

    tp53: str
    rb1: list[str]
    reason: str
    recommendation: str
    references: list[Link]


class PlasmaOut(_Model):
    """Plasma is not only tumor: the origin of variants, whether the sample is informative, transformation."""

    informative: Informative = Field(
        description="not_informative: the stated driver was not detected in plasma; low_shedding: tumor fraction below"
        " the documented level; a negative result of either cannot rule out a resistance mechanism")
    informative_reason: str | None
    tumor_fraction: float | None = Field(description="the tumor fraction the plasma rules used (an estimate leaves out blood and germline-like VAFs)")
    tumor_fraction_basis: str
    wbc_given: bool = Field(description="matched white-blood-cell calls were given (--wbc-vcf)")
    origins: list[VariantOriginOut] = Field(description="every small variant a plasma rule spoke about, with its reason and numbers")
    excluded: list[str] = Field(description="labels of the variants left out of findings and therapies (clonal hematopoiesis, possibly germline)")
    transformation: TransformationOut | None
    recommendations: list[RecommendationOut]


class ClonalityOut(_Model):
    """A small variant's cell fraction: its VAF against a clonal heterozygous one at this tumor fraction (since 3.2)."""

    ccf: float | None = Field(description="cancer cell fraction, uncapped (above 1: copy gain or a tumor fraction too low); null: unknown")
    ccf_low: float | None = Field(description="low end of its binomial interval (settings.assay.ccf_interval)")
    ccf_high: float | None
    label: Literal["clonal", "subclonal", "indeterminate", "unknown"] = Field(
        description="indeterminate: the interval spans settings.assay.clonal_ccf_threshold; unknown: no tumor fraction or reads")
    expected_clonal_vaf: float | None = Field(description="the VAF of a clonal heterozygous change at this tumor fraction")


class AlterationRow(_Model):
    """An observation (its own class per kind, told apart by ``kind``) and what the report concluded of it."""

    observation: Observation
    label: str
    kb_id: str | None = Field(description="the knowledgebase entry it matched (most specific), if any")
    role: Role | None = Field(description="its role in this sample, when it matched")
    relative_vaf: float | None = Field(description="its VAF divided by the plasma primary driver's VAF (small variants)")
    clonality: ClonalityOut | None = Field(None, description="since 3.2: small variants' cell fraction; null: not estimated")


class CopyNumberRow(_Model):
    """A gene's copy number as measured and interpreted, and the knowledgebase entry its call matched."""

    measurement: GeneCopyNumber
    kb_id: str | None = Field(description="the knowledgebase entry its amplification or loss matched, if any")


class Settings(_Model):
    """How this report was made: every option and threshold that changes its content."""

    tumor_type: str = Field(description="the knowledgebase's tumor type the sample was interpreted as")
    include_filtered: bool = Field(description="non-PASS records kept and flagged (never given a role)")
    cnv: CnvThresholds
    calls: CallThresholds
    tumor_fraction: float | None = Field(ge=0, le=1, description="0-1; null: unknown")
    tumor_fraction_source: str
    tumor_fraction_estimated: bool
    ploidy: float = Field(ge=0.5, le=10)
    genome_build_source: Literal["--genome", "input header"]
    reference: str | None = Field(description="FASTA file name used for REF checks and left-alignment; null: none (indels trimmed only)")
    plasma: PlasmaThresholds = Field(default_factory=PlasmaThresholds,
                                     description="thresholds of the plasma reading: germline bands, CH discordance, informative tumor fraction, WBC evidence")
    assay: AssayThresholds = Field(default_factory=AssayThresholds, description="since 3.2: the assay's detection limits and thresholds")


class NegativeNumbersOut(_Model):
    """The numbers behind a negative's status (null: not used for its kind)."""

    tumor_fraction: float | None
    covered: bool | None = Field(description="the locus is among the assay's targets; null: unknown (no --panel-bed or --coverage)")
    expected_vaf: float | None = Field(description="VAF of a clonal heterozygous change at this tumor fraction (fusions: of the breakpoint reads)")
    limit_vaf: float | None = Field(description="detection_min_alt_reads / depth")
    depth: float | None
    depth_assumed: bool = Field(description="the configured assumed depth (settings.assay.assumed_depth), not a measured one")
    min_alt_reads: int | None
    sensitivity: float | None = Field(description="P(at least min_alt_reads alt reads | depth, expected_vaf), exact binomial")
    min_sensitivity: float | None
    expected_gain: float | None = Field(description="amplifications: plasma copies a change to min_copy_number would add at this tumor fraction")
    min_observed_gain: float | None
    min_copy_number: float | None


class NegativeOut(_Model):
    """A knowledgebase mechanism relevant here that was not found, and what its absence means (since 3.2)."""

    alteration: str = Field(description="knowledgebase alteration id")
    name: str
    gene: str | None
    kind: str = Field(description="the knowledgebase alteration kind")
    status: Literal["not_detected", "cannot_be_excluded", "not_assessable"]
    reason: str = Field(description="why, with the numbers, in words")
    short: str = Field(description="why in a few words: page 1 and the printed report group alterations by it")
    numbers: NegativeNumbersOut


class TumorFractionOut(_Model):
    """The sample's one tumor fraction, where it came from, and how far to trust it (since 3.2)."""

    value: float | None = Field(description="the tumor fraction used (settings.tumor_fraction); null: unknown")
    source: str = Field(description="--tumor-fraction, an ichorCNA file, or the estimate from somatic VAFs")
    estimated: bool
    method: str | None = Field(description="the estimator and the variants it read; null: no estimate was made")
    estimate: float | None = Field(description="the VAF-based estimate (beside a given value: a check on it)")
    confidence: Literal["high", "low"] | None = Field(description="of the estimate; null: no estimate was made")
    n_informative: int | None = Field(description="somatic-looking variants the estimate read")
    reason: str | None


class AssociationOut(_Model):
    statement: str
    references: list[Link]


class PolyclonalOut(_Model):
    """Two or more independent resistance mechanisms: possibly polyclonal resistance (since 3.2)."""

    statement: str
    mechanisms: list[str] = Field(description="display names of the independent resistance mechanisms")
    associations: list[AssociationOut] = Field(description="published associations between them, worded as associations")


# The HTML table (ReportModel property) that shows each kind of observation.
ROW_TABLES: dict[type, str] = {SmallVariant: "small_variant_rows", ProteinChange: "small_variant_rows",
                               CopyNumberCall: "copy_number_call_rows", Fusion: "fusion_rows"}


class ReportModel(_Model):
    schema_version: Literal["3.2"] = SCHEMA_VERSION
    software_version: str = __version__
    generated_at: str
    genome_build: Build
    knowledgebase: KnowledgebaseInfo
    inputs: list[InputFile]
    counts: Counts
    settings: Settings
    sample: SampleInfo
    summary: Summary
    alterations: list[AlterationRow]
    copy_numbers: list[CopyNumberRow]
    findings: list[FindingOut]
    standard_options: list[TherapyOut] = Field(description="approved or guideline therapy for the driver in this setting, best first")
    mechanism_options: list[TherapyOut] = Field(description="options directed at the mechanisms found, best evidence first")
    not_recommended: list[NotRecommendedOut] = Field(description="options removed by a rule, with the rule and reason")
    trials: list[TrialOut] = Field(description="trials enrolling an alteration found in this sample")
    setting_trials: list[TrialOut] = Field(description="appendix: trials enrolling by setting alone (driver and prior therapy), no biomarker")
    kb_entries: list[KbEntryOut]
    evidence_scale: list[ScaleLevel] = Field(description="the knowledgebase's evidence levels, best first, with their meanings")
    warnings: list[str]
    research_use: str = RESEARCH_USE
    plasma: PlasmaOut | None = Field(None, description="since 3.1: the plasma reading (origins, informative, transformation); null: not assessed")
    tumor_fraction: TumorFractionOut | None = Field(None, description="since 3.2: the tumor fraction, its source and confidence")
    negatives: list[NegativeOut] = Field([], description="since 3.2: relevant mechanisms not found: not detected, cannot be excluded, not assessable")
    polyclonal: PolyclonalOut | None = Field(None, description="since 3.2: possible polyclonal resistance; null: not flagged")

    @property
    def offered_options(self) -> list[TherapyOut]:
        """Every option offered, standard next step first, then mechanism-directed (not the not-recommended ones)."""
        return [*self.standard_options, *self.mechanism_options]

    @property
    def observations(self) -> list[Observation]:
        """The observations of every alteration row, in report order."""
        return [r.observation for r in self.alterations]

    @property
    def gene_copy_numbers(self) -> list[GeneCopyNumber]:
        """The measured and interpreted copy number of each gene, in report order."""
        return [r.measurement for r in self.copy_numbers]

    # Rows by kind, for renderers: chosen by class here, never by strings in templates. Every kind of
    # observation has a table (ROW_TABLES; a test keeps it complete, so a new kind cannot vanish from the HTML).
    @property
    def small_variant_rows(self) -> list[AlterationRow]:
        """Small variants, with protein changes given without coordinates (a MAF's HGVSp-only rows)."""
        return [r for r in self.alterations if isinstance(r.observation, (SmallVariant, ProteinChange))]

    @property
    def fusion_rows(self) -> list[AlterationRow]:
        return [r for r in self.alterations if isinstance(r.observation, Fusion)]

    @property
    def copy_number_call_rows(self) -> list[AlterationRow]:
        return [r for r in self.alterations if isinstance(r.observation, CopyNumberCall)]
