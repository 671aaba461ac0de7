"""Copy-number inputs. This module reads the project's gene-level table (``gene``, ``copy_number``)."""

from __future__ import annotations

import math
from pathlib import Path

from annotator.config import CnvThresholds
from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.models import Alteration, Counts, GeneCopyNumber, InputFile, ReadResult
from annotator.readers.common import file_sha256, read_tsv


def read_gene_table(path: str | Path, index: KbIndex, thresholds: CnvThresholds) -> ReadResult:
    """Rows for knowledgebase genes become copy-number calls; amplifications/losses become alterations."""
    path = Path(path)
    calls: list[GeneCopyNumber] = []
    alterations: list[Alteration] = []
    read = outside = 0
    for line, row in read_tsv(path, ("gene", "copy_number")):
        read += 1
        raw = row["copy_number"]
        try:
            value = float(raw)
        except ValueError:
            raise InputError(f"copy_number {raw!r} is not a number", path, line) from None
        if math.isnan(value) or math.isinf(value):
            raise InputError(f"copy_number {raw!r} is not a finite number", path, line)
        if value < 0:
            raise InputError(f"copy_number {raw!r} is below zero", path, line)
        gene = index.scope_symbol(row["gene"])
        if gene is None:
            outside += 1
            continue
        calls.append(GeneCopyNumber(gene=gene, copy_number=value, source=path.name))
        kind = thresholds.classify(value)
        if kind:
            alterations.append(Alteration(gene=gene, type=kind, source=path.name, copy_number=value))
    counts = Counts(records_read=read, passed_filters=read, outside_knowledgebase_genes=outside)
    return ReadResult(
        input=InputFile(role="cnv", file=path.name, sha256=file_sha256(path), format="gene copy-number table"),
        alterations=tuple(alterations),
        copy_numbers=tuple(calls),
        counts=counts,
    )
