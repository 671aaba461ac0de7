"""Check the knowledgebase gene coordinates against independent third-party truth tables.

The tables live in ``../shared/realdata`` (beside the repository, never copied into it; several are
GPL/AGPL). The module is skipped, once, when that folder is absent. Each gene, codon, exon and hotspot is its own
test id, and every assertion compares the YAML against values computed from the tables. A check runs over the entries
its table covers; the coverage tests at the end name, with the reason, every entry that no independent check covers
(gene locations per build, strands, codon variant records, hotspot alleles), and fail when such a list goes stale:

* GRCh37 gene spans/exons/transcripts: hmf gene panel (Ensembl canonical exons); IGF1R: MSK-IMPACT468 targets.
* GRCh38 spans and codons: the umccr coding-exon BED, walked in transcript order.
* GRCh37 codons: the hmf exons trimmed to the same CDS (first/last coding lengths from the GRCh38 CDS),
  checked against every CIViC SNV c. position, the vcf2maf known-somatic-site loci and the truth MAFs.
* Reference codons: the hg19 amplicon sequences of the BOVERI ctDNA panel manifest, plus CIViC ref bases.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import pytest

from annotator.kb.load import load_knowledgebase
from tests.support.paths import KNOWLEDGEBASE, REALDATA, skip_module_without
from tests.support.truth_tables import (
    anchored_genes,
    caller_strand_genes,
    coverage_problems,
    grch37_breakpoint_genes,
    grch37_span_genes,
    grch38_breakpoint_genes,
    grch38_cds_genes,
    hmf_panel,
    impact_strand_genes,
    impact_targets,
    umccr_cds,
)

skip_module_without(REALDATA, "coordinate truth tables")

REF = REALDATA / "reference"
TRUTH = REALDATA / "truth"

KB = load_knowledgebase(KNOWLEDGEBASE)
GENES = {g.symbol: g for g in KB.genes}

# umccr rows (1-based start, GRCh38) that belong to other isoforms than the KB transcript. Each is named
# here with the reason; the CDS-length-multiple-of-3 assertion below fails if this list is wrong.
OTHER_ISOFORM_SEGMENTS = {
    "BRAF": {140785689, 140726494},  # extra 120-bp exon of ENST00000646891 (MANE) and an alternative 3' end
    "KRAS": {25209795},  # the other alternative last coding exon (KRAS4A/4B)
    "ROS1": {117414519},  # 27-bp exon of another ROS1 isoform
}
# umccr rows (1-based start -> end) that extend past the KB transcript's exon: the row is the union of two isoforms'
# coding parts, and the KB transcript codes only up to the given end. Issue 14 (RET codon 810): RET's exon 19 row
# 43126575-43126754 reads through into intron 19 for the short isoform; ENST00000355710 codes its first 148 bp, the
# length of its hmf exon 19 (GRCh37 43622023-43622170). The CDS-length and hmf-alignment assertions check the value.
# Issue 16 (TP53 hotspot codons): the umccr exon 5 row 7675053-7675238 is 2 bp longer, at its high (5', acceptor) end,
# than hmf exon 5 (GRCh37 7578371-7578554, 184 bp); ENST00000269305 codes 7675053-7675236 (CDS 1182 bp).
ISOFORM_SEGMENT_ENDS = {
    "RET": {43126575: 43126722},
    "TP53": {7675053: 7675236},
}
# MSK-IMPACT468 targets (GRCh37 start) labelled with a gene but lying past its coding exons, left out of its span.
# Issue 14 (ETV6, a partner of NTRK3 fusions): eight ETV6 targets pair one-to-one by length with the eight umccr
# GRCh38 coding exons; a ninth, 12268195-12268295, lies 220 kb past the last coding exon and pairs with none.
IMPACT_STRAY_TARGETS = {
    "ETV6": {12268195},
}

# Genes numbered in the knowledgebase on another transcript than the one the hmf panel and the umccr CDS hold:
# symbol -> (knowledgebase transcript, tables' transcript, residues the tables' transcript has in addition upstream).
# MET (issue 14) is numbered on ENST00000397752 (NM_000245, 1390 residues), on which clinical numbering is defined
# (exon 14 D1010, kinase D1228/Y1230); both tables hold ENST00000318493 (1408 residues), whose 18 extra residues lie
# upstream of exon 14. No table here lists the exons of ENST00000397752, so its codons are walked on the tables'
# transcript at number + 18. The offset is not trusted blindly: test_met_isoform_offset_from_truth derives it from
# the two vcf2maf truth MAFs (the same GRCh37 base is c.3028 on ENST00000397752 and c.3082 on ENST00000318493), a
# codon is only checked this way from exon 14 on (table_codon), and test_codon_agrees_with_civic_and_known_sites
# checks the codons against CIViC's ENST00000397752 c. positions (D1228N c.3682G>A, D1228V c.3683A>T).
OTHER_TRANSCRIPT = {"MET": ("ENST00000397752", "ENST00000318493", 18)}
OFFSET_VALID_FROM_EXON = {"MET": 14}  # the first exon (hmf numbering) downstream of every residue the isoforms differ by

COMPLEMENT = str.maketrans("ACGT", "TGCA")
_BASES = "TCAG"
_AA = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODE = {a + b + c: _AA[16 * i + 4 * j + k] for i, a in enumerate(_BASES) for j, b in enumerate(_BASES) for k, c in enumerate(_BASES)}


# ----------------------------------------------------------------------------- truth table readers
@lru_cache(maxsize=1)
def amplicons() -> list[tuple[str, int, int, str]]:
    out = []
    path = REF / "cchauve-BOVERI-561__CG001v5.1_Amplicon_Manifest_Panel5.1.12_20200911.tsv"
    with open(path, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            seq = row["Amplicon"]
            start, end = int(row["Start"]), int(row["End"])
            assert len(seq) == end - start + 1
            out.append((row["Chr"].removeprefix("chr"), start, end, seq.upper()))
    return out


def base37(chrom: str, pos: int) -> str | None:
    seen = {seq[pos - start] for c, start, end, seq in amplicons() if c == chrom and start <= pos <= end}
    assert len(seen) <= 1, f"amplicons disagree at {chrom}:{pos}: {seen}"
    return seen.pop() if seen else None


@lru_cache(maxsize=1)
def civic_rows() -> list[dict[str, str]]:
    with open(REF / "civic" / "fakedrtom-crab__nightly-VariantSummaries.tsv", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@lru_cache(maxsize=1)
def known_sites() -> list[tuple[str, int, int, str]]:
    out = []
    with open(REF / "mskcc-vcf2maf__known_somatic_sites.bed", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("#") or not line.strip():
                continue
            chrom, start, end, label = line.rstrip("\n").split("\t")[:4]
            out.append((chrom, int(start) + 1, int(end), label))  # 0-based half-open -> 1-based inclusive
    return out


def _maf_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


@lru_cache(maxsize=1)
def truth_snvs() -> list[tuple[str, str, str, int, str, str]]:
    """(build, gene, protein without 'p.', position, ref, alt) for every single-base truth MAF row."""
    out = []
    for name, build in (
        ("oncokb-annotator__example_maf.txt", "GRCh37"),
        ("oncokb-annotator__example_maf_grch38.txt", "GRCh38"),
        ("mskcc-vcf2maf__test_output.vep_isoforms.maf", "GRCh37"),
    ):
        for row in _maf_rows(TRUTH / name):
            ref, alt, hgvsp = row.get("Reference_Allele", ""), row.get("Tumor_Seq_Allele2", ""), row.get("HGVSp_Short", "")
            if len(ref) == 1 and len(alt) == 1 and ref != "-" and alt != "-" and hgvsp.startswith("p."):
                out.append((build, row["Hugo_Symbol"], hgvsp[2:], int(row["Start_Position"]), ref, alt))
    return out


# ----------------------------------------------------------------------------- CDS structure
def cds38(symbol: str) -> list[tuple[int, int]]:
    """GRCh38 coding segments of the KB transcript in transcript order."""
    gene = GENES[symbol]
    excluded = OTHER_ISOFORM_SEGMENTS.get(symbol, set())
    starts = {s for _, s, _ in umccr_cds()[symbol]}
    assert excluded <= starts, f"{symbol}: excluded segments {excluded - starts} not in the umccr BED"
    ends = ISOFORM_SEGMENT_ENDS.get(symbol, {})
    assert set(ends) <= starts, f"{symbol}: trimmed segments {set(ends) - starts} not in the umccr BED"
    segs = [(s, ends.get(s, e)) for _, s, e in umccr_cds()[symbol] if s not in excluded]
    return segs if gene.strand == 1 else segs[::-1]


def hmf_exons(symbol: str) -> list[tuple[int, int]]:
    exons = sorted({(int(r[12]), int(r[13])) for r in hmf_panel()[symbol]})
    return exons if GENES[symbol].strand == 1 else exons[::-1]


def cds37(symbol: str) -> tuple[int, list[tuple[int, int]]]:
    """(index of the first coding hmf exon, GRCh37 coding segments) by aligning hmf exons to the GRCh38 CDS."""
    strand = GENES[symbol].strand
    lengths = [e - s + 1 for s, e in cds38(symbol)]
    exons = hmf_exons(symbol)
    exon_lengths = [e - s + 1 for s, e in exons]
    n = len(lengths)
    candidates = [
        k
        for k in range(len(exons) - n + 1)
        if exon_lengths[k + 1 : k + n - 1] == lengths[1 : n - 1]
        and exon_lengths[k] >= lengths[0]
        and exon_lengths[k + n - 1] >= lengths[-1]
    ]
    assert len(candidates) == 1, f"{symbol}: hmf exons do not align with the GRCh38 CDS ({candidates})"
    k = candidates[0]
    segs = []
    for i in range(n):
        s, e = exons[k + i]
        if strand == 1:
            s = e - lengths[0] + 1 if i == 0 else s
            e = s + lengths[-1] - 1 if i == n - 1 else e
        else:
            e = s + lengths[0] - 1 if i == 0 else e
            s = e - lengths[-1] + 1 if i == n - 1 else s
        segs.append((s, e))
    return k, segs


def genomic(segs: list[tuple[int, int]], strand: int, c: int) -> int:
    """Genomic position of coding position c (1-based) on the given segments."""
    acc = 0
    for s, e in segs:
        length = e - s + 1
        if c <= acc + length:
            offset = c - acc - 1
            return s + offset if strand == 1 else e - offset
        acc += length
    raise ValueError(f"c.{c} beyond the CDS")


def coding_position(segs: list[tuple[int, int]], strand: int, pos: int) -> int | None:
    acc = 0
    for s, e in segs:
        if s <= pos <= e:
            return acc + (pos - s + 1 if strand == 1 else e - pos + 1)
        acc += e - s + 1
    return None


def codon_bases(segs: list[tuple[int, int]], strand: int, number: int) -> list[int]:
    """Genomic positions of codon bases 1, 2, 3 (coding order)."""
    return [genomic(segs, strand, 3 * number - 2 + i) for i in range(3)]


def strand_base(base: str, strand: int) -> str:
    return base if strand == 1 else base.translate(COMPLEMENT)


# ----------------------------------------------------------------------------- parameters
GENE_IDS = sorted(GENES)
CODON_CASES = [(g.symbol, c.number) for g in KB.genes for c in g.codons]
EXON_CASES = [(g.symbol, e.number) for g in KB.genes for e in g.exons]
HOTSPOTS = [
    (a.id, a.gene, p)
    for a in KB.alterations
    if a.kind == "protein_change"
    for p in a.protein
    if re.fullmatch(r"[A-Z]\d+[A-Z]", p) and int(p[1:-1]) in {c.number for c in GENES[a.gene].codons}
]


@lru_cache(maxsize=1)
def civic_snv_rows() -> dict[str, list[dict[str, str]]]:
    """CIViC rows with coordinates and a single reference base, per gene."""
    rows: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in civic_rows():
        if row["start"] and len(row["reference_bases"]) == 1:
            rows[row["gene"]].append(row)
    return rows


def codon_records(symbol: str, number: int) -> tuple[list[tuple[dict[str, str], int, str]], list[tuple[str, int, int, str]]]:
    """Third-party records at a knowledgebase codon (GRCh37): CIViC SNVs whose c. position on the knowledgebase
    transcript lies in the codon, as (row, c. position, reference base of the c. change), and vcf2maf known-site loci
    labelled with the codon."""
    transcript = GENES[symbol].transcript.split(".")[0]
    snvs = []
    for row in civic_snv_rows().get(symbol, []):
        for expr in row["hgvs_expressions"].split(","):
            m = re.fullmatch(r"\s*(ENST\d+)(?:\.\d+)?:c\.(\d+)([ACGT])>([ACGT])\s*", expr)
            if m and m.group(1) == transcript and 3 * number - 2 <= int(m.group(2)) <= 3 * number:
                snvs.append((row, int(m.group(2)), m.group(3)))
    label = re.compile(rf"\b{symbol}:[A-Z]{number}\b")
    return snvs, [site for site in known_sites() if label.search(site[3])]


def hotspot_alleles(symbol: str, protein: str) -> list[tuple[str, str, int, str, str]]:
    """Single-base alleles that CIViC (GRCh37) and the truth MAFs give for a hotspot: (origin, build, pos, ref, alt)."""
    out = [("CIViC", "GRCh37", int(row["start"]), row["reference_bases"], row["variant_bases"])
           for row in civic_snv_rows().get(symbol, []) if row["variant"] == protein]
    out += [("truth MAF", build, pos, ref, alt) for build, gene_name, prot, pos, ref, alt in truth_snvs()
            if gene_name == symbol and prot == protein]
    return out


# The independent records cover only some codons and hotspots: each check runs over those it covers; the coverage
# tests below name the others (CODONS_WITHOUT_VARIANT_RECORD, HOTSPOTS_WITHOUT_ALLELE_RECORD).
CODON_RECORD_CASES = [(s, n) for s, n in CODON_CASES if any(codon_records(s, n))]
HOTSPOT_ALLELE_CASES = [(a, s, p) for a, s, p in HOTSPOTS if hotspot_alleles(s, p)]


def _codon(symbol: str, number: int):
    return next(c for c in GENES[symbol].codons if c.number == number)


def table_codon(symbol: str, number: int) -> int:
    """The codon number on the tables' transcript of a knowledgebase codon (see OTHER_TRANSCRIPT)."""
    if symbol not in OTHER_TRANSCRIPT:
        return number
    table_number = number + OTHER_TRANSCRIPT[symbol][2]
    first_coding, segs = cds37(symbol)
    exon_start = hmf_exons(symbol)[OFFSET_VALID_FROM_EXON[symbol] - 1][0 if GENES[symbol].strand == 1 else 1]
    assert 3 * table_number - 2 >= coding_position(segs, GENES[symbol].strand, exon_start), (
        f"{symbol} codon {number}: upstream of exon {OFFSET_VALID_FROM_EXON[symbol]}, where the isoform offset is not known")
    return table_number


def test_every_codon_gene_has_a_cds_multiple_of_three() -> None:
    for symbol in {s for s, _ in CODON_CASES} | {s for s, _ in EXON_CASES}:
        total = sum(e - s + 1 for s, e in cds38(symbol))
        assert total % 3 == 0, f"{symbol}: canonical GRCh38 CDS length {total} is not a multiple of 3"


@pytest.mark.parametrize("symbol", sorted(GENES.keys() & grch37_span_genes()))
def test_grch37_location_contains_reference_gene(symbol: str) -> None:
    gene = GENES[symbol]
    loc = gene.location.GRCh37
    if symbol in hmf_panel():
        rows = hmf_panel()[symbol]
        chrom, start, end, transcript = rows[0][0], int(rows[0][1]), int(rows[0][2]), rows[0][7]
        assert loc.chrom == chrom
        assert loc.start <= start and loc.end >= end, f"{symbol}: {loc} misses the hmf gene span {start}-{end}"
        if symbol in OTHER_TRANSCRIPT:  # numbered on another isoform on purpose (see OTHER_TRANSCRIPT)
            assert (gene.transcript.split(".")[0], transcript) == OTHER_TRANSCRIPT[symbol][:2]
        else:
            assert gene.transcript.split(".")[0] == transcript
        for row in rows:
            assert loc.start <= int(row[12]) and int(row[13]) <= loc.end, f"{symbol}: hmf exon {row[11]} outside"
    elif symbol in impact_targets():
        stray = IMPACT_STRAY_TARGETS.get(symbol, set())
        assert stray <= {start for _, start, _, _ in impact_targets()[symbol]}, f"{symbol}: pinned stray targets gone"
        for chrom, start, end, _ in impact_targets()[symbol]:
            if start in stray:
                assert loc.chrom == chrom and start > loc.end, f"{symbol}: stray target {start}-{end} is not downstream"
                continue
            assert loc.chrom == chrom and loc.start <= start and end <= loc.end, f"{symbol}: target {start}-{end}"
    else:
        raise AssertionError(f"{symbol}: in neither the hmf panel nor MSK-IMPACT468 (collected by mistake)")


@pytest.mark.parametrize("symbol", sorted(GENES.keys() & grch38_cds_genes()))
def test_grch38_location_contains_umccr_cds(symbol: str) -> None:
    loc = GENES[symbol].location.GRCh38
    for chrom, start, end in umccr_cds()[symbol]:
        assert loc.chrom == chrom and loc.start <= start and end <= loc.end, f"{symbol}: CDS {start}-{end} outside {loc}"


@pytest.mark.parametrize("symbol", sorted(GENES.keys() & impact_strand_genes()))
def test_strand_matches_panel_targets(symbol: str) -> None:
    strands = Counter(t[3] for t in impact_targets()[symbol])
    majority = strands.most_common(1)[0][0]
    assert GENES[symbol].strand == (1 if majority == "+" else -1)


@pytest.mark.parametrize(("symbol", "number"), CODON_CASES, ids=[f"{s}-{n}" for s, n in CODON_CASES])
def test_codon_grch38_from_umccr_cds(symbol: str, number: int) -> None:
    gene, codon = GENES[symbol], _codon(symbol, number)
    segs = cds38(symbol)
    bases = codon_bases(segs, gene.strand, table_codon(symbol, number))
    assert min(bases) == codon.GRCh38, f"{symbol} codon {number}: computed {min(bases)}"
    assert max(bases) - min(bases) == 2, "codon split by an intron"
    assert any(s <= min(bases) and max(bases) <= e for s, e in segs)


@pytest.mark.parametrize(("symbol", "number"), CODON_CASES, ids=[f"{s}-{n}" for s, n in CODON_CASES])
def test_codon_grch37_from_hmf_exons(symbol: str, number: int) -> None:
    gene, codon = GENES[symbol], _codon(symbol, number)
    _, segs = cds37(symbol)
    bases = codon_bases(segs, gene.strand, table_codon(symbol, number))
    assert min(bases) == codon.GRCh37, f"{symbol} codon {number}: computed {min(bases)}"
    assert any(s <= min(bases) and max(bases) <= e for s, e in hmf_exons(symbol))


@pytest.mark.parametrize(("symbol", "number"), CODON_CASES, ids=[f"{s}-{n}" for s, n in CODON_CASES])
def test_codon_reference_sequence(symbol: str, number: int) -> None:
    gene, codon = GENES[symbol], _codon(symbol, number)
    _, segs = cds37(symbol)
    bases = [base37(gene.location.GRCh37.chrom, p) for p in codon_bases(segs, gene.strand, table_codon(symbol, number))]
    assert None not in bases, f"{symbol} codon {number}: not covered by an amplicon sequence"
    assert "".join(strand_base(b, gene.strand) for b in bases) == codon.ref


@pytest.mark.parametrize(("symbol", "number"), CODON_RECORD_CASES, ids=[f"{s}-{n}" for s, n in CODON_RECORD_CASES])
def test_codon_agrees_with_civic_and_known_sites(symbol: str, number: int) -> None:
    gene, codon = GENES[symbol], _codon(symbol, number)
    strand = gene.strand
    positions = sorted([codon.GRCh37, codon.GRCh37 + 1, codon.GRCh37 + 2], reverse=strand == -1)
    snvs, sites = codon_records(symbol, number)
    assert snvs or sites, f"{symbol} codon {number}: collected without a CIViC SNV or known-site locus"
    for row, c, ref in snvs:
        idx = c - (3 * number - 2)
        assert int(row["start"]) == positions[idx], f"CIViC {row['variant']} at {row['start']}"
        assert strand_base(row["reference_bases"], strand) == codon.ref[idx] == ref
    for chrom, start, end, _ in sites:
        assert chrom == gene.location.GRCh37.chrom and start <= codon.GRCh37 + 2 and codon.GRCh37 <= end


def _single_base_alleles(symbol: str, number: int, alt_aa: str) -> dict[str, set[tuple[int, str, str]]]:
    """Every single-base change of the KB reference codon that gives ``alt_aa``, per build: (pos, ref, alt) on +."""
    strand, codon = GENES[symbol].strand, _codon(symbol, number)
    expected: dict[str, set[tuple[int, str, str]]] = {"GRCh37": set(), "GRCh38": set()}
    for idx in range(3):
        for base in set("ACGT") - {codon.ref[idx]}:
            if CODE[codon.ref[:idx] + base + codon.ref[idx + 1 :]] != alt_aa:
                continue
            for build in expected:
                low = getattr(codon, build)
                pos = low + idx if strand == 1 else low + 2 - idx
                expected[build].add((pos, strand_base(codon.ref[idx], strand), strand_base(base, strand)))
    return expected


@pytest.mark.parametrize(("alteration", "symbol", "protein"), HOTSPOTS, ids=[f"{a}-{p}" for a, _, p in HOTSPOTS])
def test_hotspot_reference_residue(alteration: str, symbol: str, protein: str) -> None:
    """The knowledgebase reference codon encodes the hotspot's reference residue, and one base change reaches its
    alternative residue (every hotspot, whether or not a third-party allele record exists)."""
    ref_aa, number, alt_aa = protein[0], int(protein[1:-1]), protein[-1]
    codon = _codon(symbol, number)
    assert CODE[codon.ref] == ref_aa, f"{symbol} codon {number} {codon.ref} encodes {CODE[codon.ref]}, not {ref_aa}"
    assert _single_base_alleles(symbol, number, alt_aa)["GRCh37"], f"{protein} is not reachable by one base change from {codon.ref}"


@pytest.mark.parametrize(("alteration", "symbol", "protein"), HOTSPOT_ALLELE_CASES, ids=[f"{a}-{p}" for a, _, p in HOTSPOT_ALLELE_CASES])
def test_hotspot_allele(alteration: str, symbol: str, protein: str) -> None:
    """The alleles of CIViC / truth MAFs agree with the KB codon (hotspots that such a record names)."""
    expected = _single_base_alleles(symbol, int(protein[1:-1]), protein[-1])
    alleles = hotspot_alleles(symbol, protein)
    assert alleles, f"{symbol} {protein}: collected without a CIViC or truth-MAF allele"
    for origin, build, pos, ref, alt in alleles:
        assert (pos, ref, alt) in expected[build], f"{origin} {build} {pos} {ref}>{alt}"


# ----------------------------------------------------------------------------- coverage of the checks above
# Each check runs only over the entries its independent source covers. These tests assert, per check family, that every
# knowledgebase entry is covered by at least one independent check, or is named below with the reason; and that no
# entry named below is covered (so the lists cannot go stale). The lists are for the product owner to read.
PARTNERS = [g for g in KB.genes if g.fusion_partner_only]

# Gene locations, per build. GRCh37: test_grch37_location_contains_reference_gene (hmf panel, MSK-IMPACT468 targets);
# for fusion partners also tests/test_kb_partner_genes.py: GRCh37 fusion-call and CIViC junction breakpoints, and the
# GRCh37->GRCh38 shift against a nearby MSK-IMPACT468 anchor. GRCh38: test_grch38_location_contains_umccr_cds (here
# and for partners); FusionCatcher breakpoints for partners.
LOCATIONS_WITHOUT_INDEPENDENT_CHECK = {
    "SLC34A2 GRCh37": "fusion partner (SLC34A2-ROS1) in neither the hmf panel nor MSK-IMPACT468, named by no GRCh37 fusion "
                      "call or CIViC fusion, and no MSK-IMPACT468 anchor within 10 Mb; only the GRCh38 umccr CDS and the "
                      "same-chromosome/similar-span comparison (test_same_gene_on_both_builds) check it",
}

# Gene strand (one per gene, both builds): test_strand_matches_panel_targets (MSK-IMPACT468 target strands) and, for
# fusion partners, the caller strands that the partner breakpoint tests compare (STAR-Fusion, Arriba, FusionCatcher).
_NO_STRAND = "not in MSK-IMPACT468, and no fusion call in ../shared/realdata reports its strand"
STRANDS_WITHOUT_INDEPENDENT_CHECK = {
    "ERC1": _NO_STRAND,
    "EZR": _NO_STRAND,
    "HIP1": _NO_STRAND,
    "KIF5B": _NO_STRAND + " (its CIViC KIF5B-RET junction moves with the strand, but is no strand check)",
    "NRG1": "the hmf panel lists no strand, MSK-IMPACT468 does not target NRG1, and no shared fusion call names it",
    "SDC4": _NO_STRAND,
    "SLC34A2": _NO_STRAND,
    "STRN": _NO_STRAND,
    "TFG": _NO_STRAND + " (its CIViC junction moves with the strand, but is no strand check)",
    "TPM3": _NO_STRAND,
    "TPR": _NO_STRAND,
    "TRIM33": _NO_STRAND,
}

# Codon loci against third-party variant records (GRCh37): test_codon_agrees_with_civic_and_known_sites. Every codon's
# position is also walked on both builds (test_codon_grch38_from_umccr_cds, test_codon_grch37_from_hmf_exons) and its
# reference bases read from the BOVERI amplicons (test_codon_reference_sequence); the codons below have only those.
_NO_CODON_RECORD = "no CIViC SNV with coordinates on the knowledgebase transcript and no vcf2maf known-site locus at this codon"
CODONS_WITHOUT_VARIANT_RECORD = {
    "ALK codon 1203": _NO_CODON_RECORD,
    "MET codon 1230": _NO_CODON_RECORD,
    "NRAS codon 63": _NO_CODON_RECORD,
    "PIK3CA codon 418": _NO_CODON_RECORD,
    "RET codon 810": _NO_CODON_RECORD + " (CIViC names KIF5B-RET G810A, without coordinates)",
}

# Hotspot alleles against third-party allele records (CIViC GRCh37, truth MAFs GRCh37/GRCh38): test_hotspot_allele.
# Every hotspot's reference residue and one-base reachability are checked by test_hotspot_reference_residue; the
# hotspots below have only that. Allele records exist on GRCh38 for two hotspots only (KRAS G12C, PIK3CA E542K), so the
# family asks for a record on either build; the GRCh38 codon positions are walked for every codon (see above).
_NO_ALLELE = "no public allele-level record in CIViC (with coordinates) or the truth MAFs"
HOTSPOTS_WITHOUT_ALLELE_RECORD = {
    "ALK C1156Y": _NO_ALLELE,
    "ALK D1203N": _NO_ALLELE,
    "ALK G1202R": _NO_ALLELE,
    "ALK G1269A": _NO_ALLELE,
    "ALK L1196M": _NO_ALLELE + " (CIViC has L1196Q at this codon, checked by test_codon_agrees_with_civic_and_known_sites)",
    "EGFR L861Q": _NO_ALLELE + " (CIViC lists L861Q without coordinates)",
    "KIT D816G": _NO_ALLELE + " (CIViC lists D816G without coordinates)",
    "NRAS E63K": _NO_ALLELE,
    "PIK3CA E418K": _NO_ALLELE,
    "PIK3CA R88Q": _NO_ALLELE,
    "RET G810C": _NO_ALLELE,
    "RET G810R": _NO_ALLELE,
    "RET G810S": _NO_ALLELE,
}


@pytest.mark.parametrize("build", ["GRCh37", "GRCh38"])
def test_every_gene_location_has_an_independent_check(build: str) -> None:
    if build == "GRCh37":
        covered = grch37_span_genes() | grch37_breakpoint_genes(PARTNERS) | anchored_genes(PARTNERS)
    else:
        covered = grch38_cds_genes() | grch38_breakpoint_genes(PARTNERS)
    assert set(LOCATIONS_WITHOUT_INDEPENDENT_CHECK) <= {f"{g} {b}" for g in GENES for b in ("GRCh37", "GRCh38")}
    unchecked = {k: v for k, v in LOCATIONS_WITHOUT_INDEPENDENT_CHECK.items() if k.endswith(f" {build}")}
    problems = coverage_problems([f"{g} {build}" for g in GENE_IDS], {f"{g} {build}" for g in covered & GENES.keys()}, unchecked)
    assert not problems, problems


def test_every_gene_strand_has_an_independent_check() -> None:
    covered = impact_strand_genes() | caller_strand_genes(PARTNERS)
    problems = coverage_problems(GENE_IDS, covered & GENES.keys(), STRANDS_WITHOUT_INDEPENDENT_CHECK)
    assert not problems, problems


def test_every_codon_has_a_variant_record_or_a_reason() -> None:
    entries = [f"{s} codon {n}" for s, n in CODON_CASES]
    covered = {f"{s} codon {n}" for s, n in CODON_RECORD_CASES}
    problems = coverage_problems(entries, covered, CODONS_WITHOUT_VARIANT_RECORD)
    assert not problems, problems


def test_every_hotspot_has_an_allele_record_or_a_reason() -> None:
    entries = sorted({f"{s} {p}" for _, s, p in HOTSPOTS})
    covered = {f"{s} {p}" for _, s, p in HOTSPOT_ALLELE_CASES}
    problems = coverage_problems(entries, covered, HOTSPOTS_WITHOUT_ALLELE_RECORD)
    assert not problems, problems


# Anchor alleles on GRCh38 stated by the MANIFEST (vcf2maf GRCh38 test VCF) or by the product issue.
ANCHORS_38 = [
    ("PIK3CA", 545, 1, 179218303, "vcf2maf_grch38_vcf"),  # E545K G>A, first base of codon 545
    ("KRAS", 12, 2, 25245350, "issue"),  # G12D, second base of codon 12 (codon 25245349-25245351)
    ("KRAS", 12, 1, 25245351, "issue"),  # G12C, first base of codon 12
    ("BRAF", 600, 2, 140753336, "issue"),  # V600E, second base
    ("EGFR", 858, 2, 55191822, "issue"),  # L858R, middle base
]


@pytest.mark.parametrize(("symbol", "number", "base", "pos", "origin"), ANCHORS_38, ids=[f"{a[0]}-{a[1]}-{a[2]}" for a in ANCHORS_38])
def test_grch38_anchor_positions(symbol: str, number: int, base: int, pos: int, origin: str) -> None:
    gene, codon = GENES[symbol], _codon(symbol, number)
    got = codon.GRCh38 + base - 1 if gene.strand == 1 else codon.GRCh38 + 3 - base
    assert got == pos
    if origin == "vcf2maf_grch38_vcf":
        with open(REALDATA / "vcf" / "mskcc-vcf2maf__test_grch38.vcf", encoding="utf-8") as handle:
            records = {(f[0], int(f[1])) for f in (line.split("\t") for line in handle if not line.startswith("#"))}
        assert (gene.location.GRCh38.chrom, pos) in records


@pytest.mark.parametrize(("symbol", "number"), EXON_CASES, ids=[f"{s}-ex{n}" for s, n in EXON_CASES])
def test_exon_coordinates(symbol: str, number: int) -> None:
    gene = GENES[symbol]
    exon = next(e for e in gene.exons if e.number == number)
    first_coding, _ = cds37(symbol)
    s37, e37 = hmf_exons(symbol)[number - 1]  # exon numbers count every exon of the hmf transcript
    assert (exon.GRCh37.start, exon.GRCh37.end) == (s37, e37)
    s38, e38 = cds38(symbol)[number - 1 - first_coding]  # these exons are entirely coding
    assert (exon.GRCh38.start, exon.GRCh38.end) == (s38, e38)
    assert exon.GRCh37.end - exon.GRCh37.start == exon.GRCh38.end - exon.GRCh38.start


def test_met_exon14_last_base_matches_truth() -> None:
    exon = next(e for e in GENES["MET"].exons if e.number == 14)
    rows = [r for r in _maf_rows(TRUTH / "mskcc-vcf2maf__test_output.vep_isoforms.maf") if r["Hugo_Symbol"] == "MET"]
    assert rows and all(r["Transcript_ID"] == "ENST00000318493" for r in rows)
    assert int(rows[0]["Start_Position"]) == exon.GRCh37.end  # p.D1028H: last base of exon 14
    with open(REALDATA / "vcf" / "mskcc-vcf2maf__test_grch38.vcf", encoding="utf-8") as handle:
        records = {(f[0], int(f[1]), f[3], f[4]) for f in (line.split("\t") for line in handle if not line.startswith("#"))}
    assert ("7", exon.GRCh38.end, "G", "C") in records


def test_met_isoform_offset_from_truth() -> None:
    """The same MET exon-14 base, annotated on both isoforms by vcf2maf: the knowledgebase transcript's numbering
    (p.D1010H, issue 14) and the residue offset OTHER_TRANSCRIPT uses for its codons."""
    kb_tx, table_tx, offset = OTHER_TRANSCRIPT["MET"]
    assert GENES["MET"].transcript.split(".")[0] == kb_tx
    exon = next(e for e in GENES["MET"].exons if e.number == 14)
    rows = {}
    for name in ("mskcc-vcf2maf__test_output.custom_isoforms.maf", "mskcc-vcf2maf__test_output.vep_isoforms.maf"):
        (row,) = [r for r in _maf_rows(TRUTH / name) if r["Hugo_Symbol"] == "MET"]
        rows[row["Transcript_ID"]] = row
    assert set(rows) == {kb_tx, table_tx}
    custom, canonical = rows[kb_tx], rows[table_tx]
    assert custom["HGVSp_Short"] == "p.D1010H" and custom["Exon_Number"] == canonical["Exon_Number"] == "14/21"
    assert int(custom["Start_Position"]) == int(canonical["Start_Position"]) == exon.GRCh37.end
    c_kb = int(re.match(r"c\.(\d+)", custom["HGVSc"]).group(1))
    c_table = int(re.match(r"c\.(\d+)", canonical["HGVSc"]).group(1))
    assert c_table - c_kb == 3 * offset  # c.3082 - c.3028
    # and the table walk puts c.3082 (the tables' transcript) on that base
    _, segs = cds37("MET")
    assert genomic(segs, 1, c_table) == exon.GRCh37.end


def test_egfr_exon19_deletions_lie_in_exon19() -> None:
    exon = next(e for e in GENES["EGFR"].exons if e.number == 19)
    path = TRUTH / "cchauve-BOVERI-561__v51NextSeq_commercial_samples_expected_indels.tsv"
    with open(path, encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["chr"] == "chr7"]
    dels = {(int(r["pos"]), r["ref"], r["alt"]) for r in rows if len(r["ref"]) > len(r["alt"]) == 1}
    in_exon = [(p, ref) for p, ref, _ in dels if exon.GRCh37.start <= p + 1 and p + len(ref) - 1 <= exon.GRCh37.end]
    assert {p for p, _ in in_exon} >= {55242464, 55242465}
    for p, ref in in_exon:
        assert (p + len(ref) - 1 - p) % 3 == 0, "exon 19 deletions in the truth table are in frame"


def test_truth_maf_missense_rows_map_to_the_cds() -> None:
    """Every KB-gene SNV of the truth MAFs falls in the codon its HGVSp names, on both builds."""
    checked = 0
    for build, symbol, protein, pos, _, _ in truth_snvs():
        m = re.fullmatch(r"[A-Z](\d+)[A-Z*]", protein)
        if symbol not in GENES or not m or symbol not in hmf_panel():
            continue
        strand = GENES[symbol].strand
        segs = cds38(symbol) if build == "GRCh38" else cds37(symbol)[1]
        c = coding_position([(s, e) for s, e in segs], strand, pos)
        assert c is not None and (c + 2) // 3 == int(m.group(1)), f"{build} {symbol} {protein} at {pos}: c.{c}"
        checked += 1
    assert checked >= 5
