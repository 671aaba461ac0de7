"""The PDF as a reader gets it: A4 pages rendered to PNG, page count bounds, findings in the text layer."""

from __future__ import annotations

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
    result = run_cli(["annotate", EXAMPLES / f"{name}.vcf.gz", *extra, "--format", "pdf", "--outdir", tmp_path])
    assert result.exit_code == 0, result.output
    pdf = tmp_path / f"{sample}.pdf"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 2 <= len(pages) <= 12, len(pages)  # the plasma reading and the negatives (issues 16, 17) added pages; issue 18 shortens the print
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
