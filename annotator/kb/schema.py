"""Typed schema of the curated knowledgebase (one pydantic model per YAML entry kind).

Coordinates in the YAML files are 1-based and inclusive, as genome browsers and Ensembl show
them, so that a reviewer can paste them; the matcher converts them once when it indexes the
knowledgebase. Every fact-bearing entry carries ``sources`` and ``last_reviewed``.

The models live in modules by subject: :mod:`~annotator.kb.references` (sources and the entry base classes),
:mod:`~annotator.kb.genomic` (builds, genes, alterations), :mod:`~annotator.kb.conditions` (drugs, prior-therapy
conditions, mechanisms); this module holds regimens, trials, the release and policy, and the whole
:class:`Knowledgebase`, and re-exports the rest so that every model is importable from here.

Cross-references (drug ids in regimens, alteration ids in mechanisms, ...) are checked in
:mod:`annotator.kb.validate`, which reports every problem at once.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from annotator.kb.conditions import (
    RESISTANCE_KIND,
    Drug,
    DrugCategory,
    DrugClass,
    Frequency,
    Mechanism,
    MechanismContext,
    ResistanceRole,
    Role,
    TherapyCondition,
    TkiTarget,
)
from annotator.kb.genomic import (
    BUILDS,
    INTRAGENIC_KINDS,
    Alteration,
    AlterationKind,
    Build,
    BuildRegions,
    Codon,
    Exon,
    FusionSpec,
    Gene,
    ReadPurpose,
    Region,
    SpliceWindows,
)
from annotator.kb.plasma import ChHotspot, ChRate, PlasmaKnowledge, no_plasma_knowledge
from annotator.kb.references import CitedEntry, HttpUrl, Reference, SourceRef, StrictModel, is_http_url

# Evidence levels and types are words of the knowledgebase's evidence scale (policy.yaml), which gives their
# meanings and order; validate.py checks every level and type used against it.
EvidenceLevel = str
EvidenceType = str


class Evidence(StrictModel):
    level: EvidenceLevel = Field(description="a level of the evidence scale (policy.yaml)")
    type: EvidenceType = Field(description="a type of the evidence scale (policy.yaml)")
    statement: str
    negative: bool = Field(False, description="the study found no benefit or harm: the regimen is listed as not recommended")
    sources: list[SourceRef] = Field(min_length=1)


class AlleleContext(StrictModel):
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


class BiomarkerThreshold(StrictModel):
    """The biomarker level the regimen's evidence selected patients by (e.g. a minimum MET copy number)."""

    alteration: str = Field(description="alteration id (an amplification) the threshold applies to")
    min_copy_number: float = Field(gt=0, description="tumor-level copy number the evidence required")
    statement: str
    sources: list[SourceRef] = Field(min_length=1)


class Regimen(CitedEntry):
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


class TrialStatus(StrictModel):
    """A recruitment status as a citable source gave it on a date (ClinicalTrials.gov's vocabulary)."""

    value: TrialStatusValue
    as_of: dt.date = Field(description="the date the source gave this status")
    sources: list[SourceRef] = Field(min_length=1)


class Trial(CitedEntry):
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


class TumorType(StrictModel):
    """A tumor type the knowledgebase is curated for; statements name it, run options are checked against it."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_]*$", description="short id, written in statements ('EGFR-driven NSCLC')")
    name: str = Field(min_length=1, description="full name, listed when an unknown tumor type is refused, e.g. 'non-small cell lung cancer'")
    synonyms: list[str] = Field([], description="other names accepted for it (compared like the id and name)")

    def names(self) -> tuple[str, ...]:
        return (self.id, self.name, *self.synonyms)


class Release(StrictModel):
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


class EvidenceLevelDef(StrictModel):
    level: str = Field(pattern=r"^[A-Z]$")
    meaning: str


class EvidenceTypeDef(StrictModel):
    type: str = Field(pattern=r"^[a-z0-9_]+$")
    meaning: str


class ExclusionRule(StrictModel):
    """A named reason a regimen that answers a finding is not offered (the code implements each id)."""

    id: str = Field(pattern=r"^[a-z_]+$")
    title: str = Field(description="short reason shown beside a not-recommended option")
    description: str


class Policy(CitedEntry):
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


class Knowledgebase(StrictModel):
    """The whole knowledgebase as loaded; ``sha256`` is computed by the loader, not written in YAML."""

    release: Release
    policy: Policy
    plasma: PlasmaKnowledge = Field(
        default_factory=no_plasma_knowledge,
        description="plasma.yaml (issue 16); a knowledgebase directory without the file has no plasma knowledge",
    )
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


__all__ = [
    "BUILDS", "INTRAGENIC_KINDS", "ChHotspot", "ChRate", "PlasmaKnowledge", "ReadPurpose", "NOT_ENROLLING_STATUSES", "RESISTANCE_KIND", "AlleleContext", "Alteration",
    "AlterationKind", "BiomarkerThreshold", "Build", "BuildRegions", "CitedEntry", "Codon", "Drug", "DrugCategory",
    "DrugClass", "Evidence", "EvidenceLevel", "EvidenceLevelDef", "EvidenceType", "EvidenceTypeDef", "ExclusionRule",
    "Exon", "Frequency", "FusionSpec", "Gene", "HttpUrl", "Knowledgebase", "Mechanism", "MechanismContext", "Policy",
    "Reference", "Regimen", "Region", "Release", "ResistanceRole", "Role", "SourceRef", "SpliceWindows", "StrictModel",
    "TherapyCondition", "TkiTarget", "Trial", "TrialStatus", "TrialStatusValue", "TumorType", "is_http_url",
    "tumor_type_key",
]
