"""Gene-level formats: one row per gene (or a matrix with one column per sample), no coordinates.

A gene listed again keeps its higher value (copy number, then call rank), with a note.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from annotator.errors import InputError
from annotator.models import GeneCopyNumber
from annotator.readers.cnv.model import CnvFormat, GeneCalls, GeneValue, ReadContext, Row, check_columns
from annotator.readers.common import read_table

# Columns of a GISTIC / oncokb-annotator matrix that are not samples.
_NOT_SAMPLES = ("hugo_symbol", "entrez_gene_id", "gene symbol", "locus id", "cytoband")
_RANK = {"amp": 4, "gain": 3, "neutral": 2, "loss": 1, "del": 0}


@dataclass(frozen=True)
class GeneTable:
    """How a gene-level table is read: the gene column, and ``parse`` for a row's value.

    Rows are taken in file order; a row whose gene is not a knowledgebase gene is counted as outside
    before its value is read (a value no knowledgebase gene needs is never an error)."""

    gene: str  # the column naming the gene
    parse: Callable[[Row], GeneValue]
    sample: str | None = None  # a column naming each row's sample: with --tumor-sample, other samples' rows are passed over
    samples_as_columns: bool = False  # a matrix, one column per sample (GISTIC): --tumor-sample picks the column

    def read(self, path: Path, spec: CnvFormat, context: ReadContext) -> GeneCalls:
        header, n, body = read_table(path)
        idx = {c: i for i, c in enumerate(header)}
        check_columns(spec.required, idx, header, path, n)
        column = _sample_column(path, header, n, context.sample) if self.samples_as_columns else ""
        calls: dict[str, GeneCopyNumber] = {}
        read = outside = 0
        for line, cells in body:
            if len(cells) < len(spec.required):
                raise InputError(f"row has {len(cells)} column(s); the header has {len(header)}", path, line)
            read += 1
            if self.sample is not None and context.sample and cells[idx[self.sample]] != context.sample:
                continue
            gene = context.index.scope_symbol(cells[idx[self.gene]])
            if gene is None:
                outside += 1
                continue
            value = self.parse(Row(path, line, cells, idx, context.notes, column))
            call = GeneCopyNumber(gene=gene, copy_number=value.copy_number, source=path.name, level=spec.level,
                                  tool_call=value.tool_call)
            _keep_higher(calls, call, f"{path.name}:{line}", context.notes)
        return GeneCalls(sorted(calls.values(), key=lambda c: c.gene), read, outside)


def _sample_column(path: Path, header: list[str], line: int, sample: str | None) -> str:
    """The column of a per-sample matrix to read: --tumor-sample's, else the only sample's."""
    samples = [c for c in header if c not in _NOT_SAMPLES]
    originals = {c.lower(): c for c in _raw_header(path, line)}
    if sample is None and len(samples) > 1:
        raise InputError(f"several samples; use --tumor-sample with one of: {', '.join(originals.get(s, s) for s in samples)}", path, line)
    column = (sample.lower() if sample else samples[0]) if samples else None
    if column is None or column not in header:
        raise InputError(f"sample {sample!r} is not a column (columns: {', '.join(samples)})", path, line)
    return column


def _keep_higher(calls: dict[str, GeneCopyNumber], call: GeneCopyNumber, where: str, notes: list[str]) -> None:
    previous = calls.get(call.gene)
    if (previous is not None and (previous.copy_number or -1) >= (call.copy_number or -1)
            and _rank(previous.tool_call) >= _rank(call.tool_call)):
        notes.append(f"{where}: {call.gene} listed again; the higher value was kept")
        return
    calls[call.gene] = call


def _rank(call: str | None) -> int:
    return _RANK.get(call or "", -1)


def _raw_header(path: Path, line_no: int) -> list[str]:
    """The header as written (the table reader lower-cases it), to name samples as the user wrote them."""
    with path.open(encoding="utf-8") as fh:
        for n, text in enumerate(fh, start=1):
            if n == line_no:
                return [c.strip() for c in text.rstrip("\r\n").split("\t")]
    return []
