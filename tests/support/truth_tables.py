"""Readers of the independent third-party tables in ``../shared/realdata`` that more than one knowledgebase check uses.

tests/test_kb_coordinates.py and tests/test_kb_partner_genes.py parametrize their checks over the entries these tables
cover (computed once, at collection time) and assert, per check family, that every knowledgebase entry is covered on
each build or is named in an explicit list with its reason. Call these only when ``REALDATA`` exists (the callers
skip once otherwise). Every reader is cached: each file is read once per test session.
"""

from __future__ import annotations

import csv
import gzip
import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any, NamedTuple

from tests.support.paths import REALDATA

REF = REALDATA / "reference"
FUSION = REALDATA / "fusion"

ANCHOR_WINDOW = 10_000_000  # anchor genes this close (GRCh37), one per side, are compared


class Breakpoint(NamedTuple):
    chrom: str
    pos: int  # 1-based
    strand: int | None  # transcribed strand of the gene as the caller reports it, if it does
    origin: str


def _chrom(name: str) -> str:
    return name.removeprefix("chr")


def _strand(sign: str) -> int | None:
    return {"+": 1, "-": -1}.get(sign.strip())


# ----------------------------------------------------------------------------- gene tables
@lru_cache(maxsize=1)
def hmf_panel() -> dict[str, list[list[str]]]:
    """hmf gene panel (GRCh37, Ensembl canonical exons): rows per gene symbol."""
    rows: dict[str, list[list[str]]] = defaultdict(list)
    with open(REF / "hartwigmedical-hmftools__hmf_gene_panel.tsv", encoding="utf-8") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            rows[row[4]].append(row)
    return rows


@lru_cache(maxsize=1)
def umccr_cds() -> dict[str, list[tuple[str, int, int]]]:
    """umccr GRCh38 coding exons per symbol: (chrom, start, end), 1-based inclusive, sorted by start."""
    rows: dict[str, set[tuple[str, int, int]]] = defaultdict(set)
    with gzip.open(REF / "umccr-gpgr__umccr_cancer_genes_hg38_coding.bed.gz", "rt") as handle:
        next(handle)  # header: chr start end symbol
        for line in handle:
            chrom, start, end, symbol = line.split()[:4]
            rows[symbol].add((_chrom(chrom), int(start) + 1, int(end)))  # BED 0-based -> 1-based inclusive
    return {k: sorted(v, key=lambda r: r[1]) for k, v in rows.items()}


@lru_cache(maxsize=1)
def impact_targets() -> dict[str, list[tuple[str, int, int, str]]]:
    """MSK-IMPACT468 targets (GRCh37, Picard interval list: 1-based inclusive) per symbol: (chrom, start, end, strand)."""
    rows: dict[str, list[tuple[str, int, int, str]]] = defaultdict(list)
    with open(REF / "mskcc-facets-suite__impact468_targets.ilist", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("@"):
                continue
            chrom, start, end, strand, symbol = line.split()[:5]
            rows[symbol].append((chrom, int(start), int(end), strand))
    return rows


# ----------------------------------------------------------------------------- fusion calls
@lru_cache(maxsize=1)
def grch37_breakpoints() -> dict[str, list[Breakpoint]]:
    """Breakpoints that real GRCh37 fusion-caller outputs attribute to a gene symbol."""
    out: dict[str, list[Breakpoint]] = defaultdict(list)
    star = FUSION / "STAR-Fusion__fuco.star-fusion.fusion_candidates.final.abridged"
    with open(star, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            for gene_col, bp_col in (("LeftGene", "LeftBreakpoint"), ("RightGene", "RightBreakpoint")):
                symbol = row[gene_col].split("^")[0]
                chrom, pos, sign = row[bp_col].split(":")
                out[symbol].append(Breakpoint(_chrom(chrom), int(pos), _strand(sign), f"STAR-Fusion {row['#FusionName']}"))
    arriba = FUSION / "suhrig-arriba__fusions.tsv"
    with open(arriba, encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            for gene_col, n in (("#gene1", "1"), ("gene2", "2")):
                symbol = row[gene_col]
                if not re.fullmatch(r"[A-Za-z0-9.\-]+", symbol):  # lists or intergenic "A(123),B(45)": not one gene
                    continue
                chrom, pos = row[f"breakpoint{n}"].rsplit(":", 1)
                gene_strand = row[f"strand{n}(gene/fusion)"].split("/")[0]  # "+/-": gene strand / fusion strand
                out[symbol].append(Breakpoint(_chrom(chrom), int(pos), _strand(gene_strand), f"Arriba {row['#gene1']}--{row['gene2']}"))
    return out


@lru_cache(maxsize=1)
def grch38_breakpoints() -> dict[str, list[Breakpoint]]:
    """FusionCatcher 1.20 (Ensembl 98, GRCh38) fusion points: 'chrom:pos:strand' per partner."""
    out: dict[str, list[Breakpoint]] = defaultdict(list)
    path = FUSION / "ndaniel-fusioncatcher__final-list_candidate-fusion-genes.txt"
    with open(path, encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t")
        header = next(reader)
        g5, g3 = header.index("Gene_1_symbol(5end_fusion_partner)"), header.index("Gene_2_symbol(3end_fusion_partner)")
        p5 = header.index("Fusion_point_for_gene_1(5end_fusion_partner)")
        p3 = header.index("Fusion_point_for_gene_2(3end_fusion_partner)")
        for row in reader:
            for gi, pi in ((g5, p5), (g3, p3)):
                chrom, pos, sign = row[pi].split(":")
                out[row[gi]].append(Breakpoint(_chrom(chrom), int(pos), _strand(sign), f"FusionCatcher {row[g5]}--{row[g3]}"))
    return out


@lru_cache(maxsize=1)
def civic_fusion_regions() -> dict[str, list[tuple[str, int, int, str, str]]]:
    """CIViC GRCh37 fusion variants: per partner symbol, (chrom, start, stop, end, variant) of its retained part.

    ``end`` says which partner the region is: "5" (first coordinates) or "3" (chromosome2/start2/stop2)."""
    out: dict[str, list[tuple[str, int, int, str, str]]] = defaultdict(list)
    with open(REF / "civic" / "fakedrtom-crab__nightly-VariantSummaries.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            m = re.fullmatch(r"([A-Z0-9]+)-([A-Z0-9]+)(?: .*)?", row["variant"])
            if not m or row["reference_build"] != "GRCh37" or not row["chromosome2"] or not row["start"]:
                continue
            out[m.group(1)].append((row["chromosome"], int(row["start"]), int(row["stop"]), "5", row["variant"]))
            out[m.group(2)].append((row["chromosome2"], int(row["start2"]), int(row["stop2"]), "3", row["variant"]))
    return out


def civic_junctions(gene: Any) -> list[Breakpoint]:
    """The junction end of each CIViC region: a 5' partner is kept from its transcript start up to the junction,
    a 3' partner from the junction on; which coordinate that is depends on the gene's strand (so a wrong strand
    in the knowledgebase moves the checked point to the far, UTR end of the region)."""
    points = []
    for chrom, start, stop, end, variant in civic_fusion_regions().get(gene.symbol, []):
        junction = stop if (end == "5") == (gene.strand == 1) else start
        points.append(Breakpoint(chrom, junction, None, f"CIViC {variant} ({end}' partner junction)"))
    return points


# ----------------------------------------------------------------------------- build anchors
@lru_cache(maxsize=1)
def build_anchors() -> list[tuple[str, int, int, str, int]]:
    """(chrom, GRCh37 first target, GRCh37 last target end, symbol, GRCh38-GRCh37 shift) per MSK-IMPACT468 gene whose
    panel targets pair with umccr coding exons of identical length at one common shift (at least three pairs)."""
    anchors = []
    for symbol, rows in impact_targets().items():
        shifts = Counter(
            s38 - s37
            for c37, s37, e37, _ in rows
            for c38, s38, e38 in umccr_cds().get(symbol, [])
            if c37 == c38 and e37 - s37 == e38 - s38
        )
        if shifts and shifts.most_common(1)[0][1] >= 3:
            anchors.append((rows[0][0], min(r[1] for r in rows), max(r[2] for r in rows), symbol, shifts.most_common(1)[0][0]))
    return anchors


def nearby_anchors(gene: Any) -> dict[str, tuple[int, str, int]]:
    """The nearest build anchor on each side of the gene (GRCh37) within ANCHOR_WINDOW: side -> (distance, symbol,
    shift). Empty when none lies that close."""
    g37 = gene.location.GRCh37
    sides: dict[str, tuple[int, str, int]] = {}
    for chrom, a_start, a_end, symbol, shift in build_anchors():
        if chrom != g37.chrom or symbol == gene.symbol:
            continue
        side = "left" if a_start + a_end < g37.start + g37.end else "right"
        distance = max(0, a_start - g37.end, g37.start - a_end)
        if distance <= ANCHOR_WINDOW and (side not in sides or distance < sides[side][0]):
            sides[side] = (distance, symbol, shift)
    return sides


# ----------------------------------------------------------------------------- which genes each gene-level check covers
def grch37_span_genes() -> set[str]:
    """Genes whose GRCh37 span a gene table gives (hmf panel, else MSK-IMPACT468 targets)."""
    return set(hmf_panel()) | set(impact_targets())


def grch38_cds_genes() -> set[str]:
    """Genes whose GRCh38 coding exons the umccr BED gives."""
    return set(umccr_cds())


def grch37_breakpoint_genes(genes: list[Any]) -> set[str]:
    """Of ``genes``, those that a GRCh37 fusion call (STAR-Fusion, Arriba) or CIViC fusion junction names."""
    return {g.symbol for g in genes if g.symbol in grch37_breakpoints() or g.symbol in civic_fusion_regions()}


def grch38_breakpoint_genes(genes: list[Any]) -> set[str]:
    """Of ``genes``, those that a FusionCatcher (GRCh38) call names."""
    return {g.symbol for g in genes if g.symbol in grch38_breakpoints()}


def anchored_genes(genes: list[Any]) -> set[str]:
    """Of ``genes``, those with an MSK-IMPACT468 build anchor within ANCHOR_WINDOW on GRCh37."""
    return {g.symbol for g in genes if nearby_anchors(g)}


def impact_strand_genes() -> set[str]:
    """Genes whose strand the MSK-IMPACT468 targets state."""
    return {symbol for symbol, rows in impact_targets().items() if rows}


def caller_strand_genes(genes: list[Any]) -> set[str]:
    """Of ``genes``, those for which a fusion caller (either build) reports the gene's strand at a breakpoint."""
    return {g.symbol for g in genes
            if any(bp.strand is not None for bp in grch37_breakpoints().get(g.symbol, []) + grch38_breakpoints().get(g.symbol, []))}


def coverage_problems(entries: list[str], covered: set[str], unchecked: dict[str, str]) -> list[str]:
    """What is wrong with a check family's coverage: an entry neither covered nor named in ``unchecked`` (entry ->
    reason), an ``unchecked`` entry that is covered after all (the list went stale), or one that is no entry."""
    out = [f"{e}: no independent check covers it; add a source or name it, with the reason" for e in entries
           if e not in covered and e not in unchecked]
    out += [f"{e}: listed as unchecked but covered now; remove it from the list" for e in unchecked if e in covered]
    out += [f"{e}: listed as unchecked but not a knowledgebase entry" for e in unchecked if e not in entries]
    out += [f"{e}: listed without a reason" for e, reason in unchecked.items() if len(reason.split()) < 3]
    return out
