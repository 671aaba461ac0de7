"""Issue 17 review of "what a negative means": fusions and point changes without a placed locus cannot be excluded
(M2); a locus is covered only when the targets contain all of it, at the depth of its worst base (M3); a filtered call
at the locus is no "not detected" (M5); an assumed depth is labelled in the printed not-detected line (M6); a
low-confidence tumor fraction never supports "not detected" alone, and a too-shallow locus says the depth limits."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from annotator.interpret import resolve_prior_therapies
from annotator.kb.index import kb_index
from annotator.models import CoverageTable, PanelTargets, Region
from annotator.plasma.negatives import (
    SampleContext,
    SampleData,
    assess,
    assess_negatives,
    filtered_alteration_ids,
    found_alteration_ids,
    locus,
)
from annotator.render.html import render_html
from tests.support.assay import Assay, Coverage, Panel
from tests.support.assay_runs import C797, C797_TARGET, N, cell, l858r, negative, run

KRAS_CODON_12 = ("chr12", 25_245_300, 25_245_400, "KRAS_ex2")


@pytest.fixture
def index(shipped_kb):
    return kb_index(shipped_kb, "GRCh38")


def gene_window(index, alteration_id):
    where = locus(index.alteration(alteration_id), index)
    return Panel(((where.chrom, where.start, where.end),)), Coverage(((where.chrom, where.start, where.end, 3000.0),))


# --- M2: no placed locus, no "not detected" --------------------------------------------------------------------------

@pytest.mark.parametrize("alteration_id", ["KRAS_Y96", "NRAS_A155T", "BRAF_G15V"])
def test_a_point_change_without_a_codon_entry_cannot_be_excluded_even_when_its_whole_gene_is_deep(index, alteration_id):
    panel, coverage = gene_window(index, alteration_id)
    n = assess(index.alteration(alteration_id), index, SampleData(tumor_fraction=0.3, thresholds=Assay(), panel=panel, coverage=coverage))
    assert n.status == "cannot_be_excluded" and "does not place the codon or exon the assay must cover" in n.reason
    assert n.short == "locus not placed in the knowledgebase"


@pytest.mark.parametrize("alteration_id", ["EML4_ALK", "KIF5B_RET", "EGFR_KDD"])
def test_a_fusion_with_a_fusion_input_and_its_gene_targeted_cannot_be_excluded(index, alteration_id):
    panel, coverage = gene_window(index, alteration_id)
    n = assess(index.alteration(alteration_id), index,
               SampleData(tumor_fraction=0.3, thresholds=Assay(), panel=panel, coverage=coverage, fusions_assessed=True))
    assert n.status == "cannot_be_excluded" and "breakpoints are mostly intronic" in n.reason


# --- M3: the whole locus, at its worst base ----------------------------------------------------------------------------

def test_panel_targets_cover_a_locus_only_when_their_union_contains_it():
    panel = PanelTargets(source="p.bed", by_contig={"7": (Region(chrom="7", start=100, end=201), Region(chrom="7", start=201, end=300))})
    assert panel.covers("chr7", 199, 203) and panel.covers("7", 100, 300) and panel.covers("7", 150, 150)
    assert not panel.covers("7", 99, 102) and not panel.covers("7", 299, 301)
    gapped = PanelTargets(source="p.bed", by_contig={"7": (Region(chrom="7", start=100, end=200), Region(chrom="7", start=201, end=300))})
    assert not gapped.covers("7", 199, 202)


def test_min_depth_over_is_the_worst_base_and_a_base_without_depth_is_zero():
    table = CoverageTable(source="c.bed.gz", by_contig={"7": (Region(chrom="7", start=100, end=200, depth=2000.0),
                                                              Region(chrom="7", start=200, end=300, depth=10.0))})
    assert table.min_depth_over("7", 198, 201) == 10 and table.depth_over("7", 198, 201) == pytest.approx(1336.67, abs=0.01)
    assert table.min_depth_over("chr7", 150, 151) == 2000 and table.min_depth_over("7", 150, 150) == 2000
    assert table.min_depth_over("7", 299, 302) == 0  # two bases past the last region
    assert table.min_depth_over("7", 400, 410) is None


def test_a_target_spanning_only_the_first_base_of_codon_797_does_not_cover_c797s(write):
    first_base = ("chr7", C797 - 60, C797, "EGFR_ex20_edge")  # 0-based end C797: only the codon's lowest base
    report = run(write, [l858r(0.04)], panel=[first_base], coverage=[(*first_base[:3], "EGFR", 2000)], tumor_fraction=0.08)
    c797s = negative(report, "EGFR C797S")
    assert c797s.status == "cannot_be_excluded" and c797s.numbers.covered is False, c797s.reason


def test_the_depth_of_a_locus_is_that_of_its_worst_base_and_then_the_depth_limits(write):
    deep, shallow = ("chr7", C797 - 60, C797, "a"), ("chr7", C797, C797 + 60, "b")  # codon 797: 1 base at 2000x, 2 at 30x
    report = run(write, [l858r(0.04)], panel=[C797_TARGET], coverage=[(*deep[:3], "a", 2000), (*shallow[:3], "b", 30)],
                 tumor_fraction=0.08)
    c797s = negative(report, "EGFR C797S")
    assert c797s.status == "cannot_be_excluded" and c797s.numbers.depth == 30, c797s.reason
    assert c797s.short == "depth too low for this tumor fraction" and "at the assay's 1000x it would be seen" in c797s.reason


# --- M5: a filtered call at the locus ---------------------------------------------------------------------------------

def finding(kb_ids, flt="PASS"):
    return SimpleNamespace(match=SimpleNamespace(kb_ids=frozenset(kb_ids), observed=SimpleNamespace(filter=flt)))


def test_found_ids_are_pass_matches_and_filtered_ids_those_matched_only_by_filtered_calls():
    interp = SimpleNamespace(findings=[finding({"EGFR_L858R"}), finding({"KRAS_G12D", "KRAS_G12"}, "weak_evidence"),
                                       finding({"MET_AMP"}, "cnvQual"), finding({"MET_AMP"})])
    assert found_alteration_ids(interp) == {"EGFR_L858R", "MET_AMP"}
    assert filtered_alteration_ids(interp) == {"KRAS_G12D", "KRAS_G12"}


def test_an_alteration_matched_only_by_a_filtered_call_cannot_be_excluded(index):
    kras = index.alteration("KRAS_G12D")
    where = locus(kras, index)
    panel, coverage = Panel(((where.chrom, where.start - 50, where.end + 50),)), Coverage(((where.chrom, where.start - 50, where.end + 50, 3000.0),))
    data = SampleData(tumor_fraction=0.08, thresholds=Assay(), panel=panel, coverage=coverage)
    context = SampleContext(["EGFR"], resolve_prior_therapies(["osimertinib"], index).drugs)
    assert next(n for n in assess_negatives(index, context, set(), data) if n.alteration_id == "KRAS_G12D").status == "not_detected"
    n = next(n for n in assess_negatives(index, context, set(), data, filtered={"KRAS_G12D"}) if n.alteration_id == "KRAS_G12D")
    assert n.status == "cannot_be_excluded" and "a call that did not pass the caller's filters is at this locus" in n.reason


def test_a_weak_evidence_kras_g12d_at_8_percent_tumor_fraction_is_not_called_not_detected(write):
    kras = f"chr12 25245350 C T weak_evidence {N} {cell(0.003)}"  # KRAS G12D at 0.3%, filtered by the caller
    report = run(write, [l858r(0.04), kras], panel=[C797_TARGET, KRAS_CODON_12],
                 coverage=[(*C797_TARGET[:3], "EGFR", 2000), (*KRAS_CODON_12[:3], "KRAS", 2000)], tumor_fraction=0.08,
                 include_filtered=True)
    g12d = negative(report, "KRAS G12D")
    assert g12d.status == "cannot_be_excluded" and "did not pass the caller's filters" in g12d.reason


# --- M6: the assumed depth on paper ----------------------------------------------------------------------------------

def test_the_printed_not_detected_line_marks_an_assumed_depth(write):
    report = run(write, [l858r(0.04)], panel=[C797_TARGET], tumor_fraction=0.08)
    assert negative(report, "EGFR C797S").status == "not_detected"
    html = render_html(report)
    assert 'EGFR C797S <em class="assumed">(assumed 1000x)</em>' in html
    assert "The printed report groups the alterations by status and reason" in html and "and the JSON" in html


# --- a low-confidence tumor fraction; the smallest subclone seen -------------------------------------------------------

def test_a_low_confidence_tumor_fraction_never_supports_not_detected_alone(index):
    where = locus(index.alteration("EGFR_C797S"), index)
    panel, coverage = Panel(((where.chrom, where.start, where.end),)), Coverage(((where.chrom, where.start, where.end, 2000.0),))
    data = dict(tumor_fraction=0.08, thresholds=Assay(), panel=panel, coverage=coverage)
    sure = assess(index.alteration("EGFR_C797S"), index, SampleData(**data))
    assert sure.status == "not_detected" and "a subclone in at least ~" in sure.reason and "of tumor cells would be seen" in sure.reason
    unsure = assess(index.alteration("EGFR_C797S"), index, SampleData(**data, fraction_confident=False))
    assert unsure.status == "cannot_be_excluded" and unsure.short == "the tumor fraction is a low-confidence estimate"
