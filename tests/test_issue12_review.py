"""Issue 12 review findings, each pinned: a copy number without a value keeps the report inside its own
schema; protein-only rows reach the HTML; ichorCNA's ploidy is bounded like --ploidy; every problem of
a sheet row or a command line shows at once; every kind of observation has a table; drugs are INN names."""

from __future__ import annotations

import json
import typing

import jsonschema

from annotator.models import Observation
from annotator.report import ROW_TABLES, ReportModel
from annotator.resources import report_schema_path
from tests.support.inputs import mutect2_vcf
from tests.support.paths import DATA

L858R_38 = "chr7 55191822 T G PASS 0/0:500,0:0.0:500 0/1:600,400:0.40:1000"


def test_a_copy_number_without_a_value_stays_inside_the_schema_and_the_cohort_reads_it(run_cli, write, tmp_path):
    vcf = write("s.vcf", mutect2_vcf([L858R_38]))
    cnv = write("purple.cnv.gene.tsv", (DATA / "cnv" / "purple_grch38.purple.cnv.gene.tsv").read_text())
    text = cnv.read_text().splitlines()
    header = text[0].split("\t")
    col = header.index("maxCopyNumber")
    rows = [line.split("\t") for line in text[1:]]
    for r in rows:
        if r[header.index("gene")] == "MET":
            r[col] = "NA"
    cnv.write_text("\n".join(["\t".join(header), *("\t".join(r) for r in rows)]) + "\n")
    result = run_cli(["annotate", vcf, "--cnv", cnv, "--format", "json", "--outdir", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "PLASMA_1.json").read_text())
    jsonschema.validate(data, json.loads(report_schema_path().read_text()))
    ReportModel.model_validate(data)
    met = next(c["measurement"] for c in data["copy_numbers"] if c["measurement"]["gene"] == "MET")
    assert met["status"] == "not_assessed"


def test_protein_only_maf_rows_are_shown_in_the_html(run_cli, write, tmp_path):
    cols = "Hugo_Symbol\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tHGVSp_Short\tTumor_Sample_Barcode\tNCBI_Build\n"
    maf = write("s.maf", cols + "EGFR\t\t\t\t\tp.L858R\tP1\tGRCh38\nEGFR\t\t\t\t\tp.T790M\tP1\tGRCh38\n")  # OncoKB style: no coordinates
    result = run_cli(["annotate", maf, "--prior-therapy", "gefitinib", "--format", "json,html", "--outdir", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    html = next((tmp_path / "out").glob("*.html")).read_text()
    assert "No small variants in knowledgebase genes" not in html
    assert "p.L858R" in html and "p.T790M" in html and "no coordinates in the input" in html
    data = json.loads(next((tmp_path / "out").glob("*.json")).read_text())
    assert {r["observation"]["kind"] for r in data["alterations"]} == {"protein_change"}
    assert {f["detail"] for f in data["findings"]} == {"EGFR p.L858R", "EGFR p.T790M"}


def test_ichorcna_ploidy_is_bounded_like_the_option(run_cli, write, tmp_path):
    vcf = write("s.vcf", mutect2_vcf([L858R_38]))
    params = write("params.txt", "Tumor Fraction:\t0.1\nPloidy:\t0\n")
    result = run_cli(["annotate", vcf, "--tumor-fraction-file", params, "--format", "json", "--outdir", tmp_path / "out"])
    assert result.exit_code == 2 and "params.txt:2: Ploidy 0.0 is outside 0.5-10" in result.output
    assert not (tmp_path / "out").exists()


def test_every_problem_of_a_sheet_shows_at_once_tumor_types_included(run_cli, write, tmp_path):
    vcf = write("s.vcf", mutect2_vcf([L858R_38]))
    sheet = write("sheet.tsv", f"sample_id\tvcf\tploidy\ttumor_type\nA\t{vcf}\t0\tNSCLC\nB\t{vcf}\t2\tbreast cancer\nC\t{vcf}\t0\tmelanoma\n")
    result = run_cli(["batch", sheet, "--outdir", tmp_path / "out", "--format", "json"])
    assert result.exit_code == 2
    for line, problem in ((2, "ploidy '0' is outside 0.5-10"), (3, "tumor_type 'breast cancer' is not a knowledgebase tumor type"),
                          (4, "ploidy '0' is outside 0.5-10"), (4, "tumor_type 'melanoma' is not a knowledgebase tumor type")):
        assert f"line {line}: {problem}" in result.output, (line, problem)


def test_every_problem_of_a_command_line_shows_at_once(run_cli, write, tmp_path):
    vcf = write("s.vcf", mutect2_vcf([L858R_38]))
    result = run_cli(["annotate", vcf, "--ploidy", "0", "--tumor-type", "breast cancer", "--outdir", tmp_path / "out"])
    assert result.exit_code == 2
    assert "--ploidy '0' is outside 0.5-10" in result.output and "--tumor-type 'breast cancer' is not a knowledgebase tumor type" in result.output


def test_every_kind_of_observation_has_a_table():
    kinds = set(typing.get_args(typing.get_args(Observation)[0]))
    assert kinds == set(ROW_TABLES)
    assert all(isinstance(getattr(ReportModel, prop), property) for prop in ROW_TABLES.values())


def test_therapies_name_drugs_by_inn_and_keep_their_ids(run_cli, write, tmp_path):
    vcf = write("s.vcf", mutect2_vcf([L858R_38]))
    cnv = write("s.cnv.tsv", "gene\tcopy_number\nERBB2\t12\n")
    result = run_cli(["annotate", vcf, "--cnv", cnv, "--tumor-fraction", "1", "--prior-therapy", "osimertinib", "--format", "json",
                      "--outdir", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "PLASMA_1.json").read_text())
    therapies = data["standard_options"] + data["mechanism_options"]
    tdm1 = next(t for t in therapies if "trastuzumab-emtansine" in t["drug_ids"])
    assert tdm1["drugs"][tdm1["drug_ids"].index("trastuzumab-emtansine")] == "trastuzumab emtansine"
    assert all(len(t["drugs"]) == len(t["drug_ids"]) for t in therapies)
