"""How many rows a table shows in the HTML and PDF: at most ``TABLE_ROW_LIMIT``; the JSON has every row.

A sample with thousands of variants in knowledgebase genes (a hypermutated tumor, an unfiltered whole-gene
capture) made a PDF of 65 pages that took half a minute and that no tumor board reads. When a table is cut,
the rows the knowledgebase matched come first, then the others by VAF (fusions: by supporting reads), and
the table says how many more the JSON holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

TABLE_ROW_LIMIT = 100
Row = TypeVar("Row")


@dataclass(frozen=True)
class Rows(Generic[Row]):
    shown: list[Row]
    more: int  # rows not shown (0 when the table is whole)


def _priority(row: Any) -> tuple[bool, float, int]:
    """Matched first, then by VAF, then by supporting reads (a report row: its observation holds the values)."""
    observation = getattr(row, "observation", row)
    vaf = getattr(observation, "vaf", None)
    reads = getattr(observation, "supporting_reads", None)
    return (getattr(row, "kb_id", None) is None, -(vaf if vaf is not None else -1.0), -(reads if reads is not None else -1))


def capped(items: Iterable[Row], limit: int = TABLE_ROW_LIMIT) -> Rows[Row]:
    """The rows to show: all of them, in order, when they fit; else the ``limit`` most relevant, matched first."""
    rows = list(items)
    if len(rows) <= limit:
        return Rows(rows, 0)
    return Rows(sorted(rows, key=_priority)[:limit], len(rows) - limit)
