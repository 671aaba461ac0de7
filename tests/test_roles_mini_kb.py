"""Role, regimen and trial rules, on a tiny fixture knowledgebase so the rules are tested apart from curation."""

from __future__ import annotations

import pytest

from tests.support.mini_kb import G12C, G12D, G12D_37, L858R, L858R_37, roles, run


@pytest.mark.parametrize("build, records", [("GRCh38", [L858R, G12D]), ("GRCh37", [L858R_37, G12D_37])])
def test_kras_g12d_is_bypass_after_osimertinib_on_both_builds(write, mini_kb, build, records):
    report = run(write, mini_kb, records, build, prior=["osimertinib"])
    assert roles(report) == {"EGFR L858R": "primary_driver", "KRAS G12D": "bypass_resistance"}
    assert report.sample.primary_driver.source == "plasma"
    assert report.genome_build == build


def test_same_alteration_without_prior_tki_is_a_co_alteration(write, mini_kb):
    report = run(write, mini_kb, [L858R, G12D])
    assert roles(report)["KRAS G12D"] == "co_alteration"
    statement = next(f.statement for f in report.findings if f.alteration == "KRAS G12D")
    # Acquired-resistance evidence says nothing of its effect before therapy: not curated, never "primary resistance".
    assert "co-alteration" in statement and "not curated" in statement and "primary resistance" not in statement


def test_generation_restricted_context_does_not_apply_after_other_generation(write, mini_kb):
    # The fixture lists KRAS G12D only after 3rd-generation TKIs.
    report = run(write, mini_kb, [L858R, G12D], prior=["gefitinib"])
    assert roles(report)["KRAS G12D"] == "other"


def test_met_amplification_after_osimertinib_gets_combination_not_the_failed_drug(write, mini_kb):
    report = run(write, mini_kb, [L858R], cnv="MET\t8.0\nEGFR\t2.1\n", prior=["gefitinib", "osimertinib"])
    assert roles(report)["MET amplification"] == "bypass_resistance"
    regimens = [t.id for t in report.offered_options]
    assert "osimertinib_savolitinib" in regimens
    assert report.offered_options[0].drugs[0] == "osimertinib"  # driver drug first
    assert [t.nct_id for t in report.trials] == ["NCT03778229"]
    assert report.findings[1].resistance_to == "osimertinib"


def test_regimens_made_only_of_drugs_already_given_are_not_offered(write, mini_kb):
    report = run(write, mini_kb, [L858R], cnv="MET\t8.0\n", prior=["osimertinib", "savolitinib"])
    regimens = [t.id for t in report.offered_options]
    assert "savolitinib_alone" not in regimens and "osimertinib_savolitinib" not in regimens
    assert report.findings[1].resistance_to == "osimertinib"  # savolitinib targets MET, not the EGFR driver


def test_copy_number_below_threshold_is_not_an_amplification(write, mini_kb):
    report = run(write, mini_kb, [L858R], cnv="MET\t4.9\n", prior=["osimertinib"], tumor_fraction=1.0)
    assert "MET amplification" not in roles(report)
    assert [c.copy_number for c in report.gene_copy_numbers] == [4.9]


def test_ret_fusion_alone_is_the_primary_driver_with_first_line_options(write, mini_kb):
    report = run(write, mini_kb, [], fusions="KIF5B\tRET\t42\n")
    assert roles(report) == {"KIF5B::RET fusion": "primary_driver"}
    assert [t.id for t in report.offered_options] == ["selpercatinib_first_line"]
    fusion = report.observations[0]
    assert (fusion.gene, fusion.gene5, fusion.gene3, fusion.fusion) == ("RET", "KIF5B", "RET", "KIF5B::RET")


def test_ret_fusion_with_egfr_driver_after_osimertinib_is_bypass(write, mini_kb):
    report = run(write, mini_kb, [L858R], fusions="KIF5B\tRET\t42\n", prior=["osimertinib"])
    assert roles(report) == {"EGFR L858R": "primary_driver", "KIF5B::RET fusion": "bypass_resistance"}
    assert "osimertinib_selpercatinib" in [t.id for t in report.offered_options]
    assert "selpercatinib_first_line" not in [t.id for t in report.offered_options]


def test_stated_driver_gives_context_when_plasma_lacks_it(write, mini_kb):
    report = run(write, mini_kb, [], cnv="MET\t9\n", prior=["osimertinib"], driver="EGFR L858R")
    assert roles(report) == {"MET amplification": "bypass_resistance"}
    assert report.sample.primary_driver.model_dump() == {"gene": "EGFR", "alteration": "EGFR L858R", "source": "stated"}


def test_two_unrelated_drivers_are_both_primary_and_flagged(write, mini_kb):
    report = run(write, mini_kb, [L858R, G12C])
    assert roles(report) == {"EGFR L858R": "primary_driver", "KRAS G12C": "primary_driver"}
    assert any("More than one primary oncogenic driver" in f for f in report.summary.flags)


def test_no_driver_and_no_therapy_gives_no_resistance_interpretation(write, mini_kb):
    report = run(write, mini_kb, [G12D])
    assert roles(report) == {"KRAS G12D": "other"}
    # The mini KB names only KRAS G12C as a driver: G12D, in a driver gene, may be a driver it does not curate.
    assert report.summary.headline.startswith("Primary driver not curated in this knowledgebase: KRAS G12D")


def test_prior_targeted_therapy_implies_the_driver_when_plasma_lacks_it(write, mini_kb):
    report = run(write, mini_kb, [G12D], prior=["osimertinib"])
    assert roles(report) == {"KRAS G12D": "bypass_resistance"}
    assert report.sample.primary_driver is None
    assert any("EGFR-driven context implied by the prior therapy" in f for f in report.summary.flags)


def test_nothing_found_says_so_and_what_cannot_be_excluded(write, mini_kb):
    report = run(write, mini_kb, [L858R], prior=["osimertinib"])
    assert report.summary.headline == "No resistance mechanism in this knowledgebase detected after osimertinib."
    # Without the assay's targets (--panel-bed, --coverage) no absence is "not detected" (issue 17): each relevant
    # mechanism cannot be excluded, grouped by why.
    assert report.summary.cannot_exclude == ["c-MET protein overexpression", "KRAS G12D (the assay's targets were not given)",
                                             "MET amplification (copy number not assessed)", "RET fusion, KIF5B::RET fusion (no fusion input)"]


def test_unknown_prior_therapy_is_a_listed_warning_and_synonyms_resolve(write, mini_kb):
    report = run(write, mini_kb, [L858R, G12D], prior=["AZD9291", "wonderdrug"])
    assert report.sample.prior_therapy_ids == ["osimertinib"]
    assert roles(report)["KRAS G12D"] == "bypass_resistance"
    assert any("'wonderdrug' is not in the knowledgebase" in w for w in report.warnings)
