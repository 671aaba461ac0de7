"""VCF reading edge cases, each on a tiny named fixture in tests/data (see its README)."""

from __future__ import annotations

import pytest

from annotator.config import RunConfig
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.paths import DATA, EXAMPLES


def annotate(kb, name, **config):
    path = DATA / name
    assert path.exists(), f"fixture {path} missing"
    return annotate_sample(SampleInputs(vcfs=(path,)), RunConfig(**config), kb)


def by_protein(report):
    return {(a.gene, a.hgvsp): a for a in report.observations}


def test_generic_sample_name_falls_back_to_file_stem(shipped_kb):
    report = annotate(shipped_kb, "generic_sample_name.vcf")
    assert report.sample.id == "generic_sample_name"
    assert report.sample.tumor_sample == "TUMOR"
    g12d = by_protein(report)[("KRAS", "p.G12D")]
    assert (g12d.vaf, g12d.depth) == (0.05, 1000)  # no FORMAT AF: alt/total from AD
    assert report.inputs[0].vaf_rule == "FORMAT/AD"


def test_multiallelic_missing_values_and_star_alleles_do_not_crash(shipped_kb):
    report = annotate(shipped_kb, "multiallelic_missing_ad.vcf")
    kras = {a.hgvsp: a for a in report.observations if a.gene == "KRAS"}
    assert "p.G12D" in set(kras)  # C>T and C>A at c.35 are split into two alleles; GT 0/1 calls only C>T
    assert "p.G12V" not in set(kras)  # C>A: outside the genotype and its AD count missing, so no evidence of it
    assert report.counts.skipped_reasons.get("caller genotype without this allele (e.g. 0/0) and no read counts") == 1
    assert kras["p.G12D"].vaf is None and kras["p.G12D"].depth == 400  # AD '.,21,.': no invented VAF
    assert "p.G12C" not in kras  # the './.' no-call at 25398285 is not a variant
    assert report.counts.skipped >= 1


def test_filtered_records_dropped_by_default_and_flagged_when_kept(shipped_kb):
    default = annotate(shipped_kb, "include_filtered.vcf")
    assert ("PIK3CA", "p.E545K") not in by_protein(default)
    assert default.counts.filtered >= 1
    kept = annotate(shipped_kb, "include_filtered.vcf", include_filtered=True)
    e545k = by_protein(kept)[("PIK3CA", "p.E545K")]
    assert e545k.filter == "weak_evidence"
    finding = next(f for f in kept.findings if f.gene == "PIK3CA")
    assert finding.role == "other" and "did not pass" in finding.statement


def test_vep_csq_protein_changes_and_transcripts(shipped_kb):
    report = annotate(shipped_kb, "vep_csq_grch38.vcf")
    g12d = by_protein(report)[("KRAS", "p.G12D")]
    assert g12d.protein_source == "VEP CSQ"
    assert g12d.transcript and g12d.transcript.startswith("ENST00000311936")  # CANONICAL/MANE preferred over the first
    assert g12d.hgvsc == "c.35G>A"
    assert ("PIK3CA", "p.E545K") in by_protein(report)


def test_snpeff_ann_protein_changes(shipped_kb):
    report = annotate(shipped_kb, "snpeff_ann_grch37.vcf")
    v600e = by_protein(report)[("BRAF", "p.V600E")]
    assert v600e.protein_source == "snpEff ANN"
    assert ("PIK3CA", "p.E545K") in by_protein(report)


def test_empty_vcf_is_a_valid_sample_with_nothing_found(shipped_kb):
    report = annotate(shipped_kb, "empty.vcf")
    assert report.counts.records_read == 0
    assert report.findings == [] and report.observations == []
    assert "No" in report.summary.headline


@pytest.mark.parametrize("name", ["no_build.vcf"])
def test_genome_flag_rescues_a_silent_header(shipped_kb, name):
    report = annotate(shipped_kb, name, genome="GRCh38")
    assert report.genome_build == "GRCh38"


def test_indexed_and_streamed_reading_agree(tmp_path, shipped_kb):
    import shutil

    src = EXAMPLES / "egfr_ex19del_kras_pik3ca.vcf.gz"
    plain = tmp_path / "copy.vcf.gz"
    shutil.copy(src, plain)  # no index beside it: streamed with the line pre-filter
    indexed = annotate_sample(SampleInputs(vcfs=(src,)), RunConfig(), shipped_kb)
    streamed = annotate_sample(SampleInputs(vcfs=(plain,)), RunConfig(), shipped_kb)
    assert "indexed" in indexed.inputs[0].format and "streamed" in streamed.inputs[0].format
    assert indexed.observations == [a.model_copy(update={"source": src.name}) for a in streamed.observations]
    assert indexed.counts.records_read == 15
    assert indexed.counts == streamed.counts  # Counts mean the same on both paths (issue 10)
    assert indexed.inputs[0].counts == streamed.inputs[0].counts
    in_windows = indexed.counts.records_read - indexed.counts.outside_knowledgebase_genes
    assert indexed.counts.filter_not_checked == indexed.counts.outside_knowledgebase_genes > 0
    assert in_windows >= 3  # the three hotspots were parsed


def test_contig_naming_is_mapped_before_region_queries(tmp_path, shipped_kb):
    """A 'chr'-named query on a bare-named indexed file finds nothing in cyvcf2: the reader maps names first."""
    report = annotate_sample(SampleInputs(vcfs=(EXAMPLES / "egfr_ex19del_kras_pik3ca.vcf.gz",)), RunConfig(), shipped_kb)
    assert {a.hgvsp for a in report.observations if a.gene == "KRAS"} == {"p.G12D"}


def _one(kb, write, record: str, build="GRCh38", info_header="", info=".", extra_format=""):
    from tests.support.inputs import mutect2_vcf

    text = mutect2_vcf([record], build)
    if info_header:
        text = text.replace("##source=Mutect2", info_header + "\n##source=Mutect2")
    if info != ".":
        text = text.replace("\tDP=1000\t", f"\t{info}\t")
    return annotate_sample(SampleInputs(vcfs=(write("one.vcf", text),)), RunConfig(), kb)


N = "0/0:600,0:0.0:600"


def test_unannotated_record_is_named_from_codon_data(shipped_kb, write):
    report = _one(shipped_kb, write, f"chr12 25245351 C G PASS {N} 0/1:950,50:0.05:1000")
    assert report.observations[0].hgvsp == "p.G12R"
    assert report.observations[0].protein_source == "knowledgebase codon table"
    assert report.findings[0].match_level == "codon"  # KRAS codon-12 rule


@pytest.mark.parametrize("pos, ref, alt", [(55181398, "T", "A"), (55181399, "G", "C")])
def test_egfr_c797s_from_either_nucleotide_change(shipped_kb, write, pos, ref, alt):
    # c.2389T>A and c.2390G>C both give C797S (GRCh38 codon 797 = TGC at chr7:55181398-55181400).
    report = _one(shipped_kb, write, f"chr7 {pos} {ref} {alt} PASS {N} 0/1:950,50:0.05:1000")
    assert report.observations[0].hgvsp == "p.C797S"
    assert report.findings[0].kb_id == "EGFR_C797S"


BCSQ_HEADER = (
    '##INFO=<ID=BCSQ,Number=.,Type=String,Description="Haplotype-aware consequence annotation from BCFtools/csq,'
    ' see http://samtools.github.io/bcftools/howtos/csq-calling.html for details. Format:'
    ' Consequence|gene|transcript|biotype|strand|amino_acid_change|dna_change">'
)


def test_bcftools_csq_annotation(shipped_kb, write):
    info = "BCSQ=missense|KRAS|ENST00000256078|protein_coding|-|12G>12D|25245350C>T"
    report = _one(shipped_kb, write, f"chr12 25245350 C T PASS {N} 0/1:950,50:0.05:1000", info_header=BCSQ_HEADER, info=info)
    g12d = report.observations[0]
    assert (g12d.hgvsp, g12d.protein_source, g12d.transcript) == ("p.G12D", "bcftools csq BCSQ", "ENST00000256078")


def test_annotation_contradicting_the_codon_table_is_reported(shipped_kb, write):
    info = "BCSQ=missense|KRAS|ENST00000256078|protein_coding|-|12G>12V|25245350C>T"
    report = _one(shipped_kb, write, f"chr12 25245350 C T PASS {N} 0/1:950,50:0.05:1000", info_header=BCSQ_HEADER, info=info)
    assert report.observations[0].hgvsp == "p.G12V"  # the annotation is shown as given...
    assert any("annotation says p.G12V; knowledgebase codon table says p.G12D" in w for w in report.warnings)  # ...and the conflict said


def test_tumor_column_without_the_allele_is_not_a_finding(shipped_kb, write):
    report = _one(shipped_kb, write, f"chr12 25245351 C A PASS {N} 0/0:2000,0:0.0:2000")
    assert report.observations == [] and report.counts.skipped == 1
    normal = annotate_sample(SampleInputs(vcfs=(EXAMPLES / "egfr_l858r_met_amp.vcf.gz",)),
                             RunConfig(tumor_sample="PBMC_P001"), shipped_kb)
    assert not any(a.gene == "EGFR" for a in normal.observations)
