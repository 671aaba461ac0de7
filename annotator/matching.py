"""Match observed alterations to knowledgebase alterations, saying how specific each match is.

Pure: (alterations, index) -> matches. Levels, most specific first:
``exact`` (named protein change, or both fusion partners) > ``codon`` (any missense at a codon)
> ``exon`` (in-frame deletion/insertion in an exon, exon-skipping region, a same-gene tandem duplication
containing the kinase-domain exons) > ``gene_and_type``
(amplification, copy loss, fusion with any partner of the kinase).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from annotator.genome import bare_contig
from annotator.kb.index import KbIndex
from annotator.kb.schema import Alteration as KbAlteration
from annotator.models import CopyNumberCall, Fusion, Observation, ProteinChange, SmallVariant
from annotator.normalize import plain_allele

MatchLevel = Literal["exact", "codon", "exon", "gene_and_type"]
LEVEL_RANK = {"exact": 0, "codon": 1, "exon": 2, "gene_and_type": 3}
_MISSENSE = re.compile(r"^p\.([A-Z])(\d+)([A-Z])$")


@dataclass(frozen=True)
class KbHit:
    kb: KbAlteration
    level: MatchLevel


@dataclass(frozen=True)
class Match:
    observed: Observation
    hits: tuple[KbHit, ...]  # most specific first

    @property
    def best(self) -> KbHit:
        return self.hits[0]

    @property
    def kb_ids(self) -> frozenset[str]:
        return frozenset(h.kb.id for h in self.hits)


def match_alterations(alterations: list[Observation], index: KbIndex) -> list[Match]:
    matches = []
    for alt in alterations:
        hits = [h for kb in index.alterations_for_gene(alt.gene) if (h := _hit(alt, kb, index))]
        if hits:
            hits.sort(key=lambda h: (LEVEL_RANK[h.level], h.kb.id))
            matches.append(Match(alt, tuple(hits)))
    return matches


def _hit(alt: Observation, kb: KbAlteration, index: KbIndex) -> KbHit | None:
    """The match of one observation to one entry, dispatched on the observation's class."""
    if isinstance(alt, (SmallVariant, ProteinChange)):
        level = _small_variant_level(alt, kb, index)
    elif isinstance(alt, CopyNumberCall):
        level = _copy_number_level(alt, kb)
    elif isinstance(alt, Fusion):
        level = _fusion_level(alt, kb, index)
    else:  # a new kind of observation needs its own matching rules, not a silent "no match"
        raise TypeError(f"no matching rules for {type(alt).__name__}")
    return KbHit(kb, level) if level is not None else None


def _small_variant_level(alt: SmallVariant | ProteinChange, kb: KbAlteration, index: KbIndex) -> MatchLevel | None:
    """A named protein change, any missense at the codon, or (with coordinates) an exon-level event."""
    kind = kb.kind
    if kind == "protein_change":
        return "exact" if alt.hgvsp and alt.hgvsp.removeprefix("p.") in kb.protein else None
    if kind == "codon":
        m = _MISSENSE.match(alt.hgvsp or "")
        return "codon" if m and int(m.group(2)) == kb.codon and m.group(1) != m.group(3) and m.group(3) != "*" else None
    if not isinstance(alt, SmallVariant):  # a protein change without coordinates cannot be placed in an exon
        return None
    if kind in ("exon_inframe_deletion", "exon_insertion"):
        return "exon" if _inframe_in_exon(alt, kb, index) else None
    if kind == "exon_skipping":
        return "exon" if _disrupts_splice_sites(alt, kb, index) else None
    return None


def _copy_number_level(alt: CopyNumberCall, kb: KbAlteration) -> MatchLevel | None:
    """An amplification (reaching the entry's minimum copy number, if any) or a copy loss."""
    if kb.kind == "amplification" and alt.type == "amplification":
        reaches = kb.min_copy_number is None or (alt.copy_number or 0) >= kb.min_copy_number
        return "gene_and_type" if reaches else None
    if kb.kind == "copy_loss" and alt.type == "copy_loss":
        return "gene_and_type"
    return None


def _fusion_level(alt: Fusion, kb: KbAlteration, index: KbIndex) -> MatchLevel | None:
    """A same-gene duplication of the entry's exons, or a fusion with the partners the entry allows."""
    if kb.kind == "kinase_domain_duplication":
        return "exon" if alt.intragenic and alt.gene5 == kb.gene and _duplicates_exons(alt, kb, index) else None
    if kb.kind == "fusion" and kb.fusion and not alt.intragenic:
        # A same-gene event (RET::RET) is never a fusion, whatever partner the entry allows.
        g5, g3 = kb.fusion.gene5, kb.fusion.gene3
        if (g5 is None or g5 == alt.gene5) and (g3 is None or g3 == alt.gene3):
            return "exact" if g5 and g3 else "gene_and_type"
    return None


def near_named_exon(alt: Observation, index: KbIndex, margin: int) -> bool:
    """Whether a small variant lies within ``margin`` bases of an exon that a knowledgebase entry of its gene
    names (exon skipping, exon deletions or insertions): such variants stay in view whatever their annotation."""
    if not isinstance(alt, SmallVariant) or (span := _span(alt)) is None:
        return False
    for kb in index.alterations_for_gene(alt.gene):
        if kb.exon is None:
            continue
        region = index.exon_region(kb.gene or "", kb.exon)
        if region and region[0] == span[0] and span[1] < region[2] + margin and region[1] - margin < span[2]:
            return True
    return False


def _breakpoint(text: str | None) -> tuple[str, int] | None:
    """'chr7:55200000', '7:55200000:+' (STAR-Fusion, FusionCatcher) -> ('7', 55200000); None if absent or unparsable."""
    m = re.match(r"^([^:]+):(\d+)(?::[+-])?$", (text or "").strip())
    return (bare_contig(m.group(1)), int(m.group(2))) if m else None


def _duplicates_exons(alt: Fusion, kb: KbAlteration, index: KbIndex) -> bool:
    """Whether a same-gene junction is a tandem duplication containing the entry's exons.

    The junction joins the gene's 5' part, which ends at ``breakpoint5``, to its 3' part, which starts at
    ``breakpoint3``. In a tandem duplication the 5' part ends downstream (on the gene's strand) of where the
    3' part starts; the duplicated segment runs from ``breakpoint3`` to ``breakpoint5``."""
    gene = index.genes.get(kb.gene or "")
    p5, p3 = _breakpoint(alt.breakpoint5), _breakpoint(alt.breakpoint3)
    if gene is None or p5 is None or p3 is None or p5[0] != p3[0] or not kb.duplicated_exons:
        return False
    low, high = (p3[1], p5[1]) if gene.strand == 1 else (p5[1], p3[1])
    if low > high:
        return False  # 5' part ends upstream of the 3' part's start: a deletion, not a duplication
    for number in kb.duplicated_exons:
        region = index.exon_region(kb.gene or "", number)
        if region is None or region[0] != p5[0] or not (low <= region[1] + 1 and region[2] <= high):
            return False
    return True


def _span(alt: SmallVariant) -> tuple[str, int, int] | None:
    """0-based half-open span of the reference bases a small variant changes (after the anchor)."""
    pos, ref, var = alt.left_aligned or (alt.pos, alt.ref, alt.alt)
    ref, var = plain_allele(ref), plain_allele(var)
    shared = 0
    while shared < min(len(ref), len(var)) and ref[shared] == var[shared]:
        shared += 1
    start = pos - 1 + shared
    return bare_contig(alt.chrom), start, max(start + 1, pos - 1 + len(ref))


def _inframe_in_exon(alt: SmallVariant, kb: KbAlteration, index: KbIndex) -> bool:
    wanted = ("deletion", "delins") if kb.kind == "exon_inframe_deletion" else ("insertion", "delins")
    if alt.type not in wanted or alt.ref is None or alt.alt is None:
        return False
    delta = len(plain_allele(alt.ref)) - len(plain_allele(alt.alt))
    if delta == 0 or delta % 3 != 0 or (kb.kind == "exon_insertion") != (delta < 0):
        return False
    region, span = index.exon_region(kb.gene or "", kb.exon or 0), _span(alt)
    if region is None or span is None:
        return False
    return span[0] == region[0] and span[1] < region[2] and region[1] < span[2]


def _disrupts_splice_sites(alt: SmallVariant, kb: KbAlteration, index: KbIndex) -> bool:
    """Whether the variant overlaps the entry's splice windows (knowledgebase ``splice_windows``, in bases
    on the coding strand) around its exon, or is a deletion across an exon boundary."""
    region, span = index.exon_region(kb.gene or "", kb.exon or 0), _span(alt)
    gene, w = index.genes.get(kb.gene or ""), kb.splice_windows
    if region is None or span is None or gene is None or w is None or span[0] != region[0]:
        return False
    chrom, start, end = region
    if gene.strand == 1:
        windows = [(start - w.acceptor_intronic, start + w.acceptor_exonic), (end - w.donor_exonic, end + w.donor_intronic)]
    else:
        windows = [(end - w.acceptor_exonic, end + w.acceptor_intronic), (start - w.donor_intronic, start + w.donor_exonic)]
    in_window = any(span[1] < w_end and w_start < span[2] for w_start, w_end in windows)
    spans_boundary = alt.type in ("deletion", "delins") and (span[1] < start < span[2] or span[1] < end < span[2])
    return in_window or spans_boundary
