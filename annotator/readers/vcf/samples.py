"""Sample columns: which one is the tumor (plasma), names that say nothing, and its called genotype."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from annotator.errors import InputError
from annotator.readers.vcf.cells import Record
from annotator.readers.vcf.header import VcfHeader

GENERIC_SAMPLE_NAMES = {"tumor", "tumour", "sample", "sample1", "normal", "none", "unknown", "plasma"}


def is_generic_sample_name(name: str | None) -> bool:
    return not name or name.strip().lower() in GENERIC_SAMPLE_NAMES


def _listing(header: VcfHeader) -> str:
    return ", ".join(header.samples) if header.samples else "(none)"


def choose_tumor_sample(header: VcfHeader, requested: str | None) -> str | None:
    """The tumor/plasma column: --tumor-sample, ##tumor_sample, TUMOR, VarDict's first, or the only one."""
    samples = header.samples
    if requested:
        if requested not in samples:
            raise InputError(f"sample {requested!r} is not a column of this VCF (columns: {_listing(header)})", header.path)
        return requested
    if not samples:
        return None
    stated = header.first("tumor_sample")
    if stated:
        return _stated_tumor(header, stated)
    for guess in _GUESSES:
        found = guess(header)
        if found is not None:
            return found
    raise InputError(f"cannot tell which sample is the tumor; use --tumor-sample with one of: {_listing(header)}", header.path)


def _stated_tumor(header: VcfHeader, stated: str) -> str:
    """The column ##tumor_sample names; pipelines such as bcbio rename columns after calling ("BATCH__T1"):
    one unambiguous match is accepted."""
    samples = header.samples
    if stated in samples:
        return stated
    close = [s for s in samples if s.endswith(stated) or stated in s]
    if len(close) == 1:
        return close[0]
    raise InputError(f"##tumor_sample={stated} names no sample column (columns: {_listing(header)}); use --tumor-sample", header.path)


def _named_tumor(header: VcfHeader) -> str | None:
    named = [s for s in header.samples if s.upper() in ("TUMOR", "TUMOUR")]
    return named[0] if len(named) == 1 else None


def _only_sample(header: VcfHeader) -> str | None:
    return header.samples[0] if len(header.samples) == 1 else None


# Callers whose tumor/normal files put the tumor in a fixed column.
_TUMOR_COLUMN_OF_PAIR = {
    "VarDict": 0,  # var2vcf_paired.pl writes the tumor column first
    "SAGE": 1,  # SAGE writes the reference (normal) column first, then the tumor
}


def _caller_order(header: VcfHeader) -> str | None:
    column = _TUMOR_COLUMN_OF_PAIR.get(header.caller)
    return header.samples[column] if column is not None and len(header.samples) == 2 else None


def _stated_normal(header: VcfHeader) -> str | None:
    normal = header.first("normal_sample")
    if normal in header.samples and len(header.samples) == 2:
        return next(s for s in header.samples if s != normal)
    return None


def _tumor_like(header: VcfHeader) -> str | None:
    tumor_like = [s for s in header.samples if re.search(r"tumou?r", s, re.I)]
    return tumor_like[0] if len(tumor_like) == 1 else None


def _normal_like(header: VcfHeader) -> str | None:
    samples = header.samples
    normal_like = [s for s in samples if re.search(r"normal|pbmc|germline|blood|buffy|(^|[_-])(n|wbc)$", s, re.I)]
    if len(samples) == 2 and len(normal_like) == 1:
        return next(s for s in samples if s not in normal_like)
    return None


# Tried in order when neither --tumor-sample nor ##tumor_sample says; the first answer wins.
_GUESSES: tuple[Callable[[VcfHeader], str | None], ...] = (
    _named_tumor, _only_sample, _caller_order, _stated_normal, _tumor_like, _normal_like,
)


def _genotype(rec: Record, header: VcfHeader, t: int) -> list[int | None] | None:
    """The tumor column's genotype [allele, ..., phased], or None when the file has no usable GT (Strelka2).

    Never reads ``rec.FORMAT``: on some records cyvcf2 crashes the process (segmentation fault) there.
    """
    if "GT" not in header.format:
        return None
    try:
        genotypes = rec.genotypes
    except Exception:  # cyvcf2 raises on GT-less or malformed genotype fields
        return None
    return genotypes[t] if genotypes and t < len(genotypes) else None


@dataclass(frozen=True)
class Called:
    alleles: frozenset[int]  # allele indexes the tumor genotype calls (0 = REF)
    text: str  # as written: "0/0", "0|2"


def called(rec: Record, t: int, header: VcfHeader) -> Called | None:
    """The tumor column's called genotype, or None when there is no GT or it is a no-call."""
    genotype = _genotype(rec, header, t)
    if not genotype:
        return None
    alleles = [a for a in genotype[:-1] if a is not None and a >= 0]
    if not alleles:
        return None
    text = ("|" if genotype[-1] else "/").join("." if a is None or a < 0 else str(a) for a in genotype[:-1])
    return Called(frozenset(alleles), text)


def no_call(rec: Record, t: int, header: VcfHeader) -> bool:
    genotype = _genotype(rec, header, t)
    return genotype is None or all(allele is None or allele < 0 for allele in genotype[:-1])
