"""Fusion inputs. This module reads the project's simple table (``gene5``, ``gene3``, optional support)."""

from __future__ import annotations

from pathlib import Path

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.models import Alteration, Counts, InputFile, ReadResult
from annotator.readers.common import file_sha256, read_tsv


def fusion_gene(index: KbIndex, gene5: str, gene3: str) -> str | None:
    """The partner a fusion is filed under: the knowledgebase kinase (3' first), else any KB gene."""
    kinases = [g for g in (gene3, gene5) if g in index.genes and index.genes[g].kinase]
    if kinases:
        return kinases[0]
    known = [g for g in (gene3, gene5) if index.in_variant_scope(g)]
    return known[0] if known else None


def read_simple_fusions(path: str | Path, index: KbIndex) -> ReadResult:
    path = Path(path)
    alterations: list[Alteration] = []
    read = outside = 0
    for line, row in read_tsv(path, ("gene5", "gene3")):
        read += 1
        g5 = index.symbol(row["gene5"]) or row["gene5"].strip()
        g3 = index.symbol(row["gene3"]) or row["gene3"].strip()
        if not g5 or not g3:
            raise InputError("empty gene5 or gene3", path, line)
        support = row.get("supporting_reads") or row.get("reads") or ""
        reads = None
        if support and support.upper() not in ("NA", "."):
            try:
                reads = int(float(support))
            except ValueError:
                raise InputError(f"supporting_reads {support!r} is not a number", path, line) from None
        evidence = (row.get("evidence") or "").lower() or None
        if evidence not in (None, "dna", "rna"):
            raise InputError(f"evidence {evidence!r} must be dna or rna", path, line)
        gene = fusion_gene(index, g5, g3)
        if gene is None:
            outside += 1
            continue
        alterations.append(
            Alteration(
                gene=gene,
                type="fusion",
                source=path.name,
                fusion=f"{g5}::{g3}",
                gene5=g5,
                gene3=g3,
                supporting_reads=reads,
                evidence=evidence,
            )
        )
    counts = Counts(records_read=read, passed_filters=read, outside_knowledgebase_genes=outside)
    return ReadResult(
        input=InputFile(role="fusions", file=path.name, sha256=file_sha256(path), format="fusion table (gene5, gene3)"),
        alterations=tuple(alterations),
        counts=counts,
    )
