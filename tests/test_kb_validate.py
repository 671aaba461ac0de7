"""`kb validate` passes on the shipped knowledgebase and names each problem of a broken copy precisely."""

from __future__ import annotations

import shutil

import pytest

from annotator.kb.table import knowledgebase_markdown
from tests.support.paths import EXAMPLES, KNOWLEDGEBASE, ROOT

MET_WINDOWS = "splice_windows: {donor_exonic: 3, donor_intronic: 10, acceptor_intronic: 25, acceptor_exonic: 1}"


def broken_copy(tmp_path, file: str, old: str, new: str, count: int = 1):
    dest = tmp_path / "kb"
    shutil.copytree(KNOWLEDGEBASE, dest)
    text = (dest / file).read_text()
    assert old in text, f"{old!r} not in {file}: update this test to the curated data"
    (dest / file).write_text(text.replace(old, new, count))
    return dest


def test_shipped_knowledgebase_is_valid(run_cli):
    result = run_cli(["kb", "validate"])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output


@pytest.mark.parametrize(
    "file, old, new, message",
    [
        ("regimens.yaml", "drugs: [osimertinib, savolitinib]", "drugs: [osimertinib, savolitinibb]",
         "regimens.yaml: regimen_osimertinib_savolitinib: unknown drug id 'savolitinibb'"),
        ("regimens.yaml", "{level: C, type: phase1b, statement: \"TATTON", "{level: E, type: phase1b, statement: \"TATTON",
         "regimens.yaml: regimen_osimertinib_savolitinib: evidence level 'E' is not in the evidence scale (policy.yaml: ['A', 'B', 'C', 'D'])"),
        ("genes.yaml", '    GRCh38: {chrom: "12", start: 25209795, end: 25245384}\n', "",
         "genes.yaml: KRAS: location.GRCh38: Field required"),
        ("regimens.yaml", "answers: [MET_AMP, MET_OVEREXPRESSION]", "answers: [MET_AMPLIFIED, MET_OVEREXPRESSION]",
         "regimens.yaml: regimen_osimertinib_savolitinib: unknown alteration id 'MET_AMPLIFIED'"),
        ("regimens.yaml", "- id: regimen_osimertinib_savolitinib", "- id: regimen_gefitinib",
         "regimens.yaml: regimen_gefitinib: duplicate id"),
        ("regimens.yaml", 'sources: [{ref: review, section: "4.1"}]}', 'sources: [{ref: the_review, section: "4.1"}]}',
         "unknown reference id 'the_review'"),
        ("trials.yaml", "nct_id: NCT03778229", "nct_id: NCT0377822",
         "trials.yaml: NCT03778229: nct_id: String should match pattern"),
        # MET exon 14 splice windows: required for exon_skipping, forbidden elsewhere, whole bases >= 0
        ("alterations.yaml", f"  {MET_WINDOWS}\n", "",
         "alterations.yaml: MET_EX14: (entry): Value error, kind 'exon_skipping' needs field 'splice_windows'"),
        ("alterations.yaml", "donor_intronic: 10,", "",
         "alterations.yaml: MET_EX14: splice_windows.donor_intronic: Field required"),
        ("alterations.yaml", "donor_intronic: 10,", "donor_intronic: -2,",
         "alterations.yaml: MET_EX14: splice_windows.donor_intronic: Input should be greater than or equal to 0"),
        ("alterations.yaml", "donor_intronic: 10,", "donor_intronic: 2.5,",
         "alterations.yaml: MET_EX14: splice_windows.donor_intronic: Input should be a valid integer"),
        ("alterations.yaml", "donor_intronic: 10,", "donor_intronic: '10',",
         "alterations.yaml: MET_EX14: splice_windows.donor_intronic: Input should be a valid integer"),
        ("alterations.yaml", "donor_intronic: 10,", "donor_intronic: 10, intronic: 3,",
         "alterations.yaml: MET_EX14: splice_windows.intronic: Extra inputs are not permitted"),
        ("alterations.yaml", "acceptor_exonic: 1}", "acceptor_exonic: 142}",
         "alterations.yaml: MET_EX14: splice_windows.acceptor_exonic 142 is longer than exon 14 (141 bases)"),
        ("alterations.yaml", "  kind: amplification\n", f"  kind: amplification\n  {MET_WINDOWS}\n",
         "alterations.yaml: EGFR_AMP: (entry): Value error, splice_windows is only for kind 'exon_skipping', not kind 'amplification'"),
        # tumor types of the release
        ("release.yaml", "tumor_types:\n", "tumor_typez:\n", "release.yaml: release: tumor_types: Field required"),
        ("release.yaml", "  - id: NSCLC\n", "  - id: NSCLC lung\n",
         "release.yaml: release: tumor_types.0.id: String should match pattern"),
        ("release.yaml", "lung adenocarcinoma]\n", "lung adenocarcinoma]\n  - {id: LUAD, name: Lung_Adenocarcinoma}\n",
         "release.yaml: release: (entry): Value error, tumor type name 'lung adenocarcinoma' of 'LUAD' is already used by 'NSCLC'"),
    ],
)
def test_broken_copies_fail_with_precise_messages(tmp_path, run_cli, file, old, new, message):
    bad = broken_copy(tmp_path, file, old, new)
    result = run_cli(["kb", "validate", bad])
    assert result.exit_code != 0
    assert message in result.output, result.output


def test_all_problems_are_reported_at_once(tmp_path, run_cli):
    bad = broken_copy(tmp_path, "regimens.yaml", "drugs: [osimertinib, savolitinib]", "drugs: [nodrug1, nodrug2]")
    result = run_cli(["kb", "validate", bad])
    assert "'nodrug1'" in result.output and "'nodrug2'" in result.output
    assert "2 problem(s)" in result.output


def test_window_and_tumor_type_problems_are_listed_with_the_others(tmp_path, run_cli):
    bad = broken_copy(tmp_path, "alterations.yaml", f"  {MET_WINDOWS}\n", "")
    release = bad / "release.yaml"
    release.write_text(release.read_text().replace("tumor_types:\n", "tumor_typez:\n"))
    result = run_cli(["kb", "validate", bad])
    assert result.exit_code != 0
    assert "MET_EX14: (entry): Value error, kind 'exon_skipping' needs field 'splice_windows'" in result.output
    assert "release.yaml: release: tumor_types: Field required" in result.output
    assert "release.yaml: release: tumor_typez: Extra inputs are not permitted" in result.output
    assert "3 problem(s)" in result.output


def test_shipped_tumor_types_and_lookup(shipped_kb):
    (nsclc,) = shipped_kb.release.tumor_types
    assert (nsclc.id, nsclc.name) == ("NSCLC", "non-small cell lung cancer")
    for name in ("NSCLC", "nsclc", " Non-Small-Cell  Lung Cancer ", "non_small_cell_lung_cancer",
                 "non-small cell lung carcinoma", "Lung adenocarcinoma"):
        assert shipped_kb.tumor_type(name) is nsclc, name
    for name in ("breast cancer", "lung cancer", "small cell lung cancer", "NSCL", "", "NSCLC NSCLC"):
        assert shipped_kb.tumor_type(name) is None, name
    assert shipped_kb.release.tumor_type_labels() == ["NSCLC (non-small cell lung cancer)"]


def test_a_g12c_drug_answering_another_allele_is_refused(tmp_path, run_cli):
    bad = broken_copy(tmp_path, "regimens.yaml", "drugs: [osimertinib, savolitinib]", "drugs: [osimertinib, sotorasib]")
    result = run_cli(["kb", "validate", bad])
    assert "sotorasib is specific to KRAS_G12C" in result.output


def test_a_regimen_offering_the_failed_drug_alone_is_refused(tmp_path, run_cli):
    bad = broken_copy(tmp_path, "regimens.yaml", "drugs: [osimertinib, savolitinib]", "drugs: [osimertinib]")
    result = run_cli(["kb", "validate", bad])
    assert "regimen_osimertinib_savolitinib: offers osimertinib alone against MET_AMP (MECH_MET_AMP), but osimertinib does not target MET" in result.output


def test_annotate_refuses_a_broken_kb_given_with_kb(tmp_path, run_cli):
    bad = broken_copy(tmp_path, "drugs.yaml", "- id: osimertinib", "- id: Osimertinib")
    vcf = EXAMPLES / "kif5b_ret.vcf.gz"
    result = run_cli(["annotate", vcf, "--kb", bad, "--outdir", tmp_path / "out"])
    assert result.exit_code == 2
    assert "knowledgebase" in result.output and "drugs.yaml: Osimertinib" in result.output
    assert not (tmp_path / "out").exists()


def test_version_list_show(run_cli, shipped_kb):
    version = run_cli(["kb", "version"]).output
    assert f"{shipped_kb.release.name} {shipped_kb.release.version} sha256:{shipped_kb.sha256}" in version
    assert "MECH_MET_AMP" in run_cli(["kb", "list", "mechanisms"]).output
    assert "savolitinib" in run_cli(["kb", "list", "drugs"]).output
    assert "NCT03778229" in run_cli(["kb", "list", "trials"]).output
    shown = run_cli(["kb", "show", "NCT03778229"]).output
    assert "SAVANNAH" in shown
    missing = run_cli(["kb", "show", "NOPE"])
    assert missing.exit_code == 2 and "no knowledgebase entry" in missing.output


def test_docs_table_is_generated_from_the_knowledgebase(shipped_kb):
    published = (ROOT / "docs" / "knowledgebase.md").read_text()
    assert published == knowledgebase_markdown(shipped_kb), "regenerate: ctdna-annotator kb table > docs/knowledgebase.md"
