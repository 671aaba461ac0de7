"""The shipped example inputs (example_vcfs/) and edge-case fixtures (tests/data/) are what they claim.

These tests check the files only; they do not run the annotator.
"""

from __future__ import annotations

import csv
import gzip
import math
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.paths import DATA, EXAMPLES

cyvcf2 = pytest.importorskip("cyvcf2")

BGZF_EOF = bytes.fromhex("1f8b08040000000000ff0600424302001b0003000000000000000000")

# Primary-assembly lengths (GRC). chrM/MT is the same in both builds.
LENGTHS = {
    "GRCh37": {
        "1": 249250621, "2": 243199373, "3": 198022430, "4": 191154276, "5": 180915260, "6": 171115067,
        "7": 159138663, "8": 146364022, "9": 141213431, "10": 135534747, "11": 135006516, "12": 133851895,
        "13": 115169878, "14": 107349540, "15": 102531392, "16": 90354753, "17": 81195210, "18": 78077248,
        "19": 59128983, "20": 63025520, "21": 48129895, "22": 51304566, "X": 155270560, "Y": 59373566,
        "MT": 16569,
    },
    "GRCh38": {
        "chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555, "chr5": 181538259,
        "chr6": 170805979, "chr7": 159345973, "chr8": 145138636, "chr9": 138394717, "chr10": 133797422,
        "chr11": 135086622, "chr12": 133275309, "chr13": 114364328, "chr14": 107043718, "chr15": 101991189,
        "chr16": 90338345, "chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
        "chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415, "chrM": 16569,
    },
}

# name -> build, caller, sample columns (in file order), tumor column, records, hotspots, side files.
# A hotspot is (chrom, pos, ref, alt, tumor FORMAT/AF, tumor FORMAT/DP).
SAMPLES = {
    "egfr_l858r_met_amp": dict(
        build="GRCh38", caller="Mutect2", columns=["PBMC_P001", "PLASMA_P001_T1"], tumor="PLASMA_P001_T1",
        records=16, passed=8,
        hotspots=[("chr7", 55191822, "T", "G", 0.12, 3000), ("chr17", 7673802, "C", "T", 0.10, 2756)],
        cnv=True, fusions=False,
    ),
    "egfr_ex19del_kras_pik3ca": dict(
        build="GRCh37", caller="VarDict", columns=["PLASMA_P002", "PBMC_P002"], tumor="PLASMA_P002",
        records=15, passed=7,
        hotspots=[
            ("7", 55242464, "AGGAATTAAGAGAAGC", "A", 0.08, 2500),
            ("12", 25398284, "C", "T", 0.015, 2600),
            ("3", 178936091, "G", "A", 0.02, 2400),
        ],
        cnv=True, fusions=False,
    ),
    "kif5b_ret": dict(
        build="GRCh38", caller="Mutect2", columns=["PBMC_P003", "PLASMA_P003_T1"], tumor="PLASMA_P003_T1",
        records=5, passed=3, hotspots=[("chr17", 7675088, "C", "T", 0.031, 2301)], cnv=True, fusions=True,
    ),
    "no_findings": dict(
        build="GRCh37", caller="Mutect2", columns=["PLASMA_P004"], tumor="PLASMA_P004",
        records=9, passed=7, hotspots=[("12", 25398283, "A", "G", 0.008882, 2477)], cnv=False, fusions=False,
    ),
}
# Knowledgebase hotspots that must not appear in the negative sample.
KB_HOTSPOTS_GRCH37 = {("12", 25398284), ("12", 25398285), ("7", 55259515), ("3", 178936091), ("7", 140453136)}


def vcf_path(name: str) -> Path:
    return EXAMPLES / f"{name}.vcf.gz"


def header_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n") for line in fh if line.startswith("#")]


def header_contigs(path: Path) -> dict[str, int]:
    out = {}
    for line in header_lines(path):
        if line.startswith("##contig=<ID="):
            fields = dict(kv.split("=", 1) for kv in line[len("##contig=<"):-1].split(","))
            out[fields["ID"]] = int(fields["length"])
    return out


def meta(path: Path, key: str) -> list[str]:
    prefix = f"##{key}="
    return [line[len(prefix):] for line in header_lines(path) if line.startswith(prefix)]


def records(name: str):
    vcf = cyvcf2.VCF(str(vcf_path(name)))
    try:
        return vcf.samples, list(vcf)
    finally:
        vcf.close()


def read_tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.reader(fh, delimiter="\t")]


# ------------------------------------------------------------------------------- example_vcfs


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_example_files_exist(name):
    spec = SAMPLES[name]
    assert vcf_path(name).is_file()
    assert Path(f"{vcf_path(name)}.tbi").is_file()
    assert (EXAMPLES / f"{name}.cnv.tsv").is_file() == spec["cnv"]
    assert (EXAMPLES / f"{name}.fusions.tsv").is_file() == spec["fusions"]


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_example_is_bgzf_with_eof_marker(name):
    data = vcf_path(name).read_bytes()
    assert data[:4] == b"\x1f\x8b\x08\x04", "not BGZF (bgzip) compressed"
    assert data.endswith(BGZF_EOF)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_example_parses_with_cyvcf2(name):
    spec = SAMPLES[name]
    samples, recs = records(name)
    assert samples == spec["columns"]
    assert len(recs) == spec["records"]
    assert sum(r.FILTER is None for r in recs) == spec["passed"]
    for r in recs:
        assert r.format("AF") is not None and r.format("DP") is not None
        assert r.REF and r.ALT


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_example_records_sorted_in_header_contig_order(name):
    order = {c: i for i, c in enumerate(header_contigs(vcf_path(name)))}
    _, recs = records(name)
    keys = [(order[r.CHROM], r.POS) for r in recs]
    assert keys == sorted(keys)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_example_contig_lengths_are_the_real_ones(name):
    build = SAMPLES[name]["build"]
    assert header_contigs(vcf_path(name)) == LENGTHS[build]
    (reference,) = meta(vcf_path(name), "reference")
    assert ("38" in reference) == (build == "GRCh38")


def test_reference_lengths_spot_check():
    assert LENGTHS["GRCh37"]["1"] == 249250621 and LENGTHS["GRCh37"]["7"] == 159138663
    assert LENGTHS["GRCh38"]["chr1"] == 248956422 and LENGTHS["GRCh38"]["chr7"] == 159345973


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_example_caller_header(name):
    spec = SAMPLES[name]
    path = vcf_path(name)
    (fileformat,) = meta(path, "fileformat")
    assert fileformat == "VCFv4.2"
    filters = [line for line in header_lines(path) if line.startswith("##FILTER=")]
    if spec["caller"] == "Mutect2":
        assert meta(path, "source") == ["FilterMutectCalls", "Mutect2"]
        assert any(v.startswith("<ID=Mutect2,") for v in meta(path, "GATKCommandLine"))
        assert meta(path, "tumor_sample") == [spec["tumor"]]
        normals = [c for c in spec["columns"] if c != spec["tumor"]]
        assert meta(path, "normal_sample") == normals
        assert any("ID=PASS" in f for f in filters) and any("ID=weak_evidence" in f for f in filters)
        text = "\n".join(header_lines(path))
        assert '##FORMAT=<ID=AF,Number=A,' in text and '##FORMAT=<ID=AD,Number=R,' in text
    else:
        (source,) = meta(path, "source")
        assert source.startswith("VarDict_v1.8")
        assert meta(path, "tumor_sample") == [] and meta(path, "normal_sample") == []
        assert spec["columns"][0] == spec["tumor"]  # var2vcf_paired.pl writes the tumor first
        assert any("ID=f0.005" in f for f in filters)


@pytest.mark.parametrize(
    ("name", "hotspot"), [(n, h) for n in sorted(SAMPLES) for h in SAMPLES[n]["hotspots"]]
)
def test_hotspot_record_vaf_and_depth(name, hotspot):
    chrom, pos, ref, alt, af, dp = hotspot
    samples, recs = records(name)
    t = samples.index(SAMPLES[name]["tumor"])
    (rec,) = [r for r in recs if r.CHROM == chrom and r.POS == pos]
    assert rec.REF == ref and rec.ALT == [alt]
    assert rec.FILTER is None  # PASS
    assert float(rec.format("AF")[t][0]) == pytest.approx(af, abs=5e-4)
    assert int(rec.format("DP")[t][0]) == dp
    ad = rec.format("AD")[t]
    assert ad[1] / dp == pytest.approx(af, abs=2e-3)


@pytest.mark.parametrize(
    ("name", "hotspot"), [(n, h) for n in sorted(SAMPLES) for h in SAMPLES[n]["hotspots"]]
)
def test_tabix_region_query_returns_hotspot(name, hotspot):
    chrom, pos, ref, alt, _, _ = hotspot
    vcf = cyvcf2.VCF(str(vcf_path(name)))
    try:
        found = [(r.POS, r.REF, r.ALT) for r in vcf(f"{chrom}:{pos}-{pos}")]
    finally:
        vcf.close()
    assert (pos, ref, [alt]) in found


def test_l858r_example_matches_the_brief_exactly():
    samples, recs = records("egfr_l858r_met_amp")
    t = samples.index("PLASMA_P001_T1")
    (rec,) = [r for r in recs if r.POS == 55191822]
    assert list(rec.format("AD")[t]) == [2640, 360]


def test_negative_sample_has_only_the_synonymous_kras_decoy():
    _, recs = records("no_findings")
    assert not {(r.CHROM, r.POS) for r in recs} & KB_HOTSPOTS_GRCH37
    (decoy,) = [r for r in recs if r.CHROM == "12"]
    assert (decoy.POS, decoy.REF, decoy.ALT) == (25398283, "A", ["G"])
    csq = decoy.INFO.get("CSQ")
    assert "ENST00000256078.4:c.36T>C" in csq and "p.Gly12%3D" in csq and "synonymous_variant" in csq


def test_negative_sample_csq_entries_match_the_header_layout():
    (desc,) = [line for line in header_lines(vcf_path("no_findings")) if line.startswith("##INFO=<ID=CSQ,")]
    fields = desc.split("Format: ", 1)[1].rstrip('">').split("|")
    assert fields[:4] == ["Allele", "Consequence", "IMPACT", "SYMBOL"] and fields[-1] == "MANE_SELECT"
    _, recs = records("no_findings")
    for r in recs:
        for entry in r.INFO.get("CSQ").split(","):
            assert len(entry.split("|")) == len(fields)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_bcftools_reads_the_example(name):
    if shutil.which("bcftools") is None:
        pytest.skip("bcftools not installed")
    for args in (["view", "-h"], ["view"], ["view", "-H", "-r", SAMPLES[name]["hotspots"][0][0]]):
        proc = subprocess.run(["bcftools", *args, str(vcf_path(name))], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert "[E::" not in proc.stderr and "[W::" not in proc.stderr, proc.stderr
    proc = subprocess.run(["bcftools", "view", "-H", str(vcf_path(name))], capture_output=True, text=True)
    assert len(proc.stdout.splitlines()) == SAMPLES[name]["records"]


@pytest.mark.parametrize("name", sorted(n for n in SAMPLES if SAMPLES[n]["cnv"]))
def test_cnv_tables(name):
    rows = read_tsv(EXAMPLES / f"{name}.cnv.tsv")
    assert rows[0] == ["gene", "copy_number", "log2"]
    assert len(rows) == 11
    for gene, cn, log2 in rows[1:]:
        assert gene and float(cn) >= 0
        assert float(log2) == pytest.approx(math.log2(float(cn) / 2), abs=1e-3)
    values = {gene: float(cn) for gene, cn, _ in rows[1:]}
    if name == "egfr_l858r_met_amp":
        assert values["MET"] == 8.0 and values["EGFR"] == 2.2 and values["ERBB2"] == 2.0 and values["KRAS"] == 2.0
    else:
        assert all(1.5 <= v <= 2.5 for v in values.values())


def test_fusion_table():
    rows = read_tsv(EXAMPLES / "kif5b_ret.fusions.tsv")
    assert rows == [["gene5", "gene3", "supporting_reads", "breakpoint5", "breakpoint3"],
                    ["KIF5B", "RET", "42", "NA", "NA"]]


def test_readme_lists_every_sample_and_its_command():
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in text.lower()
    for name in SAMPLES:
        assert f"ctdna-annotator annotate example_vcfs/{name}.vcf.gz" in text


# ------------------------------------------------------------------------------- tests/data

FIXTURES = [
    "truncated.vcf.gz", "no_header.vcf", "no_chrom_line.vcf", "short_record.vcf", "nonnumeric_pos.vcf",
    "garbage.bin", "empty.vcf", "no_build.vcf", "cnv_nonnumeric.cnv.tsv", "cnv_negative.cnv.tsv",
    "fusions_no_header.tsv", "generic_sample_name.vcf", "two_tumor_candidates.vcf", "contradicting_build.vcf",
    "multiallelic_missing_ad.vcf", "include_filtered.vcf", "vep_csq_grch38.vcf", "snpeff_ann_grch37.vcf",
]
VALID_FIXTURES = [
    "empty.vcf", "generic_sample_name.vcf", "two_tumor_candidates.vcf", "contradicting_build.vcf",
    "multiallelic_missing_ad.vcf", "include_filtered.vcf", "vep_csq_grch38.vcf", "snpeff_ann_grch37.vcf",
]


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_exists_and_is_documented(name):
    assert (DATA / name).is_file()
    assert f"`{name}`" in (DATA / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", VALID_FIXTURES)
def test_valid_fixtures_parse(name):
    vcf = cyvcf2.VCF(str(DATA / name))
    try:
        list(vcf)
    finally:
        vcf.close()


def test_truncated_fixture_is_cut_bgzf():
    data = (DATA / "truncated.vcf.gz").read_bytes()
    whole = vcf_path("egfr_l858r_met_amp").read_bytes()
    assert whole.startswith(data) and len(data) < 0.7 * len(whole)
    assert not data.endswith(BGZF_EOF)
    with pytest.raises(EOFError), gzip.open(DATA / "truncated.vcf.gz", "rb") as fh:
        fh.read()


def test_garbage_fixture_is_binary():
    data = (DATA / "garbage.bin").read_bytes()
    assert len(data) == 2048 and data[:2] != b"\x1f\x8b"
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_header_edge_fixtures():
    assert not any(line.startswith("#") for line in (DATA / "no_header.vcf").read_text().splitlines())
    lines = (DATA / "no_chrom_line.vcf").read_text().splitlines()
    assert lines[0] == "##fileformat=VCFv4.2" and not any(line.startswith("#CHROM") for line in lines)
    assert not any(line.startswith(("##reference", "##contig")) for line in (DATA / "no_build.vcf").read_text().splitlines())


def test_record_edge_fixtures_break_on_the_documented_line():
    short = (DATA / "short_record.vcf").read_text().splitlines()
    assert len(short[10].split("\t")) == 6
    pos = (DATA / "nonnumeric_pos.vcf").read_text().splitlines()
    assert pos[10].split("\t")[1] == "12x"


def test_table_edge_fixtures():
    assert read_tsv(DATA / "cnv_nonnumeric.cnv.tsv")[2] == ["MET", "high"]  # line 3
    assert read_tsv(DATA / "cnv_negative.cnv.tsv")[1] == ["MET", "-1"]  # line 2
    rows = read_tsv(DATA / "fusions_no_header.tsv")
    assert rows[0][:2] == ["EML4", "ALK"] and "gene5" not in rows[0]


def test_sample_edge_fixtures():
    vcf = cyvcf2.VCF(str(DATA / "generic_sample_name.vcf"))
    assert vcf.samples == ["TUMOR"]
    (rec,) = list(vcf)
    assert (rec.CHROM, rec.POS, rec.REF, rec.ALT) == ("chr12", 25245350, "C", ["T"])
    assert list(rec.format("AD")[0]) == [950, 50]
    path = DATA / "two_tumor_candidates.vcf"
    assert cyvcf2.VCF(str(path)).samples == ["S1", "S2"]
    assert meta(path, "tumor_sample") == [] and meta(path, "normal_sample") == []


def test_contradicting_build_fixture():
    path = DATA / "contradicting_build.vcf"
    assert "hg19" in meta(path, "reference")[0]
    assert header_contigs(path) == LENGTHS["GRCh38"]


def test_multiallelic_missing_ad_fixture():
    vcf = cyvcf2.VCF(str(DATA / "multiallelic_missing_ad.vcf"))
    recs = {r.POS: r for r in vcf}
    assert recs[25398283].ALT == ["G", "*"]
    assert recs[25398284].ALT == ["T", "A"]
    assert "\t0/1:.,21,.:400" in (DATA / "multiallelic_missing_ad.vcf").read_text()
    assert recs[25398285].genotypes[0][:2] == [-1, -1]


def test_include_filtered_fixture():
    vcf = cyvcf2.VCF(str(DATA / "include_filtered.vcf"))
    assert {r.POS: r.FILTER for r in vcf} == {179218303: "weak_evidence", 25245350: None}


def test_annotation_fixtures():
    vep = cyvcf2.VCF(str(DATA / "vep_csq_grch38.vcf"))
    csq = {r.POS: r.INFO.get("CSQ") for r in vep}
    assert "p.Glu545Lys" in csq[179218303] and "p.Gly12Asp" in csq[25245350]
    entries = csq[25245350].split(",")
    assert len(entries) == 2 and not entries[0].endswith("YES|") and "|YES|NM_004985.5" in entries[1]
    path = DATA / "snpeff_ann_grch37.vcf"
    (ann,) = [line for line in header_lines(path) if line.startswith("##INFO=<ID=ANN,")]
    assert "Functional annotations: 'Allele | Annotation | Annotation_Impact" in ann and "Format:" not in ann
    snpeff = {r.POS: r.INFO.get("ANN") for r in cyvcf2.VCF(str(path))}
    assert "|p.Val600Glu|" in snpeff[140453136] and "ENST00000288602" in snpeff[140453136]
    assert "|p.Glu545Lys|" in snpeff[178936091]
