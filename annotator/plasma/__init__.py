"""Plasma is not only tumor: where each small variant may come from, whether the sample can answer the
resistance question, and a small-cell transformation signal. Evidence with its numbers, never a verdict.

Every rule reads the knowledgebase's plasma knowledge (``knowledgebase/plasma.yaml``) and the run's plasma
thresholds (``settings.plasma``); both are passed in, so the rules are testable with any object of those shapes.
Rules, in order, for each small variant that passed the caller's filters (VAF ``v``, tumor fraction ``f``):

1. Matched white-blood-cell (WBC) calls (``--wbc-vcf``): the same chrom/pos/ref/alt counts as present in the
   blood with VAF ``w >= wbc_min_vaf`` and ``wbc_min_alt_reads`` alt reads (``w x depth``, when the depth is
   known). ``w >= wbc_germline_min_vaf``: possibly germline (excluded). ``w >= v / 2``: the blood explains the
   plasma signal (at least half of it is in the WBC): clonal hematopoiesis, excluded. Present but lower:
   possible CH, shown with both VAFs, not excluded (tumor and blood may share it).
2. A CH-specific hotspot (any missense at its codon, or exactly its protein change): CH, excluded.
3. A VAF in the heterozygous band or at or above the homozygous level (not a knowledgebase driver allele) that the tumor fraction cannot
   explain: ``f < germline_max_tumor_fraction`` and ``v > discordance_factor x f / 2``: possibly germline,
   excluded from findings, with confirmatory germline testing and counselling where the knowledgebase names
   the alteration. Unknown ``f``: not judged.
4. A CH gene: possible CH, not excluded (matched WBC calls given and the variant absent from them: tumor).
   Genes read "only when discordant" (TP53): possible CH only when ``v > factor x f / 2`` or
   ``v < f / 2 / factor``. Genes never excluded without WBC evidence (KRAS, NRAS, BRAF, EGFR): kept as tumor;
   when discordant, the reason says how often CH was found in them.

The tumor fraction ``f``: a measured one (``--tumor-fraction``, ichorCNA) as given; an estimate from VAFs is
made again leaving out what rules 1-4 read as blood or germline-like (VAFs at or above the heterozygous band),
and never above the pipeline's own estimate (which left out VAFs above ``estimate_max_vaf``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from annotator.copynumber import TumorFraction, estimate_from_vafs
from annotator.kb.index import KbIndex
from annotator.models import GeneCopyNumber, Observation, ProteinChange, SmallVariant, allele_key
from annotator.plasma.origins import (
    Context,
    Variant,
    VariantOrigin,
    Verdict,
    first_pass,
    germline_like,
    second_pass,
    vaf_of,
)
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
    TransformationSignal,
    not_informative,
    transformation_signal,
)


@dataclass(frozen=True)
class PlasmaReading:
    """What the plasma rules read in one sample. ``origins``: every variant a rule spoke about (verdict "tumor"
    included, with its reason); ``tumor_fraction``: the one the rules used, and how it was obtained."""

    origins: list[VariantOrigin]
    informative: Informative
    informative_reason: str | None
    tumor_fraction: float | None
    tumor_fraction_basis: str
    transformation: TransformationSignal | None
    recommendations: list[Recommendation]
    wbc_given: bool

    @property
    def excluded(self) -> frozenset[tuple]:
        """Identities of the variants left out of findings and therapies (CH, possibly germline)."""
        return frozenset(o.identity for o in self.origins if o.excluded)

    def kept(self, alterations: Sequence[Observation]) -> list[Observation]:
        """``alterations`` without the excluded ones: what matching and interpretation are given."""
        gone = self.excluded
        return [a for a in alterations if a.identity not in gone]


def read_plasma(
    small: Sequence[Observation], copy_numbers: Sequence[GeneCopyNumber], tf: TumorFraction, wbc: WbcLike | None,
    index: KbIndex, thresholds: PlasmaThresholdsLike, *, knowledge: PlasmaKnowledgeLike, stated_driver: str | None,
    targeted_priors: bool, driver_found: bool,
) -> PlasmaReading:
    """Read a plasma sample: the origin of each small variant, whether it is informative, transformation.

    ``targeted_priors``: a targeted therapy was given before this sample; ``stated_driver``: the driver as given
    (``--driver``), ``driver_found``: whether plasma shows it."""
    calls = None if wbc is None else {allele_key(v): v for v in wbc.variants}
    ctx = Context(knowledge, thresholds, index, calls)
    variants: list[Variant] = [a for a in small if isinstance(a, (SmallVariant, ProteinChange)) and a.filter == "PASS"]
    first = {a.identity: first_pass(a, ctx) for a in variants}
    fraction, basis = _tumor_fraction(tf, [a for a in variants if first[a.identity] is None], thresholds)
    origins = [o for a in variants if (o := first[a.identity] or second_pass(a, fraction, ctx)) is not None]
    informative, reason, advice = not_informative(stated_driver, driver_found, fraction, thresholds.informative_min_tumor_fraction,
                                                  list(knowledge.sources_not_informative))
    flagged = {o.identity for o in origins if o.verdict != "tumor"}
    signal = transformation_signal([a for a in variants if a.identity not in flagged], copy_numbers, knowledge,
                                   thresholds.deep_loss_max_copy_number) if targeted_priors else None
    recommendations = [r for r in (advice, signal.recommendation if signal else None) if r is not None]
    recommendations += [Recommendation("germline", o.recommendation, list(o.sources)) for o in origins
                        if o.verdict == "possible_germline" and o.recommendation]
    return PlasmaReading(origins, informative, reason, fraction, basis, signal, recommendations, wbc is not None)


def _tumor_fraction(tf: TumorFraction, tumor_like: list[Variant], t: PlasmaThresholdsLike) -> tuple[float | None, str]:
    """The tumor fraction the rules read VAFs against (see the package docstring)."""
    if tf.value is not None and not tf.estimated:
        return tf.value, tf.source
    somatic = [a for a in tumor_like if isinstance(a, SmallVariant) and not germline_like(vaf_of(a), t)]
    again = estimate_from_vafs(list(somatic), t.germline_het_band[0]).value
    if again is None:
        return None, "unknown (no somatic VAF read as tumor to estimate it)"
    value = min(again, tf.value) if tf.value is not None else again
    return value, "estimated from somatic VAFs (2 x highest VAF), leaving out variants read as blood or germline-like"


__all__ = [
    "ChHotspotLike", "ChRateLike", "Informative", "PlasmaKnowledgeLike", "PlasmaReading", "PlasmaThresholdsLike",
    "Recommendation", "TransformationSignal", "VariantOrigin", "Verdict", "WbcLike", "read_plasma",
]
