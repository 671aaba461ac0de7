"""MET exon 14 skipping: each edge of each splice window, on both builds, read end to end.

The windows are knowledgebase data (``MET_EX14.splice_windows`` in knowledgebase/alterations.yaml:
donor = last 3 exonic + first 10 intronic bases, acceptor = last 25 intronic + first exonic base;
MET is on the + strand). Each fixture is one tiny VCF named for its edge: the last base inside a
window is matched to MET_EX14, the first base outside it is not (it stays an unmatched SNV).

Coordinates: exon 14 from knowledgebase/genes.yaml (checked against independent sources by
tests/test_kb_coordinates.py; asserted below so that an edit there is seen here). REF bases: GRCh37 from
the BOVERI panel's MET exon 14 amplicon sequences (../shared/realdata, re-checked below when present; they
show the intron 13 AG and intron 14 GT around the exon); GRCh38 the same bases at the constant offset
between the builds' exon coordinates. Without ``--reference`` the annotator does not check REF anyway.
"""

from __future__ import annotations

import csv
import shutil

import pytest

from annotator.config import RunConfig
from annotator.kb.load import get_knowledgebase
from annotator.pipeline import SampleInputs, annotate_sample
from tests.support.inputs import mutect2_vcf
from tests.support.paths import KNOWLEDGEBASE, REALDATA

EXON14 = {"GRCh37": (116411903, 116412043), "GRCh38": (116771849, 116771989)}  # 1-based inclusive
OFFSET_38 = EXON14["GRCh38"][0] - EXON14["GRCh37"][0]
S, E = EXON14["GRCh37"]  # fixtures below are written on GRCh37 and shifted by OFFSET_38 for GRCh38

NORMAL, TUMOR = "0/0:600,0:0.0:600", "0/1:950,50:0.05:1000"

# name: (GRCh37 POS, REF, ALT, matched to MET_EX14)
EDGES = {
    # acceptor, intronic window (25 bases before the exon)
    "acceptor_intronic_last_inside_-25": (116411878, "G", "T", True),
    "acceptor_intronic_first_outside_-26": (116411877, "A", "T", False),
    "acceptor_intronic_next_to_exon_-1": (116411902, "G", "A", True),
    # acceptor, exonic window (the exon's first base)
    "acceptor_exonic_last_inside_first_exon_base": (116411903, "A", "G", True),
    "acceptor_exonic_first_outside_second_exon_base": (116411904, "T", "C", False),
    # donor, exonic window (the exon's last 3 bases)
    "donor_exonic_last_inside_third_last_exon_base": (116412041, "A", "G", True),
    "donor_exonic_first_outside_fourth_last_exon_base": (116412040, "G", "A", False),
    "donor_exonic_last_exon_base": (116412043, "G", "C", True),  # the vcf2maf test record, p.D1028H
    # donor, intronic window (10 bases after the exon)
    "donor_intronic_next_to_exon_+1": (116412044, "G", "A", True),
    "donor_intronic_last_inside_+10": (116412053, "A", "G", True),
    "donor_intronic_first_outside_+11": (116412054, "G", "A", False),
}
DELETIONS = {
    # deleted bases -5..+3 around the exon's first base: across the acceptor boundary
    "deletion_across_acceptor_boundary": (116411897, "TTTAAGATCT", "T", True),
    # deleted bases: last 4 exonic + first 5 intronic: across the donor boundary
    "deletion_across_donor_boundary": (116412039, "AGAAGGTATA", "A", True),
    # deleted bases -35..-26: ends one base before the acceptor window
    "deletion_ending_just_before_acceptor_window": (116411867, "GTCTTTAACAA", "G", False),
    # deleted bases -34..-25: its last base is the window's first
    "deletion_ending_on_acceptor_window_edge": (116411868, "TCTTTAACAAG", "T", True),
    # deleted bases +11..+20: starts one base after the donor window
    "deletion_starting_just_after_donor_window": (116412053, "AGTTTATTGTT", "A", False),
    # deleted bases +10..+19: its first base is the window's last
    "deletion_starting_on_donor_window_edge": (116412052, "CAGTTTATTGT", "C", True),
}
FIXTURES = {**EDGES, **DELETIONS}


def record(build: str, pos37: int, ref: str, alt: str) -> str:
    chrom, pos = ("7", pos37) if build == "GRCh37" else ("chr7", pos37 + OFFSET_38)
    return f"{chrom} {pos} {ref} {alt} PASS {NORMAL} {TUMOR}"


def annotate_one(kb, write, name: str, build: str, pos37: int, ref: str, alt: str):
    vcf = write(f"{name}.{build}.vcf", mutect2_vcf([record(build, pos37, ref, alt)], build))
    return annotate_sample(SampleInputs(vcfs=(vcf,)), RunConfig(), kb)


def assert_read_and_matched(report, matched: bool) -> None:
    """The record was read and kept (so 'not matched' is not 'never seen'), and matched as expected."""
    assert report.genome_build in EXON14
    assert (report.counts.records_read, report.counts.passed_filters, report.counts.skipped) == (1, 1, 0)
    kb_ids = {f.kb_id for f in report.findings}
    assert ("MET_EX14" in kb_ids) is matched, kb_ids
    if not matched:
        assert kb_ids == set()  # nothing else claims it either: an unmatched MET SNV/deletion


def test_exon_coordinates_are_the_knowledgebase_ones(shipped_kb):
    met = next(g for g in shipped_kb.genes if g.symbol == "MET")
    assert met.strand == 1
    exon = next(e for e in met.exons if e.number == 14)
    assert {b: (getattr(exon, b).start, getattr(exon, b).end) for b in EXON14} == EXON14
    assert EXON14["GRCh38"][1] - EXON14["GRCh37"][1] == OFFSET_38  # same length: one offset for both ends


def test_fixtures_sit_where_their_names_say():
    """Guards the fixture table itself: each edge case is one base from its window edge."""
    from_exon = {name: (pos - S if pos < S + 70 else pos - E) for name, (pos, *_rest) in EDGES.items()}
    assert from_exon["acceptor_intronic_last_inside_-25"] == -25
    assert from_exon["acceptor_intronic_first_outside_-26"] == -26
    assert from_exon["acceptor_exonic_last_inside_first_exon_base"] == 0
    assert from_exon["acceptor_exonic_first_outside_second_exon_base"] == 1
    assert from_exon["donor_exonic_last_inside_third_last_exon_base"] == -2
    assert from_exon["donor_exonic_first_outside_fourth_last_exon_base"] == -3
    assert from_exon["donor_intronic_last_inside_+10"] == 10
    assert from_exon["donor_intronic_first_outside_+11"] == 11
    for name, (_pos, ref, alt, _) in DELETIONS.items():
        assert ref[0] == alt and len(alt) == 1, name  # VCF deletion: the anchor base, then the deleted ones
    first_deleted = {name: (pos + 1, pos + len(ref) - 1) for name, (pos, ref, *_rest) in DELETIONS.items()}
    assert first_deleted["deletion_ending_just_before_acceptor_window"][1] == S - 26
    assert first_deleted["deletion_ending_on_acceptor_window_edge"][1] == S - 25
    assert first_deleted["deletion_starting_just_after_donor_window"][0] == E + 11
    assert first_deleted["deletion_starting_on_donor_window_edge"][0] == E + 10
    low, high = first_deleted["deletion_across_acceptor_boundary"]
    assert low < S <= high
    low, high = first_deleted["deletion_across_donor_boundary"]
    assert low <= E < high


@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata (BOVERI amplicon manifest) not present")
def test_ref_bases_are_the_grch37_reference():
    path = REALDATA / "reference" / "cchauve-BOVERI-561__CG001v5.1_Amplicon_Manifest_Panel5.1.12_20200911.tsv"
    seq: dict[int, str] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row["Amplicon_name"].startswith("MET:Exon14"):
                for i, base in enumerate(row["Amplicon"]):
                    seq[int(row["Start"]) + i] = base
    for name, (pos, ref, _alt, _) in FIXTURES.items():
        assert "".join(seq[pos + i] for i in range(len(ref))) == ref, name
    assert seq[S - 2] + seq[S - 1] == "AG" and seq[E + 1] + seq[E + 2] == "GT"  # the splice sites themselves


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
@pytest.mark.parametrize("name", list(FIXTURES))
def test_met_exon14_window_edge(shipped_kb, write, build, name):
    pos, ref, alt, matched = FIXTURES[name]
    report = annotate_one(shipped_kb, write, name, build, pos, ref, alt)
    assert report.genome_build == build
    assert_read_and_matched(report, matched)


def kb_with_windows(tmp_path, windows: str):
    dest = tmp_path / "kb"
    shutil.copytree(KNOWLEDGEBASE, dest)
    path = dest / "alterations.yaml"
    old = "splice_windows: {donor_exonic: 3, donor_intronic: 10, acceptor_intronic: 25, acceptor_exonic: 1}"
    text = path.read_text()
    assert text.count(old) == 1, "update this test to the curated windows"
    path.write_text(text.replace(old, f"splice_windows: {windows}"))
    return get_knowledgebase(dest)


@pytest.mark.parametrize("name, matched", [
    ("donor_intronic_next_to_exon_+1", True),
    ("donor_intronic_last_inside_+10", False),
    ("acceptor_intronic_last_inside_-25", True),
])
def test_windows_are_read_from_the_knowledgebase(tmp_path, write, name, matched):
    """The same variants with a narrower donor intronic window (2 bases) in a copy of the knowledgebase."""
    kb = kb_with_windows(tmp_path, "{donor_exonic: 3, donor_intronic: 2, acceptor_intronic: 25, acceptor_exonic: 1}")
    pos, ref, alt, _ = FIXTURES[name]
    assert_read_and_matched(annotate_one(kb, write, name, "GRCh38", pos, ref, alt), matched)


@pytest.mark.parametrize("name, matched", [
    ("deletion_across_acceptor_boundary", True),
    ("deletion_across_donor_boundary", True),
    ("donor_exonic_last_exon_base", False),
    ("acceptor_exonic_last_inside_first_exon_base", False),
])
def test_deletions_across_a_boundary_match_without_windows(tmp_path, write, name, matched):
    """With every window 0 only deletions across an exon boundary still disrupt the splice sites."""
    kb = kb_with_windows(tmp_path, "{donor_exonic: 0, donor_intronic: 0, acceptor_intronic: 0, acceptor_exonic: 0}")
    pos, ref, alt, _ = FIXTURES[name]
    assert_read_and_matched(annotate_one(kb, write, name, "GRCh37", pos, ref, alt), matched)
