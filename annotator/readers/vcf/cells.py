"""cyvcf2 cell access: numbers out of FORMAT and INFO cells, missing values as None.

cyvcf2 hands back numpy scalars and arrays that point into C memory freed with the record; everything
read here is turned into plain Python numbers at once, so nothing of cyvcf2 travels further.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, TypeAlias

Record: TypeAlias = Any  # a cyvcf2.Variant: cyvcf2 ships no type information
VcfFile: TypeAlias = Any  # a cyvcf2.VCF
Cells: TypeAlias = list[float | None]


def missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value) or value < 0
    return isinstance(value, int) and value < 0


def num(value: Any) -> float | None:
    """A number from a cyvcf2 cell (numpy scalar, str, bytes), or None when missing."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode()
    if isinstance(value, str):
        text = value.strip().rstrip("%")
        try:
            value = float(text) / (100 if value.strip().endswith("%") else 1)
        except ValueError:
            return None
    return None if missing(value) else value


def cells(rec: Record, key: str, t: int) -> Cells | None:
    """The tumor column's values of one FORMAT field, or None when the record lacks it."""
    try:
        arr = rec.format(key)
    except KeyError:
        return None
    if arr is None:
        return None
    row = arr[t]
    if getattr(row, "ndim", 1) == 0:  # String-typed FORMAT fields come back one string per sample
        row = [row]
    elif row.dtype.kind in "iuf":  # numbers: as num() would take each, at once (NaN and negatives are missing)
        return [None if v != v or v < 0 else v for v in row.tolist()]
    return [num(x) for x in row]


class TumorCells:
    """The tumor column of one record, each FORMAT field read from cyvcf2 once: reading a record asks for the same
    field several times (the value-count check, the VAF rule, the depth, the alt reads), and every cyvcf2 call builds
    new arrays. The lists it returns are shared between those callers: they only read them."""

    __slots__ = ("_read", "rec", "t")

    def __init__(self, rec: Record, t: int) -> None:
        self.rec, self.t = rec, t
        self._read: dict[str, Cells | None] = {}

    def __call__(self, key: str) -> Cells | None:
        """The tumor column's values of one FORMAT field, or None when the record lacks it (see :func:`cells`)."""
        if key not in self._read:
            self._read[key] = cells(self.rec, key, self.t)
        return self._read[key]

    def first(self, key: str) -> float | None:
        """The first value of one FORMAT field (fields with Number=1)."""
        return (self(key) or [None])[0]


def info_num(rec: Record, key: str, alt_i: int = 0) -> float | None:
    value = rec.INFO.get(key)
    if isinstance(value, tuple):
        value = value[alt_i] if alt_i < len(value) else None
    return num(value)


def info_values(rec: Record, key: str) -> Cells | None:
    value = rec.INFO.get(key)
    if value is None:
        return None
    return [num(v) for v in value] if isinstance(value, tuple) else [num(value)]


def fraction(alt: float | None, total: float | None) -> float | None:
    return alt / total if alt is not None and total else None


class PerAllele(NamedTuple):
    value: float | None
    event_level: bool  # one value for several ALTs (e.g. FORMAT/AF declared Number=1): no allele gets it


def per_allele(values: Cells | None, alt_i: int, n_alt: int) -> PerAllele:
    """The value for ALT ``alt_i`` of a per-allele field (see :class:`PerAllele`)."""
    if not values:
        return PerAllele(None, False)
    if len(values) >= n_alt:
        return PerAllele(values[alt_i], False)
    if n_alt == 1:
        return PerAllele(values[0], False)
    return PerAllele(None, True)
