"""Breakend VCFs as gene fusions: DNA structural variants (Manta, GRIDSS/GRIPSS, DELLY, DRAGEN) and the
VCFs RNA fusion callers write (FusionCatcher, Arriba).

DNA or RNA comes from the file's source (``##source``): FusionCatcher and Arriba VCFs hold fusion
transcripts (RNA); every other SV VCF holds DNA rearrangements.

**One junction, one call.** A BND and its mate describe one junction: the second record of a pair
(``MATEID`` names a record already read, else the same ``EVENT`` without ``MATEID``) is not read again.

**Named partners.** When the caller names the genes, its names and order are used:
``GENE5``/``GENE3`` (FusionCatcher, Arriba), else ``FUSION=GENE5--GENE3``; the breakend of the 5' gene
is the one the knowledgebase places in it, else (FusionCatcher's layout) the record written ``N]p]``.
snpEff/umccrise ``SIMPLE_ANN`` ``gene_fusion`` annotations name the partner of a breakend that no
knowledgebase gene contains.

**Unnamed breakends** (Manta without annotation, DELLY, GRIDSS) are placed in knowledgebase kinase and
partner genes. For each breakend we know which side the rearranged chromosome keeps: ``left`` (the
sequence up to the breakend) or ``right``. In a gene on the + strand, keeping the left side keeps the
gene's 5' part; on the - strand it keeps the 3' part. A junction is a fusion when one side keeps a
gene's 5' part and the other a gene's 3' part; the 5' partner is written first. Sides come from, in order:

* BND ALT bracket notation: ``t[p[`` left/right, ``t]p]`` left/left, ``]p]t`` right/left,
  ``[p[t`` right/right (VCF 4.x section 5.4);
* DELLY's ``CT``: 3to5 left/right, 5to3 right/left, 3to3 left/left, 5to5 right/right;
* Manta's ``INV3``/``INV5`` flags, else the SV type: DEL left/right, DUP right/left.

A breakend outside every knowledgebase gene, with no caller name, is written ``chrom:pos`` with a note.
Single breakends (GRIDSS ``SGL``, ALT ``.N``/``N.``), junctions that join two 5' (or two 3') parts and
records without a partner position are counted under their reason; non-PASS records are counted and
skipped unless ``include_filtered``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.readers.fusion.model import Evidence, RawFusion, Tally, frame_of
from annotator.readers.fusion.sv_records import (
    GenePart,
    Junction,
    VcfRecord,
    gene_part,
    info_text,
    named_fusion,
    partner,
    support,
)
from annotator.readers.htslib import capture_htslib_messages
from annotator.readers.vcf import VcfHeader, choose_tumor_sample, read_header

SINGLE = "single breakends (no partner position): not fusions"
NO_PARTNER = "records without a partner position (e.g. insertions)"
SAME_PART = "junctions joining two 5' (or two 3') gene parts: no fusion transcript in this orientation"
SAME_GENE_INVERSION = "same-gene inversion junctions: not fusions"
DUPLICATE = "duplicate descriptions of a junction already read"
# ##source words -> (caller, evidence). RNA fusion callers first; anything unrecognised is a DNA SV caller.
_SOURCES: tuple[tuple[str, str, Evidence], ...] = (
    ("fusioncatcher", "FusionCatcher", "rna"), ("arriba", "Arriba", "rna"), ("star-fusion", "STAR-Fusion", "rna"),
    ("generatesvcandidates", "Manta", "dna"), ("manta", "Manta", "dna"), ("delly", "DELLY", "dna"),
    ("gripss", "GRIPSS", "dna"), ("gridss", "GRIDSS", "dna"), ("esvee", "ESVEE", "dna"), ("dragen", "DRAGEN", "dna"),
)
_SINGLE_ALT = re.compile(r"^\.?[ACGTN]+\.?$")


class SvSource(NamedTuple):
    """The caller that wrote the file and whether its records are DNA rearrangements or RNA fusion transcripts."""

    caller: str | None
    evidence: Evidence


def _source(header: VcfHeader) -> SvSource:
    """The caller from the header's ##source, else from caller-specific header keys; unknown callers are DNA."""
    meta = getattr(header, "meta", {}) or {}
    source = " ".join(meta.get("source", [])).lower()
    keys = " ".join(meta).lower()
    for text in (source, keys):
        for word, name, evidence in _SOURCES:
            if word in text:
                return SvSource(name, evidence)
    return SvSource(None, "dna")


def read_sv_vcf(path: Path, index: KbIndex, tally: Tally, include_filtered: bool = False) -> tuple[list[RawFusion], list[str]]:
    """Raw fusions from a breakend VCF, and warnings; every record is counted in ``tally``."""
    import cyvcf2  # imported here: only VCF inputs need it

    header = read_header(path)
    reader = _SvReader(index, tally, include_filtered, _source(header), _tumor_column(header))
    out: list[RawFusion] = []
    try:
        with capture_htslib_messages():
            vcf = cyvcf2.VCF(str(path))  # never lazy: unpacked-FORMAT records crash cyvcf2
            for n, rec in enumerate(vcf, start=header.header_lines + 1):
                out += reader.record(rec, n)
            vcf.close()
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read SV VCF ({' '.join(str(exc).split())[:160]})", path) from None
    warnings = []
    if reader.pairs.awaited:
        warnings.append(f"{path.name}: {len(reader.pairs.awaited)} breakend(s) whose MATEID record is absent: read from their own ALT")
    return out, warnings


def _tumor_column(header: VcfHeader) -> int | None:
    """The index of the tumor sample's column, for read support only (no interpretation depends on it)."""
    samples = header.samples
    try:
        tumor = choose_tumor_sample(header, None)
    except InputError:
        tumor = samples[-1] if samples else None
    return samples.index(tumor) if tumor in samples else None


@dataclass
class _Pairs:
    """The records already seen, to read each junction once: a BND pair (MATEID) or an EVENT is one junction."""

    read_ids: set[str] = field(default_factory=set)
    filtered_ids: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    awaited: dict[str, str] = field(default_factory=dict)  # mate id -> id of the record that named it


@dataclass
class _SvReader:
    """Turns the records of one breakend VCF into raw fusions, counting every record in ``tally``."""

    index: KbIndex
    tally: Tally
    include_filtered: bool
    source: SvSource
    tumor: int | None  # column of the tumor sample, for read support
    pairs: _Pairs = field(default_factory=_Pairs)
    junctions: set[tuple[tuple[str, int, str], ...]] = field(default_factory=set)

    def record(self, rec: VcfRecord, line: int) -> list[RawFusion]:
        """The raw fusions of one record, each with the file's caller, evidence and the record's FILTER."""
        self.tally.read += 1
        if not self._first_of_junction(rec):
            return []
        out = self._fusions(rec, line)
        for raw in out:
            raw.evidence, raw.caller = self.source.evidence, self.source.caller
            raw.filter = rec.FILTER or "PASS"
            raw.reading_frame = raw.reading_frame or frame_of(info_text(rec, "EFFECT"), self.source.caller or "SV VCF", raw.notes)
        return out

    def _first_of_junction(self, rec: VcfRecord) -> bool:
        """Whether the record is read: not filtered out (with its pair), not the second record of a junction."""
        rid, mate, event = rec.ID or "", info_text(rec, "MATEID"), info_text(rec, "EVENT")
        pairs = self.pairs
        if mate and mate in pairs.filtered_ids or rec.FILTER is not None and not self.include_filtered:
            self.tally.filtered += 1  # a pair is filtered as one junction
            if rid:
                pairs.filtered_ids.add(rid)
            return False
        if rec.FILTER is not None:
            self.tally.flagged += 1  # records, as everywhere: a kept non-PASS pair is two
        if mate and mate in pairs.read_ids or not mate and event and event in pairs.events:
            self.tally.mates += 1
            pairs.read_ids.add(rid)
            pairs.awaited.pop(rid, None)
            return False
        if rid:
            pairs.read_ids.add(rid)
        if mate:
            pairs.awaited[mate] = rid
        elif event:
            pairs.events.add(event)
        return True

    def _fusions(self, rec: VcfRecord, line: int) -> list[RawFusion]:
        """The raw fusions of one record (an INV without flags stands for two junctions); reasons go to the tally."""
        alt = rec.ALT[0] if rec.ALT else ""
        svtype = str(rec.INFO.get("SVTYPE") or "").upper()
        if svtype == "SGL" or _SINGLE_ALT.match(alt) and ("." in alt[:1] or "." in alt[-1:]):
            self.tally.skip(SINGLE)
            return []
        named = named_fusion(rec, line, self.index, self.tumor)
        if named is not None:
            return [named]
        other = partner(rec, alt, svtype)
        if other is None:
            self.tally.skip(NO_PARTNER)
            return []
        out = []
        reads = support(rec, self.tumor)
        for sides in other.sides:
            result = self._junction(rec, line, Junction.of(rec, other, sides), reads)
            if isinstance(result, str):
                self.tally.skip(result)
            elif result is None:
                self.tally.outside += 1
            else:
                out.append(result)
        return out

    def _junction(self, rec: VcfRecord, line: int, junction: Junction, reads: int | None) -> RawFusion | str | None:
        """A raw fusion for one junction; a reason string when it is not a fusion; None when in no known gene."""
        key = junction.key()  # a junction and its mate record describe the same join
        if key in self.junctions:
            return DUPLICATE
        self.junctions.add(key)
        a, b = gene_part(self.index, junction.first), gene_part(self.index, junction.second)
        notes: list[str] = []
        if a is not None and b is not None:
            if a.gene == b.gene and a.end == b.end:
                return SAME_GENE_INVERSION
            if a.end == b.end:
                return SAME_PART
            g5, g3 = (a.gene, b.gene) if a.end == "5" else (b.gene, a.gene)
        elif a is not None:
            g5, g3 = self._one_known(rec, a, junction.second.label, notes)
        elif b is not None:
            g5, g3 = self._one_known(rec, b, junction.first.label, notes)
        else:
            return None
        bp1, bp2 = junction.first.label, junction.second.label
        first_is_5 = a is not None and a.end == "5" or (a is None and b is not None and b.end == "3")
        return RawFusion(g5, g3, line, reads, bp1 if first_is_5 else bp2, bp2 if first_is_5 else bp1, notes=notes)

    def _one_known(self, rec: VcfRecord, known: GenePart, unknown: str, notes: list[str]) -> tuple[str, str]:
        """(5', 3') when one breakend is in no knowledgebase gene: its partner as the caller's SIMPLE_ANN names it,
        else as its position."""
        names = [g for g in _ann_genes(rec) if (self.index.symbol(g) or g) != known.gene]
        if names:
            other = names[0]
            notes.append(f"partner {other} named by the caller's SIMPLE_ANN gene_fusion annotation (breakend {unknown})")
        else:
            other = unknown
            notes.append(f"the breakend at {unknown} lies in no knowledgebase gene with coordinates on this build and the"
                         " caller names no gene there: the partner is written as its position")
        return (known.gene, other) if known.end == "5" else (other, known.gene)


def _ann_genes(rec: VcfRecord) -> list[str]:
    """Gene names snpEff/umccrise SIMPLE_ANN gives a breakend in a gene_fusion annotation ('GENE1&GENE2')."""
    text = rec.INFO.get("SIMPLE_ANN")
    if not text:
        return []
    names: list[str] = []
    for entry in (text if isinstance(text, (tuple, list)) else str(text).split(",")):
        fields = str(entry).split("|")
        if len(fields) > 2 and "gene_fusion" in fields[1]:
            names += [g for g in fields[2].split("&") if g]
    return names

