"""Issue 16 inputs: the matched white-blood-cell VCF (--wbc-vcf, the sheet's wbc_vcf), the plasma thresholds
(--plasma-thresholds), and genes read beyond the resistance genes (TP53, RB1 and the CH genes).

Samples are Mutect2-style lines on the mini KB (tests/support/mini_kb.py); genes read only for the plasma
reading are added to a tmp copy of it as plain gene entries (no ``read_for`` yet: the schema field is helper
K's), which is what the readers see either way.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.batch.model import BatchOptions
from annotator.batch.resume import fingerprint
from annotator.config import PlasmaThresholds, RunConfig
from annotator.errors import InputError
from annotator.models import SmallVariant, WbcCalls
from annotator.pipeline import SampleInputs, annotate_sample, read_wbc, read_wbc_header, resolve_build
from annotator.readers import vcf as vcf_reader
from annotator.readers.common import non_coding
from annotator.samplesheet import read_samplesheet
from tests.support.cli import assert_clean_failure
from tests.support.inputs import mutect2_vcf, wbc_vcf
from tests.support.mini_kb import G12D, L858R, REVIEWED, N, kb_variant, run
from tests.support.paths import MINI_KB

# Extra genes, as helper K adds them (coordinates: gene spans on both builds; only their windows matter here).
TP53 = {"symbol": "TP53", "name": "tumor protein p53", "strand": -1, "transcript": "ENST00000269305",
        "location": {"GRCh37": {"chrom": "17", "start": 7565097, "end": 7590856},
                     "GRCh38": {"chrom": "17", "start": 7661779, "end": 7687538}},
        "sources": [{"ref": "review"}], "last_reviewed": REVIEWED}
RB1 = {"symbol": "RB1", "name": "RB transcriptional corepressor 1", "strand": 1, "transcript": "ENST00000267163",
       "location": {"GRCh37": {"chrom": "13", "start": 48877883, "end": 49056026},
                    "GRCh38": {"chrom": "13", "start": 48303747, "end": 48481890}},
       "sources": [{"ref": "review"}], "last_reviewed": REVIEWED}
MORE_CONTIGS = "##contig=<ID=chr13,length=114364328>\n##contig=<ID=chr17,length=83257441>\n"
TP53_R273H = f"chr17 7673802 C T PASS {N} 0/1:940,60:0.06:1000"  # TP53 codon 273 (minus strand), GRCh38


G12D_WBC = "chr12 25245350 C T PASS 0/1:990,10:0.01:1000"
L858R_WBC_GERMLINE = "chr7 55191822 T G PASS 0/1:500,500:0.5:1000"


@pytest.fixture
def mini_kb(tmp_path):
    return kb_variant(tmp_path)


def _read_wbc(path: Path, kb, build: str = "GRCh38", **plasma) -> WbcCalls:
    from annotator.kb.index import kb_index

    config = RunConfig(plasma=PlasmaThresholds(**plasma))
    return read_wbc(read_wbc_header(path, build), kb_index(kb, build), vcf_reader.VcfOptions(calls=config.calls), config)


# --- plasma thresholds -------------------------------------------------------------------------------------

def test_plasma_thresholds_defaults_are_echoed_in_the_run_configuration():
    config = RunConfig()
    assert config.plasma == PlasmaThresholds()
    dumped = config.model_dump(mode="json")["plasma"]
    assert dumped["germline_het_band"] == [0.4, 0.6] and dumped["wbc_min_alt_reads"] == 2
    assert set(dumped) == set(PlasmaThresholds.model_fields)


def test_plasma_thresholds_yaml_overrides_and_refuses_like_the_others(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("germline_het_band: [0.35, 0.65]\nwbc_min_alt_reads: 3\ninformative_min_tumor_fraction: 0.02\n")
    t = PlasmaThresholds.from_yaml(path)
    assert t.germline_het_band == (0.35, 0.65) and t.wbc_min_alt_reads == 3 and t.informative_min_tumor_fraction == 0.02
    for text, needle in [
        ("wbc_min_vaf: lots\n", "wbc_min_vaf: 'lots' is not a non-negative number"),
        ("wbc_min_alt_reads: 2.5\n", "is not a whole number"),
        ("germline_het_band: 0.5\n", "is not a list of 2 numbers"),
        ("germline_het_band: [0.6, 0.4]\n", "is not a VAF band"),
        ("germline_het_band: [0.4, -1]\n", "is not a non-negative number"),
        ("germline_hom_min_vaf: 1.5\n", "germline_hom_min_vaf"),
        ("discordance_factor: 0.5\n", "discordance_factor"),
        ("wbc_min_reads: 2\n", "unknown threshold(s) wbc_min_reads; known: germline_het_band"),
    ]:
        path.write_text(text)
        with pytest.raises(InputError, match="p.yaml: ") as exc:
            PlasmaThresholds.from_yaml(path)
        assert needle in exc.value.format_message(), exc.value.format_message()


def test_bad_plasma_thresholds_file_is_one_line_and_no_output(console, tmp_path, write):
    vcf = write("s.vcf", mutect2_vcf([G12D]))
    bad = write("p.yaml", "germline_het_band: [0.6, 0.4]\n")
    outdir = tmp_path / "out"
    proc = console(["annotate", vcf, "--kb", MINI_KB, "--outdir", outdir, "--format", "json",
                    "--plasma-thresholds", bad], tmp_path)
    assert_clean_failure(proc, outdir, "p.yaml", "germline_het_band", "VAF band")


# --- which column is the WBC ---------------------------------------------------------------------------------

@pytest.mark.parametrize("columns, extra, expected", [
    (["ANYNAME"], "##normal_sample=OTHER\n", "ANYNAME"),  # the only column wins
    (["P1_PLASMA", "P1_BLOOD"], "##normal_sample=P1_BLOOD\n", "P1_BLOOD"),
    (["BATCH__T1", "BATCH__N1"], "##normal_sample=N1\n", "BATCH__N1"),  # renamed after calling: one match
    (["TUMOR", "NORMAL"], "", "NORMAL"),
    (["S1", "S2"], "##tumor_sample=S1\n", "S2"),  # the other of the stated tumor
    (["P1_plasma", "P1_wbc"], "", "P1_wbc"),
    (["P1_tumor", "P1_x"], "", "P1_x"),  # the other of the one tumor-like name
])
def test_the_wbc_column_is_chosen_by_the_tumor_choice_machinery(tmp_path, columns, extra, expected):
    path = tmp_path / "w.vcf"
    path.write_text(wbc_vcf([], extra=extra).replace("\tP1_WBC\n", "\t" + "\t".join(columns) + "\n"))
    assert vcf_reader.choose_normal_sample(vcf_reader.read_header(path)) == expected


def test_a_wbc_file_whose_column_cannot_be_told_is_refused(tmp_path):
    path = tmp_path / "w.vcf"
    path.write_text(wbc_vcf([]).replace("\tP1_WBC\n", "\tS1\tS2\n"))
    with pytest.raises(InputError, match="cannot tell which sample is the white-blood-cell .normal. column.*S1, S2"):
        vcf_reader.choose_normal_sample(vcf_reader.read_header(path))
    path.write_text(wbc_vcf([], extra="##normal_sample=ZZ\n").replace("\tP1_WBC\n", "\tS1\tS2\n"))
    with pytest.raises(InputError, match="##normal_sample=ZZ names no sample column"):
        vcf_reader.choose_normal_sample(vcf_reader.read_header(path))


def test_the_tumor_choice_is_unchanged(tmp_path):
    path = tmp_path / "t.vcf"
    path.write_text(mutect2_vcf([G12D]))
    header = vcf_reader.read_header(path)
    assert vcf_reader.choose_tumor_sample(header, None) == "PLASMA_1"
    assert vcf_reader.choose_normal_sample(header) == "NORMAL_1"  # a paired plasma/WBC VCF is a WBC VCF too


# --- reading the WBC calls ------------------------------------------------------------------------------------

def test_wbc_calls_keep_vaf_depth_reads_filtered_and_low_genotype_zero_alleles(tmp_path, mini_kb):
    path = tmp_path / "w.vcf"
    path.write_text(wbc_vcf([
        G12D_WBC,
        "chr7 55191822 T G weak_evidence 0/0:997,3:0.003:1000",  # L858R: 0/0, 3 reads, filtered: still present
        "chr12 25245351 C A PASS 0/0:1000,0:0.0:1000",  # G12C: no reads in WBC, not a call
        "chr3 100 A G PASS 0/1:50,50:0.5:100",  # outside knowledgebase genes: counted only
    ]))
    wbc = _read_wbc(path, mini_kb)
    found = {(v.gene, v.hgvsp): v for v in wbc.variants}
    assert set(found) == {("KRAS", "p.G12D"), ("EGFR", "p.L858R")}
    g12d = found["KRAS", "p.G12D"]
    assert (g12d.vaf, g12d.depth, WbcCalls.alt_reads(g12d)) == (0.01, 1000, 10)
    assert found["EGFR", "p.L858R"].filter == "weak_evidence" and WbcCalls.alt_reads(found["EGFR", "p.L858R"]) == 3
    assert wbc.sample == "P1_WBC"
    assert wbc.input.role == "wbc" and wbc.input.file == "w.vcf" and wbc.input.counts is not None
    assert wbc.input.counts.records_read == 4 and wbc.input.counts.outside_knowledgebase_genes == 1
    # "present in WBC" minimums decide which 0/0 alleles are kept, not the plasma call thresholds
    assert {v.hgvsp for v in _read_wbc(path, mini_kb, wbc_min_alt_reads=5).variants} == {"p.G12D"}


def test_wbc_calls_find_the_plasma_allele_across_contig_names(tmp_path, mini_kb):
    path = tmp_path / "w.vcf"
    path.write_text(wbc_vcf([G12D_WBC]))
    wbc = _read_wbc(path, mini_kb)
    plasma = SmallVariant(gene="KRAS", source="s.vcf", type="snv", chrom="12", pos=25245350, ref="C", alt="T")
    assert wbc.find(plasma) is wbc.variants[0]
    assert wbc.find(plasma.model_copy(update={"alt": "A"})) is None


def test_the_wbc_file_is_listed_in_the_report_inputs_with_its_counts(tmp_path, write, mini_kb):
    plasma = write("s.vcf", mutect2_vcf([L858R, G12D]))
    wbc = write("w.vcf", wbc_vcf([G12D_WBC]))
    report = annotate_sample(SampleInputs(vcfs=(plasma,), wbc_vcf=wbc), RunConfig(), mini_kb)
    roles = {i.role: i for i in report.inputs}
    assert set(roles) == {"vcf", "wbc"} and roles["wbc"].file == "w.vcf"
    assert roles["wbc"].counts.records_read == 1 and report.counts.records_read == 2  # WBC not in the plasma counts
    assert {o.label for o in report.observations} == {"EGFR L858R", "KRAS G12D"}  # read, not classified here


def test_the_wbc_reading_reaches_the_pipeline_as_wbc_calls(tmp_path, write, mini_kb, monkeypatch):
    """The hook helper C's read_plasma takes: `wbc` in annotate_sample is a WbcCalls with the WBC alleles."""
    import annotator.pipeline as pipeline

    seen: list[WbcCalls] = []
    real = pipeline.read_wbc
    monkeypatch.setattr(pipeline, "read_wbc", lambda *a, **k: seen.append(real(*a, **k)) or seen[-1])
    plasma = write("s.vcf", mutect2_vcf([L858R, G12D]))
    wbc = write("w.vcf", wbc_vcf([G12D_WBC, L858R_WBC_GERMLINE]))
    annotate_sample(SampleInputs(vcfs=(plasma,), wbc_vcf=wbc), RunConfig(), mini_kb)
    assert [(v.hgvsp, v.vaf) for v in seen[0].variants] == [("p.G12D", 0.01), ("p.L858R", 0.5)]


def test_wbc_build_must_agree_with_the_plasma(tmp_path, write):
    plasma = vcf_reader.read_header(write("s.vcf", mutect2_vcf([G12D])))
    wbc = write("w37.vcf", wbc_vcf([], build="GRCh37"))
    build = resolve_build([plasma], None)
    with pytest.raises(InputError, match=r"w37.vcf: the WBC VCF \(--wbc-vcf\) is on GRCh37 .* plasma input is on GRCh38"):
        read_wbc_header(wbc, build)
    no_build = write("w.vcf", "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tW\n")
    assert read_wbc_header(no_build, build).samples == ["W"]  # no build evidence: read on the plasma's


@pytest.mark.parametrize("name, text, needles", [
    ("w37.vcf", wbc_vcf([], build="GRCh37"), ["w37.vcf", "GRCh37", "GRCh38"]),
    ("w.txt", "this is not a VCF\n", ["w.txt", "not a VCF"]),
    ("two.vcf", wbc_vcf([]).replace("\tP1_WBC\n", "\tS1\tS2\n"), ["two.vcf", "cannot tell which sample", "S1, S2"]),
    ("bad.vcf", wbc_vcf(["chr12 25245350 C T PASS 0/1:990,10,5:0.01:1000"]), ["bad.vcf:", "FORMAT AD has 3 value(s)"]),
])
def test_bad_wbc_input_is_one_line_exit_2_and_no_output(console, tmp_path, write, name, text, needles):
    plasma = write("s.vcf", mutect2_vcf([G12D]))
    wbc = write(name, text)
    outdir = tmp_path / "out"
    proc = console(["annotate", plasma, "--wbc-vcf", wbc, "--kb", MINI_KB, "--outdir", outdir, "--format", "json,html"], tmp_path)
    assert_clean_failure(proc, outdir, *needles)


def test_missing_wbc_file_is_refused_before_any_work(console, tmp_path, write):
    plasma = write("s.vcf", mutect2_vcf([G12D]))
    outdir = tmp_path / "out"
    proc = console(["annotate", plasma, "--wbc-vcf", tmp_path / "nope.vcf", "--kb", MINI_KB, "--outdir", outdir], tmp_path)
    assert_clean_failure(proc, outdir, "nope.vcf", "file not found")


def test_annotate_with_wbc_vcf_writes_the_wbc_input_and_plasma_settings(console, tmp_path, write):
    plasma = write("s.vcf", mutect2_vcf([G12D]))
    wbc = write("w.vcf", wbc_vcf([G12D_WBC]))
    thresholds = write("p.yaml", "wbc_min_alt_reads: 4\n")
    outdir = tmp_path / "out"
    proc = console(["annotate", plasma, "--wbc-vcf", wbc, "--plasma-thresholds", thresholds, "--kb", MINI_KB,
                    "--outdir", outdir, "--format", "json"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(next(outdir.glob("*.json")).read_text())
    assert [(i["role"], i["file"]) for i in data["inputs"]] == [("vcf", "s.vcf"), ("wbc", "w.vcf")]


# --- the sample sheet -----------------------------------------------------------------------------------------

def test_sheet_wbc_vcf_resolves_against_the_sheet_and_enters_the_fingerprint(tmp_path):
    sheet_dir = tmp_path / "run"
    (sheet_dir / "data").mkdir(parents=True)
    (sheet_dir / "data" / "s.vcf").write_text(mutect2_vcf([G12D]))
    wbc = sheet_dir / "data" / "w.vcf"
    wbc.write_text(wbc_vcf([G12D_WBC]))
    sheet = sheet_dir / "sheet.tsv"
    sheet.write_text("sample_id\tvcf\twbc_vcf\nP1\tdata/s.vcf\tdata/w.vcf\nP2\tdata/s.vcf\t\n")
    rows = read_samplesheet(sheet)
    assert rows[0].wbc_vcf == wbc and rows[1].wbc_vcf is None
    assert wbc in rows[0].input_paths()
    options = BatchOptions(outdir=tmp_path / "o", formats=("json",))
    before = fingerprint(rows[0], options, "kb")
    wbc.write_text(wbc_vcf([G12D_WBC, L858R_WBC_GERMLINE]))
    assert fingerprint(rows[0], options, "kb") != before
    stricter = BatchOptions(outdir=tmp_path / "o", formats=("json",), plasma=PlasmaThresholds(wbc_min_alt_reads=9))
    assert fingerprint(rows[0], stricter, "kb") != fingerprint(rows[0], options, "kb")


def test_sheet_missing_wbc_file_is_a_problem_of_its_line(tmp_path):
    (tmp_path / "s.vcf").write_text(mutect2_vcf([G12D]))
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("sample_id,vcf,wbc_vcf\nP1,s.vcf,gone.vcf\n")
    with pytest.raises(InputError, match="line 2: sample 'P1': wbc_vcf file not found"):
        read_samplesheet(sheet)


def test_batch_passes_the_wbc_file_and_plasma_thresholds_to_the_sample(tmp_path, run_cli):
    (tmp_path / "s.vcf").write_text(mutect2_vcf([G12D]))
    (tmp_path / "w.vcf").write_text(wbc_vcf([G12D_WBC]))
    (tmp_path / "p.yaml").write_text("wbc_min_vaf: 0.001\n")
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text("sample_id\tvcf\twbc_vcf\nP1\ts.vcf\tw.vcf\n")
    result = run_cli(["batch", sheet, "--outdir", tmp_path / "out", "--format", "json", "--jobs", "1", "--no-cohort",
                      "--kb", MINI_KB, "--plasma-thresholds", tmp_path / "p.yaml"])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "out" / "P1.json").read_text())
    assert [i["role"] for i in data["inputs"]] == ["vcf", "wbc"]


# --- genes read beyond the resistance genes -------------------------------------------------------------------

def test_an_extra_gene_is_read_by_the_vcf_reader(tmp_path, write):
    kb = kb_variant(tmp_path, genes=[TP53, RB1])
    text = mutect2_vcf([L858R, TP53_R273H, f"chr13 48303800 G T PASS {N} 0/1:990,10:0.01:1000"])
    vcf = write("s.vcf", text.replace("##source", MORE_CONTIGS + "##source", 1))
    report = annotate_sample(SampleInputs(vcfs=(vcf,)), RunConfig(), kb)
    genes = {o.gene for o in report.observations}
    assert {"TP53", "RB1", "EGFR"} <= genes
    assert report.counts.outside_knowledgebase_genes == 0


def test_splice_and_truncating_terms_are_never_counted_as_non_coding():
    """The non-coding rule (`known` in the pipeline) drops only variants every term calls non-coding: the
    splice and truncating variants the transformation signal needs stay rows in any gene."""
    for terms in (["splice_donor_variant"], ["splice_acceptor_variant", "intron_variant"], ["stop_gained"],
                  ["frameshift_variant"], ["splice_region_variant", "intron_variant"]):
        assert not non_coding(terms), terms
    assert non_coding(["intron_variant"])


def test_rb1_copy_loss_reaches_the_copy_number_alterations(tmp_path, write):
    kb = kb_variant(tmp_path, genes=[RB1])
    for plasma_copies, adjusted in [("0.2", 0.0), ("1.0", 0.75)]:
        report = run(write, kb, [L858R], cnv=f"RB1\t{plasma_copies}\n", tumor_fraction=0.8)
        rb1 = [c.measurement for c in report.copy_numbers if c.measurement.gene == "RB1"]
        assert [(c.status, c.adjusted_copy_number) for c in rb1] == [("copy_loss", adjusted)]
        assert "RB1 copy loss" in {o.label for o in report.observations}
