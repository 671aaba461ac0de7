"""Shared fixtures. VCF text is built inline so each test shows the exact edge case it encodes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotator.cli import main
from annotator.config import RunConfig
from annotator.kb.load import get_knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample

ROOT = Path(__file__).resolve().parents[1]
MINI_KB = ROOT / "tests" / "fixtures" / "mini_kb"
SHARED = ROOT.parent / "shared"
REALDATA = SHARED / "realdata"

os.environ.setdefault("SOURCE_DATE_EPOCH", "1764072000")

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


@pytest.fixture
def write(tmp_path):
    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text)
        return path

    return _write


@pytest.fixture
def mini_kb():
    return get_knowledgebase(MINI_KB)


@pytest.fixture
def shipped_kb():
    return get_knowledgebase()


PROTEIN_MAF_HEADER = ("Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
                      "Tumor_Sample_Barcode\tHGVSp_Short\tt_ref_count\tt_alt_count\n")


@pytest.fixture
def shipped_sample(tmp_path, shipped_kb):
    """Run one clinical scenario on the shipped knowledgebase (GRCh38).

    Small variants are MAF rows carrying their protein change (``(gene, protein)``, or ``(gene, protein, ref_reads,
    alt_reads)``), placed inside the gene: they test the knowledgebase rules, not coordinates. ``cnv`` is
    ``[(gene, copy_number)]``, ``fusions`` ``[(gene5, gene3)]``."""
    genes = {g.symbol: g for g in shipped_kb.genes}

    def _run(snvs=(), cnv=(), fusions=(), prior=(), driver=None, tumor_fraction=None, reads=(950, 50)):
        rows = []
        for n, (gene, protein, *counts) in enumerate(snvs):
            ref_reads, alt_reads = counts or reads
            loc = genes[gene].location.GRCh38
            rows.append(f"{gene}\tGRCh38\t{loc.chrom}\t{loc.start + 1000 + n}\tN\tN\tS1\tp.{protein}\t{ref_reads}\t{alt_reads}\n")
        maf = tmp_path / "s.maf"
        maf.write_text(PROTEIN_MAF_HEADER + "".join(rows))
        cnv_file = tmp_path / "s.cnv.tsv"
        cnv_file.write_text("gene\tcopy_number\n" + "".join(f"{g}\t{v}\n" for g, v in cnv))
        fus_file = tmp_path / "s.fusions.tsv"
        fus_file.write_text("gene5\tgene3\n" + "".join(f"{a}\t{b}\n" for a, b in fusions))
        inputs = SampleInputs(vcfs=(maf,), cnv=(cnv_file,), fusions=(fus_file,), prior_therapies=tuple(prior), driver=driver)
        return annotate_sample(inputs, RunConfig(genome="GRCh38", tumor_fraction=tumor_fraction), shipped_kb)

    return _run


@pytest.fixture
def run_cli():
    """Invoke the CLI in-process; returns (result, parsed JSON or None)."""

    def _run(args: list[str]):
        result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
        return result

    return _run


def load_json(path: Path) -> dict:
    return json.loads(path.read_text())


def expected_rows(folder: Path, *keys: str) -> dict[tuple[str, ...], list[dict]]:
    """Rows of ``folder/expected.tsv`` grouped by the values of ``keys`` (e.g. file and sample)."""
    import csv
    from collections import defaultdict

    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    with (folder / "expected.tsv").open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            groups[tuple(row[k] for k in keys)].append(row)
    return dict(groups)


def require_realdata(*parts: str) -> Path:
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/realdata not present ({path} missing): real third-party files unavailable")
    return path
