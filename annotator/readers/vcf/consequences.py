"""Annotation consequences (VEP CSQ, snpEff ANN, bcftools csq BCSQ) and the transcript one is read from.

Each layout is one entry of ``ANNOTATIONS``: the INFO key, where the header declares its fields,
and the parser of its entries. Consequence terms and transcript ids are read as the MAF reader reads
them (:mod:`annotator.readers.annotation_terms`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from annotator.kb.index import KbIndex
from annotator.readers.annotation_terms import split_terms, strip_transcript, transcript_id
from annotator.readers.vcf.cells import Record
from annotator.readers.vcf.header import VcfHeader


@dataclass(frozen=True)
class Consequence:
    gene: str
    transcript: str | None
    hgvsc: str | None
    hgvsp: str | None
    preferred: bool
    source: str = ""
    terms: tuple[str, ...] = ()  # consequence terms (VEP Consequence, snpEff effect, bcftools csq), as written


class AltAllele(NamedTuple):
    """The ALT allele whose consequences are wanted, with its record's REF and every ALT."""

    ref: str
    alt: str
    alts: list[str]


Parser = Callable[[str, list[str], AltAllele, KbIndex], Iterator[Consequence]]


def vep_allele(ref: str, alt: str, alts: list[str]) -> str:
    """The allele as VEP writes it: without the shared first base when every ALT of the record starts
    with REF's first base (and differs in length)."""
    if all(len(a) != len(ref) and a[:1] == ref[:1] for a in alts):
        return alt[1:] or "-"
    return alt


def _getter(parts: list[str], positions: dict[str, int]) -> Callable[[str], str | None]:
    def get(key: str) -> str | None:
        i = positions.get(key)
        return parts[i] if i is not None and i < len(parts) and parts[i] else None

    return get


def _vep(raw: str, fields: list[str], allele: AltAllele, index: KbIndex) -> Iterator[Consequence]:
    positions = {name: i for i, name in enumerate(fields)}
    wanted = (vep_allele(*allele), allele.alt)
    for entry in raw.split(","):
        get = _getter(entry.split("|"), positions)
        if get("Allele") not in wanted:
            continue
        gene = index.scope_symbol(get("SYMBOL") or "")
        if not gene:
            continue
        preferred = bool(get("MANE_SELECT") or get("MANE")) or get("CANONICAL") == "YES"
        yield Consequence(gene, get("Feature"), strip_transcript(get("HGVSc")), get("HGVSp"), preferred, "VEP CSQ",
                          split_terms(get("Consequence")))


def _snpeff(raw: str, fields: list[str], allele: AltAllele, index: KbIndex) -> Iterator[Consequence]:
    for entry in raw.split(","):
        parts = [p.strip() for p in entry.split("|")]
        if len(parts) < 11 or parts[0] != allele.alt:
            continue
        gene = index.scope_symbol(parts[3])
        if gene:
            yield Consequence(gene, parts[6] or None, parts[9] or None, parts[10] or None, False, "snpEff ANN",
                              split_terms(parts[1]))


def _bcsq(raw: str, fields: list[str], allele: AltAllele, index: KbIndex) -> Iterator[Consequence]:
    positions = {name.lower(): i for i, name in enumerate(fields)}
    for entry in raw.split(","):
        parts = entry.split("|")
        if entry.startswith("@") or len(parts) < len(positions):
            continue  # "@pos": the consequence is reported at another record of the same haplotype
        gene = index.scope_symbol(parts[positions.get("gene", 1)])
        change = bcsq_protein(parts[positions.get("amino_acid_change", 5)])
        if gene:
            yield Consequence(gene, parts[positions.get("transcript", 2)] or None, None, change, False, "bcftools csq BCSQ",
                              split_terms(parts[positions.get("consequence", 0)]))


_BCSQ_AA = re.compile(r"^(\d+)([A-Z*])>(\d+)([A-Z*])$")


def bcsq_protein(change: str) -> str | None:
    """bcftools csq writes amino-acid changes as '12G>12D'; only single-residue changes are named here."""
    m = _BCSQ_AA.match(change.strip())
    if not m or m.group(1) != m.group(3):
        return None
    return f"p.{m.group(2)}{m.group(1)}{'=' if m.group(2) == m.group(4) else m.group(4)}"


@dataclass(frozen=True)
class Annotation:
    """One annotation layout: its INFO key, the fields its header declaration names, its parser."""

    info_key: str
    fields: Callable[[VcfHeader], list[str]]
    parse: Parser


ANNOTATIONS: tuple[Annotation, ...] = (
    Annotation("CSQ", lambda h: h.csq_fields, _vep),
    Annotation("ANN", lambda h: h.ann_fields, _snpeff),
    Annotation("BCSQ", lambda h: h.bcsq_fields, _bcsq),
)


def consequences(rec: Record, header: VcfHeader, allele: AltAllele, index: KbIndex) -> list[Consequence]:
    """Every consequence of ``allele`` in a knowledgebase gene, in the order of ``ANNOTATIONS``."""
    out: list[Consequence] = []
    for annotation in ANNOTATIONS:
        fields = annotation.fields(header)
        if fields and (raw := rec.INFO.get(annotation.info_key)):
            out += annotation.parse(str(raw), fields, allele, index)
    return out


def pick(found: list[Consequence], index: KbIndex) -> Consequence | None:
    """The consequence to report: a MANE/canonical one, else one on the knowledgebase transcript, else the first."""
    if not found:
        return None
    for c in found:
        if c.preferred:
            return c
    for c in found:
        kb_tx = transcript_id(index.genes[c.gene].transcript or "")
        if c.transcript and transcript_id(c.transcript) == kb_tx:
            return c
    return found[0]
