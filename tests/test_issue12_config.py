"""Issue 12, one run configuration: ``annotate`` and every sample-sheet row build the same validated,
frozen ``RunConfig`` and refuse a bad value with the same words (options named ``--ploidy`` there,
``line N: ploidy`` here); every problem of a sheet is reported at once; the tumor type is checked
against the knowledgebase's tumor types before any input is read; the copy-number plausibility cut is
a threshold."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import get_args

import pydantic
import pytest

from annotator.config import (
    DEFAULT_TUMOR_TYPE,
    CnvThresholds,
    OutputFormat,
    RunConfig,
    SampleOptions,
    cli_name,
    validate_options,
)
from annotator.copynumber import TumorFraction, interpret_gene
from annotator.errors import InputError
from annotator.models import GeneCopyNumber
from annotator.samplesheet import SampleSheetError, read_samplesheet
from tests.support.inputs import mutect2_vcf
from tests.support.paths import MINI_KB, ROOT

L858R = "chr7 55191822 T G PASS 0/0:600,0:0.0:600 0/1:2970,30:0.01:3000"


@pytest.fixture
def vcf(write):
    return write("s.vcf", mutect2_vcf([L858R]))


def _sheet(write, rows: list[dict[str, str]], name: str = "s.tsv"):
    columns = list(dict.fromkeys(k for row in rows for k in row))
    lines = ["\t".join(columns)] + ["\t".join(row.get(c, "") for c in columns) for row in rows]
    return write(name, "\n".join(lines) + "\n")


def _cli_problem(run_cli, vcf, tmp_path, *args) -> str:
    out = tmp_path / "out_cli"
    result = run_cli(["annotate", vcf, *args, "--format", "json", "--outdir", out])
    assert result.exit_code == 2, result.output
    assert not out.exists() or not any(out.iterdir())
    return result.output


def _batch_problem(run_cli, sheet, tmp_path) -> str:
    out = tmp_path / "out_batch"
    result = run_cli(["batch", sheet, "--format", "json", "--outdir", out])
    assert result.exit_code == 2, result.output
    assert not out.exists(), list(out.iterdir())  # refused before any work: not even the folder
    return result.output


# --- the two drifts of the issue -------------------------------------------------------------------

def test_ploidy_zero_is_refused_in_a_sheet_as_on_the_command_line(run_cli, write, vcf, tmp_path):
    cli = _cli_problem(run_cli, vcf, tmp_path, "--ploidy", "0")
    assert "--ploidy '0' is outside 0.5-10" in cli
    sheet = _sheet(write, [{"sample_id": "S1", "vcf": "s.vcf", "ploidy": "0"}])
    batch = _batch_problem(run_cli, sheet, tmp_path)
    assert "s.tsv: 1 problem(s): line 2: ploidy '0' is outside 0.5-10" in batch


def test_unknown_tumor_type_is_refused_listing_the_knowledgebase_ones(run_cli, write, vcf, tmp_path):
    cli = _cli_problem(run_cli, vcf, tmp_path, "--tumor-type", "breast cancer")
    assert re.search(r"--tumor-type 'breast cancer' is not a knowledgebase tumor type; choose from NSCLC\b", cli), cli
    sheet = _sheet(write, [
        {"sample_id": "S1", "vcf": "s.vcf", "tumor_type": "breast cancer"},
        {"sample_id": "S2", "vcf": "s.vcf", "tumor_type": "NSCLC"},
        {"sample_id": "S3", "vcf": "s.vcf", "tumor_type": "melanoma"},
    ])
    batch = _batch_problem(run_cli, sheet, tmp_path)
    assert "2 problem(s)" in batch, batch  # every row at once, before any sample runs
    assert re.search(r"line 2: tumor_type 'breast cancer' is not a knowledgebase tumor type; choose from NSCLC\b", batch), batch
    assert "line 4: tumor_type 'melanoma' is not a knowledgebase tumor type" in batch


def test_tumor_type_matches_the_knowledgebase_ignoring_case(run_cli, vcf, tmp_path):
    out = tmp_path / "out"
    result = run_cli(["annotate", vcf, "--tumor-type", "nsclc", "--format", "json", "--outdir", out])
    assert result.exit_code == 0, result.output


def test_run_batch_alone_refuses_an_unknown_tumor_type_per_sample(write, vcf, tmp_path):
    """Callers of run_batch skip the command's check of every row; the sample still fails, named."""
    from annotator.batch import BatchOptions, annotate_row

    (row,) = read_samplesheet(_sheet(write, [{"sample_id": "S1", "vcf": "s.vcf", "tumor_type": "glioma"}]))
    outcome = annotate_row(row, BatchOptions(outdir=tmp_path / "o", formats=("json",)))
    assert outcome.status == "failed" and "tumor_type 'glioma' is not a knowledgebase tumor type" in outcome.message


# --- one wording on both paths ---------------------------------------------------------------------

CASES = [
    ("ploidy", "0", "is outside 0.5-10"),
    ("ploidy", "10.5", "is outside 0.5-10"),
    ("ploidy", "two", "is not a number"),
    ("ploidy", "nan", "is outside 0.5-10"),
    ("tumor_fraction", "1.5", "is outside 0-1"),
    ("tumor_fraction", "-0.1", "is outside 0-1"),
    ("tumor_fraction", "five", "is not a number"),
    ("cnv_format", "cnvkit", "is not a copy-number format; choose from cnvkit-call-cns, cnvkit-cns"),
    ("genome", "hg18", "is not a genome build; use one of GRCh37, GRCh38"),
]


@pytest.mark.parametrize("column, value, reason", CASES)
def test_a_bad_value_is_refused_with_the_same_words_on_both_paths(run_cli, write, vcf, tmp_path, column, value, reason):
    cli = _cli_problem(run_cli, vcf, tmp_path, cli_name(column), value)
    batch = _batch_problem(run_cli, _sheet(write, [{"sample_id": "S1", "vcf": "s.vcf", column: value}]), tmp_path)
    said_cli = cli.split(f"{cli_name(column)} {value!r} ", 1)[1].strip()
    said_batch = batch.split(f"line 2: {column} {value!r} ", 1)[1].strip()
    assert said_cli.startswith(reason) and said_cli == said_batch, (cli, batch)


def test_tumor_fraction_and_its_file_together_are_refused_on_both_paths(run_cli, write, vcf, tmp_path):
    params = write("params.txt", "Tumor Fraction:\t0.1\nPloidy:\t2\n")
    cli = _cli_problem(run_cli, vcf, tmp_path, "--tumor-fraction", "0.2", "--tumor-fraction-file", params)
    assert "is given with --tumor-fraction: give one of the two" in cli
    sheet = _sheet(write, [{"sample_id": "S1", "vcf": "s.vcf", "tumor_fraction": "0.2", "tumor_fraction_file": "params.txt"}])
    assert "line 2: tumor_fraction_file" in (batch := _batch_problem(run_cli, sheet, tmp_path))
    assert "is given with tumor_fraction: give one of the two" in batch


def test_every_problem_of_a_sheet_is_reported_at_once_naming_line_and_column(write, vcf):
    sheet = _sheet(write, [
        {"sample_id": "S1", "vcf": "s.vcf", "ploidy": "0", "tumor_fraction": "2", "cnv_format": "x", "genome": "hg18",
         "include_filtered": "maybe"},
        {"sample_id": "S2", "vcf": "s.vcf", "ploidy": "3"},
        {"sample_id": "S3", "vcf": "missing.vcf", "ploidy": "-1"},
    ])
    with pytest.raises(SampleSheetError) as caught:
        read_samplesheet(sheet)
    problems = caught.value.problems
    assert [p.split(" ")[2] for p in problems if p.startswith("line 2:")] == [
        "genome", "include_filtered", "tumor_fraction", "ploidy", "cnv_format"], problems
    assert "line 2: include_filtered 'maybe' is not true/false" in problems
    assert any(p.startswith("line 4: sample 'S3': vcf file not found") for p in problems)
    assert "line 4: ploidy '-1' is outside 0.5-10" in problems
    assert not any(p.startswith("line 3") for p in problems)
    assert len(caught.value.format_message().splitlines()) == 1


def test_multiple_command_line_problems_are_one_line(run_cli, vcf, tmp_path):
    cli = _cli_problem(run_cli, vcf, tmp_path, "--ploidy", "0", "--tumor-fraction", "3", "--cnv-format", "x")
    lines = [ln for ln in cli.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: 3 problems: ")
    assert "--tumor-fraction '3' is outside 0-1" in cli and "--ploidy '0'" in cli and "--cnv-format 'x'" in cli


# --- the model ------------------------------------------------------------------------------------

def test_sheet_rows_carry_typed_options(write, vcf):
    write("params.txt", "Tumor Fraction:\t0.1\n")
    (row,) = read_samplesheet(_sheet(write, [{
        "sample_id": "S1", "vcf": "s.vcf", "ploidy": "3", "genome": "hg38", "include_filtered": "yes",
        "tumor_fraction_file": "params.txt", "cnv_format": "gene-table", "driver": "EGFR L858R", "tumor_type": "nsclc",
    }]))
    o = row.options
    assert isinstance(o, SampleOptions)
    assert (o.ploidy, o.genome, o.include_filtered, o.cnv_format, o.tumor_type) == (3.0, "GRCh38", True, "gene-table", "nsclc")
    assert o.tumor_fraction_file == str(vcf.parent / "params.txt") and row.driver == "EGFR L858R"
    (plain,) = read_samplesheet(_sheet(write, [{"sample_id": "S1", "vcf": "s.vcf"}], "plain.tsv"))
    assert plain.options == SampleOptions() and plain.options.tumor_type == DEFAULT_TUMOR_TYPE == "NSCLC"


def test_command_line_and_sheet_build_the_same_config(write, vcf):
    from annotator.batch import BatchOptions, row_config

    (row,) = read_samplesheet(_sheet(write, [{"sample_id": "S1", "vcf": "s.vcf", "ploidy": "2.5", "tumor_fraction": "0.1",
                                             "genome": "b37", "cnv_format": "vcf", "tumor_type": "NSCLC"}]))
    from_sheet = row_config(row, BatchOptions(outdir=vcf.parent, formats=("json",)))
    from_cli, problems = validate_options(RunConfig, {"ploidy": "2.5", "tumor_fraction": "0.1", "genome": "b37", "cnv_format": "vcf",
                                                      "tumor_type": "NSCLC", "formats": ("json",)}, cli_name)
    assert problems == [] and from_cli == from_sheet
    assert (from_sheet.genome, from_sheet.ploidy, from_sheet.tumor_fraction) == ("GRCh37", 2.5, 0.1)


def test_run_config_is_frozen_and_bounded():
    config = RunConfig()
    with pytest.raises(pydantic.ValidationError):
        config.ploidy = 0  # type: ignore[misc]  # frozen model: the assignment must fail
    for bad in ({"ploidy": 0}, {"tumor_fraction": 1.01}, {"formats": ("docx",)}, {"tumor_type": " "}, {"colour": "red"}):
        with pytest.raises(pydantic.ValidationError):
            RunConfig(**bad)
    from annotator.pipeline import option_context

    with pytest.raises(pydantic.ValidationError):
        RunConfig.model_validate({"cnv_format": "nope"}, context=option_context())
    assert RunConfig(ploidy=0.5, tumor_fraction=0).tumor_fraction == 0.0


def test_output_formats_match_the_renderers():
    from annotator.render import RENDERERS

    assert set(get_args(OutputFormat)) == set(RENDERERS)


def test_cnv_format_names_come_from_the_reader_registry(monkeypatch):
    """A new copy-number format is one registry entry: the option check reads the registry itself."""
    from annotator.pipeline import option_context
    from annotator.readers.cnv import FORMATS

    monkeypatch.setitem(FORMATS, "newtool-seg", FORMATS["gene-table"])
    options, problems = validate_options(SampleOptions, {"cnv_format": "newtool-seg"}, context=option_context())
    assert (options and options.cnv_format, problems) == ("newtool-seg", [])
    _, problems = validate_options(SampleOptions, {"cnv_format": "cnvkit"}, context=option_context())
    assert problems == ["cnv_format 'cnvkit' is not a copy-number format; choose from " + ", ".join(FORMATS)]


def test_every_sheet_column_is_read():
    from annotator.samplesheet import COLUMNS, MULTI, OPTION_COLUMNS

    # wbc_vcf (issue 16), panel_bed and coverage (issue 17): one file each
    assert set(COLUMNS) == {"sample_id", "driver", "wbc_vcf", "panel_bed", "coverage", *MULTI, *OPTION_COLUMNS}
    assert set(OPTION_COLUMNS) == set(SampleOptions.model_fields)


# --- the plausibility cut is a threshold ------------------------------------------------------------

DEFAULT_CNV = CnvThresholds()


def _likely_amp(observed: float, thresholds: CnvThresholds = DEFAULT_CNV) -> GeneCopyNumber:
    out = interpret_gene(GeneCopyNumber(gene="MET", copy_number=observed, source="t"), TumorFraction(0.01, "test"), thresholds)
    assert out.status == "likely_amplification", out
    return out


def test_implausible_copy_number_cut_is_the_threshold():
    # at 1% tumor fraction, 2.59 observed copies are 61 tumor copies, 2.57 are 59: either side of 60
    assert _likely_amp(2.59).adjusted_copy_number == 61 and "implausibly high" in _likely_amp(2.59).note
    assert _likely_amp(2.57).adjusted_copy_number == 59 and "implausibly high" not in _likely_amp(2.57).note
    assert CnvThresholds().max_plausible_copy_number == 60
    assert "implausibly high" not in _likely_amp(2.59, CnvThresholds(max_plausible_copy_number=100)).note
    assert "implausibly high" in _likely_amp(2.57, CnvThresholds(max_plausible_copy_number=50)).note


def test_implausible_copy_number_cut_is_configurable_and_echoed(run_cli, write, vcf, tmp_path):
    conf = write("t.yaml", "max_plausible_copy_number: 80\n")
    assert CnvThresholds.from_yaml(conf).as_dict()["max_plausible_copy_number"] == 80.0
    with pytest.raises(InputError, match="max_plausible_copy_number: -1 is not a non-negative number"):
        CnvThresholds.from_yaml(write("bad.yaml", "max_plausible_copy_number: -1\n"))
    result = run_cli(["annotate", vcf, "--cnv-thresholds", conf, "--format", "json", "--outdir", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    settings = json.loads((tmp_path / "out" / "PLASMA_1.json").read_text())["settings"]

    def echoed(node) -> list:
        if isinstance(node, dict):
            return [v for k, v in node.items() if "max_plausible_copy_number" in k] + [x for v in node.values() for x in echoed(v)]
        return []

    assert echoed(settings) == [80.0], settings


@pytest.mark.slow
def test_snakefile_refuses_bad_rows_and_unknown_tumor_types_before_any_job(tmp_path, vcf):
    """The workflow validates the sheet with the package (bounds, tumor types against --config kb) when parsed."""
    pytest.importorskip("snakemake")
    sheet = vcf.parent / "s.tsv"
    out = tmp_path / "out"

    def snakemake(*extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "snakemake", "-s", str(ROOT / "workflow" / "Snakefile"), "--cores", "1", "--directory",
             str(tmp_path / "work"), "--config", f"samplesheet={sheet}", f"outdir={out}", "formats=json", *extra],
            env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )

    sheet.write_text("sample_id\tvcf\tploidy\tcnv_format\nS1\ts.vcf\t0\tnope\n")
    proc = snakemake()
    assert proc.returncode != 0 and "line 2: ploidy '0' is outside 0.5-10" in proc.stderr and "line 2: cnv_format 'nope'" in proc.stderr
    sheet.write_text("sample_id\ttumor_type\tvcf\nS1\tbreast cancer\ts.vcf\nS2\tNSCLC\ts.vcf\n")
    proc = snakemake(f"kb={MINI_KB}")
    assert proc.returncode != 0
    assert "line 2: tumor_type 'breast cancer' is not a knowledgebase tumor type; choose from NSCLC" in proc.stderr, proc.stderr[-2000:]
    assert "ctdna-annotator: " in proc.stderr and "rule annotate" not in proc.stderr  # refused when parsed: no job ran
    assert not out.exists()
