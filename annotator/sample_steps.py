"""The plasma steps of one sample, between reading and the report: one tumor fraction, the plasma reading, the
copy numbers read against that fraction, and what the report shows of the assay (issue 16 and 17).

Order matters and is written once here. The plasma reading estimates the tumor fraction from the variants it reads
as tumor (blood-derived and germline-like ones left out, background variants of the panel included); when no
fraction was given, copy numbers are then interpreted against that estimate, so the sample has one tumor fraction
everywhere in its report."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from annotator import copynumber
from annotator.config import RunConfig
from annotator.interpret import Interpretation
from annotator.kb.index import KbIndex
from annotator.kb.schema import Drug
from annotator.matching import match_alterations
from annotator.models import CoverageTable, GeneCopyNumber, Observation, PanelTargets, SmallVariant, WbcCalls
from annotator.plasma import PlasmaReading, StatedDriverQuery, read_plasma
from annotator.plasma.clonality import Clonality, cell_fraction
from annotator.plasma.fraction import TumorFractionEstimate, estimate_tumor_fraction
from annotator.plasma.negatives import (
    Negative,
    SampleContext,
    SampleData,
    assess_negatives,
    filtered_alteration_ids,
    found_alteration_ids,
)
from annotator.plasma.polyclonal import Polyclonal, ResistanceItem, polyclonal_resistance


@dataclass(frozen=True)
class PlasmaStep:
    """The sample after its plasma reading: the one tumor fraction, the copy numbers interpreted against it, every
    observation (rows), and the reading (which of them matching may use)."""

    tf: copynumber.TumorFraction
    copy_numbers: list[GeneCopyNumber]
    alterations: list[Observation]
    plasma: PlasmaReading
    estimate: TumorFractionEstimate


@dataclass(frozen=True)
class PlasmaInputs:
    small: list[Observation]
    background: list[SmallVariant]
    raw_copy_numbers: list[GeneCopyNumber]
    fusions: list[Observation]
    wbc: WbcCalls | None
    driver: StatedDriverQuery | None
    targeted_priors: bool


def read_sample_plasma(given: copynumber.TumorFraction, data: PlasmaInputs, index: KbIndex, config: RunConfig,
                       dedupe: Callable[[list[Observation]], list[Observation]]) -> PlasmaStep:
    """Read the plasma once against ``given`` (a measured fraction, or the first estimate), and once more against the
    plasma reading's own estimate when nothing was measured and the two differ."""
    step = _read(given, data, index, config, dedupe)
    value = step.plasma.tumor_fraction
    estimated = given.estimated or given.value is None
    refined = copynumber.TumorFraction(value, step.plasma.tumor_fraction_basis, estimated and value is not None, given.ploidy)
    if value == given.value:  # the same number: a measured one keeps its source, an estimate its better-stated one
        return step if not estimated else replace(step, tf=refined)
    return _read(refined, data, index, config, dedupe)  # raised by a driver, or re-estimated: one fraction everywhere


def _read(tf: copynumber.TumorFraction, data: PlasmaInputs, index: KbIndex, config: RunConfig,
          dedupe: Callable[[list[Observation]], list[Observation]]) -> PlasmaStep:
    cns = [copynumber.interpret_gene(c, tf, config.cnv) for c in data.raw_copy_numbers]
    alterations = dedupe(data.small + copynumber.copy_number_alterations(cns, tf) + data.fusions)
    plasma = read_plasma(alterations, cns, tf, data.wbc, index, config.plasma, knowledge=index.plasma, driver=data.driver,
                         targeted_priors=data.targeted_priors, background=data.background, assay=config.assay)
    estimate = plasma.estimate or estimate_tumor_fraction([], (), config.assay, config.plasma.germline_het_band)
    estimate = _driver_check(estimate, plasma, tf, cns, data, config)
    return PlasmaStep(tf, cns, alterations, plasma, estimate)


@dataclass(frozen=True)
class AssayParts:
    """What schema 3.2 adds to the report: negatives, clonality, the polyclonal reading."""

    negatives: list[Negative]
    clonality: dict[tuple, Clonality]
    polyclonal: Polyclonal | None


def assay_parts(step: PlasmaStep, interpretation: Interpretation, index: KbIndex, priors: Sequence[Drug],
                config: RunConfig, panel: PanelTargets | None, coverage: CoverageTable | None,
                inputs_given: frozenset[str]) -> AssayParts:
    """Negatives (what was not found, and what that means here), each small variant's cell fraction, polyclonal."""
    tf = step.tf.value
    tumor_copies = _changed_copy_numbers(step.copy_numbers)
    clonality = {a.identity: cell_fraction(a, tf, tumor_copies.get(a.gene), config.assay)
                 for a in step.alterations if isinstance(a, SmallVariant)}
    data = SampleData(tumor_fraction=tf, thresholds=config.assay, panel=panel, coverage=coverage, cnv=config.cnv,
                      copy_numbers=step.copy_numbers if "copy_number" in inputs_given else None,
                      fusions_assessed="fusion" in inputs_given,
                      fraction_confident=not (step.tf.estimated and step.estimate.confidence == "low"))
    found = found_alteration_ids(interpretation) | _set_aside_ids(step, index)
    negatives = assess_negatives(index, SampleContext(interpretation.context_groups, list(priors)), found, data,
                                 filtered_alteration_ids(interpretation) - found)
    items = [ResistanceItem(f.match.observed.gene, f.mechanism.id if f.mechanism else None, f.role, f.match.observed.label,
                            clonality.get(f.match.observed.identity)) for f in interpretation.findings]
    return AssayParts(negatives, clonality, polyclonal_resistance(items, index.plasma))


_CHANGED = frozenset({"amplification", "likely_amplification", "gain", "copy_loss", "loss"})


def _changed_copy_numbers(copy_numbers: Sequence[GeneCopyNumber]) -> dict[str, float]:
    """Tumor copy numbers of genes called gained or lost: a neutral gene's adjusted value is noise, and 2 is assumed."""
    return {c.gene: c.adjusted_copy_number for c in copy_numbers if c.adjusted_copy_number is not None and c.status in _CHANGED}


def _driver_check(estimate: TumorFractionEstimate, plasma: PlasmaReading, tf: copynumber.TumorFraction,
                  cns: Sequence[GeneCopyNumber], data: PlasmaInputs, config: RunConfig) -> TumorFractionEstimate:
    """An estimate at which a driver read as tumor comes out subclonal is suspect (non-tumor variants may have
    inflated it): low confidence, and why."""
    if estimate.value is None or not tf.estimated:
        return estimate
    copies = _changed_copy_numbers(cns)
    excluded = plasma.excluded  # a property that builds the set: once, not per variant
    drivers = [a for a in data.small if isinstance(a, SmallVariant) and a.identity not in excluded
               and data.driver is not None and a.gene == data.driver.gene]
    low = [a.label for a in drivers if cell_fraction(a, tf.value, copies.get(a.gene), config.assay).label == "subclonal"]
    if not low:
        return estimate
    return replace(estimate, confidence="low",
                   reason=f"{estimate.reason}; the driver {', '.join(low)} reads subclonal at this estimate: other variants may inflate it")


def _set_aside_ids(step: PlasmaStep, index: KbIndex) -> frozenset[str]:
    """Knowledgebase alterations matched only by variants the plasma reading set aside (blood, germline): they were
    seen, so their absence is not a negative."""
    excluded = step.plasma.excluded  # a property that builds the set: once, not per variant
    aside = [a for a in step.alterations if a.identity in excluded]
    return frozenset(kb_id for m in match_alterations(aside, index) for kb_id in m.kb_ids)
