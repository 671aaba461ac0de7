"""Issue 14 on the shipped knowledgebase: MET, KRAS, BRAF and HER2 (ERBB2), read as a tumor board would.

Small variants enter as unannotated Mutect2-style VCF records on GRCh37 and GRCh38 wherever the knowledgebase
keeps the codon or exon on both builds (MET codons 1228 and 1230 and exon 14, BRAF codon 600, KRAS codon 12,
ERBB2 exon 20), so the coordinates are exercised as well as the rules; alleles without codon coordinates (KRAS
Y96D) enter through a MAF with the protein change, as in test_issue13_scenarios.py.

Coordinates (1-based; GRCh37 / GRCh38), all from knowledgebase/genes.yaml, checked by tests/test_kb_coordinates.py:
* MET exon 14 last base 7:116412043 / 116771989 G>C: the vcf2maf truth record, p.D1010H on ENST00000397752
  (NM_000245), p.D1028H on ENST00000318493; MET codon 1228 (GAC) first base 116423407 / 116783353, G>A = D1228N
  (CIViC); codon 1230 (TAT) 116423413 / 116783359.
* BRAF V600E 7:140453136 / 140753336 A>T; KRAS G12C 12:25398285 / 25245351 C>A (minus strand).
* ERBB2 exon 20 17:37880979-37881164 / 39724726-39724911; the BOVERI truth insertion 17:37880981 A>AGCATACGTGATG
  (p.Y772_A775dup) and the same bases at the exon's build offset on GRCh38.
"""

from __future__ import annotations

import functools

import pytest

from annotator.config import RunConfig
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.render.html import render_html
from tests.support.inputs import mutect2_vcf
from tests.support.paths import require_realdata

NORMAL, TUMOR = "0/0:600,0:0.0:600", "0/1:900,100:0.10:1000"
CHR17 = {"GRCh37": "##contig=<ID=17,length=81195210>\n", "GRCh38": "##contig=<ID=chr17,length=83257441>\n"}

# name: (chrom without prefix, GRCh37 pos, GRCh38 pos, REF, ALT)
RECORDS = {
    "MET_D1010H": ("7", 116412043, 116771989, "G", "C"),
    "MET_D1228N": ("7", 116423407, 116783353, "G", "A"),
    "MET_Y1230C": ("7", 116423414, 116783360, "A", "G"),  # TAT -> TGT, second base
    "BRAF_V600E": ("7", 140453136, 140753336, "A", "T"),
    "KRAS_G12C": ("12", 25398285, 25245351, "C", "A"),
    "KRAS_G12D": ("12", 25398284, 25245350, "C", "T"),
    "ERBB2_Y772_A775dup": ("17", 37880981, 39724728, "A", "AGCATACGTGATG"),
}
BUILDS = ["GRCh37", "GRCh38"]


@pytest.fixture
def vcf_sample(shipped_kb, write):
    def _run(names, build="GRCh38", prior=(), driver=None, cnv=()):
        lines = []
        for name in names:
            chrom, p37, p38, ref, alt = RECORDS[name]
            chrom, pos = (chrom, p37) if build == "GRCh37" else (f"chr{chrom}", p38)
            lines.append(f"{chrom} {pos} {ref} {alt} PASS {NORMAL} {TUMOR}")
        text = mutect2_vcf(lines, build)
        text = text.replace("##source=Mutect2\n", CHR17[build] + "##source=Mutect2\n")
        vcf = write(f"s.{build}.vcf", text)
        cnv_files = ()
        if cnv:
            cnv_files = (write("s.cnv.tsv", "gene\tcopy_number\n" + "".join(f"{g}\t{v}\n" for g, v in cnv)),)
        inputs = SampleInputs(vcfs=(vcf,), cnv=cnv_files, prior_therapies=tuple(prior), driver=driver)
        report = annotate_sample(inputs, RunConfig(tumor_fraction=1.0 if cnv else None), shipped_kb)
        assert report.genome_build == build
        return report

    return _run


@pytest.fixture
def maf_sample(shipped_sample):
    return functools.partial(shipped_sample, reads=(900, 100))


def roles(report):
    return {f.kb_id: f.role for f in report.findings}


def drugs(options):
    return [t.drug_ids for t in options]


def offered_drugs(report):
    return {d for t in report.offered_options for d in t.drug_ids}


def not_recommended(report):
    return {tuple(n.therapy.drug_ids): n.rule for n in report.not_recommended}


# ---- MET ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", BUILDS)
def test_met_d1010h_truth_record_is_met_exon14_skipping_and_gets_the_approved_met_tkis(vcf_sample, build):
    r = vcf_sample(["MET_D1010H"], build)
    assert roles(r) == {"MET_EX14": "primary_driver"}
    assert drugs(r.standard_options) == [["capmatinib"], ["tepotinib"]]  # both level A, first line
    assert all(t.after is None for t in r.standard_options)
    assert r.summary.framing == "diagnostic"
    refs = {link.label for t in r.standard_options for e in t.evidence for link in e.references}
    assert any("TABRECTA" in x for x in refs) and any("TEPMETKO" in x for x in refs)  # label references


def test_met_d1010h_in_the_real_vcf2maf_files_is_met_exon14_skipping(shipped_kb):
    for name, build in (("mskcc-vcf2maf__test.vcf", "GRCh37"), ("mskcc-vcf2maf__test_grch38.vcf", "GRCh38")):
        path = require_realdata("vcf", name)
        r = annotate_sample(SampleInputs(vcfs=(path,)), RunConfig(genome=build), shipped_kb)  # no contig lengths in these files
        assert r.genome_build == build
        met = [f for f in r.findings if f.gene == "MET"]
        assert [f.kb_id for f in met] == ["MET_EX14"], build


@pytest.mark.parametrize("build", BUILDS)
def test_met_d1228n_after_capmatinib_is_on_target_with_a_type_ii_option_and_no_type_i(vcf_sample, build):
    r = vcf_sample(["MET_D1010H", "MET_D1228N"], build, prior=["capmatinib"])
    assert roles(r) == {"MET_EX14": "primary_driver", "MET_D1228": "on_target_resistance"}
    d1228 = next(f for f in r.findings if f.kb_id == "MET_D1228")
    assert d1228.alteration.startswith("MET") and "D1228N" in d1228.detail + d1228.alteration
    assert d1228.resistance_to == "capmatinib" and d1228.mechanism_id == "MECH_MET_ACTIVATION_LOOP"
    assert "on-target resistance mechanism to capmatinib" in d1228.statement
    # No type I MET TKI is offered again: the first-line capmatinib and tepotinib entries are out of this setting (a
    # MET TKI was given), and no entry offers savolitinib or crizotinib for a MET driver.
    assert not offered_drugs(r) & {"capmatinib", "tepotinib", "savolitinib", "crizotinib"}
    assert drugs(r.mechanism_options) == [["cabozantinib"]]  # type II MET TKI, level D
    assert r.mechanism_options[0].evidence[0].level == "D" and r.standard_options == []
    assert r.summary.framing == "resistance" and "MET D1228" in " ".join(r.summary.resistance_mechanisms)


def test_met_y1230c_after_tepotinib_is_on_target_too(vcf_sample):
    r = vcf_sample(["MET_D1010H", "MET_Y1230C"], "GRCh37", prior=["tepotinib"])
    assert roles(r)["MET_Y1230"] == "on_target_resistance"
    assert drugs(r.mechanism_options) == [["cabozantinib"]]


def test_met_d1228n_after_a_type_ii_tki_is_not_read_as_resistance_to_it(vcf_sample):
    """The mutations arise on type I MET TKIs; after cabozantinib (type II) they are not its resistance."""
    r = vcf_sample(["MET_D1010H", "MET_D1228N"], "GRCh38", prior=["cabozantinib"])
    assert roles(r)["MET_D1228"] != "on_target_resistance"


def test_de_novo_met_d1228n_defeats_the_type_i_first_line_tkis(vcf_sample):
    """Before any MET TKI the same mutation is a co-alteration, yet a known on-target change: capmatinib and tepotinib
    are listed as not recommended with the rule that removed them (the rules run in policy order, so
    defeated_by_on_target, which comes first, names it rather than class_cross_resistance)."""
    r = vcf_sample(["MET_D1010H", "MET_D1228N"], "GRCh38")
    assert roles(r) == {"MET_EX14": "primary_driver", "MET_D1228": "co_alteration"}
    removed = not_recommended(r)
    assert removed[("capmatinib",)] == removed[("tepotinib",)] == "defeated_by_on_target"
    assert "cabozantinib" not in offered_drugs(r)  # its evidence is after a type I MET TKI


def test_vep_annotation_is_read_on_the_knowledgebase_met_transcript(shipped_kb, write):
    """Without a canonical flag the knowledgebase transcript (ENST00000397752, issue 14) gives the protein change."""
    csq_header = ('##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl VEP. '
                  'Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp|CANONICAL">\n')
    csq = ("A|missense_variant|MODERATE|MET|ENSG00000105976|Transcript|ENST00000318493|protein_coding|"
           "ENST00000318493:c.3736G>A|ENSP00000317272:p.Asp1246Asn|,"
           "A|missense_variant|MODERATE|MET|ENSG00000105976|Transcript|ENST00000397752|protein_coding|"
           "ENST00000397752:c.3682G>A|ENSP00000380860:p.Asp1228Asn|")
    text = mutect2_vcf([f"chr7 116783353 G A PASS {NORMAL} {TUMOR}"], "GRCh38").replace("##source=", csq_header + "##source=")
    text = text.replace("\tDP=1000\t", f"\tDP=1000;CSQ={csq}\t")
    r = annotate_sample(SampleInputs(vcfs=(write("csq.vcf", text),), prior_therapies=("capmatinib",), driver="MET exon 14 skipping"),
                        RunConfig(), shipped_kb)
    (finding,) = [f for f in r.findings if f.gene == "MET"]
    assert finding.kb_id == "MET_D1228" and finding.role == "on_target_resistance"


def test_osimertinib_tepotinib_is_an_ongoing_trial_not_preclinical(shipped_kb):
    regimen = next(r for r in shipped_kb.regimens if r.id == "regimen_osimertinib_tepotinib")
    assert [(e.level, e.type) for e in regimen.evidence] == [("D", "ongoing_trial")]
    assert regimen.trials == ["NCT03940703"]


# ---- KRAS G12C -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", BUILDS)
def test_treatment_naive_kras_g12c_gets_chemo_immunotherapy_and_no_approved_g12c_inhibitor(vcf_sample, build):
    r = vcf_sample(["KRAS_G12C"], build)
    assert roles(r)["KRAS_G12C"] == "primary_driver"
    assert drugs(r.standard_options) == [["pembrolizumab", "pemetrexed", "carboplatin"]]
    assert not offered_drugs(r) & {"sotorasib", "adagrasib"}  # approved only after a prior systemic therapy
    # divarasib keeps the review's phase I evidence without an `after` (no source says its patients were pretreated):
    # an investigational level-C option, never standard.
    assert all(t.evidence[0].level == "C" for t in r.mechanism_options if "divarasib" in t.drug_ids)


def test_after_chemo_immunotherapy_the_g12c_inhibitors_are_the_standard_next_step(vcf_sample):
    r = vcf_sample(["KRAS_G12C"], "GRCh38", prior=["carboplatin", "pemetrexed", "pembrolizumab"])
    assert sorted(drugs(r.standard_options)) == [["adagrasib"], ["sotorasib"]]
    assert not_recommended(r)[("pembrolizumab", "pemetrexed", "carboplatin")] == "progressed_on"
    assert "NCT04625647" in {t.nct_id for t in r.trials}  # the sotorasib trial, now matchable on KRAS G12C
    assert r.summary.framing == "diagnostic"  # chemotherapy and immunotherapy are not targeted therapy


def test_after_adagrasib_sotorasib_is_not_recommended_as_the_same_class(vcf_sample):
    r = vcf_sample(["KRAS_G12C"], "GRCh37", prior=["carboplatin", "pemetrexed", "pembrolizumab", "adagrasib"])
    removed = {tuple(n.therapy.drug_ids): n for n in r.not_recommended}
    assert removed[("sotorasib",)].rule == "same_class_as_failed" and "adagrasib" in removed[("sotorasib",)].reason
    # divarasib's entry is first line (no `after`), so after a G12C inhibitor it is out of this setting altogether
    assert not offered_drugs(r) & {"sotorasib", "adagrasib", "divarasib"}
    assert r.standard_options == []


@pytest.mark.parametrize("build", BUILDS)
def test_second_kras_allele_after_adagrasib_is_on_target_resistance(vcf_sample, build):
    r = vcf_sample(["KRAS_G12C", "KRAS_G12D"], build, prior=["carboplatin", "pembrolizumab", "adagrasib"])
    found = {f.alteration: f for f in r.findings}
    assert found["KRAS G12C"].role == "primary_driver"
    g12d = next(f for f in r.findings if f.gene == "KRAS" and f.role != "primary_driver")
    assert g12d.role == "on_target_resistance" and g12d.mechanism_id == "MECH_KRAS_SECONDARY_AFTER_G12C_INHIBITOR"
    assert g12d.resistance_to == "adagrasib"
    assert not offered_drugs(r) & {"sotorasib", "divarasib"}


def test_kras_y96d_after_sotorasib_is_on_target_resistance_from_its_protein_annotation(maf_sample):
    r = maf_sample([("KRAS", "G12C"), ("KRAS", "Y96D")], prior=["docetaxel", "sotorasib"])
    assert roles(r)["KRAS_Y96"] == "on_target_resistance"
    assert roles(r)["KRAS_G12C"] == "primary_driver"  # the drug's own target is never resistance to it
    assert ("adagrasib",) in not_recommended(r)


def test_braf_v600e_after_a_g12c_inhibitor_is_bypass_and_histology_cannot_be_excluded(vcf_sample):
    r = vcf_sample(["KRAS_G12C", "BRAF_V600E"], "GRCh38", prior=["carboplatin", "pembrolizumab", "sotorasib"])
    assert roles(r) == {"KRAS_G12C": "primary_driver", "BRAF_V600E": "bypass_resistance"}
    assert r.sample.primary_driver is not None and r.sample.primary_driver.gene == "KRAS"
    assert "Histologic transformation" in r.summary.cannot_exclude


# ---- BRAF V600E ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("build", BUILDS)
def test_treatment_naive_braf_v600e_gets_both_approved_braf_mek_combinations(vcf_sample, build):
    r = vcf_sample(["BRAF_V600E"], build)
    assert roles(r) == {"BRAF_V600E": "primary_driver"}
    assert drugs(r.standard_options) == [["dabrafenib", "trametinib"], ["encorafenib", "binimetinib"]]
    assert all(t.after is None and t.evidence[0].level == "A" for t in r.standard_options)
    assert r.mechanism_options == [] and r.not_recommended == []


def test_after_dabrafenib_trametinib_the_first_line_braf_options_are_not_repeated(vcf_sample):
    r = vcf_sample(["BRAF_V600E"], "GRCh38", prior=["dabrafenib + trametinib"])
    assert r.standard_options == [] and not offered_drugs(r) & {"dabrafenib", "encorafenib"}
    assert r.summary.framing == "resistance"


# ---- HER2 (ERBB2) exon 20 insertions ---------------------------------------------------------------------


@pytest.mark.parametrize("build", BUILDS)
def test_erbb2_exon20_insertion_after_chemotherapy_gets_t_dxd_and_zongertinib(vcf_sample, build):
    r = vcf_sample(["ERBB2_Y772_A775dup"], build, prior=["carboplatin", "pemetrexed", "pembrolizumab"])
    assert roles(r) == {"ERBB2_EX20INS": "primary_driver"}
    assert sorted(drugs(r.standard_options)) == [["trastuzumab-deruxtecan"], ["zongertinib"]]
    assert all("at least one prior systemic therapy" in t.after for t in r.standard_options)
    assert "NCT03574402" in {t.nct_id for t in r.trials}  # pyrotinib in HER2-mutant NSCLC


def test_treatment_naive_erbb2_exon20_insertion_gets_no_post_chemotherapy_approval(vcf_sample):
    r = vcf_sample(["ERBB2_Y772_A775dup"], "GRCh37")
    assert roles(r) == {"ERBB2_EX20INS": "primary_driver"}
    assert not offered_drugs(r) & {"trastuzumab-deruxtecan", "zongertinib"}
    # No first-line option is curated for it: page 1 says so instead of showing nothing (review of issue 14).
    html = render_html(r)
    summary = html[html.index('id="summary"'):html.index('id="findings"')]
    assert "No approved or guideline option for" in summary and "(this does not mean none exists)" in summary


def test_trastuzumab_pertuzumab_is_not_offered_to_an_erbb2_mutant_driver(vcf_sample):
    """HER2 amplification beside the HER2 driver has no role in the ERBB2 context, so the driver-independent
    trastuzumab + pertuzumab entry (CAPTUR, HER2-amplification resistance) is not reached through it."""
    r = vcf_sample(["ERBB2_Y772_A775dup"], "GRCh38", prior=["carboplatin", "pemetrexed", "pembrolizumab"], cnv=[("ERBB2", 12)])
    assert roles(r).get("ERBB2_AMP") in (None, "other")
    assert ["trastuzumab", "pertuzumab"] not in drugs(r.offered_options)
    assert "NCT03297606" not in {t.nct_id for t in r.trials}


def test_after_t_dxd_zongertinib_remains(vcf_sample):
    r = vcf_sample(["ERBB2_Y772_A775dup"], "GRCh38", prior=["carboplatin", "pemetrexed", "trastuzumab deruxtecan"])
    assert drugs(r.standard_options) == [["zongertinib"]]
    assert not_recommended(r)[("trastuzumab-deruxtecan",)] == "progressed_on"


def test_t_dm1_statement_carries_the_her2_ihc_caveat(shipped_kb):
    regimen = next(r for r in shipped_kb.regimens if r.id == "regimen_osimertinib_trastuzumab_emtansine")
    caveat = " ".join(e.statement for e in regimen.evidence)
    assert "IHC 3+" in caveat and "IHC 2+" in caveat
