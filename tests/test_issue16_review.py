"""Issue 16 review (molecular pathologist): each finding reproduced end to end on the shipped knowledgebase."""

from __future__ import annotations

import pytest

from annotator.config import RunConfig
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import PROTEIN_MAF_HEADER, mutect2_vcf, wbc_vcf

N = "0/0:500,0:0.0:500"
L858R_38 = f"chr7 55191822 T G PASS {N} 0/1:950,50:0.05:1000"
G12D_38 = f"chr12 25245350 C T PASS {N} 0/1:985,15:0.015:1000"  # KRAS G12D, plasma VAF 1.5%


def origins(report) -> dict:
    return {o.label: o for o in report.plasma.origins}


def findings(report) -> set[str]:
    return {f.alteration for f in report.findings}


def flags(report) -> str:
    return " | ".join(report.summary.flags)


# M1: the driver's own VAF sets a floor under the re-estimated tumor fraction
def test_m1_high_tumor_fraction_tp53_beside_a_45_percent_driver_is_not_germline(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 550, 450), ("TP53", "R273H", 530, 470), ("PIK3CA", "E545K", 950, 50)],
                       prior=["osimertinib"], driver="EGFR L858R")
    assert r.plasma.tumor_fraction == pytest.approx(0.9) and "driver EGFR L858R" in r.plasma.tumor_fraction_basis
    tp53 = origins(r)["TP53 R273H"]
    assert tp53.verdict == "tumor" and not tp53.excluded
    assert "germline" not in flags(r).lower()


def test_m1_truncating_tp53_and_rb1_at_45_percent_keep_the_transformation_signal(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 550, 450), ("TP53", "R213*", 550, 450), ("RB1", "R320*", 560, 440),
                             ("PIK3CA", "E545K", 950, 50)], prior=["osimertinib"], driver="EGFR L858R")
    assert not r.plasma.excluded
    assert r.plasma.transformation is not None and "RB1 R320*" in r.plasma.transformation.rb1[0]


def test_m1_no_germline_call_when_a_measured_fraction_is_low_but_a_driver_reaches_the_vaf(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 550, 450), ("TP53", "R213*", 550, 450), ("RB1", "R320*", 560, 440)],
                       prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.1)
    rb1 = origins(r)["RB1 R320*"]
    assert rb1.verdict == "tumor" and not rb1.excluded and "EGFR L858R" in rb1.reason


# M2: a mutation on an amplified allele is not called germline
def test_m2_t790m_on_an_amplified_egfr_is_kept_and_worded_amplified_allele_or_germline(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 400, 600), ("EGFR", "T790M", 450, 550)], cnv=[("EGFR", 12)],
                       prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.2)
    t790m = origins(r)["EGFR T790M"]
    assert t790m.verdict == "tumor" and not t790m.excluded
    assert "germline or on the amplified allele; confirm" in t790m.reason
    assert "EGFR T790M" in findings(r)
    assert not [rec for rec in r.plasma.recommendations if rec.topic == "germline"]


# M3: TP53 up to factor x TF is the tumor's (copy-neutral LOH); RB1 beside a set-aside TP53 is said
def test_m3_tp53_at_the_tumor_fraction_with_rb1_deep_loss_flags_transformation(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 850, 150), ("TP53", "R248Q", 680, 320)], cnv=[("RB1", 1.4)],
                       prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.3)
    assert origins(r)["TP53 R248Q"].verdict == "tumor"
    assert r.plasma.transformation is not None


def test_m3_rb1_inactivated_beside_a_possible_ch_tp53_is_said_on_page_1(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 800, 200), ("TP53", "R248Q", 990, 10)], cnv=[("RB1", 0.2)],
                       prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.4)
    assert origins(r)["TP53 R248Q"].verdict == "possible_ch" and r.plasma.transformation is None
    assert "RB1 is inactivated" in flags(r) and "set aside" in flags(r)


def test_m3_tp53_p72r_at_50_percent_with_tf_40_percent_is_not_possible_ch(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 800, 200), ("TP53", "P72R", 500, 500)], prior=["osimertinib"],
                       driver="EGFR L858R", tumor_fraction=0.4)
    assert origins(r)["TP53 P72R"].verdict != "possible_ch"


# M4: deep loss needs a copy-loss status and an interval at or below the bar
@pytest.mark.parametrize(("cn", "deep"), [(1.95, False), (1.85, False), (1.7, True)])
def test_m4_rb1_deep_loss_needs_copy_loss_status_and_the_interval(shipped_sample, cn, deep):
    r = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("TP53", "R248Q", 950, 50)], cnv=[("RB1", cn)],
                       prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.1)
    assert (r.plasma.transformation is not None) is deep


# M5: ctDNA-negative plasma without --driver; a driver the inputs could not show
def test_m5_nothing_read_as_tumor_and_no_measured_fraction_is_not_informative(shipped_sample):
    r = shipped_sample(snvs=[], prior=["osimertinib"])
    assert r.plasma.informative == "not_informative"
    assert "circulating tumor DNA not detected" in r.summary.headline
    assert "No resistance mechanism in this knowledgebase detected" not in r.summary.headline


def test_m5_a_fusion_driver_without_a_fusion_input_is_not_assessable_not_absent(shipped_kb, tmp_path):
    genes = {g.symbol: g for g in shipped_kb.genes}
    loc = genes["TP53"].location.GRCh38
    maf = tmp_path / "s.maf"
    maf.write_text(PROTEIN_MAF_HEADER + f"TP53\tGRCh38\t{loc.chrom}\t{loc.start + 1000}\tN\tN\tS1\tp.R273H\t800\t200\n")
    inputs = SampleInputs(vcfs=(maf,), prior_therapies=("alectinib",), driver="ALK fusion")
    r = annotate_sample(inputs, RunConfig(genome="GRCh38"), shipped_kb)
    assert "not assessable" in flags(r)
    assert "was not detected in plasma" not in flags(r) + r.summary.headline
    assert r.plasma.informative == "informative"


# S1: a measured fraction below the informative level contradicted by the driver's VAF
def test_s1_a_low_measured_fraction_beside_a_5_percent_driver_uses_the_larger(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 950, 50)], prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.005)
    assert r.plasma.tumor_fraction == pytest.approx(0.1) and "disagree" in r.plasma.tumor_fraction_basis
    assert r.plasma.informative == "informative"


def _vcf(tmp_path, kb, records, wbc=None, prior=("osimertinib",), **config):
    plasma = tmp_path / "p.vcf"
    plasma.write_text(mutect2_vcf(records))
    wbc_path = None
    if wbc is not None:
        wbc_path = tmp_path / "w.vcf"
        wbc_path.write_text(wbc_vcf(wbc))
    inputs = SampleInputs(vcfs=(plasma,), wbc_vcf=wbc_path, prior_therapies=prior, driver="EGFR L858R")
    return annotate_sample(inputs, RunConfig(genome="GRCh38", **config), kb)


# S2: a large CH clone in WBC is CH, not germline
def test_s2_jak2_v617f_at_40_percent_in_wbc_is_a_large_ch_clone_not_germline(shipped_kb, tmp_path):
    jak2 = f"chr9 5073770 G T PASS {N} 0/1:600,400:0.4:1000"
    r = _vcf(tmp_path, shipped_kb, [L858R_38, jak2], wbc=["chr9 5073770 G T PASS 0/1:600,400:0.4:1000"])
    o = next(o for o in r.plasma.origins if o.gene == "JAK2")
    assert o.verdict == "ch" and "haematology" in (o.recommendation or "")
    assert not [rec for rec in r.plasma.recommendations if rec.topic == "germline"]
    assert "haematology" in flags(r)


# S3: high VAF in a gene never excluded without WBC evidence; T790M at TF exactly 30%
def test_s3_kras_above_the_tumor_fraction_is_not_explained_by_ch(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 960, 40), ("KRAS", "G12C", 550, 450)], prior=["osimertinib"],
                       driver="EGFR L858R", tumor_fraction=0.08)
    kras = origins(r)["KRAS G12C"]
    assert "underestimated" in kras.reason and "amplified" in kras.reason and "of plasma KRAS variants" not in kras.reason


def test_s3_t790m_at_49_percent_with_tf_exactly_30_percent_is_possibly_germline(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 960, 40), ("EGFR", "T790M", 510, 490)], driver="EGFR L858R",
                       tumor_fraction=0.30)
    assert origins(r)["EGFR T790M"].verdict == "possible_germline"


# S4: WBC rules modelled on Magee 2025, with read-count intervals
def test_s4_wbc_above_plasma_is_ch_and_says_which_comparison(shipped_kb, tmp_path):
    r = _vcf(tmp_path, shipped_kb, [L858R_38, G12D_38], wbc=["chr12 25245350 C T PASS 0/1:970,30:0.03:1000"])
    g12d = origins(r)["KRAS G12D"]
    assert g12d.verdict == "ch" and "exceeds the plasma VAF" in g12d.reason


def test_s4_wbc_well_below_plasma_is_possible_ch_kept(shipped_kb, tmp_path):
    r = _vcf(tmp_path, shipped_kb, [L858R_38, G12D_38], wbc=["chr12 25245350 C T PASS 0/1:995,5:0.005:1000"])
    g12d = origins(r)["KRAS G12D"]
    assert g12d.verdict == "possible_ch" and not g12d.excluded and "95% interval" in g12d.reason
    assert "KRAS G12D" in flags(r)  # S9: a headline mechanism also in the blood is said on page 1


def test_s4_tet2_not_called_in_the_wbc_vcf_is_possible_ch(shipped_kb, tmp_path):
    tet2 = f"chr4 105259734 C T PASS {N} 0/1:980,20:0.02:1000"
    r = _vcf(tmp_path, shipped_kb, [L858R_38, tet2], wbc=[])
    o = next((o for o in r.plasma.origins if o.gene == "TET2"), None)
    assert o is not None and o.verdict == "possible_ch" and "Not called in the matched white-blood-cell calls" in o.reason


# S7: the transformation recommendation cites clinical sources only
def test_s7_transformation_references_are_clinical(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("TP53", "R213*", 950, 50), ("RB1", "R320*", 950, 50)],
                       prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.1)
    refs = " ".join(str(link) for link in r.plasma.transformation.references)
    assert "niederst" in refs.lower() and "civic" not in refs.lower() and "vcf2maf" not in refs.lower()


# S8: page 1 names the transformation signal
def test_s8_the_headline_names_the_transformation_signal(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("TP53", "R213*", 950, 50), ("RB1", "R320*", 950, 50)],
                       prior=["osimertinib"], driver="EGFR L858R", tumor_fraction=0.1)
    assert "transformation" in r.summary.headline and "TP53 R213*" in r.summary.headline


# S9: CH-gene rows carry the tumor fraction given
def test_s9_possible_ch_rows_carry_the_tumor_fraction(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("TET2", "Q1034*", 980, 20)], prior=["osimertinib"],
                       driver="EGFR L858R", tumor_fraction=0.1)
    assert origins(r)["TET2 Q1034*"].tumor_fraction == pytest.approx(0.1)


# S10: a known benign polymorphism is not a page-1 germline flag
def test_s10_tp53_p72r_is_not_flagged_germline_on_page_1(shipped_sample):
    r = shipped_sample(snvs=[("EGFR", "L858R", 950, 50), ("TP53", "P72R", 500, 500)], prior=["osimertinib"],
                       driver="EGFR L858R", tumor_fraction=0.1)
    assert "P72R" not in flags(r)
    assert "polymorphism" in origins(r)["TP53 P72R"].reason
