"""Input files built inline, so that each test shows the exact edge case it encodes."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

GRCH38_CONTIGS = "##contig=<ID=chr3,length=198295559>\n##contig=<ID=chr7,length=159345973>\n##contig=<ID=chr10,length=133797422>\n##contig=<ID=chr12,length=133275309>\n"
GRCH37_CONTIGS = "##contig=<ID=3,length=198022430>\n##contig=<ID=7,length=159138663>\n##contig=<ID=10,length=135534747>\n##contig=<ID=12,length=133851895>\n"
FORMAT_LINES = (
    '##FILTER=<ID=PASS,Description="All filters passed">\n'
    '##FILTER=<ID=weak_evidence,Description="Mutation does not meet likelihood threshold">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths for the ref and alt alleles">\n'
    '##FORMAT=<ID=AF,Number=A,Type=Float,Description="Allele fractions of alternate alleles in the tumor">\n'
    '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">\n'
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Approximate read depth">\n'
)
PROTEIN_MAF_HEADER = ("Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
                      "Tumor_Sample_Barcode\tHGVSp_Short\tt_ref_count\tt_alt_count\n")


def mutect2_vcf(records: list[str], build: str = "GRCh38", tumor: str = "PLASMA_1", normal: str = "NORMAL_1") -> str:
    """A Mutect2-style tumor/normal VCF; ``records`` are 'CHROM POS REF ALT FILTER NORMAL TUMOR' strings."""
    contigs = GRCH38_CONTIGS if build == "GRCh38" else GRCH37_CONTIGS
    head = (
        "##fileformat=VCFv4.2\n" + FORMAT_LINES + contigs + "##source=Mutect2\n"
        f"##tumor_sample={tumor}\n##normal_sample={normal}\n"
        f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{normal}\t{tumor}\n"
    )
    body = ""
    for rec in records:
        chrom, pos, ref, alt, filt, n, t = rec.split()
        body += f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\tDP=1000\tGT:AD:AF:DP\t{n}\t{t}\n"
    return head + body


def wbc_vcf(records: list[str], build: str = "GRCh38", sample: str = "P1_WBC", extra: str = "") -> str:
    """A one-sample WBC VCF; ``records`` are 'CHROM POS REF ALT FILTER SAMPLE' strings."""
    contigs = GRCH38_CONTIGS if build == "GRCh38" else GRCH37_CONTIGS
    head = ("##fileformat=VCFv4.2\n" + FORMAT_LINES + contigs + "##source=Mutect2\n" + extra
            + f"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{sample}\n")
    body = ""
    for rec in records:
        chrom, pos, ref, alt, filt, cell = rec.split()
        body += f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t.\t{filt}\tDP=1000\tGT:AD:AF:DP\t{cell}\n"
    return head + body


def expected_rows(folder: Path, *keys: str) -> dict[tuple[str, ...], list[dict]]:
    """Rows of ``folder/expected.tsv`` grouped by the values of ``keys`` (e.g. file and sample)."""
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    with (folder / "expected.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            groups[tuple(row[k] for k in keys)].append(row)
    return dict(groups)
