"""Protein changes from the knowledgebase's codon table, shared by the VCF and MAF readers.

A substitution inside a codon the knowledgebase lists is translated from that codon, so a file without
annotation (or annotated on another isoform) still names the protein change the knowledgebase uses.
"""

from __future__ import annotations

from typing import NamedTuple

from annotator.kb.index import KbIndex
from annotator.normalize import plain_allele, translate_codon_change, trim_alleles

CODON_TABLE = "knowledgebase codon table"  # the protein_source of a change read from it


def codon_protein(index: KbIndex, chrom: str, pos: int, ref: str, alt: str) -> str | None:
    """Protein change of a substitution inside a knowledgebase codon, from the codon table."""
    tpos, tref, talt = trim_alleles(pos, plain_allele(ref), plain_allele(alt))
    if not tref or len(tref) != len(talt):
        return None
    site = index.codon_at(chrom, tpos)
    if site is None:
        return None
    return translate_codon_change(site.start, site.ref_codon, site.gene.strand, site.number, tpos, tref, talt)


class Protein(NamedTuple):
    hgvsp: str | None
    source: str | None  # protein_source: the annotation's, or CODON_TABLE
    note: str | None  # when the annotation and the codon table disagree


def protein_call(annotated: str | None, source: str, table: str | None, who: str) -> Protein:
    """The annotation's protein change (``who`` says it, from ``source``), else the codon table's."""
    if annotated:
        disagree = table is not None and table != annotated
        return Protein(annotated, source, f"{who} says {annotated}; knowledgebase codon table says {table}" if disagree else None)
    return Protein(table, CODON_TABLE if table else None, None)
