"""Clinical scenarios on the shipped knowledgebase: for each driver context the review covers, the
findings, roles, regimens and trials are those the review supports.

Small variants enter through a MAF (protein change given, as vcf2maf writes it), so these tests
exercise the knowledgebase rules rather than coordinates (tested in test_kb_coordinates.py).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def scenario(shipped_sample):
    return shipped_sample


def roles(report):
    return {f.alteration: (f.role, f.resistance_to) for f in report.findings}


def regimens(report):
    return [t.drug_ids + t.drug_classes for t in report.offered_options]


def trials(report):
    """Biomarker-matched trials and the appendix of setting-only ones."""
    return {t.nct_id for t in [*report.trials, *report.setting_trials]}


def test_egfr_after_first_generation(scenario):
    r = scenario(snvs=[("EGFR", "L858R"), ("EGFR", "T790M"), ("PIK3CA", "E545K")], cnv=[("MET", 8), ("ERBB2", 9)], prior=["gefitinib"])
    assert roles(r) == {
        "EGFR L858R": ("primary_driver", None),
        "EGFR T790M": ("on_target_resistance", "gefitinib"),
        "MET amplification": ("bypass_resistance", "gefitinib"),
        "ERBB2 (HER2) amplification": ("bypass_resistance", "gefitinib"),
        "PIK3CA E545K": ("bypass_resistance", "gefitinib"),
    }
    offered = regimens(r)
    # The approved next step for T790M leads; issue 14 added the approved/guideline options after any EGFR TKI below it.
    assert [t.drug_ids for t in r.standard_options] == [
        ["osimertinib"], ["amivantamab", "carboplatin", "pemetrexed"], ["pemetrexed"]]
    assert ["osimertinib", "savolitinib"] in offered  # TATTON, after first- to third-generation TKIs
    # T790M defeats gefitinib: its MET combinations are not recommended, and say why.
    removed = {tuple(n.therapy.drug_ids): n for n in r.not_recommended}
    for combo in (("gefitinib", "capmatinib"), ("gefitinib", "savolitinib"), ("gefitinib", "tepotinib")):
        assert list(combo) not in offered and removed[combo].rule == "defeated_by_on_target"
    assert ["gefitinib"] not in offered
    buparlisib = removed[("gefitinib", "buparlisib")]  # negative evidence: never among the options
    assert all(e.negative for e in buparlisib.therapy.evidence) and "2.8 months" in buparlisib.reason


def test_egfr_after_osimertinib(scenario):
    r = scenario(
        snvs=[("EGFR", "L858R"), ("EGFR", "T790M"), ("KRAS", "G13D"), ("KRAS", "Q61H"), ("BRAF", "V600E"), ("EGFR", "C797S")],
        cnv=[("MET", 8), ("ERBB2", 9), ("FGFR1", 8)], fusions=[("CCDC6", "RET"), ("EML4", "ALK")],
        prior=["gefitinib", "osimertinib"],
    )
    got = roles(r)
    for name in ("MET amplification", "ERBB2 (HER2) amplification", "FGFR1 amplification", "KRAS G13D", "KRAS Q61H",
                 "BRAF V600E", "CCDC6::RET fusion", "EML4::ALK fusion"):
        assert got[name] == ("bypass_resistance", "osimertinib"), name
    assert got["EGFR T790M"][0] == "other"  # explains gefitinib failure, not osimertinib's
    # Issue 14: C797S is on-target resistance to third-generation TKIs (MECH_EGFR_C797S), so every combination that
    # keeps osimertinib is now removed by defeated_by_on_target. The bypass combinations are checked without it.
    assert got["EGFR C797S"] == ("on_target_resistance", "osimertinib")
    removed = {tuple(n.therapy.drug_ids): n.rule for n in r.not_recommended}
    combos = [("osimertinib", "savolitinib"), ("osimertinib", "trastuzumab-emtansine"), ("osimertinib", "selpercatinib"),
              ("osimertinib", "pralsetinib"), ("osimertinib", "alectinib"), ("osimertinib", "encorafenib")]
    for combo in combos:
        assert removed[combo] == "defeated_by_on_target", combo
    without_c797s = scenario(
        snvs=[("EGFR", "L858R"), ("EGFR", "T790M"), ("KRAS", "G13D"), ("KRAS", "Q61H"), ("BRAF", "V600E")],
        cnv=[("MET", 8), ("ERBB2", 9), ("FGFR1", 8)], fusions=[("CCDC6", "RET"), ("EML4", "ALK")],
        prior=["gefitinib", "osimertinib"],
    )
    offered = {tuple(d) for d in regimens(without_c797s)}
    for combo in combos:
        assert combo in offered, combo
    assert without_c797s.mechanism_options[0].drug_ids == ["osimertinib", "savolitinib"]
    assert {"NCT03778229", "NCT03940703", "NCT03784599", "NCT02143466"} <= trials(r)
    assert "NCT03944772" not in trials(r)  # ORCHARD takes no new patient (active, not recruiting, cited with its date)
    assert not any(d == ["osimertinib"] for d in regimens(r))


def test_alk_after_crizotinib(scenario):
    r = scenario(fusions=[("EML4", "ALK")], cnv=[("EGFR", 9), ("MET", 7), ("KIT", 8)], prior=["crizotinib"])
    assert roles(r) == {
        "EML4::ALK fusion": ("primary_driver", None),
        "EGFR amplification": ("bypass_resistance", "crizotinib"),
        "MET amplification": ("bypass_resistance", "crizotinib"),
        "KIT amplification": ("bypass_resistance", "crizotinib"),
    }
    assert ["ALK TKI", "EGFR TKI"] in [t.drug_classes for t in r.offered_options]
    assert ["crizotinib"] not in regimens(r)
    assert "EGFR pathway activation (protein level)" in r.summary.cannot_exclude


def test_alk_after_alectinib(scenario):
    r = scenario(
        snvs=[("MAP2K1", "K57N"), ("NRAS", "A155T"), ("PIK3CA", "E542K")],
        fusions=[("EML4", "ALK"), ("ST7", "MET")], cnv=[("MET", 9)], prior=["alectinib"],
    )
    for name in ("MAP2K1 K57N", "NRAS A155T", "PIK3CA E542K", "MET amplification", "ST7::MET fusion"):
        assert roles(r)[name] == ("bypass_resistance", "alectinib"), name
    offered = regimens(r)
    assert ["crizotinib"] in offered  # case reports: response to crizotinib after alectinib (7 months; 10 weeks)
    # The MEK combination trials name no biomarker: offered as trials for the setting, not as answers to MAP2K1/NRAS.
    assert ["alectinib", "cobimetinib"] not in offered and ["ceritinib", "trametinib"] not in offered
    assert {"NCT03087448", "NCT03202940"} <= {t.nct_id for t in r.setting_trials}  # the appendix
    assert not {"NCT03087448", "NCT03202940"} & {t.nct_id for t in r.trials}


def test_alk_after_lorlatinib(scenario):
    r = scenario(fusions=[("EML4", "ALK")], cnv=[("MET", 9)], prior=["alectinib", "lorlatinib"])
    assert roles(r)["MET amplification"] == ("bypass_resistance", "lorlatinib")
    assert regimens(r)[0] == ["lorlatinib", "crizotinib"]  # keeps the current ALK TKI (case report, 3 months)
    assert ["crizotinib"] not in regimens(r)  # crizotinib alone was reported after alectinib, not after lorlatinib


def test_alk_progressing_on_crizotinib_without_a_detected_mechanism_gets_the_approved_next_line(scenario):
    r = scenario(fusions=[("EML4", "ALK")], prior=["crizotinib"])
    assert roles(r) == {"EML4::ALK fusion": ("primary_driver", None)}
    assert ["brigatinib"] in regimens(r)
    # Issue 14: alectinib is an approved next step after crizotinib too (FDA accelerated approval 2015-12-11), through its
    # own entry; the first-line entries are still not re-offered after a targeted drug.
    assert ["alectinib"] in regimens(r)
    offered_ids = {t.id for t in r.offered_options}
    assert "regimen_alectinib_after_crizotinib" in offered_ids and "regimen_alectinib" not in offered_ids


def test_acquired_kras_g12c_beside_an_egfr_driver_is_bypass_not_a_second_driver(scenario):
    r = scenario(snvs=[("EGFR", "L858R"), ("KRAS", "G12C")], prior=["osimertinib"])
    assert roles(r) == {"EGFR L858R": ("primary_driver", None), "KRAS G12C": ("bypass_resistance", "osimertinib")}
    assert not r.summary.flags
    offered = {d for t in r.offered_options for d in t.drug_ids}
    assert not offered & {"sotorasib", "adagrasib", "divarasib"}  # no G12C drug alone, dropping the EGFR TKI


def test_case_reports_with_responses_rank_above_trials_without_results(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], fusions=[("KIF5B", "RET")], prior=["osimertinib"])
    # Issue 14: the standard next step after an EGFR TKI is listed first (standard_options); the ranking tested here
    # is that of the mechanism-directed options.
    assert [t.drug_ids for t in r.mechanism_options[:2]] == [["osimertinib", "pralsetinib"], ["osimertinib", "selpercatinib"]]
    assert r.mechanism_options[1].evidence[0].type == "ongoing_trial"


def test_ret_after_selpercatinib(scenario):
    r = scenario(fusions=[("KIF5B", "RET")], cnv=[("MET", 9), ("KRAS", 8)], snvs=[("KRAS", "G12D")], prior=["selpercatinib"])
    assert roles(r) == {
        "KIF5B::RET fusion": ("primary_driver", None),
        "MET amplification": ("bypass_resistance", "selpercatinib"),
        "KRAS G12D": ("bypass_resistance", "selpercatinib"),
        "KRAS amplification": ("bypass_resistance", "selpercatinib"),
    }
    assert regimens(r)[0] == ["selpercatinib", "crizotinib"]
    assert ["selpercatinib"] not in regimens(r) and ["pralsetinib"] not in regimens(r)  # first-line options are not offered again


def test_ros1_after_crizotinib(scenario):
    r = scenario(fusions=[("CD74", "ROS1")], cnv=[("FGFR3", 9), ("KIT", 8)], snvs=[("KIT", "D816G")], prior=["crizotinib"])
    assert roles(r) == {
        "CD74::ROS1 fusion": ("primary_driver", None),
        "FGFR3 amplification": ("bypass_resistance", "crizotinib"),
        "KIT D816G": ("bypass_resistance", "crizotinib"),
        "KIT amplification": ("bypass_resistance", "crizotinib"),
    }
    assert {"EGFR pathway activation (protein level)", "HER2 signalling activation (protein level)"} <= set(r.summary.cannot_exclude)


def test_met_exon14_after_met_inhibitor(scenario):
    r = scenario(cnv=[("EGFR", 9), ("KRAS", 7)], snvs=[("KRAS", "G12D")], prior=["capmatinib"], driver="MET exon 14 skipping")
    assert r.sample.primary_driver.source == "stated"
    assert roles(r) == {
        "EGFR amplification": ("bypass_resistance", "capmatinib"),
        "KRAS G12D": ("bypass_resistance", "capmatinib"),
        "KRAS amplification": ("bypass_resistance", "capmatinib"),
    }


def test_kras_g12c_driver_gets_g12c_drugs_and_other_alleles_never_do(scenario):
    g12c = scenario(snvs=[("KRAS", "G12C")], prior=["carboplatin", "pemetrexed"])  # their evidence is after systemic therapy
    assert roles(g12c) == {"KRAS G12C": ("primary_driver", None)}
    assert {"adagrasib", "divarasib"} <= {d for t in g12c.offered_options for d in t.drug_ids}
    for allele in ("G12D", "G12V", "G13D"):
        other = scenario(snvs=[("KRAS", allele)], prior=["osimertinib"], driver="EGFR L858R")
        offered = {d for t in other.offered_options for d in t.drug_ids}
        assert not offered & {"sotorasib", "adagrasib", "divarasib"}, allele


def test_primary_driver_without_prior_therapy_gets_first_line_options(scenario):
    r = scenario(snvs=[("EGFR", "L858R")])
    assert {"osimertinib", "gefitinib", "erlotinib", "afatinib", "dacomitinib"} <= {t.drug_ids[0] for t in r.offered_options}
    assert all(e.level == "A" for t in r.offered_options if len(t.drug_ids) == 1 for e in t.evidence[:1])


def test_de_novo_t790m_removes_first_and_second_generation_options(scenario):
    r = scenario(snvs=[("EGFR", "L858R"), ("EGFR", "T790M")])
    offered = [t.drug_ids for t in r.offered_options]
    # Issue 14: FLAURA2 and MARIPOSA are level-A first-line options too; the three options containing a
    # third-generation TKI lead, osimertinib among them.
    assert ["osimertinib"] in offered[:3]
    assert {tuple(d) for d in offered[:3]} == {("osimertinib",), ("amivantamab", "lazertinib"), ("osimertinib", "pemetrexed")}
    for drug in ("gefitinib", "erlotinib", "afatinib", "dacomitinib"):
        assert [drug] not in offered
    assert offered.count(["osimertinib"]) == 1  # first-line and T790M entries merged


def test_prior_therapy_names_combinations_and_repeats(scenario):
    r = scenario(snvs=[("EGFR", "L858R"), ("EGFR", "T790M")], prior=["erlotinib", "AZD9291", "erlotinib"])
    assert r.sample.prior_therapy_ids == ["osimertinib", "erlotinib"]  # erlotinib given again: most recent
    assert roles(r)["EGFR T790M"] == ("on_target_resistance", "erlotinib")
    combo = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 8)], prior=["osimertinib + savolitinib"])
    assert combo.sample.prior_therapy_ids == ["osimertinib", "savolitinib"]
    assert roles(combo)["MET amplification"] == ("bypass_resistance", "osimertinib")
    assert not any("savolitinib" in t.drug_ids for t in combo.offered_options)  # the MET inhibitor has already failed
    assert "after osimertinib" in combo.summary.headline


def test_no_return_to_an_earlier_generation_after_osimertinib(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 8)], prior=["gefitinib", "osimertinib"])
    assert not any(t.drug_ids and t.drug_ids[0] == "gefitinib" for t in r.offered_options)


def test_braf_v600e_alone_is_a_driver_and_bypass_beside_egfr(scenario):
    assert roles(scenario(snvs=[("BRAF", "V600E")])) == {"BRAF V600E": ("primary_driver", None)}
    both = scenario(snvs=[("EGFR", "L858R"), ("BRAF", "V600E")], prior=["osimertinib"])
    assert roles(both)["BRAF V600E"] == ("bypass_resistance", "osimertinib")


def test_trials_respect_their_prior_therapy_condition(scenario):
    after_erlotinib = trials(scenario(snvs=[("EGFR", "L858R"), ("EGFR", "T790M")], cnv=[("MET", 8)], prior=["erlotinib"]))
    assert "NCT03778229" not in after_erlotinib and "NCT04676477" not in after_erlotinib  # both need prior osimertinib
    assert {"NCT02143466", "NCT03940703"} <= after_erlotinib  # TATTON and INSIGHT 2 take any EGFR TKI
    after_osimertinib = trials(scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 8)], prior=["osimertinib"]))
    assert {"NCT03778229", "NCT04676477"} <= after_osimertinib
    assert "NCT04743505" not in after_osimertinib  # pre-emptive: for patients who have not progressed
