"""What one breakend VCF record says: its partner position, the sides each breakend keeps, the genes named.

The conventions (bracket notation, DELLY ``CT``, Manta ``INV3``/``INV5``) are described in
:mod:`annotator.readers.fusion.sv_vcf`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from annotator.kb.index import KbIndex
from annotator.readers.fusion.model import RawFusion

VcfRecord = Any  # a cyvcf2 Variant (cyvcf2 ships no types)
Side = Literal["left", "right"]  # the part of the chromosome the rearrangement keeps: up to the breakend, or from it

_BND = re.compile(r"^(?P<pre>[^\[\]]*)(?P<b1>[\[\]])(?P<chrom>[^:\[\]]+):(?P<pos>\d+)(?P<b2>[\[\]])(?P<post>[^\[\]]*)$")


class Sides(NamedTuple):
    """The side kept at the record's own breakend and at its mate."""

    local: Side
    mate: Side


_CT = {"3to5": Sides("left", "right"), "5to3": Sides("right", "left"), "3to3": Sides("left", "left"), "5to5": Sides("right", "right")}
_INV_BOTH = (Sides("left", "left"), Sides("right", "right"))  # an INV without flags stands for both junctions


class Partner(NamedTuple):
    """The mate position of a record and the junction(s) it makes with it."""

    chrom: str
    pos: int
    sides: tuple[Sides, ...]


class BndAlt(NamedTuple):
    """A BND ALT in bracket notation: the sides kept and the mate's position."""

    sides: Sides
    chrom: str
    pos: int


class GenePart(NamedTuple):
    """The knowledgebase gene a breakend lies in and the part of it the rearrangement keeps."""

    gene: str
    end: Literal["5", "3"]


@dataclass(frozen=True)
class Breakend:
    chrom: str
    pos: int
    side: Side

    @property
    def label(self) -> str:
        return f"{self.chrom}:{self.pos}"


@dataclass(frozen=True)
class Junction:
    first: Breakend  # the record's own breakend
    second: Breakend  # its mate

    @classmethod
    def of(cls, rec: VcfRecord, partner: Partner, sides: Sides) -> Junction:
        return cls(Breakend(rec.CHROM, rec.POS, sides.local), Breakend(partner.chrom, partner.pos, sides.mate))

    def key(self) -> tuple[tuple[str, int, str], ...]:
        """The same for a junction and its mate record's description of it (order-independent)."""
        return tuple(sorted((b.chrom.removeprefix("chr"), b.pos, b.side) for b in (self.first, self.second)))


def bnd_alt(alt: str) -> BndAlt | None:
    """The sides and mate position of a BND ALT, or None when the ALT is not in bracket notation."""
    m = _BND.match(alt)
    if not m:
        return None
    local: Side = "left" if m.group("pre") else "right"
    mate: Side = "right" if m.group("b1") == "[" else "left"
    return BndAlt(Sides(local, mate), m.group("chrom"), int(m.group("pos")))


def partner(rec: VcfRecord, alt: str, svtype: str) -> Partner | None:
    """Where the record's mate breakend is, and which sides are kept: from the BND ALT, DELLY's CT and CHR2,
    or an INV/DEL/DUP's END; None when the record gives no partner position (e.g. insertions)."""
    bnd = bnd_alt(alt)
    if bnd is not None:
        return Partner(bnd.chrom, bnd.pos, (bnd.sides,))
    ct = rec.INFO.get("CT")
    if ct in _CT and rec.INFO.get("CHR2") is not None:
        return Partner(str(rec.INFO.get("CHR2")), int(rec.INFO.get("END") or rec.INFO.get("POS2")), (_CT[ct],))
    if svtype in ("INV", "DEL", "DUP") and rec.INFO.get("END"):
        return Partner(rec.CHROM, int(rec.INFO.get("END")), _sv_sides(rec, svtype))
    return None


def _sv_sides(rec: VcfRecord, svtype: str) -> tuple[Sides, ...]:
    """The junction(s) of an intrachromosomal SV: Manta's INV3/INV5 (or CT), else the SV type."""
    if rec.INFO.get("INV3") or rec.INFO.get("CT") == "3to3":
        return (Sides("left", "left"),)
    if rec.INFO.get("INV5") or rec.INFO.get("CT") == "5to5":
        return (Sides("right", "right"),)
    if svtype == "DEL":
        return (Sides("left", "right"),)
    if svtype == "DUP":
        return (Sides("right", "left"),)
    return _INV_BOTH


def gene_part(index: KbIndex, breakend: Breakend) -> GenePart | None:
    """The gene part a breakend keeps (5' or 3', from the side kept and the gene's strand); None outside known genes."""
    genes = index.genes_at(breakend.chrom, breakend.pos - 1, breakend.pos, partners=True)
    if not genes:
        return None
    kinases = [g for g in genes if index.genes[g].kinase]
    gene = (kinases or genes)[0]
    keeps_5 = (breakend.side == "left") == (index.genes[gene].strand == 1)
    return GenePart(gene, "5" if keeps_5 else "3")


def support(rec: VcfRecord, tumor: int | None) -> int | None:
    """Reads supporting the junction in the tumor column: Manta PR+SR, DELLY DV+RV, else GRIDSS VF / DELLY INFO SR."""
    total, found = 0, False
    for key, alt_at in (("PR", 1), ("SR", 1), ("DV", 0), ("RV", 0)):  # Manta: ref,alt pairs; DELLY: variant counts
        count = _format_count(rec, key, tumor, alt_at)
        if count is not None:
            total += count
            found = True
    if not found:
        vf = rec.INFO.get("VF") or rec.INFO.get("SR")
        if isinstance(vf, (int, float)):
            return int(vf)
    return total if found else None


def _format_count(rec: VcfRecord, key: str, tumor: int | None, at: int) -> int | None:
    """The tumor's FORMAT ``key`` value at position ``at`` (1: the alt count of a ref,alt pair), None when absent."""
    try:
        values = rec.format(key)
    except KeyError:
        return None
    if values is None or tumor is None or (at == 1 and values.shape[1] <= 1) or values[tumor][at] < 0:
        return None
    return int(values[tumor][at])


def info_text(rec: VcfRecord, key: str) -> str:
    """An INFO value as text (the first of a list), "" when absent."""
    value = rec.INFO.get(key)
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        value = value[0] if value else ""
    return str(value).strip()


def named_fusion(rec: VcfRecord, line: int, index: KbIndex, tumor: int | None) -> RawFusion | None:
    """A fusion whose genes the caller names (GENE5/GENE3, else FUSION=A--B), or None."""
    g5, g3 = info_text(rec, "GENE5"), info_text(rec, "GENE3")
    if not (g5 and g3) and "--" in info_text(rec, "FUSION"):
        g5, g3 = (p.strip() for p in info_text(rec, "FUSION").split("--", 1))
    if not (g5 and g3):
        return None
    local = (rec.CHROM, rec.POS)
    bnd = bnd_alt(rec.ALT[0] if rec.ALT else "")
    if bnd is None:
        other = (str(rec.INFO.get("CHR2") or rec.CHROM), int(rec.INFO.get("END") or rec.POS)) if rec.INFO.get("END") else None
    else:
        other = (bnd.chrom, bnd.pos)

    def in_gene(point: tuple[str, int] | None, name: str) -> bool:
        symbol = index.symbol(name) or name
        return point is not None and symbol in index.genes_at(point[0], point[1] - 1, point[1], partners=True)

    if in_gene(local, g3) or in_gene(other, g5):
        local_is_5 = False
    elif in_gene(local, g5) or in_gene(other, g3):
        local_is_5 = True
    else:  # FusionCatcher writes the 5' gene's breakend N]p] and the 3' gene's ]p]N
        local_is_5 = bnd is None or bnd.sides.local == "left"
    here, there = f"{local[0]}:{local[1]}", f"{other[0]}:{other[1]}" if other else None
    bp5, bp3 = (here, there) if local_is_5 else (there, here)
    return RawFusion(g5, g3, line, support(rec, tumor), bp5, bp3)
