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


@dataclass(frozen=True)
class SampleEvidence:
    """What the sample shows of tumor DNA: the stated driver (as given) and whether plasma shows it, whether its
    alteration kind could have been looked for with the inputs given, whether any variant reads as tumor, and the tumor
    fraction with whether it was measured."""

    stated_driver: str | None
    driver_found: bool
    driver_assessable: bool
    tumor_seen: bool
    fraction: float | None
    measured: bool


@dataclass(frozen=True)
class InformativeReading:
    verdict: Informative
    why: str | None  # in a few words, for the headline
    reason: str | None
    recommendation: Recommendation | None


def not_informative(e: SampleEvidence, minimum: float, sources: list[SourceRef]) -> InformativeReading:
    """Not informative: the stated driver was not detected in plasma, or no variant reads as tumor and no tumor fraction
    was measured (ctDNA not detected); low shedding: the tumor fraction is below ``minimum``. A negative result of such a
    sample cannot rule a resistance mechanism out. A stated driver whose kind the inputs could not show is not 'absent'."""
    shown = "unknown" if e.fraction is None else f"{e.fraction:.1%}"
    scarce = e.fraction is not None and e.fraction < minimum
    absent = bool(e.stated_driver) and e.driver_assessable and not e.driver_found
    if absent and (scarce or e.fraction is None):
        why = "stated driver not detected"
        reason = (f"The stated driver ({e.stated_driver}) was not detected in plasma and the tumor fraction is {shown}:"
                  " circulating tumor DNA was not detected or is too scarce, so a negative result cannot rule out a"
                  " resistance mechanism.")
    elif absent:
        why = "stated driver not detected"
        reason = (f"The stated driver ({e.stated_driver}) was not detected in plasma, although other variants suggest a"
                  f" tumor fraction of {shown}: they may come from blood rather than the tumor, or the plasma may not"
                  " carry the clone with the driver, so a negative result cannot rule out a resistance mechanism.")
    elif not e.tumor_seen and not e.measured:
        why = "circulating tumor DNA not detected"
        reason = ("No variant was read as tumor and no tumor fraction was measured: circulating tumor DNA was not"
                  " detected, so a negative result cannot rule out a resistance mechanism.")
    elif scarce:
        return InformativeReading("low_shedding", "low tumor DNA shedding", f"Low shedding: the tumor fraction ({shown}) is"
                                  f" below {minimum:.1%}, so a negative result cannot rule out a resistance mechanism.",
                                  _advice(sources))
    else:
        return InformativeReading("informative", None, None, None)
    return InformativeReading("not_informative", why, reason, _advice(sources))


def _advice(sources: list[SourceRef]) -> Recommendation:
    text = f"Consider a {REBIOPSY} (or a repeat plasma test) before concluding that no resistance mechanism is present."
    return Recommendation("not_informative", text, list(sources))


def driver_not_assessable(e: SampleEvidence, kind: str | None) -> str | None:
    """What page 1 says of a stated driver the inputs given could not show (a fusion without a fusion input)."""
    if not e.stated_driver or e.driver_assessable or e.driver_found:
        return None
    return (f"The stated driver ({e.stated_driver}) is {'a ' + kind if kind else 'an alteration'} that the inputs given"
            " could not show: whether plasma carries it was not assessable (not 'not detected').")


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
    """A homozygous (deep) loss: the caller's deep-deletion call, or a copy-number status of copy loss whose adjusted
    interval's upper bound (or value, without an interval) is at or below ``max_copies`` tumor copies. A point estimate
    alone is not enough: at a low tumor fraction a small dip in plasma copies reads as zero tumor copies."""
    if cn.tool_call == "del" and cn.copy_number is None:
        return f"{cn.gene} deep deletion ({cn.source})"
    if cn.status != "copy_loss" and cn.tool_call != "del":
        return None
    tumor = cn.adjusted_copy_number if cn.adjusted_copy_number is not None else (cn.copy_number if cn.level == "tumor" else None)
    upper = cn.adjusted_interval[1] if cn.adjusted_interval is not None else tumor
    if tumor is None or upper is None or upper > max_copies:
        return None
    return f"{cn.gene} deep loss (about {tumor:.1f} tumor copies, at most {upper:.1f})"


def _tp53_like(variants: Sequence[SmallVariant | ProteinChange], k: PlasmaKnowledgeLike) -> list[str]:
    codons = list(k.transformation_tp53_hotspot_codons)
    return [f"{a.label} ({how})" for a in variants if a.gene == k.transformation_tp53_gene and (how := inactivating(a, codons))]


def transformation_signal(variants: Sequence[SmallVariant | ProteinChange], set_aside: Sequence[SmallVariant | ProteinChange],
                          copy_numbers: Sequence[GeneCopyNumber], k: PlasmaKnowledgeLike,
                          max_copies: float) -> tuple[TransformationSignal | None, str | None]:
    """Concurrent TP53 and RB1 inactivation (read only after targeted therapy) in ``variants`` (read as tumor); with a
    note when RB1 is inactivated but an inactivating TP53 variant was set aside as possible CH or germline."""
    rb1_gene = k.transformation_rb1_gene
    tp53 = _tp53_like(variants, k)
    rb1 = [f"{a.label} ({how})" for a in variants if a.gene == rb1_gene and (how := inactivating(a))]
    rb1 += [loss for c in copy_numbers if c.gene == rb1_gene and c.filter == "PASS" and (loss := deep_loss(c, max_copies))]
    if not rb1:
        return None, None
    if not tp53:
        aside = _tp53_like(set_aside, k)
        note = (f"{rb1_gene} is inactivated ({', '.join(rb1)}) and {k.transformation_tp53_gene} {', '.join(aside)} was set"
                " aside as possibly not from the tumor (see the plasma section): if it is the tumor's, this is the"
                " concurrent inactivation that signals possible small-cell transformation.") if aside else None
        return None, note
    reason = (f"Concurrent {k.transformation_tp53_gene} ({', '.join(tp53)}) and {rb1_gene} ({', '.join(rb1)}) inactivation"
              " after targeted therapy: a possible signal of small-cell transformation, which plasma DNA alone cannot establish.")
    text = f"Consider a {REBIOPSY} to look for small-cell (or other histologic) transformation."
    signal = TransformationSignal(tp53[0], rb1, reason, Recommendation("transformation", text, list(k.sources_transformation)))
    return signal, None
