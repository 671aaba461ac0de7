"""One tumor fraction per sample, estimated from the variant allele fractions (VAFs) of somatic-looking variants.

Used when no tumor fraction is given (``--tumor-fraction``) or measured (ichorCNA); the sample's
:class:`~annotator.copynumber.TumorFraction` names which of the three it is.

**Informative variant.** A small variant (knowledgebase gene, or a background variant read in a panel target outside
every knowledgebase gene) that passed the caller's filters (FILTER PASS), has a depth of at least ``min_depth``, a VAF
above 0 and below the germline band's lower edge, is not synonymous (``"="`` in its protein change), and is not among
the identities the plasma rules read as clonal hematopoiesis, possible CH or possibly germline (``excluded``).

**Estimator: twice the upper median of the top-k informative VAFs, k = min(3, n).** A clonal heterozygous variant in a
diploid region of the tumor has VAF ``tf / 2`` in plasma; the highest informative VAFs are the clonal ones (subclonal
variants sit lower), so the estimate is ``2 x`` the median of the ``k`` highest VAFs (the upper middle one when ``k``
is even: with two variants, the higher). Why robust: one low VAF (a subclonal knowledgebase-gene variant, a
resistance mutation in a minor clone) never lowers it while other variants sit higher, and one unflagged high outlier
(an amplified allele, an unrecognised germline or CH variant below the band) moves it only to the next VAF down. The
estimate is capped at 1. It is a clonal-heterozygous reading: loss of heterozygosity or a mutation on amplified copies
raises a VAF above ``tf / 2``, and a sample without clonal variants reads low.

**Accuracy (tests/test_issue17_fraction.py).** VAFs drawn binomially (depth 1000-3000) at tumor fractions 0.5%, 2%,
8% and 30%, with three to five clonal heterozygous variants, two to four subclonal ones (cell fraction 0.2-0.5), a
low subclonal knowledgebase-gene variant and germline-band and CH variants that must be ignored: the estimate lies
within the stated tolerance -- relative 35% or absolute 0.5 percentage points, whichever is larger -- in at least 95%
of 200 draws at each fraction.

**Confidence.** "low" when fewer than ``tf_min_variants`` variants are informative, or the estimate is below
``tf_low_confidence_below`` (at low tumor fractions a clonal variant has a handful of alt reads, and binomial noise
dominates); the reason says which. Otherwise "high".
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from annotator.models import SmallVariant

TOP_K = 3
Confidence = Literal["high", "low"]


class FractionThresholdsLike(Protocol):
    """The assay thresholds the estimator reads (``annotator.config_assay.AssayThresholds``)."""

    @property
    def min_depth(self) -> int: ...
    @property
    def tf_min_variants(self) -> int: ...
    @property
    def tf_low_confidence_below(self) -> float: ...


@dataclass(frozen=True)
class TumorFractionEstimate:
    """The estimate, how it was made, and how far to trust it. ``value`` None: no informative variant.
    ``used``: the labels of the variants whose VAFs made the value (the top ``k``), highest first."""

    value: float | None
    method: str
    confidence: Confidence
    n_informative: int
    reason: str
    used: tuple[str, ...] = ()


def informative(v: SmallVariant, excluded: Collection[tuple], min_depth: int, germline_low: float) -> bool:
    """Whether ``v`` may inform the tumor-fraction estimate (the rule: the module docstring)."""
    return (
        v.filter == "PASS" and v.vaf is not None and 0 < v.vaf < germline_low
        and v.depth is not None and v.depth >= min_depth
        and "=" not in (v.hgvsp or "") and v.identity not in excluded
    )


def upper_median(values: Sequence[float]) -> float:
    """The median of ``values``; for an even count the upper of the two middle values."""
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def estimate_tumor_fraction(
    variants: Sequence[SmallVariant], excluded: Collection[tuple], thresholds: FractionThresholdsLike,
    germline_band: tuple[float, float],
) -> TumorFractionEstimate:
    """Estimate the tumor fraction from ``variants`` (knowledgebase-gene and background small variants together).

    ``excluded``: identities (``SmallVariant.identity``) the plasma rules read as CH, possible CH or possibly
    germline; ``germline_band``: the heterozygous germline VAF band ``(low, high)``; VAFs from ``low`` up are left out.
    """
    t = thresholds
    usable = [v for v in variants if informative(v, excluded, t.min_depth, germline_band[0])]
    n = len(usable)
    if not usable:
        return TumorFractionEstimate(
            None, "none", "low", 0,
            f"no informative variant (PASS, depth >= {t.min_depth}, VAF below {germline_band[0]:.0%}, not CH or "
            "germline-like, not synonymous) to estimate it from",
        )
    top = sorted(usable, key=lambda v: v.vaf or 0.0, reverse=True)[: min(TOP_K, n)]
    k = len(top)
    value = min(1.0, round(2 * upper_median([v.vaf or 0.0 for v in top]), 4))
    method = f"2 x median of the top {k} informative VAF{'s' if k > 1 else ''} (of {n})"
    confidence, reason = _confidence(value, n, t)
    return TumorFractionEstimate(value, method, confidence, n, reason, tuple(v.label for v in top))


def _confidence(value: float, n: int, t: FractionThresholdsLike) -> tuple[Confidence, str]:
    """ "low" with the reasons, or "high"."""
    why = []
    if n < t.tf_min_variants:
        why.append(f"only {n} informative variant{'s' if n != 1 else ''} (fewer than {t.tf_min_variants})")
    if value < t.tf_low_confidence_below:
        why.append(f"the estimate {value:.2%} is below {t.tf_low_confidence_below:.0%}, where a clonal variant has"
                   " few alt reads and sampling noise dominates")
    if why:
        return "low", "; ".join(why)
    return "high", f"{n} informative variants, estimate at or above {t.tf_low_confidence_below:.0%}"
