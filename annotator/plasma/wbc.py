"""Rule 1: a plasma variant also called in the matched white-blood-cell (buffy coat) calls.

Modelled on the buffy-coat comparison of Magee et al. 2025 (``magee2025_ch_plasma``; the 20% bar is plasma.yaml ``wbc_ch_max_vaf``), with the WBC VAF's 95% Wilson interval from its read counts:

- WBC VAF >= ``settings.plasma.wbc_germline_min_vaf`` (30%): germline; but in a CH gene or at a CH hotspot, a large CH clone (haematology
  review, not germline testing);
- WBC VAF between ``wbc_ch_max_vaf`` (20%) and 30%: unclassified (germline or a large CH clone), kept;
- WBC VAF below 20%: CH when it exceeds the plasma VAF or its interval holds the plasma VAF; otherwise the blood
  carries less than the plasma (the tumor may carry it too): possible CH, kept.

A VCF lists calls, not coverage: a variant absent from it is "not called in WBC", never "absent from the blood".
"""

from __future__ import annotations

from annotator.models import SmallVariant
from annotator.plasma.clonality import wilson_interval
from annotator.plasma.evidence import (
    Context,
    Variant,
    VariantOrigin,
    germline_advice,
    make_origin,
    pct,
    vaf_of,
)


def wbc_call(a: Variant, ctx: Context) -> SmallVariant | None:
    """The matched WBC call of ``a`` when the blood carries it above the presence thresholds."""
    if ctx.wbc is None or not isinstance(a, SmallVariant):
        return None
    w = ctx.wbc.find(a)  # contigs bare, left-aligned alleles when both files were
    t = ctx.thresholds
    if w is None or w.vaf is None or w.vaf < t.wbc_min_vaf:
        return None
    reads = ctx.wbc.alt_reads(w)
    return None if reads is not None and reads < t.wbc_min_alt_reads else w


def in_ch_gene_or_hotspot(a: Variant, ctx: Context) -> bool:
    k = ctx.knowledge
    return a.gene in k.ch_genes or (a.hgvsp is not None and k.ch_hotspot(a.gene, a.hgvsp) is not None)


def wbc_origin(a: Variant, w: SmallVariant, ctx: Context) -> VariantOrigin:
    """Read a variant called in the matched WBC (the module docstring)."""
    k = ctx.knowledge
    vaf, wv = vaf_of(a), w.vaf or 0.0
    both = f"plasma VAF {pct(vaf)}, white-blood-cell VAF {pct(wv)}"
    if wv >= ctx.thresholds.wbc_germline_min_vaf:
        if in_ch_gene_or_hotspot(a, ctx):
            return make_origin(
                a, "ch", f"Called in the matched white blood cells at {pct(wv)} ({both}), in a clonal-hematopoiesis gene or"
                f" hotspot: a large clonal-hematopoiesis clone rather than a germline allele; left out of findings.",
                wbc_vaf=wv, sources=list(k.sources_wbc),
                recommendation=f"{a.label}: a large clonal-hematopoiesis clone ({pct(wv)} of blood-cell DNA); suggest a"
                " haematology review (germline testing is not indicated by this finding).")
        return make_origin(a, "possible_germline", f"Called in the matched white blood cells at a germline-like VAF ({both};"
                           f" buffy-coat VAF at least {ctx.thresholds.wbc_germline_min_vaf:.0%}): possibly germline, not acquired.",
                           wbc_vaf=wv, recommendation=germline_advice(a, ctx), sources=[*k.sources_wbc, *k.sources_germline])
    if wv >= k.wbc_ch_max_vaf:
        return make_origin(a, "possible_ch", f"Called in the matched white blood cells ({both}) between"
                           f" {k.wbc_ch_max_vaf:.0%} and {ctx.thresholds.wbc_germline_min_vaf:.0%}: the buffy-coat comparison leaves this"
                           " unclassified (a large clonal-hematopoiesis clone or germline); kept as a finding.",
                           wbc_vaf=wv, sources=list(k.sources_wbc))
    return _low_wbc_origin(a, w, vaf, wv, ctx)


def _low_wbc_origin(a: Variant, w: SmallVariant, vaf: float | None, wv: float, ctx: Context) -> VariantOrigin:
    """WBC VAF below the CH bar: CH when it exceeds the plasma VAF or its 95% interval holds it."""
    k = ctx.knowledge
    reads = ctx.wbc.alt_reads(w) if ctx.wbc is not None else None
    low, high = wilson_interval(reads, w.depth, 0.95) if reads is not None and w.depth else (wv, wv)
    interval = f"95% interval {pct(low)}-{pct(high)}" if reads is not None else "no read counts: no interval"
    both = f"plasma VAF {pct(vaf)}, white-blood-cell VAF {pct(wv)} ({interval})"
    if vaf is None or wv > vaf:
        why = "the white-blood-cell VAF exceeds the plasma VAF"
    elif low <= vaf <= high:
        why = "the plasma VAF lies within the white-blood-cell VAF's 95% interval"
    else:
        return make_origin(a, "possible_ch", f"Called in the matched white blood cells ({both}), but the plasma VAF is above"
                           " the white-blood-cell VAF's 95% interval: clonal hematopoiesis may explain part of it, the tumor"
                           " may carry it too; kept as a finding.", wbc_vaf=wv, sources=list(k.sources_wbc))
    return make_origin(a, "ch", f"Called in the matched white blood cells ({both}) below {k.wbc_ch_max_vaf:.0%}, and {why}:"
                       " clonal hematopoiesis explains it; left out of findings and therapies.",
                       wbc_vaf=wv, sources=list(k.sources_wbc))
