"""Defects the review of issue 14 found on the shipped knowledgebase, each reproduced first and kept as a test."""

from __future__ import annotations

import pytest


@pytest.fixture
def scenario(shipped_sample):
    return shipped_sample


def drugs(options):
    return [t.drug_ids for t in options]


def test_a_drug_already_given_is_not_offered_again_when_the_evidence_is_not_after_it(scenario):
    """Amivantamab + carboplatin-pemetrexed's evidence is after osimertinib, in patients who never had amivantamab:
    after first-line amivantamab + lazertinib it is not the standard next step."""
    r = scenario(snvs=[("EGFR", "L858R")], prior=["amivantamab + lazertinib"])
    assert not any("amivantamab" in t.drug_ids for t in r.offered_options)
    again = next(n for n in r.not_recommended if "amivantamab" in n.therapy.drug_ids and "carboplatin" in n.therapy.drug_ids)
    assert again.rule == "regiven_without_evidence" and "amivantamab already given" in again.reason


def test_datopotamab_deruxtecan_needs_an_egfr_drug_and_platinum(scenario):
    chemo_only = scenario(snvs=[("EGFR", "L858R")], prior=["carboplatin", "pemetrexed"])
    assert "datopotamab-deruxtecan" not in {d for t in chemo_only.offered_options for d in t.drug_ids}
    both = scenario(snvs=[("EGFR", "L858R")], prior=["osimertinib", "carboplatin", "pemetrexed"])
    dato = next(t for t in both.standard_options if t.drug_ids == ["datopotamab-deruxtecan"])
    assert dato.after.startswith("a platinum") and "and " in dato.after and "EGFR TKI" in dato.after


def test_no_trial_of_a_second_g12c_inhibitor_after_the_first(scenario):
    r = scenario(snvs=[("KRAS", "G12C")], prior=["carboplatin", "pemetrexed", "pembrolizumab", "adagrasib"])
    assert "NCT04625647" not in {t.nct_id for t in [*r.trials, *r.setting_trials]}  # sotorasib monotherapy
    before = scenario(snvs=[("KRAS", "G12C")], prior=["carboplatin", "pemetrexed", "pembrolizumab"])
    assert "NCT04625647" in {t.nct_id for t in before.trials}


def test_every_kras_driver_allele_gets_the_chemo_immunotherapy_standard(scenario):
    for allele in ("G12V", "G12D", "Q61H"):
        r = scenario(snvs=[("KRAS", allele)])
        assert drugs(r.standard_options) == [["pembrolizumab", "pemetrexed", "carboplatin"]], allele


def test_an_uncurated_fusion_in_a_driver_gene_is_a_possible_driver_never_silence(scenario):
    r = scenario(fusions=[("AGK", "BRAF")])
    assert r.summary.headline.startswith("Primary driver not curated in this knowledgebase: AGK::BRAF")


def test_a_maf_numbered_on_another_met_isoform_is_read_on_the_knowledgebase_one(write, shipped_kb):
    """vcf2maf's VEP isoform numbers MET on ENST00000318493 (+18): p.D1246N there is D1228N on ENST00000397752."""
    from annotator.config import RunConfig
    from annotator.pipeline import SampleInputs, annotate_sample

    header = ("Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
              "Tumor_Sample_Barcode\tHGVSp_Short\tTranscript_ID\tt_ref_count\tt_alt_count\n")
    rows = ("MET\tGRCh37\t7\t116412043\tG\tC\tS1\tp.D1028H\tENST00000318493\t900\t100\n"
            "MET\tGRCh37\t7\t116423407\tG\tA\tS1\tp.D1246N\tENST00000318493\t980\t20\n")
    maf = write("s.maf", header + rows)
    report = annotate_sample(SampleInputs(vcfs=(maf,), prior_therapies=("capmatinib",)), RunConfig(genome="GRCh37"), shipped_kb)
    roles = {f.alteration: f.role for f in report.findings}
    assert roles.get("MET D1228N") == "on_target_resistance", roles
    assert any("numbered on ENST00000318493" in w for w in report.warnings)
