"""Issue 16 "Done when", end to end on the shipped knowledgebase: synthetic plasma samples through the pipeline.

Small variants are MAF rows with their protein change (``shipped_sample``) or Mutect2-style VCF records when the
matched white-blood-cell VCF must find the same allele."""

from __future__ import annotations

import pytest

from annotator.config import RunConfig
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.render.html import render_html
from tests.support.inputs import mutect2_vcf, wbc_vcf

N = "0/0:500,0:0.0:500"
L858R_38 = f"chr7 55191822 T G PASS {N} 0/1:950,50:0.05:1000"
G12D_38 = f"chr12 25245350 C T PASS {N} 0/1:985,15:0.015:1000"  # KRAS G12D, plasma VAF 1.5%
G12D_IN_WBC = "chr12 25245350 C T PASS 0/1:990,10:0.01:1000"  # the same allele in the blood at 1%


def origins(report) -> dict:
    return {o.label: o for o in report.plasma.origins}


def finding_labels(report) -> set[str]:
    """Findings in context ("KRAS G12D"): what a board reads as a mechanism or a driver."""
    return {f.alteration for f in report.findings}


def test_dnmt3a_r882h_and_jak2_v617f_are_excluded_as_ch_and_tet2_is_possible_ch(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("DNMT3A", "R882H", 880, 120), ("JAK2", "V617F", 920, 80),
                                  ("TET2", "Q1034*", 980, 20)], prior=["osimertinib"], tumor_fraction=0.1)
    seen = origins(report)
    for label in ("DNMT3A R882H", "JAK2 V617F"):
        assert seen[label].verdict == "ch" and seen[label].excluded, seen[label]
        assert "hotspot" in seen[label].reason and seen[label].references
    assert set(report.plasma.excluded) >= {"DNMT3A R882H", "JAK2 V617F"}
    assert not {"DNMT3A R882H", "JAK2 V617F"} & finding_labels(report)
    tet2 = seen["TET2 Q1034*"]
    assert tet2.verdict == "possible_ch" and not tet2.excluded and tet2.numbers["vaf"] == pytest.approx(0.02)
    html = render_html(report)
    assert "DNMT3A R882H" in html and "possible clonal hematopoiesis" in html


def _vcf_sample(write, records, wbc=None, **config):
    plasma = write("plasma.vcf", mutect2_vcf(records))
    wbc_path = write("wbc.vcf", wbc_vcf(wbc)) if wbc is not None else None
    inputs = SampleInputs(vcfs=(plasma,), wbc_vcf=wbc_path, prior_therapies=("osimertinib",), driver="EGFR L858R")
    return annotate_sample(inputs, RunConfig(genome="GRCh38", **config), _kb())


def _kb():
    from annotator.kb.load import get_knowledgebase

    return get_knowledgebase()


def test_kras_g12d_in_the_wbc_vcf_is_excluded_and_kept_without_wbc_data(write):
    without = _vcf_sample(write, [L858R_38, G12D_38])
    g12d = origins(without).get("KRAS G12D")
    assert g12d is None or not g12d.excluded  # KRAS is never excluded without white-blood-cell evidence
    assert "KRAS G12D" in finding_labels(without) and "KRAS G12D" not in without.plasma.excluded

    with_wbc = _vcf_sample(write, [L858R_38, G12D_38], wbc=[G12D_IN_WBC])
    g12d = origins(with_wbc)["KRAS G12D"]
    assert (g12d.verdict, g12d.excluded, g12d.wbc_vaf) == ("ch", True, pytest.approx(0.01))
    assert "white blood cells" in g12d.reason and "1.5%" in g12d.reason and "1.0%" in g12d.reason
    assert "KRAS G12D" not in finding_labels(with_wbc) and with_wbc.plasma.wbc_given
    assert [i.role for i in with_wbc.inputs].count("wbc") == 1


def test_tp53_concordant_with_the_tumor_fraction_is_not_ch(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("TP53", "R273H", 950, 50)], prior=["osimertinib"],
                            tumor_fraction=0.1)
    tp53 = origins(report)["TP53 R273H"]
    assert tp53.verdict == "tumor" and not tp53.excluded and "concordant" in tp53.reason


def test_tp53_far_above_the_tumor_fraction_is_possible_ch(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("TP53", "R273H", 700, 300)], prior=["osimertinib"],
                            tumor_fraction=0.1)
    assert origins(report)["TP53 R273H"].verdict == "possible_ch"


def test_t790m_at_49_percent_with_tumor_fraction_8_percent_is_possibly_germline(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 960, 40), ("EGFR", "T790M", 510, 490)], tumor_fraction=0.08)
    t790m = origins(report)["EGFR T790M"]
    assert (t790m.verdict, t790m.excluded) == ("possible_germline", True)
    assert "germline" in t790m.recommendation and "counselling" in t790m.recommendation
    assert {r.label.split(".")[0] for r in t790m.references} >= {"Bell DW, Gore I, Okimoto RA, et al"}
    assert "EGFR T790M" not in finding_labels(report)
    assert any("germline" in flag.lower() and "T790M" in flag for flag in report.summary.flags)


def test_ctdna_negative_plasma_is_headlined_not_informative(shipped_sample):
    report = shipped_sample(prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.005)
    headline = report.summary.headline
    assert headline.startswith("This plasma sample is not informative for resistance") and "re-biopsy" in headline
    assert "No resistance mechanism" not in headline and report.plasma.informative == "not_informative"
    iaslc = report.plasma.recommendations[0].references
    assert any("Rolfo" in r.label for r in iaslc)


def test_low_shedding_with_the_driver_found_is_not_informative_either(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 997, 3)], prior=["osimertinib"], driver="EGFR L858R",
                            tumor_fraction=0.004)
    assert report.plasma.informative == "low_shedding"
    assert report.summary.headline.startswith("This plasma sample is not informative for resistance (low tumor DNA shedding)")


@pytest.mark.parametrize("rb1", [{"snvs": [("RB1", "R320*", 950, 50)]}, {"cnv": [("RB1", 1.4)]}], ids=["RB1 mutation", "RB1 deep loss"])
def test_tp53_and_rb1_inactivation_after_a_tki_is_a_transformation_signal(shipped_sample, rb1):
    snvs = [("EGFR", "L858R", 850, 150), ("TP53", "R248Q", 850, 150), *rb1.get("snvs", [])]
    report = shipped_sample(snvs=snvs, cnv=rb1.get("cnv", []), prior=["osimertinib"], tumor_fraction=0.3)
    signal = report.plasma.transformation
    assert signal is not None and signal.tp53.startswith("TP53 R248Q") and signal.rb1
    assert "re-biopsy" in signal.recommendation and signal.references
    assert any("small-cell transformation" in flag for flag in report.summary.flags)


def test_no_transformation_signal_before_any_tki(shipped_sample):
    report = shipped_sample(snvs=[("EGFR", "L858R", 850, 150), ("TP53", "R248Q", 850, 150), ("RB1", "R320*", 850, 150)],
                            tumor_fraction=0.3)
    assert report.plasma.transformation is None


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
@pytest.mark.parametrize("gene", ["DNMT3A", "TET2", "JAK2", "TP53", "RB1"])
def test_genes_read_beyond_the_resistance_genes_are_read_on_both_builds(write, build, gene):
    kb = _kb()
    loc = getattr(next(g for g in kb.genes if g.symbol == gene).location, build)
    chrom = f"chr{loc.chrom}" if build == "GRCh38" else loc.chrom
    vcf = mutect2_vcf([f"{chrom} {loc.start + 1000} C T PASS {N} 0/1:980,20:0.02:1000"], build=build)
    contig = f"##contig=<ID={chrom},length=250000000>\n"
    path = write("plasma.vcf", vcf.replace("##source=Mutect2\n", contig + "##source=Mutect2\n"))
    report = annotate_sample(SampleInputs(vcfs=(path,)), RunConfig(genome=build), kb)
    assert [(a.observation.gene, a.observation.pos) for a in report.alterations] == [(gene, loc.start + 1000)]
    assert report.counts.outside_knowledgebase_genes == 0
