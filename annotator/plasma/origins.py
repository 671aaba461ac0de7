"""Where one small variant may come from: clonal hematopoiesis, the germline, or the tumor (rules: the package)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from annotator.kb.index import KbIndex
from annotator.kb.references import SourceRef
from annotator.matching import match_alterations
from annotator.models import ProteinChange, SmallVariant, allele_key
from annotator.plasma.shapes import PlasmaKnowledgeLike, PlasmaThresholdsLike

Verdict = Literal["ch", "possible_ch", "possible_germline", "tumor"]
Variant = SmallVariant | ProteinChange
WbcKey = tuple[str, int, str, str]
_MISSENSE = re.compile(r"^p\.([A-Z])(\d+)([A-Z])$")


@dataclass(frozen=True)
class VariantOrigin:
    """Where one variant may come from, with the numbers behind the reading."""

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


@dataclass(frozen=True)
class Context:
    knowledge: PlasmaKnowledgeLike
    thresholds: PlasmaThresholdsLike
    index: KbIndex
    wbc: dict[WbcKey, SmallVariant] | None  # None: no matched WBC calls given


def vaf_of(a: Variant) -> float | None:
    return a.vaf if isinstance(a, SmallVariant) else None


def germline_like(vaf: float | None, t: PlasmaThresholdsLike) -> bool:
    """A VAF in the heterozygous band, or at or above the homozygous level."""
    low, high = t.germline_het_band
    return vaf is not None and (low <= vaf <= high or vaf >= t.germline_hom_min_vaf)


def discordant(vaf: float | None, fraction: float | None, factor: float) -> bool:
    """The VAF departs from a clonal heterozygous tumor variant's (``fraction / 2``) by more than ``factor``."""
    if vaf is None or not fraction:
        return False
    expected = fraction / 2
    return vaf > factor * expected or vaf < expected / factor


def _pct(v: float | None) -> str:
    return "unknown" if v is None else f"{v:.1%}"


def _origin(a: Variant, verdict: Verdict, reason: str, *, wbc_vaf: float | None = None, fraction: float | None = None,
            recommendation: str | None = None, sources: list[SourceRef] | None = None) -> VariantOrigin:
    vaf = vaf_of(a)
    return VariantOrigin(
        identity=a.identity, label=a.label, gene=a.gene, vaf=vaf, depth=a.depth if isinstance(a, SmallVariant) else None,
        wbc_vaf=wbc_vaf, tumor_fraction=fraction, verdict=verdict, excluded=verdict in ("ch", "possible_germline"),
        reason=reason, numbers={"vaf": vaf, "wbc_vaf": wbc_vaf, "tumor_fraction": fraction,
                                "expected_clonal_vaf": None if fraction is None else fraction / 2},
        recommendation=recommendation, sources=list(sources or []),
    )


def _in_wbc(a: Variant, ctx: Context) -> SmallVariant | None:
    """The matched WBC call of ``a`` when the blood carries it above the thresholds."""
    if ctx.wbc is None or not isinstance(a, SmallVariant):
        return None
    w = ctx.wbc.get(allele_key(a))  # contigs bare, left-aligned alleles when both files were
    t = ctx.thresholds
    if w is None or w.vaf is None or w.vaf < t.wbc_min_vaf:
        return None
    if w.depth is not None and round(w.vaf * w.depth) < t.wbc_min_alt_reads:
        return None
    return w


def _wbc_origin(a: Variant, w: SmallVariant, ctx: Context) -> VariantOrigin:
    """Rule 1: the variant is in the matched white-blood-cell calls."""
    t, k = ctx.thresholds, ctx.knowledge
    vaf, wv = vaf_of(a), w.vaf or 0.0
    both = f"plasma VAF {_pct(vaf)}, white-blood-cell VAF {_pct(wv)}"
    if wv >= t.wbc_germline_min_vaf:
        return _origin(a, "possible_germline", f"Present in the matched white blood cells at a germline-like VAF ({both};"
                       f" from {t.wbc_germline_min_vaf:.0%}): possibly germline, not acquired.", wbc_vaf=wv,
                       recommendation=_germline_advice(a, ctx), sources=list(k.sources_germline))
    if vaf is None or wv >= vaf / 2:
        return _origin(a, "ch", f"Present in the matched white blood cells ({both}): the blood carries at least half of the"
                       " plasma signal, so clonal hematopoiesis explains it; left out of findings and therapies.",
                       wbc_vaf=wv, sources=list(k.sources_ch))
    return _origin(a, "possible_ch", f"Present in the matched white blood cells, but at less than half the plasma VAF ({both}):"
                   " clonal hematopoiesis may explain part of it; kept as a finding.", wbc_vaf=wv, sources=list(k.sources_ch))


def ch_hotspot(a: Variant, k: PlasmaKnowledgeLike) -> bool:
    """A CH-specific hotspot: exactly its protein change, or (no protein named) any missense at its codon."""
    hgvsp = a.hgvsp or ""
    m = _MISSENSE.match(hgvsp)
    for h in k.ch_hotspots:
        if h.gene != a.gene:
            continue
        if h.protein is not None:
            if hgvsp.removeprefix("p.") == h.protein.removeprefix("p."):
                return True
        elif m and int(m.group(2)) == h.codon and m.group(1) != m.group(3):
            return True
    return False


def first_pass(a: Variant, ctx: Context) -> VariantOrigin | None:
    """Rules that need no tumor fraction (WBC evidence, CH hotspots, CH genes); None: read with the tumor fraction."""
    k = ctx.knowledge
    w = _in_wbc(a, ctx)
    if w is not None:
        return _wbc_origin(a, w, ctx)
    if ch_hotspot(a, k):
        absent = " (not found in the matched white-blood-cell calls, which may be less deep)" if ctx.wbc is not None else ""
        return _origin(a, "ch", f"A hotspot specific to clonal hematopoiesis{absent}: read as blood, not tumor;"
                       f" VAF {_pct(vaf_of(a))}. Left out of findings and therapies.", sources=list(k.sources_ch))
    if germline_like(vaf_of(a), ctx.thresholds) or a.gene in k.ch_discordance_only or a.gene in k.ch_wbc_only:
        return None
    return _ch_gene_origin(a, ctx)


def _ch_gene_origin(a: Variant, ctx: Context) -> VariantOrigin | None:
    """A plain CH gene (not one read only when discordant, nor one never excluded without WBC evidence)."""
    k = ctx.knowledge
    if a.gene not in k.ch_genes or a.gene in k.ch_discordance_only or a.gene in k.ch_wbc_only:
        return None
    if ctx.wbc is not None:
        return _origin(a, "tumor", f"In a clonal-hematopoiesis gene, but not in the matched white-blood-cell calls;"
                       f" VAF {_pct(vaf_of(a))}.", sources=list(k.sources_ch))
    return _origin(a, "possible_ch", f"In a gene often mutated in clonal hematopoiesis; VAF {_pct(vaf_of(a))}. Possible CH,"
                   " kept as a finding: matched white-blood-cell sequencing would tell.", sources=list(k.sources_ch))


def second_pass(a: Variant, fraction: float | None, ctx: Context) -> VariantOrigin | None:
    """Rules read against the tumor fraction: germline-like VAFs, then genes read only when discordant."""
    t, k = ctx.thresholds, ctx.knowledge
    vaf = vaf_of(a)
    if germline_like(vaf, t) and vaf is not None and not _known_driver(a, ctx):
        if fraction is not None and fraction < t.germline_max_tumor_fraction and vaf > t.discordance_factor * fraction / 2:
            return _origin(a, "possible_germline", f"VAF {_pct(vaf)} at a germline level that the tumor fraction ({_pct(fraction)})"
                           f" cannot explain (more than {t.discordance_factor:g} x the {_pct(fraction / 2)} of a clonal tumor"
                           " variant): possibly germline, not acquired resistance; left out of findings.",
                           fraction=fraction, recommendation=_germline_advice(a, ctx), sources=list(k.sources_germline))
    if a.gene in k.ch_discordance_only:
        return _discordance_origin(a, fraction, ctx)
    gene_rule = _wbc_only_origin(a, fraction, ctx) if a.gene in k.ch_wbc_only else _ch_gene_origin(a, ctx)
    if gene_rule is not None:
        return gene_rule
    if germline_like(vaf, t):
        why = "unknown" if fraction is None else f"{_pct(fraction)}, which can explain it"
        return _origin(a, "tumor", f"VAF {_pct(vaf)} at a germline-like level; tumor fraction {why}: not called germline.",
                       fraction=fraction)
    return None


def _known_driver(a: Variant, ctx: Context) -> bool:
    """A knowledgebase driver allele is never called germline on its VAF alone: a gain of the mutant allele (EGFR
    amplification) raises its VAF above the tumor fraction's, and germline drivers are rare (WBC evidence still counts)."""
    return any(h.kb.driver for m in match_alterations([a], ctx.index) for h in m.hits)


def _discordance_origin(a: Variant, fraction: float | None, ctx: Context) -> VariantOrigin:
    """TP53-like genes: possible CH only when the VAF is discordant with the tumor fraction."""
    t, vaf = ctx.thresholds, vaf_of(a)
    if fraction is None or vaf is None:
        return _origin(a, "tumor", "Tumor fraction or VAF unknown: concordance with the tumor not assessed; not called CH.",
                       fraction=fraction)
    if discordant(vaf, fraction, t.discordance_factor):
        return _origin(a, "possible_ch", f"VAF {_pct(vaf)} is discordant with the tumor fraction {_pct(fraction)} (a clonal tumor"
                       f" variant is near {_pct(fraction / 2)}; factor {t.discordance_factor:g}): possibly clonal hematopoiesis,"
                       " kept as a finding.", fraction=fraction, sources=list(ctx.knowledge.sources_ch))
    return _origin(a, "tumor", f"VAF {_pct(vaf)} is concordant with the tumor fraction {_pct(fraction)}: read as tumor, not CH.",
                   fraction=fraction)


def _wbc_only_origin(a: Variant, fraction: float | None, ctx: Context) -> VariantOrigin | None:
    """KRAS/NRAS/BRAF/EGFR: never excluded without WBC evidence; a discordant VAF is said, with the CH rate."""
    vaf = vaf_of(a)
    if not discordant(vaf, fraction, ctx.thresholds.discordance_factor):
        return None
    rate = next((r for r in ctx.knowledge.ch_rates if r.gene == a.gene), None)
    said = f" ({rate.fraction:.1%} of plasma {a.gene} variants were CH in a large cohort)" if rate else ""
    return _origin(a, "tumor", f"VAF {_pct(vaf)} departs from the tumor fraction {_pct(fraction)}; clonal hematopoiesis does occur"
                   f" in {a.gene} at low rates{said}. Kept as a finding: not excluded without white-blood-cell evidence.",
                   fraction=fraction, sources=list(rate.sources) if rate else list(ctx.knowledge.sources_ch))


def _germline_advice(a: Variant, ctx: Context) -> str:
    """Confirmatory germline testing (and counselling where the knowledgebase names the alteration)."""
    protein = (a.hgvsp or "").removeprefix("p.")
    named = [alt for alt in ctx.index.kb.alterations if alt.id in ctx.knowledge.germline_counselling
             and alt.gene == a.gene and protein and protein in alt.protein]
    if named:
        return (f"{a.label} may be germline: recommend confirmatory germline testing and genetic counselling"
                f" (germline {named[0].name} is a hereditary lung-cancer risk).")
    return f"{a.label} may be germline: confirm with germline testing (or matched white-blood-cell sequencing) if it changes care."
