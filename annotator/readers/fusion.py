"""Fusion inputs: RNA fusion callers' tables, DNA SV tables and VCFs, detected from the header.

Every format becomes fusion :class:`Alteration` values filed under the knowledgebase kinase
partner (``gene``), written ``GENE5::GENE3``. Partner names are mapped to current symbols through
the knowledgebase's aliases; a fusion of a knowledgebase kinase with an unlisted partner is kept
(``TRIM33::RET`` is a RET fusion, its partner not in the knowledgebase). Sources that do not give
the 5'/3' order (oncokb-annotator's ``ALK-EML4``) are ordered with the kinase 3', as in the
oncogenic fusions the knowledgebase lists, and say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.models import Alteration, Counts, InputFile, ReadResult
from annotator.readers.common import detect_by_columns, file_sha256, looks_like_vcf, read_table, resolve_format


@dataclass(frozen=True)
class FusionFormat:
    name: str
    evidence: str | None  # dna | rna | None (not stated)
    required: tuple[str, ...]


FORMATS: dict[str, FusionFormat] = {
    "arriba": FusionFormat("Arriba fusions.tsv", "rna", ("gene1", "gene2", "breakpoint1", "breakpoint2", "split_reads1", "split_reads2", "discordant_mates")),
    "star-fusion": FusionFormat("STAR-Fusion", "rna", ("fusionname", "junctionreadcount", "spanningfragcount", "leftgene", "leftbreakpoint", "rightgene", "rightbreakpoint")),
    "fusioncatcher": FusionFormat("FusionCatcher final-list", "rna", ("gene_1_symbol(5end_fusion_partner)", "gene_2_symbol(3end_fusion_partner)", "spanning_pairs", "spanning_unique_reads")),
    "linx": FusionFormat("HMF LINX fusions", "dna", ("fiveprimebreakendid", "threeprimebreakendid", "name", "reported", "genestart", "geneend")),
    "pcgr": FusionFormat("PCGR fusions (RNA fusion input)", "rna", ("fusiongene", "leftbreakpoint", "rightbreakpoint")),
    "oncokb": FusionFormat("oncokb-annotator fusions", None, ("tumor_sample_barcode", "fusion")),
    "cgi": FusionFormat("CGI fusions", None, ("fus",)),
    "simple": FusionFormat("fusion table (gene5, gene3)", None, ("gene5", "gene3")),
    "sv-vcf": FusionFormat("SV VCF", "dna", ()),
}
DETECTION_ORDER = ["arriba", "star-fusion", "fusioncatcher", "linx", "pcgr", "oncokb", "cgi", "simple"]


@dataclass
class RawFusion:
    gene5: str
    gene3: str
    line: int
    reads: int | None = None
    breakpoint5: str | None = None
    breakpoint3: str | None = None
    ordered: bool = True  # False: the source does not say which partner is 5'
    evidence: str | None = None


def fusion_gene(index: KbIndex, gene5: str, gene3: str) -> str | None:
    """The partner a fusion is filed under: the knowledgebase kinase (3' first), else a knowledgebase gene."""
    kinases = [g for g in (gene3, gene5) if g in index.genes and index.genes[g].kinase]
    if kinases:
        return kinases[0]
    known = [g for g in (gene3, gene5) if index.in_variant_scope(g)]
    return known[0] if known else None


def detect_format(path: Path) -> str:
    if looks_like_vcf(path):
        return "sv-vcf"
    header, n, _ = read_table(path)
    key = detect_by_columns(header, FORMATS, DETECTION_ORDER)
    if key is not None:
        return key
    raise InputError(
        f"no recognizable fusion header (found: {', '.join(header[:6])}); expected e.g. 'gene5<TAB>gene3', Arriba,"
        " STAR-Fusion, FusionCatcher, LINX, PCGR, oncokb-annotator or CGI columns", path, n,
    )


def _int(raw: str | None) -> int | None:
    try:
        return int(float(raw)) if raw not in (None, "", "NA", ".") else None
    except ValueError:
        return None


def _strip_gene(name: str) -> str:
    """'KIF5B^ENSG00000170759.11' -> 'KIF5B'; 'A(123),B(456)' (intergenic) -> 'A,B'."""
    name = name.split("^", 1)[0].strip()
    if "(" in name:
        name = ",".join(re.sub(r"\(.*?\)", "", part).strip() for part in name.split(","))
    return name


def _pair(text: str, separators: tuple[str, ...]) -> tuple[str, str] | None:
    for sep in separators:
        if sep in text:
            a, b = text.split(sep, 1)
            return a.strip(), b.strip()
    return None


def _rows(path: Path, key: str, include_unreported: bool) -> tuple[list[RawFusion], int, int]:
    header, n, body = read_table(path)
    idx = {c: i for i, c in enumerate(header)}
    get = lambda cells, col: cells[idx[col]].strip() if col in idx and idx[col] < len(cells) else ""  # noqa: E731
    out, read, skipped = [], 0, 0
    for line, cells in body:
        read += 1
        if key == "arriba":
            reads = sum(_int(get(cells, c)) or 0 for c in ("split_reads1", "split_reads2", "discordant_mates"))
            out.append(RawFusion(_strip_gene(get(cells, "gene1")), _strip_gene(get(cells, "gene2")), line, reads,
                                 get(cells, "breakpoint1"), get(cells, "breakpoint2")))
        elif key == "star-fusion":
            reads = (_int(get(cells, "junctionreadcount")) or 0) + (_int(get(cells, "spanningfragcount")) or 0)
            out.append(RawFusion(_strip_gene(get(cells, "leftgene")), _strip_gene(get(cells, "rightgene")), line, reads,
                                 get(cells, "leftbreakpoint"), get(cells, "rightbreakpoint")))
        elif key == "fusioncatcher":
            reads = (_int(get(cells, "spanning_pairs")) or 0) + (_int(get(cells, "spanning_unique_reads")) or 0)
            out.append(RawFusion(get(cells, "gene_1_symbol(5end_fusion_partner)"), get(cells, "gene_2_symbol(3end_fusion_partner)"),
                                 line, reads, get(cells, "fusion_point_for_gene_1(5end_fusion_partner)"),
                                 get(cells, "fusion_point_for_gene_2(3end_fusion_partner)")))
        elif key == "linx":
            if get(cells, "reported").lower() != "true" and not include_unreported:
                skipped += 1
                continue
            out.append(RawFusion(get(cells, "genestart"), get(cells, "geneend"), line))
        elif key == "pcgr":
            pair = _pair(get(cells, "fusiongene"), ("--", "::"))
            if pair is None:
                raise InputError(f"FusionGene {get(cells, 'fusiongene')!r} is not written GENE5--GENE3", path, line)
            out.append(RawFusion(*pair, line, _int(get(cells, "splitreads")), get(cells, "leftbreakpoint"), get(cells, "rightbreakpoint")))
        elif key == "oncokb":
            text = re.sub(r"\s+fusion$", "", get(cells, "fusion"), flags=re.I)
            pair = _pair(text, ("::", "--", "-"))
            if pair is None or pair[1].lower() == "intragenic":
                skipped += 1  # intragenic rearrangements are not gene fusions
                continue
            out.append(RawFusion(*pair, line, ordered=False))
        elif key == "cgi":
            pair = _pair(get(cells, "fus"), ("__", "::", "--"))
            if pair is None:
                raise InputError(f"fus {get(cells, 'fus')!r} is not written GENE5__GENE3", path, line)
            out.append(RawFusion(*pair, line))
        else:
            support = get(cells, "supporting_reads") or get(cells, "reads")
            if support and support.upper() not in ("NA", ".") and _int(support) is None:
                raise InputError(f"supporting_reads {support!r} is not a number", path, line)
            evidence = get(cells, "evidence").lower() or None
            if evidence not in (None, "dna", "rna"):
                raise InputError(f"evidence {evidence!r} must be dna or rna", path, line)
            if not get(cells, "gene5") or not get(cells, "gene3"):
                raise InputError("empty gene5 or gene3", path, line)
            out.append(RawFusion(get(cells, "gene5"), get(cells, "gene3"), line, _int(support),
                                 get(cells, "breakpoint5") or None, get(cells, "breakpoint3") or None, evidence=evidence))
    return out, read, skipped


def read_fusions(path: str | Path, index: KbIndex, fmt: str | None = None, include_unreported: bool = False) -> ReadResult:
    path = Path(path)
    key = resolve_format(path, fmt, FORMATS, detect_format, "fusion format")
    spec = FORMATS[key]
    warnings: list[str] = []
    if key == "sv-vcf":
        from annotator.readers.sv import read_sv_vcf

        raws, read, skipped, warnings = read_sv_vcf(path, index)
    else:
        raws, read, skipped = _rows(path, key, include_unreported)
    alterations, outside = [], 0
    unsupported = [r for r in raws if r.reads == 0]
    if unsupported:
        warnings = [*warnings, f"{path.name}: {len(unsupported)} call(s) with 0 supporting reads not used"]
        skipped += len(unsupported)
        raws = [r for r in raws if r.reads != 0]
    for raw in raws:
        alteration = _alteration(raw, index, path, spec)
        if alteration is None:
            outside += 1
        else:
            alterations.append(alteration)
    if skipped and key != "sv-vcf":
        why = {"linx": "not reported by LINX (reported=false)", "oncokb": "intragenic rearrangements, not gene fusions"}.get(key, "not fusions")
        warnings.append(f"{path.name}: {skipped} record(s) {why}")
    counts = Counts(records_read=read, passed_filters=read - skipped, filtered=skipped, outside_knowledgebase_genes=outside)
    return ReadResult(
        input=InputFile(role="fusions", file=path.name, sha256=file_sha256(path), format=spec.name),
        alterations=tuple(_unique(alterations)),
        counts=counts,
        warnings=tuple(warnings),
    )


def _unique(alterations: list[Alteration]) -> list[Alteration]:
    """One entry per fusion: callers list a fusion once per breakpoint pair; keep the best-supported."""
    best: dict[str, Alteration] = {}
    for a in alterations:
        current = best.get(a.fusion or "")
        if current is None or (a.supporting_reads or 0) > (current.supporting_reads or 0):
            best[a.fusion or ""] = a
    return list(best.values())


def _alteration(raw: RawFusion, index: KbIndex, path: Path, spec: FusionFormat) -> Alteration | None:
    g5 = index.symbol(raw.gene5) or raw.gene5.strip()
    g3 = index.symbol(raw.gene3) or raw.gene3.strip()
    notes: list[str] = [
        f"{original.strip()} is a previous symbol or alias of {mapped}"
        for original, mapped in ((raw.gene5, g5), (raw.gene3, g3))
        if original.strip().upper() != mapped.upper()
    ]
    if not raw.ordered:
        kinase5 = g5 in index.genes and index.genes[g5].kinase
        kinase3 = g3 in index.genes and index.genes[g3].kinase
        if kinase5 and not kinase3:
            g5, g3 = g3, g5
        notes.append("the source does not give the 5'/3' order; the kinase was taken as the 3' partner")
    gene = fusion_gene(index, g5, g3)
    if gene is None:
        return None
    partner = g5 if gene == g3 else g3
    named = {p for a in index.alterations_for_gene(gene) if a.fusion for p in (a.fusion.gene5, a.fusion.gene3) if p and p != gene}
    if partner not in named:
        notes.append(f"partner {partner} is not among the knowledgebase's named {gene} fusions; reported as {'an' if gene[0] in 'AEIOU' else 'a'} {gene} fusion")
    if gene == g5 and index.genes[gene].kinase:
        notes.append(f"{gene} is the 5' partner: its kinase domain is usually not retained")
    return Alteration(
        gene=gene, type="fusion", source=path.name, fusion=f"{g5}::{g3}", gene5=g5, gene3=g3,
        supporting_reads=raw.reads, evidence=raw.evidence or spec.evidence,
        breakpoint5=raw.breakpoint5 or None, breakpoint3=raw.breakpoint3 or None, notes=tuple(notes),
    )
