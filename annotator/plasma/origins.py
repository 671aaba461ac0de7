"""Where one small variant may come from: clonal hematopoiesis, the germline, or the tumor (rules: the package)."""

from __future__ import annotations

from typing import Literal

from annotator.matching import match_alterations
from annotator.plasma.evidence import (
    Context,
    Driver,
    Variant,
    VariantOrigin,
    Verdict,
    germline_advice,
    make_origin,
    pct,
    vaf_of,
)
from annotator.plasma.shapes import PlasmaThresholdsLike
from annotator.plasma.wbc import wbc_call, wbc_origin

Direction = Literal["above", "below"]
_NOT_CALLED = (" Not called in the matched white-blood-cell calls (a VCF lists calls, not coverage: this does not show"
               " that the blood lacks it).")


def germline_like(vaf: float | None, t: PlasmaThresholdsLike) -> bool:
    """A VAF in the heterozygous band, or at or above the homozygous level."""
    low, high = t.germline_het_band
    return vaf is not None and (low <= vaf <= high or vaf >= t.germline_hom_min_vaf)


def departs(vaf: float | None, fraction: float | None, factor: float, upper: float) -> Direction | None:
    """Whether the VAF is above ``upper`` or below a clonal heterozygous tumor variant's VAF (``fraction / 2``) divided
    by ``factor``; None when concordant or not judged."""
    if vaf is None or not fraction:
        return None
    if vaf > upper:
        return "above"
    return "below" if vaf < fraction / 2 / factor else None


def plain_ch_gene(gene: str, ctx: Context) -> bool:
    """A CH gene read as possible CH by gene alone (not one read only when discordant)."""
    k = ctx.knowledge
    return gene in k.ch_genes and gene not in k.ch_discordance_only


def known_driver(a: Variant, ctx: Context) -> bool:
    """A knowledgebase driver allele: never called germline on its VAF alone (a gain of the mutant allele raises its
    VAF above the tumor fraction's, and germline drivers are rare; WBC evidence still counts)."""
    return any(h.kb.driver for m in match_alterations([a], ctx.index) for h in m.hits)


def first_pass(a: Variant, ctx: Context) -> VariantOrigin | None:
    """Rules that need no tumor fraction (known polymorphisms, WBC evidence, CH hotspots); None: read with it."""
    k = ctx.knowledge
    if a.hgvsp and (benign := k.benign_polymorphism(a.gene, a.hgvsp)) is not None:
        return make_origin(a, "possible_germline", f"{a.label} is listed in this knowledgebase as a common benign population"
                           f" polymorphism ({benign.note}): germline, not a tumor finding; left out of findings and not"
                           f" flagged on page 1. VAF {pct(vaf_of(a))}.", sources=list(benign.sources), known_benign=True)
    w = wbc_call(a, ctx)
    if w is not None:
        return wbc_origin(a, w, ctx)
    if a.hgvsp and k.ch_hotspot(a.gene, a.hgvsp) is not None:
        absent = " (not called in the matched white-blood-cell calls, which may be less deep)" if ctx.wbc is not None else ""
        return make_origin(a, "ch", f"A hotspot specific to clonal hematopoiesis{absent}: read as blood, not tumor;"
                           f" VAF {pct(vaf_of(a))}. Left out of findings and therapies.", sources=list(k.sources_ch))
    return None


def second_pass(a: Variant, fraction: float | None, ctx: Context) -> VariantOrigin | None:
    """Rules read against the tumor fraction: germline-like VAFs, then the gene's own CH rule."""
    t, k = ctx.thresholds, ctx.knowledge
    vaf = vaf_of(a)
    if germline_like(vaf, t) and vaf is not None and not known_driver(a, ctx):
        germline = _germline_origin(a, vaf, fraction, ctx)
        if germline is not None:
            return germline
    if a.gene in k.ch_discordance_only:
        return _discordance_origin(a, fraction, ctx)
    if a.gene in k.ch_wbc_only:
        gene_rule = _wbc_only_origin(a, fraction, ctx)
    else:
        gene_rule = _ch_gene_origin(a, fraction, ctx) if plain_ch_gene(a.gene, ctx) else None
    if gene_rule is not None:
        return gene_rule
    if germline_like(vaf, t):
        why = "unknown" if fraction is None else f"{pct(fraction)}, which can explain it"
        return make_origin(a, "tumor", f"VAF {pct(vaf)} at a germline-like level; tumor fraction {why}: not called germline.",
                           fraction=fraction)
    return None


def _germline_origin(a: Variant, vaf: float, fraction: float | None, ctx: Context) -> VariantOrigin | None:
    """A germline-level VAF that the tumor fraction cannot explain: possibly germline, unless the gene is amplified or
    a driver read as tumor reaches a similar VAF (then kept, worded as 'on the amplified allele or germline')."""
    t, k = ctx.thresholds, ctx.knowledge
    if fraction is None or fraction > t.germline_max_tumor_fraction or vaf <= t.discordance_factor * fraction / 2:
        return None
    explained = _high_vaf_explained(a, vaf, ctx)
    if explained is not None:
        if a.gene in k.ch_discordance_only:
            return None  # read by its gene's own rule against the tumor fraction
        return make_origin(a, "tumor", f"VAF {pct(vaf)} is above what the tumor fraction ({pct(fraction)}) explains, but"
                           f" {explained}: germline or on the amplified allele; confirm (germline testing or matched"
                           " white-blood-cell sequencing) before acting on it. Not called germline; kept as a finding.",
                           fraction=fraction)
    return make_origin(a, "possible_germline", f"VAF {pct(vaf)} at a germline level that the tumor fraction ({pct(fraction)},"
                       f" at most {t.germline_max_tumor_fraction:.0%}) cannot explain (more than {t.discordance_factor:g} x the"
                       f" {pct(fraction / 2)} of a clonal tumor variant), and no driver read as tumor reaches a similar VAF:"
                       " possibly germline, not acquired resistance; left out of findings.",
                       fraction=fraction, recommendation=germline_advice(a, ctx), sources=list(k.sources_germline))


def _high_vaf_explained(a: Variant, vaf: float, ctx: Context) -> str | None:
    """Why a germline-level VAF may still be the tumor's: an amplified gene, or a driver read as tumor at a VAF within
    the discordance factor (the tumor fraction is then underestimated)."""
    if a.gene in ctx.amplified:
        return f"{a.gene} copy number reads as gained or amplified (the allele may be on the amplified copies)"
    driver = _driver_near(vaf, ctx.drivers, ctx.thresholds.discordance_factor)
    if driver is None:
        return None
    same = " in the same gene" if driver.gene == a.gene else ""
    return f"a driver read as tumor{same} ({driver.label}, VAF {pct(driver.vaf)}) shows tumor DNA reaching this level"


def _driver_near(vaf: float, drivers: tuple[Driver, ...], factor: float) -> Driver | None:
    return next((d for d in sorted(drivers, key=lambda d: -d.vaf) if d.vaf >= vaf / factor), None)


def _ch_gene_origin(a: Variant, fraction: float | None, ctx: Context) -> VariantOrigin:
    """A plain CH gene: possible CH, kept (with or without matched WBC calls: absence from them is 'not called')."""
    k = ctx.knowledge
    wbc = _NOT_CALLED if ctx.wbc is not None else " Matched white-blood-cell sequencing would tell."
    return make_origin(a, "possible_ch", f"In a gene often mutated in clonal hematopoiesis; VAF {pct(vaf_of(a))}. Possible CH,"
                       f" kept as a finding.{wbc}", fraction=fraction, sources=list(k.sources_ch))


def _discordance_origin(a: Variant, fraction: float | None, ctx: Context) -> VariantOrigin:
    """TP53-like genes: possible CH only when the VAF is above ``factor x TF`` (a clonal tumor allele reaches about TF
    with loss of the other allele, CH exceeds it only when TF is small) or below ``TF / 2 / factor``."""
    t, vaf = ctx.thresholds, vaf_of(a)
    wbc = _NOT_CALLED if ctx.wbc is not None else ""
    if fraction is None or vaf is None:
        return make_origin(a, "tumor", "Tumor fraction or VAF unknown: concordance with the tumor not assessed; not called"
                           f" CH.{wbc}", fraction=fraction)
    factor = t.discordance_factor
    side = departs(vaf, fraction, factor, factor * fraction)
    if side == "above":
        why = (f"above {factor:g} x the tumor fraction {pct(fraction)} (a clonal tumor variant sits near {pct(fraction / 2)},"
               f" near {pct(fraction)} with loss of the other allele)")
    elif side == "below":
        why = (f"below 1/{factor:g} of the {pct(fraction / 2)} of a clonal tumor variant (tumor fraction {pct(fraction)};"
               " a subclonal tumor variant is also possible)")
    else:
        return make_origin(a, "tumor", f"VAF {pct(vaf)} is concordant with the tumor fraction {pct(fraction)}: read as tumor,"
                           f" not CH.{wbc}", fraction=fraction)
    return make_origin(a, "possible_ch", f"VAF {pct(vaf)} is {why}: possibly clonal hematopoiesis, kept as a finding.{wbc}",
                       fraction=fraction, sources=list(ctx.knowledge.sources_ch))


def _wbc_only_origin(a: Variant, fraction: float | None, ctx: Context) -> VariantOrigin | None:
    """KRAS/NRAS/BRAF/EGFR: never excluded without WBC evidence. Above the expectation CH cannot explain the VAF (the
    tumor fraction is underestimated, the allele amplified, or it is germline); below it, the CH rate is said."""
    vaf, factor = vaf_of(a), ctx.thresholds.discordance_factor
    side = departs(vaf, fraction, factor, factor * (fraction or 0) / 2)
    if side is None:
        return None
    if side == "above":
        return make_origin(a, "tumor", f"VAF {pct(vaf)} is above what the tumor fraction {pct(fraction)} explains (a clonal"
                           f" tumor variant sits near {pct((fraction or 0) / 2)}): the tumor fraction is underestimated, the"
                           " allele amplified, or it is germline; clonal hematopoiesis does not explain a VAF above the"
                           " tumor's. Kept as a finding.", fraction=fraction)
    rate = next((r for r in ctx.knowledge.ch_rates if r.gene == a.gene), None)
    said = f" ({rate.fraction:.1%} of plasma {a.gene} variants were CH in a large cohort)" if rate else ""
    return make_origin(a, "tumor", f"VAF {pct(vaf)} is below what the tumor fraction {pct(fraction)} explains; clonal"
                       f" hematopoiesis does occur in {a.gene} at low rates{said}; a subclonal tumor variant is also"
                       " possible. Kept as a finding: not excluded without white-blood-cell evidence.",
                       fraction=fraction, sources=list(rate.sources) if rate else list(ctx.knowledge.sources_ch))


__all__ = ["Context", "Driver", "Variant", "VariantOrigin", "Verdict", "first_pass", "germline_like", "known_driver",
           "plain_ch_gene", "second_pass", "vaf_of"]
