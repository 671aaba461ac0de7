"""--reference FASTA: indels are left-aligned and a REF that disagrees with the genome is an error."""

from __future__ import annotations

import pysam
import pytest

from annotator.reference import Reference
from tests.support.inputs import mutect2_vcf
from tests.support.paths import MINI_KB


@pytest.fixture
def tiny_fasta(tmp_path):
    path = tmp_path / "tiny.fa"
    path.write_text(">chrT\nGGGCAAAAAATTTTGCGCGCAT\n")
    pysam.faidx(str(path))
    return Reference(path)


@pytest.mark.parametrize(
    "pos, ref, alt, expected",
    [
        (10, "AA", "A", (4, "CA", "C")),  # one A of the poly-A run, written at its right end -> leftmost
        (4, "CA", "C", (4, "CA", "C")),  # already leftmost
        (10, "A", "AA", (4, "C", "CA")),  # insertion in the run
        (17, "GCG", "G", (14, "TGC", "T")),  # a CG unit in the GCGCGC repeat moves to its left end
        (15, "G", "T", (15, "G", "T")),  # SNVs are left alone
    ],
)
def test_left_align(tiny_fasta, pos, ref, alt, expected):
    assert tiny_fasta.left_align("chrT", pos, ref, alt) == expected


def test_contig_naming_is_mapped(tiny_fasta):
    assert tiny_fasta.fetch("T", 0, 4) == "GGGC"


def test_ref_mismatch_names_the_record(tmp_path, run_cli):
    # chr12 up to just past KRAS codon 12 (GRCh38): N's, then a known stretch we control.
    fasta = tmp_path / "g.fa"
    with fasta.open("w") as fh:
        fh.write(">chr12\n")
        seq = "N" * 25245340 + "ACGTACGTACGTACGTACGT"
        for i in range(0, len(seq), 80):
            fh.write(seq[i : i + 80] + "\n")
    pysam.faidx(str(fasta))
    # position 25245350 is 'C' in that stretch (offset 9 -> 'C'); the record says 'G'.
    vcf = tmp_path / "s.vcf"
    vcf.write_text(mutect2_vcf(["chr12 25245350 G T PASS 0/0:500,0:0.0:500 0/1:985,15:0.015:1000"]))
    result = run_cli(["annotate", vcf, "--reference", fasta, "--kb", MINI_KB, "--outdir", tmp_path / "out", "--format", "json"])
    assert result.exit_code == 2
    assert "s.vcf:" in result.output and "REF G at chr12:25245350 disagrees with the reference genome (C)" in result.output
    assert not (tmp_path / "out").exists()
