"""What the sample as a whole says: whether it can answer the resistance question, and a small-cell
transformation signal (concurrent TP53 and RB1 inactivation after targeted therapy)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from annotator.kb.references import SourceRef
from annotator.models import GeneCopyNumber, ProteinChange, SmallVariant
from annotator.plasma.shapes import PlasmaKnowledgeLike

Informative = Literal["informative", "not_informative", "low_shedding"]
# Nonsense (p.R213*, p.R213X) or frameshift (p.P72fs, p.P72Rfs*7); a stop-loss (p.*394Qext*) is not truncating.
_TRUNCATING = re.compile(r"^p\.[A-Z][^*]*(?:(?:\*|X|Ter)$|fs)")
_SPLICE = re.compile(r"^c\.[-*]?\d+[+-][12][ACGT]?")  # canonical splice site: intron position +/-1 or 2
_MISSENSE = re.compile(r"^p\.([A-Z])(\d+)([A-Z])$")
REBIOPSY = "tissue re-biopsy"


@dataclass(frozen=True)
class Recommendation:
    topic: Literal["not_informative", "transformation", "germline"]
    text: str
    sources: list[SourceRef] = field(default_factory=list)


@dataclass(frozen=True)
class TransformationSignal:
    tp53: str  # label of the inactivating TP53 alteration
    rb1: list[str]  # labels of the RB1 inactivation(s): mutations, deep loss
    reason: str
    recommendation: Recommendation


def not_informative(stated_driver: str | None, driver_found: bool, fraction: float | None, minimum: float,
                    sources: list[SourceRef]) -> tuple[Informative, str | None, Recommendation | None]:
    """Not informative: the stated driver was not detected in plasma (ctDNA not detected); low shedding: the tumor
    fraction is below ``minimum``. A negative result of such a sample cannot rule a resistance mechanism out."""
    shown = "unknown" if fraction is None else f"{fraction:.1%}"
    scarce = fraction is not None and fraction < minimum
    if stated_driver and not driver_found and (scarce or fraction is None):
        reason = (f"The stated driver ({stated_driver}) was not detected in plasma and the tumor fraction is {shown}:"
                  " circulating tumor DNA was not detected or is too scarce, so a negative result cannot rule out a"
                  " resistance mechanism.")
        verdict: Informative = "not_informative"
    elif stated_driver and not driver_found:
        reason = (f"The stated driver ({stated_driver}) was not detected in plasma, although other variants suggest a"
                  f" tumor fraction of {shown}: they may come from blood rather than the tumor, or the plasma may not"
                  " carry the clone with the driver, so a negative result cannot rule out a resistance mechanism.")
        verdict = "not_informative"
    elif scarce:
        reason = (f"Low shedding: the tumor fraction ({shown}) is below {minimum:.1%}, so a negative result cannot rule"
                  " out a resistance mechanism.")
        verdict = "low_shedding"
    else:
        return "informative", None, None
    text = f"Consider a {REBIOPSY} (or a repeat plasma test) before concluding that no resistance mechanism is present."
    return verdict, reason, Recommendation("not_informative", text, list(sources))


def inactivating(a: SmallVariant | ProteinChange, hotspot_codons: Sequence[int] = ()) -> str | None:
    """How a small variant inactivates its gene (truncating, splice site, hotspot missense), or None."""
    hgvsp = a.hgvsp or ""
    if _TRUNCATING.match(hgvsp):
        return "truncating"
    hgvsc = a.hgvsc if isinstance(a, SmallVariant) else None
    if hgvsc and _SPLICE.match(hgvsc) and (not hgvsp or hgvsp.endswith("=") or "?" in hgvsp):
        return "splice site"
    m = _MISSENSE.match(hgvsp)
    if m and m.group(1) != m.group(3) and int(m.group(2)) in hotspot_codons:
        return "hotspot missense"
    return None


def deep_loss(cn: GeneCopyNumber, max_copies: float) -> str | None:
    """A homozygous (deep) loss: tumor copies at or below ``max_copies``, or the caller's deep-deletion call."""
    tumor = cn.adjusted_copy_number if cn.adjusted_copy_number is not None else (cn.copy_number if cn.level == "tumor" else None)
    if tumor is not None:
        return f"{cn.gene} deep loss (about {tumor:.1f} tumor copies)" if tumor <= max_copies else None
    return f"{cn.gene} deep deletion ({cn.source})" if cn.tool_call == "del" and cn.copy_number is None else None


def transformation_signal(variants: Sequence[SmallVariant | ProteinChange], copy_numbers: Sequence[GeneCopyNumber],
                          k: PlasmaKnowledgeLike, max_copies: float) -> TransformationSignal | None:
    """Concurrent TP53 and RB1 inactivation (read only after targeted therapy; variants read as blood or germline
    are not given here)."""
    codons = list(k.transformation_tp53_hotspot_codons)
    tp53 = [f"{a.label} ({how})" for a in variants if a.gene == "TP53" and (how := inactivating(a, codons))]
    rb1 = [f"{a.label} ({how})" for a in variants if a.gene == "RB1" and (how := inactivating(a))]
    rb1 += [loss for c in copy_numbers if c.gene == "RB1" and c.filter == "PASS" and (loss := deep_loss(c, max_copies))]
    if not (tp53 and rb1):
        return None
    reason = (f"Concurrent TP53 ({', '.join(tp53)}) and RB1 ({', '.join(rb1)}) inactivation after targeted therapy:"
              " a possible signal of small-cell transformation, which plasma DNA alone cannot establish.")
    text = f"Consider a {REBIOPSY} to look for small-cell (or other histologic) transformation."
    return TransformationSignal(tp53[0], rb1, reason, Recommendation("transformation", text, list(k.sources_transformation)))
