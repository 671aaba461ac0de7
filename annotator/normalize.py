"""Small, pure normalizations shared by the readers: protein notation, allele trimming, codons."""

from __future__ import annotations

import re

from annotator.models import SmallVariantType

THREE_TO_ONE = {
    "Ala": "A", "Arg": "R", "Asn": "N", "Asp": "D", "Cys": "C", "Gln": "Q", "Glu": "E",
    "Gly": "G", "His": "H", "Ile": "I", "Leu": "L", "Lys": "K", "Met": "M", "Phe": "F",
    "Pro": "P", "Ser": "S", "Thr": "T", "Trp": "W", "Tyr": "Y", "Val": "V", "Ter": "*",
    "Sec": "U", "Xaa": "X",
}
_THREE = re.compile("|".join(THREE_TO_ONE))

_BASES = "TCAG"
_AMINO = "FFLLSSSSYY**CC*WLLLLPPPPHHQQRRRRIIIMTTTTNNKKSSRRVVVVAAAADDEEGGGG"
CODON_TABLE = {
    a + b + c: _AMINO[16 * i + 4 * j + k]
    for i, a in enumerate(_BASES)
    for j, b in enumerate(_BASES)
    for k, c in enumerate(_BASES)
}
_COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


def reverse_complement(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


def short_hgvsp(hgvsp: str | None) -> str | None:
    """'ENSP0000.1:p.Gly12Asp' -> 'p.G12D'; 'p.(Gly12Asp)' -> 'p.G12D'; one-letter forms kept."""
    if not hgvsp:
        return None
    value = hgvsp.strip()
    if ":" in value:
        value = value.rsplit(":", 1)[1]
    value = value.replace("%3D", "=")
    if not value.startswith("p."):
        return None
    body = value[2:].strip("()")
    if not body or body in ("?", "="):
        return None
    return "p." + _THREE.sub(lambda m: THREE_TO_ONE[m.group(0)], body)


def plain_allele(allele: str) -> str:
    """Upper-case bases; MAF's '-' (no bases) becomes the empty string."""
    return "" if allele in ("-", ".") else allele.upper()


def trim_alleles(pos: int, ref: str, alt: str) -> tuple[int, str, str]:
    """Drop shared trailing then leading bases (VCF convention), moving ``pos`` with the prefix."""
    while len(ref) > 1 and len(alt) > 1 and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    while ref and alt and ref[0] == alt[0]:
        ref, alt = ref[1:], alt[1:]
        pos += 1
    return pos, ref, alt


def variant_type(ref: str, alt: str) -> SmallVariantType:
    """Type of a VCF allele pair after trimming: snv, mnv, insertion, deletion or delins."""
    _, r, a = trim_alleles(0, plain_allele(ref), plain_allele(alt))
    if len(r) == len(a):
        return "snv" if len(r) == 1 else "mnv"
    if not r:
        return "insertion"
    if not a:
        return "deletion"
    return "delins"


def translate_codon_change(
    codon_start: int, ref_codon: str, strand: int, number: int, pos: int, ref: str, alt: str
) -> str | None:
    """Protein change (``p.G12D``) of a substitution lying wholly inside one codon, else None.

    ``codon_start`` is the codon's lowest genomic base (1-based); ``ref_codon`` reads 5'->3' on the
    coding strand. A REF that disagrees with the codon's reference returns None (no guessing).
    """
    if len(ref) != len(alt) or not ref or pos < codon_start or pos + len(ref) - 1 > codon_start + 2:
        return None
    genomic = ref_codon if strand == 1 else reverse_complement(ref_codon)
    offset = pos - codon_start
    if genomic[offset : offset + len(ref)] != ref.upper():
        return None
    mutated = genomic[:offset] + alt.upper() + genomic[offset + len(ref) :]
    coding = mutated if strand == 1 else reverse_complement(mutated)
    before, after = CODON_TABLE[ref_codon], CODON_TABLE.get(coding)
    if after is None:
        return None
    return f"p.{before}{number}{'=' if after == before else after}"
