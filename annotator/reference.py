"""Reference genome access (``--reference FASTA``): REF checks and left-alignment of indels.

pysam has no left-align function, so shifting is done here: an indel slides left while the base
before it equals its last base, then is re-anchored on the preceding base (VCF convention).
"""

from __future__ import annotations

from pathlib import Path

from annotator.errors import InputError
from annotator.genome import bare_contig
from annotator.normalize import plain_allele, trim_alleles


class Reference:
    def __init__(self, path: str | Path):
        import pysam  # only runs that give --reference need it

        self.path = Path(path)
        if not self.path.is_file():
            raise InputError("reference FASTA not found", self.path)
        try:
            self._fasta = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot open reference FASTA ({exc}); it needs a .fai index (samtools faidx)", self.path) from None
        self._names = {bare_contig(n): n for n in self._fasta.references}

    def fetch(self, chrom: str, start0: int, end0: int) -> str:
        name = self._names.get(bare_contig(chrom))
        if name is None:
            raise InputError(f"contig {chrom!r} is not in the reference FASTA", self.path)
        return self._fasta.fetch(name, max(0, start0), end0).upper()

    def ref_problem(self, chrom: str, pos: int, ref: str) -> str | None:
        """What is wrong when a record's REF is not the genome's sequence at its position, else None."""
        want = plain_allele(ref)
        if not want or set(want) - set("ACGTN"):
            return None
        have = self.fetch(chrom, pos - 1, pos - 1 + len(want))
        return None if have == want else f"REF {ref} at {chrom}:{pos} disagrees with the reference genome ({have})"

    def left_align(self, chrom: str, pos: int, ref: str, alt: str) -> tuple[int, str, str]:
        """Leftmost, anchored representation of an insertion or deletion; other alleles trimmed only."""
        tpos, r, a = trim_alleles(pos, plain_allele(ref), plain_allele(alt))
        if (r and a) or (not r and not a):
            return pos, ref, alt
        seq = r or a
        while tpos > 1:
            before = self.fetch(chrom, tpos - 2, tpos - 1)
            if before != seq[-1]:
                break
            seq = before + seq[:-1]
            tpos -= 1
        anchor = self.fetch(chrom, tpos - 2, tpos - 1)
        return (tpos - 1, anchor + seq, anchor) if r else (tpos - 1, anchor, anchor + seq)
