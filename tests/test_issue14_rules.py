"""Option rules added with issue 14's content, on the mini knowledgebase (the builders of tests/support/mini_kb.py)."""

from __future__ import annotations

from tests.support.mini_kb import (
    CARBOPLATIN,
    CHEMO_CLASS,
    G12C,
    G12D,
    KRAS_RESISTANCE_KB,
    MEK_CLASS,
    TRAMETINIB,
    drug,
    drug_class,
    kb_variant,
    kras_on_target,
    regimen,
    removed,
    run,
)


def test_a_regimen_curated_for_an_on_target_alteration_is_not_removed_by_it(write, tmp_path):
    """KRAS G12D is resistance to a pan-RAS drug; a regimen answering KRAS G12D itself (as first- plus third-generation
    EGFR TKIs answer C797S with T790M in trans) is evidence that it works despite it, so it is offered, while the same
    drugs curated only for the driver are removed."""
    ras_class = drug_class("pan_ras_inhibitor")
    pan_ras = drug("pan-ras-1", ["pan_ras_inhibitor"], ["KRAS"], [{"gene": "KRAS"}])
    after = {"drugs": ["pan-ras-1"]}
    kb = kb_variant(tmp_path, mechanisms=[kras_on_target(after=after)], drug_classes=[ras_class, MEK_CLASS],
                    drugs=[pan_ras, TRAMETINIB],
                    regimens=[regimen("for_g12d", ["pan-ras-1", "trametinib"], ["KRAS_G12D"], "KRAS", after=after, level="D",
                                      type_="preclinical"),
                              regimen("for_g12c", ["pan-ras-1", "trametinib"], ["KRAS_G12C"], "KRAS", after=after)])
    report = run(write, kb, [G12C, G12D], prior=["pan-ras-1"])
    assert "for_g12d" in [t.id for t in report.mechanism_options]
    assert removed(report)["for_g12c"][0] == "defeated_by_on_target"


def test_chemotherapy_already_given_is_its_own_reason_not_a_failed_bypass_inhibitor(write, tmp_path):
    """After sotorasib and carboplatin, a sotorasib-free regimen that adds carboplatin again is removed because the
    chemotherapy was already given, never under 'bypass inhibitor already failed'."""
    kb = kb_variant(tmp_path, drug_classes=[CHEMO_CLASS, *KRAS_RESISTANCE_KB["drug_classes"]],
                    drugs=[CARBOPLATIN, *KRAS_RESISTANCE_KB["drugs"]],
                    regimens=[regimen("trametinib_carboplatin", ["trametinib", "carboplatin"], ["KRAS_G12C"], "KRAS",
                                      after={"drugs": ["sotorasib"]})])
    report = run(write, kb, [G12C], prior=["sotorasib", "carboplatin"])
    rule, title, reason = removed(report)["trametinib_carboplatin"]
    assert (rule, reason) == ("backbone_already_given", "carboplatin already given")
    assert title == "chemotherapy or immunotherapy already given"
