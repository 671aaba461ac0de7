"""Issue 17 "Done when", end to end on the shipped knowledgebase: real panel BED and coverage files, VCF records
inside and outside the knowledgebase genes, tumor fractions given or estimated."""

from __future__ import annotations

import pytest

from annotator.config import RunConfig
from annotator.kb.load import get_knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.assay_runs import C797_TARGET, MET, N, cell, l858r, negative, run

# --- one tumor fraction, estimated from every somatic-looking variant read ---------------------------------------------

BACKGROUND = [("chr12", 60_000_000 + 1000 * i, 60_000_200 + 1000 * i, f"T{i}") for i in range(3)]
KRAS_TARGET = ("chr12", 25_245_300, 25_245_400, "KRAS_ex2")


def test_the_estimate_comes_from_panel_targets_outside_the_genes_when_the_gene_variants_disagree(write):
    kras_low = f"chr12 25245350 C T PASS {N} {cell(0.004)}"  # a lone, low KRAS G12D: 2 x 0.4% would say 0.8%
    background = [f"chr12 {s + 100} A G PASS {N} {cell(v)}" for (_, s, _, _), v in zip(BACKGROUND, (0.041, 0.039, 0.04), strict=True)]
    alone = run(write, [kras_low], prior=())
    assert alone.tumor_fraction.value == pytest.approx(0.008) and alone.tumor_fraction.confidence == "low"

    report = run(write, [kras_low, *background], panel=[*BACKGROUND, KRAS_TARGET], prior=())
    assert report.tumor_fraction.value == pytest.approx(0.08, abs=0.004)
    assert report.tumor_fraction.confidence == "high" and report.tumor_fraction.n_informative == 4
    assert report.settings.tumor_fraction == report.tumor_fraction.value  # one tumor fraction, everywhere
    assert report.counts.background_variants == 3
    assert not any(r.observation.gene == "" for r in report.alterations)  # background variants are never report rows


# --- clonality orders the resistance mechanisms ----------------------------------------------------------------------

def test_clonal_then_indeterminate_then_subclonal(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 1800, 200), ("KRAS", "G12D", 1800, 200), ("BRAF", "V600E", 95, 5),
                                  ("PIK3CA", "E545K", 1960, 40)], prior=["osimertinib"], tumor_fraction=0.2)
    labels = {r.label: r.clonality.label for r in report.alterations if r.clonality}
    assert (labels["KRAS G12D"], labels["BRAF V600E"], labels["PIK3CA E545K"]) == ("clonal", "indeterminate", "subclonal")
    resistance = [f.alteration for f in report.findings if f.role == "bypass_resistance"]
    assert resistance.index("KRAS G12D") < resistance.index("BRAF V600E") < resistance.index("PIK3CA E545K")
    page_one = report.summary.resistance_mechanisms
    assert any(m.startswith("KRAS G12D") and m.endswith("(clonal, cell fraction 1.00)") for m in page_one), page_one
    assert any(m.startswith("PIK3CA E545K") and "(subclonal, cell fraction 0.20)" in m for m in page_one), page_one
    assert report.polyclonal is not None  # three genes: one combination may not cover them


# --- what a negative means -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("tf, snv, amp", [(0.08, "not_detected", "cannot_be_excluded"), (0.3, "not_detected", "not_detected"),
                                          (0.005, "cannot_be_excluded", "cannot_be_excluded")])
def test_snv_and_amplification_with_a_panel_and_coverage(write, tf, snv, amp):
    report = run(write, [l858r(tf / 2)], panel=[C797_TARGET, (*MET, "MET")],
                 coverage=[(*C797_TARGET[:3], "EGFR_ex20", 2000), (*MET, "MET", 2000)], cnv=[("MET", 2.0)], tumor_fraction=tf)
    c797s, met = negative(report, "EGFR C797S"), negative(report, "MET amplification")
    assert (c797s.status, met.status) == (snv, amp), (c797s.reason, met.reason)
    assert c797s.numbers.depth == 2000 and not c797s.numbers.depth_assumed and c797s.numbers.covered
    assert c797s.numbers.expected_vaf == pytest.approx(tf / 2)
    if snv == "not_detected":
        assert c797s.numbers.sensitivity >= 0.95
    else:
        assert c797s.numbers.sensitivity < 0.95 and "cannot be excluded" in c797s.reason


def test_without_a_panel_bed_nothing_is_not_detected(write):
    report = run(write, [l858r(0.04)], cnv=[("MET", 2.0)], tumor_fraction=0.08)
    c797s = negative(report, "EGFR C797S")
    assert c797s.status == "cannot_be_excluded" and c797s.numbers.depth_assumed and c797s.numbers.covered is None
    assert not [n for n in report.negatives if n.status == "not_detected"]


def test_a_panel_without_coverage_uses_the_assumed_depth_and_says_so(write):
    report = run(write, [l858r(0.04)], panel=[C797_TARGET], tumor_fraction=0.08)
    c797s = negative(report, "EGFR C797S")
    assert c797s.status == "not_detected" and c797s.numbers.depth_assumed and c797s.numbers.depth == 1000
    assert negative(report, "MET amplification").status == "cannot_be_excluded"  # no copy-number input


def test_a_locus_outside_the_panel_cannot_be_excluded(write):
    report = run(write, [l858r(0.04)], panel=[(*MET, "MET")], coverage=[(*MET, "MET", 2000)], tumor_fraction=0.08)
    c797s = negative(report, "EGFR C797S")
    assert c797s.status == "cannot_be_excluded" and c797s.numbers.covered is False


def test_plasma_cannot_show_protein_overexpression(write):
    report = run(write, [l858r(0.04)], tumor_fraction=0.08)
    assert negative(report, "c-MET protein overexpression").status == "not_assessable"


# --- review: one fraction even when the driver raises a given one; background ceiling; what "clonal" means ---------

def test_a_given_fraction_raised_by_the_driver_is_the_one_used_everywhere(write):
    report = run(write, [l858r(0.04)], panel=[C797_TARGET], coverage=[(*C797_TARGET[:3], "EGFR_ex20", 2000)],
                 cnv=[("MET", 2.4)], tumor_fraction=0.005)
    assert report.settings.tumor_fraction == pytest.approx(0.08) == report.plasma.tumor_fraction
    assert negative(report, "EGFR C797S").numbers.tumor_fraction == pytest.approx(0.08)
    met = next(c for c in report.copy_numbers if c.measurement.gene == "MET").measurement
    assert met.adjusted_copy_number is not None and met.adjusted_copy_number < 10  # not "82 tumor copies" at 0.5%
    l858r_row = next(r for r in report.alterations if r.label == "EGFR L858R")
    assert l858r_row.clonality.ccf == pytest.approx(1.0, abs=0.15)


def test_high_vaf_background_variants_do_not_inflate_the_estimate(write):
    background = [f"chr12 {s + 100} A G PASS {N} {cell(v)}" for (_, s, _, _), v in zip(BACKGROUND, (0.36, 0.37, 0.38), strict=True)]
    report = run(write, [l858r(0.01), *background], panel=[*BACKGROUND], prior=())
    assert report.tumor_fraction.value == pytest.approx(0.02)  # the driver's floor, not 74% from germline-like background
    assert report.counts.background_variants == 3


def test_clonal_means_in_nearly_every_tumor_cell():
    from annotator.config_assay import AssayThresholds
    from annotator.models import SmallVariant
    from annotator.plasma.clonality import cell_fraction

    def at(alt: int, depth: int) -> str:
        v = SmallVariant(gene="KRAS", source="t", type="snv", chrom="chr12", pos=1, ref="C", alt="T", vaf=alt / depth, depth=depth)
        return cell_fraction(v, 0.2, None, AssayThresholds()).label

    assert at(60, 1000) == "subclonal"  # cell fraction 0.6 (0.50-0.71): a majority of cells, not all of them
    assert at(100, 1000) == "clonal"
    assert at(8, 100) == "indeterminate"


def test_a_maf_with_a_panel_bed_says_no_background_is_read(write):
    from tests.support.inputs import PROTEIN_MAF_HEADER

    maf = write("s.maf", PROTEIN_MAF_HEADER + "EGFR\tGRCh38\t7\t55191822\tT\tG\tS1\tp.L858R\t950\t50\n")
    panel = write("panel.bed", "chr12\t60000000\t60000200\tT0\n")
    report = annotate_sample(SampleInputs(vcfs=(maf,), panel_bed=panel), RunConfig(genome="GRCh38"), get_knowledgebase())
    assert any("no background variants are read from a MAF" in w for w in report.warnings)


def test_a_given_fraction_far_below_the_estimate_is_warned_and_blood_does_not_count(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("KRAS", "G12D", 950, 50)], prior=["osimertinib"],
                            tumor_fraction=0.02)
    assert any("tumor fraction 2.0% (--tumor-fraction) is well below the 10.0%" in w for w in report.warnings), report.warnings
    blood = shipped_sample(snvs=[("EGFR", "L858R", 980, 20), ("DNMT3A", "R882H", 700, 300)], prior=["osimertinib"],
                           tumor_fraction=0.02)
    assert not any("well below" in w for w in blood.warnings), blood.warnings  # the CH hotspot at 30% implies nothing
