"""What every plasma origin rule shares: the reading of one variant (:class:`VariantOrigin`), the sample context the
rules read it in (:class:`Context`), and the small helpers that word numbers and germline advice."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from annotator.kb.index import KbIndex
from annotator.kb.references import SourceRef
from annotator.models import ProteinChange, SmallVariant
from annotator.plasma.shapes import PlasmaKnowledgeLike, PlasmaThresholdsLike, WbcLike

Verdict = Literal["ch", "possible_ch", "possible_germline", "tumor"]
Variant = SmallVariant | ProteinChange


@dataclass(frozen=True)
class VariantOrigin:
    """Where one variant may come from, with the numbers behind the reading. ``known_benign``: a common population
    polymorphism the knowledgebase lists (left out of findings, never flagged on page 1)."""

    identity: tuple
    label: str
    gene: str
    vaf: float | None
    depth: int | None
    wbc_vaf: float | None
    tumor_fraction: float | None
    verdict: Verdict
    excluded: bool  # left out of findings and therapies
    reason: str
    numbers: dict[str, float | None] = field(default_factory=dict)
    recommendation: str | None = None
    sources: list[SourceRef] = field(default_factory=list)
    known_benign: bool = False


@dataclass(frozen=True)
class Driver:
    """A knowledgebase driver allele read as tumor in this sample, with its VAF."""

    gene: str
    label: str
    vaf: float


@dataclass(frozen=True)
class Context:
    """The sample the rules read one variant in. ``amplified``: genes whose copy number reads amplification, likely
    amplification or gain; ``drivers``: knowledgebase driver alleles read as tumor (filled before the second pass)."""

    knowledge: PlasmaKnowledgeLike
    thresholds: PlasmaThresholdsLike
    index: KbIndex
    wbc: WbcLike | None  # None: no matched WBC calls given
    amplified: frozenset[str] = frozenset()
    drivers: tuple[Driver, ...] = ()


def vaf_of(a: Variant) -> float | None:
    return a.vaf if isinstance(a, SmallVariant) else None


def pct(v: float | None) -> str:
    return "unknown" if v is None else f"{v:.1%}"


def make_origin(a: Variant, verdict: Verdict, reason: str, *, wbc_vaf: float | None = None, fraction: float | None = None,
                recommendation: str | None = None, sources: list[SourceRef] | None = None,
                excluded: bool | None = None, known_benign: bool = False) -> VariantOrigin:
    """An origin reading; excluded by default when read as CH or possibly germline."""
    vaf = vaf_of(a)
    return VariantOrigin(
        identity=a.identity, label=a.label, gene=a.gene, vaf=vaf, depth=a.depth if isinstance(a, SmallVariant) else None,
        wbc_vaf=wbc_vaf, tumor_fraction=fraction, verdict=verdict,
        excluded=verdict in ("ch", "possible_germline") if excluded is None else excluded,
        reason=reason, numbers={"vaf": vaf, "wbc_vaf": wbc_vaf, "tumor_fraction": fraction,
                                "expected_clonal_vaf": None if fraction is None else fraction / 2},
        recommendation=recommendation, sources=list(sources or []), known_benign=known_benign,
    )


def germline_advice(a: Variant, ctx: Context) -> str:
    """Confirmatory germline testing (and counselling where the knowledgebase names the alteration)."""
    protein = (a.hgvsp or "").removeprefix("p.")
    named = [alt for alt in ctx.index.kb.alterations if alt.id in ctx.knowledge.germline_counselling
             and alt.gene == a.gene and protein and protein in alt.protein]
    if named:
        return (f"{a.label} may be germline: recommend confirmatory germline testing and genetic counselling"
                f" (germline {named[0].name} is a hereditary lung-cancer risk).")
    return f"{a.label} may be germline: confirm with germline testing (or matched white-blood-cell sequencing) if it changes care."
