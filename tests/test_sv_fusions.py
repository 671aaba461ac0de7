"""DNA structural variants become fusions with the right 5'/3' partners, once per junction."""

from __future__ import annotations

from annotator.config import RunConfig
from annotator.kb.index import kb_index
from annotator.pipeline import SampleInputs, annotate_sample
from annotator.readers.fusion import read_fusions
from tests.support.inputs import mutect2_vcf

MANTA_HEAD = """##fileformat=VCFv4.1
##source=GenerateSVCandidates 1.6.0
##reference=file:///ref/Homo_sapiens_assembly38.fasta
##contig=<ID=chr2,length=242193529>
##contig=<ID=chr10,length=133797422>
##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
##INFO=<ID=MATEID,Number=.,Type=String,Description="ID of mate breakend">
##INFO=<ID=END,Number=1,Type=Integer,Description="End position of the variant described in this record">
##FORMAT=<ID=PR,Number=.,Type=Integer,Description="Spanning paired-read support for the ref and alt alleles in the order listed">
##FORMAT=<ID=SR,Number=.,Type=Integer,Description="Split reads for the ref and alt alleles in the order listed, for reads where P(allele|read)>0.999">
##FILTER=<ID=MinSomaticScore,Description="Somatic score is less than 30">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	NORMAL	TUMOR
"""
# KIF5B (- strand) keeps its 5' part to the right of the break; RET (+) keeps its 3' part to the right.
KIF5B_RET = (
    "chr10\t32030000\tMantaBND:1:0:1:0:0:0:0\tA\t[chr10:43116000[A\t.\tPASS\tSVTYPE=BND;MATEID=MantaBND:1:0:1:0:0:0:1\tPR:SR\t30,0:25,0\t40,12:35,9\n"
    "chr10\t43116000\tMantaBND:1:0:1:0:0:0:1\tG\t[chr10:32030000[G\t.\tPASS\tSVTYPE=BND;MATEID=MantaBND:1:0:1:0:0:0:0\tPR:SR\t30,0:25,0\t40,12:35,9\n"
)
# The reciprocal junction of the same inversion: both left parts (KIF5B 3', RET 5').
RECIPROCAL = (
    "chr10\t32029990\tMantaBND:2:0:1:0:0:0:0\tC\tC]chr10:43115990]\t.\tPASS\tSVTYPE=BND;MATEID=MantaBND:2:0:1:0:0:0:1\tPR:SR\t30,0:25,0\t40,5:35,4\n"
    "chr10\t43115990\tMantaBND:2:0:1:0:0:0:1\tT\tT]chr10:32029990]\t.\tPASS\tSVTYPE=BND;MATEID=MantaBND:2:0:1:0:0:0:0\tPR:SR\t30,0:25,0\t40,5:35,4\n"
)
SINGLE = "chr2\t29300000\tgridss1b\tN\tN.\t.\tPASS\tSVTYPE=BND\tPR:SR\t0,0:0,0\t0,3:0,2\n"
FILTERED = "chr2\t29300500\tMantaBND:9:0:1:0:0:0:0\tA\t[chr2:42300000[A\t.\tMinSomaticScore\tSVTYPE=BND\tPR:SR\t0,0:0,0\t1,1:0,1\n"


def test_manta_bnd_pair_is_one_kif5b_ret_fusion(write, shipped_kb):
    result = read_fusions(write("manta.vcf", MANTA_HEAD + KIF5B_RET + SINGLE + FILTERED), kb_index(shipped_kb, "GRCh38"))
    assert [(a.fusion, a.gene, a.evidence, a.supporting_reads) for a in result.alterations] == [("KIF5B::RET", "RET", "dna", 21)]
    assert result.alterations[0].breakpoint5 == "chr10:32030000" and result.alterations[0].breakpoint3 == "chr10:43116000"
    assert any("1 record(s) skipped: single breakend" in w for w in result.warnings)
    assert any("1 record(s) non-PASS" in w for w in result.warnings)
    assert (result.counts.records_read, result.counts.filtered, result.counts.skipped) == (4, 1, 1)
    assert result.counts.skipped_reasons == {"single breakends (no partner position): not fusions": 1}


def test_reciprocal_junction_does_not_pass_for_the_oncogenic_fusion(write, shipped_kb):
    vcf = write("manta.vcf", MANTA_HEAD + KIF5B_RET + RECIPROCAL)
    small = write("s.vcf", mutect2_vcf([]))
    report = annotate_sample(SampleInputs(vcfs=(small,), fusions=(vcf,)), RunConfig(), shipped_kb)
    assert {a.fusion for a in report.observations} == {"KIF5B::RET", "RET::KIF5B"}
    assert [(f.alteration, f.role) for f in report.findings] == [("KIF5B::RET fusion", "primary_driver")]


def test_delly_inversion_eml4_alk_on_grch37(write, shipped_kb):
    head = MANTA_HEAD.replace("Homo_sapiens_assembly38", "human_g1k_v37").replace("chr2,length=242193529", "2,length=243199373")
    head = head.replace("##contig=<ID=chr10,length=133797422>\n", "##INFO=<ID=CT,Number=1,Type=String,Description=\"Paired-end signature induced connection type\">\n##INFO=<ID=CHR2,Number=1,Type=String,Description=\"Chromosome for END coordinate\">\n")
    # ALK (- strand) and EML4 (+) both keep their left parts: ALK's 3' kinase part, EML4's 5' part.
    record = "2\t29446400\tINV00000001\tN\t<INV>\t.\tPASS\tSVTYPE=INV;CHR2=2;END=42492000;CT=3to3\tPR:SR\t0,0:0,0\t20,7:10,5\n"
    result = read_fusions(write("delly.vcf", head + record), kb_index(shipped_kb, "GRCh37"))
    assert [(a.fusion, a.gene5, a.gene3) for a in result.alterations] == [("EML4::ALK", "EML4", "ALK")]


def test_partner_outside_known_genes_is_still_a_kinase_fusion(write, shipped_kb):
    record = (
        "chr10\t30000000\tb1\tA\t[chr10:43116000[A\t.\tPASS\tSVTYPE=BND\tPR:SR\t30,0:25,0\t40,12:35,9\n"
    )
    result = read_fusions(write("manta.vcf", MANTA_HEAD + record), kb_index(shipped_kb, "GRCh38"))
    (fusion,) = result.alterations
    assert fusion.gene == "RET" and fusion.gene3 == "RET" and fusion.gene5 == "chr10:30000000"
    assert any("chr10:30000000 lies in no knowledgebase gene" in n for n in fusion.notes)


def test_aliases_and_unlisted_partners(write, shipped_kb):
    table = write("f.tsv", "gene5\tgene3\tsupporting_reads\tevidence\nELKS\tRET\t12\trna\nTRIM33\tRET\t8\tdna\nCD74\tROS1\t20\trna\n")
    result = read_fusions(table, kb_index(shipped_kb, "GRCh38"))
    by_fusion = {a.fusion: a for a in result.alterations}
    assert set(by_fusion) == {"ERC1::RET", "TRIM33::RET", "CD74::ROS1"}
    assert any("ELKS is a previous symbol or alias of ERC1" in n for n in by_fusion["ERC1::RET"].notes)
    assert any("not among the knowledgebase's named RET fusions" in n for n in by_fusion["TRIM33::RET"].notes)
    assert (by_fusion["TRIM33::RET"].evidence, by_fusion["CD74::ROS1"].evidence) == ("dna", "rna")
    small = write("s.vcf", mutect2_vcf([]))
    report = annotate_sample(SampleInputs(vcfs=(small,), fusions=(table,)), RunConfig(), shipped_kb)
    levels = {f.alteration: f.match_level for f in report.findings}
    assert levels["ERC1::RET fusion"] == "exact" and levels["TRIM33::RET fusion"] == "gene_and_type"
