"""Bad input: one line naming the file (and line), exit status 2, no traceback, no output file.

The cases run the console entry point in-process (the ``console`` fixture: click's CliRunner on
``annotator.cli.run``, fd 2 included, see tests/support/cli.py); one smoke test runs the installed script.
"""

from __future__ import annotations

import pytest

from tests.support.cli import assert_clean_failure, console_subprocess
from tests.support.inputs import mutect2_vcf
from tests.support.paths import DATA, MINI_KB

GOOD = "chr12 25245350 C T PASS 0/0:500,0:0.0:500 0/1:985,15:0.015:1000"


@pytest.mark.parametrize(
    "fixture, needles",
    [
        ("truncated.vcf.gz", ["truncated.vcf.gz", "truncated"]),
        ("no_header.vcf", ["no_header.vcf:1:", "not a VCF"]),
        ("no_chrom_line.vcf", ["no_chrom_line.vcf:", "#CHROM"]),
        ("short_record.vcf", ["short_record.vcf:", "columns"]),
        ("nonnumeric_pos.vcf", ["nonnumeric_pos.vcf:", "POS"]),
        ("garbage.bin", ["garbage.bin", "not a VCF"]),
        ("no_build.vcf", ["no_build.vcf", "--genome"]),
        ("contradicting_build.vcf", ["contradicting_build.vcf", "contradicts"]),
        ("two_tumor_candidates.vcf", ["two_tumor_candidates.vcf", "--tumor-sample", "S1, S2"]),
        ("af_wrong_count.vcf", ["af_wrong_count.vcf:9:", "FORMAT AF has 2 value(s) for 1 ALT allele(s)"]),
    ],
)
def test_bad_vcf(console, tmp_path, fixture, needles):
    path = DATA / fixture
    if not path.exists():
        pytest.fail(f"fixture {path} is missing")
    outdir = tmp_path / "out"
    proc = console(["annotate", path, "--kb", MINI_KB, "--outdir", outdir, "--format", "json,html"], tmp_path)
    assert_clean_failure(proc, outdir, *needles)


def test_missing_file(console, tmp_path):
    outdir = tmp_path / "out"
    proc = console(["annotate", tmp_path / "absent.vcf", "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, "absent.vcf", "not found")


def test_cnv_with_non_numeric_copy_number_names_line(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    cnv = write("bad.cnv.tsv", "gene\tcopy_number\nEGFR\t2.0\nMET\thigh\n")
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, "--cnv", cnv, "--kb", MINI_KB, "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, "bad.cnv.tsv:3:", "'high' is not a number")


def test_negative_copy_number(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    cnv = write("neg.cnv.tsv", "gene\tcopy_number\nMET\t-1\n")
    outdir = tmp_path / "out"
    assert_clean_failure(console(["annotate", vcf, "--cnv", cnv, "--kb", MINI_KB, "--outdir", outdir], tmp_path), outdir, "neg.cnv.tsv:2:", "below zero")


def test_fusion_file_without_header(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    fus = write("f.tsv", "KIF5B\tRET\t42\n")
    outdir = tmp_path / "out"
    assert_clean_failure(console(["annotate", vcf, "--fusions", fus, "--kb", MINI_KB, "--outdir", outdir], tmp_path), outdir, "f.tsv", "gene5")


def test_unknown_genome(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    outdir = tmp_path / "out"
    assert_clean_failure(console(["annotate", vcf, "--genome", "hg18", "--kb", MINI_KB, "--outdir", outdir], tmp_path), outdir, "hg18", "GRCh37")


def test_genome_flag_contradicting_header(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    outdir = tmp_path / "out"
    assert_clean_failure(console(["annotate", vcf, "--genome", "hg19", "--kb", MINI_KB, "--outdir", outdir], tmp_path), outdir, "contradicts", "GRCh38")


def test_path_traversal_sample_id_is_refused_and_nothing_written_outside(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    outdir = work / "out"
    before = sorted(p for p in tmp_path.rglob("*"))
    proc = console(["annotate", vcf, "--sample-id", "../../x", "--kb", MINI_KB, "--outdir", outdir], work)
    assert_clean_failure(proc, outdir, "--sample-id", "'../../x'")
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_unknown_tumor_sample_lists_columns(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, "--tumor-sample", "NOPE", "--kb", MINI_KB, "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, "'NOPE'", "NORMAL_1, PLASMA_1")


def test_unknown_format(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    outdir = tmp_path / "out"
    assert_clean_failure(console(["annotate", vcf, "--format", "docx", "--kb", MINI_KB, "--outdir", outdir], tmp_path), outdir, "docx")


def test_broken_knowledgebase_is_refused_before_any_output(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    kb = tmp_path / "kb"
    kb.mkdir()
    for f in MINI_KB.iterdir():
        (kb / f.name).write_text(f.read_text().replace("drugs: [osimertinib, savolitinib]", "drugs: [osimertinib, nosuchdrug]"))
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, "--kb", kb, "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, "regimens.yaml: osimertinib_savolitinib: unknown drug id 'nosuchdrug'")


@pytest.mark.parametrize(
    "option, fixture, needles",
    [
        ("--cnv", "cnv/bad_missing_log2_grch38.cns", ["bad_missing_log2_grch38.cns:1:", "unrecognized copy-number format"]),
        ("--cnv", "cnv/bad_past_chr7_end_grch38.cns", ["bad_past_chr7_end_grch38.cns:", "ends past chr7"]),
        ("--cnv", "cnv/bad_negative_copy_number.cnv.tsv", ["bad_negative_copy_number.cnv.tsv:3:", "below zero"]),
        ("--fusions", "fusions/bad_unrecognized_header.tsv", ["bad_unrecognized_header.tsv:1:", "no recognizable fusion header"]),
    ],
)
def test_bad_cnv_and_fusion_files(console, tmp_path, write, option, fixture, needles):
    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, option, DATA / fixture, "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, *needles)


def test_installed_script_smoke(tmp_path, write):
    """The one test of the real console entry point in a child process: a truncated BGZF file (htslib writes
    to file descriptor 2 of that process) is refused in one line, and a good file gets its report."""
    outdir = tmp_path / "out"
    proc = console_subprocess(["annotate", DATA / "truncated.vcf.gz", "--kb", MINI_KB, "--outdir", outdir, "--format", "json"], tmp_path)
    assert_clean_failure(proc, outdir, "truncated.vcf.gz", "truncated")

    vcf = write("s.vcf", mutect2_vcf([GOOD]))
    proc = console_subprocess(["annotate", vcf, "--kb", MINI_KB, "--outdir", outdir, "--format", "json"], tmp_path)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout.splitlines() == [str(outdir / "PLASMA_1.json")]
    assert (outdir / "PLASMA_1.json").is_file()
