"""Check the fusion-partner genes of the knowledgebase (``fusion_partner_only: true``) against independent data.

The GRCh37 spans come from GENCODE v17 (arriba's gene table) or the hmf panel, the GRCh38 spans from the umccr
coding-exon BED. This file re-derives nothing from those GRCh37 tables; it checks every partner gene against
third-party files read from ``../shared/realdata`` (beside the repository, never copied into it):

* GRCh38: the location holds every umccr coding exon of the symbol and is not much wider than their span;
  FusionCatcher (GRCh38) breakpoints of the gene lie inside it, on the gene's strand.
* GRCh37: breakpoints of real fusion calls (STAR-Fusion abridged, Arriba fusions.tsv) and the junction end of
  CIViC fusion variants (the retained part of the partner ends there) lie inside it; caller strands agree.
* Both builds: same chromosome, and span lengths within 20% of each other (the same gene on two builds).
* Build offset: the GRCh37->GRCh38 shift of the gene (at its first or last coding base) matches, within 3 kb, the
  shift of the nearest MSK-IMPACT468 gene on one side or the other within 10 Mb, measured exactly by pairing its
  GRCh37 panel targets with umccr GRCh38 coding exons of identical length. This places the GRCh37 coordinates
  independently of their source. Where an assembly difference lies between a gene and its only nearby anchor, the
  observed difference is pinned in ANCHOR_EXCEPTIONS (with the reason), so the check still fails on any change.

Every gene is its own test id. A test over the shared files skips once when the folder is absent; otherwise it runs
over the partner genes its files cover. Which gene locations and strands no independent file covers, and why, is
listed and checked in tests/test_kb_coordinates.py (LOCATIONS_WITHOUT_INDEPENDENT_CHECK,
STRANDS_WITHOUT_INDEPENDENT_CHECK), which counts these checks too.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from annotator.kb.load import load_knowledgebase
from tests.support.paths import KNOWLEDGEBASE, REALDATA, parametrize_if, require
from tests.support.truth_tables import (
    ANCHOR_WINDOW,
    Breakpoint,
    anchored_genes,
    civic_junctions,
    grch37_breakpoint_genes,
    grch37_breakpoints,
    grch38_breakpoint_genes,
    grch38_breakpoints,
    grch38_cds_genes,
    nearby_anchors,
    umccr_cds,
)

WHAT = "partner-gene truth tables (umccr BED, fusion-caller outputs, CIViC)"

KB = load_knowledgebase(KNOWLEDGEBASE)
PARTNERS = sorted((g for g in KB.genes if g.fusion_partner_only), key=lambda g: g.symbol)
PARTNER_IDS = [g.symbol for g in PARTNERS]

ANCHOR_TOLERANCE = 3_000  # bp; isoform choice moves the CDS ends a little, an error moves them further
# Genes whose GRCh37->GRCh38 shift differs from their nearest anchor's, pinned so that any change is noticed:
# symbol -> (anchor, shift of the gene minus shift of the anchor, reason)
ANCHOR_EXCEPTIONS = {
    "EZR": ("ARID1B", -99_898, "GRCh37/GRCh38 assembly difference between ARID1B (6:157.1-157.5 Mb) and EZR (6:159.2 Mb): "
            "downstream genes (PRKN, QKI) shift by -421,032 like EZR in GENCODE v17 vs umccr, ARID1B by -321,134"),
    "STRN": ("ALK", -4_277, "GRCh37/GRCh38 assembly difference between ALK (2:29.4-30.1 Mb) and STRN (2:37.1 Mb): the "
             "MSH2/EPCAM anchors (2:47.6 Mb, 10.4 Mb away) and EML4 shift by -227,139/-227,140, STRN by -227,143"),
}
SPAN_RATIO = 0.20  # |len37 - len38| / max(len37, len38): the same gene on two builds
GRCH38_SLACK = 0.20  # the GRCh38 location may exceed the umccr CDS span by at most this fraction


# ----------------------------------------------------------------------------- checks (plain functions, so they can be reused)
def problems_grch38_cds(gene) -> list[str]:
    loc = gene.location.GRCh38
    cds = umccr_cds()[gene.symbol]
    out = [f"umccr CDS {c}:{s}-{e} outside {loc.chrom}:{loc.start}-{loc.end}" for c, s, e in cds
           if not (c == loc.chrom and loc.start <= s and e <= loc.end)]
    span = max(e for _, _, e in cds) - min(s for _, s, _ in cds) + 1
    length = loc.end - loc.start + 1
    if length > span * (1 + GRCH38_SLACK):
        out.append(f"GRCh38 location is {length} bp, more than {GRCH38_SLACK:.0%} wider than the umccr CDS span {span} bp")
    return out


def problems_breakpoints(gene, build: str, points: list[Breakpoint]) -> list[str]:
    loc = getattr(gene.location, build)
    out = []
    for bp in points:
        if not (bp.chrom == loc.chrom and loc.start <= bp.pos <= loc.end):
            out.append(f"{bp.origin}: {build} breakpoint {bp.chrom}:{bp.pos} outside {loc.chrom}:{loc.start}-{loc.end}")
        if bp.strand is not None and bp.strand != gene.strand:
            out.append(f"{bp.origin}: caller strand {bp.strand:+d} but knowledgebase strand {gene.strand:+d}")
    return out


def problems_cross_build(gene) -> list[str]:
    l37 = gene.location.GRCh37.end - gene.location.GRCh37.start + 1
    l38 = gene.location.GRCh38.end - gene.location.GRCh38.start + 1
    out = []
    if gene.location.GRCh37.chrom != gene.location.GRCh38.chrom:
        out.append(f"chromosome {gene.location.GRCh37.chrom} on GRCh37 but {gene.location.GRCh38.chrom} on GRCh38")
    if abs(l37 - l38) > SPAN_RATIO * max(l37, l38):
        out.append(f"span lengths differ by more than {SPAN_RATIO:.0%}: GRCh37 {l37} bp, GRCh38 {l38} bp")
    return out


def problems_build_shift(gene) -> list[str] | None:
    """None when no anchor lies within the window; else the problems (empty when the shift agrees).

    The nearest anchor on each side (GRCh37) within the window is considered; the shift must agree with at least
    one of them, since an assembly difference between the builds can lie between the gene and one anchor."""
    g37, g38 = gene.location.GRCh37, gene.location.GRCh38
    sides = nearby_anchors(gene)
    if not sides:
        return None
    gene_shifts = (g38.start - g37.start, g38.end - g37.end)
    if gene.symbol in ANCHOR_EXCEPTIONS:
        want_anchor, delta, _reason = ANCHOR_EXCEPTIONS[gene.symbol]
        ok = any(anchor == want_anchor and delta in (s - shift for s in gene_shifts) for _, anchor, shift in sides.values())
        return [] if ok else [f"documented shift difference to {want_anchor} ({delta:+d}) no longer holds: anchors {sides}, "
                              f"gene shifts {gene_shifts}"]
    if any(abs(s - shift) <= ANCHOR_TOLERANCE for _, _, shift in sides.values() for s in gene_shifts):
        return []
    return [f"GRCh38-GRCh37 shift {gene_shifts} differs by more than {ANCHOR_TOLERANCE} bp from that of every nearby "
            f"MSK-IMPACT468 gene: {sides}"]


# ----------------------------------------------------------------------------- tests
def test_partner_genes_are_present() -> None:
    assert len(PARTNERS) >= 10, f"expected the fusion-partner genes in genes.yaml, found {PARTNER_IDS}"
    for gene in PARTNERS:
        assert not gene.codons and not gene.exons and not gene.kinase, f"{gene.symbol}: partner-only genes carry no variant detail"


def test_symbols_and_aliases_name_one_gene() -> None:
    """An alias must not name two genes: SV and fusion partners are looked up by symbol or alias."""
    owners: dict[str, set[str]] = defaultdict(set)
    for gene in KB.genes:
        for name in (gene.symbol, *gene.aliases):
            owners[name.upper()].add(gene.symbol)
    clashes = {name: sorted(genes) for name, genes in owners.items() if len(genes) > 1}
    assert not clashes, f"ambiguous gene names: {clashes}"


@parametrize_if(REALDATA, WHAT, "symbol", lambda: sorted(set(PARTNER_IDS) & grch38_cds_genes()))
def test_grch38_location_contains_umccr_cds(symbol: str) -> None:
    gene = next(g for g in PARTNERS if g.symbol == symbol)
    assert not problems_grch38_cds(gene), problems_grch38_cds(gene)


@parametrize_if(REALDATA, WHAT, "symbol", lambda: sorted(grch37_breakpoint_genes(PARTNERS)))
def test_grch37_location_contains_real_breakpoints(symbol: str) -> None:
    gene = next(g for g in PARTNERS if g.symbol == symbol)
    points = grch37_breakpoints().get(symbol, []) + civic_junctions(gene)
    assert points, f"{symbol}: collected without a GRCh37 breakpoint in STAR-Fusion, Arriba or CIViC"
    assert not problems_breakpoints(gene, "GRCh37", points), problems_breakpoints(gene, "GRCh37", points)


@parametrize_if(REALDATA, WHAT, "symbol", lambda: sorted(grch38_breakpoint_genes(PARTNERS)))
def test_grch38_location_contains_fusioncatcher_breakpoints(symbol: str) -> None:
    gene = next(g for g in PARTNERS if g.symbol == symbol)
    points = grch38_breakpoints().get(symbol, [])
    assert points, f"{symbol}: collected without a FusionCatcher (GRCh38) breakpoint"
    assert not problems_breakpoints(gene, "GRCh38", points), problems_breakpoints(gene, "GRCh38", points)


@pytest.mark.parametrize("symbol", PARTNER_IDS)
def test_same_gene_on_both_builds(symbol: str) -> None:
    gene = next(g for g in PARTNERS if g.symbol == symbol)
    assert not problems_cross_build(gene), problems_cross_build(gene)


@parametrize_if(REALDATA, WHAT, "symbol", lambda: sorted(anchored_genes(PARTNERS)))
def test_build_shift_matches_nearby_panel_gene(symbol: str) -> None:
    gene = next(g for g in PARTNERS if g.symbol == symbol)
    problems = problems_build_shift(gene)
    assert problems is not None, f"{symbol}: collected without an MSK-IMPACT468 anchor within {ANCHOR_WINDOW // 1_000_000} Mb"
    assert not problems, problems


# ----------------------------------------------------------------------------- partners without coordinates
# Partners the knowledgebase cannot place (no gene entry): why each one lacks coordinates. A partner is added only with
# both builds from an independent source; none of these has a GRCh37 gene table in ../shared/realdata (the hmf panel
# and MSK-IMPACT468 do not list them), and some lack GRCh38 too. Fusion callers that name the gene still report it by
# name; an unannotated SV breakend in such a gene is written chrom:pos with a note (tests/test_issue10_fusions.py).
NO_GRCH37 = "no GRCh37 source in ../shared/realdata (not in the hmf gene panel nor MSK-IMPACT468)"
UNPLACED_PARTNERS = {
    # partners of the knowledgebase's named fusions (alterations.yaml)
    "GOPC": ("in umccr GRCh38", NO_GRCH37 + "; GENCODE v17 (used for other partners) has a read-through record into ROS1"),
    "NCOA4": ("in umccr GRCh38", NO_GRCH37 + "; the GRCh38 strand of the re-assembled 10q11.22 locus could not be sourced"),
    "PLEKHA7": ("not in umccr GRCh38", NO_GRCH37),
    "ST7": ("not in umccr GRCh38", NO_GRCH37),
    "UBE2H": ("not in umccr GRCh38", NO_GRCH37),
    "TACC3": ("not in umccr GRCh38", NO_GRCH37),
    "AGK": ("not in umccr GRCh38", NO_GRCH37),
    "ESYT2": ("not in umccr GRCh38", NO_GRCH37),
    # further partners of knowledgebase kinases named by the shared caller files (STAR-Fusion, FusionCatcher)
    "HOOK3": ("in umccr GRCh38", NO_GRCH37),
    "AKAP9": ("in umccr GRCh38", NO_GRCH37),
    "PTPRZ1": ("not in umccr GRCh38", NO_GRCH37),
}
CALLER_FILES = {  # shared caller files that name fusion partners, with their build
    "STAR-Fusion__fuco.star-fusion.fusion_candidates.final.abridged": "GRCh37",
    "ndaniel-fusioncatcher__final-list_candidate-fusion-genes.txt": "GRCh38",
    "suhrig-arriba__fusions.tsv": "GRCh37",
    "hartwigmedical-hmftools__tumor_sample.linx.fusion.tsv": "GRCh37",
    "oncokb-annotator__example_fusions.txt": "GRCh37",
}


def _kb_named_partners() -> set[str]:
    return {p for a in KB.alterations if a.fusion and not a.deprecated for p in (a.fusion.gene5, a.fusion.gene3) if p and p != a.gene}


def test_unplaced_partners_of_named_fusions_are_documented() -> None:
    placed = {g.symbol for g in KB.genes}
    missing = _kb_named_partners() - placed
    documented = {s for s in UNPLACED_PARTNERS if s not in ("HOOK3", "AKAP9", "PTPRZ1")}
    assert missing == documented, f"undocumented: {sorted(missing - documented)}; now placed: {sorted(documented - missing)}"


def test_unplaced_partners_named_by_shared_caller_files_are_documented() -> None:
    """Every partner of a knowledgebase gene that a shared caller file names either has coordinates or is listed above."""
    require(REALDATA, WHAT)
    from annotator.kb.index import kb_index
    from annotator.readers.fusion import read_fusions

    placed = {g.symbol for g in KB.genes}
    named: set[str] = set()
    for name, build in CALLER_FILES.items():
        for a in read_fusions(REALDATA / "fusion" / name, kb_index(KB, build), include_filtered=True).alterations:
            named |= {a.gene5, a.gene3} - {a.gene}
    missing = named - placed
    assert missing == {"GOPC", "HOOK3", "AKAP9", "TACC3", "PTPRZ1"}, sorted(missing)
    assert missing <= set(UNPLACED_PARTNERS)


@parametrize_if(REALDATA, WHAT, "symbol", sorted(UNPLACED_PARTNERS))
def test_unplaced_partner_reason_holds(symbol: str) -> None:
    """The documented reason is checked against the shared tables: it fails when a source appears."""
    grch38, grch37 = UNPLACED_PARTNERS[symbol]
    assert (symbol in umccr_cds()) == (grch38 == "in umccr GRCh38"), f"{symbol}: umccr GRCh38 presence changed"
    assert grch37.startswith(NO_GRCH37)
    with open(REALDATA / "reference" / "hartwigmedical-hmftools__hmf_gene_panel.tsv", encoding="utf-8") as handle:
        assert symbol not in {line.split("\t")[4] for line in handle}, f"{symbol} is in the hmf gene panel (GRCh37)"
    with open(REALDATA / "reference" / "mskcc-facets-suite__impact468_targets.ilist", encoding="utf-8") as handle:
        assert symbol not in {line.split()[4] for line in handle if not line.startswith("@")}, f"{symbol} is in MSK-IMPACT468"
