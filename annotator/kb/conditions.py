"""Drugs, and the conditions on prior therapy that knowledgebase statements are made under.

A resistance mechanism applies in driver contexts after named therapy (:class:`MechanismContext`); regimens and
trials name the prior therapy they are for (:class:`TherapyCondition`) by drug, TKI generation or drug class.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from annotator.kb.references import CitedEntry, SourceRef, StrictModel

Role = Literal[
    "primary_driver", "on_target_resistance", "bypass_resistance", "histologic_transformation", "co_alteration", "other"
]
ResistanceRole = Literal["on_target_resistance", "bypass_resistance", "histologic_transformation"]
# How each resistance role is named in statements ("an on-target resistance mechanism").
RESISTANCE_KIND = {"on_target_resistance": "on-target", "bypass_resistance": "bypass", "histologic_transformation": "histologic"}


DrugCategory = Literal["targeted", "chemotherapy", "immunotherapy", "antiangiogenic", "antibody_drug_conjugate", "tool_compound"]


class DrugClass(CitedEntry):
    """A class of drugs that share a mechanism (and, for targeted drugs, usually their resistance).

    Drugs name their classes (``Drug.classes``); therapy conditions and cross-resistance name classes
    instead of listing drugs, so a new member of a class is covered without editing every rule."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    name: str = Field(description="display name, e.g. 'selective RET inhibitor'")
    category: DrugCategory = Field(description="tool_compound: preclinical only, not a systemic therapy a patient receives")


class TkiTarget(StrictModel):
    gene: str
    generation: int | None = Field(None, ge=1, le=4)


class Drug(CitedEntry):
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


class Frequency(StrictModel):
    value: str = Field(description="as written in the source, e.g. '10-19%'")
    population: str
    sources: list[SourceRef] = Field(min_length=1)


class TherapyCondition(StrictModel):
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


class MechanismContext(StrictModel):
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


class Mechanism(CitedEntry):
    id: str
    alterations: list[str] = Field(min_length=1, description="alteration ids that constitute it")
    category: Literal["on_target", "bypass", "histologic", "microenvironment"]
    summary: str
    contexts: list[MechanismContext] = Field(min_length=1)
