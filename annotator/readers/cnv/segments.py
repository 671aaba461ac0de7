"""Segment (and bin) formats: rows with coordinates, mapped to knowledgebase genes on the sample's build.

A segment file's ``gene`` column is only a hint and is ignored. Where several segments overlap a
gene, the one with the highest copy number is kept (a focal amplicon may cover part of it).
Segments are streamed into per-gene values as they are read: memory does not grow with the number
of records (a 5M-bin CNVkit .cnr), only with the bins inside knowledgebase genes.
"""

from __future__ import annotations

import statistics
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from annotator.errors import InputError
from annotator.genome import CONTIG_LENGTHS, bare_contig
from annotator.models import GeneCopyNumber
from annotator.readers.cnv.model import CnvFormat, GeneCalls, Level, ReadContext, Row, Segment, check_columns
from annotator.readers.common import read_table


@dataclass(frozen=True)
class SegmentTable:
    """How a segment table is read: ``parse`` turns one row into a segment (see ``Row.span``)."""

    parse: Callable[[Row], Segment]
    columns: tuple[str, ...] | None = None  # the columns ``parse`` reads, checked first (None: the format's required ones)
    bins: bool = False  # bin-level input (CNVkit .cnr): the median of a gene's bins, no segment length

    def read(self, path: Path, spec: CnvFormat, context: ReadContext) -> GeneCalls:
        segments = _Counted(self._segments(path, spec.required if self.columns is None else self.columns, context.notes))
        calls, outside = segments_to_genes(segments, path, spec.level, context, bins=self.bins)
        return GeneCalls(calls, segments.n, outside)

    def _segments(self, path: Path, columns: tuple[str, ...], notes: list[str]) -> Iterator[Segment]:
        """The segments of the table, one row at a time (line numbers kept for errors)."""
        header, n, body = read_table(path)
        idx = {c: i for i, c in enumerate(header)}
        check_columns(columns, idx, header, path, n)
        for line, cells in body:
            if len(cells) < len(header):
                raise InputError(f"row has {len(cells)} column(s); the header has {len(header)}", path, line)
            yield self.parse(Row(path, line, cells, idx, notes))


class _Counted:
    """Iterates over segments, counting them (the records read) as they go by."""

    def __init__(self, items: Iterable[Segment]):
        self.items, self.n = items, 0

    def __iter__(self) -> Iterator[Segment]:
        for item in self.items:
            self.n += 1
            yield item


def segments_to_genes(segments: Iterable[Segment], path: Path, level: Level, context: ReadContext,
                      bins: bool = False) -> tuple[list[GeneCopyNumber], int]:
    """Per knowledgebase gene, the overlapping segment with the highest copy number; for bin-level
    input (CNVkit .cnr) the median of the gene's bins, with no segment length (focality unknown).
    Returns the calls and the number of segments in no knowledgebase gene.

    A segment that did not pass the caller's filters is used only with ``include_filtered`` (and then
    carries its FILTER); otherwise it is left out, and a warning names the genes it would have covered.
    Segments left out are counted by the caller as filtered, not as outside knowledgebase genes."""
    index = context.index
    lengths = CONTIG_LENGTHS[index.build]
    genes_of = _PerGene(bins)
    outside = 0
    for seg in segments:
        contig_len = lengths.get(bare_contig(seg.chrom))
        if contig_len is not None and seg.end > contig_len:
            raise InputError(
                f"segment {seg.chrom}:{seg.start}-{seg.end} ends past {seg.chrom} ({contig_len:,} bp on {index.build});"
                " is the file on another genome build?", path, seg.line,
            )
        genes = index.genes_at(seg.chrom, seg.start - 1, seg.end)
        if seg.filter != "PASS" and not context.include_filtered:
            if genes:
                context.notes.append(_not_used(seg, genes, path))
        elif genes:
            genes_of.add(seg, genes)
        else:
            outside += 1
    return genes_of.calls(path.name, level), outside


def _not_used(seg: Segment, genes: list[str], path: Path) -> str:
    value = f"copy number {seg.copy_number:g}" if seg.copy_number is not None else "copy-number record"
    where = f"{path.name}:{seg.line}" if seg.line is not None else path.name
    return f"{where}: {', '.join(genes)} {value} not used: FILTER {seg.filter} (--include-filtered keeps it, flagged)"


class _Best(NamedTuple):
    segment: Segment
    copy_number: float | None


@dataclass
class _PerGene:
    """Per gene: the segment with the highest copy number, or (bins) the log2 of each of its bins."""

    bins: bool
    best: dict[str, _Best] = field(default_factory=dict)
    gene_bins: dict[str, array[float]] = field(default_factory=dict)  # 8 bytes a bin, for the median

    def add(self, seg: Segment, genes: list[str]) -> None:
        if self.bins:
            if seg.log2 is not None:
                for g in genes:
                    self.gene_bins.setdefault(g, array("d")).append(seg.log2)
            return
        cn = seg.copy_number if seg.copy_number is not None else (2 * 2**seg.log2 if seg.log2 is not None else None)
        for g in genes:
            current = self.best.get(g)
            if current is None or (cn is not None and (current.copy_number is None or cn > current.copy_number)):
                self.best[g] = _Best(seg, cn)

    def calls(self, source: str, level: Level) -> list[GeneCopyNumber]:
        calls = []
        for gene, values in sorted(self.gene_bins.items()):
            log2 = statistics.median(values)
            calls.append(GeneCopyNumber(gene=gene, copy_number=round(2 * 2**log2, 4), source=source, level=level,
                                        log2=round(log2, 4), segment=f"{len(values)} bins"))
        for gene, (seg, cn) in sorted(self.best.items()):
            calls.append(
                GeneCopyNumber(
                    gene=gene, copy_number=round(cn, 4) if cn is not None else None, source=source, level=level,
                    log2=seg.log2, tool_call=seg.call, segment=f"{seg.chrom}:{seg.start}-{seg.end}",
                    segment_length=seg.end - seg.start + 1, filter=seg.filter,
                )
            )
        return calls
