"""annotator/data/contig_accessions.tsv: primary-assembly chromosome accessions for GRCh37 and GRCh38.

The table was checked row by row against NCBI's GRCh38.p13 assembly report and independent
GRCh37/GRCh38 name maps (sources are named in the file's first line). These tests pin its
shape and internal consistency, and cross-check the GRCh37 RefSeq accessions against the
HGVS g. expressions of a CIViC VariantSummaries snapshot (CIViC coordinates are GRCh37).
"""

from __future__ import annotations

import csv
import re
from functools import partial

import pytest

from tests.support.paths import PKG, REALDATA, require

TABLE = PKG / "data" / "contig_accessions.tsv"
CIVIC_VARIANTS = REALDATA / "reference" / "civic" / "fakedrtom-crab__nightly-VariantSummaries.tsv"

CHROMS = [str(n) for n in range(1, 23)] + ["X", "Y"]
NUMBER = {c: i + 1 for i, c in enumerate(CHROMS)}  # RefSeq NC_0000NN: X=23, Y=24
BUILDS = ("GRCh37", "GRCh38")
# GenBank CM000663..CM000686 in chromosome order; sequence version 1 in GRCh37, 2 in GRCh38
# (as listed in the GRCh38.p13 assembly report and the GRCh37 GenBank-accession maps).
GENBANK_VERSION = {"GRCh37": 1, "GRCh38": 2}

REFSEQ_RE = re.compile(r"^NC_0000(\d\d)\.(\d+)$")
GENBANK_RE = re.compile(r"^CM(\d{6})\.(\d+)$")
HGVS_G_RE = re.compile(r"\b(NC_\d{6}\.\d+):g\.")

# CIViC rows whose HGVS accession is a curation slip, not a disagreement with the table.
# Each is checked below to really disagree, so this list cannot hide a correct row.
CIVIC_KNOWN_SLIPS = {
    # MAPK1 E322K: chromosome column 22 (MAPK1 is on 22q11.22, GRCh37 chr22:22127164), but the
    # expression reads NC_000002.11:g.22127164C>T -- the chr2 accession with the chr22 position
    # ("NC_000002" typed for "NC_000022").
    ("320", "NC_000002.11"),
    # ERBB2 L755P: NC_000017.13:g.37880219_37880220delinsCC. No NC_000017.13 exists in either
    # build (GRCh37 chr17 = NC_000017.10, GRCh38 = .11); the position is GRCh37 and the
    # neighbouring ERBB2 L755S/L755W/DEL 755-759 rows use NC_000017.10 at 37880219-37880220.
    ("1304", "NC_000017.13"),
}


def _rows() -> list[dict[str, str]]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    body = [line for line in lines if not line.startswith("#")]
    return list(csv.DictReader(body, delimiter="\t"))


def _by_build() -> dict[str, dict[str, dict[str, str]]]:
    table: dict[str, dict[str, dict[str, str]]] = {b: {} for b in BUILDS}
    for row in _rows():
        table[row["build"]][row["chrom"]] = row
    return table


def test_first_line_names_sources_and_header():
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("#")
    for source in ("GCF_000001405.39_GRCh38.p13_assembly_report.txt", "GRCh37_NCBI2UCSC.txt"):
        assert source in lines[0]
    assert lines[1].split("\t") == ["build", "chrom", "refseq", "genbank"]


def test_exactly_24_chromosomes_per_build():
    rows = _rows()
    assert len(rows) == 48
    assert {r["build"] for r in rows} == set(BUILDS)
    for build in BUILDS:
        chroms = [r["chrom"] for r in rows if r["build"] == build]
        assert sorted(chroms, key=CHROMS.index) == CHROMS
        assert len(chroms) == len(set(chroms)) == 24
    assert not any(r["chrom"] in ("MT", "M", "chrM") for r in rows), "MT is deliberately left out"


def test_accessions_unique():
    rows = _rows()
    refseq = [r["refseq"] for r in rows]
    genbank = [r["genbank"] for r in rows]
    assert len(set(refseq)) == len(refseq)
    assert len(set(genbank)) == len(genbank)
    assert not set(refseq) & set(genbank)


@pytest.mark.parametrize("build", BUILDS)
def test_refseq_numbering_matches_chromosome(build):
    for chrom, row in _by_build()[build].items():
        m = REFSEQ_RE.match(row["refseq"])
        assert m, row
        assert int(m.group(1)) == NUMBER[chrom], row


@pytest.mark.parametrize("build", BUILDS)
def test_genbank_cm000663_to_cm000686_in_chromosome_order(build):
    for chrom, row in _by_build()[build].items():
        m = GENBANK_RE.match(row["genbank"])
        assert m, row
        assert int(m.group(1)) == 663 + CHROMS.index(chrom), row
        assert int(m.group(2)) == GENBANK_VERSION[build], row


def test_each_chromosome_accession_was_revised_between_builds():
    table = _by_build()
    for chrom in CHROMS:
        old, new = table["GRCh37"][chrom], table["GRCh38"][chrom]
        assert old["refseq"].split(".")[0] == new["refseq"].split(".")[0]
        assert int(new["refseq"].split(".")[1]) > int(old["refseq"].split(".")[1]), chrom
        assert old["genbank"].split(".")[0] == new["genbank"].split(".")[0]


def test_pinned_rows():
    table = _by_build()
    assert (table["GRCh38"]["7"]["refseq"], table["GRCh38"]["7"]["genbank"]) == ("NC_000007.14", "CM000669.2")
    assert (table["GRCh37"]["7"]["refseq"], table["GRCh37"]["7"]["genbank"]) == ("NC_000007.13", "CM000669.1")
    assert table["GRCh37"]["X"]["refseq"] == "NC_000023.10"
    assert table["GRCh38"]["Y"]["refseq"] == "NC_000024.10"


def test_grch37_refseq_agrees_with_civic_hgvs(request):
    require(CIVIC_VARIANTS, "CIViC VariantSummaries snapshot")
    grch37 = {row["refseq"]: chrom for chrom, row in _by_build()["GRCh37"].items()}
    # CIViC cells exceed csv's default limit; the limit is process-wide, and the readers' own check relies on it
    request.addfinalizer(partial(csv.field_size_limit, csv.field_size_limit(1 << 24)))
    checked = 0
    corroborated: set[str] = set()
    slips_seen: set[tuple[str, str]] = set()
    problems: list[str] = []
    with CIVIC_VARIANTS.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row.get("reference_build") not in ("", None, "GRCh37"):
                continue
            civic_chrom = (row.get("chromosome") or "").strip()
            for accession in HGVS_G_RE.findall(row.get("hgvs_expressions") or ""):
                if not re.match(r"^NC_0000(0[1-9]|1\d|2[0-4])\.", accession):
                    continue  # only nuclear chromosome accessions (not NG_/NC_012920 etc.)
                key = (row["variant_id"], accession)
                agrees = accession in grch37 and (not civic_chrom or grch37[accession] == civic_chrom)
                if key in CIVIC_KNOWN_SLIPS:
                    assert not agrees, f"{key} listed as a CIViC slip but agrees with the table"
                    slips_seen.add(key)
                    continue
                checked += 1
                if agrees:
                    corroborated.add(grch37[accession])
                else:
                    problems.append(f"variant {row['variant_id']} chromosome {civic_chrom!r}: {accession}")
    assert not problems, problems
    assert checked >= 100, f"only {checked} CIViC HGVS g. expressions checked"
    assert slips_seen == CIVIC_KNOWN_SLIPS
    # CIViC covers every GRCh37 chromosome except Y, so each of those rows is corroborated.
    assert corroborated == set(CHROMS) - {"Y"}
