"""Reading one fusion file: its format, its raw calls, and one fusion alteration per fusion."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from annotator.errors import InputError
from annotator.kb.index import KbIndex
from annotator.kb.schema import INTRAGENIC_KINDS
from annotator.models import Counts, Fusion, InputFile, ReadResult
from annotator.readers.common import (
    detect_by_columns,
    file_sha256,
    looks_like_vcf,
    read_table,
    resolve_format,
)
from annotator.readers.fusion.formats import FORMATS, FusionFormat, Row, RowParser
from annotator.readers.fusion.model import RawFusion, Tally
from annotator.readers.fusion.sv_vcf import read_sv_vcf

ZERO_READS = "call(s) with 0 supporting reads not used"
REPEATED = "repeated calls of a fusion already listed (its best call is kept)"
SAME_GENE = "same-gene (intragenic) events: not fusions, and the knowledgebase names no intragenic rearrangement of the gene"


def fusion_gene(index: KbIndex, gene5: str, gene3: str) -> str | None:
    """The partner a fusion is filed under: the knowledgebase kinase (3' first), else a knowledgebase gene."""
    kinases = [g for g in (gene3, gene5) if g in index.genes and index.genes[g].kinase]
    if kinases:
        return kinases[0]
    known = [g for g in (gene3, gene5) if index.in_variant_scope(g)]
    return known[0] if known else None


def detect_format(path: Path) -> str:
    """The format key of a file: a VCF by its content, tables by the first entry whose header matches."""
    if looks_like_vcf(path):
        return "sv-vcf"
    header, n, _ = read_table(path)
    key = detect_by_columns(header, FORMATS, [key for key, spec in FORMATS.items() if spec.row is not None])
    if key is not None:
        return key
    callers = [spec.caller for spec in FORMATS.values() if spec.row is not None and spec.caller]
    raise InputError(
        f"no recognizable fusion header (found: {', '.join(header[:6])}); expected e.g. 'gene5<TAB>gene3', "
        f"{', '.join(callers[:-1])} or {callers[-1]} columns", path, n,
    )


def _rows(path: Path, spec: FusionFormat, parse: RowParser, include_filtered: bool, tally: Tally) -> Iterator[RawFusion]:
    """The usable rows of a table, one at a time (a 1M-row table is never held whole)."""
    header, _, body = read_table(path)
    idx = {c: i for i, c in enumerate(header)}
    for line, cells in body:
        tally.read += 1
        raw = parse(Row(path, line, cells, idx, spec.caller))
        if isinstance(raw, str):
            tally.skip(raw)
            continue
        if raw.filter != "PASS":
            if not include_filtered:
                tally.filtered += 1
                continue
            tally.flagged += 1
        yield raw


def read_fusions(path: str | Path, index: KbIndex, fmt: str | None = None, include_filtered: bool = False) -> ReadResult:
    """Fusions of one file. Non-PASS records (SV VCF FILTER, a table's ``filter`` column, LINX ``reported=false``)
    are counted and skipped unless ``include_filtered``, which keeps them flagged (they never get a role)."""
    path = Path(path)
    key = resolve_format(path, fmt, FORMATS, detect_format, "fusion format")
    spec = FORMATS[key]
    tally = Tally()
    raws: Iterable[RawFusion]
    warnings: list[str] = []
    if spec.row is None:
        raws, warnings = read_sv_vcf(path, index, tally, include_filtered)
    else:
        raws = _rows(path, spec, spec.row, include_filtered, tally)
    best: dict[str, Fusion] = {}  # one per fusion, kept as the rows stream by (see _keep_best)
    outside = 0
    for raw in raws:
        if raw.reads == 0:
            tally.skip(ZERO_READS)
            continue
        alteration = _alteration(raw, index, path, spec)
        if alteration is None:
            outside += 1
        elif isinstance(alteration, str):
            tally.skip(alteration)
        elif not _keep_best(best, alteration):
            tally.skip(REPEATED)
    outside += tally.outside  # SV VCF junctions in no knowledgebase gene, counted while reading
    non_pass = tally.filtered + tally.flagged  # as in every reader: non-PASS records, whether kept or not
    counts = Counts(records_read=tally.read, passed_filters=tally.read - non_pass, filtered=non_pass,
                    outside_knowledgebase_genes=outside, skipped=sum(tally.skipped.values()),
                    skipped_reasons=dict(sorted(tally.skipped.items())))
    return ReadResult(
        input=InputFile(role="fusions", file=path.name, sha256=file_sha256(path), format=spec.name),
        alterations=tuple(best.values()),
        counts=counts,
        warnings=tuple(warnings + _tally_warnings(path, spec, tally)),
    )


def _tally_warnings(path: Path, spec: FusionFormat, tally: Tally) -> list[str]:
    warnings = [f"{path.name}: {n} record(s) skipped: {reason}" for reason, n in sorted(tally.skipped.items())]
    if tally.filtered:
        warnings.append(f"{path.name}: {tally.filtered} record(s) {spec.not_used} not used (--include-filtered keeps them, flagged)")
    if tally.flagged:
        warnings.append(f"{path.name}: {tally.flagged} non-PASS record(s) kept and flagged (--include-filtered): never given a role")
    return warnings


_FRAME_RANK = {"in-frame": 0, None: 1, "stop-codon": 2, "out-of-frame": 2}
_CONFIDENCE_RANK = {"high": 0, "medium": 1, None: 1, "low": 2}


def _rank(a: Fusion) -> tuple[bool, int, int, int]:
    return (a.filter != "PASS", _FRAME_RANK[a.reading_frame], _CONFIDENCE_RANK[a.confidence], -(a.supporting_reads or 0))


def _keep_best(best: dict[str, Fusion], a: Fusion) -> bool:
    """One entry per fusion: callers list a fusion once per breakpoint pair (FusionCatcher writes GOPC--ROS1 in frame
    and out of frame). Keep the best call: passing filters, in frame, most confident, then best supported; the
    first of equals, at the place of the fusion's first row. Same-gene events are not one fusion: each junction
    is its own event (a kinase-domain duplication and a deletion of one gene must not compete), so they are keyed
    by their breakpoints. Returns whether ``a`` started a new entry (False: it was merged into one)."""
    key = a.fusion or ""
    if a.gene5 and a.gene5 == a.gene3:
        key += f"@{a.breakpoint5}>{a.breakpoint3}"
    current = best.get(key)
    if current is None or _rank(a) < _rank(current):
        best[key] = a
    return current is None


class _Partners(NamedTuple):
    gene: str  # the knowledgebase gene the fusion is filed under
    gene5: str
    gene3: str


def _alteration(raw: RawFusion, index: KbIndex, path: Path, spec: FusionFormat) -> Fusion | str | None:
    """The fusion alteration of a raw call; a reason (str) when it is skipped; None outside knowledgebase genes."""
    g5 = index.symbol(raw.gene5) or raw.gene5.strip()
    g3 = index.symbol(raw.gene3) or raw.gene3.strip()
    notes: list[str] = [
        f"{original.strip()} is a previous symbol or alias of {mapped}"
        for original, mapped in ((raw.gene5, g5), (raw.gene3, g3))
        if original.strip().upper() != mapped.upper()
    ]
    notes += raw.notes
    if g5 == g3:
        # A same-gene event is not a fusion; it is kept only where the knowledgebase names an intragenic
        # rearrangement of the gene (EGFR kinase-domain duplication), for matching to check.
        if g5 not in index.genes or not any(a.kind in INTRAGENIC_KINDS for a in index.alterations_for_gene(g5)):
            return SAME_GENE
        notes.append("same-gene event: an intragenic rearrangement, not a fusion")
        return _make(raw, _Partners(g5, g5, g5), path, spec, notes)
    if not raw.ordered:
        g5, g3 = _kinase_3prime(index, g5, g3)
        notes.append("the source does not give the 5'/3' order; the kinase was taken as the 3' partner")
    gene = fusion_gene(index, g5, g3)
    if gene is None:
        return None
    notes += _partner_notes(index, _Partners(gene, g5, g3))
    return _make(raw, _Partners(gene, g5, g3), path, spec, notes)


def _kinase_3prime(index: KbIndex, g5: str, g3: str) -> tuple[str, str]:
    """(5', 3') for a source that gives no order: a knowledgebase kinase goes 3' (as in the oncogenic fusions listed)."""
    kinase5 = g5 in index.genes and index.genes[g5].kinase
    kinase3 = g3 in index.genes and index.genes[g3].kinase
    return (g3, g5) if kinase5 and not kinase3 else (g5, g3)


def _partner_notes(index: KbIndex, p: _Partners) -> list[str]:
    notes = []
    partner = p.gene5 if p.gene == p.gene3 else p.gene3
    named = {g for a in index.alterations_for_gene(p.gene) if a.fusion for g in (a.fusion.gene5, a.fusion.gene3) if g and g != p.gene}
    if partner not in named:
        article = "an" if p.gene[0] in "AEIOU" else "a"
        notes.append(f"partner {partner} is not among the knowledgebase's named {p.gene} fusions; reported as {article} {p.gene} fusion")
    if p.gene == p.gene5 and index.genes[p.gene].kinase:
        notes.append(f"{p.gene} is the 5' partner: its kinase domain is usually not retained")
    return notes


def _make(raw: RawFusion, p: _Partners, path: Path, spec: FusionFormat, notes: list[str]) -> Fusion:
    if raw.filter != "PASS":
        notes.append(f"did not pass the caller's filters ({raw.filter}); kept with --include-filtered")
    return Fusion(
        gene=p.gene, source=path.name, fusion=f"{p.gene5}::{p.gene3}", gene5=p.gene5, gene3=p.gene3,
        supporting_reads=raw.reads, evidence=raw.evidence or spec.evidence, filter=raw.filter,
        breakpoint5=raw.breakpoint5 or None, breakpoint3=raw.breakpoint3 or None, notes=tuple(notes),
        caller=raw.caller or spec.caller, confidence=raw.confidence, reading_frame=raw.reading_frame,
    )
