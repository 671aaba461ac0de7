"""One record inside a knowledgebase gene window -> the alterations of its usable ALT alleles.

An allele is skipped (and counted, with the reason) when it cannot be an alteration (symbolic, IUPAC
codes), when the tumor column does not support it (no-call, no alt reads, a 0/0 genotype without
enough reads), or when the annotation says non-coding and the knowledgebase does not name it. A record
that breaks its own header's declarations stops the reading (:class:`RecordProblem`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from annotator.kb.index import KbIndex
from annotator.models import SmallVariant
from annotator.normalize import short_hgvsp, variant_type
from annotator.readers.codons import codon_protein, protein_call
from annotator.readers.common import NON_CODING_REASON, non_coding
from annotator.readers.vcf.cells import Record, TumorCells
from annotator.readers.vcf.consequences import AltAllele, Consequence, consequences, pick
from annotator.readers.vcf.header import VcfHeader
from annotator.readers.vcf.options import VcfOptions
from annotator.readers.vcf.samples import called, no_call
from annotator.readers.vcf.tally import Tally
from annotator.readers.vcf.vaf import VafDepth, VafRule, alt_reads, vaf_depth

_BASES = re.compile(r"^[ACGTacgt]+$")
_NO_ALT = "no ALT allele, or a symbolic or breakend ALT"


class RecordProblem(Exception):
    """A record htslib accepted but that breaks its own header's declarations; the caller adds the line."""


def check_value_counts(rec: Record, header: VcfHeader, tumor: TumorCells | None) -> str | None:
    """A problem with a per-allele FORMAT field of the tumor column (Number=A/R), or None."""
    if tumor is None:
        return None
    n_alt = len(rec.ALT)
    for key in ("AF", "AD"):
        number = header.format_number.get(key)
        if key not in header.format or number not in ("A", "R"):
            continue
        values = tumor(key)
        if values is None or all(v is None for v in values):
            continue
        expected = n_alt if number == "A" else n_alt + 1
        present = [v for v in values if v is not None] if len(values) > expected else values
        if len(present) != expected:
            return f"FORMAT {key} has {len(present)} value(s) for {n_alt} ALT allele(s); Number={number} needs {expected}"
    return None


def unusable_alt(ref: str, alt: str) -> str | None:
    """Why an ALT allele cannot be an alteration, or None when it can."""
    if alt in (".", "*", "") or alt.startswith("<") or "[" in alt or "]" in alt:
        return _NO_ALT
    if "N" in ref.upper():
        return "REF N (unknown reference base)"
    if not _BASES.match(ref):
        return "IUPAC ambiguity code in REF"
    if not _BASES.match(alt):
        return "IUPAC ambiguity code or N in ALT"
    return None


class Gate(NamedTuple):
    """What the tumor column says of one allele: why to skip it, or a note to keep with it."""

    skip: str | None = None
    note: str | None = None


class Site(NamedTuple):
    """A record inside knowledgebase gene windows: the genes it lies in and its FILTER (None: PASS)."""

    record: Record
    genes: list[str]
    filt: str | None


@dataclass(frozen=True, kw_only=True)
class RecordReader:
    """Turns the records of one file into alterations; what it skips is counted in the reading's tally."""

    source: str  # the file's name, as alterations cite it
    header: VcfHeader
    index: KbIndex
    options: VcfOptions
    rule: VafRule
    t: int | None  # the tumor column

    def alterations(self, site: Site, tally: Tally) -> Iterator[SmallVariant]:
        rec = site.record
        ref = rec.REF
        alts = list(rec.ALT)
        reasons = {alt: unusable_alt(ref, alt) for alt in alts}
        if not alts or all(reasons.values()):
            where = f"{rec.CHROM}:{rec.POS} {ref}>{','.join(alts) or '.'}"
            tally.skip(next((r for r in reasons.values() if r), _NO_ALT), where)
            return
        tumor = self._tumor(rec)
        reference = self.options.reference
        problem = check_value_counts(rec, self.header, tumor) or (reference.ref_problem(rec.CHROM, rec.POS, ref) if reference else None)
        if problem:
            raise RecordProblem(problem)
        for alt_i, alt in enumerate(alts):
            reason = reasons[alt]
            if reason is None:
                alteration = self._alteration(site, AltAllele(ref, alt, alts), alt_i, tumor, tally)
                if alteration is not None:
                    yield alteration
            elif reason != _NO_ALT:  # '*' and '.' beside real ALTs are not findings to count
                tally.skip(reason, f"{rec.CHROM}:{rec.POS} {ref}>{alt}")

    def background(self, rec: Record, filt: str | None, name: str) -> Iterator[SmallVariant]:
        """The usable alleles of a record in a panel target outside every knowledgebase gene, as background
        variants (tumor-fraction estimate only): VAF and depth by the file's rule, the tumor column's gate as for
        alterations; no protein annotation, REF check or left-alignment. What is left out is not counted as
        skipped (those counts are the knowledgebase genes'); a record breaking its header is left out too."""
        tumor = self._tumor(rec)
        if check_value_counts(rec, self.header, tumor):
            return
        ref = rec.REF
        for alt_i, alt in enumerate(rec.ALT):
            if unusable_alt(ref, alt):
                continue
            reading = vaf_depth(rec, self.rule, tumor, alt_i, len(self.header.samples))
            if tumor is not None and self._tumor_gate(rec, tumor, alt_i, reading).skip:
                continue
            yield SmallVariant(gene=name, type=variant_type(ref, alt), source=self.source, chrom=rec.CHROM, pos=rec.POS,
                               ref=ref, alt=alt, vaf=reading.vaf, depth=reading.depth, filter=filt or "PASS",
                               notes=(reading.note,) if reading.note else ())

    def _tumor(self, rec: Record) -> TumorCells | None:
        """The record's tumor column, each FORMAT field read once for all its alleles; None without one."""
        return TumorCells(rec, self.t) if self.t is not None else None

    def _alteration(self, site: Site, allele: AltAllele, alt_i: int, tumor: TumorCells | None, tally: Tally) -> SmallVariant | None:
        rec, genes, filt = site
        ref, alt = allele.ref, allele.alt
        where = f"{rec.CHROM}:{rec.POS} {ref}>{alt}"
        reading = vaf_depth(rec, self.rule, tumor, alt_i, len(self.header.samples))
        notes: list[str] = [reading.note] if reading.note else []
        if tumor is not None:
            gate = self._tumor_gate(rec, tumor, alt_i, reading)
            if gate.skip:
                tally.skip(gate.skip, where)
                return None
            if gate.note:
                notes.append(gate.note)
        found = consequences(rec, self.header, allele, self.index)
        chosen = pick(found, self.index)
        hgvsp = short_hgvsp(chosen.hgvsp) if chosen else None
        protein = protein_call(hgvsp, chosen.source if chosen else "", codon_protein(self.index, rec.CHROM, rec.POS, ref, alt), "annotation")
        if protein.note:
            notes.append(protein.note)
        reference = self.options.reference
        moved = reference.left_align(rec.CHROM, rec.POS, ref, alt) if reference is not None else None
        alteration = SmallVariant(
            gene=chosen.gene if chosen else genes[0],
            type=variant_type(ref, alt),
            source=self.source,
            chrom=rec.CHROM,
            pos=rec.POS,
            ref=ref,
            alt=alt,
            hgvsp=protein.hgvsp,
            hgvsc=chosen.hgvsc if chosen else None,
            transcript=chosen.transcript if chosen else None,
            protein_source=protein.source,
            left_aligned=moved if moved != (rec.POS, ref, alt) else None,
            vaf=reading.vaf,
            depth=reading.depth,
            filter=filt or "PASS",
            notes=tuple(notes),
        )
        if self._unlisted_non_coding(found, alteration):
            tally.skip(NON_CODING_REASON, where)
            return None
        return alteration

    def _tumor_gate(self, rec: Record, tumor: TumorCells, alt_i: int, reading: VafDepth) -> Gate:
        """Skip a no-call, an allele without alt reads, and one the tumor genotype leaves out (0/0, or 0/2 for
        ALT 1) unless its reads and VAF reach the call thresholds (plasma: germline-tuned callers write 0/0)."""
        t = tumor.t
        if reading.vaf is None and reading.depth is None and no_call(rec, t, self.header):
            return Gate("no-call in the tumor column ('./.', no read counts)")
        if reading.vaf == 0:
            return Gate("no alt reads in the tumor column")
        genotype = called(rec, t, self.header)
        if genotype is None or alt_i + 1 in genotype.alleles:
            return Gate()
        reads = alt_reads(rec, self.rule, tumor, alt_i, reading)
        if reads is None:
            return Gate("caller genotype without this allele (e.g. 0/0) and no read counts")
        calls = self.options.calls
        if reads < calls.genotype_zero_min_alt_reads or reading.vaf is None or reading.vaf < calls.genotype_zero_min_vaf:
            return Gate(f"caller genotype without this allele (e.g. 0/0) and fewer than {calls.genotype_zero_min_alt_reads}"
                        f" alt reads or VAF below {calls.genotype_zero_min_vaf:.1%}")
        return Gate(note=f"caller genotype {genotype.text}, {reads} alt reads")

    def _unlisted_non_coding(self, found: list[Consequence], alteration: SmallVariant) -> bool:
        """Whether a variant is left out of the report rows: its annotation says non-coding on every transcript of
        the knowledgebase genes, and the knowledgebase does not name it.

        Unannotated variants are kept. The knowledgebase's exon tables cannot stand in for an annotation: they
        list only the exons its entries name (EGFR 18-21, MET 14), so a variant outside them may still be
        coding (EGFR exon 7), and every gene is kept whole."""
        known = self.options.known
        if known is None or not found:
            return False
        return non_coding(t for c in found for t in c.terms) and not known(alteration)
