"""Real files never crash the small-variant reader or fool it (issue 10). Each fixture is a tiny inline
VCF with exactly the layout of the third-party file that broke it; the name says which."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.config import CallThresholds, RunConfig
from annotator.errors import InputError
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.paths import ROOT

L858R_37 = ("7", 55259515, "T", "G")
L858R_38 = ("chr7", 55191822, "T", "G")
T790M_37 = ("7", 55249071, "C", "T")
CONTIG7_37 = "##contig=<ID=7,length=159138663>\n"
CONTIG7_38 = "##contig=<ID=chr7,length=159345973>\n"
GT = '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
AD = '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">\n'
DP = '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">\n'


def vcf(meta: str, samples: list[str], records: list[str], fileformat: str = "VCFv4.2") -> str:
    columns = "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"] + (["FORMAT", *samples] if samples else []))
    return f"##fileformat={fileformat}\n{meta}{columns}\n" + "".join(r + "\n" for r in records)


def rec(site: tuple, fmt: str | None = None, *cells: str, info: str = ".", filt: str = "PASS", alt: str | None = None) -> str:
    chrom, pos, ref, a = site
    cols = [chrom, str(pos), ".", ref, alt or a, "50", filt, info]
    return "\t".join(cols + ([fmt, *cells] if fmt else []))


def annotate(kb, *paths: Path, **config):
    return annotate_sample(SampleInputs(vcfs=tuple(paths)), RunConfig(**config), kb)


def labels(report) -> set[str]:
    return {a.label for a in report.observations}


# --- Crash: records whose FORMAT was never unpacked (cyvcf2 lazy records) -----------------------

GT_ONLY = vcf(CONTIG7_37 + GT, ["S1"], [rec(L858R_37, "GT", "0/1")])
GT_GQ = vcf(CONTIG7_37 + GT + '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">\n', ["S1"], [rec(L858R_37, "GT:GQ", "0/1:99")])
# PCGR's example layout: FORMAT declares only GT:DPC:DPT:ADC:ADT:AL, VAF and depth in INFO TVAF/TDP, no ##contig.
PCGR_EXAMPLE = vcf(
    GT + "".join(f'##FORMAT=<ID={k},Number=1,Type=Integer,Description="{k}">\n' for k in ("DPC", "DPT", "ADC", "ADT", "AL"))
    + '##INFO=<ID=TVAF,Number=.,Type=Float,Description="Tumor VAF">\n##INFO=<ID=TDP,Number=.,Type=Integer,Description="Tumor depth">\n',
    ["TUMOR"], [rec(L858R_37, "GT:DPC:DPT:ADC:ADT:AL", "0/1:.:1000:.:120:1", info="TVAF=0.12;TDP=1000")],
)
# The VCF 4.3 specification's first example, its FORMAT GT:GQ:DP:HQ, moved into EGFR exon 21.
SPEC_43 = vcf(
    CONTIG7_37 + GT + '##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">\n' + DP
    + '##FORMAT=<ID=HQ,Number=2,Type=Integer,Description="Haplotype Quality">\n',
    ["NA00001", "NA00002", "NA00003"],
    [rec(L858R_37, "GT:GQ:DP:HQ", "0|0:48:1:51,51", "1|0:48:8:51,51", "1/1:43:5:.,.")], fileformat="VCFv4.3",
)


@pytest.mark.parametrize("name,text,extra", [
    ("gt_only.vcf", GT_ONLY, []),
    ("gt_gq.vcf", GT_GQ, []),
    ("pcgr_example_layout.vcf", PCGR_EXAMPLE, ["--genome", "GRCh37"]),
    ("vcf43_spec_example.vcf", SPEC_43, ["--tumor-sample", "NA00002"]),
])
def test_unpacked_format_never_crashes(tmp_path, name, text, extra):
    """Run in a child process: a segmentation fault must fail this test, not kill the suite."""
    path = tmp_path / name
    path.write_text(text)
    proc = subprocess.run([sys.executable, "-m", "annotator.cli", "annotate", str(path), "--format", "json", "--outdir", str(tmp_path), *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-500:])
    report = json.loads(next(tmp_path.glob("*.json")).read_text())
    found = {a["hgvsp"]: a for a in (row["observation"] for row in report["alterations"]) if a["gene"] == "EGFR"}
    assert "p.L858R" in found
    if name.startswith("pcgr"):
        assert found["p.L858R"]["vaf"] == 0.12 and found["p.L858R"]["depth"] == 1000


# --- Stale tabix index -------------------------------------------------------------------------

def _bgzip_with_index(text: str, path: Path, index: bool = True) -> Path:
    import pysam

    plain = path.with_suffix("")
    plain.write_text(text)
    pysam.tabix_compress(str(plain), str(path), force=True)
    if index:
        pysam.tabix_index(str(path), preset="vcf", force=True)
    return path


def _many_records(extra: list[str], filler_records: int = 3000) -> str:
    """A first record that never changes, filler records on chr 1, ``extra`` records on chr 7."""
    filler = [rec(("1", 1000 + i, "A", "C"), "GT:AD", "0/1:50,50") for i in range(filler_records)]
    return vcf("##contig=<ID=1,length=249250621>\n" + CONTIG7_37 + '##FILTER=<ID=weak,Description="weak">\n' + GT + AD, ["S1"], filler + extra)


def test_stale_index_whose_first_record_matches_does_not_hide_the_driver(tmp_path, shipped_kb):
    old = tmp_path / "old" / "plasma.vcf.gz"
    old.parent.mkdir()
    # The rewrite added filler records before chr 7 (same first record): the old index's chr 7 chunks now point
    # into filler, so on the main this issue started from the query found nothing, L858R and T790M vanished.
    _bgzip_with_index(_many_records([rec(T790M_37, "GT:AD", "0/1:900,100")], 3_000), old)
    new = tmp_path / "plasma.vcf.gz"
    _bgzip_with_index(_many_records([rec(T790M_37, "GT:AD", "0/1:900,100"), rec(L858R_37, "GT:AD", "0/1:800,200")], 20_000), new, index=False)
    shutil.copy(old.with_name(old.name + ".tbi"), new.with_name(new.name + ".tbi"))  # copied after the rewrite: newer
    report = annotate(shipped_kb, new)
    assert "EGFR L858R" in labels(report)
    assert "streamed" in report.inputs[0].format
    assert any("index" in w and "read in full" in w for w in report.warnings)


def test_valid_index_is_used_without_warning(tmp_path, shipped_kb):
    path = _bgzip_with_index(_many_records([rec(L858R_37, "GT:AD", "0/1:800,200")]), tmp_path / "plasma.vcf.gz")
    report = annotate(shipped_kb, path)
    assert "indexed" in report.inputs[0].format and "EGFR L858R" in labels(report)
    assert not any("index" in w for w in report.warnings)
    assert report.counts.records_read == 3001


def test_counts_are_the_same_indexed_streamed_and_bcf(tmp_path, shipped_kb):
    text = _many_records([rec(T790M_37, "GT:AD", "0/1:900,100", filt="weak"), rec(T790M_37, "GT:AD", "0/1:900,100", alt="N"),
                          rec(L858R_37, "GT:AD", "0/1:800,200")])
    indexed = _bgzip_with_index(text, tmp_path / "a.vcf.gz")
    streamed = _bgzip_with_index(text, tmp_path / "b.vcf.gz", index=False)
    bcf = _to_bcf(streamed, tmp_path / "c.bcf")
    reports = [annotate(shipped_kb, p) for p in (indexed, streamed, bcf)]
    assert [("indexed" in r.inputs[0].format) for r in reports] == [True, False, False]
    assert reports[0].counts == reports[1].counts == reports[2].counts
    c = reports[0].counts
    assert (c.records_read, c.outside_knowledgebase_genes, c.filtered, c.passed_filters, c.skipped) == (3003, 3000, 1, 2, 1)


# --- RefSeq / GenBank contig names ------------------------------------------------------------

def test_refseq_contig_names_are_mapped_and_give_the_build(tmp_path, shipped_kb):
    path = tmp_path / "refseq.vcf"
    path.write_text(vcf("##contig=<ID=NC_000007.14,length=159345973>\n" + GT + AD, ["S1"],
                        [rec(("NC_000007.14", 55191822, "T", "G"), "GT:AD", "0/1:800,200")]))
    report = annotate(shipped_kb, path)
    assert report.genome_build == "GRCh38" and "EGFR L858R" in labels(report)


def test_genbank_contig_names_are_mapped(tmp_path, shipped_kb):
    path = tmp_path / "genbank.vcf"
    path.write_text(vcf(GT + AD, ["S1"], [rec(("CM000669.1", 55259515, "T", "G"), "GT:AD", "0/1:800,200")]))
    report = annotate(shipped_kb, path)
    assert report.genome_build == "GRCh37" and "EGFR L858R" in labels(report)


def test_unrecognised_contig_names_are_warned(tmp_path, shipped_kb):
    path = tmp_path / "odd_contigs.vcf"
    path.write_text(vcf(GT + AD, ["S1"], [rec(("scaffold_7", 55259515, "T", "G"), "GT:AD", "0/1:800,200")]))
    report = annotate(shipped_kb, path, genome="GRCh37")
    assert not report.observations
    assert any("no header contig and no record lies on a recognised chromosome" in w for w in report.warnings)


# --- Tumor genotype 0/0 with alt reads ----------------------------------------------------------

HAPLOTYPECALLER_00 = vcf(CONTIG7_37 + GT + AD + DP + "##source=HaplotypeCaller\n", ["PLASMA"], [
    rec(T790M_37, "GT:AD:DP", "0/0:970,30:1000"),
    rec(L858R_37, "GT:AD:DP", "0/0:998,2:1000"),
])


def test_genotype_00_with_enough_alt_reads_is_kept_with_a_note(tmp_path, shipped_kb):
    path = tmp_path / "hc.vcf"
    path.write_text(HAPLOTYPECALLER_00)
    report = annotate(shipped_kb, path)
    t790m = next(a for a in report.observations if a.label == "EGFR T790M")
    assert t790m.vaf == 0.03 and "caller genotype 0/0, 30 alt reads" in t790m.notes
    assert "EGFR L858R" not in labels(report)  # 2 reads: below the minimum, counted with its reason
    reasons = report.counts.skipped_reasons
    assert sum(n for r, n in reasons.items() if r.startswith("caller genotype without this allele")) == 1
    assert report.settings.calls.genotype_zero_min_alt_reads == 5
    assert report.settings.calls.genotype_zero_min_vaf == 0.005


def test_genotype_00_thresholds_are_configurable(tmp_path, shipped_kb):
    path = tmp_path / "hc.vcf"
    path.write_text(HAPLOTYPECALLER_00)
    report = annotate(shipped_kb, path, calls=CallThresholds(genotype_zero_min_alt_reads=50))
    assert not report.observations and report.settings.calls.genotype_zero_min_alt_reads == 50


def test_call_thresholds_yaml_is_validated(tmp_path):
    bad = tmp_path / "t.yaml"
    bad.write_text("genotype_zero_min_alt_reads: 2.5\n")
    with pytest.raises(InputError, match="not a whole number"):
        CallThresholds.from_yaml(bad)
    bad.write_text("fusion_min_confidence: certain\n")
    with pytest.raises(InputError, match="not one of low, medium, high"):
        CallThresholds.from_yaml(bad)
    bad.write_text("genotype_zero_min_reads: 3\n")
    with pytest.raises(InputError, match="unknown threshold"):
        CallThresholds.from_yaml(bad)


def test_alt_allele_outside_the_tumor_genotype_is_not_a_variant(tmp_path, shipped_kb):
    """GT 0/2 calls C, not G: the uncalled ALT becomes a finding only with enough reads of its own."""
    path = tmp_path / "gt02.vcf"
    path.write_text(vcf(CONTIG7_37 + GT + AD, ["S1", "S2"], [
        rec(L858R_37, "GT", "0/2", "0/1", alt="G,C"),
        rec(T790M_37, "GT:AD", "0/2:900,60,40", "0/0:10,0,0", alt="T,G"),
    ]).replace("GT:AD\t0/2:900", "GT:AD\t0/2:900"))
    report = annotate(shipped_kb, path, tumor_sample="S1")
    found = {(a.pos, a.alt): a for a in report.observations}
    assert (55259515, "G") not in found and (55259515, "C") in found  # no reads: the genotype decides
    t790m = found[(55249071, "T")]  # 60 reads beside a 0/2 genotype: kept, and said
    assert "caller genotype 0/2, 60 alt reads" in t790m.notes
    assert report.counts.skipped_reasons == {"caller genotype without this allele (e.g. 0/0) and no read counts": 1}


def test_same_site_twice_is_read_alike_indexed_and_streamed(tmp_path, shipped_kb):
    """Multi-caller merges write one site twice: the indexed read must not take the twin for a window overlap."""
    text = _many_records([rec(L858R_37, "GT:AD", "0/1:997,3", filt="weak"), rec(L858R_37, "GT:AD", "0/1:800,200")])
    indexed = annotate(shipped_kb, _bgzip_with_index(text, tmp_path / "a.vcf.gz"))
    streamed = annotate(shipped_kb, _bgzip_with_index(text, tmp_path / "b.vcf.gz", index=False))
    assert "indexed" in indexed.inputs[0].format
    assert indexed.counts == streamed.counts and indexed.counts.passed_filters == 1 and indexed.counts.filtered == 1
    assert [a.vaf for a in indexed.observations] == [a.vaf for a in streamed.observations] == [0.2]


# --- FORMAT/AF Number=1 on a multi-allelic record ---------------------------------------------

AF_NUMBER_1 = '##FORMAT=<ID=AF,Number=1,Type=Float,Description="Allele fraction of the event">\n'


def test_event_level_af_gives_per_allele_vaf_from_ad(tmp_path, shipped_kb):
    path = tmp_path / "af1.vcf"
    path.write_text(vcf(CONTIG7_37 + GT + AD + AF_NUMBER_1, ["S1"], [rec(L858R_37, "GT:AD:AF", "0/1/2:900,80,20:0.1", alt="G,C")]))
    report = annotate(shipped_kb, path)
    vafs = {a.alt: a.vaf for a in report.observations}
    assert vafs == {"G": 0.08, "C": 0.02}
    assert all("VAF computed from AD" in " ".join(a.notes) for a in report.observations)


def test_event_level_af_without_ad_says_unavailable(tmp_path, shipped_kb):
    path = tmp_path / "af1_no_ad.vcf"
    path.write_text(vcf(CONTIG7_37 + GT + AF_NUMBER_1, ["S1"], [rec(L858R_37, "GT:AF", "0/1/2:0.1", alt="G,C")]))
    report = annotate(shipped_kb, path)
    assert {a.alt: a.vaf for a in report.observations} == {"G": None, "C": None}
    assert all("per-allele VAF unavailable" in " ".join(a.notes) for a in report.observations)


def test_single_alt_af_number_1_is_used(tmp_path, shipped_kb):
    path = tmp_path / "af1_single.vcf"
    path.write_text(vcf(CONTIG7_37 + GT + AF_NUMBER_1, ["S1"], [rec(L858R_37, "GT:AF", "0/1:0.1")]))
    assert [a.vaf for a in annotate(shipped_kb, path).observations] == [0.1]


# --- BCF -----------------------------------------------------------------------------------------

def _to_bcf(src: Path, dst: Path) -> Path:
    import pysam

    with pysam.VariantFile(str(src)) as vin, pysam.VariantFile(str(dst), "wb", header=vin.header) as out:
        for r in vin:
            out.write(r)
    return dst


def test_bcf_is_read_like_a_vcf(tmp_path, shipped_kb):
    text_path = tmp_path / "plasma.vcf"
    text_path.write_text(vcf(CONTIG7_37 + GT + AD + "##DRAGENCommandLine=<ID=dragen,Version=\"SW: 4.2\">\n", ["PLASMA_7"],
                             [rec(L858R_37, "GT:AD", "0/1:800,200")]))
    bcf = _to_bcf(text_path, tmp_path / "plasma.bcf")
    report = annotate(shipped_kb, bcf)
    assert "EGFR L858R" in labels(report) and report.inputs[0].format.startswith("BCF (DRAGEN")
    assert report.sample.id == "PLASMA_7"
    if shutil.which("bcftools") is None:
        pytest.skip("bcftools absent: the indexed BCF path is not checked")
    subprocess.run(["bcftools", "index", str(bcf)], check=True)  # CSI index: read by region
    indexed = annotate(shipped_kb, bcf)
    assert "indexed" in indexed.inputs[0].format and labels(indexed) == labels(report)


def test_bcf_in_a_batch(tmp_path, run_cli):
    text_path = tmp_path / "p1.vcf"
    text_path.write_text(vcf(CONTIG7_37 + GT + AD, ["P1"], [rec(L858R_37, "GT:AD", "0/1:800,200")]))
    bcf = _to_bcf(text_path, tmp_path / "p1.bcf")
    sheet = tmp_path / "sheet.tsv"
    sheet.write_text(f"sample_id\tvcf\nP1\t{bcf}\n")
    result = run_cli(["batch", sheet, "--outdir", tmp_path / "out", "--format", "json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "P1.json").read_text())
    assert any(row["observation"].get("hgvsp") == "p.L858R" for row in report["alterations"])


# --- Encodings -----------------------------------------------------------------------------------

def test_bom_is_accepted_in_plain_and_gzipped_files(tmp_path, shipped_kb):
    text = vcf(CONTIG7_37 + GT + AD, ["S1"], [rec(L858R_37, "GT:AD", "0/1:800,200")])
    plain = tmp_path / "bom.vcf"
    plain.write_bytes(b"\xef\xbb\xbf" + text.encode())
    gz = tmp_path / "bom.vcf.gz"
    gz.write_bytes(gzip.compress(b"\xef\xbb\xbf" + text.encode()))
    for path in (plain, gz):
        assert "EGFR L858R" in labels(annotate(shipped_kb, path))


def test_bom_file_with_a_bad_record_names_the_users_file_and_line(tmp_path, run_cli):
    text = vcf(CONTIG7_37 + GT + AD, ["S1"], [rec(L858R_37, "GT:AD", "0/1:800,x")])  # htslib refuses the record
    path = tmp_path / "bom_bad.vcf"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    result = run_cli(["annotate", path, "--outdir", tmp_path / "out", "--format", "json"])
    assert result.exit_code == 2
    assert "bom_bad.vcf:6:" in result.output and "ctdna-annotator-" not in result.output and "/tmp/tmp" not in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize("where,line", [("header", 3), ("record", 6)])
def test_latin1_byte_is_named_not_utf8_with_its_line(tmp_path, run_cli, where, line):
    text = vcf(CONTIG7_37 + '##comment=Probe set from Universit\x00 de Montr\x00al\n' + GT, ["S1"], [rec(L858R_37, "GT", "0/1")])
    raw = text.encode()
    if where == "header":
        raw = raw.replace(b"\x00", b"\xe9")
    else:
        raw = raw.replace(b"\x00", b"e").replace(b"\tPASS\t.", b"\tPASS\tNOTE=caf\xe9")
    path = tmp_path / "latin1.vcf"
    path.write_bytes(raw)
    result = run_cli(["annotate", path, "--genome", "GRCh37", "--outdir", tmp_path / "out", "--format", "json"])
    assert result.exit_code == 2
    assert f"latin1.vcf:{line}: not UTF-8 at line {line}: byte 0xe9" in result.output
    assert "binary" not in result.output


# --- IUPAC ALT and REF N -------------------------------------------------------------------------

def test_iupac_alt_and_ref_n_are_skipped_counted_and_warned(tmp_path, shipped_kb):
    path = tmp_path / "iupac.vcf"
    path.write_text(vcf(CONTIG7_37 + GT + AD, ["S1"], [
        rec(L858R_37, "GT:AD", "0/1:800,200", alt="K"),
        rec(("7", 55259516, "N", "A"), "GT:AD", "0/1:800,200"),
        rec(T790M_37, "GT:AD", "0/1:900,100"),
    ]))
    report = annotate(shipped_kb, path)
    assert labels(report) == {"EGFR T790M"}
    reasons = report.counts.skipped_reasons
    assert reasons == {"IUPAC ambiguity code or N in ALT": 1, "REF N (unknown reference base)": 1}
    assert report.counts.skipped == 2
    assert any("IUPAC" in w and "7:55259515 T>K" in w for w in report.warnings)
    assert any("REF N" in w for w in report.warnings)


def test_iupac_ref_is_skipped(tmp_path, shipped_kb):
    path = tmp_path / "iupac_ref.vcf"
    path.write_text(vcf(CONTIG7_37 + GT + AD, ["S1"], [rec(("7", 55259515, "R", "G"), "GT:AD", "0/1:800,200"),
                                                     rec(("7", 55259516, "TR", "T"), "GT:AD", "0/1:800,200")]))
    report = annotate(shipped_kb, path)
    assert not report.observations and report.counts.skipped_reasons == {"IUPAC ambiguity code in REF": 2}


# --- Callers and sample names --------------------------------------------------------------------

@pytest.mark.parametrize("line,caller", [
    ('##DRAGENCommandLine=<ID=dragen,Version="SW: 07.021.624.3.10.9",CommandLineOptions="--enable-variant-caller true">', "DRAGEN"),
    ('##SentieonCommandLine.TNscope=<ID=TNscope,Version="sentieon-genomics-202308",Date="2024">', "Sentieon"),
    ('##SentieonCommandLine=<ID=TNhaplotyper2,Version="sentieon-genomics-202112">', "Sentieon"),
])
def test_dragen_and_sentieon_are_named(tmp_path, shipped_kb, line, caller):
    path = tmp_path / "c.vcf"
    path.write_text(vcf(CONTIG7_37 + GT + AD + line + "\n", ["S1"], [rec(L858R_37, "GT:AD", "0/1:800,200")]))
    assert annotate(shipped_kb, path).inputs[0].format.startswith(f"VCF ({caller};")


def test_duplicate_sample_names_are_named_as_such(tmp_path, run_cli):
    path = tmp_path / "dup.vcf"
    path.write_text(vcf(CONTIG7_37 + GT, ["S1", "S1"], [rec(L858R_37, "GT", "0/1", "0/1")]))
    result = run_cli(["annotate", path, "--outdir", tmp_path / "out", "--format", "json"])
    assert result.exit_code == 2
    assert "dup.vcf:4: duplicate sample name 'S1' in the #CHROM line (columns 10 and 11)" in result.output
    assert "could not be parsed" not in result.output
