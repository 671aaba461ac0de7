"""Issue 14, EGFR, on the shipped knowledgebase: C797S after a third-generation TKI and its allelic context, the
standard of care as the floor (first line and after an EGFR TKI), exon 20 insertions and the uncommon mutations,
and the fixes of the issue in this topic.

Small variants enter through a MAF (protein change given), as in test_issue13_scenarios.py, and, for the codons
and the exon this issue added, through unannotated Mutect2-style VCF records on GRCh37 and GRCh38 (the codon data
of genes.yaml translate them).
"""

from __future__ import annotations

import functools

import pytest

from annotator.config import RunConfig
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import mutect2_vcf

NORMAL = "0/0:500,0:0.0:500"
TUMOR = "0/1:900,100:0.10:1000"
# Unannotated SNVs: (GRCh37 position, GRCh38 position, ref, alt) on chromosome 7, forward strand.
VCF_SNVS = {
    "L858R": (55259515, 55191822, "T", "G"),  # CTG>CGG, second base of codon 858
    "T790M": (55249071, 55181378, "C", "T"),  # ACG>ATG, second base of codon 790
    "C797S": (55249091, 55181398, "T", "A"),  # TGC>AGC, first base of codon 797
    "G719S": (55241707, 55174014, "G", "A"),  # GGC>AGC, first base of codon 719 (CIViC G719S: 55241707 G>A)
    "S768I": (55249005, 55181312, "G", "T"),  # AGC>ATC, second base of codon 768 (CIViC S768I: 55249005 G>T)
    "L861Q": (55259524, 55191831, "T", "A"),  # CTG>CAG, second base of codon 861
}
# A 9-base in-frame insertion inside exon 20 (GRCh37 55248986-55249171, GRCh38 55181293-55181478).
EX20_INS = {"GRCh37": "7 55249013 G GGCCAGCGTG", "GRCh38": "chr7 55181320 G GGCCAGCGTG"}
BUILDS = ("GRCh37", "GRCh38")


def vcf_record(name: str, build: str) -> str:
    p37, p38, ref, alt = VCF_SNVS[name]
    chrom, pos = ("7", p37) if build == "GRCh37" else ("chr7", p38)
    return f"{chrom} {pos} {ref} {alt} PASS {NORMAL} {TUMOR}"


@pytest.fixture
def scenario(shipped_sample):
    return functools.partial(shipped_sample, reads=(900, 100))


@pytest.fixture
def vcf_scenario(tmp_path, shipped_kb):
    def _run(records, build, prior=()):
        vcf = tmp_path / f"s.{build}.vcf"
        vcf.write_text(mutect2_vcf(list(records), build))
        inputs = SampleInputs(vcfs=(vcf,), prior_therapies=tuple(prior))
        return annotate_sample(inputs, RunConfig(genome=build), shipped_kb)

    return _run


def roles(report):
    return {f.alteration: (f.role, f.resistance_to) for f in report.findings}


def ids(options):
    return [t.id for t in options]


def removed(report):
    return {n.therapy.id: n for n in report.not_recommended}


STANDARD_AFTER_TKI = ["regimen_amivantamab_carboplatin_pemetrexed_after_egfr_tki", "regimen_platinum_pemetrexed_after_egfr_tki"]
C797S_OPTIONS = {"regimen_first_gen_egfr_tki_c797s_without_t790m", "regimen_first_third_gen_egfr_tki_c797s_trans",
                 "regimen_egfr_tki_c797s_t790m_cis"}


# ---- EGFR C797S after first-line osimertinib, without T790M ------------------------------------------------


def _check_c797s_without_t790m(r):
    assert roles(r) == {"EGFR L858R": ("primary_driver", None), "EGFR C797S": ("on_target_resistance", "osimertinib")}
    c797s = next(f for f in r.findings if f.alteration == "EGFR C797S")
    assert c797s.mechanism_id == "MECH_EGFR_C797S" and "on-target resistance mechanism to osimertinib" in c797s.statement
    # The approved next step leads, in its own list, at level A ...
    assert ids(r.standard_options) == STANDARD_AFTER_TKI
    assert r.standard_options[0].drug_ids == ["amivantamab", "carboplatin", "pemetrexed"]
    assert all(t.evidence[0].level == "A" for t in r.standard_options)
    # ... and the allele-context option is a level-D mechanism-directed option below it, never above.
    assert ids(r.mechanism_options) == ["regimen_first_gen_egfr_tki_c797s_without_t790m"]
    first_gen = r.mechanism_options[0]
    assert first_gen.drug_classes == ["first-generation EGFR TKI"] and first_gen.conditional is None
    assert [e.level for e in first_gen.evidence] == ["D"] and first_gen.evidence[0].type == "preclinical"
    assert "third-generation EGFR TKI" in first_gen.after
    # No T790M: the phase-dependent options do not apply and no phasing is asked for.
    assert not C797S_OPTIONS - {"regimen_first_gen_egfr_tki_c797s_without_t790m"} & set(ids(r.offered_options) + list(removed(r)))
    assert not any("phase" in f for f in r.summary.flags)
    assert "osimertinib" not in {d for t in r.offered_options for d in t.drug_ids}


def test_c797s_after_first_line_osimertinib_without_t790m(scenario):
    _check_c797s_without_t790m(scenario(snvs=[("EGFR", "L858R"), ("EGFR", "C797S")], prior=["osimertinib"]))


@pytest.mark.parametrize("build", BUILDS)
def test_c797s_after_first_line_osimertinib_from_unannotated_vcf_records(vcf_scenario, build):
    r = vcf_scenario([vcf_record("L858R", build), vcf_record("C797S", build)], build, prior=["osimertinib"])
    assert r.genome_build == build
    _check_c797s_without_t790m(r)


def test_c797s_alone_in_plasma_still_gets_the_standard_next_step(scenario):
    """A tumor shedding little DNA may show only the resistance mutation: the driver is implied by the prior TKI."""
    r = scenario(snvs=[("EGFR", "C797S")], prior=["osimertinib"])
    assert roles(r) == {"EGFR C797S": ("on_target_resistance", "osimertinib")}
    assert ids(r.standard_options) == STANDARD_AFTER_TKI
    assert ids(r.mechanism_options) == ["regimen_first_gen_egfr_tki_c797s_without_t790m"]


def test_c797s_after_a_first_generation_tki_alone_is_not_resistance_to_it(scenario):
    r = scenario(snvs=[("EGFR", "L858R"), ("EGFR", "C797S")], prior=["gefitinib"])
    assert roles(r)["EGFR C797S"][0] == "other"
    assert not C797S_OPTIONS & set(ids(r.offered_options) + list(removed(r)))


def test_c797s_defeats_third_generation_tkis_and_the_combinations_that_keep_them(scenario):
    r = scenario(snvs=[("EGFR", "L858R"), ("EGFR", "C797S")], cnv=[("MET", 9)], prior=["osimertinib"], tumor_fraction=1.0)
    assert roles(r)["MET amplification"] == ("bypass_resistance", "osimertinib")
    gone = removed(r)
    assert gone["regimen_osimertinib_savolitinib"].rule == "defeated_by_on_target"
    assert "EGFR C797S is resistance to osimertinib" in gone["regimen_osimertinib_savolitinib"].reason
    assert ids(r.standard_options) == STANDARD_AFTER_TKI  # amivantamab is not a TKI: C797S does not defeat it


# ---- EGFR C797S with T790M: the phase decides ---------------------------------------------------------------


def _check_c797s_with_t790m(r):
    assert roles(r)["EGFR C797S"] == ("on_target_resistance", "osimertinib")
    assert roles(r)["EGFR T790M"][0] == "other"  # resistance to gefitinib, not to osimertinib
    assert ids(r.standard_options) == STANDARD_AFTER_TKI
    # In trans: first- plus third-generation TKIs, offered only on condition of the phase, at level D.
    assert ids(r.mechanism_options) == ["regimen_first_third_gen_egfr_tki_c797s_trans"]
    trans = r.mechanism_options[0]
    assert trans.drug_classes == ["first-generation EGFR TKI", "third-generation EGFR TKI"]
    assert trans.conditional and "EGFR C797S and EGFR T790M are in trans" in trans.conditional
    assert trans.evidence[0].level == "D"
    # In cis: no EGFR TKI works, a negative result listed as not recommended with its reason.
    cis = removed(r)["regimen_egfr_tki_c797s_t790m_cis"]
    assert cis.rule == "negative_evidence" and "cis" in cis.reason and "no EGFR TKI" in cis.reason
    assert cis.therapy.conditional and "in cis" in cis.therapy.conditional
    # Without T790M only: not for this sample.
    assert "regimen_first_gen_egfr_tki_c797s_without_t790m" not in ids(r.offered_options) + list(removed(r))
    phasing = [f for f in r.summary.flags if "ask the laboratory to phase" in f]
    assert len(phasing) == 1 and "EGFR C797S and EGFR T790M" in phasing[0]


def test_c797s_with_t790m_after_second_line_osimertinib(scenario):
    _check_c797s_with_t790m(scenario(snvs=[("EGFR", "L858R"), ("EGFR", "T790M"), ("EGFR", "C797S")],
                                     prior=["gefitinib", "osimertinib"]))


@pytest.mark.parametrize("build", BUILDS)
def test_c797s_with_t790m_from_unannotated_vcf_records(vcf_scenario, build):
    r = vcf_scenario([vcf_record(n, build) for n in ("L858R", "T790M", "C797S")], build, prior=["gefitinib", "osimertinib"])
    _check_c797s_with_t790m(r)


# ---- standard of care: first line -------------------------------------------------------------------------


def test_treatment_naive_l858r_gets_the_standard_first_line_list_with_flaura2_and_mariposa(scenario):
    r = scenario(snvs=[("EGFR", "L858R")])
    assert roles(r) == {"EGFR L858R": ("primary_driver", None)}
    standard = {tuple(t.drug_ids): t for t in r.standard_options}
    assert {("osimertinib",), ("osimertinib", "pemetrexed"), ("amivantamab", "lazertinib")} <= set(standard)
    assert standard[("osimertinib", "pemetrexed")].drug_classes == ["platinum chemotherapy"]  # FLAURA2
    for combo in (("osimertinib", "pemetrexed"), ("amivantamab", "lazertinib")):
        assert standard[combo].evidence[0].level == "A" and standard[combo].evidence[0].type == "approved"
    assert all(t.after is None for t in r.standard_options)
    assert all(e.level == "A" for t in r.standard_options for e in t.evidence[:1])
    # Options whose evidence is after a TKI or platinum are not first-line options.
    offered = set(ids(r.offered_options))
    assert not offered & {*STANDARD_AFTER_TKI, "regimen_datopotamab_deruxtecan_after_egfr_tki_and_platinum"}


def test_first_line_approvals_carry_their_fda_dates(shipped_kb):
    refs = {r.id: r for r in shipped_kb.references}
    expected = {
        "label_osimertinib_t790m_2015": ("2015-11-13", "accelerated"),
        "label_osimertinib_first_line_2018": ("2018-04-18", "regular"),
        "label_osimertinib_chemotherapy_2024": ("2024-02-16", "regular"),
        "label_amivantamab_lazertinib_2024": ("2024-08-19", "regular"),
        "label_amivantamab_papillon_2024": ("2024-03-01", "regular"),
        "label_datopotamab_deruxtecan_2025": ("2025-06-23", "accelerated"),
        "label_sunvozertinib_2025": ("2025-07-02", "accelerated"),
        "label_afatinib_uncommon_2018": ("2018-01-12", "regular"),
    }
    for ref, (date, kind) in expected.items():
        assert refs[ref].agency == "FDA" and refs[ref].approval_date.isoformat() == date and refs[ref].approval_type == kind
        # Their dates were seen in secondary reports only, never an FDA-authored record: not certain (review of issue 14).
        assert not refs[ref].certain, ref
    # MARIPOSA-2: the day was given by the product owner and could not be checked.
    assert not refs["label_amivantamab_chemotherapy_after_egfr_tki_2024"].certain


# ---- standard of care after an EGFR TKI -------------------------------------------------------------------


def test_progression_on_osimertinib_without_a_detected_mechanism_gets_the_approved_next_step(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], prior=["osimertinib"])
    assert ids(r.standard_options) == STANDARD_AFTER_TKI
    assert all("EGFR TKI" in t.after for t in r.standard_options)
    assert r.mechanism_options == []


def test_datopotamab_deruxtecan_only_after_platinum_chemotherapy(scenario):
    before = scenario(snvs=[("EGFR", "L858R")], prior=["osimertinib"])
    assert "regimen_datopotamab_deruxtecan_after_egfr_tki_and_platinum" not in ids(before.offered_options)
    after = scenario(snvs=[("EGFR", "L858R")], prior=["osimertinib", "carboplatin", "pemetrexed"])
    assert ids(after.standard_options) == ["regimen_datopotamab_deruxtecan_after_egfr_tki_and_platinum"]
    dato = after.standard_options[0]
    assert dato.drugs == ["datopotamab deruxtecan"] and "platinum" in dato.after
    assert "EGFR-directed therapy and with platinum" in dato.evidence[0].statement  # both are required
    # The chemotherapy already given: the platinum doublet is not offered again.
    assert removed(after)["regimen_platinum_pemetrexed_after_egfr_tki"].rule == "progressed_on"


# ---- EGFR exon 20 insertions ------------------------------------------------------------------------------


@pytest.mark.parametrize("build", BUILDS)
def test_exon20_insertion_first_line_is_papillon_and_sunvozertinib_waits_for_platinum(vcf_scenario, build):
    record = f"{EX20_INS[build]} PASS {NORMAL} {TUMOR}"
    naive = vcf_scenario([record], build)
    assert roles(naive) == {"EGFR exon 20 insertion": ("primary_driver", None)}
    assert ids(naive.standard_options) == ["regimen_amivantamab_carboplatin_pemetrexed_ex20ins"]
    assert naive.standard_options[0].evidence[0].level == "A" and naive.standard_options[0].after is None
    assert not {"sunvozertinib", "osimertinib", "gefitinib"} & {d for t in naive.offered_options for d in t.drug_ids}
    after_chemo = vcf_scenario([record], build, prior=["carboplatin", "pemetrexed"])
    assert set(ids(after_chemo.standard_options)) == {"regimen_sunvozertinib_ex20ins_after_platinum",
                                                      "regimen_amivantamab_ex20ins_after_platinum"}
    assert all("platinum" in t.after for t in after_chemo.standard_options)
    after_papillon = vcf_scenario([record], build, prior=["amivantamab", "carboplatin", "pemetrexed"])
    assert ids(after_papillon.standard_options) == ["regimen_sunvozertinib_ex20ins_after_platinum"]
    assert removed(after_papillon)["regimen_amivantamab_ex20ins_after_platinum"].rule == "progressed_on"


def test_exon20_insertion_is_not_matched_by_a_point_mutation_or_an_exon19_deletion(vcf_scenario):
    r = vcf_scenario([vcf_record("T790M", "GRCh38")], "GRCh38")
    assert "EGFR exon 20 insertion" not in roles(r)


# ---- uncommon EGFR mutations ------------------------------------------------------------------------------


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("mutation, name", [("G719S", "EGFR G719X"), ("L861Q", "EGFR L861Q"), ("S768I", "EGFR S768I")])
def test_uncommon_mutations_get_afatinib_first_line(vcf_scenario, build, mutation, name):
    r = vcf_scenario([vcf_record(mutation, build)], build)
    finding = next(f for f in r.findings)
    assert (finding.alteration, finding.role) == (f"EGFR {mutation}", "primary_driver")
    assert finding.kb_id == name.replace("EGFR ", "EGFR_").replace(" ", "_")
    assert ids(r.standard_options) == ["regimen_afatinib_uncommon_egfr"]
    assert r.standard_options[0].evidence[0].level == "A"
    assert "osimertinib" not in {d for t in r.offered_options for d in t.drug_ids}  # no checked source for it here


def test_g719x_matches_any_missense_at_codon_719(scenario):
    for allele in ("G719A", "G719C", "G719S"):
        r = scenario(snvs=[("EGFR", allele)])
        assert roles(r) == {f"EGFR {allele}": ("primary_driver", None)}
        assert ids(r.standard_options) == ["regimen_afatinib_uncommon_egfr"]


def test_uncommon_mutation_after_afatinib_gets_the_platinum_doublet(scenario):
    r = scenario(snvs=[("EGFR", "G719A")], prior=["afatinib"])
    assert ids(r.standard_options) == ["regimen_platinum_pemetrexed_after_egfr_tki"]


# ---- fixes ------------------------------------------------------------------------------------------------


def test_gefitinib_met_combinations_are_after_first_or_second_generation_tkis(scenario):
    combos = {"regimen_gefitinib_capmatinib", "regimen_gefitinib_savolitinib", "regimen_gefitinib_tepotinib"}
    after_gefitinib = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], prior=["gefitinib"], tumor_fraction=1.0)
    assert combos <= set(ids(after_gefitinib.mechanism_options))
    # Their evidence is not after a third-generation TKI: after first-line osimertinib they are neither offered
    # nor listed as removed (before issue 14 they came back as "earlier generation").
    after_osimertinib = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], prior=["osimertinib"], tumor_fraction=1.0)
    assert not combos & set(ids(after_osimertinib.offered_options) + list(removed(after_osimertinib)))
    # After gefitinib then osimertinib the earlier-generation rule still names why.
    sequenced = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], prior=["gefitinib", "osimertinib"], tumor_fraction=1.0)
    assert all(removed(sequenced)[c].rule == "earlier_generation" for c in combos)


def test_her2_antibodies_are_not_offered_without_the_driver_drug_after_osimertinib(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], cnv=[("ERBB2", 9)], prior=["osimertinib"], tumor_fraction=1.0)
    assert roles(r)["ERBB2 (HER2) amplification"] == ("bypass_resistance", "osimertinib")
    every = ids(r.offered_options) + list(removed(r))
    assert "regimen_trastuzumab_pertuzumab" not in every
    assert "NCT03297606" in {t.nct_id for t in r.trials}  # CAPTUR stays a matched trial
    tdm1 = next(t for t in r.mechanism_options if t.id == "regimen_osimertinib_trastuzumab_emtansine")
    assert "IHC 3+" in tdm1.evidence[0].statement and "IHC 2+" in tdm1.evidence[0].statement


def test_c797s_mechanism_names_the_review_figure_for_secondary_mutations_only_as_a_group(shipped_kb):
    mech = next(m for m in shipped_kb.mechanisms if m.id == "MECH_EGFR_C797S")
    (ctx,) = mech.contexts
    assert ctx.frequencies == []  # no C797S-specific figure in the held sources
    assert "60%" in ctx.note and "as a group" in ctx.note
