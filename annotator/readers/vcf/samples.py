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


@dataclass(frozen=True)
class _Role:
    """Which column a reading wants, and how it is named when it cannot be told."""

    what: str  # as an error names it
    stated: str  # the header key that names it (##tumor_sample=...)
    hint: str  # how the user says which one, after an error
    first: tuple[Callable[[VcfHeader], str | None], ...]  # tried before the header key
    guesses: tuple[Callable[[VcfHeader], str | None], ...]  # tried after it, in order; the first answer wins


def choose_tumor_sample(header: VcfHeader, requested: str | None) -> str | None:
    """The tumor/plasma column: --tumor-sample, ##tumor_sample, TUMOR, VarDict's first, or the only one."""
    return _choose(header, requested, TUMOR)


def choose_normal_sample(header: VcfHeader) -> str | None:
    """The white-blood-cell (normal) column of a matched WBC file: the only one, ##normal_sample, NORMAL, the
    caller's normal column of a pair, the other of ##tumor_sample, or the one normal-like name (WBC, PBMC...)."""
    return _choose(header, None, NORMAL)


def _choose(header: VcfHeader, requested: str | None, role: _Role) -> str | None:
    samples = header.samples
    if requested:
        if requested not in samples:
            raise InputError(f"sample {requested!r} is not a column of this VCF (columns: {_listing(header)})", header.path)
        return requested
    if not samples:
        return None
    for guess in role.first:
        found = guess(header)
        if found is not None:
            return found
    stated = header.first(role.stated)
    if stated:
        return _stated(header, stated, role)
    for guess in role.guesses:
        found = guess(header)
        if found is not None:
            return found
    raise InputError(f"cannot tell which sample is {role.what}; {role.hint} one of: {_listing(header)}", header.path)


def _stated(header: VcfHeader, stated: str, role: _Role) -> str:
    """The column ##tumor_sample (##normal_sample) names; pipelines such as bcbio rename columns after calling
    ("BATCH__T1"): one unambiguous match is accepted."""
    samples = header.samples
    if stated in samples:
        return stated
    close = [s for s in samples if s.endswith(stated) or stated in s]
    if len(close) == 1:
        return close[0]
    raise InputError(f"##{role.stated}={stated} names no sample column (columns: {_listing(header)}); {role.hint} one of them",
                     header.path)


def _named(*names: str) -> Callable[[VcfHeader], str | None]:
    def find(header: VcfHeader) -> str | None:
        named = [s for s in header.samples if s.upper() in names]
        return named[0] if len(named) == 1 else None
    return find


def _only_sample(header: VcfHeader) -> str | None:
    return header.samples[0] if len(header.samples) == 1 else None


# Callers whose tumor/normal files put the tumor in a fixed column (the normal is the other one).
_TUMOR_COLUMN_OF_PAIR = {
    "VarDict": 0,  # var2vcf_paired.pl writes the tumor column first
    "SAGE": 1,  # SAGE writes the reference (normal) column first, then the tumor
}


def _caller_column(tumor: bool) -> Callable[[VcfHeader], str | None]:
    def find(header: VcfHeader) -> str | None:
        column = _TUMOR_COLUMN_OF_PAIR.get(header.caller)
        if column is None or len(header.samples) != 2:
            return None
        return header.samples[column if tumor else 1 - column]
    return find


def _other_of(find: Callable[[VcfHeader], str | None]) -> Callable[[VcfHeader], str | None]:
    """In a file of two columns, the one ``find`` does not name."""
    def other(header: VcfHeader) -> str | None:
        found = find(header) if len(header.samples) == 2 else None
        return next(s for s in header.samples if s != found) if found is not None else None
    return other


def _stated_column(key: str) -> Callable[[VcfHeader], str | None]:
    def find(header: VcfHeader) -> str | None:
        stated = header.first(key)
        return stated if stated in header.samples else None
    return find


def _like(pattern: str) -> Callable[[VcfHeader], str | None]:
    def find(header: VcfHeader) -> str | None:
        like = [s for s in header.samples if re.search(pattern, s, re.I)]
        return like[0] if len(like) == 1 else None
    return find


_TUMOR_LIKE = _like(r"tumou?r")
_NORMAL_LIKE = _like(r"normal|pbmc|germline|blood|buffy|(^|[_-])(n|wbc)$")

TUMOR = _Role("the tumor", "tumor_sample", "use --tumor-sample with", (), (
    _named("TUMOR", "TUMOUR"), _only_sample, _caller_column(tumor=True), _other_of(_stated_column("normal_sample")),
    _TUMOR_LIKE, _other_of(_NORMAL_LIKE),
))
NORMAL = _Role("the white-blood-cell (normal) column", "normal_sample",
               "give a WBC VCF of one sample, or a ##normal_sample header line naming", (_only_sample,), (
    _named("NORMAL", "WBC"), _caller_column(tumor=False), _other_of(_stated_column("tumor_sample")),
    _NORMAL_LIKE, _other_of(_TUMOR_LIKE),
))


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
