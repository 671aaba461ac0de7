"""batch: a run of samples where one bad sample never stops the others; resume; cohort summary;
and the Snakemake workflow producing the same reports."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.support.paths import DATA, EXAMPLES, ROOT

GOOD = ["PLASMA_P001_T1", "PLASMA_P002", "PLASMA_P003_T1", "PLASMA_P004"]


@pytest.fixture
def sheet(tmp_path):
    """The examples' sheet plus one broken sample, with paths relative to the sheet's own folder."""
    data = tmp_path / "run"
    data.mkdir()
    for f in EXAMPLES.iterdir():
        if f.is_file():
            shutil.copy(f, data / f.name)
    shutil.copy(DATA / "truncated.vcf.gz", data / "broken.vcf.gz")
    text = (EXAMPLES / "samplesheet.tsv").read_text() + "BROKEN_1\tbroken.vcf.gz\t\t\tosimertinib\t\tNSCLC\n"
    path = data / "samplesheet.tsv"
    path.write_text(text)
    return path


def test_batch_with_a_broken_sample_then_resume(run_cli, sheet, tmp_path):
    out = tmp_path / "out"
    result = run_cli(["batch", sheet, "--outdir", out, "--jobs", "2", "--format", "json,html"])
    assert result.exit_code == 1
    for sample in GOOD:
        assert (out / f"{sample}.json").is_file() and (out / f"{sample}.html").is_file()
    assert not list(out.glob("BROKEN_1.*")) and not list(out.glob(".*part"))
    status = (out / "batch_status.tsv").read_text().splitlines()
    broken = next(line for line in status if line.startswith("BROKEN_1\t"))
    assert "\tfailed\t" in broken and "truncated" in broken
    assert "failed: BROKEN_1:" in result.output
    cohort = (out / "cohort.tsv").read_text()
    assert "PLASMA_P001_T1\tok\tEGFR L858R\tplasma\tosimertinib\tMET\tMET amplification\tbypass_resistance" in cohort
    assert "BROKEN_1\tfailed" in cohort
    html = (out / "cohort.html").read_text()
    assert 'href="PLASMA_P002.html"' in html and "MET amplification" in html and "KRAS G12D" in html

    before = {p.name: p.stat().st_mtime_ns for p in out.glob("PLASMA_*")}
    again = run_cli(["batch", sheet, "--outdir", out, "--jobs", "2", "--format", "json,html", "--resume"])
    assert again.exit_code == 1  # the broken sample is still broken
    assert "4 skipped (up to date)" in again.output
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("PLASMA_*")} == before  # no repeated work


def test_sheet_problems_are_all_reported_before_any_work(run_cli, tmp_path):
    (tmp_path / "a.vcf").write_text("##fileformat=VCFv4.2\n")
    sheet = tmp_path / "s.csv"
    sheet.write_text("sample_id,vcf,colour\nS1,a.vcf,red\nS1,also_missing.vcf,blue\nS2,missing.vcf,green\n")
    out = tmp_path / "out"
    result = run_cli(["batch", sheet, "--outdir", out])
    assert result.exit_code == 2
    message = result.output
    assert "unknown column(s) colour" in message and "duplicate sample_id 'S1'" in message and "missing.vcf" in message
    assert "also_missing.vcf" in message
    assert not out.exists()


def test_workflow_path_is_bundled(run_cli):
    path = run_cli(["workflow-path"]).output.strip()
    assert path.endswith("Snakefile") and os.path.isfile(path)


@pytest.mark.slow
def test_snakemake_workflow_matches_batch(run_cli, tmp_path):
    pytest.importorskip("snakemake")
    sheet = EXAMPLES / "samplesheet.tsv"
    batch_out, smk_out = tmp_path / "batch", tmp_path / "smk"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    # the workflow's jobs call `ctdna-annotator`: make that this source tree, whatever is installed
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "ctdna-annotator"
    exe.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom annotator.cli import main\nmain()\n")
    exe.chmod(0o755)
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(ROOT)
    subprocess.run([str(exe), "batch", str(sheet), "--outdir", str(batch_out), "--jobs", "2", "--format", "json,html"],
                   env=env, check=True, capture_output=True, text=True)
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "--cores", "2", "--directory", str(tmp_path),
         "--config", f"samplesheet={sheet}", f"outdir={smk_out}", "formats=json,html"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    for sample in GOOD:
        assert (smk_out / f"{sample}.json").read_bytes() == (batch_out / f"{sample}.json").read_bytes()
        assert (smk_out / f"{sample}.html").is_file()
    assert (smk_out / "cohort.tsv").read_text() == (batch_out / "cohort.tsv").read_text()
