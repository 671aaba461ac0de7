"""Content checks of the shipped knowledgebase against its sources and the curation conventions.

Checks that need the source texts read them from ``../shared/seeds`` and skip when it is absent.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from annotator.kb.load import load_knowledgebase
from tests.support.paths import KNOWLEDGEBASE, SEEDS, require

REVIEW = SEEDS / "000_0266a875e78a1158.txt"
CAF = SEEDS / "003_45d59ea7bb17efe4.txt"

KB = load_knowledgebase(KNOWLEDGEBASE)
ALTERATIONS = {a.id: a for a in KB.alterations}
DRUGS = {d.id: d for d in KB.drugs}
MECHANISMS = {m.id: m for m in KB.mechanisms}
REGIMENS = {r.id: r for r in KB.regimens}
TRIALS = {t.id: t for t in KB.trials}
REFERENCES = {r.id: r for r in KB.references}
CHANGELOG = (KNOWLEDGEBASE / "CHANGELOG.md").read_text(encoding="utf-8")
RELEASES = re.findall(r"^## (\S+) \((\d{4}-\d\d-\d\d)\)$", CHANGELOG, re.M)  # (version, date), newest first
UNRELEASED = re.search(r"^## Unreleased$", CHANGELOG, re.M) is not None


def _text(path: Path) -> str:
    return require(path, "source text").read_text(encoding="utf-8")


def _resolve(name: str) -> str | None:
    wanted = name.lower()
    for d in KB.drugs:
        if wanted in {d.id, d.name.lower(), *(s.lower() for s in d.synonyms)}:
            return d.id
    return None


# ----------------------------------------------------------------------------- release
def test_release() -> None:
    """The release header is the newest release of the knowledgebase changelog, and not dated in the future."""
    assert KB.release.name == "ctdna-annotator bypass-resistance KB"
    assert RELEASES, "no '## <version> (<date>)' heading in knowledgebase/CHANGELOG.md"
    assert (KB.release.version, KB.release.released.isoformat()) == RELEASES[0]
    assert KB.release.released <= dt.date.today()


def test_every_entry_is_cited_and_dated() -> None:
    """Reviewed no earlier than the first release and never in the future (a typo in a year would be); once
    released (no Unreleased section in the changelog), no later than the release date."""
    first_release = dt.date.fromisoformat(RELEASES[-1][1])
    latest = dt.date.today() if UNRELEASED else KB.release.released
    for entries in (KB.genes, KB.drug_classes, KB.drugs, KB.alterations, KB.mechanisms, KB.regimens, KB.trials, [KB.policy]):
        for entry in entries:
            assert entry.sources, entry
            assert first_release <= entry.last_reviewed <= latest, entry


# ----------------------------------------------------------------------------- trials
def test_every_review_nct_is_a_trial() -> None:
    ncts = set(re.findall(r"NCT\d{8}", _text(REVIEW)))
    assert len(ncts) == 20
    assert ncts <= {t.nct_id for t in KB.trials}


def test_no_trial_without_a_source_mention() -> None:
    text = _text(REVIEW) + _text(CAF)
    for t in KB.trials:
        assert t.nct_id and t.nct_id in text, t.id


def test_one_registry_reference_per_trial() -> None:
    for t in KB.trials:
        ref = REFERENCES[t.nct_id]
        assert ref.kind == "trial_registry" and ref.nct_id == t.nct_id
        assert ref.url == f"https://clinicaltrials.gov/study/{t.nct_id}"
        assert any(s.ref == t.nct_id for s in t.sources)


def test_trial_details() -> None:
    assert TRIALS["NCT02143466"].acronym == "TATTON"
    assert len(TRIALS["NCT02143466"].arms) == 2  # savolitinib and selumetinib arms share the number
    assert {t.acronym for t in KB.trials} >= {"TATTON", "SAVANNAH", "ORCHARD", "INSIGHT 2", "TRAEMOS", "CAPTUR", "ELIOS"}
    assert TRIALS["NCT03239340"].design == "observational"
    # Issue 14 curates ERBB2 exon 20 insertions as a driver: the pyrotinib trial for HER2 mutations now enrols them
    # (before, no HER2-mutation alteration existed and it enrolled no biomarker). Still not a resistance study.
    assert TRIALS["NCT03574402"].biomarkers == ["ERBB2_EX20INS"] and TRIALS["NCT03574402"].after.is_empty()
    assert "NOT a TKI-resistance study" in TRIALS["NCT03574402"].setting
    assert "BEFORE resistance" in TRIALS["NCT04743505"].setting
    assert "MET_AMP" in TRIALS["NCT03778229"].biomarkers
    assert TRIALS["NCT04676477"].phase == "1"
    # studies without an NCT number are evidence only
    assert all(t.nct_id for t in KB.trials)


# ----------------------------------------------------------------------------- figures
KEY_FIGURES = [
    ("regimen_osimertinib_savolitinib", "64%"),
    ("regimen_osimertinib_savolitinib", "30%"),
    ("regimen_gefitinib_capmatinib", "47%"),
    ("regimen_gefitinib_capmatinib", "32%"),
    ("regimen_gefitinib_savolitinib", "52%"),
    ("regimen_gefitinib_tepotinib", "67%"),
    ("regimen_gefitinib_buparlisib", "2.8 months"),
    ("regimen_crizotinib_after_alk_tki_met_amp", "7 months"),
    ("regimen_crizotinib_after_alk_tki_met_amp", "10 weeks"),
    ("regimen_lorlatinib_crizotinib", "3 months"),
    ("regimen_selpercatinib_crizotinib", "3.5 to 10 months"),
    ("regimen_divarasib", "53%"),
    ("regimen_divarasib", "13.1 months"),
]


@pytest.mark.parametrize(("regimen", "figure"), KEY_FIGURES, ids=[f"{r}-{f}" for r, f in KEY_FIGURES])
def test_key_figures_verbatim(regimen: str, figure: str) -> None:
    assert any(figure in e.statement for e in REGIMENS[regimen].evidence)


def test_negative_evidence_flagged() -> None:
    assert all(e.negative for e in REGIMENS["regimen_gefitinib_buparlisib"].evidence)
    assert all(e.negative for e in REGIMENS["regimen_selumetinib_docetaxel"].evidence)


def _freqs(mech: str, driver: str) -> set[str]:
    return {f.value for c in MECHANISMS[mech].contexts if c.driver == driver for f in c.frequencies}


def test_key_frequencies() -> None:
    assert {"approximately 5% to 20%", "22%", "5%-22%", "19%", "15%", "26%", "10%-26%"} <= _freqs("MECH_MET_AMP", "EGFR")
    assert {"approximately 15%", "approximately 12%", "22%"} <= _freqs("MECH_MET_AMP", "ALK")
    assert {"15%"} <= _freqs("MECH_MET_AMP", "RET")
    assert {"about 12%", "approximately 13%", "about 3%", "approximately 2%", "approximately 3%"} <= _freqs("MECH_ERBB2_AMP", "EGFR")
    assert {"4%-11%", "2%-11%"} <= _freqs("MECH_PIK3CA", "EGFR")
    assert {"approximately 13%"} <= _freqs("MECH_EGFR_AMP", "MET")
    assert {"44%"} <= _freqs("MECH_EGFR_ACTIVATION", "ALK")
    assert {"approximately 3%"} <= _freqs("MECH_BRAF_V600E", "EGFR")
    assert {"3%-10%"} <= _freqs("MECH_RET_FUSION_BYPASS", "EGFR")


def test_review_numbers_exist_in_the_review() -> None:
    """Every percentage or month figure cited to the review appears in the review text (nothing invented)."""
    text = _text(REVIEW)
    pattern = re.compile(r"\d+(?:\.\d+)?%|\d+(?:\.\d+)? months")
    items = [(f.value + " " + f.population, f.sources) for m in KB.mechanisms for c in m.contexts for f in c.frequencies]
    items += [(e.statement, e.sources) for r in KB.regimens for e in r.evidence]
    checked = 0
    for words, sources in items:
        if all(s.ref != "review" for s in sources):
            continue
        for figure in pattern.findall(words):
            assert figure in text, f"{figure!r} ({words[:60]}...) is not in the review"
            checked += 1
    assert checked > 40


# ----------------------------------------------------------------------------- drugs
@pytest.mark.parametrize(
    ("name", "drug"),
    [
        ("volitinib", "savolitinib"),
        ("wolinib", "savolitinib"),
        ("U3-1402", "patritumab-deruxtecan"),
        ("BKM120", "buparlisib"),
        ("AMG 510", "sotorasib"),
        ("LOXO-292", "selpercatinib"),
        ("BLU-667", "pralsetinib"),
        ("GDC-6036", "divarasib"),
        ("T-DM1", "trastuzumab-emtansine"),
        ("Herceptin", "trastuzumab"),
        ("Enhertu", "trastuzumab-deruxtecan"),
        ("APL-101", "apl-101"),
        ("DS-1205c", "ds-1205c"),
    ],
)
def test_synonyms_resolve(name: str, drug: str) -> None:
    assert _resolve(name) == drug


def test_g12c_drugs_only_answer_kras_g12c() -> None:
    g12c = {d.id for d in KB.drugs if d.allele_specific == "KRAS_G12C"}
    assert g12c == {"sotorasib", "adagrasib", "divarasib"}
    for r in KB.regimens:
        if set(r.drugs) & g12c:
            assert r.answers == ["KRAS_G12C"], r.id


def test_tki_generations() -> None:
    gens = {d.id: {(t.gene, t.generation) for t in d.tki_for} for d in KB.drugs}
    assert gens["gefitinib"] == gens["erlotinib"] == {("EGFR", 1)}
    assert gens["afatinib"] == gens["dacomitinib"] == {("EGFR", 2)}
    assert gens["osimertinib"] == {("EGFR", 3)}
    assert gens["crizotinib"] == {("ALK", 1), ("ROS1", None), ("MET", None)}
    assert gens["ceritinib"] == gens["alectinib"] == gens["brigatinib"] == {("ALK", 2)}
    assert gens["lorlatinib"] == {("ALK", 3), ("ROS1", None)}  # issue 14: also a ROS1 TKI after crizotinib (Lin 2021)
    assert gens["selpercatinib"] == gens["pralsetinib"] == {("RET", None)}
    assert gens["tae684"] == set(), "tool compound, not a therapy"


def test_first_drug_is_the_driver_drug() -> None:
    for r in KB.regimens:
        # Issue 14: a driver's standard regimen may contain no drug targeting it (KRAS G12C first line is platinum
        # chemotherapy with a PD-1 antibody): the order rule is for regimens that contain a drug for their driver.
        if r.driver and len(r.drugs) > 1 and any(r.driver in {t.gene for t in DRUGS[d].tki_for} for d in r.drugs):
            first = DRUGS[r.drugs[0]]
            assert r.driver in {t.gene for t in first.tki_for}, f"{r.id}: {first.id} is not a {r.driver} drug"


def test_class_only_regimens_name_their_classes() -> None:
    for r in KB.regimens:
        if not r.drugs:
            assert r.drug_classes, r.id
    assert "FGFR inhibitor" in REGIMENS["regimen_fgfr_inhibitor_egfr"].drug_classes
    assert "integrin inhibitor" in REGIMENS["regimen_alk_tki_met_integrin_inhibitor"].drug_classes


# ----------------------------------------------------------------------------- alterations / mechanisms
def test_issue2_slice() -> None:
    for aid in ["MET_AMP", "KRAS_G12D", "PIK3CA_E545K", "RET_FUSION", "CCDC6_RET", "KIF5B_RET", "NCOA4_RET",
                "ERC1_RET", "EGFR_L858R", "EGFR_EX19DEL", "ALK_FUSION", "EML4_ALK"]:
        assert aid in ALTERATIONS
    assert ALTERATIONS["MET_AMP"].min_copy_number is None  # the cut-off is a run setting: the review gives none
    assert ALTERATIONS["EGFR_EX19DEL"].kind == "exon_inframe_deletion" and ALTERATIONS["EGFR_EX19DEL"].exon == 19
    assert ALTERATIONS["MET_EX14"].kind == "exon_skipping" and ALTERATIONS["MET_EX14"].driver
    assert ALTERATIONS["KRAS_Q61"].kind == "codon" and ALTERATIONS["KRAS_Q61"].codon == 61
    kras = [m for m in KB.mechanisms if "KRAS_G12D" in m.alterations]
    assert {c.driver for m in kras for c in m.contexts} == {"EGFR", "MET", "RET"}
    assert {c.driver for c in MECHANISMS["MECH_MET_AMP"].contexts} == {"EGFR", "ALK", "RET"}
    assert set(MECHANISMS["MECH_RET_FUSION_BYPASS"].alterations) == {"RET_FUSION", "CCDC6_RET", "KIF5B_RET", "NCOA4_RET", "ERC1_RET"}


def test_driver_flags() -> None:
    drivers = {a.id for a in KB.alterations if a.driver}
    assert {"EGFR_L858R", "EGFR_EX19DEL", "ALK_FUSION", "ROS1_FUSION", "RET_FUSION", "MET_EX14", "KRAS_G12C"} <= drivers
    generic = {a.gene for a in KB.alterations if a.kind == "fusion" and a.driver and a.fusion.gene5 is None}
    for a in KB.alterations:
        if a.kind == "fusion" and a.fusion.gene3 == a.gene and a.gene in generic:
            assert a.driver, f"{a.id}: specific fusion of a driver kinase must be a driver"
    assert not ALTERATIONS["MET_AMP"].driver and not ALTERATIONS["EGFR_T790M"].driver


def test_fusions_are_written_5_to_3() -> None:
    for a in KB.alterations:
        if a.kind == "fusion" and a.fusion.gene5 and a.fusion.gene3:
            assert a.name == f"{a.fusion.gene5}::{a.fusion.gene3}"
            assert a.id == f"{a.fusion.gene5}_{a.fusion.gene3}"


def test_c797s_resistance_context_is_sourced_beyond_the_review() -> None:
    # Issue 14: the review only reports C797S beside MET amplification; its on-target context after third-generation
    # TKIs rests on Thress 2015 and Niederst 2015 (checked records), never on the review alone.
    mechs = [m for m in KB.mechanisms if "EGFR_C797S" in m.alterations]
    assert [m.id for m in mechs] == ["MECH_EGFR_C797S"]
    (ctx,) = mechs[0].contexts
    assert ctx.role == "on_target_resistance" and ctx.after.classes == ["egfr_tki_third_generation"]
    assert {"thress2015_c797s", "niederst2015_c797s_allelic_context"} <= {s.ref for s in mechs[0].sources}


def test_unverified_braf_g15v() -> None:
    assert ALTERATIONS["BRAF_G15V"].unverified


def test_non_dna_mechanisms() -> None:
    for aid in ["MET_OVEREXPRESSION", "AXL_ACTIVATION", "IGF1R_ACTIVATION", "HGF_EXPRESSION", "NRG1_EXPRESSION",
                "EGFR_ACTIVATION", "CAF_HGF_MET_ITGB1"]:
        assert ALTERATIONS[aid].kind == "not_in_plasma_dna", aid
    caf = MECHANISMS["MECH_CAF_HGF_MET_INTEGRIN"]
    assert caf.category == "microenvironment" and {c.driver for c in caf.contexts} == {"ALK"}
    assert REFERENCES["hu2025_scisignal"].doi == "10.1126/scisignal.ads7662"


def test_caf_doi_is_printed_in_the_article() -> None:
    assert REFERENCES["hu2025_scisignal"].doi in _text(CAF)


def test_single_drug_regimens_for_primary_drivers() -> None:
    def answers(drug: str) -> set[str]:
        return {a for r in KB.regimens if r.drugs == [drug] for a in r.answers}

    assert {"RET_FUSION", "KIF5B_RET"} <= answers("selpercatinib") & answers("pralsetinib")
    assert {"EGFR_L858R", "EGFR_EX19DEL", "EGFR_T790M"} <= answers("osimertinib")
    assert "MET_EX14" in answers("capmatinib")
    assert {"ALK_FUSION", "EML4_ALK"} <= answers("alectinib")
    assert REGIMENS["regimen_selpercatinib"].evidence[0].level == "A"
