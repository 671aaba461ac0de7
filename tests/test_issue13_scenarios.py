"""Issue 13 on the shipped knowledgebase: each situation the tumor board found misleading, as it now reads.

Small variants enter through a MAF (the protein change given), as in test_kb_scenarios.py, so these
tests exercise the interpretation rules and the curated content, not coordinates.
"""

from __future__ import annotations

import pytest

from annotator.render.html import render_html


@pytest.fixture
def scenario(shipped_sample):
    return shipped_sample


def roles(report):
    return {f.alteration: f.role for f in report.findings}


def ids(options):
    return [t.id for t in options]


def drugs(options):
    return [t.drug_ids for t in options]


# ---- treatment-naive EGFR L858R + EML4::ALK --------------------------------------------------------------


def test_two_drivers_before_any_tki_are_both_primary_flagged_with_first_line_options_only(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], fusions=[("EML4", "ALK")])
    assert roles(r) == {"EGFR L858R": "primary_driver", "EML4::ALK fusion": "primary_driver"}
    assert any("More than one primary oncogenic driver: ALK, EGFR" in f and "neither is read as resistance" in f for f in r.summary.flags)
    assert not any("resistance" in f.statement and "primary resistance" in f.statement for f in r.findings)
    offered = drugs(r.offered_options)
    assert ["osimertinib"] in offered and ["alectinib"] in offered  # first line for each driver
    assert ["osimertinib", "alectinib"] not in offered  # its only evidence is after first-line osimertinib
    assert all(t.after is None for t in r.standard_options)  # first-line options only
    assert r.summary.framing == "diagnostic" and r.summary.cannot_exclude == []
    assert "in this knowledgebase" in r.summary.headline and "no targeted therapy given yet" in r.summary.headline


def test_the_same_alk_fusion_after_osimertinib_is_bypass_with_the_post_osimertinib_combination(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], fusions=[("EML4", "ALK")], prior=["osimertinib"])
    assert roles(r)["EML4::ALK fusion"] == "bypass_resistance"
    assert ["osimertinib", "alectinib"] in drugs(r.mechanism_options)
    assert r.summary.framing == "resistance"


# ---- KRAS G12C with an acquired second allele after adagrasib ------------------------------------------


def test_second_kras_allele_after_adagrasib_is_never_a_second_driver_and_is_named_on_page_one(scenario):
    r = scenario(snvs=[("KRAS", "G12C", 880, 120), ("KRAS", "G12D", 990, 10)], prior=["carboplatin", "pembrolizumab", "adagrasib"])
    assert roles(r)["KRAS G12C"] == "primary_driver"
    assert roles(r)["KRAS G12D"] != "primary_driver"
    # Issue 14 sources the meaning (MECH_KRAS_SECONDARY_AFTER_G12C_INHIBITOR, two verified reviews): the second allele
    # is now on-target resistance to adagrasib, no longer "not curated" (before issue 14 this test asserted the
    # "not a second driver ... not curated" statement and the allele listed as uncurated on page 1).
    statement = next(f.statement for f in r.findings if f.alteration == "KRAS G12D")
    assert roles(r)["KRAS G12D"] == "on_target_resistance"
    assert "on-target resistance mechanism to adagrasib" in statement
    assert "KRAS G12D" not in r.summary.uncurated and "KRAS G12D" in r.summary.headline
    assert "No resistance mechanism in this knowledgebase detected after adagrasib" not in r.summary.headline
    assert not any("prior therapy" in w and "not in the knowledgebase" in w for w in r.warnings)  # chemo and IO are known drugs


def test_kras_g12c_inhibitors_need_a_prior_systemic_therapy(scenario):
    naive = scenario(snvs=[("KRAS", "G12C")])
    assert not {"sotorasib", "adagrasib"} & {d for t in naive.offered_options for d in t.drug_ids}
    treated = scenario(snvs=[("KRAS", "G12C")], prior=["carboplatin", "pemetrexed", "pembrolizumab"])
    standard = {d for t in treated.standard_options for d in t.drug_ids}
    assert {"sotorasib", "adagrasib"} <= standard
    assert all("at least one prior systemic therapy" in t.after for t in treated.standard_options if {"sotorasib", "adagrasib"} & set(t.drug_ids))
    assert treated.summary.framing == "diagnostic"  # chemotherapy and immunotherapy are not targeted therapy


# ---- ALK after crizotinib ------------------------------------------------------------------------------


def test_after_crizotinib_the_approved_next_step_leads_and_a_case_after_lorlatinib_is_not_offered(scenario):
    r = scenario(fusions=[("EML4", "ALK")], cnv=[("MET", 9)], prior=["crizotinib"])
    # Issue 14: alectinib after crizotinib (FDA accelerated approval 2015-12-11) is an approved next step beside brigatinib;
    # equally supported, they are ordered by id, so either may lead.
    assert drugs(r.standard_options)[0] in (["alectinib"], ["brigatinib"])
    assert {"alectinib", "brigatinib"} <= {d for t in r.standard_options for d in t.drug_ids}
    assert ["lorlatinib", "crizotinib"] not in drugs(r.offered_options)  # its only evidence is after lorlatinib
    for t in r.mechanism_options:
        assert t.evidence[0].level >= r.standard_options[0].evidence[0].level


def test_negative_results_are_not_recommended_with_the_reason(scenario):
    r = scenario(snvs=[("EGFR", "L858R"), ("PIK3CA", "E545K")], prior=["gefitinib"])
    assert ["gefitinib", "buparlisib"] not in drugs(r.offered_options)
    bup = next(n for n in r.not_recommended if "buparlisib" in n.therapy.drug_ids)
    assert bup.rule == "negative_evidence" and bup.rule_title == "negative result" and bup.reason


def test_regimens_removed_by_a_rule_say_which(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], prior=["gefitinib", "osimertinib"], tumor_fraction=1.0)
    removed = {tuple(n.therapy.drug_ids): n.rule for n in r.not_recommended}
    assert removed[("gefitinib", "savolitinib")] == "earlier_generation"
    assert ["osimertinib", "savolitinib"] in drugs(r.mechanism_options)
    assert r.mechanism_options[0].drug_ids[0] == "osimertinib"  # keeps the current newest-generation drug first


# ---- trials --------------------------------------------------------------------------------------------


def test_setting_only_trials_go_to_the_appendix_and_statuses_are_cited_or_not_checked(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], prior=["osimertinib"], tumor_fraction=1.0)
    assert r.trials and all(t.match_basis == "biomarker" for t in r.trials)
    assert r.setting_trials and all(t.match_basis == "setting" for t in r.setting_trials)
    assert not {t.id for t in r.trials} & {t.id for t in r.setting_trials}
    for t in [*r.trials, *r.setting_trials]:
        assert "per the review" not in t.status
        assert (t.status == "status not checked") == (t.status_value is None)
        if t.status_value:
            assert t.status_as_of is not None and t.status_as_of.isoformat() in t.status
    html = render_html(r)
    assert html.index('id="h-trials"') < html.index('id="h-setting-trials"')


def test_a_trial_whose_regimen_the_patient_progressed_on_is_not_matched(scenario):
    before = scenario(snvs=[("EGFR", "L858R")], cnv=[("ERBB2", 9)], prior=["osimertinib"], tumor_fraction=1.0)
    assert "NCT03784599" in {t.nct_id for t in before.trials}  # osimertinib + T-DM1
    after = scenario(snvs=[("EGFR", "L858R")], cnv=[("ERBB2", 9)], prior=["osimertinib", "osimertinib + trastuzumab emtansine"],
                     tumor_fraction=1.0)
    assert "NCT03784599" not in {t.nct_id for t in after.trials}
    assert "trastuzumab-emtansine" not in {d for t in after.offered_options for d in t.drug_ids}


# ---- page 1 --------------------------------------------------------------------------------------------


def test_an_uncurated_on_target_change_after_osimertinib_is_on_page_one_never_without_meaning(scenario):
    # Issue 14 curated EGFR C797S (MECH_EGFR_C797S, tests/test_issue14_egfr.py), the example this test used; EGFR
    # L718Q, left out of the knowledgebase for want of a checked source, now plays the uncurated on-target change.
    r = scenario(snvs=[("EGFR", "L858R"), ("EGFR", "L718Q")], prior=["osimertinib"])
    assert "EGFR L718Q" in r.summary.uncurated
    assert "EGFR L718Q" in r.summary.headline and "in this knowledgebase" in r.summary.headline
    assert not any("no resistance meaning" in f.statement for f in r.findings)
    assert any(f.startswith("EGFR L718Q is in the driver gene") and "may be on-target resistance to osimertinib" in f
               for f in r.summary.flags)
    html = render_html(r)
    summary = html[html.index('id="summary"'):html.index('id="findings"')]
    assert "EGFR L718Q" in summary and "not curated in this context" in summary


def test_treatment_naive_sample_gets_a_diagnostic_summary_without_the_resistance_box(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], tumor_fraction=1.0)
    assert r.summary.framing == "diagnostic" and r.summary.cannot_exclude == []
    assert roles(r)["MET amplification"] == "co_alteration"
    html = render_html(r)
    assert "Diagnostic summary" in html and "Resistance summary" not in html
    assert "AXL" not in html[html.index('id="summary"'):html.index('id="findings"')]
    assert "First-line options" in html


def test_chemotherapy_immunotherapy_and_antiangiogenic_drugs_are_known_with_classes(shipped_kb):
    from annotator.kb.index import kb_index

    index = kb_index(shipped_kb, "GRCh38")
    names = ["cisplatin", "carboplatin", "pemetrexed", "docetaxel", "paclitaxel", "nab-paclitaxel", "gemcitabine", "vinorelbine",
             "etoposide", "bevacizumab", "ramucirumab", "pembrolizumab", "nivolumab", "atezolizumab", "durvalumab", "cemiplimab",
             "ipilimumab", "tremelimumab"]
    categories = {}
    for name in names:
        drug = index.drug(name)
        assert drug is not None, name
        categories[name] = {index.drug_class(c).category for c in drug.classes}
    assert categories["carboplatin"] == {"chemotherapy"} and categories["pembrolizumab"] == {"immunotherapy"}
    assert categories["bevacizumab"] == {"antiangiogenic"}


def test_an_equivocal_copy_number_is_flagged_on_page_one_and_gets_no_amplification_role(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 4.95)], prior=["osimertinib"], tumor_fraction=1.0)
    assert [c.measurement.status for c in r.copy_numbers if c.measurement.gene == "MET"] == ["equivocal"]
    assert "MET amplification" not in roles(r)
    assert any(f.startswith("MET copy number is equivocal") and "confirm" in f for f in r.summary.flags)
    clear = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 5.5)], prior=["osimertinib"], tumor_fraction=1.0)
    assert roles(clear)["MET amplification"] == "bypass_resistance"
    assert not any("equivocal" in f for f in clear.summary.flags)


# ---- review of issue 13 --------------------------------------------------------------------------------------


def test_a_drug_of_the_class_the_tumor_progressed_on_is_not_offered(scenario):
    r = scenario(snvs=[("KRAS", "G12C")], prior=["carboplatin", "adagrasib"])
    assert "sotorasib" not in {d for t in r.offered_options for d in t.drug_ids}
    sotorasib = next(n for n in r.not_recommended if n.therapy.drug_ids == ["sotorasib"])
    assert sotorasib.rule == "same_class_as_failed" and "adagrasib" in sotorasib.reason
    met = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], prior=["osimertinib", "osimertinib + capmatinib"], tumor_fraction=1.0)
    offered = {d for t in met.offered_options for d in t.drug_ids}
    assert not offered & {"savolitinib", "tepotinib", "crizotinib"}  # type I MET TKIs, like capmatinib


def test_a_sequenced_standard_option_needs_its_drug_to_be_the_most_recent(scenario):
    assert ["brigatinib"] in drugs(scenario(fusions=[("EML4", "ALK")], prior=["crizotinib"]).standard_options)
    later = scenario(fusions=[("EML4", "ALK")], prior=["crizotinib", "alectinib"])
    assert ["brigatinib"] not in drugs(later.offered_options)


def test_the_stated_driver_stays_when_plasma_shows_only_another_allele(scenario):
    r = scenario(snvs=[("KRAS", "G12D")], prior=["adagrasib"], driver="KRAS G12C")
    assert r.sample.primary_driver is not None and r.sample.primary_driver.source == "stated"
    assert roles(r)["KRAS G12D"] != "primary_driver"


def test_after_chemotherapy_the_standard_options_are_not_called_first_line(scenario):
    r = scenario(snvs=[("KRAS", "G12C")], prior=["carboplatin", "pemetrexed", "pembrolizumab"])
    html = render_html(r)
    summary = html[html.index('id="summary"'):html.index('id="findings"')]
    assert "Standard options in this setting" in summary and "First-line options" not in summary


def test_two_drivers_are_both_named_with_their_options(scenario):
    r = scenario(snvs=[("EGFR", "L858R")], fusions=[("EML4", "ALK")])
    assert {d.gene for d in r.sample.primary_drivers} == {"EGFR", "ALK"}
    html = render_html(r)
    summary = html[html.index('id="summary"'):html.index('id="findings"')]
    assert "EGFR L858R" in summary and "EML4::ALK" in summary
    assert "alectinib" in summary and "osimertinib" in summary  # first-line options of each driver, grouped


def test_an_old_trial_status_says_to_check_the_registry(scenario, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")  # 2027-01-01: SAVANNAH's cited status (2024-04-11) is old
    r = scenario(snvs=[("EGFR", "L858R")], cnv=[("MET", 9)], prior=["osimertinib"], tumor_fraction=1.0)
    savannah = next(t for t in r.trials if t.nct_id == "NCT03778229")
    assert savannah.status_value == "recruiting" and "over a year old: check the registry" in savannah.status
