"""The cell fraction of one small variant: what share of the tumor cells whose DNA is in the plasma carry it.

**Rule.** At tumor fraction ``tf``, a clonal heterozygous variant with ``m`` mutant copies in a gene at tumor copy
number ``CN`` (2 when not known) has the expected plasma VAF

    expected(m) = tf * m / (tf * CN + 2 * (1 - tf))

(the normal cells contribute two wild-type copies each). ``expected_clonal_vaf`` is reported for ``m = 1``. The cell
fraction is ``CCF = VAF / expected(m)``, with ``m = 1`` except in an amplified gene (known ``CN > 2``) whose VAF is
higher than one mutant copy can explain: then the mutation is read as sitting on amplified copies and
``m = round(VAF / expected(1))``, at most ``round(CN)`` (a multiplicity estimate; no allele-specific copy number
is read). So an amplified gene lowers the cell fraction of a high VAF that a diploid reading would put far
above 1, and raises that of a VAF one copy explains (its expected clonal VAF is lower).

**Interval.** The Wilson score interval of ``alt / depth`` at level ``ccf_interval`` (alt reads = VAF x depth,
rounded), divided by ``expected(m)``: the same scaling as the point value. Values are shown raw (above 1 is possible:
noise, loss of heterozygosity, a copy number not known); the label compares them capped at 1.

**Label** (``t = clonal_ccf_threshold``): "clonal" when the whole interval is at or above ``t``; "subclonal" when it
is wholly below ``t``; "indeterminate" when it spans ``t`` (the depth cannot tell); "unknown" without a tumor
fraction, a VAF or a depth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal, Protocol

from annotator.models import SmallVariant

ClonalityLabel = Literal["clonal", "subclonal", "indeterminate", "unknown"]
DIPLOID = 2.0


class ClonalityThresholdsLike(Protocol):
    """The assay thresholds the cell fraction reads (``annotator.config_assay.AssayThresholds``)."""

    @property
    def clonal_ccf_threshold(self) -> float: ...
    @property
    def ccf_interval(self) -> float: ...


@dataclass(frozen=True)
class Clonality:
    """A variant's cell fraction (raw, may exceed 1) with its interval, label and the basis of the reading.
    ``multiplicity``: the mutant copies ``m`` used; ``copy_number``: the tumor copy number used (None: assumed 2)."""

    ccf: float | None
    low: float | None
    high: float | None
    label: ClonalityLabel
    expected_clonal_vaf: float | None
    multiplicity: int = 1
    copy_number: float | None = None


def expected_clonal_vaf(tf: float, copy_number: float | None = None, mutant_copies: int = 1) -> float:
    """The plasma VAF of a clonal variant with ``mutant_copies`` at tumor copy number ``copy_number`` (None: 2)."""
    cn = DIPLOID if copy_number is None else copy_number
    return tf * mutant_copies / (tf * cn + 2 * (1 - tf))


def wilson_interval(alt: int, depth: int, level: float) -> tuple[float, float]:
    """The Wilson score interval of a binomial proportion ``alt / depth`` at confidence ``level``."""
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    p = alt / depth
    denominator = 1 + z * z / depth
    centre = (p + z * z / (2 * depth)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / depth + z * z / (4 * depth * depth))
    return max(0.0, centre - half), min(1.0, centre + half)


def multiplicity(vaf: float, tf: float, copy_number: float | None) -> int:
    """Mutant copies ``m``: 1, unless a known amplification (CN > 2) and a VAF above one copy's expectation."""
    if copy_number is None or copy_number <= DIPLOID:
        return 1
    ratio = vaf / expected_clonal_vaf(tf, copy_number)
    return max(1, min(round(ratio), max(1, round(copy_number))))


def label_for(low: float, high: float, threshold: float) -> ClonalityLabel:
    """The label of a cell-fraction interval (values capped at 1)."""
    if min(low, 1.0) >= threshold:
        return "clonal"
    if min(high, 1.0) < threshold:
        return "subclonal"
    return "indeterminate"


def cell_fraction(
    v: SmallVariant, tf: float | None, copy_number: float | None, thresholds: ClonalityThresholdsLike,
) -> Clonality:
    """The cell fraction of ``v`` at tumor fraction ``tf`` (the rule: the module docstring). ``copy_number``: the
    gene's tumor copy number when known (e.g. the tumor-adjusted value of its copy-number call), else None."""
    if tf is None or not 0 < tf <= 1:
        return Clonality(None, None, None, "unknown", None, copy_number=copy_number)
    expected = expected_clonal_vaf(tf, copy_number)
    if v.vaf is None or not v.depth:
        return Clonality(None, None, None, "unknown", round(expected, 6), copy_number=copy_number)
    m = multiplicity(v.vaf, tf, copy_number)
    scale = expected_clonal_vaf(tf, copy_number, m)
    lo, hi = wilson_interval(round(v.vaf * v.depth), v.depth, thresholds.ccf_interval)
    ccf, low, high = v.vaf / scale, lo / scale, hi / scale
    return Clonality(
        round(ccf, 4), round(low, 4), round(high, 4), label_for(low, high, thresholds.clonal_ccf_threshold),
        round(expected, 6), m, copy_number,
    )
