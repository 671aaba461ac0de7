"""Issue 13: the interpretation rules, each on a tiny variant of the fixture knowledgebase.

Every test copies ``tests/fixtures/mini_kb`` to ``tmp_path`` (the fixture itself is never edited), adds the few
entries its rule needs (``kb_variant``) and annotates a small sample on it, so that a rule is tested apart from
curation: what the test checks follows from the entries it added, not from the shipped knowledgebase.

Builders and records are in tests/support/mini_kb.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from annotator.errors import KnowledgebaseError
from annotator.render.html import render_html
from tests.support.mini_kb import (
    AFTER_OSIMERTINIB,
    CAPMATINIB,
    CARBOPLATIN,
    CHEMO_CLASS,
    G12C,
    G12D,
    G12D_AS_DRIVER,
    G12V,
    KIF5B_RET,
    KRAS_RESISTANCE_KB,
    L858R,
    MET_AMP_8,
    OSIMERTINIB_FIRST_LINE,
    PRALSETINIB,
    SOURCES,
    TOOL_CLASS,
    TOOL_DRUG,
    finding,
    kb_variant,
    kras_on_target,
    listed,
    offered,
    osimertinib_capmatinib,
    regimen,
    removed,
    roles,
    run,
    trial,
)


# --- 1. conditions on mechanism contexts ----------------------------------------------------------------------
def test_unmet_context_condition_leaves_two_primary_drivers(write, tmp_path):
    """MECH_RET_FUSION explains a RET fusion only after osimertinib: before any TKI, EGFR L858R and KIF5B::RET
    are two primary drivers (flagged), each with its first-line standard option, and the post-osimertinib
    combination is not in the patient's setting at all."""
    kb = kb_variant(tmp_path, regimens=[OSIMERTINIB_FIRST_LINE])
    report = run(write, kb, [L858R], fusions=KIF5B_RET)
    assert roles(report) == {"EGFR L858R": "primary_driver", "KIF5B::RET fusion": "primary_driver"}
    flag = next(f for f in report.summary.flags if f.startswith("More than one primary oncogenic driver: EGFR, RET"))
    assert "no targeted therapy for either yet" in flag
    assert sorted(t.id for t in report.standard_options) == ["osimertinib_first_line", "selpercatinib_first_line"]
    assert "osimertinib_selpercatinib" not in listed(report)


def test_context_after_another_egfr_drug_does_not_explain_the_fusion(write, tmp_path):
    """After gefitinib (an EGFR TKI, but not the osimertinib the context names) the condition is still unmet:
    RET stays a second primary driver and keeps its first-line option; EGFR's first line is over."""
    kb = kb_variant(tmp_path, regimens=[OSIMERTINIB_FIRST_LINE])
    report = run(write, kb, [L858R], fusions=KIF5B_RET, prior=["gefitinib"])
    assert roles(report) == {"EGFR L858R": "primary_driver", "KIF5B::RET fusion": "primary_driver"}
    assert any(f.startswith("More than one primary oncogenic driver: EGFR, RET") for f in report.summary.flags)
    assert [t.id for t in report.standard_options] == ["selpercatinib_first_line"]
    assert "osimertinib_selpercatinib" not in listed(report)


def test_met_context_condition_makes_the_fusion_bypass_resistance(write, tmp_path):
    """The same sample after osimertinib: the context's condition holds, so RET is bypass resistance to
    osimertinib (one primary driver, no flag), the combination is offered and first-line options are not."""
    kb = kb_variant(tmp_path, regimens=[OSIMERTINIB_FIRST_LINE])
    report = run(write, kb, [L858R], fusions=KIF5B_RET, prior=["osimertinib"])
    assert roles(report) == {"EGFR L858R": "primary_driver", "KIF5B::RET fusion": "bypass_resistance"}
    assert finding(report, "KIF5B::RET fusion").resistance_to == "osimertinib"
    assert not any("More than one primary" in f for f in report.summary.flags)
    assert offered(report) == ["osimertinib_selpercatinib"]


# --- 2. regimen `after` ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("after", [
    {"drugs": ["osimertinib"]}, {"generations": [3]}, {"classes": ["egfr_tki_third_generation"]},
], ids=["drugs", "generations", "classes"])
@pytest.mark.parametrize("prior, is_offered", [
    ((), False), (("gefitinib",), False), (("gefitinib", "osimertinib"), True),
], ids=["no-prior", "gefitinib", "gefitinib-then-osimertinib"])
def test_regimen_after_is_required(write, tmp_path, after, prior, is_offered):
    """A regimen whose evidence is after osimertinib (named as the drug, its generation or its class) never
    reaches a patient who has not had it, not even as 'not recommended'."""
    kb = kb_variant(tmp_path, drugs=[CAPMATINIB], regimens=[osimertinib_capmatinib(after=after)])
    report = run(write, kb, [L858R], cnv=MET_AMP_8, prior=prior)
    assert ("osimertinib_capmatinib" in offered(report)) is is_offered
    if not is_offered:
        assert "osimertinib_capmatinib" not in listed(report)


@pytest.mark.parametrize("prior, is_offered", [
    ((), False), (("carboplatin",), True), (("tool-1",), False),
], ids=["no-prior", "chemotherapy", "tool-compound-only"])
def test_regimen_after_any_systemic_therapy(write, tmp_path, prior, is_offered):
    """`any_systemic` is met by a chemotherapy drug (a known drug with a class), not by nothing and not by a
    preclinical tool compound."""
    kb = kb_variant(
        tmp_path, drug_classes=[CHEMO_CLASS, TOOL_CLASS], drugs=[CARBOPLATIN, TOOL_DRUG, PRALSETINIB],
        regimens=[regimen("pralsetinib_after_systemic", ["pralsetinib"], ["KIF5B_RET", "RET_FUSION"], "RET",
                          after={"any_systemic": True})],
    )
    report = run(write, kb, [], fusions=KIF5B_RET, prior=prior)
    assert report.sample.prior_therapy_ids == list(prior)  # the added drugs are recognised, so the test means something
    assert ("pralsetinib_after_systemic" in offered(report)) is is_offered
    assert "selpercatinib_first_line" in offered(report)  # neither is a targeted drug for RET


@pytest.mark.parametrize("most_recent, prior, where", [
    (True, ["gefitinib"], "offered"),
    (True, ["osimertinib", "gefitinib"], "offered"),
    (True, ["gefitinib", "osimertinib"], "absent"),  # gefitinib given, but not the most recent EGFR drug
    (False, ["gefitinib", "osimertinib"], "earlier_generation"),  # in the setting; a rule removes it
])
def test_regimen_after_most_recent(write, tmp_path, most_recent, prior, where):
    """`most_recent: true` compares only the most recent drug for the driver: gefitinib then osimertinib does
    not meet 'after gefitinib, most recent'."""
    kb = kb_variant(tmp_path, drugs=[CAPMATINIB], regimens=[
        regimen("gefitinib_capmatinib", ["gefitinib", "capmatinib"], ["MET_AMP"], "EGFR",
                after={"drugs": ["gefitinib"], "most_recent": most_recent}),
    ])
    report = run(write, kb, [L858R], cnv=MET_AMP_8, prior=prior)
    assert finding(report, "MET amplification").role == "bypass_resistance"
    if where == "offered":
        assert "gefitinib_capmatinib" in offered(report)
    elif where == "absent":
        assert "gefitinib_capmatinib" not in listed(report)
    else:
        assert removed(report)["gefitinib_capmatinib"][0] == where


# --- 3. allele-specific drivers -------------------------------------------------------------------------------
def test_second_kras_allele_after_sotorasib_is_on_target_resistance_where_curated(write, tmp_path):
    """After sotorasib (restricted to KRAS G12C), KRAS G12D (a driver entry here) is never a second driver; a
    curated KRAS context after the KRAS G12C inhibitor class makes it on-target resistance to sotorasib."""
    kb = kb_variant(tmp_path, replace=[G12D_AS_DRIVER],
                    mechanisms=[kras_on_target(after={"classes": ["kras_g12c_inhibitor"]})])
    report = run(write, kb, [G12C, G12D], prior=["sotorasib"])
    assert roles(report) == {"KRAS G12C": "primary_driver", "KRAS G12D": "on_target_resistance"}
    assert finding(report, "KRAS G12D").resistance_to == "sotorasib"
    assert report.summary.uncurated == []
    assert not any("driver allele" in f for f in report.summary.flags)


def test_second_kras_allele_after_sotorasib_without_a_context_is_uncurated(write, tmp_path):
    """Without a KRAS context for G12D it is still not a second driver: role 'other', named as not curated."""
    kb = kb_variant(tmp_path, replace=[G12D_AS_DRIVER])
    report = run(write, kb, [G12C, G12D], prior=["sotorasib"])
    assert roles(report) == {"KRAS G12C": "primary_driver", "KRAS G12D": "other"}
    assert report.summary.uncurated == ["KRAS G12D"]
    assert "KRAS G12D" in report.summary.headline


@pytest.mark.parametrize("with_context", [True, False], ids=["kras-context", "no-kras-context"])
def test_two_kras_alleles_without_sotorasib_are_flagged(write, tmp_path, with_context):
    """Before any KRAS drug both driver alleles are primary and the report asks which one is clonal (a
    context after the KRAS G12C inhibitor class does not apply yet)."""
    mechs = [kras_on_target(after={"classes": ["kras_g12c_inhibitor"]})] if with_context else []
    kb = kb_variant(tmp_path, replace=[G12D_AS_DRIVER], mechanisms=mechs)
    report = run(write, kb, [G12C, G12D])
    assert roles(report) == {"KRAS G12C": "primary_driver", "KRAS G12D": "primary_driver"}
    assert any(f.startswith("More than one KRAS driver allele") for f in report.summary.flags)


# After a drug restricted to one allele (sotorasib: KRAS_G12C), KRAS G12D seen alone in plasma (G12C not shed,
# no --driver) is never the primary driver: the drug implies the allele it was given for (found by this test).
@pytest.mark.parametrize("driver", [None, "KRAS G12C"], ids=["implied-by-sotorasib", "stated"])
def test_other_allele_alone_after_an_allele_specific_drug_is_not_a_driver(write, tmp_path, driver):
    """Sotorasib was given for KRAS G12C, so a KRAS G12D found alone afterwards is not a new primary driver: it
    is read in the KRAS(G12C) context, where the curated context makes it on-target resistance."""
    kb = kb_variant(tmp_path, replace=[G12D_AS_DRIVER],
                    mechanisms=[kras_on_target(after={"classes": ["kras_g12c_inhibitor"]})])
    report = run(write, kb, [G12D], prior=["sotorasib"], driver=driver)
    assert roles(report) == {"KRAS G12D": "on_target_resistance"}
    assert finding(report, "KRAS G12D").resistance_to == "sotorasib"


# --- 4. allele context on a regimen ---------------------------------------------------------------------------
@pytest.mark.parametrize("allele_context, with_g12d, is_offered", [
    ({"present": ["KRAS_G12D"]}, True, True),
    ({"present": ["KRAS_G12D"]}, False, False),
    ({"absent": ["KRAS_G12D"]}, True, False),
    ({"absent": ["KRAS_G12D"]}, False, True),
])
def test_regimen_allele_context_present_and_absent(write, tmp_path, allele_context, with_g12d, is_offered):
    """A regimen whose evidence required (or excluded) another alteration is offered only when it is (or is
    not) detected."""
    kb = kb_variant(tmp_path, drugs=[CAPMATINIB], regimens=[osimertinib_capmatinib(allele_context=allele_context)])
    report = run(write, kb, [L858R, *([G12D] if with_g12d else [])], cnv=MET_AMP_8, prior=["osimertinib"])
    assert ("osimertinib_capmatinib" in offered(report)) is is_offered
    assert "osimertinib_savolitinib" in offered(report)  # the control, without an allele context


@pytest.mark.parametrize("phase", ["cis", "trans", None])
def test_regimen_allele_context_phase_makes_the_option_conditional(write, tmp_path, phase):
    """A phase the inputs cannot give: the option is listed as conditional and the report asks for phasing."""
    ctx = {"present": ["KRAS_G12D"], **({"phase": phase} if phase else {})}
    kb = kb_variant(tmp_path, drugs=[CAPMATINIB], regimens=[osimertinib_capmatinib(allele_context=ctx)])
    report = run(write, kb, [L858R, G12D], cnv=MET_AMP_8, prior=["osimertinib"])
    option = next(t for t in report.offered_options if t.id == "osimertinib_capmatinib")
    phasing = [f for f in report.summary.flags if "ask the laboratory to phase" in f]
    if phase:
        assert option.conditional and phase in option.conditional
        assert len(phasing) == 1 and "KRAS G12D" in phasing[0]
    else:
        assert option.conditional is None and phasing == []


# --- 5. cross-resistance as data (KRAS_RESISTANCE_KB) ---------------------------------------------------------
@pytest.mark.parametrize("resists", [{"classes": ["kras_g12c_inhibitor"]}, None], ids=["resists-class", "no-resists"])
def test_on_target_context_resists_a_class(write, tmp_path, resists):
    """KRAS G12D is resistance to sotorasib (`after`); with `resists: {classes: [kras_g12c_inhibitor]}` it also
    rules out adagrasib, never given (class_cross_resistance); a regimen keeping sotorasib is
    defeated_by_on_target either way."""
    kb = kb_variant(tmp_path, mechanisms=[kras_on_target(after={"drugs": ["sotorasib"]}, resists=resists)],
                    **KRAS_RESISTANCE_KB)
    report = run(write, kb, [G12C, G12D], prior=["sotorasib"])
    assert roles(report) == {"KRAS G12C": "primary_driver", "KRAS G12D": "on_target_resistance"}
    out = removed(report)
    assert out["sotorasib_trametinib"][0] == "defeated_by_on_target"
    assert out["sotorasib_trametinib"][2] == "KRAS G12D is resistance to sotorasib"
    if resists:
        rule, title, reason = out["adagrasib_after_sotorasib"]
        assert (rule, title) == ("class_cross_resistance", "class cross-resistance")
        assert reason == "KRAS G12D resists the KRAS G12C inhibitor class, adagrasib included"
        assert "adagrasib_after_sotorasib" not in offered(report)
    else:
        assert "adagrasib_after_sotorasib" in [t.id for t in report.mechanism_options]


# class_cross_resistance removes only what `resists` names: the drug the context is resistance to (`after`) is
# defeated_by_on_target whatever the policy's order (found by this test).
def test_class_cross_resistance_does_not_depend_on_the_policy_order(write, tmp_path):
    """policy.yaml orders the rules; it must not change what each rule means."""
    def class_rule_first(policy: dict) -> None:
        policy["exclusion_rules"].sort(key=lambda r: r["id"] != "class_cross_resistance")

    kb = kb_variant(tmp_path, policy=class_rule_first,
                    mechanisms=[kras_on_target(after={"drugs": ["sotorasib"]}, resists={"drugs": ["adagrasib"]})],
                    **KRAS_RESISTANCE_KB)
    report = run(write, kb, [G12C, G12D], prior=["sotorasib"])
    out = removed(report)
    assert out["adagrasib_after_sotorasib"][0] == "class_cross_resistance"
    rule, _, reason = out["sotorasib_trametinib"]
    assert (rule, reason) == ("defeated_by_on_target", "KRAS G12D is resistance to sotorasib")


# --- 6. exclusion rules named in data -------------------------------------------------------------------------
def _retitle(policy: dict) -> None:
    for rule in policy["exclusion_rules"]:
        rule["title"] = f"TMP {rule['title']}"


EXCLUSION_KB = dict(
    drug_classes=[CHEMO_CLASS], drugs=[CAPMATINIB, CARBOPLATIN],
    regimens=[
        osimertinib_capmatinib(negative=True),
        regimen("osimertinib_savolitinib_carboplatin", ["osimertinib", "savolitinib", "carboplatin"], ["MET_AMP"], "EGFR",
                after=AFTER_OSIMERTINIB),
        regimen("gefitinib_capmatinib", ["gefitinib", "capmatinib"], ["MET_AMP"], "EGFR", after={"drugs": ["gefitinib"]}),
        regimen("gefitinib_savolitinib", ["gefitinib", "savolitinib"], ["MET_AMP"], "EGFR", after=AFTER_OSIMERTINIB),
    ],
)


@pytest.mark.parametrize("prior, regimen_id, rule, reason", [
    (["osimertinib"], "osimertinib_capmatinib", "negative_evidence", "osimertinib_capmatinib statement"),
    (["osimertinib", "savolitinib"], "osimertinib_savolitinib", "progressed_on", "osimertinib + savolitinib already given"),
    (["osimertinib", "savolitinib"], "osimertinib_savolitinib_carboplatin", "failed_bypass_inhibitor",
     "savolitinib already given"),
    (["gefitinib", "osimertinib"], "gefitinib_capmatinib", "earlier_generation", "after osimertinib (generation 3)"),
])
def test_not_recommended_items_carry_rule_title_and_reason(write, tmp_path, prior, regimen_id, rule, reason):
    """Each removed option names the rule id, the title policy.yaml gives it (retitled here, so it can only come
    from the data) and the specifics."""
    kb = kb_variant(tmp_path, policy=_retitle, **EXCLUSION_KB)
    report = run(write, kb, [L858R], cnv=MET_AMP_8, prior=prior)
    titles = {r.id: r.title for r in kb.policy.exclusion_rules}
    assert removed(report)[regimen_id] == (rule, titles[rule], reason)
    assert titles[rule].startswith("TMP ")
    assert regimen_id not in offered(report)


def test_earlier_generation_spares_evidence_after_that_very_drug(write, tmp_path):
    """Gefitinib + savolitinib is an older generation than osimertinib, but its evidence is after osimertinib."""
    kb = kb_variant(tmp_path, **EXCLUSION_KB)
    report = run(write, kb, [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    assert "gefitinib_savolitinib" in offered(report)


def test_exclusion_rules_apply_in_policy_order(write, tmp_path):
    """Osimertinib + savolitinib after both is removed by progressed_on and failed_bypass_inhibitor: the first
    in policy.yaml's order names it."""
    def bypass_first(policy: dict) -> None:
        rules = policy["exclusion_rules"]
        rules.sort(key=lambda r: r["id"] != "failed_bypass_inhibitor")

    default = run(write, kb_variant(tmp_path / "a"), [L858R], cnv=MET_AMP_8, prior=["osimertinib", "savolitinib"])
    reordered = run(write, kb_variant(tmp_path / "b", policy=bypass_first), [L858R], cnv=MET_AMP_8,
                    prior=["osimertinib", "savolitinib"])
    assert removed(default)["osimertinib_savolitinib"][0] == "progressed_on"
    assert removed(reordered)["osimertinib_savolitinib"][0] == "failed_bypass_inhibitor"


def test_policy_naming_an_unknown_rule_is_refused(write, tmp_path):
    """A rule the code does not implement is never silently skipped: annotate raises, naming it."""
    def add_unknown(policy: dict) -> None:
        policy["exclusion_rules"].append({"id": "made_up_rule", "title": "made up", "description": "no implementation"})

    kb = kb_variant(tmp_path, policy=add_unknown)
    with pytest.raises(KnowledgebaseError) as exc:
        run(write, kb, [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    assert any("'made_up_rule' has no implementation" in p for p in exc.value.problems)
    assert "made_up_rule" in str(exc.value)


def test_policy_omitting_an_implemented_rule_is_refused(write, tmp_path):
    """Leaving an implemented rule out of the policy would silently stop applying it: an error too."""
    def drop_earlier_generation(policy: dict) -> None:
        policy["exclusion_rules"] = [r for r in policy["exclusion_rules"] if r["id"] != "earlier_generation"]

    kb = kb_variant(tmp_path, policy=drop_earlier_generation)
    with pytest.raises(KnowledgebaseError) as exc:
        run(write, kb, [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    assert any("'earlier_generation' is implemented but not listed" in p for p in exc.value.problems)


# --- 7. evidence scale as data --------------------------------------------------------------------------------
def test_ranking_follows_the_policy_evidence_scale(write, tmp_path):
    """Osimertinib + savolitinib (level B) ranks above savolitinib alone (level D) on the mini KB's scale; with
    D placed before B in policy.yaml the order flips (A stays first: standard options need a top-level one)."""
    def d_before_b(policy: dict) -> None:
        order = {"A": 0, "D": 1, "C": 2, "B": 3}
        policy["evidence_levels"].sort(key=lambda d: order[d["level"]])

    default = run(write, kb_variant(tmp_path / "a"), [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    reordered = run(write, kb_variant(tmp_path / "b", policy=d_before_b), [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    assert [t.id for t in default.mechanism_options] == ["osimertinib_savolitinib", "savolitinib_alone"]
    assert [t.id for t in reordered.mechanism_options] == ["savolitinib_alone", "osimertinib_savolitinib"]
    assert [s.level for s in reordered.evidence_scale] == ["A", "D", "C", "B"]


def test_renamed_evidence_level_is_used_everywhere(write, tmp_path):
    """Level D renamed E in the scale and in the regimens: the report shows E with the policy's meaning."""
    def rename(policy: dict) -> None:
        for d in policy["evidence_levels"]:
            if d["level"] == "D":
                d["level"], d["meaning"] = "E", "renamed level"

    kb = kb_variant(tmp_path, policy=rename, replace=[("regimens.yaml", "level: D", "level: E")])
    report = run(write, kb, [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    alone = next(t for t in report.mechanism_options if t.id == "savolitinib_alone")
    assert (alone.evidence[0].level, alone.evidence[0].level_meaning) == ("E", "renamed level")
    assert [s.level for s in report.evidence_scale] == ["A", "B", "C", "E"]


def test_evidence_level_outside_the_scale_makes_the_kb_invalid(tmp_path):
    """Renaming D in the scale only leaves the regimens' level D undefined: the knowledgebase does not load."""
    def rename(policy: dict) -> None:
        for d in policy["evidence_levels"]:
            if d["level"] == "D":
                d["level"] = "E"

    with pytest.raises(KnowledgebaseError) as exc:
        kb_variant(tmp_path, policy=rename)
    assert any("savolitinib_alone: evidence level 'D' is not in the evidence scale" in p for p in exc.value.problems)


# --- 8. ranking ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("level, type_, first", [
    ("B", "phase3", "osimertinib_savolitinib"),  # same level: keeping osimertinib beats a better evidence type
    ("A", "phase2", "capmatinib_alone"),  # a better level beats keeping the current drug
])
def test_ranking_level_first_then_keeping_the_current_newest_drug(write, tmp_path, level, type_, first):
    """Level first; among equal levels the combination keeping osimertinib (the newest EGFR generation, given
    last) comes first, before the evidence type is compared."""
    kb = kb_variant(tmp_path, drugs=[CAPMATINIB], regimens=[
        regimen("capmatinib_alone", ["capmatinib"], ["MET_AMP"], "EGFR", after=AFTER_OSIMERTINIB, level=level, type_=type_),
    ])
    report = run(write, kb, [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    ids = [t.id for t in report.mechanism_options]
    assert ids[0] == first
    assert set(ids) == {"capmatinib_alone", "osimertinib_savolitinib", "savolitinib_alone"}


def test_standard_options_are_never_mechanism_options(write, tmp_path):
    """`standard: true` decides the list, not the level: a level-A non-standard regimen is mechanism-directed."""
    kb = kb_variant(tmp_path, drugs=[PRALSETINIB], regimens=[
        regimen("pralsetinib_first_line", ["pralsetinib"], ["KIF5B_RET", "RET_FUSION"], "RET", level="A", type_="approved"),
    ])
    report = run(write, kb, [], fusions=KIF5B_RET)
    assert [t.id for t in report.standard_options] == ["selpercatinib_first_line"]
    assert [t.id for t in report.mechanism_options] == ["pralsetinib_first_line"]
    assert offered(report) == ["selpercatinib_first_line", "pralsetinib_first_line"]


# --- 9. thresholds --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("copy_number, below", [(8, True), (12, False)])
def test_regimen_threshold_beside_the_sample_level(write, tmp_path, copy_number, below):
    """The evidence selected MET copy number >= 10: the sample's (tumor fraction 1.0) level is shown beside it."""
    threshold = {"alteration": "MET_AMP", "min_copy_number": 10, "statement": "MET CN >= 10", "sources": SOURCES}
    kb = kb_variant(tmp_path, drugs=[CAPMATINIB], regimens=[osimertinib_capmatinib(thresholds=[threshold])])
    report = run(write, kb, [L858R], cnv=f"MET\t{copy_number}\n", prior=["osimertinib"], tumor_fraction=1.0)
    option = next(t for t in report.offered_options if t.id == "osimertinib_capmatinib")
    th = option.thresholds[0]
    assert (th.required_copy_number, th.sample_copy_number, th.below) == (10, copy_number, below)
    assert th.alteration == "MET amplification" and th.sample_basis == "tumor-adjusted"


def test_threshold_says_when_the_level_is_observed_not_adjusted(write, tmp_path):
    """Without a tumor fraction the observed plasma value is all there is: the report must not call it tumor-adjusted."""
    threshold = {"alteration": "MET_AMP", "min_copy_number": 10, "statement": "MET CN >= 10", "sources": SOURCES}
    kb = kb_variant(tmp_path, drugs=[CAPMATINIB], regimens=[osimertinib_capmatinib(thresholds=[threshold])])
    report = run(write, kb, [], cnv="MET\t8\n", prior=["osimertinib"], driver="EGFR L858R")
    th = next(t for t in report.offered_options if t.id == "osimertinib_capmatinib").thresholds[0]
    assert (th.sample_copy_number, th.sample_basis, th.below) == (8, "observed", True)
    assert "observed: tumor fraction unknown" in render_html(report)


# --- 10. trials -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prior, matched", [(["osimertinib"], True), (["osimertinib", "savolitinib"], False)])
def test_trial_not_matched_when_every_arm_was_given(write, mini_kb, prior, matched):
    """SAVANNAH's only arm is osimertinib + savolitinib: a patient who progressed on both is not matched."""
    report = run(write, mini_kb, [L858R], cnv=MET_AMP_8, prior=prior)
    assert ("SAVANNAH" in [t.id for t in report.trials]) is matched


@pytest.mark.parametrize("prior, matched", [(["osimertinib"], True), (["gefitinib"], False)])
def test_setting_only_trial_goes_to_the_appendix(write, tmp_path, prior, matched):
    """A trial without biomarkers enrols by setting (driver and `after`): appendix, never the biomarker list. A
    biomarker trial (SAVANNAH, MET amplification) whose biomarker was not found is in neither list."""
    kb = kb_variant(tmp_path, trials=[trial("POST_OSI", after=AFTER_OSIMERTINIB)])
    report = run(write, kb, [L858R], prior=prior)
    assert report.trials == []
    assert "SAVANNAH" not in [t.id for t in report.setting_trials]
    setting = [t for t in report.setting_trials if t.id == "POST_OSI"]
    assert bool(setting) is matched
    if matched:
        assert setting[0].match_basis == "setting"


@pytest.mark.parametrize("closed", ["completed", "terminated", "withdrawn"])
def test_trial_status_closed_unchecked_and_recruiting(write, tmp_path, closed):
    """A trial cited as completed (terminated, withdrawn) is not matched; no status reads 'status not checked';
    a cited status shows its value, date and source."""
    def status(value: str) -> dict:
        return {"value": value, "as_of": dt.date(2026, 10, 1), "sources": [{"ref": "NCT03778229"}]}

    kb = kb_variant(tmp_path, trials=[
        trial("MET_DONE", biomarkers=["MET_AMP"], after=AFTER_OSIMERTINIB, status=status(closed)),
        trial("MET_OPEN", biomarkers=["MET_AMP"], after=AFTER_OSIMERTINIB, status=status("recruiting")),
    ])
    report = run(write, kb, [L858R], cnv=MET_AMP_8, prior=["osimertinib"])
    trials = {t.id: t for t in report.trials}
    assert set(trials) == {"SAVANNAH", "MET_OPEN"}
    assert report.setting_trials == []  # biomarker trials are never in the appendix
    assert trials["SAVANNAH"].status == "status not checked" and trials["SAVANNAH"].status_value is None
    assert trials["MET_OPEN"].status == "recruiting (as of 2026-10-01, ClinicalTrials.gov NCT03778229)"
    assert (trials["MET_OPEN"].status_value, trials["MET_OPEN"].status_as_of) == ("recruiting", dt.date(2026, 10, 1))


# --- 11. framing ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prior, framing", [
    ((), "diagnostic"), (("carboplatin",), "diagnostic"), (("osimertinib",), "resistance"),
])
def test_framing_follows_prior_targeted_therapy(write, tmp_path, prior, framing):
    """Only a targeted drug makes the report a resistance report; chemotherapy alone keeps it diagnostic, and a
    diagnostic report lists nothing under 'cannot exclude'. Every headline is bounded by the knowledgebase."""
    kb = kb_variant(tmp_path, drug_classes=[CHEMO_CLASS], drugs=[CARBOPLATIN])
    report = run(write, kb, [L858R], prior=prior)
    assert report.summary.framing == framing
    assert "in this knowledgebase" in report.summary.headline
    if framing == "diagnostic":
        assert report.summary.cannot_exclude == []
    else:
        assert report.summary.cannot_exclude != []


@pytest.mark.parametrize("prior", [(), ("osimertinib",)], ids=["diagnostic", "resistance"])
def test_uncurated_driver_gene_alteration_is_named(write, mini_kb, prior):
    """KRAS G12V matches no entry of the mini KB but lies in a driver gene: listed as not curated and named in
    the headline, so 'nothing found' is never read into it."""
    report = run(write, mini_kb, [L858R, G12V], prior=prior)
    assert report.summary.uncurated == ["KRAS G12V"]
    assert "KRAS G12V" in report.summary.headline
    assert "in this knowledgebase" in report.summary.headline
