"""Issue 11, hostile configuration: SOURCE_DATE_EPOCH, special files in --kb, non-http(s) URLs,
shell quoting in the Snakefile, sample ids that collide as file names or hold path/control characters."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
import yaml
from pydantic import ValidationError

from annotator.kb import schema
from annotator.kb.schema import Reference
from annotator.render.html import render_html
from annotator.report import Link, generated_at
from annotator.samplesheet import SampleSheetError, read_samplesheet
from tests.support.mini_kb import G12D, L858R, run
from tests.support.paths import EXAMPLES, KNOWLEDGEBASE, MINI_KB, ROOT

VCF = EXAMPLES / "egfr_l858r_met_amp.vcf.gz"


# --- SOURCE_DATE_EPOCH ---------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "-5", "1e99", "1.5", " 12", "99999999999999999999"])
def test_malformed_source_date_epoch_is_one_error_before_annotate_runs(run_cli, monkeypatch, tmp_path, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    out = tmp_path / "out"
    result = run_cli(["annotate", VCF, "--format", "json", "--outdir", out])
    assert result.exit_code == 2
    assert "SOURCE_DATE_EPOCH" in result.output and repr(value) in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_malformed_source_date_epoch_fails_batch_once_before_any_sample(run_cli, monkeypatch, tmp_path):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "abc")
    out = tmp_path / "out"
    result = run_cli(["batch", EXAMPLES / "samplesheet.tsv", "--outdir", out, "--format", "json", "--jobs", "1"])
    assert result.exit_code == 2
    assert result.output.count("SOURCE_DATE_EPOCH") == 1
    assert not out.exists()


@pytest.mark.parametrize("value, expected", [("0", "1970-01-01T00:00:00Z"), ("1700000000", "2023-11-14T22:13:20Z")])
def test_valid_source_date_epoch_fixes_the_date(monkeypatch, value, expected):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert generated_at() == expected


# --- special files in a --kb folder ---------------------------------------------------------------

# Run in a child with a memory cap and a timeout, so that a regression fails instead of hanging or
# exhausting the machine.
_KB_VERSION = (
    "import resource, sys\n"
    "resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))\n"
    "sys.argv = ['ctdna-annotator', 'kb', 'version', '--kb', sys.argv[1]]\n"
    "from annotator.cli import run\n"
    "run()\n"
)


def _kb_version(kb_dir):
    return subprocess.run([sys.executable, "-c", _KB_VERSION, str(kb_dir)], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.fixture
def kb_copy(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KNOWLEDGEBASE, kb)
    return kb


def test_special_files_beside_the_knowledgebase_files_are_never_opened(kb_copy):
    bundled = _kb_version(KNOWLEDGEBASE)
    assert bundled.returncode == 0, bundled.stderr
    os.mkfifo(kb_copy / "notes.yaml")
    (kb_copy / "zero.yaml").symlink_to("/dev/zero")
    (kb_copy / "sub.yaml").mkdir()
    proc = _kb_version(kb_copy)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == bundled.stdout  # same content hash: only the knowledgebase's own files count


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "directory"])
def test_a_knowledgebase_file_that_is_not_a_regular_file_is_refused(kb_copy, kind):
    target = kb_copy / "trials.yaml"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev_zero":
        target.symlink_to("/dev/zero")
    else:
        target.mkdir()
    proc = _kb_version(kb_copy)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "trials.yaml" in lines[0] and "not a regular file" in lines[0], proc.stderr


def test_an_oversized_knowledgebase_file_is_refused(kb_copy):
    with open(kb_copy / "drugs.yaml", "r+b") as fh:
        fh.truncate(16 * 1024 * 1024 + 1)  # sparse: costs no disk
    proc = _kb_version(kb_copy)
    assert proc.returncode == 2
    assert "drugs.yaml" in proc.stderr and "16 MB" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_symlink_to_a_regular_file_is_followed(kb_copy, tmp_path):
    real = tmp_path / "elsewhere.yaml"
    shutil.move(kb_copy / "drugs.yaml", real)
    (kb_copy / "drugs.yaml").symlink_to(real)
    proc = _kb_version(kb_copy)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == _kb_version(KNOWLEDGEBASE).stdout


# --- URLs ----------------------------------------------------------------------------------------

BAD_URLS = ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
            "data:text/html,<script>alert(1)</script>", "vbscript:x", "//evil.example/x", "/etc/passwd",
            "https:evil", "https://", "https://ex ample.org", "file:///etc/passwd", "ftp://example.org/x"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_schema_accepts_only_http_urls(url):
    assert not schema.is_http_url(url)
    with pytest.raises(ValidationError, match="http"):
        Reference.model_validate({"id": "R", "kind": "web", "citation": "c", "url": url})


@pytest.mark.parametrize("url", ["https://pubmed.ncbi.nlm.nih.gov/1/", "HTTP://example.org", "http://example.org:8080/a?b=c#d"])
def test_schema_keeps_http_urls(url):
    assert schema.is_http_url(url)
    assert Reference.model_validate({"id": "R", "kind": "web", "citation": "c", "url": url}).url == url


def test_kb_validate_lists_a_javascript_url_with_the_other_problems(run_cli, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(MINI_KB, kb)
    refs = yaml.safe_load((kb / "references.yaml").read_text())
    refs.append({"id": "evil", "kind": "web", "citation": "Evil", "url": "javascript:alert(document.domain)"})
    refs.append({"id": "evil2", "kind": "web", "citation": "Evil 2", "url": "data:text/html,x"})
    (kb / "references.yaml").write_text(yaml.safe_dump(refs))
    result = run_cli(["kb", "validate", kb])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(line.startswith("references.yaml: evil: url:") and "http" in line for line in lines), result.output
    assert any(line.startswith("references.yaml: evil2: url:") for line in lines), result.output


@pytest.fixture
def report(write, mini_kb):
    return run(write, mini_kb, [L858R, G12D], cnv="MET\t8\n", prior=["osimertinib"])


def test_renderer_drops_non_http_hrefs_from_a_model_that_bypassed_validation(report):
    assert report.mechanism_options and report.trials and report.kb_entries
    evil = "javascript:alert(1)"
    bad = Link.model_construct(label="EVIL LINK", url=evil)
    therapies = [t.model_copy(update={"references": [bad, *t.references],
                                      "evidence": [e.model_copy(update={"references": [bad]}) for e in t.evidence]})
                 for t in report.mechanism_options]
    trials = [t.model_copy(update={"url": evil}) for t in report.trials]
    kb_entries = [e.model_copy(update={"sources": [bad]}) for e in report.kb_entries]
    hostile = report.model_copy(update={"mechanism_options": therapies, "trials": trials, "kb_entries": kb_entries})
    html = render_html(hostile)
    assert "javascript:" not in html.lower()
    assert "EVIL LINK" in html  # the label stays, as text
    assert trials[0].nct_id in html
    assert 'href="https://' in render_html(report)  # good links are still links


def test_cohort_page_links_only_local_report_files():
    from annotator.render.html import environment

    template = environment().get_template("cohort.html.j2")
    fields = {"status": "ok", "message": "", "driver": "EGFR", "prior": "osimertinib", "findings": []}
    samples = [{"sample_id": "S1", "report": "S1.html", **fields}, {"sample_id": "S2", "report": "javascript:alert(1)", **fields}]
    html = template.render(samples=samples, n_ok=2, n_failed=0, mechanisms=[], contexts=[])
    assert 'href="S1.html"' in html and "javascript:" not in html


# --- sample ids ----------------------------------------------------------------------------------


def _sheet(tmp_path, text, name="s.csv"):
    shutil.copy(VCF, tmp_path / "a.vcf.gz")
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def _problems(path):
    with pytest.raises(SampleSheetError) as info:
        read_samplesheet(path)
    return info.value.problems


def test_ids_that_sanitize_to_one_file_name_are_refused_naming_both_lines(tmp_path):
    sheet = _sheet(tmp_path, "# a comment line\nsample_id,vcf\nP_1,a.vcf.gz\nP 1,a.vcf.gz\nok,a.vcf.gz\nOK,a.vcf.gz\nS9,missing.vcf\n")
    problems = _problems(sheet)
    assert any("line 4" in p and "'P 1'" in p and "'P_1'" in p and "line 3" in p for p in problems), problems
    assert any("line 6" in p and "'OK'" in p and "'ok'" in p and "line 5" in p for p in problems), problems
    assert any("line 7" in p and "missing.vcf" in p for p in problems), problems  # with the others, all at once
    assert len(problems) == 3


@pytest.mark.parametrize("sid", ["a/b", "..", "x..y", "a\\b", "a\x01b", "a\x7fb", "a\u202eb", "a\u2028b"])
def test_ids_with_path_or_control_characters_are_refused_at_sheet_validation(tmp_path, sid):
    sheet = _sheet(tmp_path, f'sample_id,vcf\ngood,a.vcf.gz\n"{sid}",a.vcf.gz\n')
    problems = _problems(sheet)
    assert len(problems) == 1 and problems[0].startswith("line 3:") and "sample_id" in problems[0], problems
    assert "--sample-id" not in problems[0]
    assert repr(sid) in problems[0], problems


@pytest.mark.parametrize("name, text", [
    ("s.csv", 'sample_id,vcf\n"P\n1",a.vcf.gz\nlast,missing.vcf\n'),
    ("s.tsv", 'sample_id\tvcf\n"P\t1"\ta.vcf.gz\nlast\tmissing.vcf\n'),
    ("s.csv", 'sample_id,vcf\n"P\r\n1",a.vcf.gz\nlast,missing.vcf\n'),
])
def test_quoted_cells_with_tab_or_newline_are_refused_with_true_line_numbers(tmp_path, name, text):
    problems = _problems(_sheet(tmp_path, text, name))
    assert len(problems) == 2, problems
    assert problems[0].startswith("line 2:") and "sample_id" in problems[0]
    # the quoted newline spans two physical lines: the next record starts on line 4
    last = 4 if "\n1" in text else 3
    assert problems[1].startswith(f"line {last}:") and "missing.vcf" in problems[1], problems


def test_batch_reports_bad_ids_as_sheet_problems_before_any_work(run_cli, tmp_path):
    sheet = _sheet(tmp_path, "sample_id,vcf\nP_1,a.vcf.gz\nP 1,a.vcf.gz\n../x,a.vcf.gz\n")
    out = tmp_path / "out"
    result = run_cli(["batch", sheet, "--outdir", out, "--format", "json", "--jobs", "1"])
    assert result.exit_code == 2
    assert "line 3" in result.output and "line 4" in result.output and "--sample-id" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


# --- Snakefile -----------------------------------------------------------------------------------


def _shim(tmp_path):
    """A `ctdna-annotator` on PATH that runs this source tree, as the workflow's jobs call it."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "ctdna-annotator"
    exe.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom annotator.cli import run\nrun()\n")
    exe.chmod(0o755)
    return {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
            "SOURCE_DATE_EPOCH": "1700000000"}


def _snakemake(tmp_path, env, config):
    configfile = tmp_path / "config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "--cores", "1",
         "--directory", str(tmp_path / "work"), "--configfile", str(configfile)],
        env=env, capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )


@pytest.mark.slow
def test_snakefile_quotes_every_config_value(tmp_path):
    pytest.importorskip("snakemake")
    env = _shim(tmp_path)
    hostile = tmp_path / "it's $(touch PWNED) `touch PWNED` '; touch PWNED; '"
    hostile.mkdir()
    kb = hostile / "kb's"
    shutil.copytree(KNOWLEDGEBASE, kb)
    shutil.copy(VCF, hostile / "a.vcf.gz")
    sheet = hostile / "sheet's.tsv"
    sheet.write_text("sample_id\tvcf\tprior_therapy\nP1\ta.vcf.gz\tosimertinib\n")
    thresholds = hostile / "cnv's.yaml"
    thresholds.write_text("{}\n")
    out = hostile / "out's"
    proc = _snakemake(tmp_path, env, {"samplesheet": str(sheet), "outdir": str(out), "formats": ["json"],
                                      "kb": str(kb), "cnv_thresholds": str(thresholds), "call_thresholds": str(thresholds)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "P1.json").is_file() and (out / "cohort.tsv").is_file()
    assert not any(p.name == "PWNED" for p in tmp_path.rglob("*"))


@pytest.mark.slow
def test_snakefile_refuses_an_injected_format_and_colliding_ids(tmp_path):
    pytest.importorskip("snakemake")
    env = _shim(tmp_path)
    shutil.copy(VCF, tmp_path / "a.vcf.gz")
    sheet = tmp_path / "s.tsv"
    sheet.write_text("sample_id\tvcf\nP1\ta.vcf.gz\n")
    proc = _snakemake(tmp_path, env, {"samplesheet": str(sheet), "outdir": str(tmp_path / "out"), "formats": "json; touch PWNED"})
    assert proc.returncode != 0
    assert "unknown --format" in proc.stderr
    sheet.write_text("sample_id\tvcf\nP_1\ta.vcf.gz\nP 1\ta.vcf.gz\n")
    proc = _snakemake(tmp_path, env, {"samplesheet": str(sheet), "outdir": str(tmp_path / "out"), "formats": "json"})
    assert proc.returncode != 0
    assert "'P 1'" in proc.stderr and "line 3" in proc.stderr
    assert not (tmp_path / "out").exists()
    assert not any(p.name == "PWNED" for p in tmp_path.rglob("*"))
