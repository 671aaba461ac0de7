"""Real files written by other people's tools (../shared/realdata): every VCF is read, and the protein
changes named for knowledgebase genes agree with real annotators' output (VEP via vcf2maf, PCGR, OncoKB)."""

from __future__ import annotations

import csv
import re

import pytest

from annotator.config import RunConfig
from annotator.kb.index import kb_index
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.readers.codons import codon_protein
from tests.support.paths import REALDATA, require_realdata, skip_module_without

skip_module_without(REALDATA, "real VCFs, MAFs and truth tables of other tools")

# Headers that name no build need --genome, as a user would give it (builds from the MANIFEST).
SILENT_BUILDS = {
    "mskcc-vcf2maf__test.vcf": "GRCh37",
    "mskcc-vcf2maf__test_grch38.vcf": "GRCh38",
    "mskcc-vcf2maf__test_strelka.vcf": "GRCh37",
    "mskcc-vcf2maf__test_varscan.vcf": "GRCh37",
    "hartwigmedical-hmftools__kodu_post_processed.vcf.gz": "GRCh37",
}
VCF_NAMES = [
    "hartwigmedical-hmftools__kodu_post_processed.vcf.gz", "mskcc-vcf2maf__test.vcf", "mskcc-vcf2maf__test_b38.vcf",
    "mskcc-vcf2maf__test_grch38.vcf", "mskcc-vcf2maf__test_merged.vcf", "mskcc-vcf2maf__test_strelka.vcf",
    "mskcc-vcf2maf__test_varscan.vcf", "sigven-pcgr__tumor_sample.BRCA.pcgr.vcf.gz", "umccr-gpgr__purple.somatic.vcf.gz",
    "umccr-vcf_stuff__test-mutect2.vcf.gz", "umccr-vcf_stuff__test-tso500-tumoronly.vcf.gz",
]


def annotate(kb, name):
    path = require_realdata("vcf", name)
    return annotate_sample(SampleInputs(vcfs=(path,)), RunConfig(genome=SILENT_BUILDS.get(name)), kb)


def proteins(report):
    return {(a.gene, str(a.chrom).removeprefix("chr"), a.pos): a.hgvsp for a in report.observations}


@pytest.mark.parametrize("name", VCF_NAMES)
def test_every_real_vcf_is_read(shipped_kb, name):
    report = annotate(shipped_kb, name)
    c = report.counts
    assert c.records_read > 0
    assert c.passed_filters + c.filtered + c.filter_not_checked == c.records_read


def test_vcf2maf_test_vcf_agrees_with_vep(shipped_kb):
    truth = require_realdata("truth", "mskcc-vcf2maf__test_output.vep_isoforms.maf")
    report = annotate(shipped_kb, "mskcc-vcf2maf__test.vcf")
    named = proteins(report)
    assert named[("PIK3CA", "3", 178936091)] == "p.E545K"
    checked = 0
    with truth.open() as fh:
        rows = csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t")
        for row in rows:
            for (gene, chrom, pos), hgvsp in named.items():
                if hgvsp and gene == row["Hugo_Symbol"] and chrom == row["Chromosome"] and pos == int(row["Start_Position"]):
                    assert hgvsp == row["HGVSp_Short"], (gene, pos, hgvsp, row["HGVSp_Short"])
                    checked += 1
    assert checked >= 1
    assert any(f.kb_id == "MET_EX14" for f in report.findings)  # 7:116412043 G>C, the last base of exon 14


def test_grch38_liftover_names_the_same_changes(shipped_kb):
    named = proteins(annotate(shipped_kb, "mskcc-vcf2maf__test_grch38.vcf"))
    assert named[("PIK3CA", "3", 179218303)] == "p.E545K"


def test_pcgr_vep_csq_agrees_with_pcgr_tiers(shipped_kb):
    truth = require_realdata("truth", "sigven-pcgr__tumor_sample.BRCA.pcgr.snvs_indels.tiers.tsv")
    named = proteins(annotate(shipped_kb, "sigven-pcgr__tumor_sample.BRCA.pcgr.vcf.gz"))
    checked = 0
    with truth.open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            m = re.match(r"g\.chr(\w+):(\d+):", row["GENOMIC_CHANGE"])
            key = (row["SYMBOL"], m.group(1), int(m.group(2)))
            if key in named and named[key]:
                assert named[key] == row["PROTEIN_CHANGE"]
                checked += 1
    assert checked >= 1  # PIK3CA p.H1047R


def test_merged_and_strelka_calls_are_named_from_codon_data(shipped_kb):
    merged = proteins(annotate(shipped_kb, "mskcc-vcf2maf__test_merged.vcf"))
    assert merged[("KRAS", "12", 25398284)] == "p.G12D"
    assert merged[("PIK3CA", "3", 178952085)] == "p.H1047R"
    strelka = annotate(shipped_kb, "mskcc-vcf2maf__test_strelka.vcf")
    v600e = next(a for a in strelka.observations if a.hgvsp == "p.V600E")
    assert v600e.depth == 260 and 0.72 < v600e.vaf < 0.75  # tier-1 TU 191 of ~260 reads


def test_tso500_reference_calls_are_counted_not_reported(shipped_kb):
    report = annotate(shipped_kb, "umccr-vcf_stuff__test-tso500-tumoronly.vcf.gz")
    assert report.inputs[0].vaf_rule == "FORMAT/VF"
    assert all(a.alt not in (".", None) for a in report.observations)


@pytest.mark.parametrize("name, build", [("oncokb-annotator__example_maf.txt", "GRCh37"), ("oncokb-annotator__example_maf_grch38.txt", "GRCh38")])
def test_codon_table_agrees_with_oncokb_truth(shipped_kb, name, build):
    truth = require_realdata("truth", name)
    index = kb_index(shipped_kb, build)
    checked = 0
    with truth.open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if not row["Start_Position"] or index.symbol(row["Hugo_Symbol"]) is None:
                continue
            ours = codon_protein(index, row["Chromosome"], int(row["Start_Position"]), row["Reference_Allele"], row["Tumor_Seq_Allele2"])
            if ours is not None:
                assert ours == row["HGVSp_Short"], (row["Hugo_Symbol"], row["Start_Position"], ours)
                checked += 1
    assert checked >= 2  # PIK3CA E542K and KRAS G12C


def test_two_representations_of_egfr_e746_a750del_both_match(shipped_kb, tmp_path):
    """BOVERI ctDNA standards: c.2235_2249del and c.2236_2250del are different alleles, same protein change."""
    truth = require_realdata("truth", "cchauve-BOVERI-561__v51NextSeq_commercial_samples_expected_indels.tsv")
    with truth.open() as fh:
        alleles = sorted({(r["pos"], r["ref"], r["alt"]) for r in csv.DictReader(fh, delimiter="\t") if r["chr"] == "chr7"
                          and 55242400 < int(r["pos"]) < 55242520})
    assert len(alleles) == 2
    from tests.support.inputs import mutect2_vcf

    records = [f"chr7 {p} {r} {a} PASS 0/0:500,0:0.0:500 0/1:990,10:0.01:1000" for p, r, a in alleles]
    vcf = tmp_path / "boveri.vcf"
    vcf.write_text(mutect2_vcf(records, build="GRCh37").replace("##contig=<ID=7,", "##contig=<ID=chr7,"))
    report = annotate_sample(SampleInputs(vcfs=(vcf,)), RunConfig(), shipped_kb)
    matched = [f for f in report.findings if f.kb_id == "EGFR_EX19DEL"]
    assert len(matched) == 2 and {f.match_level for f in matched} == {"exon"}


def test_realdata_folder_is_where_the_manifest_says():
    assert (REALDATA / "MANIFEST.md").exists()


def test_oncokb_maf_with_columns_in_any_order_and_protein_only_rows(shipped_kb):
    path = require_realdata("truth", "oncokb-annotator__example_maf.txt")
    report = annotate_sample(SampleInputs(vcfs=(path,)), RunConfig(tumor_sample="TCGA-05-4417-01"), shipped_kb)
    assert {(a.gene, a.hgvsp) for a in report.observations} >= {("KRAS", "p.G12C")}
    assert any(f.alteration == "KRAS G12C" and f.role == "primary_driver" for f in report.findings)
    assert report.counts.records_read == 9
