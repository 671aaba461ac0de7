"""`kb validate` enforces the issue 13 semantics: post-resistance evidence says after what, standard options are
approved, conditions and thresholds name what exists. Each broken copy of the mini knowledgebase fails with one
precise line."""

from __future__ import annotations

import pytest

from annotator.errors import KnowledgebaseError
from tests.support.mini_kb import kb_variant, mechanism, regimen, trial

BROKEN = {
    "post-resistance regimen without after": (
        {"regimens": [regimen("osi_savo_no_after", ["osimertinib", "savolitinib"], ["MET_AMP"], "EGFR")]},
        "regimens.yaml: osi_savo_no_after: answers MET_AMP, resistance in EGFR-driven disease, so its evidence is post-resistance",
    ),
    "standard option below level A": (
        {"regimens": [regimen("weak_standard", ["selpercatinib"], ["KIF5B_RET"], "RET", level="B", standard=True)]},
        "regimens.yaml: weak_standard: a standard option needs positive level-A evidence",
    ),
    "condition naming an unknown class": (
        {"regimens": [regimen("bad_class", ["osimertinib", "savolitinib"], ["MET_AMP"], "EGFR", after={"classes": ["no_such_class"]})]},
        "regimens.yaml: bad_class: unknown drug class 'no_such_class'",
    ),
    "threshold for an alteration the regimen does not answer": (
        {"regimens": [regimen("bad_threshold", ["osimertinib", "savolitinib"], ["MET_AMP"], "EGFR", after={"drugs": ["osimertinib"]},
                              thresholds=[{"alteration": "KIF5B_RET", "min_copy_number": 10, "statement": "x",
                                           "sources": [{"ref": "review"}]}])]},
        "regimens.yaml: bad_threshold: threshold for 'KIF5B_RET', which the regimen does not answer",
    ),
    "allele context naming an unknown alteration": (
        {"regimens": [regimen("bad_allele", ["osimertinib"], ["EGFR_L858R"], "EGFR", allele_context={"absent": ["EGFR_NOPE"]})]},
        "regimens.yaml: bad_allele: allele_context names unknown alteration 'EGFR_NOPE'",
    ),
    "post-resistance trial without after": (
        {"trials": [trial("NO_AFTER", biomarkers=["MET_AMP"], driver="EGFR")]},
        "trials.yaml: NO_AFTER: enrols MET_AMP, resistance in EGFR-driven disease: say after which therapy ('after')",
    ),
}


@pytest.mark.parametrize("entries, problem", BROKEN.values(), ids=BROKEN.keys())
def test_broken_copies_fail_with_one_precise_line(tmp_path, entries, problem):
    with pytest.raises(KnowledgebaseError) as caught:
        kb_variant(tmp_path, **entries)
    assert [p for p in caught.value.problems if p.startswith(problem)], caught.value.problems


def test_the_same_entries_done_right_load(tmp_path):
    kb_variant(tmp_path, regimens=[regimen("osi_savo", ["osimertinib", "savolitinib"], ["MET_AMP"], "EGFR", after={"drugs": ["osimertinib"]})],
               trials=[trial("WITH_AFTER", biomarkers=["MET_AMP"], driver="EGFR", after={"drugs": ["osimertinib"]})])


def test_a_context_condition_the_rules_would_ignore_is_refused(tmp_path):
    """Resistance contexts are judged against targeted drugs: any_systemic or most_recent there would be silently ignored."""
    with pytest.raises(KnowledgebaseError) as caught:
        kb_variant(tmp_path, replace=[("mechanisms.yaml", "after: {generations: [3]}", "after: {any_systemic: true}")])
    assert any("MECH_KRAS_G12D: a context's 'after' names targeted therapy" in p for p in caught.value.problems)


def test_a_driver_independent_regimen_for_a_resistance_alteration_needs_after(tmp_path):
    with pytest.raises(KnowledgebaseError) as caught:
        kb_variant(tmp_path, regimens=[regimen("savo_any_driver", ["savolitinib"], ["MET_AMP"], None)])
    assert any(p.startswith("regimens.yaml: savo_any_driver: answers MET_AMP, only ever resistance, so its evidence is post-resistance") for p in caught.value.problems)


def test_an_unknown_alteration_named_by_a_bypass_mechanism_and_a_single_drug_regimen_is_a_problem_not_a_crash(tmp_path):
    """The single-drug-against-bypass check looks up each shared alteration's gene; an unknown id is reported once."""
    bypass = mechanism("MECH_NOPE", ["NOPE_AMP"], [{"driver": "EGFR", "after": {"drugs": ["osimertinib"]}, "role": "bypass_resistance"}],
                       category="bypass")
    lone = regimen("savo_alone", ["savolitinib"], ["NOPE_AMP"], "EGFR", after={"drugs": ["osimertinib"]})
    with pytest.raises(KnowledgebaseError) as caught:
        kb_variant(tmp_path, mechanisms=[bypass], regimens=[lone])
    assert "regimens.yaml: savo_alone: unknown alteration id 'NOPE_AMP'" in caught.value.problems, caught.value.problems
