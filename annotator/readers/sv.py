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
from pathlib import Path

from annotator.errors import InputError
from annotator.kb.index import KbIndex

_BND = re.compile(r"^(?P<pre>[^\[\]]*)(?P<b1>[\[\]])(?P<chrom>[^:\[\]]+):(?P<pos>\d+)(?P<b2>[\[\]])(?P<post>[^\[\]]*)$")
_CT = {"3to5": ("left", "right"), "5to3": ("right", "left"), "3to3": ("left", "left"), "5to5": ("right", "right")}
# ##source words -> (caller, evidence). RNA fusion callers first; anything unrecognised is a DNA SV caller.
_SOURCES = (
    ("fusioncatcher", "FusionCatcher", "rna"), ("arriba", "Arriba", "rna"), ("star-fusion", "STAR-Fusion", "rna"),
    ("generatesvcandidates", "Manta", "dna"), ("manta", "Manta", "dna"), ("delly", "DELLY", "dna"),
    ("gripss", "GRIPSS", "dna"), ("gridss", "GRIDSS", "dna"), ("esvee", "ESVEE", "dna"), ("dragen", "DRAGEN", "dna"),
)
SINGLE = "single breakends (no partner position): not fusions"
NO_PARTNER = "records without a partner position (e.g. insertions)"
SAME_PART = "junctions joining two 5' (or two 3') gene parts: no fusion transcript in this orientation"
SAME_GENE_INVERSION = "same-gene inversion junctions: not fusions"


def _caller(header) -> tuple[str | None, str]:
    """(caller name, 'dna' or 'rna') from the header's ##source and caller-specific keys."""
    meta = getattr(header, "meta", {}) or {}
    source = " ".join(meta.get("source", [])).lower()
    keys = " ".join(meta).lower()
    for word, name, evidence in _SOURCES:
        if word in source:
            return name, evidence
    for word, name, evidence in _SOURCES:
        if word in keys:
            return name, evidence
    return None, "dna"


def _bnd_sides(alt: str) -> tuple[str, str, str, int] | None:
    """(local side kept, mate side kept, mate chrom, mate pos) from a BND ALT, or None."""
    m = _BND.match(alt)
    if not m:
        return None
    local = "left" if m.group("pre") else "right"
    mate = "right" if m.group("b1") == "[" else "left"
    return local, mate, m.group("chrom"), int(m.group("pos"))


def _part(index: KbIndex, chrom: str, pos: int, side: str) -> tuple[str, str] | None:
    """(gene, "5" or "3") for the gene part a breakend keeps, or None outside known genes."""
    genes = index.genes_at(chrom, pos - 1, pos, partners=True)
    if not genes:
        return None
    kinases = [g for g in genes if index.genes[g].kinase]
    gene = (kinases or genes)[0]
    strand = index.genes[gene].strand
    keeps_5 = (side == "left") == (strand == 1)
    return gene, "5" if keeps_5 else "3"


def _support(rec, t: int | None) -> int | None:
    total, found = 0, False
    for key in ("PR", "SR"):  # Manta: ref,alt pairs per sample
        try:
            values = rec.format(key)
        except KeyError:
            continue
        if values is not None and t is not None and values.shape[1] > 1 and values[t][1] >= 0:
            total += int(values[t][1])
            found = True
    for key in ("DV", "RV"):  # DELLY: variant pairs and junction reads
        try:
            values = rec.format(key)
        except KeyError:
            continue
        if values is not None and t is not None and values[t][0] >= 0:
            total += int(values[t][0])
            found = True
    if not found:
        vf = rec.INFO.get("VF") or rec.INFO.get("SR")  # GRIDSS fragment support / DELLY INFO SR
        if isinstance(vf, (int, float)):
            return int(vf)
    return total if found else None


def _info_text(rec, key: str) -> str:
    value = rec.INFO.get(key)
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        value = value[0] if value else ""
    return str(value).strip()


def _ann_genes(rec) -> list[str]:
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


def read_sv_vcf(path: Path, index: KbIndex, tally, include_filtered: bool = False):
    """Raw fusions from a breakend VCF, and warnings; every record is counted in ``tally`` (see fusion.Tally)."""
    import cyvcf2

    from annotator.readers.fusion import frame_of
    from annotator.readers.htslib import capture_htslib_messages
    from annotator.readers.vcf import choose_tumor_sample, read_header

    header = read_header(path)
    caller, evidence = _caller(header)
    samples = header.samples
    try:
        tumor = choose_tumor_sample(header, None)
    except InputError:
        tumor = samples[-1] if samples else None  # read support only; no interpretation depends on it
    t = samples.index(tumor) if tumor in samples else None
    out: list = []
    junctions: set[tuple] = set()
    read_ids: set[str] = set()
    filtered_ids: set[str] = set()
    events: set[str] = set()
    awaited: dict[str, str] = {}  # mate id -> id of the record that named it
    try:
        with capture_htslib_messages():
            vcf = cyvcf2.VCF(str(path))  # never lazy: unpacked-FORMAT records crash cyvcf2
            for n, rec in enumerate(vcf, start=header.header_lines + 1):
                tally.read += 1
                rid, mate, event = rec.ID or "", _info_text(rec, "MATEID"), _info_text(rec, "EVENT")
                if mate and mate in filtered_ids or rec.FILTER is not None and not include_filtered:
                    tally.filtered += 1  # a pair is filtered as one junction
                    if rid:
                        filtered_ids.add(rid)
                    continue
                if mate and mate in read_ids or not mate and event and event in events:
                    tally.mates += 1
                    if rec.FILTER is not None:
                        tally.flagged += 1  # records, as everywhere: a kept non-PASS pair is two
                    read_ids.add(rid)
                    awaited.pop(rid, None)
                    continue
                if rid:
                    read_ids.add(rid)
                if mate:
                    awaited[mate] = rid
                elif event:
                    events.add(event)
                if rec.FILTER is not None:
                    tally.flagged += 1
                for raw in _record(rec, n, index, t, tally, junctions):
                    raw.evidence, raw.caller = evidence, caller
                    raw.filter = rec.FILTER or "PASS"
                    raw.reading_frame = raw.reading_frame or frame_of(_info_text(rec, "EFFECT"), caller or "SV VCF", raw.notes)
                    out.append(raw)
            vcf.close()
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read SV VCF ({' '.join(str(exc).split())[:160]})", path) from None
    warnings = []
    if awaited:
        warnings.append(f"{path.name}: {len(awaited)} breakend(s) whose MATEID record is absent: read from their own ALT")
    return out, warnings


def _record(rec, line: int, index: KbIndex, t: int | None, tally, junctions: set) -> list:
    """The raw fusions of one record (an INV without flags stands for two junctions); reasons go to ``tally``."""
    alt = rec.ALT[0] if rec.ALT else ""
    svtype = str(rec.INFO.get("SVTYPE") or "").upper()
    if svtype == "SGL" or re.match(r"^\.?[ACGTN]+\.?$", alt) and ("." in alt[:1] or "." in alt[-1:]):
        tally.skip(SINGLE)
        return []
    named = _named(rec, line, index, t)
    if named is not None:
        return [named]
    sides = _bnd_sides(alt)
    pairs: list[tuple[str, str]]
    if sides is not None:
        local, mate, chrom2, pos2 = sides
        pairs = [(local, mate)]
    elif rec.INFO.get("CT") in _CT and rec.INFO.get("CHR2") is not None:
        pairs = [_CT[rec.INFO.get("CT")]]
        chrom2, pos2 = str(rec.INFO.get("CHR2")), int(rec.INFO.get("END") or rec.INFO.get("POS2"))
    elif svtype in ("INV", "DEL", "DUP") and rec.INFO.get("END"):
        chrom2, pos2 = rec.CHROM, int(rec.INFO.get("END"))
        if rec.INFO.get("INV3") or rec.INFO.get("CT") == "3to3":
            pairs = [("left", "left")]
        elif rec.INFO.get("INV5") or rec.INFO.get("CT") == "5to5":
            pairs = [("right", "right")]
        elif svtype == "DEL":
            pairs = [("left", "right")]
        elif svtype == "DUP":
            pairs = [("right", "left")]
        else:  # an INV without flags stands for both junctions
            pairs = [("left", "left"), ("right", "right")]
    else:
        tally.skip(NO_PARTNER)
        return []
    out = []
    for side1, side2 in pairs:
        result = _junction(index, rec, line, rec.CHROM, rec.POS, side1, chrom2, pos2, side2, _support(rec, t), junctions)
        if isinstance(result, str):
            tally.skip(result)
        elif result is None:
            tally.outside += 1
        else:
            out.append(result)
    return out


def _named(rec, line: int, index: KbIndex, t: int | None):
    """A fusion whose genes the caller names (GENE5/GENE3, else FUSION=A--B), or None."""
    from annotator.readers.fusion import RawFusion

    g5, g3 = _info_text(rec, "GENE5"), _info_text(rec, "GENE3")
    if not (g5 and g3) and "--" in _info_text(rec, "FUSION"):
        g5, g3 = (p.strip() for p in _info_text(rec, "FUSION").split("--", 1))
    if not (g5 and g3):
        return None
    local = (rec.CHROM, rec.POS)
    sides = _bnd_sides(rec.ALT[0] if rec.ALT else "")
    if sides is None:
        other = (str(rec.INFO.get("CHR2") or rec.CHROM), int(rec.INFO.get("END") or rec.POS)) if rec.INFO.get("END") else None
    else:
        other = (sides[2], sides[3])

    def in_gene(point, name):
        symbol = index.symbol(name) or name
        return point is not None and symbol in index.genes_at(point[0], point[1] - 1, point[1], partners=True)

    if in_gene(local, g3) or in_gene(other, g5):
        local_is_5 = False
    elif in_gene(local, g5) or in_gene(other, g3):
        local_is_5 = True
    else:  # FusionCatcher writes the 5' gene's breakend N]p] and the 3' gene's ]p]N
        local_is_5 = sides is None or sides[0] == "left"
    here, there = f"{local[0]}:{local[1]}", f"{other[0]}:{other[1]}" if other else None
    bp5, bp3 = (here, there) if local_is_5 else (there, here)
    return RawFusion(g5, g3, line, _support(rec, t), bp5, bp3)


def _junction(index, rec, line, chrom1, pos1, side1, chrom2, pos2, side2, support, seen):
    """A raw fusion for one junction; a reason string when it is not a fusion; None when in no known gene."""
    from annotator.readers.fusion import RawFusion

    # A junction and its mate record describe the same join: key it order-independently.
    key = tuple(sorted([(chrom1.removeprefix("chr"), pos1, side1), (chrom2.removeprefix("chr"), pos2, side2)]))
    if key in seen:
        return "duplicate descriptions of a junction already read"
    seen.add(key)
    a, b = _part(index, chrom1, pos1, side1), _part(index, chrom2, pos2, side2)
    if a is None and b is None:
        return None
    bp1, bp2 = f"{chrom1}:{pos1}", f"{chrom2}:{pos2}"
    notes: list[str] = []
    if a is None or b is None:
        known, unknown_pos = (a, bp2) if b is None else (b, bp1)
        gene, part = known
        names = [g for g in _ann_genes(rec) if (index.symbol(g) or g) != gene]
        if names:
            partner = names[0]
            notes.append(f"partner {partner} named by the caller's SIMPLE_ANN gene_fusion annotation (breakend {unknown_pos})")
        else:
            partner = unknown_pos
            notes.append(f"the breakend at {unknown_pos} lies in no knowledgebase gene with coordinates on this build and the"
                         " caller names no gene there: the partner is written as its position")
        g5, g3 = (gene, partner) if part == "5" else (partner, gene)
    else:
        if a[0] == b[0] and a[1] == b[1]:
            return SAME_GENE_INVERSION
        if a[1] == b[1]:
            return SAME_PART
        (g5, _), (g3, _) = (a, b) if a[1] == "5" else (b, a)
    first_is_5 = a is not None and a[1] == "5" or (a is None and b is not None and b[1] == "3")
    return RawFusion(g5, g3, line, support, bp1 if first_is_5 else bp2, bp2 if first_is_5 else bp1, notes=notes)
