"""Issue 14 on the shipped knowledgebase: ALK, ROS1, RET and NTRK as a thoracic tumor board reads them.

Each scenario is run twice: from a MAF (the protein change given, as vcf2maf writes it) and from unannotated
Mutect2-style VCFs on GRCh38 and GRCh37, whose records are written out below position by position (the codons are
checked against third-party tables in tests/test_kb_coordinates.py; here the VCF path must reach the same reading).
Fusions enter through the gene5/gene3 table.

Positions (1-based; coding-strand change -> genomic change; ALK and ROS1 are on the minus strand):
  ALK G1202R  GGA>AGA   GRCh38 2:29220747 C>T   GRCh37 2:29443613 C>T (the CIViC G1202R allele)
  ALK F1174L  TTC>TTA   GRCh38 2:29220829 G>T   GRCh37 2:29443695 G>T (the CIViC F1174L allele)
  ROS1 G2032R GGA>AGA   GRCh38 6:117317184 C>T  GRCh37 6:117638347 C>T (the CIViC G2032R allele)
  RET G810R   GGC>CGC   GRCh38 10:43119566 G>C  GRCh37 10:43615014 G>C (RET on its long isoform, ENST00000355710)
"""

from __future__ import annotations

import pytest

from annotator.config import RunConfig
from annotator.kb.load import get_knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import FORMAT_LINES
from tests.support.paths import REALDATA

KB = get_knowledgebase()
REGIMENS = {r.id: r for r in KB.regimens}
MECHANISMS = {m.id: m for m in KB.mechanisms}
REFS = {r.id: r for r in KB.references}

CONTIGS = {
    "GRCh38": "##contig=<ID=chr2,length=242193529>\n##contig=<ID=chr6,length=170805979>\n##contig=<ID=chr10,length=133797422>\n",
    "GRCh37": "##contig=<ID=2,length=243199373>\n##contig=<ID=6,length=171115067>\n##contig=<ID=10,length=135534747>\n",
}
# (gene, protein) -> {build: (chrom, pos, ref, alt)}, chromosome names as each build's header writes them
ALLELES = {
    ("ALK", "G1202R"): {"GRCh38": ("chr2", 29220747, "C", "T"), "GRCh37": ("2", 29443613, "C", "T")},
    ("ALK", "F1174L"): {"GRCh38": ("chr2", 29220829, "G", "T"), "GRCh37": ("2", 29443695, "G", "T")},
    ("ALK", "L1196M"): {"GRCh38": ("chr2", 29220765, "G", "T"), "GRCh37": ("2", 29443631, "G", "T")},
    ("ALK", "D1203N"): {"GRCh38": ("chr2", 29220744, "C", "T"), "GRCh37": ("2", 29443610, "C", "T")},
    ("ALK", "C1156Y"): {"GRCh38": ("chr2", 29222392, "C", "T"), "GRCh37": ("2", 29445258, "C", "T")},
    ("ALK", "G1269A"): {"GRCh38": ("chr2", 29209816, "C", "G"), "GRCh37": ("2", 29432682, "C", "G")},
    ("ROS1", "G2032R"): {"GRCh38": ("chr6", 117317184, "C", "T"), "GRCh37": ("6", 117638347, "C", "T")},
    ("RET", "G810R"): {"GRCh38": ("chr10", 43119566, "G", "C"), "GRCh37": ("10", 43615014, "G", "C")},
    ("RET", "G810S"): {"GRCh38": ("chr10", 43119566, "G", "A"), "GRCh37": ("10", 43615014, "G", "A")},
    ("RET", "G810C"): {"GRCh38": ("chr10", 43119566, "G", "T"), "GRCh37": ("10", 43615014, "G", "T")},
}
SOURCES = ("maf", "GRCh38", "GRCh37")


def vcf_text(snvs, build: str) -> str:
    head = (
        "##fileformat=VCFv4.2\n" + FORMAT_LINES + CONTIGS[build] + "##source=Mutect2\n"
        "##tumor_sample=PLASMA_1\n##normal_sample=NORMAL_1\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNORMAL_1\tPLASMA_1\n"
    )
    body = ""
    for gene, protein in snvs:
        chrom, pos, ref, alt = ALLELES[(gene, protein)][build]
        body += f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\tPASS\tDP=1000\tGT:AD:AF:DP\t0/0:500,0:0.0:500\t0/1:900,100:0.1:1000\n"
    return head + body


@pytest.fixture
def scenario(tmp_path, shipped_kb, shipped_sample):
    def _run(source="maf", snvs=(), cnv=(), fusions=(), prior=(), driver=None):
        if source == "maf":
            return shipped_sample(snvs=snvs, cnv=cnv, fusions=fusions, prior=prior, driver=driver, reads=(900, 100))
        variants = tmp_path / "s.vcf"
        variants.write_text(vcf_text(snvs, source))
        cnv_file = tmp_path / "s.cnv.tsv"
        cnv_file.write_text("gene\tcopy_number\n" + "".join(f"{g}\t{v}\n" for g, v in cnv))
        fus_file = tmp_path / "s.fusions.tsv"
        fus_file.write_text("gene5\tgene3\tsupporting_reads\n" + "".join(f"{a}\t{b}\t40\n" for a, b in fusions))
        inputs = SampleInputs(vcfs=(variants,), cnv=(cnv_file,), fusions=(fus_file,), prior_therapies=tuple(prior), driver=driver)
        report = annotate_sample(inputs, RunConfig(genome=source), shipped_kb)
        assert report.genome_build == source
        return report

    return _run


def roles(report):
    return {f.alteration: (f.role, f.resistance_to) for f in report.findings}


def ids(options):
    return [t.id for t in options]


def offered_drugs(report):
    return [t.drug_ids for t in report.offered_options]


def removed(report):
    return {n.therapy.id: (n.rule, n.reason) for n in report.not_recommended}


# ---- ALK: G1202R after a second-generation TKI -----------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_alk_g1202r_after_alectinib_is_on_target_and_lorlatinib_is_the_standard_next_step(scenario, source):
    r = scenario(source, snvs=[("ALK", "G1202R")], fusions=[("EML4", "ALK")], prior=["alectinib"])
    assert roles(r) == {"EML4::ALK fusion": ("primary_driver", None), "ALK G1202R": ("on_target_resistance", "alectinib")}
    g1202r = next(f for f in r.findings if f.alteration == "ALK G1202R")
    assert g1202r.mechanism_id == "MECH_ALK_G1202R" and g1202r.kb_id == "ALK_G1202R"
    assert any("28%-50%" in f for f in g1202r.frequencies)  # the review's figure for ALK kinase-domain mutations
    assert ids(r.standard_options) == ["regimen_lorlatinib_after_alk_tki_gen2"]
    lorlatinib = r.standard_options[0]
    assert lorlatinib.evidence[0].level == "A" and "2 November 2018" in lorlatinib.evidence[0].statement
    assert {"EML4::ALK fusion", "ALK G1202R"} <= set(lorlatinib.answers)
    for drug in ("alectinib", "brigatinib", "ceritinib", "crizotinib"):
        assert [drug] not in offered_drugs(r), drug


def test_g1202r_context_is_resistance_to_second_generation_tkis():
    (ctx,) = MECHANISMS["MECH_ALK_G1202R"].contexts
    assert (ctx.driver, ctx.role, ctx.after.generations) == ("ALK", "on_target_resistance", [2])
    regimen = REGIMENS["regimen_lorlatinib_after_alk_tki_gen2"]
    assert regimen.standard and regimen.after.generations == [2] and not regimen.after.most_recent


def test_lorlatinib_first_line_and_after_a_second_generation_tki_cite_their_approvals():
    assert (REFS["label_lorlatinib_2018"].approval_date.isoformat(), REFS["label_lorlatinib_2018"].approval_type) == ("2018-11-02", "accelerated")
    assert (REFS["label_lorlatinib_2021"].approval_date.isoformat(), REFS["label_lorlatinib_2021"].approval_type) == ("2021-03-03", "regular")
    assert "label_lorlatinib_2021" in {s.ref for e in REGIMENS["regimen_lorlatinib"].evidence for s in e.sources}


# ---- ALK: compound mutations arising on lorlatinib ---------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_compound_alk_mutation_after_lorlatinib_leaves_trials_only(scenario, source):
    r = scenario(source, snvs=[("ALK", "F1174L"), ("ALK", "G1202R")], fusions=[("EML4", "ALK")], prior=["alectinib", "lorlatinib"])
    assert roles(r) == {
        "EML4::ALK fusion": ("primary_driver", None),
        "ALK F1174L": ("on_target_resistance", "lorlatinib"),
        "ALK G1202R": ("on_target_resistance", "lorlatinib"),  # on lorlatinib: the compound context, not G1202R's
    }
    assert {f.mechanism_id for f in r.findings if f.gene == "ALK" and f.role == "on_target_resistance"} == {"MECH_ALK_COMPOUND_AFTER_LORLATINIB"}
    assert r.standard_options == [] and r.mechanism_options == []  # no ALK TKI follows lorlatinib: never lorlatinib again
    rule, reason = removed(r)["regimen_lorlatinib_after_alk_tki_gen2"]
    assert rule == "progressed_on" and "lorlatinib" in reason
    # trials for the setting (no biomarker named) remain; none enrols lorlatinib again
    assert {"NCT03087448", "NCT03202940"} <= {t.nct_id for t in r.setting_trials}


def test_compound_context_is_resistance_to_lorlatinib():
    (ctx,) = MECHANISMS["MECH_ALK_COMPOUND_AFTER_LORLATINIB"].contexts
    assert ctx.after.drugs == ["lorlatinib"] and ctx.role == "on_target_resistance"
    assert set(MECHANISMS["MECH_ALK_COMPOUND_AFTER_LORLATINIB"].alterations) == {
        "ALK_G1202R", "ALK_F1174L", "ALK_L1196M", "ALK_D1203N", "ALK_C1156Y", "ALK_G1269A"}


def test_lorlatinib_plus_crizotinib_is_only_after_lorlatinib(scenario):
    """Issue 14 Fixes: the combination (one case report after lorlatinib) is a sequenced option, already so in the KB."""
    after = REGIMENS["regimen_lorlatinib_crizotinib"].after
    assert after.drugs == ["lorlatinib"] and after.most_recent and not after.generations and not after.classes
    before = scenario(fusions=[("EML4", "ALK")], cnv=[("MET", 9)], prior=["alectinib"])
    assert ["lorlatinib", "crizotinib"] not in offered_drugs(before)
    assert ["lorlatinib"] in offered_drugs(before)  # the approved next step after alectinib
    on = scenario(fusions=[("EML4", "ALK")], cnv=[("MET", 9)], prior=["alectinib", "lorlatinib"])
    assert ["lorlatinib", "crizotinib"] in offered_drugs(on)


def test_alectinib_and_brigatinib_after_crizotinib_are_the_approved_next_steps(scenario):
    r = scenario(fusions=[("EML4", "ALK")], prior=["crizotinib"])
    assert set(ids(r.standard_options)) == {"regimen_alectinib_after_crizotinib", "regimen_brigatinib_after_crizotinib"}
    assert (REFS["label_alectinib_2015"].approval_date.isoformat(), REFS["label_alectinib_2015"].approval_type) == ("2015-12-11", "accelerated")
    assert (REFS["label_brigatinib_2017"].approval_date.isoformat(), REFS["label_brigatinib_2017"].approval_type) == ("2017-04-28", "accelerated")
    # sequenced: not once a later ALK TKI has been given
    later = scenario(fusions=[("EML4", "ALK")], prior=["crizotinib", "alectinib"])
    assert "regimen_alectinib_after_crizotinib" not in ids(later.offered_options)
    assert ids(later.standard_options) == ["regimen_lorlatinib_after_alk_tki_gen2"]


# ---- ROS1 --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_ros1_g2032r_after_crizotinib(scenario, source):
    r = scenario(source, snvs=[("ROS1", "G2032R")], fusions=[("CD74", "ROS1")], prior=["crizotinib"])
    assert roles(r) == {"CD74::ROS1 fusion": ("primary_driver", None), "ROS1 G2032R": ("on_target_resistance", "crizotinib")}
    assert next(f.kb_id for f in r.findings if f.gene == "ROS1" and f.role == "primary_driver") == "CD74_ROS1"
    assert ids(r.standard_options) == ["regimen_repotrectinib_after_ros1_tki", "regimen_taletrectinib_after_ros1_tki"]
    assert all("ROS1 G2032R" in t.answers for t in r.standard_options)
    assert ["cabozantinib"] in [t.drug_ids for t in r.mechanism_options]  # review 4.1, preclinical (level D)
    cabo = next(t for t in r.mechanism_options if t.drug_ids == ["cabozantinib"])
    assert cabo.evidence[0].level == "D"
    # lorlatinib is not active against G2032R: never offered, and the report says why
    rule, reason = removed(r)["regimen_lorlatinib_ros1_after_crizotinib"]
    assert (rule, reason) == ("class_cross_resistance", "ROS1 G2032R resists lorlatinib")
    for drug in ("crizotinib", "entrectinib", "lorlatinib"):
        assert not any(drug in d for d in offered_drugs(r)), drug


def test_ros1_after_crizotinib_without_a_resistance_mutation_keeps_lorlatinib(scenario):
    r = scenario(fusions=[("CD74", "ROS1")], prior=["crizotinib"])
    assert ids(r.standard_options) == ["regimen_repotrectinib_after_ros1_tki", "regimen_taletrectinib_after_ros1_tki"]
    assert ids(r.mechanism_options)[:1] == ["regimen_lorlatinib_ros1_after_crizotinib"]  # level C before cabozantinib (D)
    assert "regimen_cabozantinib_ros1_after_crizotinib" in ids(r.mechanism_options)


def test_ros1_g2032r_after_lorlatinib_is_resistance_to_it(scenario):
    r = scenario(snvs=[("ROS1", "G2032R")], fusions=[("CD74", "ROS1")], prior=["crizotinib", "lorlatinib"])
    assert roles(r)["ROS1 G2032R"] == ("on_target_resistance", "lorlatinib")
    assert set(ids(r.standard_options)) == {"regimen_repotrectinib_after_ros1_tki", "regimen_taletrectinib_after_ros1_tki"}


def test_treatment_naive_ros1_gets_the_four_approved_first_line_tkis(scenario):
    r = scenario(fusions=[("CD74", "ROS1")])
    assert roles(r) == {"CD74::ROS1 fusion": ("primary_driver", None)}
    assert ids(r.standard_options) == ["regimen_crizotinib_ros1", "regimen_entrectinib", "regimen_repotrectinib_ros1", "regimen_taletrectinib_ros1"]
    assert all(t.evidence[0].level == "A" for t in r.standard_options)
    assert r.mechanism_options == [] and r.not_recommended == []
    assert (REFS["label_entrectinib_ros1"].approval_date.isoformat(), REFS["label_repotrectinib_ros1"].approval_date.isoformat(),
            REFS["label_taletrectinib_ros1"].approval_date.isoformat()) == ("2019-08-15", "2023-11-15", "2025-06-11")
    assert REFS["label_repotrectinib_ros1"].certain and REFS["label_repotrectinib_ros1"].doi


def test_g2032r_contexts():
    first, second = MECHANISMS["MECH_ROS1_G2032R"].contexts
    assert first.after.drugs == ["crizotinib"] and first.resists.drugs == ["lorlatinib"]
    assert second.after.drugs == ["lorlatinib"]
    assert REFS["awad2013_ros1_g2032r"].pmid == "23724914" and REFS["awad2013_ros1_g2032r"].doi == "10.1056/NEJMoa1215530"


# ---- RET ---------------------------------------------------------------------------------------------------------
G810 = "RET G810R/S/C (solvent front)"  # display name of RET_G810


@pytest.mark.parametrize("source", SOURCES)
def test_ret_g810_after_selpercatinib_defeats_both_selective_ret_inhibitors(scenario, source):
    r = scenario(source, snvs=[("RET", "G810R")], fusions=[("KIF5B", "RET")], cnv=[("MET", 9)], prior=["selpercatinib"])
    assert roles(r) == {
        "KIF5B::RET fusion": ("primary_driver", None),
        G810: ("on_target_resistance", "selpercatinib"),
        "MET amplification": ("bypass_resistance", "selpercatinib"),
    }
    g810 = next(f for f in r.findings if f.alteration == G810)
    assert g810.kb_id == "RET_G810" and "G810R" in g810.detail  # the entry names the codon's alleles; the detail the one seen
    assert any("10%" in f for f in g810.frequencies)  # the review's figure for secondary RET mutations
    for drug in ("selpercatinib", "pralsetinib"):
        assert not any(drug in d for d in offered_drugs(r)), drug
    # selpercatinib + crizotinib (four case reports for MET amplification after selpercatinib) is defeated by G810
    rule, reason = removed(r)["regimen_selpercatinib_crizotinib"]
    assert rule == "defeated_by_on_target" and reason == "RET G810R/S/C (solvent front) is resistance to selpercatinib"
    # No entry places pralsetinib after selpercatinib (no source), so it is simply not offered; the class-level context
    # would remove any such entry (defeated_by_on_target), as the next test shows for pralsetinib itself.


@pytest.mark.parametrize("source", ["maf", "GRCh37"])
def test_ret_g810_after_pralsetinib_is_resistance_to_it_too(scenario, source):
    r = scenario(source, snvs=[("RET", "G810S")], fusions=[("KIF5B", "RET")], prior=["pralsetinib"])
    assert roles(r)[G810] == ("on_target_resistance", "pralsetinib")
    assert r.standard_options == [] and r.mechanism_options == []


def test_g810_context_names_the_selective_ret_inhibitor_class():
    (ctx,) = MECHANISMS["MECH_RET_G810"].contexts
    assert ctx.after.classes == ["selective_ret_inhibitor"] and ctx.role == "on_target_resistance"
    drugs = {d.id for d in KB.drugs if "selective_ret_inhibitor" in d.classes}
    assert drugs == {"selpercatinib", "pralsetinib"}


def test_treatment_naive_ret_gets_both_selective_inhibitors_with_their_approvals(scenario):
    r = scenario(fusions=[("KIF5B", "RET")])
    assert ids(r.standard_options) == ["regimen_pralsetinib", "regimen_selpercatinib"]
    labels = {"regimen_selpercatinib": ("label_selpercatinib_2020", "2020-05-08"), "regimen_pralsetinib": ("label_pralsetinib_2020", "2020-09-04")}
    for rid, (ref, date) in labels.items():
        assert ref in {s.ref for e in REGIMENS[rid].evidence for s in e.sources}
        assert (REFS[ref].agency, REFS[ref].approval_date.isoformat(), REFS[ref].approval_type) == ("FDA", date, "accelerated")


# ---- NTRK --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fusion", "gene"), [(("TPM3", "NTRK1"), "NTRK1"), (("ETV6", "NTRK3"), "NTRK3"), (("QKI", "NTRK2"), "NTRK2")])
def test_treatment_naive_ntrk_fusion_is_a_driver_with_larotrectinib_and_entrectinib(scenario, fusion, gene):
    r = scenario(fusions=[fusion])
    (finding,) = r.findings
    assert (finding.gene, finding.role) == (gene, "primary_driver")
    assert sorted(t.drug_ids[0] for t in r.standard_options) == ["entrectinib", "larotrectinib"]
    assert all(t.driver_context == gene and t.evidence[0].level == "A" for t in r.standard_options)
    # not re-offered once a TRK inhibitor has been given
    after = scenario(fusions=[fusion], prior=["larotrectinib"])
    assert after.standard_options == []


def test_an_ntrk1_fusion_acquired_on_osimertinib_stays_bypass(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], fusions=[("TPM3", "NTRK1")], prior=["osimertinib"])
    assert roles(r)["TPM3::NTRK1 fusion"] == ("bypass_resistance", "osimertinib")
    assert r.sample.primary_driver.gene == "EGFR"


def test_star_fusion_etv6_ntrk3_call_is_an_ntrk3_driver(shipped_kb):
    path = REALDATA / "fusion" / "STAR-Fusion__fuco.star-fusion.fusion_candidates.final.abridged"
    if not path.is_file():
        pytest.skip("../shared/realdata not present")
    from annotator.kb.index import kb_index
    from annotator.matching import match_alterations
    from annotator.readers.fusion import read_fusions

    index = kb_index(shipped_kb, "GRCh37")
    calls = [a for a in read_fusions(path, index, include_filtered=True).alterations if a.gene3 == "NTRK3"]
    assert [(a.gene5, a.gene) for a in calls] == [("ETV6", "NTRK3")]
    (match,) = match_alterations(calls, index)
    assert match.best.kb.id == "NTRK3_FUSION" and match.best.kb.driver


# ---- VCF translation of every new codon, both builds ---------------------------------------------------------------


@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
@pytest.mark.parametrize(("gene", "protein"), sorted(ALLELES))
def test_each_new_codon_translates_from_an_unannotated_vcf(scenario, build, gene, protein):
    r = scenario(build, snvs=[(gene, protein)])
    (finding,) = r.findings
    assert finding.alteration.startswith(f"{gene} ") and finding.match_level == "exact"
    assert protein in finding.detail or protein in finding.statement or protein in finding.alteration
