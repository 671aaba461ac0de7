"""Issue 17 inputs: the panel BED (--panel-bed), per-region depth (--coverage), the assay thresholds
(--assay-thresholds), the sheet's panel_bed and coverage columns, and the VCF records in panel targets outside
every knowledgebase gene read as background variants (for the tumor-fraction estimate only).

Samples are Mutect2-style lines on the mini KB (EGFR, KRAS, MET, RET); chr3 holds no knowledgebase gene there,
so a panel target on chr3 is a target outside the genes.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from annotator.batch.model import BatchOptions
from annotator.batch.resume import fingerprint
from annotator.config import AssayThresholds, RunConfig
from annotator.errors import InputError
from annotator.kb.index import kb_index
from annotator.models import ReadResult
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.readers import vcf as vcf_reader
from annotator.readers.coverage import read_assay, read_coverage
from annotator.readers.panel import read_panel_bed
from annotator.samplesheet import read_samplesheet
from tests.support.cli import assert_clean_failure
from tests.support.inputs import mutect2_vcf
from tests.support.mini_kb import G12D, L858R, N
from tests.support.paths import MINI_KB

PANEL = "track name=lung\nbrowser position chr3:1-2\n# a comment\nchr3\t100000\t100200\tPANEL_A\nchr3\t200000\t200100\nchr7\t55191800\t55191900\tEGFR_ex21\n"
IN_TARGET = f"chr3 100050 G A PASS {N} 0/1:960,40:0.04:1000"  # in PANEL_A, outside every knowledgebase gene
IN_TARGET_FILTERED = f"chr3 100100 C T weak_evidence {N} 0/1:995,5:0.005:1000"
IN_UNNAMED_TARGET = f"chr3 200050 A G PASS {N} 0/1:970,30:0.03:1000"
OUTSIDE_BOTH = f"chr3 300000 T C PASS {N} 0/1:900,100:0.1:1000"
NO_ALT_READS = f"chr3 100150 G T PASS {N} 0/1:1000,0:0.0:1000"


def _gz(path: Path, text: str) -> Path:
    with gzip.open(path, "wt") as fh:
        fh.write(text)
    return path


def _read(path: Path, kb, **options) -> ReadResult:
    header = vcf_reader.read_header(path)
    return vcf_reader.read_vcf(path, header, kb_index(kb, "GRCh38"), vcf_reader.VcfOptions(**options))


# --- panel BED ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gzipped", [False, True])
def test_panel_bed_skips_comments_and_keeps_targets_by_bare_contig(tmp_path, gzipped):
    path = _gz(tmp_path / "p.bed.gz", PANEL) if gzipped else tmp_path / "p.bed"
    if not gzipped:
        path.write_text(PANEL)
    panel = read_panel_bed(path)
    assert panel.source == path.name and len(panel) == 3 and set(panel.by_contig) == {"3", "7"}
    assert panel.covers("chr3", 100000, 100001) and panel.covers("3", 100199, 100200)
    assert not panel.covers("chr3", 100200, 100201)  # 0-based half-open: end excluded
    assert not panel.covers("chr3", 99999, 100000)
    assert [t.name for t in panel.targets_overlapping("3", 100150, 200050)] == ["PANEL_A", ""]
    assert panel.covers("3", 100000, 100000)  # an insertion point inside a target


def test_panel_overlap_query_finds_nested_targets(tmp_path):
    path = tmp_path / "p.bed"
    path.write_text("1\t0\t10000\tBIG\n1\t10\t20\tSMALL\n1\t30\t40\tLATER\n")
    assert [t.name for t in read_panel_bed(path).targets_overlapping("chr1", 5000, 5001)] == ["BIG"]
    assert [t.name for t in read_panel_bed(path).targets_overlapping("chr1", 15, 35)] == ["BIG", "SMALL", "LATER"]


@pytest.mark.parametrize("text, needles", [
    ("chr3\t100\n", ["p.bed:1:", "2 column(s)", "chrom, start and end"]),
    ("# head\nchr3\tx\t200\n", ["p.bed:2:", "start 'x' is not a non-negative integer"]),
    ("chr3\t100\t200\nchr3\t300\t-5\n", ["p.bed:2:", "end '-5'"]),
    ("chr3\t300\t200\n", ["p.bed:1:", "end 200 is before start 300"]),
    ("track name=x\n", ["p.bed:", "no targets"]),
])
def test_bad_panel_bed_is_one_line_naming_file_and_line_exit_2_no_output(console, tmp_path, write, text, needles):
    vcf = write("s.vcf", mutect2_vcf([G12D]))
    bed = write("p.bed", text)
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, "--panel-bed", bed, "--kb", MINI_KB, "--outdir", outdir, "--format", "json,html"], tmp_path)
    assert_clean_failure(proc, outdir, *needles)


def test_panel_bed_not_utf8_names_its_line(tmp_path):
    path = tmp_path / "p.bed"
    path.write_bytes(b"chr3\t1\t2\n" * 5000 + b"chr3\t1\t2\tG\xe9ne\n")
    with pytest.raises(InputError, match=r"p.bed:5001: not UTF-8"):
        read_panel_bed(path)


# --- coverage ----------------------------------------------------------------------------------------------

def test_mosdepth_regions_with_and_without_names_give_length_weighted_depth(tmp_path):
    named = read_coverage(_gz(tmp_path / "s.regions.bed.gz", "chr3\t100\t200\tA\t500\nchr3\t200\t300\tA\t1000.5\n"))
    plain = read_coverage(_gz(tmp_path / "t.regions.bed.gz", "3\t100\t200\t500\n3\t200\t300\t1000.5\n"))
    for table in (named, plain):
        assert table.depth_over("chr3", 150, 250) == pytest.approx(750.25)
        assert table.depth_over("3", 100, 101) == 500
        assert table.depth_over("3", 150, 150) == 500  # an insertion point
        assert table.depth_over("3", 300, 400) is None and table.depth_over("chr7", 1, 2) is None
    assert named.by_contig["3"][0].name == "A"


def test_coverage_table_by_region_or_by_panel_target(tmp_path, write):
    by_region = read_coverage(write("c.tsv", "#chrom\tstart\tend\tmean_depth\nchr3\t100000\t100200\t850\n"))
    assert by_region.depth_over("3", 100050, 100051) == 850
    panel = read_panel_bed(write("p.bed", PANEL))
    by_target = read_coverage(write("t.tsv", "target\tdepth\nPANEL_A\t1200\nEGFR_ex21\t3000\n"), panel)
    assert by_target.depth_over("chr3", 100050, 100051) == 1200 and by_target.depth_over("chr7", 55191821, 55191822) == 3000
    assert by_target.depth_over("chr3", 200050, 200051) is None  # the unnamed target has no row


@pytest.mark.parametrize("name, text, with_panel, needles", [
    ("c.bed", "chr3\t100\t200\tdeep\n", False, ["c.bed:1:", "depth 'deep' is not a non-negative number"]),
    ("c.bed", "chr3\t100\t200\n", False, ["c.bed:1:", "3 column(s)"]),
    ("c.bed", "chr3\t200\t100\t5\n", False, ["c.bed:1:", "end 100 is before start 200"]),
    ("c.tsv", "target\tdepth\nPANEL_A\t10\nNOPE\t20\n", True, ["c.tsv:3:", "target 'NOPE' is not a target name of the panel BED (p.bed)"]),
    ("c.tsv", "target\tdepth\nPANEL_A\t10\n", False, ["c.tsv:", "needs --panel-bed"]),
    ("c.tsv", "gene\tvalue\nEGFR\t10\n", False, ["c.tsv:1:", "neither a header nor a region line"]),
    ("c.tsv", "chrom\tstart\tend\tdepth\nchr3\t1\t2\n", False, ["c.tsv:2:", "the header needs 4"]),
])
def test_bad_coverage_is_one_line_naming_file_and_line_exit_2_no_output(console, tmp_path, write, name, text, with_panel, needles):
    vcf = write("s.vcf", mutect2_vcf([G12D]))
    coverage = write(name, text)
    panel = ["--panel-bed", write("p.bed", PANEL)] if with_panel else []
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, *panel, "--coverage", coverage, "--kb", MINI_KB, "--outdir", outdir, "--format", "json"], tmp_path)
    assert_clean_failure(proc, outdir, *needles)


def test_missing_panel_or_coverage_file_is_refused_before_any_work(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([G12D]))
    outdir = tmp_path / "out"
    for option in ("--panel-bed", "--coverage"):
        proc = console(["annotate", vcf, option, tmp_path / "nope.bed", "--kb", MINI_KB, "--outdir", outdir], tmp_path)
        assert_clean_failure(proc, outdir, "nope.bed", "file not found")


def test_read_assay_gives_both_files_and_their_report_entries(tmp_path, write):
    assay = read_assay(write("p.bed", PANEL), write("c.tsv", "target\tdepth\nPANEL_A\t1200\n"))
    assert assay.panel is not None and assay.coverage is not None and assay.coverage.depth_over("3", 100000, 100001) == 1200
    assert [(i.role, i.file, len(i.sha256)) for i in assay.inputs] == [("panel", "p.bed", 64), ("coverage", "c.tsv", 64)]
    assert read_assay(None, None).inputs == ()


# --- background variants -----------------------------------------------------------------------------------

SAMPLE = [IN_TARGET, IN_TARGET_FILTERED, NO_ALT_READS, IN_UNNAMED_TARGET, OUTSIDE_BOTH, L858R, G12D]  # sorted (tabix)


def test_panel_targets_outside_the_genes_are_read_as_background_variants(tmp_path, write, mini_kb):
    path = write("s.vcf", mutect2_vcf(SAMPLE))
    without = _read(path, mini_kb)
    panel = read_panel_bed(write("p.bed", PANEL))
    with_panel = _read(path, mini_kb, panel=panel)
    assert without.background == () and without.counts.background_variants == 0
    assert [(v.gene, v.chrom, v.pos, v.vaf, v.depth, v.filter, v.hgvsp) for v in with_panel.background] == [
        ("PANEL_A", "chr3", 100050, 0.04, 1000, "PASS", None), ("", "chr3", 200050, 0.03, 1000, "PASS", None)]
    assert with_panel.alterations == without.alterations  # the knowledgebase genes' reading is unchanged
    c, c0 = with_panel.counts, without.counts
    assert c.background_variants == 2
    # records outside the genes stay counted there; only the FILTER of the panel ones is read
    assert (c.records_read, c.passed_filters, c.filtered, c.outside_knowledgebase_genes) == (7, 2, 0, 5)
    assert (c0.records_read, c0.passed_filters, c0.filtered, c0.outside_knowledgebase_genes, c0.filter_not_checked) == (7, 2, 0, 5, 5)
    assert c.filter_not_checked == 1  # OUTSIDE_BOTH; the four panel records' FILTER was read
    assert c.records_read == c.passed_filters + c.filtered + c.outside_knowledgebase_genes


def test_filtered_background_variants_only_with_include_filtered(tmp_path, write, mini_kb):
    path = write("s.vcf", mutect2_vcf(SAMPLE))
    panel = read_panel_bed(write("p.bed", PANEL))
    kept = _read(path, mini_kb, panel=panel, include_filtered=True)
    assert [(v.pos, v.filter) for v in kept.background] == [(100050, "PASS"), (100100, "weak_evidence"), (200050, "PASS")]


def test_background_counts_are_the_same_read_by_index_or_streamed(tmp_path, write, mini_kb):
    import pysam

    text = mutect2_vcf(SAMPLE)
    panel = read_panel_bed(write("p.bed", PANEL))
    readings = []
    for name, index in (("a.vcf.gz", True), ("b.vcf.gz", False)):
        plain = write(name.removesuffix(".gz"), text)
        pysam.tabix_compress(str(plain), str(tmp_path / name), force=True)
        if index:
            pysam.tabix_index(str(tmp_path / name), preset="vcf", force=True)
        readings.append(_read(tmp_path / name, mini_kb, panel=panel))
    indexed, streamed = readings
    assert "indexed" in indexed.input.format and "streamed" in streamed.input.format
    assert indexed.counts == streamed.counts
    assert [v.pos for v in indexed.background] == [v.pos for v in streamed.background] == [100050, 200050]


def test_background_variants_are_never_report_rows(tmp_path, write, mini_kb):
    vcf = write("s.vcf", mutect2_vcf(SAMPLE))
    plain = annotate_sample(SampleInputs(vcfs=(vcf,)), RunConfig(), mini_kb)
    report = annotate_sample(SampleInputs(vcfs=(vcf,), panel_bed=write("p.bed", PANEL)), RunConfig(), mini_kb)
    assert {o.label for o in report.observations} == {o.label for o in plain.observations} == {"EGFR L858R", "KRAS G12D"}
    assert report.counts.background_variants == 2 and plain.counts.background_variants == 0


def test_the_pipeline_passes_the_panel_to_the_vcf_reader(tmp_path, write, mini_kb, monkeypatch):
    """What the lead's hook sees: each VCF result's background, read with the panel given to annotate."""
    import annotator.pipeline as pipeline

    seen = []
    real = pipeline.vcf_reader.read_vcf
    monkeypatch.setattr(pipeline.vcf_reader, "read_vcf", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    vcf = write("s.vcf", mutect2_vcf(SAMPLE))
    annotate_sample(SampleInputs(vcfs=(vcf,), panel_bed=write("p.bed", PANEL)), RunConfig(), mini_kb)
    assert [v.gene for v in seen[0].background] == ["PANEL_A", ""]


# --- assay thresholds --------------------------------------------------------------------------------------

def test_assay_thresholds_defaults_are_on_the_run_configuration():
    dumped = RunConfig().model_dump(mode="json")["assay"]
    assert dumped == {"assumed_depth": 1000, "min_depth": 100, "detection_min_alt_reads": 5, "min_sensitivity": 0.95,
                      "clonal_ccf_threshold": 0.8, "ccf_interval": 0.95, "tf_min_variants": 3, "tf_low_confidence_below": 0.02,
                      "background_max_vaf": 0.25}


def test_assay_thresholds_yaml_overrides_and_refuses_like_the_others(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("assumed_depth: 2500\nmin_sensitivity: 0.9\nclonal_ccf_threshold: 0.6\n")
    t = AssayThresholds.from_yaml(path)
    assert (t.assumed_depth, t.min_sensitivity, t.clonal_ccf_threshold, t.min_depth) == (2500, 0.9, 0.6, 100)
    for text, needle in [
        ("assumed_depth: 1500.5\n", "is not a whole number"),
        ("min_sensitivity: lots\n", "min_sensitivity: 'lots' is not a non-negative number"),
        ("min_sensitivity: 1.5\n", "min_sensitivity"),
        ("ccf_interval: 1\n", "ccf_interval"),
        ("detection_min_alt_reads: 0\n", "detection_min_alt_reads"),
        ("depth: 3\n", "unknown threshold(s) depth; known: assumed_depth"),
    ]:
        path.write_text(text)
        with pytest.raises(InputError, match="a.yaml") as exc:
            AssayThresholds.from_yaml(path)
        assert needle in exc.value.format_message(), exc.value.format_message()


def test_bad_assay_thresholds_file_is_one_line_and_no_output(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([G12D]))
    thresholds = write("a.yaml", "min_sensitivity: 2\n")
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, "--assay-thresholds", thresholds, "--kb", MINI_KB, "--outdir", outdir, "--format", "json"], tmp_path)
    assert_clean_failure(proc, outdir, "a.yaml", "min_sensitivity")


def test_annotate_with_panel_coverage_and_assay_thresholds(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf(SAMPLE))
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, "--panel-bed", write("p.bed", PANEL), "--coverage", write("c.tsv", "target\tdepth\nPANEL_A\t900\n"),
                    "--assay-thresholds", write("a.yaml", "assumed_depth: 2000\n"), "--kb", MINI_KB, "--outdir", outdir,
                    "--format", "json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(next(outdir.glob("*.json")).read_text())
    assert data["counts"]["background_variants"] == 2


# --- the sample sheet and batch ----------------------------------------------------------------------------

def _sheet(tmp_path: Path, panel: str = "panel.bed", coverage: str = "cov.tsv") -> Path:
    run = tmp_path / "run"
    (run / "data").mkdir(parents=True, exist_ok=True)
    (run / "data" / "s.vcf").write_text(mutect2_vcf(SAMPLE))
    (run / "data" / "panel.bed").write_text(PANEL)
    (run / "data" / "cov.tsv").write_text("target\tdepth\nPANEL_A\t900\n")
    sheet = run / "sheet.tsv"
    sheet.write_text(f"sample_id\tvcf\tpanel_bed\tcoverage\nP1\tdata/s.vcf\tdata/{panel}\tdata/{coverage}\n")
    return sheet


def test_sheet_panel_and_coverage_resolve_against_the_sheet_and_enter_the_fingerprint(tmp_path):
    sheet = _sheet(tmp_path)
    (row,) = read_samplesheet(sheet)
    assert row.panel_bed == sheet.parent / "data" / "panel.bed" and row.coverage == sheet.parent / "data" / "cov.tsv"
    assert {row.panel_bed, row.coverage} <= set(row.input_paths())
    options = BatchOptions(outdir=tmp_path / "out", formats=("json",))
    before = fingerprint(row, options, "kb")
    assert fingerprint(row, BatchOptions(outdir=tmp_path / "out", formats=("json",), assay=AssayThresholds(assumed_depth=2000)), "kb") != before
    row.coverage.write_text("target\tdepth\nPANEL_A\t901\n")
    assert fingerprint(row, options, "kb") != before


def test_sheet_missing_panel_file_is_a_problem_of_its_line(tmp_path):
    sheet = _sheet(tmp_path, panel="nope.bed")
    with pytest.raises(InputError, match=r"line 2: sample 'P1': panel_bed file not found: .*nope.bed"):
        read_samplesheet(sheet)


def test_batch_passes_panel_coverage_and_assay_thresholds_to_the_sample(tmp_path, run_cli):
    from annotator.batch.sample import row_config

    thresholds = tmp_path / "a.yaml"
    thresholds.write_text("assumed_depth: 2000\n")
    sheet = _sheet(tmp_path)
    result = run_cli(["batch", sheet, "--outdir", tmp_path / "out", "--format", "json", "--jobs", "1", "--no-cohort",
                      "--assay-thresholds", thresholds, "--kb", MINI_KB])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "P1.json").read_text())
    assert data["counts"]["background_variants"] == 2  # the row's panel reached the VCF reader
    (row,) = read_samplesheet(sheet)
    options = BatchOptions(outdir=tmp_path / "out", formats=("json",), assay=AssayThresholds.from_yaml(thresholds))
    assert row_config(row, options).assay.assumed_depth == 2000
