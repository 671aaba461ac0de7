"""Plasma is not only tumor: where each small variant may come from, whether the sample can answer the
resistance question, and a small-cell transformation signal. Evidence with its numbers, never a verdict.

Every rule reads the knowledgebase's plasma knowledge (``knowledgebase/plasma.yaml``) and the run's plasma
thresholds (``settings.plasma``); both are passed in, so the rules are testable with any object of those shapes.
Rules, in order, for each small variant that passed the caller's filters (VAF ``v``, tumor fraction ``f``, factor ``k``):

0. A common benign polymorphism the knowledgebase lists (TP53 P72R): germline, left out, never flagged on page 1.
1. Matched white-blood-cell (WBC) calls (``--wbc-vcf``): the buffy-coat comparison of :mod:`annotator.plasma.wbc`
   (germline from 30% WBC VAF, a large CH clone there in a CH gene; CH below 20% when the WBC VAF exceeds the plasma
   VAF or its 95% interval holds it). A variant absent from the WBC VCF is "not called in WBC", not "absent".
2. A CH-specific hotspot: CH, excluded.
3. A VAF in the heterozygous band or at or above the homozygous level (not a knowledgebase driver allele) that the
   tumor fraction cannot explain (``f <= germline_max_tumor_fraction`` and ``v > k x f / 2``): possibly germline,
   excluded, with confirmatory germline testing (and counselling where the knowledgebase names the alteration) -
   unless the gene's copy number reads gained or amplified, or a driver read as tumor has a VAF ``>= v / k``: then kept,
   worded "germline or on the amplified allele; confirm". Unknown ``f``: not judged.
4. A CH gene: possible CH, not excluded. Genes read "only when discordant" (TP53): possible CH only when ``v > k x f``
   (a clonal tumor allele reaches ``f`` with loss of the other allele) or ``v < f / 2 / k``. Genes never excluded
   without WBC evidence (KRAS, NRAS, BRAF, EGFR): kept as tumor; above ``k x f / 2`` the tumor fraction is
   underestimated, the allele amplified or germline (CH does not explain it); below it, the CH rate is said.

The tumor fraction ``f``: a measured one (``--tumor-fraction``, ichorCNA) as given, unless it is below
``informative_min_tumor_fraction`` while a driver read as tumor implies more (2 x its VAF: the larger is used and the
conflict said); otherwise the one estimator (``annotator.plasma.fraction``) over what rules 0-4 did not read as blood
or germline-like, plus the panel's background variants below ``background_max_vaf``, with the driver alleles read as
tumor as a floor (2 x driver VAF, at most 1). The estimate is made in either case: beside a given one, a cross-check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from annotator.config_assay import AssayThresholds
from annotator.copynumber import TumorFraction
from annotator.interpret.drivers import StatedDriver
from annotator.kb.index import KbIndex
from annotator.matching import match_alterations
from annotator.models import (
    CopyNumberCall,
    Fusion,
    GeneCopyNumber,
    Observation,
    ProteinChange,
    SmallVariant,
    allele_key,
)
from annotator.plasma.evidence import Context, Driver, Variant, VariantOrigin, Verdict, pct, vaf_of
from annotator.plasma.fraction import FractionThresholdsLike, TumorFractionEstimate, estimate_tumor_fraction
from annotator.plasma.origins import first_pass, known_driver, plain_ch_gene, second_pass
from annotator.plasma.shapes import (
    ChHotspotLike,
    ChRateLike,
    PlasmaKnowledgeLike,
    PlasmaThresholdsLike,
    WbcLike,
)
from annotator.plasma.signals import (
    Informative,
    Recommendation,
    SampleEvidence,
    TransformationSignal,
    driver_not_assessable,
    not_informative,
    transformation_signal,
)

# Copy-number statuses under which a high VAF may be an amplified allele rather than a germline one.
_GAINED = frozenset({"amplification", "likely_amplification", "gain"})
# The input each kind of driver alteration is seen in; kinds not named are small variants.
_INPUT_FOR_KIND = {"fusion": "fusion", "amplification": "copy_number"}


@dataclass(frozen=True)
class StatedDriverQuery:
    """The stated driver (``--driver``) as the plasma rules look for it: its gene, its alteration kind, and whether
    the inputs given could show that kind (a fusion needs a fusion input)."""

    text: str
    gene: str
    kind: str | None
    assessable: bool


def stated_driver_query(text: str | None, stated: StatedDriver | None, index: KbIndex,
                        inputs_given: frozenset[str]) -> StatedDriverQuery | None:
    """``inputs_given``: the input kinds read (``small``, ``copy_number``, ``fusion``)."""
    if not text or stated is None:
        return None
    alteration = next((a for a in index.kb.alterations if a.id == stated.kb_id), None)
    kind = alteration.kind if alteration is not None else ("fusion" if "fusion" in text.lower() else None)
    needs = _INPUT_FOR_KIND.get(kind or "", "small")
    return StatedDriverQuery(text, stated.gene, kind, needs in inputs_given)


@dataclass(frozen=True)
class PlasmaReading:
    """What the plasma rules read in one sample. ``origins``: every variant a rule spoke about (verdict "tumor"
    included, with its reason); ``tumor_fraction``: the one the rules used, and how it was obtained; ``notes``: what
    page 1 must also say (a stated driver the inputs could not show, a TP53 set aside beside an inactivated RB1)."""

    origins: list[VariantOrigin]
    informative: Informative
    informative_reason: str | None
    tumor_fraction: float | None
    tumor_fraction_basis: str
    transformation: TransformationSignal | None
    recommendations: list[Recommendation]
    wbc_given: bool
    informative_why: str | None = None
    notes: tuple[str, ...] = ()
    estimate: TumorFractionEstimate | None = None  # the estimate from somatic variants (a cross-check when one was given)

    @property
    def excluded(self) -> frozenset[tuple]:
        """Identities of the variants left out of findings and therapies (CH, possibly germline)."""
        return frozenset(o.identity for o in self.origins if o.excluded)

    def kept(self, alterations: Sequence[Observation]) -> list[Observation]:
        """``alterations`` without the excluded ones: what matching and interpretation are given."""
        gone = self.excluded
        return [a for a in alterations if a.identity not in gone]


def read_plasma(
    alterations: Sequence[Observation], copy_numbers: Sequence[GeneCopyNumber], tf: TumorFraction, wbc: WbcLike | None,
    index: KbIndex, thresholds: PlasmaThresholdsLike, *, knowledge: PlasmaKnowledgeLike,
    driver: StatedDriverQuery | None, targeted_priors: bool, background: Sequence[SmallVariant] = (),
    assay: AssayThresholds | None = None,
) -> PlasmaReading:
    """Read a plasma sample: the origin of each small variant, whether it is informative, transformation.

    ``alterations``: every observation (small variants, copy-number calls, fusions); ``targeted_priors``: a targeted
    therapy was given before this sample; ``driver``: the stated driver (``--driver``) as looked for."""
    amplified = frozenset(c.gene for c in copy_numbers if c.status in _GAINED and c.filter == "PASS")
    ctx = Context(knowledge, thresholds, index, wbc, amplified)
    variants: list[Variant] = [a for a in alterations if isinstance(a, (SmallVariant, ProteinChange)) and a.filter == "PASS"]
    first = {a.identity: first_pass(a, ctx) for a in variants}
    open_ = [a for a in variants if first[a.identity] is None]
    drivers = tuple(Driver(a.gene, a.label, v) for a in open_ if (v := vaf_of(a)) is not None and known_driver(a, ctx))
    ctx = replace(ctx, drivers=drivers)
    somatic = [a for a in open_ if not plain_ch_gene(a.gene, ctx) and isinstance(a, SmallVariant)]
    assay = assay or AssayThresholds()
    estimate = _estimate([*somatic, *_not_in_blood(background, wbc, assay.background_max_vaf)], thresholds, assay)
    fraction, basis = _tumor_fraction(tf, estimate, drivers, thresholds)
    origins = [o for a in variants if (o := first[a.identity] or second_pass(a, fraction, ctx)) is not None]
    verdicts = {o.identity: o.verdict for o in origins}
    excluded = {o.identity for o in origins if o.excluded}
    kept = [a for a in alterations if a.identity not in excluded]
    evidence = SampleEvidence(
        stated_driver=driver.text if driver else None, driver_found=_driver_found(driver, kept, index),
        driver_assessable=driver.assessable if driver else True, fraction=fraction,
        measured=tf.value is not None and not tf.estimated,
        tumor_seen=any(verdicts.get(a.identity, "tumor") == "tumor" for a in variants) or _other_tumor_evidence(kept))
    reading = not_informative(evidence, thresholds.informative_min_tumor_fraction, list(knowledge.sources_not_informative))
    notes = [n for n in (driver_not_assessable(evidence, driver.kind if driver else None),) if n]
    signal = None
    if targeted_priors:
        tumor = [a for a in variants if verdicts.get(a.identity, "tumor") == "tumor"]
        aside = [a for a in variants if verdicts.get(a.identity, "tumor") != "tumor"]
        signal, note = transformation_signal(tumor, aside, copy_numbers, knowledge, thresholds.deep_loss_max_copy_number)
        notes += [note] if note else []
    recommendations = [r for r in (reading.recommendation, signal.recommendation if signal else None) if r is not None]
    recommendations += [Recommendation("germline", o.recommendation, list(o.sources)) for o in origins
                        if o.verdict == "possible_germline" and o.recommendation]
    return PlasmaReading(origins, reading.verdict, reading.reason, fraction, basis, signal, recommendations, wbc is not None,
                         reading.why, tuple(notes), estimate)


def _driver_found(driver: StatedDriverQuery | None, kept: Sequence[Observation], index: KbIndex) -> bool:
    """Whether plasma shows the stated driver's gene with a knowledgebase driver allele (not one read as blood)."""
    return driver is not None and any(
        m.observed.gene == driver.gene and m.observed.filter == "PASS" and any(h.kb.driver for h in m.hits)
        for m in match_alterations(list(kept), index))


def _other_tumor_evidence(kept: Sequence[Observation]) -> bool:
    """A fusion or an amplification call: tumor DNA beyond the small variants."""
    return any(a.filter == "PASS" and (isinstance(a, Fusion) or (isinstance(a, CopyNumberCall) and a.type == "amplification"))
               for a in kept)


def _not_in_blood(background: Sequence[SmallVariant], wbc: WbcLike | None, ceiling: float) -> list[SmallVariant]:
    """Background variants of the panel (no gene rules apply to them) below ``ceiling`` VAF, minus those the white
    blood cells also carry: a high-VAF background variant is more likely germline or blood than tumor."""
    called = {allele_key(v) for v in wbc.variants} if wbc is not None else set()
    return [v for v in background if (v.vaf or 0.0) < ceiling and allele_key(v) not in called]


def _estimate(variants: Sequence[SmallVariant], t: PlasmaThresholdsLike, assay: FractionThresholdsLike) -> TumorFractionEstimate:
    """The one estimator (annotator.plasma.fraction) over the variants read as tumor-like; made even when a fraction
    was given, as a cross-check shown beside it."""
    return estimate_tumor_fraction(variants, (), assay, t.germline_het_band)


def _tumor_fraction(tf: TumorFraction, estimate: TumorFractionEstimate, drivers: tuple[Driver, ...],
                    t: PlasmaThresholdsLike) -> tuple[float | None, str]:
    """The tumor fraction the rules read VAFs against (see the package docstring)."""
    top = max(drivers, key=lambda d: d.vaf, default=None)
    floor = None if top is None else min(1.0, 2 * top.vaf)
    if tf.value is not None and not tf.estimated:
        if top is not None and floor is not None and tf.value < t.informative_min_tumor_fraction and floor > tf.value:
            return floor, (f"{tf.source} gave {pct(tf.value)}, below {pct(t.informative_min_tumor_fraction)}, but the driver"
                           f" {top.label} at {pct(top.vaf)} implies at least {pct(floor)} tumor DNA: the two disagree, the"
                           " larger is used")
        return tf.value, tf.source
    value = estimate.value
    basis = f"estimated from somatic VAFs ({estimate.method}), leaving out variants read as blood or germline-like"
    if top is not None and floor is not None and (value is None or floor > value):
        return floor, (f"{basis}; raised to {pct(floor)} by the driver {top.label} at {pct(top.vaf)} (2 x its VAF, at most"
                       " 100%): a driver read as tumor sets a floor under the fraction")
    if value is None:
        return None, "unknown (no somatic VAF read as tumor to estimate it)"
    return value, basis


__all__ = [
    "ChHotspotLike", "ChRateLike", "Informative", "PlasmaKnowledgeLike", "PlasmaReading", "PlasmaThresholdsLike",
    "Recommendation", "StatedDriverQuery", "TransformationSignal", "VariantOrigin", "Verdict", "WbcLike", "read_plasma",
    "stated_driver_query",
]
