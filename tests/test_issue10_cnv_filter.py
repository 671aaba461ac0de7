"""Issue 10: copy-number and MAF readers honour FILTER the way the VCF reader does.

A non-PASS record is skipped and counted (``Counts.filtered``) unless ``--include-filtered``; when
kept it is flagged (``filter`` on the value, a "FILTER <id>" note) and never gets a resistance role.
The fixture ``tests/data/cnv/dragen_filtered_met_<build>.cnv.vcf`` is DRAGEN's CNV VCF layout with
the MET amplicon called ``FILTER=cnvQual`` (QUAL 3, CN 9) beside a PASS ERBB2 gain: on the main
this issue starts from, the filtered record was reported as a MET amplification, bypass resistance.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.config import CnvThresholds
from annotator.copynumber import TumorFraction, copy_number_alterations, interpret_gene
from annotator.errors import InputError
from annotator.kb.index import kb_index
from annotator.readers.cnv import read_copy_number
from annotator.readers.maf import read_maf, read_maf_header
from tests.support.inputs import mutect2_vcf
from tests.support.paths import DATA, ROOT

CNV = DATA / "cnv"
L858R = "chr7 55191822 T G PASS 0/0:600,0:0.0:600 0/1:970,30:0.03:1000"
L858R_37 = "7 55259515 T G PASS 0/0:600,0:0.0:600 0/1:970,30:0.03:1000"


def cli(args, cwd: Path) -> subprocess.CompletedProcess:
    """The real console entry point in a subprocess: a crash by signal shows as a negative return code."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "annotator.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=180)


# --- reader level ---------------------------------------------------------------------------
@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_filtered_dragen_met_gain_is_skipped_and_counted_by_default(shipped_kb, build):
    result = read_copy_number(CNV / f"dragen_filtered_met_{build.lower()}.cnv.vcf", kb_index(shipped_kb, build))
    genes = {c.gene: c for c in result.copy_numbers}
    assert "MET" not in genes, genes.get("MET")
    assert genes["ERBB2"].copy_number == 8 and genes["ERBB2"].filter == "PASS"
    c = result.counts
    assert (c.records_read, c.filtered, c.passed_filters) == (6, 1, 5), c
    name = f"dragen_filtered_met_{build.lower()}.cnv.vcf"
    assert result.warnings == (f"{name}:47: MET copy number 9 not used: FILTER cnvQual (--include-filtered keeps it, flagged)",)


@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_filtered_dragen_met_gain_is_kept_and_flagged_with_include_filtered(shipped_kb, build):
    result = read_copy_number(CNV / f"dragen_filtered_met_{build.lower()}.cnv.vcf", kb_index(shipped_kb, build), include_filtered=True)
    met = {c.gene: c for c in result.copy_numbers}["MET"]
    assert (met.copy_number, met.filter) == (9, "cnvQual")
    assert (result.counts.filtered, result.counts.passed_filters) == (1, 5)  # kept, still counted as filtered
    interpreted = interpret_gene(met, TumorFraction(1.0, "test"), CnvThresholds())
    assert interpreted.status == "amplification" and "FILTER cnvQual" in (interpreted.note or "")
    (alteration,) = copy_number_alterations([interpreted], TumorFraction(1.0, "test"))
    assert alteration.filter == "cnvQual" and any("FILTER cnvQual" in n for n in alteration.notes)


def test_the_pass_dragen_fixture_counts_its_filtered_record_outside_genes(shipped_kb):
    """dragen_grch38.cnv.vcf has one cnvLength record on chr12 away from every knowledgebase gene."""
    result = read_copy_number(CNV / "dragen_grch38.cnv.vcf", kb_index(shipped_kb, "GRCh38"))
    assert (result.counts.records_read, result.counts.filtered, result.counts.passed_filters) == (14, 1, 13)


def test_cnv_vcf_filter_semicolon_list_and_dot(shipped_kb, write):
    """FILTER '.' is PASS (VCF 4.x: not checked); several failed filters are kept together as written."""
    head = (CNV / "dragen_filtered_met_grch38.cnv.vcf").read_text().split("#CHROM")[0]
    body = ("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
            "chr7\t116599999\tG1\tN\t<DUP>\t3\tcnvQual;cnvLength\tSVTYPE=CNV;END=116900000\tGT:SM:CN\t./1:4.5:9\n"
            "chr17\t39451382\tG2\tN\t<DUP>\t.\t.\tSVTYPE=CNV;END=39981204\tGT:SM:CN\t./1:4:8\n")
    path = write("multi.cnv.vcf", head + body)
    index = kb_index(shipped_kb, "GRCh38")
    assert {c.gene for c in read_copy_number(path, index).copy_numbers} == {"ERBB2"}
    met = {c.gene: c for c in read_copy_number(path, index, include_filtered=True).copy_numbers}["MET"]
    assert met.filter == "cnvQual;cnvLength"


def test_cnv_vcf_records_that_are_not_copy_number_are_skipped_with_a_reason(shipped_kb, write):
    head = (CNV / "dragen_filtered_met_grch38.cnv.vcf").read_text().split("#CHROM")[0]
    path = write("mixed.cnv.vcf", head + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
                 "chr7\t55191822\t.\tT\tG\t.\tPASS\t.\tGT\t0/1\n"
                 "chr17\t39451382\tG2\tN\t<DUP>\t.\tPASS\tSVTYPE=CNV;END=39981204\tGT:SM:CN\t./1:4:8\n")
    result = read_copy_number(path, kb_index(shipped_kb, "GRCh38"))
    c = result.counts
    assert (c.records_read, c.passed_filters, c.filtered, c.skipped) == (2, 2, 0, 1)
    assert sum(c.skipped_reasons.values()) == 1 and "not a copy-number record" in next(iter(c.skipped_reasons))
    assert [g.gene for g in result.copy_numbers] == ["ERBB2"]


def test_cnv_vcf_with_only_gt_format_and_info_cn_does_not_crash(tmp_path, shipped_kb, write):
    """A lazily opened record is never asked for rec.FORMAT (cyvcf2 segfaults on a GT-only record); CN
    then comes from INFO. Through the CLI in a subprocess, so a crash shows as a signal, not a dead pytest."""
    path = write("gt_only.cnv.vcf", (
        "##fileformat=VCFv4.2\n##contig=<ID=chr7,length=159345973>\n"
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="t">\n##INFO=<ID=END,Number=1,Type=Integer,Description="e">\n'
        '##INFO=<ID=CN,Number=1,Type=Float,Description="c">\n##FORMAT=<ID=GT,Number=1,Type=String,Description="g">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "chr7\t116599999\t.\tN\t<CNV>\t.\tPASS\tSVTYPE=CNV;END=116900000;CN=7.5\tGT\t./1\n"))
    vcf = write("l858r.vcf", mutect2_vcf([L858R]))
    proc = cli(["annotate", vcf, "--cnv", path, "--format", "json", "--outdir", tmp_path / "out"], tmp_path)
    assert proc.returncode == 0, (proc.returncode, proc.stderr)
    (met,) = [c["measurement"] for c in json.loads(next((tmp_path / "out").glob("*.json")).read_text())["copy_numbers"] if c["measurement"]["gene"] == "MET"]
    assert met["copy_number"] == 7.5


def test_cnv_vcf_non_numeric_format_cn_names_file_and_line(shipped_kb, write):
    path = write("strcn.cnv.vcf", (
        "##fileformat=VCFv4.2\n##contig=<ID=chr7,length=159345973>\n"
        '##INFO=<ID=SVTYPE,Number=1,Type=String,Description="t">\n##INFO=<ID=END,Number=1,Type=Integer,Description="e">\n'
        '##FORMAT=<ID=CN,Number=1,Type=String,Description="c">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "chr7\t100\t.\tN\t<DUP>\t.\tPASS\tSVTYPE=CNV;END=200\tCN\t3\n"
        "chr7\t116599999\t.\tN\t<DUP>\t.\tPASS\tSVTYPE=CNV;END=116900000\tCN\thigh\n"))
    with pytest.raises(InputError) as err:
        read_copy_number(path, kb_index(shipped_kb, "GRCh38"))
    assert "strcn.cnv.vcf:8" in str(err.value) and "'high'" in str(err.value)


def _maf(write, filt_col: str):
    cols = ["Hugo_Symbol", "Chromosome", "Start_Position", "Reference_Allele", "Tumor_Seq_Allele2", "HGVSp_Short",
            "t_ref_count", "t_alt_count", "NCBI_Build", "Tumor_Sample_Barcode", "FILTER"]
    rows = [["EGFR", "chr7", "55191822", "T", "G", "p.L858R", "970", "30", "GRCh38", "P1", "PASS"],
            ["EGFR", "chr7", "55181378", "C", "T", "p.T790M", "990", "10", "GRCh38", "P1", filt_col],
            ["KRAS", "chr12", "25245350", "C", "A", "p.G12V", "995", "5", "GRCh38", "P1", "."]]
    return write("s.maf", "\n".join("\t".join(r) for r in [cols, *rows]) + "\n")


def test_maf_filter_column_skips_and_counts_by_default_and_flags_when_included(shipped_kb, write):
    path = _maf(write, "common_variant;weak_evidence")
    index = kb_index(shipped_kb, "GRCh38")
    default = read_maf(read_maf_header(path), index, None, include_filtered=False)
    assert sorted(a.hgvsp for a in default.alterations) == ["p.G12V", "p.L858R"]
    assert (default.counts.records_read, default.counts.filtered, default.counts.passed_filters) == (3, 1, 2)
    kept = read_maf(read_maf_header(path), index, None, include_filtered=True)
    flagged = {a.hgvsp: a.filter for a in kept.alterations}
    assert flagged == {"p.L858R": "PASS", "p.T790M": "common_variant;weak_evidence", "p.G12V": "PASS"}
    assert (kept.counts.filtered, kept.counts.passed_filters) == (1, 2)


# --- through the CLI ------------------------------------------------------------------------
def _annotate(tmp_path, write, build: str, *extra) -> tuple[subprocess.CompletedProcess, dict | None]:
    vcf = write(f"l858r_{build}.vcf", mutect2_vcf([L858R if build == "GRCh38" else L858R_37], build=build))
    outdir = tmp_path / ("out_" + build + "_".join(extra).replace("-", ""))
    proc = cli(["annotate", vcf, "--cnv", CNV / f"dragen_filtered_met_{build.lower()}.cnv.vcf", "--prior-therapy", "osimertinib",
                "--format", "json,html", "--outdir", outdir, *extra], tmp_path)
    jsons = list(outdir.glob("*.json"))
    return proc, (json.loads(jsons[0].read_text()) if jsons else None)


@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_cli_filtered_met_gives_no_amplification_by_default(tmp_path, write, build):
    proc, data = _annotate(tmp_path, write, build)
    assert proc.returncode == 0, proc.stderr
    findings = {f["gene"]: f for f in data["findings"]}
    assert "MET" not in findings, findings.get("MET")
    assert findings["ERBB2"]["role"] == "bypass_resistance"  # the PASS gain beside it still counts
    assert not any(r["observation"]["gene"] == "MET" and r["observation"].get("type") == "amplification" for r in data["alterations"])
    (cnv_input,) = [i for i in data["inputs"] if i["role"] == "cnv"]
    assert (cnv_input["counts"]["filtered"], cnv_input["counts"]["records_read"]) == (1, 6)
    html = next((tmp_path / f"out_{build}").glob("*.html")).read_text()
    assert "6 record(s) read, 1 filtered or not used" in html


@pytest.mark.parametrize("build", ["GRCh38", "GRCh37"])
def test_cli_include_filtered_keeps_met_flagged_and_without_a_resistance_role(tmp_path, write, build):
    proc, data = _annotate(tmp_path, write, build, "--include-filtered")
    assert proc.returncode == 0, proc.stderr
    met = {f["gene"]: f for f in data["findings"]}["MET"]
    assert met["role"] == "other" and "cnvQual" in met["statement"], met
    (alteration,) = [r["observation"] for r in data["alterations"] if r["observation"]["gene"] == "MET"]
    assert alteration["filter"] == "cnvQual"
    (cn,) = [c["measurement"] for c in data["copy_numbers"] if c["measurement"]["gene"] == "MET"]
    assert cn["filter"] == "cnvQual" and "FILTER cnvQual" in cn["note"]
    (cnv_input,) = [i for i in data["inputs"] if i["role"] == "cnv"]
    assert cnv_input["counts"]["filtered"] == 1
