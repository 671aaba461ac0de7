"""DNA structural variants (Manta, GRIDSS/GRIPSS, DELLY, DRAGEN) as gene fusions.

Each junction joins two breakends. For each breakend we know which side of it the rearranged
chromosome keeps: ``left`` (the sequence up to the breakend) or ``right``. In a gene on the +
strand, keeping the left side keeps the gene's 5' part; on the - strand it keeps the 3' part.
A junction is a fusion when one side keeps a gene's 5' part and the other a gene's 3' part; the
5' partner is written first. Sides come from, in order:

* BND ALT bracket notation: ``t[p[`` left/right, ``t]p]`` left/left, ``]p]t`` right/left,
  ``[p[t`` right/right (VCF 4.x section 5.4);
* DELLY's ``CT``: 3to5 left/right, 5to3 right/left, 3to3 left/left, 5to5 right/right;
* Manta's ``INV3``/``INV5`` flags, else the SV type: DEL left/right, DUP right/left.

A BND and its mate (``MATEID``) describe one junction and are reported once; single breakends
(GRIDSS ``SGL``, ALT ``.N``/``N.``) are counted, not fusions.
"""

from __future__ import annotations

import re
from pathlib import Path

from annotator.errors import InputError
from annotator.kb.index import KbIndex

_BND = re.compile(r"^(?P<pre>[^\[\]]*)(?P<b1>[\[\]])(?P<chrom>[^:\[\]]+):(?P<pos>\d+)(?P<b2>[\[\]])(?P<post>[^\[\]]*)$")
_CT = {"3to5": ("left", "right"), "5to3": ("right", "left"), "3to3": ("left", "left"), "5to5": ("right", "right")}


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


def read_sv_vcf(path: Path, index: KbIndex):
    """Fusions from an SV VCF: (raw fusions, records read, records skipped, warnings)."""
    import cyvcf2

    from annotator.readers.fusion import RawFusion
    from annotator.readers.vcf import capture_htslib_messages, choose_tumor_sample, read_header

    header = read_header(path)
    samples = header.samples
    try:
        tumor = choose_tumor_sample(header, None)
    except InputError:
        tumor = samples[-1] if samples else None  # read support only; no interpretation depends on it
    t = samples.index(tumor) if tumor in samples else None
    out: list[RawFusion] = []
    seen_junctions: set[tuple] = set()
    read = skipped = singles = filtered = 0
    try:
        with capture_htslib_messages():
            vcf = cyvcf2.VCF(str(path), lazy=True)
            for n, rec in enumerate(vcf, start=header.header_lines + 1):
                read += 1
                if rec.FILTER is not None:
                    filtered += 1
                    continue
                alt = rec.ALT[0] if rec.ALT else ""
                svtype = str(rec.INFO.get("SVTYPE") or "").upper()
                if svtype == "SGL" or re.match(r"^\.?[ACGTN]+\.?$", alt) and ("." in alt[:1] or "." in alt[-1:]):
                    singles += 1
                    continue
                sides = _bnd_sides(alt)
                if sides is not None:
                    local, mate, chrom2, pos2 = sides
                elif rec.INFO.get("CT") in _CT and rec.INFO.get("CHR2") is not None:
                    local, mate = _CT[rec.INFO.get("CT")]
                    chrom2, pos2 = str(rec.INFO.get("CHR2")), int(rec.INFO.get("END") or rec.INFO.get("POS2"))
                elif svtype in ("INV", "DEL", "DUP") and rec.INFO.get("END"):
                    chrom2, pos2 = rec.CHROM, int(rec.INFO.get("END"))
                    if rec.INFO.get("INV3") or rec.INFO.get("CT") == "3to3":
                        local, mate = "left", "left"
                    elif rec.INFO.get("INV5") or rec.INFO.get("CT") == "5to5":
                        local, mate = "right", "right"
                    elif svtype == "DEL":
                        local, mate = "left", "right"
                    elif svtype == "DUP":
                        local, mate = "right", "left"
                    else:  # an INV without flags stands for both junctions
                        for a, b in (("left", "left"), ("right", "right")):
                            _add(out, seen_junctions, index, rec, n, rec.CHROM, rec.POS, a, chrom2, pos2, b, _support(rec, t))
                        continue
                else:
                    skipped += 1
                    continue
                _add(out, seen_junctions, index, rec, n, rec.CHROM, rec.POS, local, chrom2, pos2, mate, _support(rec, t))
            vcf.close()
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read SV VCF ({' '.join(str(exc).split())[:160]})", path) from None
    warnings = []
    if singles:
        warnings.append(f"{path.name}: {singles} single breakend(s) (no partner position) counted, not interpreted as fusions")
    if filtered:
        warnings.append(f"{path.name}: {filtered} non-PASS SV record(s) not used")
    return out, read, singles + filtered + skipped, warnings


def _add(out, seen, index, rec, line, chrom1, pos1, side1, chrom2, pos2, side2, support) -> None:
    from annotator.readers.fusion import RawFusion

    # A junction and its mate record describe the same join: key it order-independently.
    key = tuple(sorted([(chrom1.removeprefix("chr"), pos1, side1), (chrom2.removeprefix("chr"), pos2, side2)]))
    if key in seen:
        return
    seen.add(key)
    a, b = _part(index, chrom1, pos1, side1), _part(index, chrom2, pos2, side2)
    if a is None and b is None:
        return
    if a is None or b is None:
        known, unknown_pos = (a, f"{chrom2}:{pos2}") if b is None else (b, f"{chrom1}:{pos1}")
        gene, part = known
        partner = f"intergenic({unknown_pos})"
        g5, g3 = (gene, partner) if part == "5" else (partner, gene)
    else:
        if a[1] == b[1]:
            return  # both sides keep 5' (or both 3') parts: no fusion transcript in this orientation
        if a[0] == b[0]:
            return  # intragenic rearrangement (e.g. a deletion inside one gene), not a fusion
        (g5, _), (g3, _) = (a, b) if a[1] == "5" else (b, a)
    bp1, bp2 = f"{chrom1}:{pos1}", f"{chrom2}:{pos2}"
    first_is_5 = a is not None and a[1] == "5" or (a is None and b is not None and b[1] == "3")
    out.append(RawFusion(g5, g3, line, support, bp1 if first_is_5 else bp2, bp2 if first_is_5 else bp1, evidence="dna"))
