"""The PDF as a reader gets it: A4 pages rendered to PNG, page count bounds, findings in the text layer; what the
print shortens it says it shortens, and the HTML and JSON keep in full."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from tests.support.paths import EXAMPLES

pytestmark = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("pdftotext")), reason="poppler-utils not installed")
CASES = {
    "egfr_l858r_met_amp": (["--cnv", EXAMPLES / "egfr_l858r_met_amp.cnv.tsv", "--prior-therapy", "osimertinib"], "PLASMA_P001_T1",
                           ["EGFR L858R", "MET amplification", "osimertinib + savolitinib", "NCT03778229"]),
    "egfr_ex19del_kras_pik3ca": (["--cnv", EXAMPLES / "egfr_ex19del_kras_pik3ca.cnv.tsv", "--prior-therapy", "osimertinib"], "PLASMA_P002",
                                 ["EGFR exon 19 deletion", "KRAS G12D", "PIK3CA E545K"]),
    "kif5b_ret": (["--cnv", EXAMPLES / "kif5b_ret.cnv.tsv", "--fusions", EXAMPLES / "kif5b_ret.fusions.tsv"], "PLASMA_P003_T1",
                  ["KIF5B::RET", "selpercatinib", "pralsetinib"]),
    "no_findings": (["--prior-therapy", "osimertinib", "--driver", "EGFR L858R"], "PLASMA_P004",
                    ["This plasma sample is not informative for resistance", "tissue re-biopsy", "cannot exclude"]),
}


@pytest.mark.parametrize("name", CASES)
def test_pdf_pages(run_cli, tmp_path, name):
    extra, sample, texts = CASES[name]
    result = run_cli(["annotate", EXAMPLES / f"{name}.vcf.gz", *extra, "--format", "json,html,pdf", "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / f"{sample}.pdf"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 2 <= len(pages) <= 9, len(pages)  # issue 18: 4-8 pages (were 5-10): fixed-layout tables, setting-only trials in short
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.276 x 841.89" in info or "595.28 x 841.89" in info
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for wanted in texts:
        assert wanted.lower() in flat.lower(), wanted
    assert f"Page 1 of {len(pages)}" in flat and f"Page {len(pages)} of {len(pages)}" in flat
    first = subprocess.run(["pdftotext", "-l", "1", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "summary" in first.lower() and "research use only" in first.lower()  # page 1 opens on the summary
    assert flat.count(sample) >= len(pages)  # the running header names the sample on every page
    assert flat.count("Research use only") >= len(pages)  # and the footer says what the report is for


def _pdf_text(pdf):
    return " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())


@pytest.mark.parametrize("name", ["egfr_l858r_met_amp", "no_findings"])
def test_print_says_what_it_shortens_and_names_every_trial(run_cli, tmp_path, name):
    extra, sample, _ = CASES[name]
    result = run_cli(["annotate", EXAMPLES / f"{name}.vcf.gz", *extra, "--format", "json,html,pdf", "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / f"{sample}.json").read_text())
    html = (tmp_path / f"{sample}.html").read_text()
    text = _pdf_text(tmp_path / f"{sample}.pdf")
    setting = report["setting_trials"]
    assert setting, "the example has trials that enrol by setting alone"
    for trial in [*report["trials"], *setting]:  # every trial still named on paper
        assert (trial["nct_id"] or trial["id"]) in text, trial["id"]
    n = len(setting)
    shortened = f"Shortened in print: each of these {n} trial{'' if n == 1 else 's'} with its arms, phase and status only."
    assert shortened in text and "The HTML and JSON reports list them in full" in text
    assert "Shortened in print" not in html  # the screen report lists them in full, with titles
    for trial in setting:
        assert trial["title"] in html
    # the negatives: on paper grouped by status and reason, each one's numbers in the HTML and the JSON
    if report["negatives"]:
        assert "each one's numbers" in text and "are in the HTML report" in text
        assert "Each alteration with its numbers" in html and "Each alteration with its numbers" not in text
    assert "Research use only" in text


def test_print_keeps_that_not_curated_is_not_no_meaning(run_cli, tmp_path):
    """"Not curated" must never read as "no meaning", on paper too."""
    from annotator.render import pdf
    from annotator.report import ReportModel

    result = run_cli(["annotate", EXAMPLES / "no_findings.vcf.gz", *CASES["no_findings"][0], "--format", "json,pdf", "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    report = ReportModel.model_validate_json((tmp_path / "PLASMA_P004.json").read_text())
    assert not report.standard_options
    assert "(this does not mean none exists)" in _pdf_text(tmp_path / "PLASMA_P004.pdf")
    uncurated = report.model_copy(update={"summary": report.summary.model_copy(update={"uncurated": ["BRAF D594G"]})})
    path = tmp_path / "uncurated.pdf"
    path.write_bytes(pdf.render(uncurated))
    text = _pdf_text(path)
    assert "BRAF D594G: in a driver or resistance gene, but not curated in this context" in text
    assert "This is not evidence that it has no meaning" in text
